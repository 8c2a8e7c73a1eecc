"""Events of what a cashier does to a sale before payment that HQ sees: lines taken off the cart."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class LineRemoved:
    """A line taken off a sale before payment ([Anular línea]). ``quantity`` in units or kg, ``amount`` in pesos
    (after the line's discount); ``authorised_by`` is the supervisor whose PIN allowed it, "" when the store lets
    cashiers remove lines on their own (``void_needs_pin = false`` in ``terminal.toml``)."""

    TYPE: ClassVar[str] = "sale.line_removed"
    VERSION: ClassVar[int] = 1

    sale_id: str
    line_id: int
    sku: str
    name: str
    quantity: Decimal
    amount: int
    cashier_id: str
    shift_id: str = ""
    reason: str = ""
    authorised_by: str = ""
