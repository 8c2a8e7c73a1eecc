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

from syncserver.store import db

CHILE: Final = ZoneInfo("America/Santiago")
WINDOW_DAYS: Final = 8
"""Ley 19.983 art. 3: the buyer may claim within the 8 calendar days that follow the SII's reception; after that
the document counts as accepted. The last day is the reception's Chile date plus 8."""
ALERT_DAYS: Final = 2
"""A pending document is on the dashboard's alerts when this many days or fewer remain (0: today is the last)."""
ANSWERABLE_TIPOS: Final = frozenset({33, 34, 43})
LOOKBACK_DAYS: Final = 60
"""The alert looks at documents issued in the last 60 days (a supplier sends its factura to the SII on issuing it;
one received by the SII two months late is not looked for)."""

ACTION_LABELS: Final = {
    "ACD": "Aceptar el contenido",
    "ERM": "Dar recibo de mercaderías",
    "RCD": "Reclamar el contenido",
    "RFP": "Reclamar falta parcial de mercaderías",
    "RFT": "Reclamar falta total de mercaderías",
}
STATE_LABELS: Final = {
    "pendiente": "Por responder",
    "aceptado": "Aceptado",
    "recibo": "Recibo de mercaderías otorgado",
    "reclamado": "Reclamado",
    "vencido": "Aceptado (plazo vencido)",
    "no_aplica": "No se responde",
}

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
    """Where a document stands: ``state`` (:data:`STATE_LABELS`), the SII's reception (None: not asked yet),
    ``deadline`` (the last day to answer: from the reception, or ``estimated`` from the fecha de emisión, which is
    never later), ``days_left`` (0 = today is the last day; negative once past), every attempt, oldest first."""

    state: str
    received_at: datetime | None
    deadline: date | None
    estimated: bool
    days_left: int | None
    attempts: tuple[Attempt, ...]

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def open(self) -> bool:
        """Whether an answer may still be sent (the SII decides; this is what HQ offers)."""
        return self.state == "pendiente"

    @property
    def last(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


def deadline(received: date) -> date:
    """The last day to answer a document the SII received on ``received`` (a Chile date)."""
    return received + timedelta(days=WINDOW_DAYS)


def standing(tipo: int, fecha_emision: date, received_at: datetime | None, attempts: Sequence[Attempt],
             today: date) -> Standing:
    """A document's :class:`Standing` on ``today`` (Chile date) from its reception and the answers sent."""
    if tipo not in ANSWERABLE_TIPOS:
        return Standing("no_aplica", received_at, None, False, None, tuple(attempts))
    start = fecha_emision if received_at is None else received_at.astimezone(CHILE).date()
    last_day = deadline(start)
    done = {a.action for a in attempts if a.ok}
    if done & {"RCD", "RFP", "RFT"}:
        state = "reclamado"
    elif "ACD" in done:
        state = "aceptado"
    elif "ERM" in done:
        state = "recibo"
    elif today > last_day:
        state = "vencido"
    else:
        state = "pendiente"
    return Standing(state, received_at, last_day, received_at is None, (last_day - today).days, tuple(attempts))


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


async def record_reception(conn: db.Conn, tenant_id: int, key: Key, received_at: datetime,
                           asked_at: datetime) -> None:
    """Keep the SII's reception of the document (the SII's answer wins over an earlier one)."""
    await conn.execute(
        "INSERT INTO supplier_receptions (tenant_id, supplier_rut, tipo, folio, received_at, asked_at)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, supplier_rut, tipo, folio)"
        " DO UPDATE SET received_at = EXCLUDED.received_at, asked_at = EXCLUDED.asked_at",
        (tenant_id, *key, received_at, asked_at))


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
    """A supplier document still to answer whose deadline is at most :data:`ALERT_DAYS` away."""

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
    """The documents of ``stores`` still to answer with 0 to :data:`ALERT_DAYS` days left on ``today`` (Chile
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
        if found.state == "pendiente" and found.deadline is not None and found.days_left is not None \
                and found.days_left <= ALERT_DAYS:
            due.append(DueAnswer(rut, name, tipo, folio, store, fecha, found.deadline, found.days_left,
                                 found.estimated))
    return sorted(due, key=lambda d: (d.deadline, d.supplier_name, d.folio))
