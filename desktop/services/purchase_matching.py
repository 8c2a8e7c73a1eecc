"""Matching a supplier's DTE lines to the store's products, and the package factor ("unidades por bulto") of a line.

A line matches by the GTIN in CdgItem, then by any code that is a barcode or a SKU, then by a product with exactly
the same name (accents and case ignored; only when one product has it); unmatched lines move no stock. The factor
is how many of the product's units one unit of the line holds (5 boxes "CJ 12 x 1 L" enter as 60 units, each at
the box's cost / 12): typed by the manager (:func:`parse_factor`) or remembered from the latest earlier
registration of the same supplier's item (:meth:`LineMatcher.inherit`). A line whose quantity in the store's units
reaches :data:`STOCK_QUANTITY_LIMIT` is refused.
"""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Final

from desktop.journal import purchases_projection, read_models
from desktop.journal.sqlite_store import SqliteJournal
from shared import catalog, errors, es_cl
from shared.dte import received
from shared.events import purchases as events
from shared.text_fold import fold

STOCK_QUANTITY_LIMIT: Final = events.STOCK_QUANTITY_LIMIT
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_COMMA_THOUSANDS = re.compile(r"[\d.]*,\d{3}")
"""``1,000``: a thousand to some, one to others."""


class MappingRefused(errors.InvalidInput):
    """A hand assignment cannot be made: an unknown line or product, or a package factor out of range (Spanish)."""


def quantity_problem(line: events.PurchaseLine) -> str | None:
    """Why ``line`` cannot be registered for its quantity in the store's units (Spanish), or None: ``quantity ×
    package_factor`` must be below :data:`STOCK_QUANTITY_LIMIT` (the master's stock column)."""
    if abs(line.store_quantity) < STOCK_QUANTITY_LIMIT:
        return None
    total = f"{es_cl.number(line.store_quantity)} unidades"
    if line.package_factor != 1:
        total += f" ({es_cl.number(line.quantity)} × {es_cl.number(line.package_factor)})"
    return (f"la línea {line.line_no} suma {total}: el máximo que la tienda puede registrar es "
            f"{es_cl.number(STOCK_QUANTITY_LIMIT - events.STOCK_PLACES)}; revise las unidades por bulto")


def parse_factor(value: str | Decimal | int, *, by_weight: bool = False) -> Decimal:
    """The package factor typed by the manager (``"12"``, ``"2,5"`` kg): units per package, a whole number from 1 to
    :data:`~shared.events.purchases.MAX_PACKAGE_FACTOR`; for a product sold by weight, kg per package (more than 0,
    at most 3 decimals, the gram).

    Typed as in Chile: the comma is the decimal mark; for a product sold by unit a dot only separates thousands
    (``"1.000"`` is a thousand, never one), and a dot that does not group thousands (``"1.5"``) or a comma before
    three digits (``"1,000"``) is refused as ambiguous. For a product by kg a lone dot is the keypad's decimal mark
    (``"2.5"`` kg); with a comma too, dots are thousands (``"1.000,5"``).

    Raises:
        MappingRefused: not a number, ambiguous, not positive, too big, or a fraction for a product sold by unit.
    """
    shown = str(value).strip()
    text = shown
    typed = not isinstance(value, Decimal | int)
    if typed and not by_weight and ("." in text or _COMMA_THOUSANDS.fullmatch(text)) \
            and not _THOUSANDS.fullmatch(text):
        raise MappingRefused(f"unidades por bulto no válidas ({shown}): escriba un número entero, p. ej. 12; el "
                             "punto separa los miles (1.000 es mil)")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif "." in text and not by_weight and typed:
        text = text.replace(".", "")
    try:
        factor = Decimal(text)
    except InvalidOperation:
        raise MappingRefused(f"unidades por bulto no válidas ({shown or 'vacío'}): escriba un número, p. ej. 12"
                             ) from None
    if not factor.is_finite() or factor <= 0:
        raise MappingRefused("las unidades por bulto deben ser mayores que cero")
    if factor > events.MAX_PACKAGE_FACTOR:
        limit = es_cl.number(int(events.MAX_PACKAGE_FACTOR))
        raise MappingRefused(f"unidades por bulto demasiado grandes ({shown}): el máximo es {limit}")
    if by_weight:
        if factor != factor.quantize(events.STOCK_PLACES):
            raise MappingRefused(f"kg por bulto con demasiados decimales ({shown}): hasta el gramo (3 decimales)")
        return Decimal(int(factor)) if factor == factor.to_integral_value() else factor.normalize()
    if factor != factor.to_integral_value():
        raise MappingRefused(f"unidades por bulto deben ser un número entero ({shown}); sólo un producto por kg "
                             "admite decimales")
    return Decimal(int(factor))


def quantity_refusals(event: events.PurchaseReceived) -> list[str]:
    """Why lines of ``event`` cannot be registered for their quantity (:func:`quantity_problem`), in Spanish."""
    return [p for x in event.lines if (p := quantity_problem(x)) is not None]


def gtin_variants(code: str) -> list[str]:
    """A code as the store may have it: as written, a GTIN-14 with a leading 0 as GTIN-13, UPC-A as EAN-13 and
    back."""
    out = [code]
    if code.isdigit():
        if len(code) == 14 and code.startswith("0"):
            out.append(code[1:])
        if len(code) == 12:
            out.append("0" + code)
        if len(code) == 13 and code.startswith("0"):
            out.append(code[1:])
    return out


class LineMatcher:
    """Finds the store's product for a supplier's line, and the factor it inherits, in the journal's read models."""

    def __init__(self, journal: SqliteJournal) -> None:
        self.journal = journal

    def names(self) -> dict[str, list[str]]:
        """The active products' SKUs by folded name (:func:`fold`), for :meth:`match` over a whole file."""
        names: dict[str, list[str]] = {}
        for sku, name in read_models.active_product_names(self.journal.conn):
            names.setdefault(fold(name), []).append(sku)
        return names

    def match(self, line: received.ReceivedLine, names: dict[str, list[str]]) -> tuple[str | None, str]:
        """The SKU of a line and how it was found (``ean``, ``codigo``, ``sku`` or ``nombre``), or ``(None, "")``;
        ``names`` from :meth:`names`."""
        conn = self.journal.conn
        ean = line.ean
        candidates = ([(ean, "ean")] if ean else []) + [(v, "codigo") for _k, v in line.codes if v != ean]
        for code, how in candidates:
            for variant in gtin_variants(code):
                product = read_models.by_barcode(conn, variant)
                if product is not None:
                    return product.sku, how
        for _kind, code in line.codes:
            product = read_models.by_sku(conn, code)
            if product is not None and product.active:
                return product.sku, "sku"
        skus = names.get(fold(line.name), [])
        if len(skus) == 1:
            return skus[0], "nombre"
        return None, ""

    def inherit(self, event: events.PurchaseReceived
                ) -> tuple[events.PurchaseReceived, dict[int, tuple[int, int]]]:
        """``event`` with the package factor of each automatically matched line taken from the latest earlier
        registration of the same supplier's item matched to the same SKU (same description, and same code when the
        line has one: :func:`purchases_projection.previous_factor`); for a nota, from the line of the document it
        references (Referencia TpoDocRef/FolioRef) when that was registered here. A factor that the product no
        longer admits (a fraction for a product now sold by unit) or whose quantity would not fit is not inherited.
        Also returns ``line_no`` → ``(tipo, folio)`` of the document the factor came from."""
        conn = self.journal.conn
        referenced = []
        if event.tipo in (events.NOTA_CREDITO, events.NOTA_DEBITO):
            for ref in event.references:
                if ref.tipo.isdigit() and int(ref.tipo) in events.ACCEPTED_TIPOS and ref.folio.isdigit() \
                        and 0 < int(ref.folio) < 10**10:
                    done = purchases_projection.registered(conn, event.supplier.rut, int(ref.tipo), int(ref.folio))
                    if done is not None:
                        referenced.append(done.purchase_id)
        lines = list(event.lines)
        inherited: dict[int, tuple[int, int]] = {}
        for i, x in enumerate(lines):
            if x.sku is None or x.matched_by in ("", "manual"):
                continue
            found = None
            for purchase_id in (*referenced, None):
                found = purchases_projection.previous_factor(conn, event.supplier.rut, x.sku, x.code, x.name,
                                                             purchase_id=purchase_id)
                if found is not None:
                    break
            if found is None or found.factor == x.package_factor:
                continue
            product = read_models.by_sku(conn, x.sku)
            try:
                factor = parse_factor(found.factor, by_weight=product is not None and
                                      product.sold_by is catalog.SoldBy.KG)
            except MappingRefused:
                continue
            line = replace(x, package_factor=factor)
            if quantity_problem(line) is None:
                lines[i] = line
                inherited[x.line_no] = (found.tipo, found.folio)
        return (replace(event, lines=tuple(lines)) if inherited else event), inherited

    def assigned(self, line: events.PurchaseLine, sku: str | None, factor: str | Decimal | int = 1
                 ) -> events.PurchaseLine:
        """``line`` assigned by hand (``matched_by = "manual"``) to the product ``sku`` (None: no product) with
        ``factor`` of its units per unit of the line (:func:`parse_factor`; kg for a product sold by weight).

        Raises:
            MappingRefused: an unknown or inactive product, a factor out of range or on a line without product, or
                a quantity too big for the store (:func:`quantity_problem`).
        """
        by_weight = False
        if sku is not None:
            product = read_models.by_sku(self.journal.conn, sku.strip())
            if product is None or not product.active:
                raise MappingRefused(f"no hay un producto activo con SKU {sku.strip()!r} en esta tienda")
            sku = product.sku
            by_weight = product.sold_by is catalog.SoldBy.KG
        parsed = parse_factor(factor, by_weight=by_weight)
        if sku is None and parsed != 1:
            raise MappingRefused("una línea sin producto no lleva unidades por bulto: elija primero el producto "
                                 "(o deje 1)")
        assigned = replace(line, sku=sku, matched_by="manual", package_factor=parsed)
        if (problem := quantity_problem(assigned)) is not None:
            raise MappingRefused(problem)
        return assigned
