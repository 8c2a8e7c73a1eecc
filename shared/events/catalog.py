"""Events of the catalog and stock streams."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class ProductUpserted:
    """A product created or edited; ``price`` in CLP with IVA (per kg when ``sold_by == "kg"``).

    ``source``: ``"hq"`` for HQ's catalog (pulled from the change feed), ``"store"`` for what the store journals.
    ``created_by``: the administrador (user id) who created the product at the store, its own until HQ adopts it
    (``desktop.services.local_products``); ``""`` for HQ's products and the store's seeded catalog.

    An HQ change (``source == "hq"``) carries the feed's ``change_id``, who changed it at HQ (``changed_by``: the
    HQ account's name or email) and when (``changed_at``, ISO 8601); 0 and ``""`` when not known (a store's own
    product, a change published before v2)."""

    TYPE: ClassVar[str] = "catalog.product_upserted"
    VERSION: ClassVar[int] = 2

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
    change_id: int = 0
    changed_by: str = ""
    changed_at: str = ""


def upcast_product_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A ``catalog.product_upserted`` v1 payload as v2: no feed change id, who or when known (0, ``""``)."""
    return {"change_id": 0, "changed_by": "", "changed_at": "", **payload}


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
