"""Rebuild a tenant's master read models from its stored events, with the ingest's fold, in one transaction.

What is folded again and why stock is written once: docs/architecture.md, "Ingest checks" (Rebuild). The kardex,
cost state, suppliers and product settings are folded in a second pass, store by store, in the order the ingest
folded them (``inventory_folds``); customers and fiado in a third, tenant-wide, in ``fiado_log`` order
(``syncserver.ingest.fiado.refold``); the general journal, its returns and counts valued by the refolded kardex
(``syncserver.ingest.journal.rebook``), the books' day sums (``syncserver.store.books.rebuild_days``); HQ's
report rollups last, from the refolded sales (``syncserver.store.rollups``)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from shared import errors
from shared.events import codec as codec_mod
from shared.events import envelope, inventory
from syncserver.ingest import fiado, journal, kardex, projections
from syncserver.store import books, db, events, rollups

FOLDED = ("sale_tenders", "sale_lines", "sales", "return_refunds", "return_lines", "returns", "purchase_lines",
          "purchases", "stock", "shifts", "kardex", "kardex_counters", "cost_state", "transfer_lines",
          "transfer_received_lines", "transfers", "count_lines", "counts", "mermas", "suppliers",
          "supplier_return_lines", "supplier_returns", "store_product_settings")
CHUNK = 5000

_ORDERED_EVENTS = (
    "SELECT e.event_id::text, e.tenant_id, e.store_id, e.terminal_id, e.epoch, e.seq, e.occurred_at, e.type,"
    " e.version, e.payload, e.prev_hash, e.hash FROM events e LEFT JOIN inventory_folds f"
    " ON f.tenant_id = e.tenant_id AND f.terminal_id = e.terminal_id AND f.epoch = e.epoch"
    " AND e.seq BETWEEN f.first_seq AND f.last_seq"
    " WHERE e.tenant_id = %s AND e.type = ANY(%s) AND NOT EXISTS (SELECT 1 FROM quarantine q"
    " WHERE q.tenant_id = e.tenant_id AND q.terminal_id = e.terminal_id AND q.epoch = e.epoch AND q.seq = e.seq"
    " AND NOT q.folded) ORDER BY e.store_id, f.batch NULLS FIRST, e.terminal_id, e.epoch, e.seq")
"""The events whose fold depends on order (``projections.ORDERED_TYPES``), folded when received, store by store in
the order the ingest folded their batches; those folded before the order was logged (migration 0020) first, in
terminal, epoch and seq order."""


async def rebuild(pool: db.Pool, codec: codec_mod.Codec, tenant_id: int) -> int:
    """Clear and refold ``tenant_id``'s read models; returns the number of events folded."""
    folded = 0
    stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    async with db.tenant_tx(pool, tenant_id) as conn:
        for table in FOLDED:
            await conn.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (tenant_id,))
        async for chunk in events.PostgresEventStore(conn, tenant_id).foldable(CHUNK):
            folded_rows = projections.Rows()
            for entry in chunk:
                try:
                    event = codec.decode(entry.type, entry.version, entry.payload)
                except errors.EventError:
                    continue
                projections.fold(folded_rows, tenant_id, entry, event)
                folded += 1
            for key, quantity in folded_rows.stock.items():
                stock[key] += quantity
            folded_rows.stock.clear()
            await projections.write(conn, tenant_id, folded_rows, rebuilding=True)
        await projections.write(conn, tenant_id, projections.Rows(stock=stock))
        await _refold_ordered(conn, codec, tenant_id)
        await fiado.refold(conn, codec, tenant_id)
        await journal.rebook(conn, codec, tenant_id)
        await books.rebuild_days(conn, tenant_id)
        await rollups.backfill(conn, codec, tenant_id)
    return folded


async def _refold_ordered(conn: db.Conn, codec: codec_mod.Codec, tenant_id: int) -> None:
    """The second pass: each store's movements costed on a :class:`kardex.Ledger` started empty, each with the
    costing method its till had journaled by then, and the latest suppliers and product settings, in the ingest's
    order (:data:`_ORDERED_EVENTS`)."""
    methods: dict[str, str] = {}  # terminal -> its till's costing method
    ledger: kardex.Ledger | None = None
    async with conn.cursor(name="ordered_events") as named, conn.cursor() as cur:
        await named.execute(_ORDERED_EVENTS, (tenant_id, sorted(projections.ORDERED_TYPES)))
        while chunk := await named.fetchmany(CHUNK):
            rows = projections.Rows()
            costed: list[tuple[envelope.Envelope, str]] = []
            for row in chunk:
                entry = envelope.Envelope(*row[:12])
                try:
                    event: Any = codec.decode(entry.type, entry.version, entry.payload)
                except errors.EventError:
                    continue
                before = len(rows.moves)
                projections.fold(rows, tenant_id, entry, event)
                if isinstance(event, inventory.InventorySettingsReceived):
                    methods[entry.terminal_id] = event.costing
                method = methods.get(entry.terminal_id, kardex.DEFAULT_METHOD)
                costed.extend((entry, method) for _ in range(len(rows.moves) - before))
            for (entry, m), (_entry, method) in zip(rows.moves, costed, strict=True):
                if ledger is None or ledger.store_id != entry.store_id:
                    if ledger is not None:
                        await ledger.flush(cur)
                        await kardex.write_counter(cur, ledger)
                    ledger = kardex.Ledger(tenant_id, entry.store_id, method)
                ledger.method = method
                ledger.apply(entry, m)
            if ledger is not None:
                await ledger.flush(cur)
            await projections.write_ordered(cur, rows)
        if ledger is not None:
            await kardex.write_counter(cur, ledger)
