"""Numbers and dates as people read them in Chile (es-CL): "1.234.567", "0,512", "8 de julio de 2025"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

MONTHS: Final = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                 "noviembre", "diciembre")
MAX_PLACES: Final = 6
"""Decimals shown at most when ``places`` is not given (the SII's QtyItem and PrcItem carry up to 6)."""


def number(value: int | Decimal, *, places: int | None = None, group: bool = True) -> str:
    """``value`` with a dot between thousands and a decimal comma: the one es-CL number formatter.

    ``1234567 -> "1.234.567"``, ``Decimal("1234.50") -> "1.234,5"`` (trailing zeros dropped, at most
    :data:`MAX_PLACES` decimals, rounded half-even), ``places=3``: exactly 3 decimals (``"0,500"``, kg).
    ``group=False`` leaves the thousands ungrouped ("1234,5"), for quantities a cashier may type back, which the
    till reads with a decimal comma and no thousands dots.
    """
    if type(value) is int:  # the common case (pesos, counts) at C speed: "-1,234" -> "-1.234"
        return f"{value:,}".replace(",", ".") if group else str(value)
    if isinstance(value, int):
        text = str(int(value))  # a bool as its number, as format() writes it
    elif places is not None:
        text = format(value.quantize(Decimal(1).scaleb(-places)), "f")
    else:
        if value.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
            value = value.quantize(Decimal(1).scaleb(-MAX_PLACES))
        text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    if group:
        sign = "-" if whole.startswith("-") else ""
        whole = sign + f"{int(whole.lstrip('-') or '0'):,}".replace(",", ".")
    return whole + ("," + fraction if fraction else "")


def date_words(day: date) -> str:
    """``date(2025, 7, 8) -> "8 de julio de 2025"`` (as printed on a DTE's fecha de emisión)."""
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"
