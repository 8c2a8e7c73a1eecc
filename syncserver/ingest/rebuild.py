"""Rebuild a tenant's master read models (sales, returns, their lines, tenders and refunds, purchases and their lines,
stock, shifts) from its stored events.

The events are the facts; the read models are folds of them. A rebuild clears the folded tables of one tenant
and folds every stored event again, terminal by terminal in epoch and seq order, in one transaction, with the
same fold the ingest uses. Quarantined events stay out, as they did at ingest, except those whose quarantine row
says ``folded``: a sale or return of which only the tax document was refused (a folio issued twice, or not leased to
that till) was folded when received, so it is folded again (migration 0009).

Stock is summed over the whole rebuild and written once at the end: the ingest took the events in another order
(batch by batch, terminals interleaved), and only the final quantities are sure to fit ``numeric(14,3)``
(``syncserver.ingest.conflicts`` quarantined the events that would not). A supplier's document registered by two
tills was quarantined at ingest the second time, so the rebuild keeps the registration the ingest kept; two
registrations folded before migration 0011 (when nothing was quarantined for it) keep the first one folded, and
their stock moves twice as it did live.
"""

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
