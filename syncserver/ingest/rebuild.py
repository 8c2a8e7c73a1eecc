"""Rebuild a tenant's master read models from its stored events, with the ingest's fold, in one transaction.

What is folded again and why stock is written once: docs/architecture.md, "Ingest checks" (Rebuild)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from shared import errors
from shared.events import codec as codec_mod
from syncserver.ingest import projections
from syncserver.store import db, events

FOLDED = ("sale_tenders", "sale_lines", "sales", "return_refunds", "return_lines", "returns", "purchase_lines",
          "purchases", "stock", "shifts")
CHUNK = 5000


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
    return folded
