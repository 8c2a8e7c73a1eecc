"""Events of the purchases stream: a supplier's signed DTE registered at the store (goods received, their cost and
the IVA crédito fiscal), and what it does to stock and cost.

A supplier's factura (33) or factura exenta (34) brings goods in; its nota de crédito (61) takes them back out (or
only lowers their cost) and its nota de débito (56) only raises their cost. The event keeps the document as the
supplier wrote it (amounts positive, as on paper); :func:`stock_moves` and :func:`cost_moves` give the signed
movements, so the till's projections and the master's fold read the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Final

FACTURA: Final = 33
FACTURA_EXENTA: Final = 34
NOTA_DEBITO: Final = 56
NOTA_CREDITO: Final = 61
ACCEPTED_TIPOS: Final = frozenset({FACTURA, FACTURA_EXENTA, NOTA_DEBITO, NOTA_CREDITO})
"""Documents a store registers as purchases from their signed XML (DTE types, Formato DTE)."""
GUIA_DESPACHO: Final = 52
NOTA_CREDITO_PAPEL: Final = 60
NOTA_DEBITO_PAPEL: Final = 55
MANUAL_TIPOS: Final = frozenset({30, 32, FACTURA, FACTURA_EXENTA, 35, 38, 39, 41, 50, GUIA_DESPACHO,
                                 NOTA_DEBITO_PAPEL, NOTA_DEBITO, NOTA_CREDITO_PAPEL, NOTA_CREDITO})
"""Documents a manager types in by hand, without their XML (``digest`` and ``document_xml`` empty): a factura on
paper (30, exenta 32) or electronic without its file (33, 34), a boleta (35 and 38 on paper, 39 and 41
electronic: goods bought at a supermarket), a guía de despacho (50 on paper, 52 electronic) and the notas that
correct them (débito 55/56, crédito 60/61). SII codes: Formato DTE and Res. Ex. SII N° 45 de 2003, tabla de
tipos de documento."""
NOTAS_CREDITO: Final = frozenset({NOTA_CREDITO_PAPEL, NOTA_CREDITO})
NOTAS_DEBITO: Final = frozenset({NOTA_DEBITO_PAPEL, NOTA_DEBITO})
MAX_PACKAGE_FACTOR: Final = Decimal(10000)
"""Most store units (or kg) one unit of QtyItem may hold: a box of 10.000 is already a pallet."""
STOCK_PLACES: Final = Decimal("0.001")
"""Stock is kept to the gram (``numeric(14,3)`` at the master, milli-units at the till)."""
STOCK_QUANTITY_LIMIT: Final = Decimal(10) ** 9
"""A line's quantity in the store's units (``quantity × package_factor``, 3 decimals) must stay below this: the
master's quantity columns hold below 10⁹ with 3 decimals (``syncserver.ingest.limits`` quarantines a purchase past
it), so the till refuses it before registering."""


@dataclass(frozen=True, slots=True)
class Supplier:
    """The issuer of the document: ``rut`` as ``12345678-5`` (RUTEmisor), razón social (RznSoc), giro (GiroEmis)."""

    rut: str
    razon_social: str
    giro: str


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    """One Detalle line.

    ``code`` is the supplier's item code (a CdgItem's VlrCodigo, ``""`` without one) and ``ean`` the GTIN among
    the CdgItem codes, if any; ``quantity`` is QtyItem in units or kg (0 when the line has none); ``amount`` is
    MontoItem as written (IVA included when the document has MntBruto = 1); ``cost`` is the line's share of MntNeto
    (of MntExe when ``exento``), CLP neto, which is what it adds to the inventory's value; ``unit_cost`` is
    ``cost / quantity`` rounded half up. ``sku`` is the store's product it was matched to (None: kept in the
    purchase, no stock moves), ``matched_by`` how (``ean``, ``codigo``, ``sku``, ``nombre``, ``manual`` when the
    manager chose it by hand — with ``sku`` None when they removed the automatic match — or ``""``).
    ``package_factor`` is how many of the product's units (or kg) one unit of QtyItem holds ("CJ 12 x 1 L": 12);
    events without it (before it existed) mean 1. ``expiry`` is the goods' expiry date (ISO ``aaaa-mm-dd``) when
    the manager typed it, ``""`` otherwise (FIFO lots keep it: ``shared.inventory``).
    """

    line_no: int
    code: str
    ean: str | None
    name: str
    quantity: Decimal
    unit: str
    unit_cost: int
    amount: int
    cost: int
    exento: bool
    sku: str | None
    matched_by: str = ""
    package_factor: Decimal = Decimal(1)
    expiry: str = ""

    @property
    def store_quantity(self) -> Decimal:
        """Units (or kg) of the store's product the line brings: ``quantity × package_factor``, rounded half up (away
        from zero) to :data:`STOCK_PLACES`, as the master's ``numeric(14,3)`` would: the till and the master move
        these same grams (a QtyItem may have 6 decimals)."""
        if self.package_factor == 1 and self.quantity == self.quantity.quantize(STOCK_PLACES):
            return self.quantity  # as written: the usual whole or 3-decimal QtyItem
        quantity = self.quantity * self.package_factor
        return quantity.quantize(STOCK_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class DocumentReference:
    """A Referencia of the document: ``tipo`` as the SII writes it ("33", "801", "SET"...), CodRef (1 anula,
    2 corrige texto, 3 corrige montos) when given."""

    tipo: str
    folio: str
    fecha: str
    codigo: int | None
    razon: str


@dataclass(frozen=True, slots=True)
class PurchaseReceived:
    """A supplier's document registered at the store.

    ``tipo``/``folio``/``fecha_emision`` (ISO date) identify it with ``supplier.rut`` (a document is registered
    once); goods go to ``warehouse`` (the store's own: its ``store_id``) when ``moves_stock``. Amounts in CLP as
    on the document: ``neto`` (MntNeto), ``exento`` (MntExe), ``iva`` (IVA: the crédito fiscal), ``other_taxes``
    (ImptoReten), ``total`` (MntTotal). ``digest`` is the SHA-256 (hex) of the DTE's exclusive C14N,
    ``document_xml`` the signed DTE itself (ISO-8859-1 text, kept as the receptor must keep it).
    ``registered_by`` is the supervisor or administrator who authorised it (``""`` from the command line).

    A document typed in by hand (:data:`MANUAL_TIPOS`: paper, a boleta, a guía de despacho) has ``digest`` and
    ``document_xml`` empty (:attr:`manual`).

    Version 2 added ``PurchaseLine.package_factor``: a v1 event is upcast with factor 1 on every line
    (:func:`upcast_v1`), and a server that only knows v1 quarantines a v2 event instead of moving boxes as units.
    Version 3 added ``PurchaseLine.expiry`` (:func:`upcast_v2`: ``""``, no date known).
    """

    TYPE: ClassVar[str] = "purchase.received"
    VERSION: ClassVar[int] = 3

    purchase_id: str
    supplier: Supplier
    tipo: int
    folio: int
    fecha_emision: str
    warehouse: str
    lines: tuple[PurchaseLine, ...]
    neto: int
    exento: int
    iva: int
    total: int
    digest: str
    moves_stock: bool
    other_taxes: int = 0
    references: tuple[DocumentReference, ...] = ()
    registered_by: str = ""
    document_xml: str = ""

    @property
    def sign(self) -> int:
        """-1 for a nota de crédito (it takes back), +1 otherwise."""
        return -1 if self.tipo in NOTAS_CREDITO else 1

    @property
    def manual(self) -> bool:
        """Typed in by hand, without the supplier's signed XML."""
        return not self.digest


def stock_moves(event: PurchaseReceived) -> list[tuple[str, Decimal]]:
    """``(sku, signed quantity)`` the document moves in ``event.warehouse``: matched lines with a quantity, when
    it moves stock (never a nota de débito); the quantity in the store's units (:attr:`PurchaseLine.store_quantity`:
    5 boxes of 12 are 60)."""
    if not event.moves_stock or event.tipo in NOTAS_DEBITO:
        return []
    return [(x.sku, event.sign * x.store_quantity) for x in event.lines if x.sku is not None and x.quantity != 0]


def cost_moves(event: PurchaseReceived) -> list[tuple[str, Decimal, int]]:
    """``(sku, signed quantity, signed value in CLP neto)`` for the PPP of each matched line (``shared.costing``):
    the quantity is 0 when the stock does not move (value only). The quantity is in the store's units, as in
    :func:`stock_moves`, so the cost per unit is ``cost / (quantity × package_factor)``: a box of 12 at $6.000
    costs $500 a unit."""
    return [(line.sku, quantity, value) for line, quantity, value in cost_lines(event) if line.sku is not None]


def cost_lines(event: PurchaseReceived) -> list[tuple[PurchaseLine, Decimal, int]]:
    """:func:`cost_moves` with the line each move comes from (its lot: expiry, ``shared.inventory``)."""
    moving = event.moves_stock and event.tipo not in NOTAS_DEBITO
    return [(x, event.sign * x.store_quantity if moving else Decimal(0), event.sign * x.cost)
            for x in event.lines if x.sku is not None and (x.cost != 0 or (moving and x.quantity != 0))]


def upcast_v1(payload: dict[str, Any]) -> dict[str, Any]:
    """A ``purchase.received`` v1 payload as v2: each line gets ``package_factor`` "1" (one store unit per supplier
    unit, what v1 meant)."""
    lines = [dict(line, package_factor=line.get("package_factor", "1")) if isinstance(line, dict) else line
             for line in payload.get("lines", [])]
    return {**payload, "lines": lines}


def upcast_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """A ``purchase.received`` v2 payload as v3: each line gets ``expiry`` ``""`` (no expiry date known)."""
    lines = [dict(line, expiry=line.get("expiry", "")) if isinstance(line, dict) else line
             for line in payload.get("lines", [])]
    return {**payload, "lines": lines}


@dataclass(frozen=True, slots=True)
class SupplierAnswerReceived:
    """HQ's answer to a supplier's factura in the SII's Registro de Reclamos (Ley 19.983), as the master keeps it,
    forwarded to the tills of the store that registered the purchase (change feed ``supplier_answer``): the SII's
    reception date (``received``, ``aaaa-mm-dd``; ``""`` when unknown), the answers the SII took in order (``taken``:
    ACD, ERM, RCD, RFP, RFT), and the last answer sent (``action``), the SII's word on it (``message``), who sent it
    and when (``answered_at``, ISO). Replaces the till's row of ``(supplier_rut, tipo, folio)``; the till's
    back office shows the state with :func:`shared.supplier_answers.window`. The master ignores it pushed back."""

    TYPE: ClassVar[str] = "purchase.answer_received"
    VERSION: ClassVar[int] = 1

    supplier_rut: str
    tipo: int
    folio: int
    received: str
    taken: tuple[str, ...]
    action: str
    message: str
    answered_by: str
    answered_at: str
