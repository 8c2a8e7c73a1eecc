"""Inventory costing: the weighted average perpetual cost (PPP, *precio promedio ponderado*) of one SKU.

DESIGN.md §7: PPP by default, as a pure fold in ``shared``. Every movement that carries value (a supplier's
factura, nota de crédito or nota de débito) is one call to :func:`apply`; sales take units out at the current
average and do not change it, so they only move the quantity on hand that the next call receives.

Units and rounding:

- quantities are ``Decimal`` units or kg (as the stock is kept, 3 places for kg);
- values are ``int`` CLP *neto* (IVA excluded: the IVA of a purchase is crédito fiscal, not cost, DL 825
  art. 23; exempt lines cost what they say);
- the average is CLP per unit (or per kg) as a ``Decimal`` quantized to :data:`COST_PLACES` (0,0001 CLP), rounded
  half up, the same precision as the master's ``stock.avg_cost numeric(14,4)``.

Rules (weighted average perpetual, applied at each valued movement):

- goods in (``quantity > 0``): ``avg' = (on_hand × avg + value) / (on_hand + quantity)``;
- goods back to the supplier (``quantity < 0``, a nota de crédito): the credited value leaves with them,
  ``avg' = (on_hand × avg + value) / (on_hand + quantity)`` while something remains;
- value only (``quantity == 0``: a price correction, nota de débito or de crédito without goods): the value is
  spread over what is on hand, ``avg' = avg + value / on_hand``;
- stock below zero (sales are never blocked, DESIGN.md §7) carries no value: ``on_hand`` counts as 0, so the
  first receipt after it sets the average to that receipt's unit cost; so does the first receipt of a SKU never
  costed before (its opening stock takes that cost);
- when nothing would remain to carry the value (on hand 0 for a correction, or everything returned) the average
  stays as it was; an average never goes below 0.
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
