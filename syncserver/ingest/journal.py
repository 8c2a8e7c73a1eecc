"""The general journal kept at ingest: each folded event's asiento (``shared.accounting.Booking``) written in the
batch's transaction (``syncserver.store.general_journal.write``), and the whole tenant's booked again by the
rebuild. Tables: migration 0029; reading them: ``syncserver.store.general_journal``; rules: docs/accounting.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from shared import accounting, errors
from shared.events import codec as codec_mod
from shared.events import envelope
from syncserver.store import db, general_journal
from syncserver.store.general_journal import TABLES as TABLES
from syncserver.store.general_journal import write as write

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


async def rebook(conn: db.Conn, codec: codec_mod.Codec, tenant_id: int) -> int:
    """Clear ``tenant_id``'s journal and book its stored events again (those folded: an event quarantined and kept
    out of the read models is not booked), returns and counts valued from the kardex as it stands (the rebuild
    calls this after refolding the kardex), then the notas HQ issued. Returns the number of events read."""
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
        await general_journal.rebook_hq_notas(conn, out, tenant_id)
    return read
