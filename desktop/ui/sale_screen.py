"""The sale screen (DESIGN.md §1): search/scan field, cart and total on the left, product tiles on the right,
the action bar below. It only renders ``SaleView`` and forwards touches and keystrokes to ``SalePresenter``."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from desktop.presenters.fiado import CustomerPickerPresenter
from desktop.presenters.payment import PaymentPresenter
from desktop.presenters.returns import DONE, ReturnPresenter
from desktop.presenters.sale import SalePresenter, SaleView
from desktop.services.returns import looks_like_timbre
from desktop.ui import cart_model, prompts
from desktop.ui.customer_picker import CustomerPickerDialog
from desktop.ui.fiado_dialogs import FiadoActions
from desktop.ui.payment_dialog import PaymentDialog
from desktop.ui.recall_menu import RecallMenu, SuspendPrompt
from desktop.ui.reprint_menu import ReprintMenu
from desktop.ui.return_dialog import ReturnDialog
from desktop.ui.scale_panel import WeighDialog
from desktop.ui.widgets import BigButton, CategoryBar, ScanField, TileGrid, label, named, show_message


class SaleScreen(QWidget):
    """One screen to sell; emits ``shift_menu_requested`` for [Turno…], ``back_office_requested`` for the back-office
    button (shown to who may open it, with the stock alerts for an administrador) and ``sold`` after a payment."""

    shift_menu_requested = Signal()
    back_office_requested = Signal()
    sold = Signal()

    def __init__(self, presenter: SalePresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sale-screen")
        self.presenter = presenter
        self.view = presenter.view
        self.search = ScanField()
        self.search.searched.connect(self._searched)
        self.search.submitted.connect(self._submitted)
        self.model = cart_model.CartModel()
        self.cart = cart_model.cart_view(self.model)
        self.cart.clicked.connect(lambda index: presenter.select(self.model.line_id(index.row())))
        self.total, self.items, self.discount = label("$0", "total"), label("", "items"), label("", "discount")
        self.message = label("", "message", wrap=True)
        self.categories = CategoryBar()
        self.categories.touched.connect(self._tab_touched)
        self.grid = TileGrid()
        self.grid.chosen.connect(self._chosen)
        self.weight = WeighDialog(self)
        self.weight.submitted.connect(presenter.enter_weight)
        self.weight.panel.accepted.connect(presenter.accept_weighed)
        self.weight.cancelled.connect(presenter.cancel_prompt)
        self.auth = prompts.KeypadDialog("auth", "Autorización de supervisor", self, masked=True,
                                         reasons=prompts.VOID_REASONS, ok="Autorizar")
        self.auth.submitted.connect(lambda pin: presenter.authorise(pin, self.auth.reason()))
        self.auth.cancelled.connect(presenter.cancel_prompt)
        self.quantity = prompts.KeypadDialog("quantity", "Cantidad", self, keys=prompts.DECIMAL,
                                             placeholder="Cantidad")
        self.quantity.submitted.connect(lambda text: self._settle(self.quantity, presenter.set_quantity(text)))
        self.amount = prompts.DiscountDialog(self, lambda whole: presenter.discount_target(whole_sale=whole))
        self.amount.submitted.connect(lambda text: self._settle(self.amount, presenter.discount(
            text, whole_sale=self.amount.whole_sale(), percent=self.amount.percent())))
        self.open_price = prompts.KeypadDialog("open-price", "Producto sin catálogo", self, amount=True,
                                               ok="Vender")
        self.open_price.submitted.connect(lambda text: self._settle(self.open_price, presenter.sell_open_price(text)))
        self.open_price.cancelled.connect(presenter.cancel_prompt)
        self.reprints = ReprintMenu(self)
        self.reprints.chosen.connect(presenter.reprint_document)
        self.reprints.cancelled.connect(presenter.close_reprint_menu)
        self.returning: ReturnDialog | None = None
        self.back_office = BigButton("", "sale-back-office")
        self.back_office.setMinimumWidth(220)  # and as wide as its text with the alert count
        self.back_office.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.back_office.clicked.connect(self.back_office_requested.emit)
        self.back_office.hide()
        self.customer_button = BigButton("Cliente", "sale-customer")
        self.customer_button.setFixedWidth(130)
        self.customer_button.clicked.connect(self.pick_customer)
        self.fiado_button = BigButton("Fiado…", "sale-fiado")
        self.fiado_button.setFixedWidth(120)
        self.fiado_actions = FiadoActions(self, presenter)
        self.fiado_button.clicked.connect(self.fiado_actions.menu)
        self.fiado_actions.done.connect(lambda _m: self.focus_search())
        self.suspend_button = BigButton("Suspender", "sale-suspend")
        self.suspend_button.setFixedWidth(180)  # «Recuperar (9)» whole
        self.suspend_button.clicked.connect(self._suspend_or_recall)
        self.recalls = RecallMenu(self)
        self.recalls.chosen.connect(presenter.recall)
        self.recalls.cancelled.connect(presenter.close_recall)
        self.picking: CustomerPickerDialog | None = None
        self.suspending: SuspendPrompt | None = None
        self.customer_name = label("", "sale-customer-name")
        self.customer_account = label("", "sale-customer-account", "hint")
        self.customer_remove = BigButton("Quitar", "sale-customer-remove")
        self.customer_remove.setFixedWidth(110)
        self.customer_remove.clicked.connect(presenter.detach)
        self._layout()

    def _layout(self) -> None:
        total_box = named(QFrame(), "total-box")
        box = QGridLayout(total_box)
        box.setContentsMargins(16, 6, 16, 6)
        box.addWidget(label("TOTAL", "total-caption"), 0, 0)
        box.addWidget(self.items, 1, 0)
        box.addWidget(self.discount, 2, 0)
        box.addWidget(self.total, 0, 1, 3, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.customer_strip = named(QFrame(), "customer-strip")
        strip = QHBoxLayout(self.customer_strip)
        strip.setContentsMargins(12, 0, 0, 0)
        strip.setSpacing(8)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.customer_name)
        names.addWidget(self.customer_account)
        strip.addLayout(names, 1)
        strip.addWidget(self.customer_remove)
        self.customer_strip.setStyleSheet(
            "QFrame#customer-strip { background: #dbeafe; border: 2px solid #93c5fd; border-radius: 10px; }"
            "QLabel#sale-customer-name { font-size: 19px; font-weight: 800; }"
            "QLabel#sale-customer-account { font-size: 16px; color: #1e3a8a; }")
        self.customer_strip.hide()
        for button in (self.customer_button, self.fiado_button):
            button.setVisible(self.presenter.fiado is not None)
        left = QVBoxLayout()
        left.addWidget(self.cart, 1)
        left.addWidget(self.customer_strip)
        left.addWidget(total_box)
        left.addWidget(self.message)
        right = QVBoxLayout()
        right.addWidget(self.categories)
        right.addWidget(self.grid, 1)
        middle = QHBoxLayout()
        middle.setSpacing(14)
        middle.addLayout(left, 9)
        middle.addLayout(right, 11)
        actions = QHBoxLayout()
        for text, name, slot in (
                ("Cantidad", "action-quantity", self._ask_quantity),
                ("Anular línea", "action-void", self.presenter.request_void),
                ("Descuento", "action-discount", self.amount.start),
                ("Devolución", "action-return", self.open_return),
                ("Reimprimir", "action-reprint", self.presenter.reprint),
                ("Turno…", "action-shift", self.shift_menu_requested.emit)):
            button = BigButton(text, name, "action")
            button.clicked.connect(slot)
            actions.addWidget(button, 2)
        self.pay = BigButton("COBRAR", "pay", "pay")
        self.pay.setMinimumHeight(64)
        self.pay.clicked.connect(self._pay)
        actions.addWidget(self.pay, 3)
        page = QVBoxLayout(self)
        page.setContentsMargins(12, 10, 12, 8)
        page.setSpacing(10)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        for button in (self.customer_button, self.fiado_button, self.suspend_button, self.back_office):
            top.addWidget(button)
        page.addLayout(top)
        page.addLayout(middle, 1)
        page.addLayout(actions)

    # --- forwarding ---------------------------------------------------------------------------------------
    def _searched(self, text: str) -> None:
        if looks_like_timbre(text):
            return  # a 2D scanner typing a receipt's timbre: it opens the return on Enter
        if text.strip() or self.view.results:  # an emptied field brings the tiles back
            self.presenter.search(text)

    def _submitted(self, text: str) -> None:
        """Enter in the search field: a receipt's timbre opens the return screen on its sale; anything else sells."""
        if looks_like_timbre(text):
            self.open_return(text)
        else:
            self.presenter.submit(text)

    def open_return(self, timbre: str = "") -> None:
        """The return screen (supervisor-authorised at the end), on the sale of ``timbre`` when one was scanned."""
        returns = self.presenter.returns
        if returns is None:
            self.presenter.refresh("Esta caja no hace devoluciones", True)
            return
        checkout = self.presenter.checkout
        presenter = ReturnPresenter(returns, cashier_id=checkout.cashier.user_id if checkout.cashier else "",
                                    shift_id=checkout.shift_id)
        self.returning = ReturnDialog(self, presenter)
        self.returning.finished.connect(lambda _code: self._returned(presenter))
        self.returning.start()
        if timbre:
            presenter.lookup(timbre)

    def _returned(self, presenter: ReturnPresenter) -> None:
        self.returning = None
        view = presenter.view
        self.presenter.refresh(view.message if view.stage == DONE else "", False)
        self.focus_search()

    def _chosen(self, sku: str) -> None:
        """A tile or search result touched: the words typed to find it go, so the next scan starts clean."""
        self.search.clear_quietly()
        self.presenter.choose(sku)

    def _tab_touched(self, name: str) -> None:
        if self.view.results:
            self.search.clear_quietly()
            self.presenter.search("")
        self.presenter.show_tab(name)

    def _ask_quantity(self) -> None:
        line = next((x for x in self.view.lines if x.line_id == self.view.selected), None)
        if line is None:
            self.presenter.set_quantity("")  # the presenter says to select a line first
            return
        self.quantity.ask(f"{line.name} (ahora {line.quantity})")

    def _settle(self, dialog: prompts.KeypadDialog, view: SaleView) -> None:
        if view.error:
            dialog.show_error(view.message)
        else:
            dialog.dismiss()
            self.focus_search()

    def pick_customer(self) -> None:
        """[Cliente]: the picker (search, new, edit; [Quitar] when the sale has one); the choice goes on the sale."""
        desk, checkout = self.presenter.fiado, self.presenter.checkout
        if desk is None:
            self.presenter.refresh("Esta caja no lleva clientes", True)
            return
        presenter = CustomerPickerPresenter(desk, checkout.cashier.user_id if checkout.cashier else "",
                                            current=checkout.customer_id or None)
        self.picking = CustomerPickerDialog(self, presenter)
        self.picking.chosen.connect(self.presenter.attach)
        self.picking.removed.connect(self.presenter.detach)
        self.picking.finished.connect(lambda _code: self._picked())
        self.picking.start()

    def _picked(self) -> None:
        """The picker or the suspend prompt closed: the search takes the scanner again."""
        self.picking = self.suspending = None
        self.focus_search()

    def _suspend_or_recall(self) -> None:
        """[Suspender] with products in the cart; [Recuperar (n)] with an empty cart and sales waiting."""
        if self.view.lines:
            self.suspending = SuspendPrompt(self)
            self.suspending.submitted.connect(self.presenter.suspend)
            self.suspending.finished.connect(lambda _code: self._picked())
            self.suspending.ask()
        else:
            self.presenter.open_recall()

    def _pay(self) -> None:
        presenter = PaymentPresenter(self.presenter.checkout)
        dialog = PaymentDialog(self, presenter)
        dialog.finished.connect(lambda _code: self._paid(presenter))
        dialog.start()

    def _paid(self, payment: PaymentPresenter) -> None:
        payment.close()
        done = payment.view.done
        if done:
            self.sold.emit()
        self.presenter.refresh(payment.view.message if done else "", bool(payment.view.receipt_problem))
        self.focus_search()

    # --- rendering ----------------------------------------------------------------------------------------
    def set_back_office(self, visible: bool, alerts: int) -> None:
        """The back-office button: hidden for a cashier; the number of stock ``alerts`` as its badge."""
        self.back_office.setText(f"Administración · ⚠ {alerts}" if alerts else "Administración")
        self.back_office.setToolTip(f"{alerts} alertas de stock" if alerts else "")
        self.back_office.setProperty("role", "alert" if alerts else "")
        self.back_office.style().unpolish(self.back_office)
        self.back_office.style().polish(self.back_office)
        self.back_office.setVisible(visible)

    def show_view(self, view: SaleView) -> None:
        self.view = view
        self.model.set_lines(view.lines)
        row = self.model.row_of(view.selected)
        if row is not None:
            self.cart.selectRow(row)
            self.cart.scrollTo(self.model.index(row, 0))
        self.total.setText(view.total)
        self.items.setText(view.items)
        self.discount.setText(f"Descuento {view.discount}" if view.discount else "")
        show_message(self.message, view.message, view.error)
        self.categories.set_tabs(view.tabs, view.tab)
        self.grid.set_tiles(view.results or view.tiles)
        self.pay.setEnabled(view.can_pay)
        weighing, auth = view.weight_prompt, view.auth_prompt
        if weighing is not None and not self.weight.isVisible():
            self.weight.attach(self.presenter.weighing)
        self._prompt(self.weight, view, f"{weighing.name} · {weighing.price}" if weighing else None)
        self._prompt(self.auth, view, auth.what if auth else None,
                     prompts.AUTH_REASONS.get(auth.action, ()) if auth else ())
        self._prompt(self.open_price, view, f"El código {view.open_price} no está en el catálogo. Escriba su "
                     "precio para venderlo (HQ verá el código para crear el producto), o Cancelar."
                     if view.open_price else None)
        self._show_customer(view)
        if view.recall_menu and not self.recalls.isVisible():
            self.recalls.ask(view.recall_menu)
        elif not view.recall_menu and self.recalls.isVisible():
            self.recalls.dismiss()
        if view.reprint_menu and not self.reprints.isVisible():
            self.reprints.ask(view.reprint_menu)
        elif not view.reprint_menu and self.reprints.isVisible():
            self.reprints.dismiss()
        self.focus_search()

    def _show_customer(self, view: SaleView) -> None:
        """The attached customer (name, account, [Quitar]) above the total; [Cliente] and [Suspender/Recuperar]."""
        self.customer_strip.setVisible(bool(view.customer))
        self.customer_name.setText(view.customer)
        self.customer_account.setText(view.customer_account)
        recall = not view.lines and view.suspended > 0
        self.suspend_button.setText(f"Recuperar ({view.suspended})" if recall else "Suspender")
        self.suspend_button.setEnabled(bool(view.lines) or recall)

    def _prompt(self, dialog: prompts.KeypadDialog, view: SaleView, hint: str | None,
                reasons: tuple[str, ...] = ()) -> None:
        """Open ``dialog`` while the presenter asks (``hint`` set), show its errors there, close it after."""
        if hint is not None and not dialog.isVisible():
            dialog.ask(hint, reasons=reasons)
        elif hint is not None and view.error:
            dialog.show_error(view.message)
        elif hint is None and dialog.isVisible():
            dialog.dismiss()

    def focus_search(self) -> None:
        """Give the keyboard (and so the scanner) back to the search field unless a dialog is asking."""
        dialogs = (self.weight, self.auth, self.quantity, self.amount, self.returning, self.reprints,
                   self.open_price, self.recalls, self.picking, self.suspending)
        if self.isVisible() and not any(d is not None and d.isVisible() for d in dialogs):
            self.search.setFocus()
