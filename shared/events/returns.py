"""Events of returns: goods given back from a sale, with the nota de crédito (61) that annuls or corrects it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from shared.events.sales import DocumentStamped, TenderTaken


@dataclass(frozen=True, slots=True)
class LineReturned:
    """``quantity`` of the sale's line ``line_id`` given back; ``amount`` is what it is credited (CLP, IVA
    included, after its share of the discounts)."""

    line_id: int
    sku: str
    name: str
    unit_price: int
    quantity: Decimal
    sold_by: str
    iva_exempt: bool
    amount: int


@dataclass(frozen=True, slots=True)
class ReturnCompleted:
    """A full or partial return of sale ``sale_id`` (its document ``original_tipo``/``original_folio``),
    authorised by ``supervisor_id``: stock comes back, ``refunds`` leave the till (cash net of Ley 20.956 rounding),
    and ``document`` is the nota de crédito stamped at the till."""

    TYPE: ClassVar[str] = "sale.returned"
    VERSION: ClassVar[int] = 2

    return_id: str
    sale_id: str
    shift_id: str
    cashier_id: str
    supervisor_id: str
    reason: str
    lines: tuple[LineReturned, ...]
    total: int
    neto: int
    iva: int
    exento: int
    refunds: tuple[TenderTaken, ...]
    original_tipo: int
    original_folio: int
    full: bool
    document: DocumentStamped | None = None
    customer_id: str = ""
    """The sale's customer (``SaleCompleted.customer_id``): a refund of kind ``fiado`` credits their account (a
    ``devolucion`` entry) instead of leaving the till. Version 2 added it (:func:`upcast_v1`: "")."""


def upcast_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A ``sale.returned`` v1 payload as v2: no customer, so no refund to an account."""
    return {**payload, "customer_id": payload.get("customer_id", "")}
