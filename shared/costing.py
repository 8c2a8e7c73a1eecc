"""Inventory costing: the weighted average perpetual cost (PPP, *precio promedio ponderado*) of one SKU, a pure fold.

Units, rounding and the rules of each movement: docs/architecture.md#costing-ppp.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from shared import sale

COST_PLACES: Final = Decimal("0.0001")
"""Precision of an average cost in CLP (four decimals)."""
ZERO: Final = Decimal(0)


def quantize(cost: Decimal) -> Decimal:
    """``cost`` rounded half up to :data:`COST_PLACES`."""
    return cost.quantize(COST_PLACES, rounding=ROUND_HALF_UP)


def apply(on_hand: Decimal, avg_cost: Decimal | None, quantity: Decimal, value: int) -> Decimal | None:
    """The average cost after a valued movement (see the module doc for the rules).

    Args:
        on_hand: units or kg on hand before the movement (may be negative).
        avg_cost: the average cost before it, CLP neto per unit; None when the SKU was never costed (stock counted
            or loaded without a cost): what is on hand then takes the cost of this movement.
        quantity: units or kg entering (positive), going back to the supplier (negative) or 0 (value only).
        value: CLP neto the movement adds (negative for a credit).

    Returns:
        The new average cost, CLP neto per unit, quantized to :data:`COST_PLACES`, never negative; None when the
        SKU was never costed and this movement does not cost it (value only, or goods going out).
    """
    held = max(on_hand, ZERO) if avg_cost is not None else ZERO
    remaining = held + quantity
    if remaining <= 0:
        return None if avg_cost is None else quantize(avg_cost)
    new = (held * (avg_cost or ZERO) + Decimal(value)) / remaining
    return quantize(max(new, ZERO))


def unit_cost(value: int, quantity: Decimal) -> int:
    """The cost of one unit (or kg) of a line worth ``value`` CLP neto: ``round(value / quantity)``, half up; 0 for a
    line without quantity."""
    if quantity == 0:
        return 0
    return int((Decimal(value) / quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def apportion(target: int, amounts: list[int]) -> list[int]:
    """Spread a document's total ``target`` (CLP) over its lines in proportion to their ``amounts`` so that the parts
    add up to ``target`` exactly (largest remainder; ties to the earlier line).

    A supplier's global discount or surcharge (DscRcgGlobal) makes MntNeto differ from the sum of the lines: the cost
    of each line is its share of MntNeto (of MntExe for exempt lines), never the line's gross amount. With all
    ``amounts`` zero every part is 0. The same split as a sale's discount over its lines (:func:`shared.sale.allocate`).
    """
    return sale.allocate(target, amounts)
