"""An in-memory ``InventorySource`` and ``ProductSettings`` for the back-office presenter tests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from desktop.presenters.backoffice.ports import KardexItem, StockItem, StoreProduct, Warehouse
from shared import catalog_import, errors


def product(sku: str, name: str, price: int = 1000, *, barcode: str = "", sold_by: str = "unit",
            **changes: object) -> StoreProduct:
    base = StoreProduct(sku, name, "Abarrotes", (barcode,) if barcode else (), sold_by, price, True, None, None, "",
                        True)
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class FakeInventory:
    items: list[StockItem] = field(default_factory=list)
    catalog: dict[str, StoreProduct] = field(default_factory=dict)
    moves: dict[str, list[KardexItem]] = field(default_factory=dict)
    calls: list[tuple[object, ...]] = field(default_factory=list)

    def warehouses(self) -> list[Warehouse]:
        return [Warehouse("s1", "Sala de ventas"), Warehouse("s1-bodega", "Bodega")]

    def _match(self, search: str, name: str, sku: str) -> bool:
        words = catalog_import.search_words(search)
        text = catalog_import.fold(f"{name} {sku}")
        return all(f" {w}" in text for w in words)

    def stock(self, search: str, warehouse: str | None, alerts_only: bool, limit: int,
              offset: int) -> list[StockItem]:
        self.calls.append(("stock", search, warehouse, alerts_only, limit, offset))
        found = []
        for i in self.items:
            if not self._match(search, i.name, i.sku) or (alerts_only and not (i.negative or i.below_minimum)):
                continue
            if warehouse is not None:
                i = replace(i, quantity=dict(i.per_warehouse).get(warehouse, Decimal(0)), per_warehouse=())
            found.append(i)
        return found[offset:offset + limit]

    def stock_value(self, warehouse: str | None) -> int:
        return sum(i.value for i in self.items if warehouse is None or warehouse in dict(i.per_warehouse))

    def alerts(self) -> int:
        return len(self.stock("", None, True, 10_000, 0))

    def kardex(self, sku: str, warehouse: str | None, before: int | None, limit: int) -> list[KardexItem]:
        self.calls.append(("kardex", sku, warehouse, before, limit))
        rows = [r for r in self.moves.get(sku, []) if (warehouse is None or r.warehouse == warehouse)
                and (before is None or r.cursor < before)]
        return sorted(rows, key=lambda r: -r.cursor)[:limit]

    def products(self, search: str, limit: int, offset: int) -> list[StoreProduct]:
        found = [p for p in self.catalog.values() if self._match(search, p.name, p.sku)]
        return found[offset:offset + limit]

    def product(self, sku: str) -> StoreProduct | None:
        return self.catalog.get(sku)

    def find_code(self, code: str) -> str | None:
        return next((p.sku for p in self.catalog.values() if code in p.barcodes or code == p.sku), None)


@dataclass
class FakeSettings:
    """Saves into the fake inventory's catalog; ``refuse`` makes the next save raise it."""

    inventory: FakeInventory
    store_prices: bool = True
    saved: list[dict[str, object]] = field(default_factory=list)
    refuse: errors.PosError | None = None

    def save(self, sku: str, *, price: int | None, min_stock: Decimal | None, location: str, active: bool,
             seen_price: int, seen_change: int) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.saved.append({"sku": sku, "price": price, "min_stock": min_stock, "location": location,
                           "active": active, "seen_price": seen_price,
                           "seen_change": seen_change})
        self.inventory.catalog[sku] = replace(self.inventory.catalog[sku], price=price, min_stock=min_stock,
                                              location=location, active=active)


@dataclass
class FakeFiles:
    written: list[tuple[str, str | None, str]] = field(default_factory=list)
    fail: bool = False

    def export(self, sku: str, warehouse: str | None, fmt: str, folder: Path) -> Path:
        if self.fail:
            raise OSError("la memoria USB está llena")
        self.written.append((sku, warehouse, fmt))
        return folder / f"kardex-{sku}.{fmt}"

    def pdf(self, sku: str, warehouse: str | None) -> Path:
        self.written.append((sku, warehouse, "pdf"))
        return Path(f"/tmp/kardex-{sku}.pdf")
