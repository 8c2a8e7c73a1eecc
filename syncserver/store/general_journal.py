"""The general journal (libro diario) of a period and store(s) as the ingest keeps it (``syncserver.ingest.journal``,
migration 0029): a page of asientos in time order, the trial balance from the per-day sums, what could not be
booked, and every line streamed for the CSV; the writing of asientos, and the booking of the notas HQ issues.

Runs in the caller's tenant transaction (``db.tenant_tx``). Accounts and entries: docs/accounting.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from shared import accounting, errors, fiado
from shared import errors as pos_errors
from shared.events import registry
from syncserver.store import bulk, db

ENTRY_COLUMNS: Final = [("tenant_id", "bigint"), ("store_id", "text"), ("terminal_id", "text"), ("epoch", "integer"),
                        ("seq", "bigint"), ("at", "timestamptz"), ("event_id", "text"), ("lines", "jsonb")]
DAY_COLUMNS: Final = [("tenant_id", "bigint"), ("store_id", "text"), ("day", "date"), ("account", "text"),
                      ("debit", "bigint"), ("credit", "bigint")]
MONTH_COLUMNS: Final = [("tenant_id", "bigint"), ("store_id", "text"), ("month", "date"), ("account", "text"),
                        ("debit", "bigint"), ("credit", "bigint")]
"""``journal_months`` (migration 0038): ``journal_days`` summed per month (its first day)."""
COUNT_COLUMNS: Final = [("tenant_id", "bigint"), ("store_id", "text"), ("day", "date"), ("booked", "bigint"),
                        ("asientos", "bigint"), ("lines", "bigint")]
NOTE_COLUMNS: Final = [("tenant_id", "bigint"), ("store_id", "text"), ("terminal_id", "text"), ("epoch", "integer"),
                       ("seq", "bigint"), ("at", "timestamptz"), ("type", "text"), ("kind", "text"),
                       ("detail", "text")]
TABLES: Final = ("journal_entries", "journal_days", "journal_months", "journal_day_events", "journal_notes")
"""The tables of the journal (a tenant's rows are cleared and booked again by the rebuild)."""
MAX_DAYS: Final = 366
"""The longest period one journal covers (a year)."""
PAGE_LINES: Final = 500
"""Lines of one page of asientos (whole asientos: at least one, however long)."""
CHUNK: Final = 2000
"""Asientos fetched at a time while the lines are streamed."""

_SUMS = ("SELECT account, sum(debit), sum(credit) FROM ("
         "SELECT account, debit, credit FROM journal_months WHERE tenant_id = %(tenant)s {stores}"
         " AND month BETWEEN %(m_first)s AND %(m_last)s"
         " UNION ALL SELECT account, debit, credit FROM journal_days WHERE tenant_id = %(tenant)s {stores}"
         " AND day BETWEEN %(start)s AND %(head_end)s"
         " UNION ALL SELECT account, debit, credit FROM journal_days WHERE tenant_id = %(tenant)s {stores}"
         " AND day BETWEEN %(tail_start)s AND %(end)s) x GROUP BY account")
"""The trial balance: the period's whole months from ``journal_months``, the days before and after them from
``journal_days`` (:func:`_month_params`)."""


def _month_params(start: date, end: date) -> dict[str, date]:
    """The whole months within ``start``..``end`` (``m_first``..``m_last``, first days; an empty range when none)
    and the days left at each side (``start``..``head_end``, ``tail_start``..``end``; empty ranges when none)."""
    first = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = end + timedelta(days=1)
    stop = after.replace(day=1)  # the first day after the last whole month
    if first >= stop:  # no whole month: every day from the days
        return {"m_first": after, "m_last": start, "head_end": end, "tail_start": after}
    return {"m_first": first, "m_last": (stop - timedelta(days=1)).replace(day=1),
            "head_end": first - timedelta(days=1), "tail_start": stop}
_COUNTS = ("SELECT COALESCE(sum(booked), 0), COALESCE(sum(asientos), 0), COALESCE(sum(lines), 0) FROM"
           " journal_day_events WHERE tenant_id = %(tenant)s {stores} AND day BETWEEN %(start)s AND %(end)s")
_NOTES = ("SELECT store_id, terminal_id, seq, type, kind, detail FROM journal_notes WHERE tenant_id = %(tenant)s"
          " {stores} AND (at IS NULL OR (at >= %(low)s AND at < %(high)s))"
          " ORDER BY at NULLS FIRST, terminal_id, epoch, seq, kind")
_ENTRIES = ("SELECT store_id, event_id, at, lines, terminal_id, epoch, seq FROM journal_entries"
            " WHERE tenant_id = %(tenant)s {stores} AND at >= %(low)s AND at < %(high)s"
            " AND (at, terminal_id, epoch, seq) > (%(at)s, %(terminal)s, %(epoch)s, %(seq)s)"
            " ORDER BY at, terminal_id, epoch, seq LIMIT %(limit)s")


def _sql(template: str, stores: Sequence[str] | None) -> str:
    """``template`` for ``stores`` (None: every store; one statement each, so each gets its own plan)."""
    return template.format(stores="" if stores is None else "AND store_id = ANY(%(stores)s)")


async def write(cur: db.Cursor, tenant_id: int, booking: accounting.Booking) -> None:
    """Add ``booking`` to the tenant's journal in the caller's transaction (the ingest's batches, the rebuild, an
    HQ nota): the sums are added to the days' and the months'; keys in sorted order, so two writers of a store
    never wait on each other in a cycle."""
    await bulk.insert(cur, "journal_entries", ENTRY_COLUMNS, [(tenant_id, *e) for e in booking.entries])
    await bulk.insert(cur, "journal_days", DAY_COLUMNS,
                      [(tenant_id, *k, *booking.days[k]) for k in sorted(booking.days)],
                      suffix="ON CONFLICT (tenant_id, store_id, day, account) DO UPDATE SET"
                             " debit = journal_days.debit + excluded.debit,"
                             " credit = journal_days.credit + excluded.credit")
    months: dict[tuple[str, date, str], list[int]] = {}
    for (store, day, account), (debit, credit) in booking.days.items():
        sums = months.setdefault((store, day.replace(day=1), account), [0, 0])
        sums[0] += debit
        sums[1] += credit
    await bulk.insert(cur, "journal_months", MONTH_COLUMNS,
                      [(tenant_id, *k, *months[k]) for k in sorted(months)],
                      suffix="ON CONFLICT (tenant_id, store_id, month, account) DO UPDATE SET"
                             " debit = journal_months.debit + excluded.debit,"
                             " credit = journal_months.credit + excluded.credit")
    await bulk.insert(cur, "journal_day_events", COUNT_COLUMNS,
                      [(tenant_id, *k, *booking.counts[k]) for k in sorted(booking.counts)],
                      suffix="ON CONFLICT (tenant_id, store_id, day) DO UPDATE SET"
                             " booked = journal_day_events.booked + excluded.booked,"
                             " asientos = journal_day_events.asientos + excluded.asientos,"
                             " lines = journal_day_events.lines + excluded.lines")
    await bulk.insert(cur, "journal_notes", NOTE_COLUMNS, [(tenant_id, *n) for n in booking.notes],
                      suffix="ON CONFLICT DO NOTHING")

_HQ_NOTAS: Final = (
    "SELECT c.tipo, c.folio, c.content, d.stamped_at, COALESCE(e.store_id, t.store_id), e.type, e.version, e.payload"
    " FROM dte_corrections c JOIN dte_documents d ON d.tenant_id = c.tenant_id AND d.tipo = c.tipo"
    " AND d.folio = c.folio"
    " LEFT JOIN dte_corrections p ON p.tenant_id = c.tenant_id AND p.tipo = c.original_tipo"
    " AND p.folio = c.original_folio"
    " JOIN dte_documents o ON o.tenant_id = c.tenant_id AND o.tipo = COALESCE(p.original_tipo, c.original_tipo)"
    " AND o.folio = COALESCE(p.original_folio, c.original_folio)"
    " LEFT JOIN events e ON e.tenant_id = o.tenant_id AND e.terminal_id = o.terminal_id AND e.epoch = o.epoch"
    " AND e.seq = o.seq"
    " LEFT JOIN terminals t ON t.tenant_id = o.tenant_id AND t.terminal_id = o.terminal_id"
    " WHERE c.tenant_id = %(tenant)s AND (%(tipo)s::int IS NULL OR (c.tipo = %(tipo)s::int"
    " AND c.folio = %(folio)s::bigint)) ORDER BY d.stamped_at, c.tipo, c.folio")
"""The notas HQ issued (``dte_corrections``) with their stamping time, the store and the sale event behind the
document they modify (for a 61 that annuls a 56: the 56's factura)."""
_CODEC: Final = registry.build_codec()


async def _hq_notas(conn: db.Conn, tenant_id: int, tipo: int | None = None, folio: int | None = None
                    ) -> list[tuple[int, int, accounting.HqNota | str]]:
    """``(tipo, folio, nota)`` of each nota HQ issued (or only ``tipo``/``folio``); instead of the nota, the
    Spanish reason it cannot be booked (its sale's store unknown, its content incomplete)."""
    rows = await (await conn.execute(_HQ_NOTAS, {"tenant": tenant_id, "tipo": tipo, "folio": folio})).fetchall()
    found: list[tuple[int, int, accounting.HqNota | str]] = []
    for tipo_, folio_, content, stamped_at, store_id, type_, version, payload in rows:
        if store_id is None:
            found.append((int(tipo_), int(folio_), "no se encontró la tienda de la venta que la nota modifica"))
            continue
        try:
            sale = None if type_ is None else _CODEC.decode(str(type_), int(version), payload)
        except pos_errors.PosError:
            sale = None
        try:
            found.append((int(tipo_), int(folio_),
                          accounting.hq_nota(int(tipo_), int(folio_), content, str(stamped_at), str(store_id), sale)))
        except errors.InvalidInput as exc:
            found.append((int(tipo_), int(folio_), str(exc)))
    return found


async def book_hq_nota(conn: db.Conn, tenant_id: int, tipo: int, folio: int) -> str | None:
    """Book nota ``tipo``/``folio`` HQ just issued (``accounting.hq_nota_lines``, dated its FchEmis: the time it
    was stamped) in the caller's transaction, as the rebuild books it again; None when booked, else the Spanish
    reason it cannot be (nothing written)."""
    found = await _hq_notas(conn, tenant_id, tipo, folio)
    if not found:
        return "no se encontró la nota ni el documento que modifica"
    nota = found[0][2]
    if isinstance(nota, str):
        return nota
    booking = accounting.Booking()
    booking.add_hq_nota(nota)
    if not booking.entries:
        return str(booking.notes[0][-1]) if booking.notes else "la nota no mueve ninguna cuenta"
    async with conn.cursor() as cur:
        await write(cur, tenant_id, booking)
    return None


async def rebook_hq_notas(conn: db.Conn, cur: db.Cursor, tenant_id: int) -> int:
    """Book every nota HQ issued in ``tenant_id`` (the rebuild's last step, after clearing the journal): one it
    cannot book is kept as a note (``accounting.PROBLEM``). Returns how many notas were read."""
    booking = accounting.Booking()
    found = await _hq_notas(conn, tenant_id)
    for tipo, folio, nota in found:
        if isinstance(nota, accounting.HqNota):
            booking.add_hq_nota(nota)
        else:
            # its store unknown: noted under no store (listed when every store's journal is read)
            booking.notes.append(("", accounting.HQ_TERMINAL, accounting.HQ_EPOCH, accounting.hq_seq(tipo, folio),
                                  None, accounting.HQ_NOTA_TYPE, accounting.PROBLEM, nota))
    await write(cur, tenant_id, booking)
    return len(found)


@dataclass(frozen=True, slots=True)
class Problem:
    """An event that could not be booked: where it is (store, terminal, seq), its type and why (Spanish)."""

    store_id: str
    terminal_id: str
    seq: int
    type: str
    reason: str


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page of asientos starts: after the asiento of this time, terminal, epoch and seq (the journal's
    order). ``text`` and :meth:`parse` carry it in a link."""

    at: datetime
    terminal_id: str
    epoch: int
    seq: int

    @property
    def text(self) -> str:
        return f"{self.at.isoformat()}|{self.terminal_id}|{self.epoch}|{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Position:
        """The position a link carries.

        Raises:
            InvalidInput: not one :attr:`text` wrote.
        """
        try:
            at, terminal, epoch, seq = text.split("|")
            moment = datetime.fromisoformat(at)
            if moment.tzinfo is None:
                raise ValueError(at)
            return cls(moment, terminal, int(epoch), int(seq))
        except ValueError:
            raise errors.InvalidInput("la posición de la página no es válida") from None


@dataclass(frozen=True, slots=True)
class GeneralJournal:
    """The libro diario from ``start`` to ``end`` (Chile calendar days, both included) of ``stores`` (None: every
    store of the tenant): ``lines`` one page of it (whole asientos in time order, one per event:
    ``JournalLine.event_id``) starting after ``after`` (None: the first), ``following`` where the next page starts
    (None: this is the last), ``balances`` the period's trial balance, ``events`` how many events were booked,
    ``asientos`` and ``line_count`` how many asientos and lines the whole period has, ``problems`` the events that
    could not be booked, ``unvalued`` the references of events whose cost legs are left out (no kardex value: a
    ``stock.adjusted``, or a return or count the master has not costed)."""

    start: date
    end: date
    stores: tuple[str, ...] | None
    lines: list[accounting.JournalLine]
    balances: list[accounting.Balance]
    events: int
    asientos: int
    line_count: int
    after: Position | None = None
    following: Position | None = None
    problems: list[Problem] = field(default_factory=list)
    unvalued: list[str] = field(default_factory=list)

    @property
    def debit(self) -> int:
        return sum(b.debit for b in self.balances)

    @property
    def credit(self) -> int:
        return sum(b.credit for b in self.balances)

    def trial_balance(self) -> list[accounting.Balance]:
        """The period's balance de comprobación (as ``accounting.trial_balance`` of all its lines)."""
        return self.balances


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


def _beginning(params: dict[str, Any]) -> Position:
    """A position before the period's first asiento."""
    return Position(params["low"] - timedelta(microseconds=1), "", 0, 0)


def _params(tenant_id: int, start: date, end: date, stores: Sequence[str] | None) -> dict[str, Any]:
    low, high = bounds(start, end)
    return {"tenant": tenant_id, "stores": list(stores) if stores is not None else None, "start": start, "end": end,
            "low": low, "high": high, **_month_params(start, end)}


async def journal(conn: db.Conn, tenant_id: int, start: date, end: date, stores: Sequence[str] | None = None,
                  after: Position | None = None, page_lines: int = PAGE_LINES) -> GeneralJournal:
    """The libro diario of ``tenant_id`` for the days ``start``..``end`` (Chile's calendar, by each event's
    journal time) of ``stores`` (None: all): the page of whole asientos after ``after`` up to ``page_lines`` lines
    (at least one asiento), the trial balance and counts of the whole period, its notes. Booked at ingest from the
    events folded (an event quarantined and kept out of the read models is not booked); returns and counts take
    their cost from the master's kardex.

    Raises:
        InvalidInput: as :func:`bounds`.
    """
    params = _params(tenant_id, start, end, stores)
    sums = {str(a): (int(d), int(c))
            for a, d, c in await (await conn.execute(_sql(_SUMS, stores), params)).fetchall()}
    balances = [accounting.Balance(a, *sums[a.code]) for a in accounting.CHART if a.code in sums]
    counts = await (await conn.execute(_sql(_COUNTS, stores), params)).fetchone()
    assert counts is not None  # an aggregate without GROUP BY has one row
    problems: list[Problem] = []
    unvalued: list[str] = []
    notes = await (await conn.execute(_sql(_NOTES, stores), params)).fetchall()
    for store, terminal, seq, type_, kind, detail in notes:
        if kind == accounting.UNVALUED:
            unvalued.append(str(detail))
        else:
            problems.append(Problem(str(store), str(terminal), int(seq), str(type_), str(detail)))
    lines, following = await _page(conn, _sql(_ENTRIES, stores), params, after or _beginning(params), page_lines)
    return GeneralJournal(start, end, tuple(stores) if stores is not None else None, lines, balances,
                          int(counts[0]), int(counts[1]), int(counts[2]), after, following, problems, unvalued)


async def _page(conn: db.Conn, query: str, params: dict[str, Any], begin: Position, page_lines: int
                ) -> tuple[list[accounting.JournalLine], Position | None]:
    """Whole asientos after ``begin`` up to ``page_lines`` lines (at least one), and where the next page starts
    (None: nothing follows). Fetches a few asientos more than usually fill the page (three lines or more each)."""
    found: list[accounting.JournalLine] = []
    limit = page_lines // 3 + 1
    while True:
        rows = await (await conn.execute(query, {**params, "at": begin.at, "terminal": begin.terminal_id,
                                                 "epoch": begin.epoch, "seq": begin.seq, "limit": limit})).fetchall()
        for store, event_id, at, stored, terminal, epoch, seq in rows:
            if found and len(found) + len(stored) > page_lines:
                return found, begin
            found.extend(accounting.stored_lines(str(store), str(event_id), at, stored))
            begin = Position(at, str(terminal), int(epoch), int(seq))
        if len(rows) < limit:
            return found, None


async def lines(conn: db.Conn, tenant_id: int, start: date, end: date, stores: Sequence[str] | None = None
                ) -> AsyncIterator[list[accounting.JournalLine]]:
    """Every line of the period, in the journal's order, a chunk of :data:`CHUNK` asientos at a time (what is held
    at once stays small whatever the period).

    Raises:
        InvalidInput: as :func:`bounds`.
    """
    async for rows in _entries(conn, tenant_id, start, end, stores):
        yield [x for store, event_id, at, stored in rows for x in accounting.stored_lines(store, event_id, at, stored)]


async def _entries(conn: db.Conn, tenant_id: int, start: date, end: date, stores: Sequence[str] | None
                   ) -> AsyncIterator[list[tuple[str, str, datetime, list[list[Any]]]]]:
    """The period's asientos as kept (store, event id, time, lines), :data:`CHUNK` at a time, in order."""
    params = _params(tenant_id, start, end, stores)
    begin = _beginning(params)
    query = _sql(_ENTRIES, stores)
    while True:
        rows = await (await conn.execute(query, {**params, "at": begin.at, "terminal": begin.terminal_id,
                                                    "epoch": begin.epoch, "seq": begin.seq,
                                                    "limit": CHUNK})).fetchall()
        if not rows:
            return
        yield [(str(store), str(event_id), at, stored) for store, event_id, at, stored, *_key in rows]
        if len(rows) < CHUNK:
            return
        last = rows[-1]
        begin = Position(last[2], str(last[4]), int(last[5]), int(last[6]))


async def csv_chunks(conn: db.Conn, tenant_id: int, start: date, end: date, stores: Sequence[str] | None = None
                     ) -> AsyncIterator[bytes]:
    """The period's CSV (``accounting.csv_bytes`` of every line) in pieces, as :func:`lines` reads them.

    Raises:
        InvalidInput: as :func:`bounds`.
    """
    writer = accounting.CsvWriter()
    yield writer.header()
    async for chunk in _entries(conn, tenant_id, start, end, stores):
        yield writer.stored_rows(chunk)
    yield writer.totals()
