"""What the operation pages share: finding a product by a scanned code or words of its name, and a sheet of
lines (product, quantity and cost as typed) that keeps what was typed, right or wrong, until it is sent.

A scanned code (digits, a SKU or a PLU, then Enter) names one product; words list up to :data:`MAX_RESULTS`
products to touch. Quantities and costs stay as typed and are checked by the back-office services'
``desktop.services.inventory`` rules, so the page names a bad one in Spanish without losing the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from desktop.presenters.sale import describe
from desktop.services import inventory
from desktop.services.catalog import CatalogService
from shared import catalog, errors, es_cl, money

MAX_RESULTS = 4
"""Products a search shows: one row of finger-sized buttons."""


@dataclass(frozen=True, slots=True)
class Found:
    """What the product field found: ``results`` ``(sku, "SKU · nombre")`` for ``query``, or ``error``."""

    query: str = ""
    results: tuple[tuple[str, str], ...] = ()
    error: str = ""


NOTHING = Found()
"""Nothing looked for yet."""


def product_label(product: catalog.Product) -> str:
    return f"{product.sku} · {product.name}"


def search(products: CatalogService, text: str) -> Found:
    """Products whose name (accents, case and hyphens ignored), SKU or barcode match ``text``."""
    query = text.strip()
    if not query:
        return Found(text)
    exact = products.by_barcode(query) or products.by_sku(query)
    found = [exact] if exact is not None else []
    found += [p for p in products.search(query, MAX_RESULTS + 1) if exact is None or p.sku != exact.sku]
    results = tuple((p.sku, product_label(p)) for p in found[:MAX_RESULTS])
    return Found(text, results, "" if results else f"Ningún producto coincide con «{query}»")


def scanned(products: CatalogService, code: str) -> catalog.Product:
    """The product of a scanned or typed code (barcode, PLU, SKU, inactive ones by SKU).

    Raises:
        UnknownProduct, InvalidBarcode: no product has it (the message names the code).
    """
    code = code.strip()
    by_sku = products.by_sku(code) if code else None
    return by_sku if by_sku is not None else products.resolve(code).product


def quantity_text(value: Decimal, sold_by: str) -> str:
    """``12`` for units, ``0,512`` for kg (es-CL, no thousands dot: it is typed again as it is shown)."""
    if sold_by == catalog.SoldBy.KG.value:
        return es_cl.number(value, places=3, group=False)
    return es_cl.number(value, group=False)


def unit_of(sold_by: str) -> str:
    return "kg" if sold_by == catalog.SoldBy.KG.value else "un"


@dataclass(frozen=True, slots=True)
class Line:
    """A product on a sheet: ``quantity`` and ``cost`` (CLP neto a unit, ``""`` when the page asks none) as
    typed; ``problem`` says what is wrong with them (Spanish, ``""`` when they are fine)."""

    sku: str
    name: str
    sold_by: str
    quantity: str = "1"
    cost: str = ""
    problem: str = ""

    def checked(self, *, zero: bool = False, with_cost: bool = False) -> Line:
        """This line with ``problem`` set from its quantity (``zero``: 0 is allowed) and cost (``with_cost``)."""
        try:
            inventory.parse_quantity(self.quantity, self.sold_by, zero=zero)
            if with_cost:
                inventory.parse_cost(self.cost)
        except errors.PosError as exc:
            return replace(self, problem=describe(exc))
        return replace(self, problem="")

    def amount(self) -> int | None:
        """quantity × cost in CLP neto, None while either is not a valid number."""
        try:
            q = inventory.parse_quantity(self.quantity, self.sold_by)
            return money.line_amount(inventory.parse_cost(self.cost), q)
        except errors.PosError:
            return None


def add(lines: tuple[Line, ...], product: catalog.Product, *, cost: str = "") -> tuple[tuple[Line, ...], int]:
    """``lines`` with one more of ``product`` (a new line with 1, or 1 more on its line when it is whole) and the
    row it is on. A product sold by kg is added once: its weight is typed."""
    for n, line in enumerate(lines):
        if line.sku == product.sku:
            if product.sold_by is catalog.SoldBy.UNIT and line.quantity.strip().isdigit():
                line = replace(line, quantity=str(int(line.quantity) + 1))
            return (*lines[:n], line, *lines[n + 1:]), n
    quantity = "1" if product.sold_by is catalog.SoldBy.UNIT else ""
    return (*lines, Line(product.sku, product.name, product.sold_by.value, quantity, cost)), len(lines)


def describe_error(exc: Exception) -> str:
    """The sentence a manager reads for an error (first letter in capitals)."""
    text = describe(exc)
    return text[:1].upper() + text[1:]


def put(lines: tuple[Line, ...], n: int, line: Line) -> tuple[Line, ...]:
    """``lines`` with row ``n`` replaced by ``line``."""
    return (*lines[:n], line, *lines[n + 1:])


def drop(lines: tuple[Line, ...], n: int) -> tuple[tuple[Line, ...], int | None]:
    """``lines`` without row ``n``, and the row to select then (None when none is left)."""
    rest = (*lines[:n], *lines[n + 1:])
    return rest, (min(n, len(rest) - 1) if rest else None)


def plural(n: int, one: str, many: str) -> str:
    """``"1 producto"``, ``"3 productos"``."""
    return f"{n} {one if n == 1 else many}"


def nobody(user_id: str) -> str:
    """Who a user id names when no names are known: the id itself."""
    return user_id
