"""Suppliers' documents registered at the master as the ingest folds them, and the tenant's certificate, for the
tests of HQ «Compras»'s answers to suppliers (Ley 19.983)."""

from __future__ import annotations

import re
import uuid
from datetime import date

import psycopg_pool

from shared.events import envelope
from shared.events import purchases as ev
from syncserver.dte import certs
from syncserver.ingest import projections
from syncserver.store import db
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, holder_pfx
from tests.syncserver.hq.hq_support import World

LIDER = ev.Supplier("96542180-7", "Distribuidora Líder Mayorista SpA", "Venta al por mayor de abarrotes")
COLUN = ev.Supplier("81094100-6", "Cooperativa Agrícola y Lechera de La Unión Ltda.", "Elaboración de lácteos")
SECRET = "test-secret"
"""``World.app``'s secret key (the certificate is stored encrypted with it)."""


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def register(world: World, documents: list[tuple[str, ev.Supplier, int, int, date]]) -> None:
    """Fold ``(store, supplier, tipo, folio, fecha_emision)`` purchases of tenant 1 as the ingest does."""

    async def go(pool: psycopg_pool.AsyncConnectionPool) -> None:
        rows = projections.Rows()
        for seq, (store, supplier, tipo, folio, fecha) in enumerate(documents, 1):
            event = ev.PurchaseReceived(str(uuid.uuid4()), supplier, tipo, folio, fecha.isoformat(), store, (),
                                        100_000, 0, 19_000, 119_000, "0" * 64, True)
            entry = envelope.Envelope(str(uuid.uuid4()), 1, store, f"t-{store}", 1, seq, f"{fecha}T09:00:00-03:00",
                                      event.TYPE, event.VERSION, {}, "", "")
            projections.fold(rows, 1, entry, event)
        async with db.tenant_tx(pool, 1) as conn:
            await projections.write(conn, 1, rows)
        await certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, SECRET)

    world.run(go)
