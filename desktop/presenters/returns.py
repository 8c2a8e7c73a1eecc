"""The return screen's presenter: find the sale (its receipt's timbre scanned, a number typed, or picked from the
recent sales), choose what comes back (all, or some lines and quantities, kg for weighed goods), and give it back
with a supervisor's PIN: the nota de crédito, the stock and the refund happen in ``ReturnService.complete``.

Plain Python (no Qt): every intent produces a new frozen ``ReturnView`` passed to ``on_change``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from desktop.presenters.sale import describe
from desktop.services.returns import RecentSale, Returnable, ReturnService, looks_like_timbre, refund_words, refunds_for
from shared import card_model, errors, es_cl, money

FIND, CHOOSE, DONE = "find", "choose", "done"


@dataclass(frozen=True, slots=True)
class RecentView:
    sale_id: str
    number: str
    time: str
    document: str
    total: str


@dataclass(frozen=True, slots=True)
class ReturnLineView:
    line_id: int
    name: str
    sold: str
    returned: str
    chosen: str
    amount: str
    weighed: bool
    left: str


@dataclass(frozen=True, slots=True)
class ReturnView:
    stage: str = FIND
    recent: tuple[RecentView, ...] = ()
    title: str = ""
    """The sale being returned: ``Devolución de la boleta N° 5``."""
    detail: str = ""
    """``Venta N° 12 · 20-11-2026 09:31 · Total $3.140``"""
    lines: tuple[ReturnLineView, ...] = ()
    selected: int | None = None
    total: str = "$0"
    """What the chosen goods are credited (IVA included)."""
    refund: str = ""
    """How the money goes back: ``Devuelva $1.150 en efectivo``."""
    can_return: bool = False
    asking_pin: bool = False
    what: str = ""
    """What the supervisor authorises (shown on the PIN dialog)."""
    message: str = ""
    error: bool = False


def _quantity(value: Decimal, weighed: bool) -> str:
    if weighed:
        return money.format_kg(value)
    return es_cl.number(value, group=False)


def _time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d-%m %H:%M")
    except ValueError:
        return ""


class ReturnPresenter:
    """One return at the till of ``cashier_id`` in shift ``shift_id``."""

    def __init__(self, returns: ReturnService, *, cashier_id: str, shift_id: str,
                 on_change: Callable[[ReturnView], None] = lambda v: None) -> None:
        self.returns = returns
        self.cashier_id = cashier_id
        self.shift_id = shift_id
        self.on_change = on_change
        self.found: Returnable | None = None
        self.chosen: dict[int, Decimal] = {}
        self._recent: list[RecentSale] = []
        self.view = ReturnView()

    def _render(self, *, message: str = "", error: bool = False, **changes: object) -> ReturnView:
        view = replace(self.view, message=message, error=error, **changes)  # type: ignore[arg-type]
        found = self.found
        if found is not None and view.stage == CHOOSE:
            sale = found.sale
            lines = []
            for x in sale.lines:
                weighed = x.sold_by == "kg"
                chosen = self.chosen.get(x.line_id, Decimal(0))
                lines.append(ReturnLineView(
                    x.line_id, x.name, _quantity(x.quantity, weighed),
                    _quantity(x.quantity - found.left[x.line_id], weighed) if found.left[x.line_id] != x.quantity
                    else "", _quantity(chosen, weighed) if chosen else "",
                    money.format_clp(found.amount(x.line_id, chosen)) if chosen else "", weighed,
                    _quantity(found.left[x.line_id], weighed)))
            total = self._total()
            refunds = refunds_for(sale, total, found.credited())
            view = replace(view, lines=tuple(lines), total=money.format_clp(total),
                           refund=refund_words(refunds) if total else "",
                           can_return=total > 0)
        self.view = view
        self.on_change(view)
        return view

    def _total(self) -> int:
        if self.found is None:
            return 0
        return sum(self.found.amount(line_id, q) for line_id, q in self.chosen.items() if q > 0)

    # --- finding the sale -----------------------------------------------------------------------------------
    def open(self) -> ReturnView:
        """Start: the recent sales of this till to pick from, and the search ready for a scanned timbre."""
        self.found, self.chosen = None, {}
        self._recent = self.returns.recent()
        return self._render(stage=FIND, recent=self._recent_views(self._recent), selected=None, asking_pin=False,
                            lines=(), title="", detail="", total="$0", refund="", can_return=False,
                            message="Escanee el timbre de la boleta o factura, o elija la venta")

    @staticmethod
    def _recent_views(sales: list[RecentSale]) -> tuple[RecentView, ...]:
        return tuple(RecentView(s.sale_id, f"N° {s.number}", _time(s.occurred_at), s.document,
                                money.format_clp(s.total)) for s in sales)

    def lookup(self, text: str) -> ReturnView:
        """What was scanned or typed in the search: a timbre opens its sale; a number shows the recent sales with
        that sale number, folio or total (and opens the sale when only one matches)."""
        text = text.strip()
        if not text:
            return self._render(recent=self._recent_views(self._recent))
        if looks_like_timbre(text):
            try:
                return self._show(self.returns.find_by_timbre(text))
            except errors.PosError as exc:
                return self._render(message=describe(exc), error=True)
        digits = text.replace(".", "").replace("$", "").replace(" ", "")
        if not (digits.isascii() and digits.isdigit()):  # "²" is a digit to isdigit(), not to int()
            return self._render(message="Escanee el timbre, o escriba el N° de venta, el folio o el total",
                                error=True)
        n = int(digits)
        matches = [s for s in self._recent if n in (s.number, s.folio, s.total)]
        if len(matches) == 1:
            return self.pick(matches[0].sale_id)
        if not matches:
            return self._render(message=f"Ninguna venta reciente con el número o total {text}", error=True,
                                recent=self._recent_views(self._recent))
        return self._render(message=f"{len(matches)} ventas coinciden: toque la que corresponde",
                            recent=self._recent_views(matches))

    def pick(self, sale_id: str) -> ReturnView:
        """A sale touched in the list."""
        try:
            return self._show(self.returns.find_sale(sale_id))
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True)

    def _show(self, found: Returnable) -> ReturnView:
        sale = found.sale
        if sale.document is None and sale.total > 0 and card_model.split(sale).voucher == sale.total:
            return self._render(message=f"La venta N° {sale.number} se pagó con tarjeta y su voucher es la boleta: "
                                        "no lleva nota de crédito; anule o reembolse el pago en el terminal de la "
                                        "tarjeta", error=True)
        if sale.document is None:
            return self._render(message=f"La venta N° {sale.number} salió sin boleta ni factura: no se puede "
                                        "emitir una nota de crédito", error=True)
        if all(v <= 0 for v in found.left.values()):
            return self._render(message=f"La {found.document} ya fue devuelta completa", error=True)
        self.found, self.chosen = found, {}
        first = next(x.line_id for x in sale.lines if found.left[x.line_id] > 0)
        when = _time(found.occurred_at)
        return self._render(stage=CHOOSE, title=f"Devolución de la {found.document}",
                            detail=f"Venta N° {sale.number} · {when} · Total {money.format_clp(sale.total)}",
                            selected=first, message="Toque una línea y escriba cuánto se devuelve, o «Todo»")

    def back(self) -> ReturnView:
        """Back to the search (nothing was given back)."""
        return self.open()

    # --- choosing what comes back -----------------------------------------------------------------------------
    def select(self, line_id: int) -> ReturnView:
        return self._render(selected=line_id)

    def set_quantity(self, text: str) -> ReturnView:
        """The quantity of the selected line to give back (units, or kg with a comma for weighed goods); never more
        than what is left of it (sold minus already returned)."""
        found, line_id = self.found, self.view.selected
        if found is None or line_id is None:
            return self._render(message="Toque la línea que se devuelve", error=True)
        line = next(x for x in found.sale.lines if x.line_id == line_id)
        weighed = line.sold_by == "kg"
        try:
            quantity = Decimal(text.strip().replace(",", ".") or "0")
        except InvalidOperation:
            return self._render(message=f"Cantidad no válida: {text}", error=True)
        if not quantity.is_finite() or quantity > money.MAX_UNITS:  # "nan", "1e30": comparing or quantize() raise
            return self._render(message=f"Cantidad no válida: {text}", error=True)
        if quantity < 0 or (not weighed and quantity != quantity.to_integral_value()):
            return self._render(message="Escriba unidades enteras" if not weighed else "Cantidad no válida",
                                error=True)
        if weighed:
            quantity = quantity.quantize(Decimal("0.001"))
        left = found.left[line_id]
        if quantity > left:
            return self._render(message=f"De {line.name} quedan {_quantity(left, weighed)} por devolver: no se "
                                        f"puede devolver {_quantity(quantity, weighed)}", error=True)
        self.chosen[line_id] = quantity
        return self._render(message=f"{line.name}: se devuelve {_quantity(quantity, weighed)}" if quantity
                            else f"{line.name}: no se devuelve")

    def everything(self) -> ReturnView:
        """«Todo»: everything still returnable of every line."""
        if self.found is None:
            return self.view
        self.chosen = {k: v for k, v in self.found.left.items() if v > 0}
        return self._render(message="Se devuelve todo lo que queda de la venta")

    def nothing(self) -> ReturnView:
        self.chosen = {}
        return self._render(message="Toque una línea y escriba cuánto se devuelve, o «Todo»")

    # --- giving it back ---------------------------------------------------------------------------------------
    def request(self) -> ReturnView:
        """«Devolver»: ask for a supervisor's PIN."""
        if self.found is None or self._total() <= 0:
            return self._render(message="Indique qué se devuelve", error=True)
        what = f"{self.view.refund} de la {self.found.document} (nota de crédito)"
        return self._render(asking_pin=True, what=what)

    def cancel_pin(self) -> ReturnView:
        return self._render(asking_pin=False)

    def authorise(self, pin: str, reason: str) -> ReturnView:
        """The supervisor's PIN and the reason: the nota de crédito is stamped, stock and money go back. A wrong PIN
        keeps asking; any other problem (e.g. no folio of nota de crédito) is said and nothing is given back."""
        if self.found is None or not self.view.asking_pin:
            return self.view
        quantities = {k: v for k, v in self.chosen.items() if v > 0}
        try:
            done = self.returns.complete(self.found, quantities, pin, reason, cashier_id=self.cashier_id,
                                         shift_id=self.shift_id)
        except (errors.WrongPin, errors.InvalidInput) as exc:
            return self._render(message=describe(exc), error=True)
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True, asking_pin=False)
        event = done.event
        nota = event.document.folio if event.document else "-"
        self.found = None
        return self._render(stage=DONE, asking_pin=False,
                            message=f"Devolución lista: nota de crédito N° {nota}. {refund_words(event.refunds)}")
