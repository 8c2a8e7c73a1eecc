"""The buyer's answers to its suppliers' facturas (Ley 19.983's 8-day window): when the SII received each one, every
answer sent to the Registro de Reclamos and what the SII said, each document's standing and deadline, and the
documents close to their deadline (the dashboard's alert). Rules and sources: docs/supplier-answers.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from shared import supplier_answers as rules
from shared.events import codec as codec_mod
from shared.events import purchases as purchase_events
from syncserver.store import change_feed, db

CHILE: Final = ZoneInfo("America/Santiago")
LOOKBACK_DAYS: Final = 60
"""The alert looks at documents issued in the last 60 days (a supplier sends its factura to the SII on issuing it;
one received by the SII two months late is not looked for)."""
ANSWERABLE_TIPOS: Final = rules.ANSWERABLE_TIPOS
ACTION_LABELS: Final = rules.ACTION_LABELS

CHANGE: Final = "supplier_answer"
"""Feed kind of an answer kept (for the tills of the store that registered the purchase; key
``rut:tipo:folio``; ``data``: ``codec.to_payload`` of its :class:`shared.events.purchases.SupplierAnswerReceived`)."""

Key = tuple[str, int, int]
"""``(supplier_rut as on the document, tipo, folio)``: a purchase's key."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One answer sent: ``code`` is the SII's (0 taken; None when the SII could not be reached), ``message`` its
    text or the error."""

    attempt: int
    action: str
    reason: str
    actor: str
    asked_at: datetime
    code: int | None
    message: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a document stands (:class:`shared.supplier_answers.Window`: state, deadline, estimated, days left),
    the SII's reception (None: not asked yet) and every attempt, oldest first."""

    window: rules.Window
    received_at: datetime | None
    attempts: tuple[Attempt, ...]

    @property
    def state(self) -> str:
        return self.window.state

    @property
    def label(self) -> str:
        return self.window.label

    @property
    def deadline(self) -> date | None:
        return self.window.deadline

    @property
    def estimated(self) -> bool:
        return self.window.estimated

    @property
    def days_left(self) -> int | None:
        return self.window.days_left

    @property
    def open(self) -> bool:
        return self.window.open

    @property
    def taken(self) -> tuple[str, ...]:
        """The actions the SII took, in order."""
        return tuple(a.action for a in self.attempts if a.ok)

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


def standing(tipo: int, fecha_emision: date, received_at: datetime | None, attempts: Sequence[Attempt],
             today: date) -> Standing:
    """A document's :class:`Standing` on ``today`` (Chile date) from its reception and the answers sent."""
    received = None if received_at is None else received_at.astimezone(CHILE).date()
    return Standing(rules.window(tipo, fecha_emision, received, [a.action for a in attempts if a.ok], today),
                    received_at, tuple(attempts))


async def standings(conn: db.Conn, tenant_id: int, documents: Sequence[tuple[str, int, int, date]],
                    today: date) -> dict[Key, Standing]:
    """The :class:`Standing` of each ``(supplier_rut, tipo, folio, fecha_emision)``, by key."""
    if not documents:
        return {}
    keys = ([d[0] for d in documents], [d[1] for d in documents], [d[2] for d in documents])
    wanted = ("FROM unnest(%s::text[], %s::int[], %s::bigint[]) AS k(supplier_rut, tipo, folio)"
              " JOIN {table} x ON x.tenant_id = %s AND x.supplier_rut = k.supplier_rut AND x.tipo = k.tipo"
              " AND x.folio = k.folio")
    received = {(r[0], r[1], r[2]): r[3] for r in await (await conn.execute(
        "SELECT x.supplier_rut, x.tipo, x.folio, x.received_at " + wanted.format(table="supplier_receptions"),
        (*keys, tenant_id))).fetchall()}
    attempts: dict[Key, list[Attempt]] = {}
    for r in await (await conn.execute(
            "SELECT x.supplier_rut, x.tipo, x.folio, x.attempt, x.action, x.reason, x.actor, x.asked_at, x.code,"
            " x.message " + wanted.format(table="supplier_answers") + " ORDER BY x.attempt",
            (*keys, tenant_id))).fetchall():
        attempts.setdefault((r[0], r[1], r[2]), []).append(Attempt(*r[3:]))
    return {(rut, tipo, folio): standing(tipo, fecha, received.get((rut, tipo, folio)),
                                         attempts.get((rut, tipo, folio), []), today)
            for rut, tipo, folio, fecha in documents}


async def record_reception(conn: db.Conn, tenant_id: int, key: Key, received_at: datetime | None,
                           asked_at: datetime) -> None:
    """Keep what the SII answered about the document's reception at ``asked_at``: when it received it, or None
    (not received yet; a reception known before is kept)."""
    await conn.execute(
        "INSERT INTO supplier_receptions (tenant_id, supplier_rut, tipo, folio, received_at, asked_at)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, supplier_rut, tipo, folio)"
        " DO UPDATE SET received_at = COALESCE(EXCLUDED.received_at, supplier_receptions.received_at),"
        " asked_at = EXCLUDED.asked_at",
        (tenant_id, *key, received_at, asked_at))


ASK_AGAIN: Final = timedelta(hours=6)
"""A document the SII had not received is asked about again after this long."""


async def to_ask(conn: db.Conn, tenant_id: int, now: datetime, limit: int = 20) -> list[Key]:
    """Purchases still to answer (issued in the last :data:`LOOKBACK_DAYS`, no answer taken) whose SII reception
    is unknown: never asked, or the SII had not received them :data:`ASK_AGAIN` ago; oldest first."""
    today = now.astimezone(CHILE).date()
    rows = await (await conn.execute(
        "SELECT p.supplier_rut, p.tipo, p.folio FROM purchases p LEFT JOIN supplier_receptions r"
        " ON r.tenant_id = p.tenant_id AND r.supplier_rut = p.supplier_rut AND r.tipo = p.tipo AND r.folio = p.folio"
        " WHERE p.tenant_id = %(t)s AND p.fecha_emision >= %(since)s AND p.tipo = ANY(%(tipos)s)"
        " AND (r.tenant_id IS NULL OR (r.received_at IS NULL AND r.asked_at < %(again)s))"
        " AND NOT EXISTS (SELECT 1 FROM supplier_answers a WHERE a.tenant_id = p.tenant_id"
        " AND a.supplier_rut = p.supplier_rut AND a.tipo = p.tipo AND a.folio = p.folio AND a.code = 0)"
        " ORDER BY p.fecha_emision, p.supplier_rut, p.tipo, p.folio LIMIT %(limit)s",
        {"t": tenant_id, "since": today - timedelta(days=LOOKBACK_DAYS), "tipos": sorted(ANSWERABLE_TIPOS),
         "again": now - ASK_AGAIN, "limit": limit})).fetchall()
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]


async def record_answer(conn: db.Conn, tenant_id: int, key: Key, *, action: str, reason: str, actor: str,
                        asked_at: datetime, code: int | None, message: str) -> int:
    """Append one answer and what the SII said to the document's history; returns its attempt number."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"supplier_answers:{tenant_id}:{key}",))
    row = await (await conn.execute(
        "SELECT COALESCE(max(attempt), 0) + 1 FROM supplier_answers WHERE tenant_id = %s AND supplier_rut = %s"
        " AND tipo = %s AND folio = %s", (tenant_id, *key))).fetchone()
    assert row is not None
    await conn.execute(
        "INSERT INTO supplier_answers (tenant_id, supplier_rut, tipo, folio, attempt, action, reason, actor,"
        " asked_at, code, message) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (tenant_id, *key, row[0], action, reason, actor, asked_at, code, message[:500]))
    return int(row[0])


@dataclass(frozen=True, slots=True)
class DueAnswer:
    """A supplier document still to answer whose deadline is at most ``ALERT_DAYS`` away
    (:data:`shared.supplier_answers.ALERT_DAYS`)."""

    supplier_rut: str
    supplier_name: str
    tipo: int
    folio: int
    store_id: str
    fecha_emision: date
    deadline: date
    days_left: int
    estimated: bool


async def due_soon(conn: db.Conn, tenant_id: int, stores: Sequence[str], today: date) -> list[DueAnswer]:
    """The documents of ``stores`` still to answer with 0 to 2 days left on ``today`` (Chile
    date), the most urgent first: the dashboard's alert."""
    rows = await (await conn.execute(
        "SELECT p.supplier_rut, p.supplier_name, p.tipo, p.folio, p.store_id, p.fecha_emision, r.received_at"
        " FROM purchases p LEFT JOIN supplier_receptions r ON r.tenant_id = p.tenant_id"
        " AND r.supplier_rut = p.supplier_rut AND r.tipo = p.tipo AND r.folio = p.folio"
        " WHERE p.tenant_id = %(t)s AND p.fecha_emision >= %(since)s AND p.fecha_emision <= %(today)s"
        " AND p.store_id = ANY(%(stores)s) AND p.tipo = ANY(%(tipos)s) AND NOT EXISTS (SELECT 1 FROM"
        " supplier_answers a WHERE a.tenant_id = p.tenant_id AND a.supplier_rut = p.supplier_rut"
        " AND a.tipo = p.tipo AND a.folio = p.folio AND a.code = 0)",
        {"t": tenant_id, "since": today - timedelta(days=LOOKBACK_DAYS), "today": today, "stores": list(stores),
         "tipos": sorted(ANSWERABLE_TIPOS)})).fetchall()
    due = []
    for rut, name, tipo, folio, store, fecha, received in rows:
        found = standing(tipo, fecha, received, (), today)
        if found.window.urgent and found.deadline is not None and found.days_left is not None:
            due.append(DueAnswer(rut, name, tipo, folio, store, fecha, found.deadline, found.days_left,
                                 found.estimated))
    return sorted(due, key=lambda d: (d.deadline, d.supplier_name, d.folio))


async def forward(conn: db.Conn, tenant_id: int, key: Key, store_id: str) -> None:
    """Publish the document's answers as the master now keeps them to the tills of ``store_id`` (inside the
    caller's transaction, after :func:`record_answer`): the SII's reception, the answers taken, the last one."""
    received = await (await conn.execute(
        "SELECT received_at FROM supplier_receptions WHERE tenant_id = %s AND supplier_rut = %s AND tipo = %s"
        " AND folio = %s", (tenant_id, *key))).fetchone()
    rows = await (await conn.execute(
        "SELECT action, code, message, actor, asked_at FROM supplier_answers WHERE tenant_id = %s"
        " AND supplier_rut = %s AND tipo = %s AND folio = %s ORDER BY attempt", (tenant_id, *key))).fetchall()
    if not rows:
        return
    action, _code, message, actor, asked_at = rows[-1]
    event = purchase_events.SupplierAnswerReceived(
        key[0], key[1], key[2],
        "" if received is None or received[0] is None else received[0].astimezone(CHILE).date().isoformat(),
        tuple(r[0] for r in rows if r[1] == 0), action, message, actor, asked_at.isoformat())
    await change_feed.append_change(conn, tenant_id, CHANGE, f"{key[0]}:{key[1]}:{key[2]}",
                                    codec_mod.to_payload(event), store_id=store_id)
