"""The ingest's side of the master's fiado (``syncserver.store.fiado``): which stored events concern it, the book a
push's scope checks against, a pushed batch folded in the tenant's fiado order, and the rebuild's pass that folds
every fiado event and HQ action again in that order (rebuild == live fold). docs/fiado.md."""

from __future__ import annotations

import collections
from collections.abc import Iterable, Sequence
from typing import Any

from shared import errors
from shared.events import codec as codec_mod
from shared.events import envelope, returns, sales
from syncserver.store import db
from syncserver.store import fiado as book_mod
from syncserver.store.fiado import Book, concerns, load, lock, next_batch

__all__ = ["concerns", "concerns_raw", "fold_batch", "refold", "scoped"]


def concerns_raw(e: envelope.Envelope) -> bool:
    """:func:`concerns` of a stored entry, read from its raw payload (before decoding; may say yes to a malformed
    one)."""
    if e.type in book_mod.TYPES:
        return True
    p = e.payload
    if not isinstance(p, dict) or not p.get("customer_id"):
        return False
    if e.type == sales.SaleCompleted.TYPE:
        return isinstance(p.get("fiado"), dict)
    if e.type == returns.ReturnCompleted.TYPE:
        return any(isinstance(t, dict) and t.get("kind") == "fiado" for t in p.get("refunds") or ())
    return False


_CONCERNS_SQL = (
    f"(e.type = ANY(%(fiado_types)s) OR (e.payload->>'customer_id' <> '' AND ("
    f"(e.type = '{sales.SaleCompleted.TYPE}' AND jsonb_typeof(e.payload->'fiado') = 'object')"
    f" OR (e.type = '{returns.ReturnCompleted.TYPE}' AND e.payload->'refunds' @> '[{{\"kind\": \"fiado\"}}]'))))")
""":func:`concerns_raw` in SQL, for the events table aliased ``e`` (parameter ``fiado_types``)."""


async def scoped(conn: db.Conn, tenant_id: int, payloads: Iterable[Any]) -> Book:
    """The book a push's scope checks its fiado events against (:meth:`Book.problem`), after taking the tenant's
    fiado lock (before the batch appends to the change feed, as every holder of this lock does)."""
    await lock(conn, tenant_id)
    book = await load(conn, tenant_id, payloads)
    book.batch = await next_batch(conn, tenant_id)
    return book


async def fold_batch(conn: db.Conn, tenant_id: int, folded: Sequence[tuple[envelope.Envelope, Any]]) -> None:
    """Fold a pushed batch's fiado events (checked by the scope, in order; one terminal's) in the caller's
    transaction: log their place in the tenant's fiado order, write, and forward to the tills."""
    if not folded:
        return
    await lock(conn, tenant_id)
    book = await load(conn, tenant_id, [e.payload for e, _event in folded])
    book.batch = await next_batch(conn, tenant_id)
    first, last = folded[0][0], folded[-1][0]
    await conn.execute(
        "INSERT INTO fiado_log (tenant_id, batch, terminal_id, epoch, first_seq, last_seq) VALUES (%s, %s, %s, %s,"
        " %s, %s)", (tenant_id, book.batch, first.terminal_id, first.epoch, first.seq, last.seq))
    for e, event in folded:
        book.apply(e, event)
    await book.write(conn)
    await book.forward(conn)


_LOGGED_EVENTS = (
    "SELECT e.event_id::text, e.tenant_id, e.store_id, e.terminal_id, e.epoch, e.seq, e.occurred_at, e.type,"
    " e.version, e.payload, e.prev_hash, e.hash, f.batch FROM events e LEFT JOIN fiado_log f"
    " ON f.tenant_id = e.tenant_id AND f.terminal_id = e.terminal_id AND f.epoch = e.epoch"
    " AND e.seq BETWEEN f.first_seq AND f.last_seq"
    f" WHERE e.tenant_id = %(tenant)s AND {_CONCERNS_SQL} AND NOT EXISTS (SELECT 1 FROM quarantine q"
    " WHERE q.tenant_id = e.tenant_id AND q.terminal_id = e.terminal_id AND q.epoch = e.epoch AND q.seq = e.seq"
    " AND NOT q.folded) ORDER BY f.batch NULLS FIRST, e.terminal_id, e.epoch, e.seq")
"""The fiado events in the order the ingest folded their batches (those of no logged batch first)."""


async def refold(conn: db.Conn, codec: codec_mod.Codec, tenant_id: int) -> int:
    """The rebuild's fiado pass: clear ``syncserver.store.fiado.FOLDED`` and fold the tenant's fiado events and
    HQ's actions again, in ``fiado_log`` order, on a book started empty (the live fold's code); nothing is forwarded
    again. Returns the number of events and actions folded."""
    await lock(conn, tenant_id)
    for table in book_mod.FOLDED:
        await conn.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (tenant_id,))
    book = Book(tenant_id)
    await book_mod.load_names(conn, book)
    actions = await (await conn.execute(
        "SELECT batch, action FROM fiado_log WHERE tenant_id = %s AND action IS NOT NULL ORDER BY batch",
        (tenant_id,))).fetchall()
    pending = collections.deque((int(r[0]), r[1]) for r in actions)
    folded = 0
    async with conn.cursor(name="fiado_events") as named:
        await named.execute(_LOGGED_EVENTS, {"tenant": tenant_id, "fiado_types": sorted(book_mod.TYPES)})
        while chunk := await named.fetchmany(2000):
            for row in chunk:
                batch = row[12]
                while pending and batch is not None and pending[0][0] < batch:
                    book.batch, action = pending.popleft()
                    book.apply_action(action)
                    folded += 1
                entry = envelope.Envelope(*row[:12])
                try:
                    event = codec.decode(entry.type, entry.version, entry.payload)
                except errors.EventError:
                    continue
                if not concerns(event):
                    continue
                book.batch = batch or 0
                book.apply(entry, event)
                folded += 1
    for book.batch, action in pending:
        book.apply_action(action)
        folded += 1
    await book.write(conn)
    return folded
