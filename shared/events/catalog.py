"""Events of the catalog and stock streams."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ProductUpserted:
    """A product created or edited; ``price`` in CLP with IVA (per kg when ``sold_by == "kg"``).

    ``source``: ``"hq"`` for HQ's catalog (pulled from the change feed), ``"store"`` for what the store journals.
    ``created_by``: the administrador (user id) who created the product at the store, its own until HQ adopts it
    (``desktop.services.local_products``); ``""`` for HQ's products and the store's seeded catalog."""

    TYPE: ClassVar[str] = "catalog.product_upserted"
    VERSION: ClassVar[int] = 1

    sku: str
    name: str
    price: int
    category: str
    sold_by: str
    barcodes: tuple[str, ...]
    plu: str | None
    brand: str
    iva_exempt: bool
    favourite: bool
    active: bool = True
    source: str = "store"
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class StockAdjusted:
    """Stock counted or corrected: ``delta`` in units or kg, with the reason (``apertura``, ``merma``, ...)."""

    TYPE: ClassVar[str] = "stock.adjusted"
    VERSION: ClassVar[int] = 1

    sku: str
    delta: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class CategoriesOrdered:
    """HQ's order of the category tabs (``names``: first tab first); a category not named sorts after them by name."""

    TYPE: ClassVar[str] = "catalog.categories_ordered"
    VERSION: ClassVar[int] = 1

    names: tuple[str, ...]
