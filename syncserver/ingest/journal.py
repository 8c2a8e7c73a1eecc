"""The general journal kept at ingest: each folded event's asiento (``shared.accounting.Booking``) written in the
batch's transaction, and the whole tenant's booked again by the rebuild. Tables: migration 0029; reading them:
``syncserver.store.general_journal``; rules: docs/accounting.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

from shared import accounting, errors
from shared.events import codec as codec_mod
from shared.events import envelope
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
VALUED_KINDS: Final = ("devolucion", "toma")
"""The kardex movements whose value a return or a count takes (``accounting.BOOK_VALUED``; ``stock.adjusted`` has
no reference in the kardex: its cost legs are left out, and noted)."""
CHUNK: Final = 5000

_EVENTS: Final = (
    "SELECT e.event_id::text, e.tenant_id, e.store_id, e.terminal_id, e.epoch, e.seq, e.occurred_at, e.type,"
    " e.version, e.payload, e.prev_hash, e.hash FROM events e WHERE e.tenant_id = %s AND e.type = ANY(%s)"
    " AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.tenant_id = e.tenant_id AND q.terminal_id = e.terminal_id"
    " AND q.epoch = e.epoch AND q.seq = e.seq AND NOT q.folded)")
_VALUES: Final = ("SELECT store_id, reference, sum(value) FROM kardex WHERE tenant_id = %s AND kind = ANY(%s)"
                  " GROUP BY store_id, reference")


def batch_values(kardex_rows: Sequence[Sequence[Any]]) -> dict[str, int]:
    """The value per reference of a batch's kardex rows of :data:`VALUED_KINDS` (rows as
    ``syncserver.ingest.kardex.KARDEX_COLUMNS``, one store's), for the returns and counts of the batch."""
    values: dict[str, int] = {}
    for row in kardex_rows:
        if row[5] in VALUED_KINDS:
            values[row[11]] = values.get(row[11], 0) + int(row[9])
    return values


def book(events: Sequence[tuple[envelope.Envelope, Any]], values: Mapping[str, int]) -> accounting.Booking:
    """The asientos of a batch's folded ``events`` (one store's), returns and counts valued by ``values``
    (:func:`batch_values`)."""
    booking = accounting.Booking()
    for entry, event in events:
        booking.add(entry, event, values.get(accounting.book_reference(event))
                    if entry.type in accounting.BOOK_VALUED else None)
    return booking


async def write(cur: db.Cursor, tenant_id: int, booking: accounting.Booking) -> None:
    """Add ``booking`` to the tenant's journal in the caller's transaction (the sums are added to the days' and the
    months'; keys
    in sorted order, so two batches of a store never wait on each other in a cycle)."""
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


async def rebook(conn: db.Conn, codec: codec_mod.Codec, tenant_id: int) -> int:
    """Clear ``tenant_id``'s journal and book its stored events again (those folded: an event quarantined and kept
    out of the read models is not booked), returns and counts valued from the kardex as it stands (the rebuild
    calls this after refolding the kardex). Returns the number of events read."""
    for table in TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (tenant_id,))
    cur = await conn.execute(_VALUES, (tenant_id, list(VALUED_KINDS)))
    values = {(str(s), str(r)): int(v) for s, r, v in await cur.fetchall()}
    read = 0
    async with conn.cursor(name="journal_events") as named, conn.cursor() as out:
        await named.execute(_EVENTS, (tenant_id, list(accounting.BOOKED_TYPES)))
        while chunk := await named.fetchmany(CHUNK):
            booking = accounting.Booking()
            for row in chunk:
                entry = envelope.Envelope(*row[:12])
                read += 1
                try:
                    event = codec.decode(entry.type, entry.version, entry.payload)
                except errors.EventError as exc:
                    booking.note(entry, accounting.PROBLEM, str(exc))
                    continue
                booking.add(entry, event, values.get((entry.store_id, accounting.book_reference(event)))
                            if entry.type in accounting.BOOK_VALUED else None)
            await write(out, tenant_id, booking)
    return read
