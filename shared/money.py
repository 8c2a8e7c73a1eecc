"""Pesos, quantities, IVA and the cash rounding of Ley 20.956.

Pesos are plain ``int`` CLP (Chile's peso has no minor unit). Quantities are ``Decimal``: weighed goods in
kg to 3 places, unit goods as whole numbers. Nothing here ever uses ``float``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from shared import errors, es_cl

Pesos = int
"""An amount in Chilean pesos (CLP); always an int."""

IVA_RATE: Final = Decimal("0.19")
KG_STEP: Final = Decimal("0.001")
MAX_WEIGHT_KG: Final = Decimal("99.999")
MAX_UNITS: Final = Decimal("9999")


@dataclass(frozen=True, slots=True)
class IvaSplit:
    """A gross amount split into its parts; ``neto + iva + exento == total``."""

    neto: Pesos
    iva: Pesos
    exento: Pesos

    @property
    def total(self) -> Pesos:
        return self.neto + self.iva + self.exento


def round_half_up(value: Decimal) -> Pesos:
    """Round a Decimal amount to whole pesos, halves away from zero (the SII's rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_iva(affected_gross: Pesos, exento: Pesos = 0) -> IvaSplit:
    """Split IVA-included prices into neto and IVA, as the SII computes them for boletas.

    Args:
        affected_gross: sum of the IVA-included amounts of the taxed lines, in CLP.
        exento: sum of the IVA-exempt amounts, in CLP (carried through unchanged).

    Returns:
        ``IvaSplit`` with ``neto = round(affected_gross / 1.19)`` and ``iva = affected_gross - neto``, so that the
        parts always add back to the total (SII boleta rules; LibreDTE ``calculateNetoIVA``; sample boleta
        4.200 -> neto 3.529, IVA 671).

    Raises:
        InvalidAmount: a negative amount.
    """
    if affected_gross < 0 or exento < 0:
        raise errors.InvalidAmount(min(affected_gross, exento), "no puede ser negativo")
    neto = round_half_up(Decimal(affected_gross) / (1 + IVA_RATE))
    return IvaSplit(neto=neto, iva=affected_gross - neto, exento=exento)


def iva_of_neto(neto: Pesos) -> Pesos:
    """IVA on a net amount, ``round(neto * 0.19)`` (how facturas compute it; SII formato DTE, MntNeto/IVA)."""
    return round_half_up(Decimal(neto) * IVA_RATE)


def round_cash(amount: Pesos) -> Pesos:
    """Round a cash amount to the nearest $10 as Ley 20.956 requires.

    A last digit of 1 to 5 rounds down, 6 to 9 rounds up ($1.995 -> $1.990, $1.996 -> $2.000). Only the part
    of a payment made in cash is rounded; card and transfer amounts are exact.
    """
    units = amount % 10
    return amount - units if units <= 5 else amount + (10 - units)


def format_clp(amount: Pesos) -> str:
    """Format pesos for people in es-CL: ``1990 -> "$1.990"``, ``-500 -> "-$500"``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${es_cl.number(abs(amount))}"


def parse_clp(text: str) -> Pesos:
    """Read an amount typed by a person: ``"$1.990"``, ``"1990"`` or ``"1.990"`` -> 1990.

    Raises:
        InvalidAmount: empty, negative, with decimals or not a number.
    """
    cleaned = text.strip().replace("$", "").replace(".", "").replace(" ", "")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise errors.InvalidAmount(text, "escriba solo números")
    value = int(cleaned)
    if value > 999_999_999:
        raise errors.InvalidAmount(text, "monto demasiado grande")
    return value


def parse_kg(text: str | Decimal) -> Decimal:
    """Read a weight in kg with up to 3 decimals (``"0,512"`` or ``"0.512"``) as a ``Decimal``.

    Raises:
        InvalidQuantity: not a number, zero or negative, more than 3 decimals, or above 99,999 kg.
    """
    try:
        value = text if isinstance(text, Decimal) else Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise errors.InvalidQuantity(text, "no es un peso válido") from None
    if not value.is_finite() or value <= 0:
        raise errors.InvalidQuantity(text, "el peso debe ser mayor que cero")
    if value > MAX_WEIGHT_KG:  # before quantize(), which raises InvalidOperation on huge values ("1e30")
        raise errors.InvalidQuantity(text, "peso fuera de rango")
    if value != value.quantize(KG_STEP):
        raise errors.InvalidQuantity(text, "máximo 3 decimales (gramos)")
    return value.quantize(KG_STEP)


def parse_units(text: str | int | Decimal) -> Decimal:
    """Read a count of units (a whole number from 1 to 9.999) as a ``Decimal``.

    Raises:
        InvalidQuantity: not a whole number, zero or negative, or absurdly large.
    """
    try:
        value = Decimal(text.strip()) if isinstance(text, str) else Decimal(text)
    except InvalidOperation:
        raise errors.InvalidQuantity(text, "no es una cantidad válida") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise errors.InvalidQuantity(text, "la cantidad debe ser un número entero")
    if value <= 0:
        raise errors.InvalidQuantity(text, "la cantidad debe ser mayor que cero")
    if value > MAX_UNITS:
        raise errors.InvalidQuantity(text, "cantidad fuera de rango")
    return value.quantize(Decimal(1))


def line_amount(unit_price: Pesos, quantity: Decimal) -> Pesos:
    """The amount of ``quantity`` at ``unit_price`` rounded to whole pesos (SII: MontoItem is an integer)."""
    return round_half_up(Decimal(unit_price) * quantity)


def format_kg(quantity: Decimal) -> str:
    """``Decimal("0.512") -> "0,512 kg"`` (es-CL decimal comma)."""
    return es_cl.number(quantity, places=3, group=False) + " kg"
