"""The till as the back office's ports see it: the journal's inventory read models (``JournalInventory``), the
store's product settings and the kardex files through ``desktop.services.inventory``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from pathlib import Path

from desktop.journal import inventory_queries as queries
from desktop.journal import local_products_projection, read_models
from desktop.presenters.backoffice.ports import Crossing, KardexItem, StockItem, StoreProduct, Warehouse
from desktop.services.auth import User
from desktop.services.inventory import InventoryService
from shared import money


def warehouse_names(store_id: str) -> dict[str, str]:
    """The names people read for a store's own warehouses (its id is the sala de ventas)."""
    return {store_id: "Sala de ventas", f"{store_id}-bodega": "Bodega"}


def crossings_of(row: queries.StoreProductRow, hq: queries.HqChange | None = None) -> tuple[Crossing, ...]:
    """HQ changed the price after the manager last saved it: both prices, who changed it at HQ and when (``hq``:
    HQ's latest change the till received, when known)."""
    if not row.crossed:
        return ()
    mine = money.format_clp(row.price) if row.price is not None else (
        f"el precio de HQ ({money.format_clp(row.seen_price)})")
    who, at = (hq.price_by, hq.price_at) if hq is not None and hq.price == row.hq_price else ("", row.hq_changed_at)
    return (Crossing("Precio", mine, money.format_clp(row.hq_price), who, at),)


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
                          r.below_minimum, r.negative, r.location, r.unit_cost) for r in rows]

    def stock_value(self, warehouse: str | None) -> int:
        with self.lock():
            return queries.stock_value(self.conn, warehouse)

    def alerts(self) -> int:
        with self.lock():
            return queries.alerts_count(self.conn)

    def kardex(self, sku: str, warehouse: str | None, before: int | None, limit: int) -> list[KardexItem]:
        with self.lock():
            rows = queries.kardex_page(self.conn, sku, warehouse, before, limit)
        return [KardexItem(r.id, r.occurred_at, r.warehouse, r.kind, r.document, r.who_name or r.who, r.quantity,
                           r.balance, r.unit_cost, r.value) for r in rows]

    def _product(self, row: queries.StoreProductRow, barcodes: tuple[str, ...] = (), local: bool = False,
                 hq: queries.HqChange | None = None) -> StoreProduct:
        return StoreProduct(row.sku, row.name, row.category, barcodes, row.sold_by, row.hq_price, row.hq_active,
                            row.price, row.min_stock, row.location, row.active, local=local,
                            seen_change=hq.change_id if hq is not None else 0, crossings=crossings_of(row, hq))

    def products(self, search: str, limit: int, offset: int) -> list[StoreProduct]:
        with self.lock():
            rows = queries.store_products(self.conn, search, limit, offset)
            local = local_products_projection.local_skus(self.conn, [r.sku for r in rows])
        return [self._product(r, local=r.sku in local) for r in rows]

    def product(self, sku: str) -> StoreProduct | None:
        with self.lock():
            row = queries.store_product(self.conn, sku)
            found = read_models.by_sku(self.conn, sku)
            local = bool(local_products_projection.local_skus(self.conn, [sku]))
            hq = queries.hq_change(self.conn, sku)
        return None if row is None else self._product(row, found.barcodes if found else (), local, hq)

    def find_code(self, code: str) -> str | None:
        code = code.strip()
        if not code:
            return None
        with self.lock():
            found = (read_models.by_barcode(self.conn, code) or read_models.by_sku(self.conn, code)
                     or (read_models.by_plu(self.conn, code) if code.isdigit() else None))
        return found.sku if found is not None else None


class StoreSettings:
    """``ProductSettings`` through the till's ``InventoryService``, acting as ``user``."""

    def __init__(self, service: InventoryService, user: User) -> None:
        self.service, self.user = service, user

    @property
    def store_prices(self) -> bool:
        return self.service.settings().store_prices

    def save(self, sku: str, *, price: int | None, min_stock: Decimal | None, location: str, active: bool,
             seen_price: int, seen_change: int) -> None:
        self.service.set_product(self.user, sku, price=price, min_stock=min_stock, location=location, active=active,
                                 seen_price=seen_price, seen_change=seen_change)


class KardexFiles:
    """``KardexFiles`` through the till's ``InventoryService``: files named ``kardex-<sku>[-<warehouse>].<ext>``;
    the printable PDF goes to ``print_folder``."""

    def __init__(self, service: InventoryService, print_folder: Path) -> None:
        self.service, self.print_folder = service, print_folder

    def _write(self, sku: str, warehouse: str | None, fmt: str, folder: Path) -> Path:
        data = self.service.export_kardex(sku, fmt, warehouse or "")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"kardex-{sku}{'-' + warehouse if warehouse else ''}.{fmt}"
        path.write_bytes(data)
        return path

    def export(self, sku: str, warehouse: str | None, fmt: str, folder: Path) -> Path:
        return self._write(sku, warehouse, fmt, folder)

    def pdf(self, sku: str, warehouse: str | None) -> Path:
        return self._write(sku, warehouse, "pdf", self.print_folder)
