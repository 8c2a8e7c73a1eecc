"""The sale screen's presenter: scans, search, tiles, quantities, weights and supervisor prompts -> SaleView.

Plain Python (no Qt): intents come in as method calls, and every change produces a new frozen ``SaleView``
passed to ``on_change``. Errors become a message for the cashier; the cart is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from desktop.drivers.scales import Scale
from desktop.presenters import fiado
from desktop.presenters.messages import describe as describe  # re-exported: other presenters import it here
from desktop.presenters.weighing import WeighingPresenter
from desktop.services import suspend
from desktop.services.auth import User
from desktop.services.catalog import CatalogService
from desktop.services.checkout import CheckoutService
from desktop.services.receipts import PrintOutcome, ReceiptService
from desktop.services.returns import ReturnService
from desktop.services.sync import SyncService
from shared import barcodes, catalog, errors, money, roles
from shared import fiado as fiado_domain
from shared import sale as sale_mod

FAVOURITES = "Favoritos"


@dataclass(frozen=True, slots=True)
class LineView:
    line_id: int
    name: str
    quantity: str
    unit_price: str
    amount: str
    discount: str = ""


@dataclass(frozen=True, slots=True)
class TileView:
    sku: str
    name: str
    price: str
    weighed: bool


@dataclass(frozen=True, slots=True)
class AuthPrompt:
    """A supervisor PIN is needed for ``action`` (a ``roles.Action`` value); ``what`` describes it."""

    action: str
    what: str


@dataclass(frozen=True, slots=True)
class SaleView:
    lines: tuple[LineView, ...] = ()
    selected: int | None = None
    total: str = "$0"
    items: str = ""
    discount: str = ""
    message: str = ""
    error: bool = False
    results: tuple[TileView, ...] = ()
    tabs: tuple[str, ...] = ()
    tab: str = FAVOURITES
    tiles: tuple[TileView, ...] = ()
    weight_prompt: TileView | None = None
    auth_prompt: AuthPrompt | None = None
    cashier: str = ""
    shift: str = ""
    printer: str = ""
    printer_problem: bool = False
    connection: str = "Sin conexión"
    online: bool = False
    """HQ answered the last sync: the status bar shows the connection in a calm colour."""
    can_pay: bool = False
    pending_prints: int = 0
    folios: str = ""
    """A warning when boleta folios are low or gone (empty while enough are left)."""
    open_price: str = ""
    """A scanned code missing from the catalog, while the cashier may sell it at a typed price."""
    reprint_menu: tuple[tuple[str, str], ...] = ()
    """[Reimprimir]'s choices while it is open: ``(key, label)`` of the last documents printed, newest first."""
    customer: str = ""
    """The name of the customer attached to the sale ("" for none)."""
    customer_account: str = ""
    """That customer's account in one line: ``Debe $12.300 · Cupo $50.000`` or ``Sin fiado``."""
    suspended: int = 0
    """Sales suspended at this till (Recuperar offers them)."""
    recall_menu: tuple[SuspendedView, ...] = ()
    """[Recuperar]'s choices while it is open, oldest first."""


@dataclass(frozen=True, slots=True)
class SuspendedView:
    """A suspended sale to recall: its label (typed, or the customer's name, or the time), when, what it holds."""

    suspended_id: int
    label: str
    time: str
    total: str
    lines: str


def tile(product: catalog.Product) -> TileView:
    return TileView(product.sku, product.name, product.price_label(), product.weighed)


def line_view(line: sale_mod.SaleLine) -> LineView:
    if line.sold_by is catalog.SoldBy.KG:
        quantity, unit = money.format_kg(line.quantity), money.format_clp(line.unit_price) + "/kg"
    else:
        quantity, unit = f"x{line.quantity}", money.format_clp(line.unit_price)
    discount = f"Desc. -{money.format_clp(line.discount)}" if line.discount else ""
    return LineView(line.line_id, line.name, quantity, unit, money.format_clp(line.amount), discount)


class SalePresenter:
    """Intents of the sale screen. ``on_change`` receives a new ``SaleView`` after each one.

    ``scale`` and ``sync`` give the till's scale and sync service as they are now (the device page may change the
    scale, enrolment may start the sync); ``returns`` is None on a till that does not do returns.
    """

    def __init__(self, checkout: CheckoutService, catalog_service: CatalogService, receipts: ReceiptService,
                 on_change: Callable[[SaleView], None] = lambda v: None, *, returns: ReturnService | None = None,
                 scale: Callable[[], Scale | None] = lambda: None,
                 sync: Callable[[], SyncService | None] = lambda: None,
                 fiado_desk: fiado.FiadoDesk | None = None) -> None:
        self.checkout, self.catalog, self.receipts, self.returns = checkout, catalog_service, receipts, returns
        self.fiado = fiado_desk
        """The till's customers and fiado accounts (None on a till without them)."""
        self._scale, self._sync = scale, sync
        self.on_change = on_change
        self._weighing: catalog.Product | None = None
        self.weighing: WeighingPresenter | None = None
        """The live weight while a weighed product waits for its weight on a terminal with a scale."""
        self._pending: Callable[[str, str], None] | None = None
        self._reprinting: dict[str, bool] = {}  # job key -> printed
        self.view = SaleView()
        receipts.listen(self._printed)

    # --- life cycle -------------------------------------------------------------------------------------
    def start(self, cashier: User, shift_id: str, shift_number: int) -> SaleView:
        """Begin selling; a cart left by a crash comes back, with a message saying so."""
        sale = self.checkout.start(cashier, shift_id)
        tabs = (FAVOURITES, *self.catalog.categories())
        self.view = replace(self.view, cashier=cashier.name, shift=f"Turno {shift_number}", tabs=tabs)
        self._show_tab(FAVOURITES)
        restored = "Se recuperó la venta en curso." if sale.lines else ""
        return self._render(message=restored)

    def _render(self, *, message: str = "", error: bool = False, **changes: object) -> SaleView:
        sale = self.checkout.sale
        totals = sale.totals()
        ids = [x.line_id for x in sale.lines]
        added = set(ids) - {x.line_id for x in self.view.lines}
        if added:
            selected: int | None = max(added)  # the line just added is the one the keypad acts on
        else:
            selected = self.view.selected if self.view.selected in ids else (ids[-1] if ids else None)
        customer, account = self._customer()
        items = f"{totals.items} artículo{'s' if totals.items != 1 else ''}" if sale.lines else ""
        view = replace(self.view, lines=tuple(line_view(x) for x in sale.lines), selected=selected,
                       total=money.format_clp(totals.total), items=items,
                       discount=f"-{money.format_clp(totals.discount)}" if totals.discount else "",
                       message=message, error=error, can_pay=bool(sale.lines),
                       printer=self.receipts.last_status.label,
                       printer_problem=not self.receipts.last_status.can_print,
                       connection=self.connection_label(), online=self.online(),
                       pending_prints=len(self.receipts.pending()),
                       folios=self.checkout.folio_warning(), suspended=self.checkout.suspended_count(),
                       customer=customer, customer_account=account)
        self.view = replace(view, **changes)  # type: ignore[arg-type]
        self.on_change(self.view)
        return self.view

    def _customer(self) -> tuple[str, str]:
        """The attached customer's name (marked ⚑ when the master flagged them) and account in words (``("", "")``
        without one)."""
        found = self.checkout.attached()
        if found is None:
            return "", ""
        # a customer the master flagged is marked by the name (the flag's text is in the back office's Clientes)
        return (f"⚑ {found.name}" if found.flagged else found.name,
                fiado.account_line(found.fiado_enabled, found.limit, found.balance))

    def connection_label(self) -> str:
        """Online, or offline since when, and events not yet sent (the sync worker keeps the status)."""
        sync = self._sync()
        return "Sin conexión a HQ" if sync is None else sync.status.label

    def online(self) -> bool:
        sync = self._sync()
        return sync is not None and sync.status.online

    def _fail(self, exc: Exception) -> SaleView:
        return self._render(message=describe(exc), error=True)

    # --- adding products --------------------------------------------------------------------------------
    def scan(self, code: str) -> SaleView:
        """A code from the scanner (or typed and Enter): add the product, or ask for its weight."""
        try:
            match = self.catalog.resolve(code)
        except errors.UnknownProduct as exc:
            sellable = barcodes.is_gtin_shaped(code.strip())  # a real product's barcode, unknown here
            return self._render(message=describe(exc), error=True, open_price=code.strip() if sellable else "")
        except errors.PosError as exc:
            return self._fail(exc)
        try:
            self.checkout.add_match(match)
        except errors.WeightRequired:
            return self._ask_weight(match.product)
        except errors.PosError as exc:
            return self._fail(exc)
        return self._render(message=f"{match.product.name} agregado", results=(), open_price="")

    def submit(self, text: str) -> SaleView:
        """Enter in the search field: a code is scanned; words with a single match add it."""
        text = text.strip()
        if not text:
            return self.view
        scanned = trailing_scan(text)
        if scanned is not None:  # a scan landed after leftover text: the scan wins, the leftover goes
            return self.scan(scanned)
        if text.isdigit() or (not any(c.isspace() for c in text) and self._is_code(text)):
            return self.scan(text)
        results = self.catalog.search(text, limit=2)
        if len(results) == 1:
            return self.choose(results[0].sku)
        return self.search(text)

    def _is_code(self, text: str) -> bool:
        try:
            self.catalog.resolve(text)
        except errors.PosError:
            return False
        return True

    def search(self, text: str) -> SaleView:
        """Typed words: show matching products (name, brand or category) as results."""
        if not text.strip():
            return self._render(results=())
        found = self.catalog.search(text)
        message = "" if found else f"Sin resultados para «{text.strip()}»"
        return self._render(message=message, error=not found, results=tuple(tile(p) for p in found))

    def choose(self, sku: str) -> SaleView:
        """A tile or a search result was touched."""
        return self.scan(sku)

    def _ask_weight(self, product: catalog.Product) -> SaleView:
        self._end_weighing()
        self._weighing = product
        scale = self._scale()
        if scale is None:
            return self._render(message=f"Ingrese el peso de {product.name}", weight_prompt=tile(product))
        self.weighing = WeighingPresenter(scale, product.name, product.price)
        return self._render(message=f"Ponga {product.name} en la balanza o escriba el peso",
                            weight_prompt=tile(product))

    def _end_weighing(self) -> None:
        if self.weighing is not None:
            self.weighing.stop()
            self.weighing = None

    def enter_weight(self, text: str | Decimal) -> SaleView:
        """The weight for the product waiting on the prompt: typed (kg, e.g. ``0,512``) or from the scale."""
        product = self._weighing
        if product is None:
            return self.view
        try:
            self.checkout.add_product(product, money.parse_kg(text))
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True, weight_prompt=tile(product))
        self._weighing = None
        self._end_weighing()
        return self._render(message=f"{product.name} agregado", weight_prompt=None, results=())

    def accept_weighed(self) -> SaleView:
        """Aceptar on the weighing panel: sell the scale's weight, only if it is stable and above zero."""
        kg = self.weighing.accepted() if self.weighing is not None else None
        if kg is None:
            return self._render(message="Espere un peso estable en la balanza, o escriba el peso", error=True)
        return self.enter_weight(kg)

    def cancel_prompt(self) -> SaleView:
        self._weighing, self._pending = None, None
        self._end_weighing()
        return self._render(weight_prompt=None, auth_prompt=None, open_price="")

    def sell_open_price(self, price_text: str) -> SaleView:
        """The price typed for the unknown code on ``open_price``: one unit sold at it, or a supervisor's PIN
        asked first when the store wants one (``open_price_needs_pin``)."""
        code = self.view.open_price
        if not code:
            return self.view
        try:
            price = money.parse_clp(price_text)
            self.checkout.add_open_price(code, price)
        except errors.AuthorisationRequired:
            self._pending = lambda pin, reason: self._after(
                self.checkout.add_open_price(code, price, pin, reason),
                f"Vendido sin catálogo: {code} a {money.format_clp(price)}")
            return self._render(open_price="", auth_prompt=AuthPrompt(
                roles.Action.OPEN_PRICE.value, f"Vender {code} a {money.format_clp(price)} sin catálogo"))
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True)
        return self._render(message=f"Vendido sin catálogo: {code} a {money.format_clp(price)}", open_price="",
                            results=())

    def show_tab(self, name: str) -> SaleView:
        self._show_tab(name)
        return self._render()

    def _show_tab(self, name: str) -> None:
        products = (self.catalog.favourites() if name == FAVOURITES
                    else self.catalog.in_category(name))
        self.view = replace(self.view, tab=name, tiles=tuple(tile(p) for p in products))

    # --- changing lines ---------------------------------------------------------------------------------
    def select(self, line_id: int) -> SaleView:
        self.view = replace(self.view, selected=line_id)
        return self._render()

    def set_quantity(self, text: str) -> SaleView:
        """The keypad's quantity (units, or kg for a weighed line) for the selected line."""
        if self.view.selected is None:
            return self._render(message="Seleccione una línea", error=True)
        try:
            self.checkout.set_quantity(self.view.selected, text.replace(",", "."))
        except errors.PosError as exc:
            return self._fail(exc)
        return self._render(message="Cantidad actualizada")

    def request_void(self) -> SaleView:
        """[Anular línea]: take the selected line off the cart, or ask for a supervisor's PIN first when the store
        wants one (``void_needs_pin``). Either way the removal is journaled."""
        line_id = self.view.selected
        if line_id is None:
            return self._render(message="Seleccione la línea a anular", error=True)
        name = self.checkout.sale.line(line_id).name
        try:
            self.checkout.remove_line(line_id)
        except errors.AuthorisationRequired:
            self._pending = lambda pin, reason: self._after(self.checkout.void_line(line_id, pin, reason),
                                                            f"Línea anulada: {name}")
            return self._render(auth_prompt=AuthPrompt(roles.Action.VOID_LINE.value, f"Anular «{name}»"))
        except errors.PosError as exc:
            return self._fail(exc)
        return self._render(message=f"Línea anulada: {name}")

    def request_return(self, folio_text: str) -> SaleView:
        """A full return of the boleta with this folio (what is left of it): ask for a supervisor's PIN.

        The nota de crédito, the stock and the refund happen when the PIN is given (``authorise``)."""
        returns = self.returns
        if returns is None:
            return self._render(message="Esta caja no hace devoluciones", error=True)
        try:
            folio = int(folio_text.strip())
        except ValueError:
            return self._render(message="Escriba el N° de la boleta", error=True)
        try:
            found = returns.find(folio)
        except errors.PosError as exc:
            return self._fail(exc)
        left = sum(found.credit[x.line_id] * found.left[x.line_id] / x.quantity for x in found.sale.lines)
        if left <= 0:
            return self._render(message=f"La boleta N° {folio} ya fue devuelta", error=True)
        cashier_id = self.checkout.cashier.user_id if self.checkout.cashier else ""
        shift_id = self.checkout.shift_id

        def give_back(pin: str, reason: str) -> None:
            done = returns.complete(found, None, pin, reason, cashier_id=cashier_id, shift_id=shift_id)
            refund = sum(t.amount for t in done.event.refunds)
            nota = done.event.document.folio if done.event.document else "-"
            self._render(message=f"Devolución lista: nota de crédito N° {nota}. Devuelva "
                                 f"{money.format_clp(refund)}", auth_prompt=None)

        self._pending = give_back
        what = f"Devolver la boleta N° {folio} ({money.format_clp(money.round_half_up(Decimal(left)))})"
        return self._render(auth_prompt=AuthPrompt(roles.Action.RETURN.value, what))

    def discount_target(self, *, whole_sale: bool) -> str:
        """What a discount would apply to, in words for the discount dialog (``Venta: $11.970``), and the
        cashier's limit; "" when a line is wanted and none is selected."""
        limit = f"Hasta {self.checkout.discount_limit_pct}% sin supervisor."
        if whole_sale:
            return f"Toda la venta: {money.format_clp(self.checkout.sale.totals().subtotal)}. {limit}"
        if self.view.selected is None:
            return ""
        line = self.checkout.sale.line(self.view.selected)
        return f"Línea «{line.name}»: {money.format_clp(line.gross)}. {limit}"

    def discount(self, amount_text: str, *, whole_sale: bool = True, percent: bool = False) -> SaleView:
        """A discount on the sale (or the selected line), in pesos or, with ``percent``, in % of the sale's
        subtotal (of the line's amount before its discount); rounded to whole pesos. It replaces the discount
        there was. Above the cashier's limit (``discount_limit_pct``) it asks for a supervisor's PIN."""
        line_id = self.view.selected
        if not whole_sale and line_id is None:
            return self._render(message="Seleccione una línea", error=True)
        try:
            if percent:
                sale = self.checkout.sale
                base = sale.totals().subtotal if line_id is None or whole_sale else sale.line(line_id).gross
                amount = money.round_half_up(base * parse_percent(amount_text) / 100)
            else:
                amount = money.parse_clp(amount_text)
            if whole_sale:
                self.checkout.discount_sale(amount)
            else:
                assert line_id is not None
                self.checkout.discount_line(line_id, amount)
        except errors.AuthorisationRequired:
            def apply(pin: str, reason: str) -> None:
                if whole_sale:
                    self._after(self.checkout.discount_sale(amount, pin, reason), "Descuento aplicado")
                else:
                    assert line_id is not None
                    self._after(self.checkout.discount_line(line_id, amount, pin, reason), "Descuento aplicado")
            self._pending = apply
            what = f"Descuento de {money.format_clp(amount)} (sobre el {self.checkout.discount_limit_pct}%)"
            return self._render(auth_prompt=AuthPrompt(roles.Action.DISCOUNT.value, what))
        except errors.PosError as exc:
            return self._fail(exc)
        return self._render(message=f"Descuento aplicado: {money.format_clp(amount)}")

    def authorise(self, pin: str, reason: str) -> SaleView:
        """The supervisor typed a PIN and a reason for the pending action."""
        if self._pending is None:
            return self.view
        try:
            self._pending(pin, reason)
        except (errors.WrongPin, errors.InvalidInput) as exc:
            return self._render(message=describe(exc), error=True)
        except errors.PosError as exc:
            self._pending = None
            return self._render(message=describe(exc), error=True, auth_prompt=None)
        self._pending = None
        return self.view

    def _after(self, _sale: sale_mod.Sale, message: str) -> None:
        self._render(message=message, auth_prompt=None)

    def reprint(self) -> SaleView:
        """[Reimprimir]: queue the receipts that failed, oldest first; with none waiting, offer the last documents
        printed (boletas, facturas, notas de crédito, Z reports) to choose from (``reprint_menu``)."""
        receipts = self.receipts
        if receipts.pending():
            queued = receipts.print_pending()
            self._reprinting = {outcome.key: False for outcome in queued}
            n = len(queued)
            return self._render(message=f"Reimprimiendo {n} boleta{'s' if n != 1 else ''}…")
        documents = receipts.recent_documents()
        if not documents:
            return self._render(message="No hay documentos para reimprimir", error=True)
        return self._render(reprint_menu=tuple((d.key, d.label) for d in documents))

    def reprint_document(self, key: str) -> SaleView:
        """A document chosen from ``reprint_menu``: printed again, marked as a copy."""
        label = dict(self.view.reprint_menu).get(key, "")
        try:
            outcome = self.receipts.reprint_document(key)
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True, reprint_menu=())
        self._reprinting = {outcome.key: False}
        return self._render(message=f"Reimprimiendo {label.split(' · ')[0] or 'documento'}…", reprint_menu=())

    def close_reprint_menu(self) -> SaleView:
        return self._render(reprint_menu=())

    def _printed(self, outcomes: list[PrintOutcome]) -> None:
        """News from the print worker: redraw the printer status, say what failed, and when a reprint is done."""
        message, error = self.view.message, self.view.error
        for outcome in outcomes:
            if outcome.key.startswith("test:"):
                continue  # the device page reports its own test prints
            if outcome.key in self._reprinting:
                self._reprinting[outcome.key] = outcome.ok
            if not outcome.ok:
                message, error = outcome.message, True
        if self._reprinting and all(self._reprinting.values()):
            message, error = f"Reimpresión lista ({len(self._reprinting)})", False
        if any(not outcome.ok for outcome in outcomes) or (self._reprinting and all(self._reprinting.values())):
            self._reprinting = {}
        self._render(message=message, error=error)

    # --- customer and suspended sales -------------------------------------------------------------------------
    def attach(self, customer_id: str) -> SaleView:
        """The customer picked (or created) in the picker goes on the sale."""
        try:
            name = self.checkout.attach_customer(customer_id)
        except errors.PosError as exc:
            return self._fail(exc)
        return self._render(message=f"Cliente: {name}")

    def detach(self) -> SaleView:
        """[Quitar]: the sale goes on without a customer."""
        if not self.checkout.customer_id:
            return self._render()
        self.checkout.detach_customer()
        return self._render(message="Venta sin cliente")

    def suspend(self, label: str = "") -> SaleView:
        """[Suspender]: the cart (and its customer) put aside under ``label`` (or the customer's name, or «Sin
        nombre»; the list adds the time), no folio taken; the till is ready for the next one."""
        buyer = self.checkout.attached()
        name = " ".join(label.split()) or (buyer.name if buyer is not None else "") or "Sin nombre"
        try:
            self.checkout.suspend(name[:suspend.LABEL_MAX])
        except errors.PosError as exc:
            return self._fail(exc)
        n = self.checkout.suspended_count()
        return self._render(message=f"Venta suspendida ({n} en espera). Toque «Recuperar» para seguirla.",
                            results=())

    def open_recall(self) -> SaleView:
        """[Recuperar]: the suspended sales to choose from (the cart must be empty: suspend it first)."""
        if self.checkout.sale.lines:
            return self._render(message="Suspenda o cobre la venta en curso antes de recuperar otra", error=True)
        waiting = self.checkout.suspended()
        if not waiting:
            return self._render(message="No hay ventas suspendidas", error=True)
        views = tuple(SuspendedView(
            s.suspended_id, s.label, _clock(s.suspended_at), money.format_clp(s.total),
            f"{s.lines} producto{'s' if s.lines != 1 else ''}") for s in waiting)
        return self._render(recall_menu=views)

    def recall(self, suspended_id: int) -> SaleView:
        """A suspended sale chosen: it is the cart again, with its customer."""
        label = next((v.label for v in self.view.recall_menu if v.suspended_id == suspended_id), "")
        try:
            self.checkout.recall(suspended_id)
        except errors.PosError as exc:
            return self._render(message=describe(exc), error=True, recall_menu=())
        return self._render(message=f"Venta recuperada: {label}" if label else "Venta recuperada", recall_menu=())

    def close_recall(self) -> SaleView:
        return self._render(recall_menu=())

    def refresh(self, message: str = "", error: bool = False) -> SaleView:
        return self._render(message=message, error=error)


def parse_percent(text: str) -> Decimal:
    """A percentage typed by a person: ``10``, ``12,5`` or ``7.5%`` -> Decimal.

    Raises: InvalidAmount when it is not a number above 0 and up to 100."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise errors.InvalidAmount(text, "escriba un porcentaje, por ejemplo 10") from None
    if not value.is_finite() or not 0 < value <= 100:
        raise errors.InvalidAmount(text, "el porcentaje debe ser mayor que 0 y hasta 100")
    return value


def trailing_scan(text: str) -> str | None:
    """The code a scanner typed after leftover text in the search field, or None when ``text`` is not that.

    ``leche7801234567894`` -> ``7801234567894`` (words, then 8, 12 or 13 digits: scanned even with a wrong check
    digit, so the cashier hears why); digits typed before a GTIN with a correct check digit (``12`` +
    ``7801234567894``) too. A code alone, a PLU or a SKU is not cut."""
    match = re.search(r"(\d{8,})$", text)
    if match is None or (match.group(1) == text and len(text) <= 13):
        return None  # a code alone: scanned as it is
    digits = match.group(1)
    if digits != text and barcodes.is_gtin_shaped(digits):
        return digits
    for n in (13, 12, 8):
        code = digits[-n:]
        if len(digits) > n and barcodes.check_digit(code[:-1]) == code[-1]:
            return code
    return None


def _clock(when: datetime) -> str:
    """``14:05``: when a sale was suspended, in Chile's time (what the list shows)."""
    return (when.astimezone(fiado_domain.CHILE) if when.tzinfo else when).strftime("%H:%M")
