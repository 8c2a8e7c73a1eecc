"""Finding products at the till: a scanned code, a typed PLU or SKU, a deli label, or words of the name."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from shared import barcodes, catalog, errors


@dataclass(frozen=True, slots=True)
class Match:
    """What a code resolved to. A deli label carries its weight (kg) or its price (CLP)."""

    product: catalog.Product
    code: str
    weight_kg: Decimal | None = None
    price: int | None = None


class CatalogService:
    """Product lookup over the terminal's read model."""

    def __init__(self, journal: SqliteJournal, layout: barcodes.LabelLayout) -> None:
        self.conn = journal.conn
        self.layout = layout

    def resolve(self, code: str) -> Match:
        """The product for a scanned or typed code.

        Order: deli label (EAN-13 with a 20-29 prefix of the layout), GTIN (EAN-13, EAN-8, UPC-A, check digit
        verified), then PLU (up to 6 digits) and SKU.

        Raises:
            InvalidBarcode: a GTIN-shaped code with a wrong check digit, or a bad deli label.
            UnknownProduct: no product has this code.
        """
        code = code.strip()
        if not code:
            raise errors.UnknownProduct(code)
        label = barcodes.parse_label(code, self.layout)
        if label is not None:
            product = read_models.by_plu(self.conn, label.plu)
            if product is None:
                raise errors.UnknownProduct(f"PLU {label.plu} (etiqueta {code})")
            return Match(product, code, label.weight_kg, label.price)
        if code.isdigit() and len(code) > 6:
            if barcodes.is_gtin_shaped(code):
                barcodes.validate_gtin(code)
            product = read_models.by_barcode(self.conn, code)
            if product is None and len(code) == 12:
                product = read_models.by_barcode(self.conn, "0" + code)
            if product is None:
                if not barcodes.is_gtin_shaped(code):
                    raise errors.InvalidBarcode(code, f"largo {len(code)}: se esperan 8, 12 o 13 dígitos")
                raise errors.UnknownProduct(code)
            return Match(product, code)
        found = (read_models.by_plu(self.conn, code) if code.isdigit() else None) or read_models.by_sku(
            self.conn, code)
        if found is None or not found.active:
            raise errors.UnknownProduct(code)
        return Match(found, code)

    def search(self, text: str, limit: int = 24) -> list[catalog.Product]:
        """Products matching every typed word (prefix, accents ignored), favourites first."""
        return read_models.search(self.conn, text, limit)

    def categories(self) -> list[str]:
        return read_models.categories(self.conn)

    def in_category(self, category: str) -> list[catalog.Product]:
        return read_models.in_category(self.conn, category)

    def favourites(self) -> list[catalog.Product]:
        return read_models.favourites(self.conn)

    def by_sku(self, sku: str) -> catalog.Product | None:
        """The product with SKU ``sku``, active or not."""
        return read_models.by_sku(self.conn, sku)

    def by_barcode(self, code: str) -> catalog.Product | None:
        """The active product with barcode ``code`` exactly (no check digit or label parsing)."""
        return read_models.by_barcode(self.conn, code)
