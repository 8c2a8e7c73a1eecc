"""Retail barcodes: EAN-13, EAN-8 and UPC-A check digits, and weight/price-embedded EAN-13 labels.

Labels printed by deli scales use the GS1 restricted-circulation prefixes 20-29: ``2F CCCCC VVVVV K`` where the
item code (PLU) and the value (grams or whole pesos) lengths vary by store, so the layout is configurable
(GS1 General Specifications §2.1.11; Odoo's default nomenclature ``21.....{NNDDD}``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from shared import errors

GTIN_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of ``body`` (all digits of a GTIN but the last)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def validate_gtin(code: str) -> str:
    """Check an EAN-13, EAN-8 or UPC-A code and return it unchanged.

    Raises:
        InvalidBarcode: not digits, a length other than 8, 12 or 13, or a wrong check digit.
    """
    if not (code.isascii() and code.isdigit()):
        raise errors.InvalidBarcode(code, "contiene caracteres que no son dígitos")
    if len(code) not in GTIN_LENGTHS:
        raise errors.InvalidBarcode(code, f"largo {len(code)}: se esperan 8, 12 o 13 dígitos")
    if check_digit(code[:-1]) != code[-1]:
        raise errors.InvalidBarcode(code, "dígito verificador incorrecto")
    return code


def is_gtin_shaped(code: str) -> bool:
    """True when ``code`` looks like a scanned GTIN (8, 12 or 13 digits), valid or not."""
    return code.isascii() and code.isdigit() and len(code) in GTIN_LENGTHS


class ValueKind(enum.Enum):
    """What the value field of a variable-measure label holds."""

    WEIGHT = "weight"  # grams, or kg with ``decimals`` places
    PRICE = "price"  # whole pesos (CLP has no decimals)


@dataclass(frozen=True, slots=True)
class LabelRule:
    """One variable-measure layout: labels starting with ``prefix`` carry ``item_digits`` of PLU, then the value.

    The value field fills the rest of the code up to the check digit: ``12 - len(prefix) - item_digits`` digits.
    ``decimals`` applies to weights (3 = the value is grams).
    """

    prefix: str
    kind: ValueKind
    item_digits: int = 5
    decimals: int = 3

    def __post_init__(self) -> None:
        value_digits = 12 - len(self.prefix) - self.item_digits
        if not (self.prefix.isdigit() and "20" <= self.prefix[:2] <= "29"):
            raise ValueError(f"label prefix {self.prefix!r} must be within 20-29")
        if value_digits < 3 or self.item_digits < 1:
            raise ValueError(f"label layout {self.prefix}+{self.item_digits} leaves {value_digits} value digits")


@dataclass(frozen=True, slots=True)
class LabelLayout:
    """The store's variable-measure label rules, checked in order (most specific prefix first)."""

    rules: tuple[LabelRule, ...]

    @classmethod
    def default(cls) -> LabelLayout:
        """Prefixes 20-24 weight in grams, 25-29 price in pesos, 5-digit PLU: the usual CAS/DIGI setup."""
        weight = tuple(LabelRule(str(p), ValueKind.WEIGHT) for p in range(20, 25))
        price = tuple(LabelRule(str(p), ValueKind.PRICE) for p in range(25, 30))
        return cls(rules=weight + price)

    def match(self, code: str) -> LabelRule | None:
        """The rule whose prefix starts ``code``, if any (longest prefix wins)."""
        if len(code) != 13 or code[0] != "2":
            return None
        found = [r for r in self.rules if code.startswith(r.prefix)]
        return max(found, key=lambda r: len(r.prefix)) if found else None


@dataclass(frozen=True, slots=True)
class VariableMeasure:
    """A decoded deli label: the PLU plus either a weight (kg) or a price (CLP)."""

    code: str
    plu: str
    weight_kg: Decimal | None
    price: int | None


def parse_label(code: str, layout: LabelLayout) -> VariableMeasure | None:
    """Decode a weight- or price-embedded EAN-13, or return None when no rule of ``layout`` matches.

    Raises:
        InvalidBarcode: the check digit is wrong, or the embedded value is zero.
    """
    rule = layout.match(code)
    if rule is None:
        return None
    validate_gtin(code)
    start = len(rule.prefix)
    plu = code[start : start + rule.item_digits].lstrip("0") or "0"
    raw = int(code[start + rule.item_digits : 12])
    if raw == 0:
        raise errors.InvalidBarcode(code, "etiqueta con peso o precio cero")
    if rule.kind is ValueKind.WEIGHT:
        weight = (Decimal(raw) / (Decimal(10) ** rule.decimals)).quantize(Decimal("0.001"))
        return VariableMeasure(code=code, plu=plu, weight_kg=weight, price=None)
    return VariableMeasure(code=code, plu=plu, weight_kg=None, price=raw)


def make_label(rule: LabelRule, plu: str, value: int) -> str:
    """Build the EAN-13 a label scale would print (used by the demo and tests).

    ``value`` is grams (or the weight scaled by ``decimals``) for weight rules and pesos for price rules.
    """
    value_digits = 12 - len(rule.prefix) - rule.item_digits
    body = f"{rule.prefix}{int(plu):0{rule.item_digits}d}{value:0{value_digits}d}"
    if len(body) != 12:
        raise ValueError(f"plu {plu} or value {value} does not fit the label layout")
    return body + check_digit(body)
