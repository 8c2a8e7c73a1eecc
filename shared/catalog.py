"""Products as the store sells them: SKU, barcodes, PLU, unit or weighed, price with IVA, exempt flag."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from shared import barcodes, errors, money


class SoldBy(enum.Enum):
    """How a product's quantity is measured."""

    UNIT = "unit"
    KG = "kg"


@dataclass(frozen=True, slots=True)
class Product:
    """A product of the catalog.

    ``price`` is in CLP with IVA included (per unit, or per kg when ``sold_by`` is ``KG``). ``barcodes`` are
    validated GTINs (EAN-13, EAN-8, UPC-A); ``plu`` is the internal code typed or embedded in deli labels.
    """

    sku: str
    name: str
    price: money.Pesos
    category: str
    sold_by: SoldBy = SoldBy.UNIT
    barcodes: tuple[str, ...] = ()
    plu: str | None = None
    brand: str = ""
    iva_exempt: bool = False
    favourite: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        if not self.sku.strip():
            raise errors.InvalidInput("un producto necesita SKU")
        if not self.name.strip():
            raise errors.InvalidInput(f"el producto {self.sku} necesita nombre")
        if self.price < 0:
            raise errors.InvalidAmount(self.price, f"precio negativo en {self.sku}")
        for code in self.barcodes:
            barcodes.validate_gtin(code)
        if self.plu is not None and not (self.plu.isascii() and self.plu.isdigit()):
            raise errors.InvalidInput(f"PLU {self.plu!r} de {self.sku} debe ser numérico")

    @property
    def weighed(self) -> bool:
        return self.sold_by is SoldBy.KG

    def parse_quantity(self, text: str | Decimal | int) -> Decimal:
        """A quantity valid for this product: kg to 3 places for weighed goods, whole units otherwise.

        Raises:
            InvalidQuantity: as :func:`money.parse_kg` / :func:`money.parse_units`.
        """
        if self.weighed:
            return money.parse_kg(text if isinstance(text, str | Decimal) else Decimal(text))
        return money.parse_units(text)

    def price_label(self) -> str:
        """``"$1.990"`` or ``"$1.990/kg"``."""
        suffix = "/kg" if self.weighed else ""
        return money.format_clp(self.price) + suffix
