"""The general journal (libro diario) of a period and store(s), built from the master's stored events with
``shared.accounting``: the asientos in time order, their trial balance, and what could not be booked.

Runs in the caller's tenant transaction (``db.tenant_tx``). Accounts and entries: docs/accounting.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from psycopg.rows import class_row

from shared import accounting, errors, fiado
from shared.events import catalog, envelope, inventory, purchases, registry, returns, sales, shifts
from shared.events import codec as codec_mod
from shared.events import fiado as fiado_events
from syncserver.store import db

CODEC: Final = registry.build_codec()
BOOKED_TYPES: Final = (
    sales.SaleCompleted.TYPE, returns.ReturnCompleted.TYPE, purchases.PurchaseReceived.TYPE,
    fiado_events.FiadoPaid.TYPE, fiado_events.FiadoPaymentReversed.TYPE, shifts.CashMoved.TYPE,
    shifts.ShiftClosed.TYPE, inventory.MermaRecorded.TYPE, inventory.SupplierReturned.TYPE,
    inventory.TransferSent.TYPE, inventory.TransferReceived.TYPE, inventory.CountPosted.TYPE,
    catalog.StockAdjusted.TYPE)
"""The event types that make journal lines (``accounting.journal_lines``); the others are not read."""
_KARDEX_KINDS: Final = {returns.ReturnCompleted.TYPE: "devolucion", inventory.CountPosted.TYPE: "toma"}
"""The kardex movements whose value an event of :data:`accounting.BOOK_VALUED` takes (``stock.adjusted`` has no
reference in the kardex: its cost legs are left out, and said)."""
MAX_DAYS: Final = 366
"""The longest period one journal covers (a year)."""

_EVENTS = (
    "SELECT e.event_id::text AS event_id, e.tenant_id, e.store_id, e.terminal_id, e.epoch, e.seq, e.occurred_at,"
    " e.type, e.version, e.payload, e.prev_hash, e.hash FROM events e"
    " WHERE e.tenant_id = %(tenant)s AND e.type = ANY(%(types)s)"
    " AND (%(stores)s::text[] IS NULL OR e.store_id = ANY(%(stores)s))"
    " AND e.occurred_at::timestamptz >= %(low)s AND e.occurred_at::timestamptz < %(high)s"
    " AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.tenant_id = e.tenant_id AND q.terminal_id = e.terminal_id"
    " AND q.epoch = e.epoch AND q.seq = e.seq AND NOT q.folded)"
    " ORDER BY e.occurred_at::timestamptz, e.terminal_id, e.epoch, e.seq")
_BOOK_VALUES = (
    "SELECT store_id, reference, sum(value) FROM kardex WHERE tenant_id = %s AND store_id = ANY(%s)"
    " AND kind = ANY(%s) AND reference = ANY(%s) GROUP BY store_id, reference")


@dataclass(frozen=True, slots=True)
class Problem:
    """An event that could not be booked: where it is (store, terminal, seq), its type and why (Spanish)."""

    store_id: str
    terminal_id: str
    seq: int
    type: str
    reason: str


@dataclass(frozen=True, slots=True)
class GeneralJournal:
    """The libro diario from ``start`` to ``end`` (Chile calendar days, both included) of ``stores`` (None: every
    store of the tenant): ``lines`` in time order, one asiento per event (``JournalLine.event_id``), ``events``
    how many events were booked, ``problems`` those that could not be, ``unvalued`` the references of events
    whose cost legs are left out (no kardex value: a ``stock.adjusted``, or a return or count the master has not
    costed)."""

    start: date
    end: date
    stores: tuple[str, ...] | None
    lines: list[accounting.JournalLine]
    events: int
    problems: list[Problem] = field(default_factory=list)
    unvalued: list[str] = field(default_factory=list)

    @property
    def debit(self) -> int:
        return accounting.totals(self.lines)[0]

    @property
    def credit(self) -> int:
        return accounting.totals(self.lines)[1]

    def trial_balance(self) -> list[accounting.Balance]:
        """The period's balance de comprobación (``accounting.trial_balance``)."""
        return accounting.trial_balance(self.lines)

    def csv(self) -> bytes:
        """The journal as CSV (``accounting.csv_bytes``)."""
        return accounting.csv_bytes(self.lines)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants (aware, Chile) where the days ``start``..``end`` begin and end (``end`` + 1 at midnight).

    Raises:
        InvalidInput: ``start`` after ``end``, or more than :data:`MAX_DAYS` days.
    """
    if start > end:
        raise errors.InvalidInput(f"la fecha inicial ({start:%d-%m-%Y}) es posterior a la final ({end:%d-%m-%Y})")
    if (end - start).days + 1 > MAX_DAYS:
        raise errors.InvalidInput(f"el período no puede pasar de {MAX_DAYS} días")
    return (datetime.combine(start, time(), fiado.CHILE),
            datetime.combine(end + timedelta(days=1), time(), fiado.CHILE))


async def journal(conn: db.Conn, tenant_id: int, start: date, end: date, stores: Sequence[str] | None = None,
                  codec: codec_mod.Codec = CODEC) -> GeneralJournal:
    """The libro diario of ``tenant_id`` for the days ``start``..``end`` (Chile's calendar, by each event's
    journal time) of ``stores`` (None: all), from the stored events that were folded (an event quarantined and
    kept out of the read models is not booked). Returns and counts take their cost from the master's kardex.

    Raises:
        InvalidInput: as :func:`bounds`.
    """
    low, high = bounds(start, end)
    scope = list(stores) if stores is not None else None
    async with conn.cursor(row_factory=class_row(envelope.Envelope)) as cur:
        await cur.execute(_EVENTS, {"tenant": tenant_id, "types": list(BOOKED_TYPES), "stores": scope, "low": low,
                                    "high": high})
        entries = await cur.fetchall()
    decoded: list[tuple[envelope.Envelope, Any]] = []
    problems: list[Problem] = []
    for entry in entries:
        try:
            decoded.append((entry, codec.decode(entry.type, entry.version, entry.payload)))
        except errors.EventError as exc:
            problems.append(Problem(entry.store_id, entry.terminal_id, entry.seq, entry.type, str(exc)))
    values = await _book_values(conn, tenant_id, decoded)
    lines: list[accounting.JournalLine] = []
    unvalued: list[str] = []
    booked = 0
    for entry, event in decoded:
        value: int | None = None
        if entry.type in accounting.BOOK_VALUED:
            value = values.get((entry.store_id, _reference(event)))
            if value is None:
                unvalued.append(_reference(event) or entry.event_id)
        try:
            lines.extend(accounting.journal_lines(entry, event, value))
        except errors.InvalidInput as exc:
            problems.append(Problem(entry.store_id, entry.terminal_id, entry.seq, entry.type, str(exc)))
            continue
        booked += 1
    return GeneralJournal(start, end, tuple(stores) if stores is not None else None, lines, booked, problems,
                          unvalued)


def _reference(event: Any) -> str:
    if isinstance(event, returns.ReturnCompleted):
        return event.return_id
    if isinstance(event, inventory.CountPosted):
        return event.count_id
    return ""


async def _book_values(conn: db.Conn, tenant_id: int, decoded: list[tuple[envelope.Envelope, Any]]
                       ) -> dict[tuple[str, str], int]:
    """The kardex value of each return's and count's movements, by ``(store, reference)``."""
    wanted = [(entry.store_id, _reference(event)) for entry, event in decoded if entry.type in _KARDEX_KINDS]
    if not wanted:
        return {}
    cur = await conn.execute(_BOOK_VALUES, (tenant_id, sorted({s for s, _r in wanted}),
                                            sorted(set(_KARDEX_KINDS.values())), sorted({r for _s, r in wanted})))
    return {(str(store), str(reference)): int(total) for store, reference, total in await cur.fetchall()}
