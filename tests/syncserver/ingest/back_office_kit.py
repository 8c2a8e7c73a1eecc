"""Helpers for the back-office ingest tests: a tenant with stores centro, norte and sur (each with a bodega), tills
that journal purchases, sales, transfers, counts, mermas and returns to suppliers and push them, and the master's
folded rows read back (as the admin role) to compare with ``shared.inventory.fold``."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg_pool

from shared import inventory as inv
from shared import money
from shared.events import inventory as ev
from shared.events import purchases, sales
from syncserver import tenancy
from syncserver.store import db, tenants
from tests.syncserver.dte.folio_kit import Db, Till, migrated

LIDER = purchases.Supplier("96542180-7", "Distribuidora Líder Mayorista SpA", "Venta al por mayor de abarrotes")
FOLDED_TABLES = ("stock", "kardex", "kardex_counters", "cost_state", "transfers", "transfer_lines",
                 "transfer_received_lines", "counts", "count_lines", "mermas", "suppliers", "supplier_returns",
                 "supplier_return_lines", "store_product_settings", "sales", "purchases")


def world(pg_database: str) -> Db:
    """Tenant 1 with stores ``centro``, ``norte`` and ``sur``, each with its sala (the store's id) and
    ``<store>-bodega``."""
    data = migrated(pg_database, {1: "76.235.291-5"})

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_store(pool, 1, "norte", "Norte", bodega=True)
        await tenancy.create_store(pool, 1, "sur", "Sur", bodega=True)
        async with db.tenant_tx(pool, 1) as conn:
            await tenants.add_warehouse(conn, 1, "centro", "centro-bodega", "Bodega Centro", "bodega")

    data.run(setup)
    return data


def enroll(data: Db, store_id: str) -> Till:
    till: Till = data.run(lambda pool: Till.enroll(pool, 1, store_id))
    return till


def push(data: Db, till: Till) -> Any:
    return data.run(lambda pool: till.push(pool))


_folios = iter(range(1, 10**6))


def purchase(sku: str, quantity: str, cost: int, warehouse: str, *, tipo: int = 33, expiry: str = ""
             ) -> purchases.PurchaseReceived:
    """A supplier's factura of one line: ``quantity`` of ``sku`` costing ``cost`` CLP neto in all."""
    q = Decimal(quantity)
    line = purchases.PurchaseLine(1, sku, None, sku, q, "UN", round(cost / q), cost, cost, False, sku, "manual",
                                  expiry=expiry)
    iva = round(cost * 0.19)
    return purchases.PurchaseReceived(str(uuid.uuid4()), LIDER, tipo, next(_folios), "2026-12-01", warehouse,
                                      (line,), cost, 0, iva, cost + iva, "0" * 64, True, registered_by="ana")


def sale(sku: str, quantity: str, price: int = 1000) -> sales.SaleCompleted:
    q = Decimal(quantity)
    amount = int(price * q)
    split = money.split_iva(amount)
    line = sales.LineSold(1, sku, sku, price, q, "unit" if q == q.to_integral_value() else "kg", False, 0, amount)
    return sales.SaleCompleted(str(uuid.uuid4()), next(_folios), "s1", "ana", (line,), 0, amount, amount, 0,
                               split.neto, split.iva, (sales.TenderTaken("debit", amount, amount),), 0, 0)


def sent(transfer_id: str, from_warehouse: str, to_store: str, to_warehouse: str, sku: str, quantity: str,
         unit_cost: int = 1000) -> ev.TransferSent:
    return ev.TransferSent(transfer_id, from_warehouse, to_store, to_warehouse,
                           (ev.TransferLine(sku, sku, Decimal(quantity), unit_cost),), "ana")


def received(transfer_id: str, from_store: str, to_warehouse: str, sku: str, sent_qty: str, received_qty: str,
             unit_cost: int = 1000) -> ev.TransferReceived:
    return ev.TransferReceived(transfer_id, from_store, to_warehouse,
                               (ev.ReceivedLine(sku, sku, Decimal(sent_qty), Decimal(received_qty), unit_cost),),
                               "beto")


def counted(count_id: str, warehouse: str, sku: str, expected: str, counted_qty: str) -> ev.CountPosted:
    return ev.CountPosted(count_id, warehouse, (ev.CountLine(sku, sku, Decimal(expected), Decimal(counted_qty)),),
                          "recuento mensual", "ana", "pepe")


def merma(merma_id: str, warehouse: str, sku: str, quantity: str, unit_cost: int = 1000) -> ev.MermaRecorded:
    return ev.MermaRecorded(merma_id, warehouse, sku, sku, Decimal(quantity), "vencimiento", unit_cost, "ana")


def returned(return_id: str, warehouse: str, sku: str, quantity: str, unit_cost: int) -> ev.SupplierReturned:
    return ev.SupplierReturned(return_id, LIDER.rut, warehouse,
                               (ev.SupplierReturnLine(sku, sku, Decimal(quantity), unit_cost),), "dañado", "ana")


def book(till: Till, method: str, codec: Any) -> inv.Book:
    """The ``shared.inventory.Book`` of what ``till`` journaled, folded as the till does: with ``method`` until it
    journals HQ's inventory settings, then with theirs."""
    b = inv.Book(till.store_id, method)
    for e in till.journal:
        event = codec.decode(e.type, e.version, e.payload)
        if isinstance(event, ev.InventorySettingsReceived):
            b.method = event.costing
        b.apply(e, event)
    return b


def kardex_rows(data: Db, store_id: str) -> list[tuple[Any, ...]]:
    """The master's kardex of ``store_id`` in its order, as the till's fold shows it."""
    return [tuple(r) for r in data.rows(
        "SELECT warehouse_id, sku, kind, quantity, balance, unit_cost, value, document, reference, who, lot"
        " FROM kardex WHERE tenant_id = 1 AND store_id = %s ORDER BY pos", store_id)]


def book_kardex(b: inv.Book) -> list[tuple[Any, ...]]:
    from syncserver.ingest import kardex

    return [(r.movement.warehouse, r.movement.sku, r.movement.kind, r.movement.quantity, r.balance,
             Decimal(r.unit_cost), Decimal(r.value), r.movement.document, r.movement.reference, r.movement.who,
             kardex.lot_text(r.movement.lot)) for r in b.kardex]


def costs(data: Db, store_id: str) -> dict[str, tuple[Decimal, inv.CostState]]:
    """The master's cost states (equal as values: a quantity may be spelt 8.000 at one side and 8 at the other)."""
    return {str(r[0]): (Decimal(r[1]), inv.CostState.from_json(str(r[2]))) for r in data.rows(
        "SELECT sku, on_hand, state FROM cost_state WHERE tenant_id = 1 AND store_id = %s", store_id)}


def book_costs(b: inv.Book) -> dict[str, tuple[Decimal, inv.CostState]]:
    return {sku: (b.on_hand(sku), state) for sku, state in b.costs.items()}


def stock(data: Db, warehouses: tuple[str, ...]) -> dict[tuple[str, str], Decimal]:
    return {(str(r[0]), str(r[1])): Decimal(r[2]) for r in data.rows(
        "SELECT warehouse_id, sku, quantity FROM stock WHERE tenant_id = 1 AND warehouse_id = ANY(%s)"
        " AND quantity <> 0", list(warehouses))}


def book_stock(b: inv.Book) -> dict[tuple[str, str], Decimal]:
    return {key: q for key, q in b.stock.items() if q != 0}


def dump(data: Db) -> dict[str, list[tuple[Any, ...]]]:
    """Every folded back-office table, sorted (to compare a rebuild with the live fold)."""
    return {t: sorted((tuple(r) for r in data.rows(f"SELECT * FROM {t} WHERE tenant_id = 1")), key=repr)
            for t in FOLDED_TABLES}


def quarantined(data: Db) -> list[tuple[Any, ...]]:
    """``(seq, type, reason)`` of the quarantined events, by terminal and seq."""
    return [tuple(r) for r in data.rows("SELECT seq, type, reason FROM quarantine ORDER BY terminal_id, epoch, seq")]
