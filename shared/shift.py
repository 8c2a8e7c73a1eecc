"""The shift (turno de caja): opening float, sales by tender, cash in/out, fiado payments, blind count and the Z
report.

``Shift`` is a pure fold over the shift's events; the terminal keeps it as a projection and the server
rebuilds the same figures from the same events.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from shared import card_model, errors, money
from shared.events import auth, fiado, returns, sales, shifts, till
from shared.sale import COUNTED_TENDERS, TenderKind

_FIADO = TenderKind.FIADO.value


class ShiftState(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class TenderResult:
    """Expected vs counted for one tender at the close. ``difference`` > 0 is a surplus (sobrante)."""

    kind: TenderKind
    expected: money.Pesos
    counted: money.Pesos

    @property
    def difference(self) -> money.Pesos:
        return self.counted - self.expected


@dataclass(frozen=True, slots=True)
class Shift:
    """The running totals of one shift, in CLP. ``received`` is money kept per counted tender (cash net of change;
    fiado payments in, their reversals out); what went on or came off customers' accounts is never in it: the
    ``fiado_*`` figures (docs/fiado.md)."""

    shift_id: str
    number: int
    cashier_id: str
    opening_float: money.Pesos
    state: ShiftState = ShiftState.OPEN
    sales_count: int = 0
    sales_total: money.Pesos = 0
    received: dict[str, money.Pesos] = field(default_factory=dict)
    cash_in: money.Pesos = 0
    cash_out: money.Pesos = 0
    rounding: money.Pesos = 0
    discounts: money.Pesos = 0
    neto: money.Pesos = 0
    iva: money.Pesos = 0
    exento: money.Pesos = 0
    voids: int = 0
    returns_count: int = 0
    returns_total: money.Pesos = 0
    returns_rounding: money.Pesos = 0
    """Credited (the notas' totals) minus what the refunds handed back: the Ley 20.956 rounding of cash refunds."""
    counted: dict[str, money.Pesos] = field(default_factory=dict)
    closed_by: str = ""
    fiado_sales: money.Pesos = 0
    """Sold on credit: the sum of the sales' ``fiado`` tenders (part of ``sales_total``, not of ``received``)."""
    fiado_returns: money.Pesos = 0
    """Refunds credited to customers' accounts (part of ``returns_total``; nothing left the drawer)."""
    fiado_payments: money.Pesos = 0
    """Abonos taken, net of the reversals made in this shift (in ``received`` under their tender)."""
    fiado_payments_count: int = 0
    fiado_reversals: int = 0
    boletas: int = 0
    """Sales with a boleta (39/41); ``boletas_total`` their pesos. With ``facturas``/``vouchers`` and
    ``undocumented_total`` they say which document each sale's pesos stand on (``shared.card_model.split``)."""
    boletas_total: money.Pesos = 0
    facturas: int = 0
    facturas_total: money.Pesos = 0
    vouchers: int = 0
    """Sales without a document whose card part stands on the card's voucher (the voucher «modelo de emisión»)."""
    vouchers_total: money.Pesos = 0
    undocumented_total: money.Pesos = 0
    """Pesos sold without any document (no boleta folio was left), not covered by a voucher."""

    @classmethod
    def open(cls, event: shifts.ShiftOpened) -> Shift:
        return cls(event.shift_id, event.number, event.cashier_id, event.opening_float)

    def apply(self, event: Any) -> Shift:
        """The shift after ``event``; events of other shifts or streams leave it unchanged.

        Raises:
            ShiftError: a sale, cash move or close on a closed shift.
        """
        if getattr(event, "shift_id", None) != self.shift_id:
            return self
        if isinstance(event, sales.SaleCompleted | shifts.CashMoved | shifts.ShiftClosed | returns.ReturnCompleted
                      | fiado.FiadoPaid | fiado.FiadoPaymentReversed):
            self._require_open()
        if isinstance(event, returns.ReturnCompleted):
            received = dict(self.received)
            credited = 0
            for t in event.refunds:
                if t.kind == _FIADO:
                    credited += t.received
                else:
                    received[t.kind] = received.get(t.kind, 0) - t.received
            handed_back = sum(t.received for t in event.refunds)
            return replace(self, received=received, returns_count=self.returns_count + 1,
                           returns_total=self.returns_total + event.total,
                           returns_rounding=self.returns_rounding + event.total - handed_back,
                           fiado_returns=self.fiado_returns + credited)
        if isinstance(event, sales.SaleCompleted):
            received = dict(self.received)
            on_credit = 0
            for t in event.tenders:
                if t.kind == _FIADO:
                    on_credit += t.received
                else:
                    received[t.kind] = received.get(t.kind, 0) + t.received
            parts = card_model.split(event)
            tipo = 0 if event.document is None else event.document.tipo
            return replace(self, sales_count=self.sales_count + 1, sales_total=self.sales_total + event.total,
                           boletas=self.boletas + (tipo in card_model.BOLETAS),
                           boletas_total=self.boletas_total + parts.boleta,
                           facturas=self.facturas + (tipo in card_model.FACTURAS),
                           facturas_total=self.facturas_total + parts.factura,
                           vouchers=self.vouchers + (parts.voucher > 0),
                           vouchers_total=self.vouchers_total + parts.voucher,
                           undocumented_total=self.undocumented_total + parts.none,
                           received=received, rounding=self.rounding + event.rounding,
                           discounts=self.discounts + event.discount + sum(x.discount for x in event.lines),
                           neto=self.neto + event.neto, iva=self.iva + event.iva,
                           exento=self.exento + event.exento, fiado_sales=self.fiado_sales + on_credit)
        if isinstance(event, fiado.FiadoPaid):
            received = dict(self.received)
            received[event.kind] = received.get(event.kind, 0) + event.amount
            return replace(self, received=received, fiado_payments=self.fiado_payments + event.amount,
                           fiado_payments_count=self.fiado_payments_count + 1)
        if isinstance(event, fiado.FiadoPaymentReversed):
            received = dict(self.received)
            received[event.kind] = received.get(event.kind, 0) - event.amount
            return replace(self, received=received, fiado_payments=self.fiado_payments - event.amount,
                           fiado_reversals=self.fiado_reversals + 1)
        if isinstance(event, auth.Authorised):
            return replace(self, voids=self.voids + (event.action == "void_line"))
        if isinstance(event, till.LineRemoved) and not event.authorised_by:  # with a PIN: counted as Authorised
            return replace(self, voids=self.voids + 1)
        if isinstance(event, shifts.CashMoved):
            if event.direction == "in":
                return replace(self, cash_in=self.cash_in + event.amount)
            return replace(self, cash_out=self.cash_out + event.amount)
        if isinstance(event, shifts.ShiftClosed):
            return replace(self, state=ShiftState.CLOSED, closed_by=event.closed_by,
                           counted={c.kind: c.amount for c in event.counted})
        return self

    def _require_open(self) -> None:
        if self.state is not ShiftState.OPEN:
            raise errors.ShiftError("el turno está cerrado", self.state.value)

    def expected(self) -> dict[TenderKind, money.Pesos]:
        """What should be in the drawer and in the card/transfer reports, per counted tender (never fiado)."""
        result = {kind: self.received.get(kind.value, 0) for kind in COUNTED_TENDERS}
        result[TenderKind.CASH] += self.opening_float + self.cash_in - self.cash_out
        return result

    def close(self, counted: dict[TenderKind, money.Pesos], closed_by: str) -> shifts.ShiftClosed:
        """The close event for a blind count (the cashier never sees ``expected`` before counting).

        Raises:
            ShiftError: the shift is already closed.
            InvalidAmount: a negative count, or an amount counted as fiado (it is never in the drawer).
        """
        self._require_open()
        for kind, amount in counted.items():
            if amount < 0:
                raise errors.InvalidAmount(amount, f"conteo negativo en {kind.label}")
            if not kind.counted and amount:
                raise errors.InvalidAmount(amount, "el fiado no se cuenta en caja: es deuda del cliente")
        expected = self.expected()
        return shifts.ShiftClosed(
            shift_id=self.shift_id, closed_by=closed_by,
            counted=tuple(shifts.TenderCount(k.value, counted.get(k, 0)) for k in COUNTED_TENDERS),
            expected=tuple(shifts.TenderCount(k.value, expected[k]) for k in COUNTED_TENDERS))

    def results(self) -> tuple[TenderResult, ...]:
        """Expected vs counted per counted tender (counted is 0 until the shift closes)."""
        expected = self.expected()
        return tuple(TenderResult(k, expected[k], self.counted.get(k.value, 0)) for k in COUNTED_TENDERS)


@dataclass(frozen=True, slots=True)
class ZReport:
    """The figures printed at the close of a shift (reporte Z)."""

    shift: Shift
    results: tuple[TenderResult, ...]

    @property
    def cash_difference(self) -> money.Pesos:
        return next(r.difference for r in self.results if r.kind is TenderKind.CASH)


def z_report(shift: Shift) -> ZReport:
    """Raises: ShiftError when the shift is still open."""
    if shift.state is not ShiftState.CLOSED:
        raise errors.ShiftError("el reporte Z se emite al cerrar el turno", shift.state.value)
    return ZReport(shift=shift, results=shift.results())
