"""The till's journal as the back office reads it (``ports.InventorySource``): warehouses, stock, alerts, kardex
and the store's products from the read models on the journal's connection."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from desktop.journal import read_models
from desktop.journal.projections import MILLI
from desktop.presenters.backoffice.ports import KardexItem, StockItem, StoreProduct, Warehouse
from shared import catalog_import


def warehouse_names(store_id: str) -> dict[str, str]:
    """The names people read for a store's own warehouses (its id is the sala de ventas)."""
    return {store_id: "Sala de ventas", f"{store_id}-bodega": "Bodega"}


class JournalInventory:
    """``InventorySource`` over the journal's read models of ``store_id``."""

    def __init__(self, conn: sqlite3.Connection, store_id: str) -> None:
        self.conn, self.store_id = conn, store_id

    def warehouses(self) -> list[Warehouse]:
        names = warehouse_names(self.store_id)
        others = [r[0] for r in self.conn.execute("SELECT DISTINCT warehouse_id FROM warehouse_stock ORDER BY 1")]
        return [Warehouse(w, names.get(w, w)) for w in (*names, *(o for o in others if o not in names))]

    def _skus(self, search: str) -> list[str] | None:
        """The SKUs a search names (its scanned code's product, or the till's word search); None: no search."""
        if not search:
            return None
        sku = self.find_code(search)
        if sku is not None:
            return [sku]
        words = catalog_import.search_words(search)
        return [p.sku for p in read_models.search(self.conn, " ".join(words), limit=10_000)] if words else []

    def stock(self, search: str, warehouse: str | None, alerts_only: bool, limit: int,
              offset: int) -> list[StockItem]:
        skus = self._skus(search)
        rows = self.conn.execute(
            "SELECT p.sku, p.name, w.wh, w.quantity, p.sold_by, c.avg_cost FROM products p"
            " JOIN (SELECT sku, ? AS wh, quantity FROM stock UNION ALL"
            "       SELECT sku, warehouse_id, quantity FROM warehouse_stock) w ON w.sku = p.sku"
            " LEFT JOIN product_costs c ON c.sku = p.sku"
            " WHERE (? IS NULL OR w.wh = ?) AND (NOT ? OR w.quantity < 0)"
            " ORDER BY w.quantity < 0 DESC, p.name, w.wh", (self.store_id, warehouse, warehouse, alerts_only))
        out: list[StockItem] = []
        wanted = None if skus is None else set(skus)
        for sku, name, wh, milli, sold_by, avg in rows:
            if wanted is not None and sku not in wanted:
                continue
            quantity = Decimal(milli) / MILLI
            value = int((quantity * Decimal(avg or 0)).to_integral_value())
            out.append(StockItem(sku, name, wh, quantity, sold_by, value, None, ""))
        return out[offset:offset + limit]

    def alerts(self) -> int:
        row = self.conn.execute("SELECT (SELECT count(*) FROM stock WHERE quantity < 0)"
                                " + (SELECT count(*) FROM warehouse_stock WHERE quantity < 0)").fetchone()
        return int(row[0])

    def kardex(self, sku: str, warehouse: str | None, before: int | None, limit: int) -> list[KardexItem]:
        del sku, warehouse, before, limit
        return []

    def products(self, search: str, limit: int, offset: int) -> list[StoreProduct]:
        skus = self._skus(search)
        if skus is None:
            skus = [r[0] for r in self.conn.execute("SELECT sku FROM products ORDER BY name LIMIT ? OFFSET ?",
                                                    (limit, offset))]
        else:
            skus = skus[offset:offset + limit]
        return [p for p in map(self.product, skus) if p is not None]

    def product(self, sku: str) -> StoreProduct | None:
        p = read_models.by_sku(self.conn, sku)
        if p is None:
            return None
        return StoreProduct(p.sku, p.name, p.category, p.barcodes, p.sold_by.value, p.price, p.active, None, None, "",
                            p.active)

    def find_code(self, code: str) -> str | None:
        code = code.strip()
        found = (read_models.by_barcode(self.conn, code) or read_models.by_sku(self.conn, code)
                 or (read_models.by_plu(self.conn, code) if code.isdigit() else None)) if code else None
        return found.sku if found is not None else None
