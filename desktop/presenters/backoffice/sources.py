"""The till's journal as the back office reads it (``ports.InventorySource``): warehouses, stock, alerts, kardex
and the store's products from ``desktop.journal.inventory_queries`` on the journal's connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from desktop.journal import inventory_queries as queries
from desktop.journal import read_models
from desktop.presenters.backoffice.ports import Crossing, KardexItem, StockItem, StoreProduct, Warehouse
from shared import money


def warehouse_names(store_id: str) -> dict[str, str]:
    """The names people read for a store's own warehouses (its id is the sala de ventas)."""
    return {store_id: "Sala de ventas", f"{store_id}-bodega": "Bodega"}


def crossings_of(row: queries.StoreProductRow) -> tuple[Crossing, ...]:
    """HQ changed the price after the manager last saved it: both prices, and when HQ changed it."""
    if not row.crossed:
        return ()
    mine = money.format_clp(row.price) if row.price is not None else (
        f"el precio de HQ ({money.format_clp(row.seen_price)})")
    return (Crossing("Precio", mine, money.format_clp(row.hq_price), "", row.hq_changed_at),)


class JournalInventory:
    """``InventorySource`` over the journal's connection; ``lock`` (the journal's, when a sync thread shares the
    connection) is held around each read."""

    def __init__(self, conn: sqlite3.Connection,
                 lock: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        self.conn, self.lock = conn, lock

    def warehouses(self) -> list[Warehouse]:
        with self.lock():
            own = queries.store_id(self.conn)
            ids = queries.warehouses(self.conn)
        names = warehouse_names(own)
        return [Warehouse(w, names.get(w, w)) for w in ids]

    def stock(self, search: str, warehouse: str | None, alerts_only: bool, limit: int,
              offset: int) -> list[StockItem]:
        with self.lock():
            rows = queries.stock_list(self.conn, search, warehouse, alerts_only, limit, offset)
        return [StockItem(r.sku, r.name, r.sold_by, r.on_hand, r.value, r.min_stock, r.last_at, r.per_warehouse,
                          r.below_minimum, r.negative, r.location) for r in rows]

    def alerts(self) -> int:
        with self.lock():
            return queries.alerts_count(self.conn)

    def kardex(self, sku: str, warehouse: str | None, before: int | None, limit: int) -> list[KardexItem]:
        with self.lock():
            rows = queries.kardex_page(self.conn, sku, warehouse, before, limit)
        return [KardexItem(r.id, r.occurred_at, r.warehouse, r.kind, r.document, r.who, r.quantity, r.balance,
                           r.unit_cost, r.value) for r in rows]

    def _product(self, row: queries.StoreProductRow, barcodes: tuple[str, ...] = ()) -> StoreProduct:
        return StoreProduct(row.sku, row.name, row.category, barcodes, row.sold_by, row.hq_price, row.hq_active,
                            row.price, row.min_stock, row.location, row.active, crossings=crossings_of(row))

    def products(self, search: str, limit: int, offset: int) -> list[StoreProduct]:
        with self.lock():
            rows = queries.store_products(self.conn, search, limit, offset)
        return [self._product(r) for r in rows]

    def product(self, sku: str) -> StoreProduct | None:
        with self.lock():
            row = queries.store_product(self.conn, sku)
            found = read_models.by_sku(self.conn, sku)
        return None if row is None else self._product(row, found.barcodes if found else ())

    def find_code(self, code: str) -> str | None:
        code = code.strip()
        if not code:
            return None
        with self.lock():
            found = (read_models.by_barcode(self.conn, code) or read_models.by_sku(self.conn, code)
                     or (read_models.by_plu(self.conn, code) if code.isdigit() else None))
        return found.sku if found is not None else None
