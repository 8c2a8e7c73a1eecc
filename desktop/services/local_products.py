"""Products the store creates itself (an administrador, usually after scanning a code the catalog lacks): checked,
given a SKU no other store or HQ can have, journaled as ``ProductUpserted`` (source ``store``, ``created_by``) and
sellable at once; local until HQ adopts them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import inventory
from desktop.services.auth import User
from shared import barcodes as barcodes_mod
from shared import catalog_import, errors, money
from shared.events import catalog as events
from shared.events import rules

MAX_PRICE: Final = 99_999_999
"""Most CLP (with IVA) a product may cost per unit or kg: more is a typo (a scanned EAN in the price)."""
SKU_TAG_LENGTH: Final = 4
"""Characters of the terminal's id in the SKU (two tills of one store creating products offline never collide)."""
_SPLIT: Final = re.compile(r"[\s,;]+")


@dataclass(frozen=True, slots=True)
class NewProduct:
    """What the administrador typed: ``price`` as text (``"$1.990"``, ``"1990"``), ``barcodes`` as text (codes
    separated by spaces, commas or new lines; may be empty), ``sold_by`` ``unit`` or ``kg``."""

    name: str
    price: str
    category: str
    sold_by: str = "unit"
    barcodes: str = ""
    iva_exempt: bool = False
    brand: str = ""


def parse_price(text: str) -> int:
    """The price with IVA typed (CLP, per unit or per kg).

    Raises:
        InvalidAmount: empty, not a whole number of pesos, zero, or above :data:`MAX_PRICE`.
    """
    if not text.strip():
        raise errors.InvalidAmount(text, "escriba el precio de venta (con IVA)")
    value = money.parse_clp(text)
    if value <= 0:
        raise errors.InvalidAmount(text, "el precio debe ser mayor que cero")
    if value > MAX_PRICE:
        raise errors.InvalidAmount(text, "precio fuera de rango: ¿se escaneó un código en el precio?")
    return value


def parse_barcodes(text: str) -> tuple[str, ...]:
    """The codes typed or scanned, each an EAN-13, EAN-8 or UPC-A with a valid check digit, repeats dropped.

    Raises:
        InvalidBarcode: a code that is not one (the message names it and why).
        Refused: more than ``rules.BARCODES_MAX`` codes.
    """
    codes = tuple(dict.fromkeys(c for c in _SPLIT.split(text.strip()) if c))
    if len(codes) > rules.BARCODES_MAX:
        raise inventory.Refused(f"Un producto tiene como máximo {rules.BARCODES_MAX} códigos de barras.")
    for code in codes:
        barcodes_mod.validate_gtin(code)
    return codes


class LocalProductService:
    """Creates the store's own products and tells which products are local (not yet adopted by HQ)."""

    def __init__(self, journal: SqliteJournal) -> None:
        self.journal = journal

    def categories(self) -> list[str]:
        """The categories the till knows (HQ's tab order first), to choose from; a new one may be typed."""
        with self.journal.lock:
            return read_models.categories(self.journal.conn)

    def barcode_owner(self, code: str) -> tuple[str, str] | None:
        """``(sku, name)`` of the product (active or not) that has barcode ``code``, or None."""
        with self.journal.lock:
            row = self.journal.conn.execute("SELECT b.sku, p.name FROM barcodes b LEFT JOIN products p"
                                            " ON p.sku = b.sku WHERE b.code = ?", (code,)).fetchone()
        return None if row is None else (str(row[0]), str(row[1] or row[0]))

    def new_sku(self) -> str:
        """The next SKU of this till's own products: ``<store>-L<n>-<terminal tag>`` (HQ's SKU rules: at most 40
        characters, no spaces nor ``/ ? # %``).

        Raises:
            Refused: the store's id makes the SKU too long or holds a character a SKU cannot have.
        """
        identity = self.journal.identity
        tag = "".join(c for c in identity.terminal_id if c.isalnum())[:SKU_TAG_LENGTH].upper() or "T"
        prefix = f"{identity.store_id}-L"
        conn = self.journal.conn
        with self.journal.lock:
            taken = {str(r[0]) for r in conn.execute(
                "SELECT sku FROM products WHERE sku >= ? AND sku < ?", (prefix, prefix[:-1] + "M"))}
        n = 1 + sum(1 for sku in taken if sku.endswith(f"-{tag}"))
        while f"{prefix}{n}-{tag}" in taken:
            n += 1
        sku = f"{prefix}{n}-{tag}"
        if len(sku) > rules.SKU_MAX or any(c.isspace() or c in "/?#%" for c in sku):
            raise inventory.Refused(f"El código de la tienda ({identity.store_id}) no sirve para crear códigos de"
                                    " producto: pida a HQ que cree el producto.")
        return sku

    def create(self, actor: User | None, product: NewProduct) -> events.ProductUpserted:
        """Check ``product`` and journal it as the store's own (sellable at once). Returns the event journaled.

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            Refused: no name or category, a text too long, a name another product has (accents and case ignored),
                ``sold_by`` neither unit nor kg, a barcode another product has.
            InvalidAmount: a bad price (:func:`parse_price`).
            InvalidBarcode: a code that is not an EAN/UPC (:func:`parse_barcodes`).
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        user = inventory.require_admin(actor, "crear productos")
        name = inventory.clean_text(product.name, "el nombre", required=True, most=rules.NAME_MAX)
        category = inventory.clean_text(product.category, "la categoría", required=True, most=rules.CATEGORY_MAX)
        brand = inventory.clean_text(product.brand, "la marca", most=rules.BRAND_MAX)
        if product.sold_by not in ("unit", "kg"):
            raise inventory.Refused("Elija si el producto se vende por unidad o por kilo.")
        price = parse_price(product.price)
        codes = parse_barcodes(product.barcodes)
        conn = self.journal.conn
        with self.journal.lock:
            for code in codes:
                owner = self.barcode_owner(code)
                if owner is not None:
                    raise inventory.Refused(f"El código de barras {code} ya es del producto «{owner[1]}» ({owner[0]}).")
            folded = catalog_import.fold(name)
            for sku, other in conn.execute("SELECT sku, name FROM products"):
                if catalog_import.fold(other) == folded:
                    raise inventory.Refused(f"Ya existe un producto llamado «{other}» ({sku}): búsquelo en la"
                                            " lista o use otro nombre.")
        event = events.ProductUpserted(
            sku=self.new_sku(), name=name, price=price, category=category, sold_by=product.sold_by,
            barcodes=codes, plu=None, brand=brand, iva_exempt=bool(product.iva_exempt), favourite=False,
            active=True, source="store", created_by=user.user_id)
        self.journal.append(event)
        return event
