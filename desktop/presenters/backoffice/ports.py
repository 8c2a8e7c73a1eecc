"""What the back-office presenters read and call: plain rows of the till's inventory read models, and the
Protocols of the sources and services behind them (``sources.JournalInventory`` is the till's)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A place that holds goods: ``warehouse_id`` (the store's own id is its sala de ventas) and its name."""

    warehouse_id: str
    name: str


@dataclass(frozen=True, slots=True)
class StockItem:
    """A product's stock: ``quantity`` on hand in the warehouse asked for (or in all the store's warehouses, then
    split in ``per_warehouse``: (warehouse id, on hand)), units or kg, may be negative; ``value`` at cost (CLP
    neto) and ``unit_cost`` (CLP neto, the value over what is on hand; None: never costed), ``min_stock``
    (None: no alert), ``last_movement`` (ISO journal time, ``""`` when none), and its alerts
    (``negative`` in some warehouse, ``below_minimum``)."""

    sku: str
    name: str
    sold_by: str
    quantity: Decimal
    value: int
    min_stock: Decimal | None
    last_movement: str
    per_warehouse: tuple[tuple[str, Decimal], ...] = ()
    below_minimum: bool = False
    negative: bool = False
    location: str = ""
    unit_cost: int | None = None


@dataclass(frozen=True, slots=True)
class KardexItem:
    """One movement of a product: journal time (ISO), what moved it (``kind``: one of ``shared.inventory.KINDS``),
    the document, who, the signed ``quantity``, the running ``balance``, the ``unit_cost`` and signed ``value``
    (CLP neto); ``cursor`` pages to the rows before it."""

    cursor: int
    at: str
    warehouse: str
    kind: str
    document: str
    who: str
    quantity: Decimal
    balance: Decimal
    unit_cost: int
    value: int


@dataclass(frozen=True, slots=True)
class Crossing:
    """A store edit that crossed an HQ change made meanwhile: the field, the store's value and HQ's, who changed
    it at HQ (``""`` when the feed does not say) and when (ISO)."""

    field: str
    store_value: str
    hq_value: str
    hq_who: str
    hq_at: str


@dataclass(frozen=True, slots=True)
class StoreProduct:
    """A product as the store sees it: HQ's fields (name, category, barcodes, ``hq_price`` with IVA, ``hq_active``)
    and the store's own (``price``: None means HQ's; ``min_stock``; ``location``; ``active``). ``local``: created at
    the store and not yet adopted by HQ. ``seen_change``: HQ's change id the store last saw (sent back on save)."""

    sku: str
    name: str
    category: str
    barcodes: tuple[str, ...]
    sold_by: str
    hq_price: int
    hq_active: bool
    price: int | None
    min_stock: Decimal | None
    location: str
    active: bool
    local: bool = False
    seen_change: int = 0
    crossings: tuple[Crossing, ...] = ()


class InventorySource(Protocol):
    """The read side of the back office: warehouses, stock, alerts, kardex, the store's products."""

    def warehouses(self) -> list[Warehouse]: ...

    def stock(self, search: str, warehouse: str | None, alerts_only: bool, limit: int,
              offset: int) -> list[StockItem]: ...

    def stock_value(self, warehouse: str | None) -> int:
        """CLP neto at cost of all the stock in ``warehouse`` (in all the store's warehouses when None)."""
        ...

    def alerts(self) -> int:
        """How many (product, warehouse) are below their minimum or negative."""
        ...

    def kardex(self, sku: str, warehouse: str | None, before: int | None, limit: int) -> list[KardexItem]:
        """Newest first; ``before`` a row's ``cursor`` to page back."""
        ...

    def products(self, search: str, limit: int, offset: int) -> list[StoreProduct]: ...

    def product(self, sku: str) -> StoreProduct | None: ...

    def find_code(self, code: str) -> str | None:
        """The SKU of a scanned barcode, PLU or SKU; None when no product has it."""
        ...


class ProductSettings(Protocol):
    """Saves the store's settings of a product (``StoreProductSet``); raises ``shared.errors.PosError`` with a
    Spanish message for bad input."""

    @property
    def store_prices(self) -> bool:
        """The tenant lets stores set their own prices."""
        ...

    def save(self, sku: str, *, price: int | None, min_stock: Decimal | None, location: str, active: bool,
             seen_price: int, seen_change: int) -> None:
        """Raises ``PosError`` (a crossed HQ edit among them: nothing saved, the message says both values)."""
        ...


class KardexFiles(Protocol):
    """The kardex of a product as a file: a spreadsheet or CSV (``fmt`` ``"xlsx"``/``"csv"``) in ``folder``, or a
    printable PDF; each returns the file written."""

    def export(self, sku: str, warehouse: str | None, fmt: str, folder: Path) -> Path: ...

    def pdf(self, sku: str, warehouse: str | None) -> Path: ...
