"""What the sync end-to-end tests share: a small catalog, two tenants with their stores, a fast cashier, and
reading the master as one tenant."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from desktop.journal import read_models
from shared.sale import Tender, TenderKind
from syncserver import tenancy

TENDERS = (TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT)


def catalog_rows(n: int) -> list[dict[str, str]]:
    """``n`` products with PLUs 4000..; every seventh is sold by weight."""
    return [{"sku": f"P{i:03d}", "name": f"Producto {i}", "price": str(300 + 70 * i), "category": "Abarrotes",
             "sold_by": "kg" if i % 7 == 0 else "unit", "barcode": "", "plu": str(4000 + i), "brand": "",
             "iva_exempt": "0", "favourite": "0", "stock": "50"} for i in range(n)]


def setup_tenants(server: Any) -> None:
    """Tenant 1 (stores centro and norte) and tenant 2 (store esquina)."""
    async def go(pool: Any) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
        await tenancy.create_store(pool, 1, "centro", "Centro")
        await tenancy.create_store(pool, 1, "norte", "Norte")
        await tenancy.create_tenant(pool, 2, "Minimarket La Esquina")
        await tenancy.create_store(pool, 2, "esquina", "La Esquina")
    server.run(go)


def sell(terminal: Any, sales: int, rng: random.Random, products: int, *, max_lines: int = 4,
         tenders: tuple[TenderKind, ...] = TENDERS) -> None:
    """Ring up ``sales`` sales of 1..max_lines random products, paid with a random tender kind."""
    ana = terminal.auth.sign_in("ana", "1234")
    shift = terminal.shifts.current() or terminal.shifts.open(ana, 10_000)
    terminal.checkout.start(ana, shift.shift_id)
    for _ in range(sales):
        for _ in range(rng.randint(1, max_lines)):
            product = read_models.by_plu(terminal.journal.conn, str(4000 + rng.randrange(products)))
            qty = Decimal(rng.randint(100, 1500)) / 1000 if product.weighed else Decimal(rng.randint(1, 3))
            terminal.checkout.add_product(product, qty)
        total = terminal.checkout.sale.totals().total
        kind = rng.choice(tenders)
        terminal.checkout.complete((Tender(kind, total + 10 if kind is TenderKind.CASH else total),))


def master(server: Any, sql: str, tenant_id: int, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` as the application role with ``tenant_id`` set (RLS applies)."""
    with psycopg.connect(server.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
        return conn.execute(sql, params).fetchall()


SAMPLES = Path(__file__).parents[1] / "data" / "sii" / "samples"
SAMPLE_RUT = "76.235.291-5"
"""The emisor of the SII sample CAFs, and the tills' default store RUT."""


def lease_sample_folios(server: Any, tenant_id: int, *, lease_size: int = 10) -> None:
    """Give ``tenant_id`` the sample CAFs' RUT and import their boletas (39) and notas de crédito (61), folios 1–20,
    leased ``lease_size`` at a time to its active tills (they receive them on their next sync)."""
    from syncserver.dte import folios

    with psycopg.connect(server.admin_url) as conn:
        conn.execute("UPDATE tenants SET rut = %s WHERE tenant_id = %s", (SAMPLE_RUT, tenant_id))
    for tipo in (39, 61):
        data = (SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes()
        # the samples were authorised 2025-04-11: a nota de crédito's CAF is valid 6 months from then
        server.run(lambda pool, d=data: folios.import_caf(pool, tenant_id, d, today=date(2025, 5, 2),
                                                          lease_size=lease_size, low_water=lease_size // 2))


def give_back(terminal: Any, sale_id: str, quantities: dict[int, Decimal] | None, reason: str) -> Any:
    """A return of sale ``sale_id`` (None: all that is left) authorised by the demo supervisor (PIN 9999), in the
    open shift; returns its ``sale.returned`` event (with its nota de crédito)."""
    found = terminal.returns.find_sale(sale_id)
    done = terminal.returns.complete(found, quantities, "9999", reason, cashier_id="ana",
                                     shift_id=terminal.shifts.current().shift_id)
    assert done.event.document is not None and done.event.document.tipo == 61
    return done.event
