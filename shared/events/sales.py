"""Events of the sales stream: a completed sale with its lines, tenders and totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from shared.events.fiado import FiadoCharge


@dataclass(frozen=True, slots=True)
class LineSold:
    """A sold line as journaled. ``quantity`` in kg (3 places) when ``sold_by == "kg"``, else units. ``cost`` is
    what the goods cost the store when sold, CLP neto (``shared.inventory.sale_line_cost`` of the till's cost
    state: margins exist from the day of the sale); None when the product was never costed, or for sales journaled
    before it existed."""

    line_id: int
    sku: str
    name: str
    unit_price: int
    quantity: Decimal
    sold_by: str
    iva_exempt: bool
    discount: int
    amount: int
    code: str = ""
    cost: int | None = None


@dataclass(frozen=True, slots=True)
class TenderTaken:
    """``amount`` is what the customer handed over; for cash, ``received`` is net of change."""

    kind: str
    amount: int
    received: int


@dataclass(frozen=True, slots=True)
class DocumentStamped:
    """The tax document stamped at the till: SII type (39 boleta, 41 exenta, 33/34 factura, 61 nota de crédito),
    folio from a leased CAF range, and the TED exactly as printed (ISO-8859-1 text)."""

    tipo: int
    folio: int
    ted: str
    stamped_at: str


@dataclass(frozen=True, slots=True)
class CustomerData:
    """The business buyer of a factura (33/34) as typed or picked at the till: RUT (``12345678-5``), razón social,
    giro, dirección and comuna, as the SII's Receptor requires (Formato DTE v2.2, RUTRecep/RznSocRecep/GiroRecep/
    DirRecep/CmnaRecep)."""

    rut: str
    razon_social: str
    giro: str
    direccion: str
    comuna: str


@dataclass(frozen=True, slots=True)
class SaleCompleted:
    """A sale paid in full. Amounts in CLP; ``total == affected + exento``; ``rounding`` per Ley 20.956.

    Version 2 added ``LineSold.cost`` (:func:`upcast_v1`: None, not recorded). Version 3 added ``customer_id`` (the
    person attached to the sale, a ``shared.events.fiado`` customer; "" for none) and ``fiado`` (the part put on
    their account; None for none) (:func:`upcast_v2`)."""

    TYPE: ClassVar[str] = "sale.completed"
    VERSION: ClassVar[int] = 3

    sale_id: str
    number: int
    shift_id: str
    cashier_id: str
    lines: tuple[LineSold, ...]
    discount: int
    total: int
    affected: int
    exento: int
    neto: int
    iva: int
    tenders: tuple[TenderTaken, ...]
    rounding: int
    change: int
    document: DocumentStamped | None = None
    customer: CustomerData | None = None
    """Set for a factura; None for a boleta (the anonymous buyer 66666666-6)."""
    customer_id: str = ""
    fiado: FiadoCharge | None = None


def upcast_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A ``sale.completed`` v1 payload as v2: each line gets ``cost`` None (its cost was not recorded)."""
    lines = [dict(line, cost=line.get("cost")) if isinstance(line, dict) else line for line in payload.get("lines", [])]
    return {**payload, "lines": lines}


def upcast_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """A ``sale.completed`` v2 payload as v3: no customer attached, nothing on credit."""
    return {**payload, "customer_id": payload.get("customer_id", ""), "fiado": payload.get("fiado")}
