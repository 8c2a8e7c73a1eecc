"""The payment dialog's presenter: keypad entry, quick cash amounts, card/transfer, mixed tenders, change, and
the document (boleta by default, or a factura to a business customer).

Cash is rounded to $10 (Ley 20.956) on the cash part only; the view shows that rounded amount as what is due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.presenters import fiado
from desktop.presenters.messages import describe
from desktop.services.checkout import CheckoutService, Completed
from desktop.services.folios import FacturaUnavailable
from desktop.services.receipts import PrintOutcome
from shared import errors, money
from shared import rut as rut_mod
from shared.events.sales import CustomerData
from shared.sale import Tender, TenderKind

BILLS = (1_000, 2_000, 5_000, 10_000, 20_000)
"""Chilean bills (Banco Central de Chile); the quick cash buttons offer the next ones up from what is due."""


def quick_amounts(due: int) -> tuple[int, ...]:
    """The amounts a customer likely hands over for ``due`` pesos, ascending and other than ``due`` itself (that
    is [Exacto]): ``due`` rounded up to each bill, ``3.320 -> 4.000, 5.000, 10.000, 20.000``; the bills
    themselves when nothing is due."""
    if due <= 0:
        return BILLS
    return tuple(sorted({-(-due // bill) * bill for bill in BILLS} - {due}))


@dataclass(frozen=True, slots=True)
class PaymentView:
    total: str
    due: str
    entry: str
    mode: TenderKind
    tenders: tuple[tuple[str, str], ...]
    change: str
    """The change, empty until the cash received covers what is due ("Vuelto" shows only then)."""
    rounding: str
    message: str = ""
    missing: str = ""
    """What the cash typed so far still lacks (``$1.320``), while some is typed and it does not cover the due."""
    error: bool = False
    done: bool = False
    receipt_problem: str = ""
    quick: tuple[tuple[str, int], ...] = tuple((money.format_clp(a), a) for a in BILLS)
    """The quick cash buttons: (label, pesos), following what is due in cash; a touch adds to what was received."""
    factura: bool = False
    """The sale will get a factura (to ``customer``) instead of a boleta."""
    customer: str = ""
    """The factura's customer in words: ``Ferretería El Clavo SpA · RUT 76.123.456-0``."""
    buyer: str = ""
    """The customer attached to the sale and their account: ``María Pérez · Debe $12.300 · Cupo $50.000``."""
    fiado: str = ""
    """The Fiado tender's label (``Fiado · disponible $37.700``), "" without a customer (the button hides)."""
    fiado_enabled: bool = False
    auth_prompt: str = ""
    """A supervisor's PIN is asked to put this much on fiado beyond the limit (what, in words)."""


class PaymentPresenter:
    """One payment of the current sale; ``finish`` commits it through the checkout service.

    The receipt prints in the background: its outcome arrives later (``ReceiptService`` listeners) and turns into
    ``receipt_problem`` when it failed. Call ``close()`` when the dialog goes away.
    """

    def __init__(self, checkout: CheckoutService, on_change: Callable[[PaymentView], None] = lambda v: None):
        self.checkout = checkout
        self._over_limit: tuple[Tender, ...] | None = None
        """The tenders waiting for a supervisor's PIN (fiado beyond the limit), and why it is beyond."""
        self._over_reason = ""
        self.on_change = on_change
        self.total = checkout.sale.totals().total
        self.tenders: list[Tender] = []
        self.mode = TenderKind.CASH
        self.entry = ""
        self.completed: Completed | None = None
        self._unlisten: Callable[[], None] | None = None
        self._saved = ""
        self.customer: CustomerData | None = None
        self.view = self._render()

    def _noncash(self) -> int:
        return sum(t.amount for t in self.tenders if t.kind is not TenderKind.CASH)

    def remaining(self) -> int:
        """What is still due in the current mode: rounded to $10 when paying cash."""
        left = self.total - self._noncash() - sum(t.amount for t in self.tenders if t.kind is TenderKind.CASH)
        left = max(left, 0)
        return money.round_cash(left) if self.mode is TenderKind.CASH else left

    def _entered(self) -> int:
        return int(self.entry) if self.entry else 0

    def _cash_due(self) -> int:
        """What is left to pay in cash, rounded to $10, before the amount being entered."""
        paid = self._noncash() + sum(t.amount for t in self.tenders if t.kind is TenderKind.CASH)
        return money.round_cash(max(self.total - paid, 0))

    def _render(self, message: str = "", error: bool = False) -> PaymentView:
        due = self.remaining()
        buyer = self.checkout.attached()
        fiado_label = "" if buyer is None else (f"Fiado · disponible {money.format_clp(buyer.headroom)}"
                                                if buyer.fiado_enabled else "Fiado (no habilitado)")
        change: int | None = None
        missing = ""
        rounding = ""
        if self.mode is TenderKind.CASH:
            cash_left = self.total - self._noncash()
            if self._entered() and self._entered() >= due:
                change = self._entered() - due
            elif self.completed is not None:
                change = self.completed.settlement.change
            elif self._entered():
                missing = money.format_clp(due - self._entered())
            if money.round_cash(cash_left) != cash_left:
                rounding = f"Redondeo {money.format_clp(money.round_cash(cash_left) - cash_left)} (Ley 20.956)"
        view = PaymentView(
            total=money.format_clp(self.total), due=money.format_clp(due),
            entry=money.format_clp(self._entered()) if self.entry else "", mode=self.mode,
            tenders=tuple((t.kind.label, money.format_clp(t.amount)) for t in self.tenders),
            change="" if change is None else money.format_clp(change), rounding=rounding,
            quick=tuple((money.format_clp(a), a) for a in quick_amounts(self._cash_due())), missing=missing,
            message=message, error=error,
            done=self.completed is not None, factura=self.customer is not None,
            customer="" if self.customer is None else
            f"{self.customer.razon_social} · RUT {rut_mod.format(self.customer.rut)}",
            receipt_problem="" if self.completed is None or self.completed.printed.ok
            or self.completed.printed.pending else self.completed.printed.message,
            buyer="" if buyer is None else
            f"{buyer.name} · {fiado.account_line(buyer.fiado_enabled, buyer.limit, buyer.balance)}",
            fiado=fiado_label, fiado_enabled=buyer is not None and buyer.fiado_enabled,
            auth_prompt="" if self._over_limit is None else self._over_limit_words())
        self.view = view
        self.on_change(view)
        return view

    def choose_boleta(self) -> PaymentView:
        """The sale gets a boleta (the default; also what to do when no factura can be issued)."""
        self.customer = None
        return self._render(message="Se emitirá boleta")

    def choose_factura(self) -> PaymentView:
        """The customer wants a factura: an error (and the boleta stays) when none can be issued now, e.g. without
        folios of factura; otherwise the view asks for the customer (the dialog then calls :meth:`set_customer`)."""
        problem = self.checkout.factura_problem()
        if problem:
            self.customer = None
            return self._render(message=problem, error=True)
        return self._render(message="Ingrese los datos del cliente para la factura")

    def set_customer(self, customer: CustomerData) -> PaymentView:
        """The factura's customer, as the customer dialog accepted it."""
        self.customer = customer
        return self._render()  # the view's ``customer`` says who the factura is for

    def set_mode(self, kind: TenderKind) -> PaymentView:
        if kind is TenderKind.FIADO:
            buyer = self.checkout.attached()
            if buyer is None:
                return self._render(message="Para fiar, elija primero el cliente con «Cliente»", error=True)
            if not buyer.fiado_enabled:
                return self._render(message=f"{buyer.name} no tiene fiado habilitado (lo habilita el "
                                            "administrador)", error=True)
        self.mode, self.entry = kind, ""
        return self._render()

    def key(self, digit: str) -> PaymentView:
        """A keypad digit ("0"-"9" or "000")."""
        if not digit.isdigit() or len(self.entry + digit) > 9:
            return self._render(message="Monto demasiado grande", error=True)
        self.entry = (self.entry + digit).lstrip("0")
        return self._render()

    def backspace(self) -> PaymentView:
        self.entry = self.entry[:-1]
        return self._render()

    def clear(self) -> PaymentView:
        self.entry = ""
        return self._render()

    def quick(self, amount: int) -> PaymentView:
        """A quick cash button: ``amount`` more handed over in cash, added to what was received so far."""
        if self.mode is not TenderKind.CASH:
            self.mode, self.entry = TenderKind.CASH, ""
        if len(str(self._entered() + amount)) > 9:
            return self._render(message="Monto demasiado grande", error=True)
        self.entry = str(self._entered() + amount)
        return self._render()

    def exact(self) -> PaymentView:
        """Fill the entry with exactly what is due in the current mode."""
        self.entry = str(self.remaining())
        return self._render()

    def add_partial(self) -> PaymentView:
        """Keep the entry as one tender of a mixed payment (e.g. $5.000 by debit, the rest in cash)."""
        amount = self._entered() or self.remaining()
        if self.mode is not TenderKind.CASH and amount > self.total - self._noncash():
            what = "El fiado" if self.mode is TenderKind.FIADO else "El pago con tarjeta o transferencia"
            return self._render(message=f"{what} no puede superar lo que falta", error=True)
        if amount <= 0:
            return self._render(message="Ingrese un monto", error=True)
        self.tenders.append(Tender(self.mode, amount))
        self.entry = ""
        next_mode = TenderKind.CASH if self.mode is not TenderKind.CASH else self.mode
        self.mode = next_mode
        return self._render(message="Pago parcial registrado")

    def finish(self) -> PaymentView:
        """Commit the sale with the tenders so far plus the entry (card/transfer default to what is due).

        Errors (payment short, tender above the total, disk full) leave the sale open and say why.
        """
        tenders = list(self.tenders)
        amount = self._entered()
        if self.mode is not TenderKind.CASH and amount == 0:
            amount = self.remaining()
        if amount:
            tenders.append(Tender(self.mode, amount))
        return self._complete(tuple(tenders))

    def _complete(self, tenders: tuple[Tender, ...], approved_by: str = "") -> PaymentView:
        try:
            self.completed = self.checkout.complete(tenders, customer=self.customer, fiado_approved_by=approved_by)
        except FacturaUnavailable as exc:
            return self._render(message=f"{exc} Toque «Boleta» y cobre de nuevo.", error=True)
        except errors.FiadoOverLimit as exc:
            if not exc.needs_supervisor:
                return self._render(message=describe(exc), error=True)
            self._over_limit, self._over_reason = tenders, describe(exc)
            return self._render(message=self._over_reason)
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True)
        self._over_limit = None
        self._unlisten = self.checkout.receipts.listen(self._printed)
        change = money.format_clp(self.completed.settlement.change)
        self.tenders = list(tenders)
        self.entry = ""
        self._saved = f"Venta guardada. Vuelto {change}"
        charge = self.completed.event.fiado
        if charge is not None:
            self._saved += (f". Fiado {money.format_clp(charge.amount)}: saldo "
                            f"{money.format_clp(charge.balance_before + charge.amount)}")
        document = self.completed.event.document
        if self.completed.event.customer is not None and document is not None:
            self._saved += f". Factura N° {document.folio}"
        if self.completed.notice:
            self._saved += f". {self.completed.notice}"
        return self._render(message=self._saved, error=bool(self.completed.notice))

    def _over_limit_words(self) -> str:
        on_credit = sum(t.amount for t in self._over_limit or () if t.kind is TenderKind.FIADO)
        buyer = self.checkout.attached()
        if buyer is None:
            return self._over_reason
        return f"Fiar {money.format_clp(on_credit)} a {buyer.name}. {self._over_reason.rstrip('.')}."

    def authorise_fiado(self, pin: str, reason: str) -> PaymentView:
        """A supervisor's PIN (and reason) for the fiado beyond the limit: the sale is completed with the
        approval journaled beside it. A wrong PIN keeps asking."""
        tenders = self._over_limit
        if tenders is None:
            return self.view
        try:
            supervisor = self.checkout.approve_fiado(pin, reason)
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True)
        return self._complete(tenders, supervisor.user_id)

    def cancel_fiado_pin(self) -> PaymentView:
        """The supervisor did not authorise: the sale stays open to pay otherwise."""
        self._over_limit = None
        return self._render(message="Fiado no autorizado: cobre de otra forma o abone primero", error=True)

    def _printed(self, outcomes: list[PrintOutcome]) -> None:
        """The print worker's news: the receipt of this sale printed, or why not."""
        if self.completed is None:
            return
        for outcome in outcomes:
            if outcome.sale_id != self.completed.event.sale_id:
                continue
            self.completed = replace(self.completed, printed=outcome)
            if outcome.ok:
                self._render(message="Boleta impresa" if outcome.reprint else self._saved)
            elif outcome.reprint:
                self._render(message=f"No se imprimió la boleta: {outcome.message}", error=True)
            else:
                self._render(message=f"{self._saved}. No se imprimió la boleta.", error=True)

    def reprint(self) -> PaymentView:
        """Print the completed sale's receipt again (after a printer problem); nothing before ``finish``."""
        if self.completed is None:
            return self.view
        outcome = self.checkout.receipts.reprint(self.completed.event.sale_id)
        self.completed = replace(self.completed, printed=outcome)
        return self._render(message="Reimprimiendo la boleta…")

    def close(self) -> None:
        """Stop listening to the printer (the dialog is gone); safe to call twice."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
