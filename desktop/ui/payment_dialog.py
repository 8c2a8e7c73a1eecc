"""The payment dialog: total, tender modes, keypad, quick cash, mixed tenders and the change in very large type.

Bound to ``PaymentPresenter``; it renders ``PaymentView`` and forwards keys. After the sale is saved it shows
the change and [Nueva venta] (and the receipt problem with [Reimprimir] if the printer failed).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.customer import CustomerPresenter
from desktop.presenters.payment import BILLS, PaymentPresenter, PaymentView
from desktop.ui import binding, prompts
from desktop.ui.customer_dialog import CustomerDialog
from desktop.ui.style import set_flag
from desktop.ui.widgets import BACK, CLEAR, BigButton, Keypad, label, named, open_over_window, show_message
from shared.sale import TenderKind

MODES = ((TenderKind.CASH, "mode-cash"), (TenderKind.DEBIT, "mode-debit"), (TenderKind.CREDIT, "mode-credit"),
         (TenderKind.TRANSFER, "mode-transfer"))
Intent = Callable[[PaymentPresenter], object]
FIADO_REASONS = ("Cliente de confianza", "Paga a fin de mes", "Autorizado por el dueño")


def _mode(kind: TenderKind) -> Intent:
    return lambda p: p.set_mode(kind)


class PaymentDialog(QDialog):
    """Modal, non-blocking, over the whole window; ``finished`` tells the sale screen to show the next sale."""

    def __init__(self, parent: QWidget, presenter: PaymentPresenter) -> None:
        super().__init__(parent)
        self.setObjectName("payment-dialog")
        self.setWindowTitle("Cobrar")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.presenter = presenter
        self.total, self.change = label("", "pay-total"), label("", "change")
        self.due, self.rounding = label("", "due"), label("", "rounding", "hint")
        self.entry, self.tenders = label("", "entry"), label("", "tenders", "hint", wrap=True)
        self.message = label("", "payment-message", wrap=True)
        self.modes = QButtonGroup(self)
        self.pages = named(QStackedWidget(), "payment-pages")
        self.pages.addWidget(self._entry_page())
        self.pages.addWidget(self._done_page())
        top = QHBoxLayout()
        top.addWidget(self.total, 1)
        top.addWidget(self.change, 0, Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 14)
        outer.addLayout(top)
        outer.addWidget(self.pages, 1)
        self.auth = prompts.KeypadDialog("fiado-auth", "Fiado sobre el cupo", self, masked=True,
                                         reasons=FIADO_REASONS, ok="Autorizar")
        self.auth.submitted.connect(lambda pin: presenter.authorise_fiado(pin, self.auth.reason()))
        self.auth.cancelled.connect(presenter.cancel_fiado_pin)

    def _button(self, text: str, name: str, intent: Intent, role: str = "") -> BigButton:
        button = BigButton(text, name, role)
        button.clicked.connect(lambda: intent(self.presenter))
        return button

    def _entry_page(self) -> QWidget:
        info = QVBoxLayout()
        modes = QGridLayout()
        for i, (kind, name) in enumerate(MODES):
            button = self._button(kind.label, name, _mode(kind))
            button.setCheckable(True)
            self.modes.addButton(button)
            modes.addWidget(button, i // 2, i % 2)
        self.fiado = self._button("Fiado", "mode-fiado", _mode(TenderKind.FIADO))
        self.fiado.setCheckable(True)
        modes.addWidget(self.fiado, 2, 0, 1, 2)
        info.addLayout(modes)
        self.buyer = label("", "payment-buyer", "hint")
        info.addWidget(self.buyer)
        info.addWidget(self.due)
        info.addWidget(self.rounding)
        box = named(QFrame(), "entry-box")
        row = QHBoxLayout(box)
        row.setContentsMargins(12, 2, 6, 2)
        row.addWidget(label("Recibido", role="hint"))
        row.addWidget(self.entry, 1, Qt.AlignmentFlag.AlignRight)
        row.addWidget(self._button("Borrar", "key-clear", PaymentPresenter.clear), 0)
        info.addWidget(box)
        info.addWidget(self.tenders)
        documents = QHBoxLayout()
        documents.addWidget(label("Documento", role="hint"))
        self.doc_boleta = self._button("Boleta", "doc-boleta", PaymentPresenter.choose_boleta)
        self.doc_factura = BigButton("Factura", "doc-factura")
        self.doc_factura.clicked.connect(self._ask_factura)
        for button in (self.doc_boleta, self.doc_factura):
            button.setCheckable(True)
            documents.addWidget(button, 1)
        info.addLayout(documents)
        self.customer = label("", "factura-customer", "hint", wrap=True)
        info.addWidget(self.customer)
        info.addWidget(self.message)
        info.addStretch(1)
        keypad = Keypad(("000", "0", BACK))
        keypad.pressed.connect(self._key)
        quick = QVBoxLayout()
        quick.addWidget(label("Billetes", role="hint"))
        self.quick: list[tuple[BigButton, list[int]]] = []
        for _ in BILLS:  # never more amounts than bills
            amount = [0]
            button = BigButton("", "quick")
            button.clicked.connect(lambda _=False, a=amount: self.presenter.quick(a[0]))
            self.quick.append((button, amount))
            quick.addWidget(button)
        quick.addStretch(1)
        quick.addWidget(self._button("Exacto", "exact", PaymentPresenter.exact, "primary"))
        buttons = QHBoxLayout()
        for text, name, intent, role in (
                ("Cancelar", "payment-cancel", lambda _p: self.reject(), ""),
                ("Agregar pago", "add-partial", PaymentPresenter.add_partial, "primary"),
                ("Cobrar", "finish", PaymentPresenter.finish, "pay")):
            button = self._button(text, name, intent, role)
            button.setMinimumHeight(64)
            buttons.addWidget(button, 2 if role == "pay" else 1)
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.addLayout(info, 0, 0)
        grid.addWidget(keypad, 0, 1)
        grid.addLayout(quick, 0, 2)
        grid.addLayout(buttons, 1, 0, 1, 3)
        for column, stretch in enumerate((5, 4, 3)):
            grid.setColumnStretch(column, stretch)
        return page

    def _done_page(self) -> QWidget:
        self.done_message = label("", "done-message", "title", wrap=True)
        self.paid = label("", "paid", "hint")
        self.problem = label("", "receipt-problem", wrap=True)
        self.reprint = self._button("Reimprimir", "payment-reprint", PaymentPresenter.reprint)
        self.reprint.setMaximumWidth(320)
        new_sale = self._button("Nueva venta", "new-sale", lambda _p: self.accept(), "pay")
        new_sale.setMinimumHeight(96)
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 12, 0, 0)
        for widget in (self.done_message, self.paid, self.problem, self.reprint):
            box.addWidget(widget)
        box.addStretch(1)
        box.addWidget(new_sale)
        return page

    def start(self) -> None:
        """Draw the presenter's views from now on, and show over the whole window (without blocking)."""
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)

    def _ask_factura(self) -> None:
        """Factura: unless none can be issued now (the presenter says why), ask who the customer is."""
        if self.presenter.choose_factura().error:
            return
        dialog = CustomerDialog(self, CustomerPresenter(self.presenter.checkout.customers, self.presenter.customer))
        dialog.chosen.connect(self.presenter.set_customer)
        dialog.finished.connect(lambda _code: self.show_view(self.presenter.view))
        dialog.start()

    def _key(self, key: str) -> None:
        if key == BACK:
            self.presenter.backspace()
        elif key == CLEAR:
            self.presenter.clear()
        else:
            self.presenter.key(key)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A keyboard works too: digits, Backspace, Enter to charge (after the sale, Enter = Nueva venta)."""
        done = self.presenter.view.done
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if done:
                self.accept()
            else:
                self.presenter.finish()
        elif event.text().isdigit() and not done:
            self._key(event.text())
        elif event.key() == Qt.Key.Key_Backspace and not done:
            self._key(BACK)
        else:
            super().keyPressEvent(event)

    def _offer(self, quick: tuple[tuple[str, int], ...]) -> None:
        """The quick cash buttons (``quick-<pesos>``) for what is due now; each touch adds its amount."""
        for i, (button, amount) in enumerate(self.quick):
            offered = i < len(quick)
            if offered:
                text, amount[0] = quick[i]
                button.setText(f"+{text}")
                button.setObjectName(f"quick-{amount[0]}")
            button.setVisible(offered)

    def show_view(self, view: PaymentView) -> None:
        self.total.setText(f"Total {view.total}")
        self._offer(view.quick)
        self.change.setText(f"Vuelto {view.change}" if view.change else f"Falta {view.missing}")
        self.change.setVisible(bool(view.change or view.missing))
        set_flag(self.change, "short", bool(view.missing))
        set_flag(self.change, "done", view.done)
        self.due.setText(f"Por pagar {view.due}")
        self.rounding.setText(view.rounding)
        self.entry.setText(view.entry or "$0")
        paid = " + ".join(f"{kind} {amount}" for kind, amount in view.tenders)
        self.tenders.setText(f"Pagos: {paid}" if paid else "")
        for button, (kind, _name) in zip(self.modes.buttons(), MODES, strict=True):
            button.setChecked(kind is view.mode)
        self.fiado.setText(view.fiado)
        self.fiado.setVisible(bool(view.fiado))
        self.fiado.setChecked(view.mode is TenderKind.FIADO)
        self.buyer.setText(f"Cliente: {view.buyer}" if view.buyer else "")
        self.buyer.setVisible(bool(view.buyer))
        self.doc_boleta.setChecked(not view.factura)
        self.doc_factura.setChecked(view.factura)
        self.customer.setText(f"Factura a {view.customer}" if view.factura else "")
        show_message(self.message, view.message, view.error)
        if view.auth_prompt and not self.auth.isVisible():
            self.auth.ask(view.auth_prompt)
        elif view.auth_prompt and view.error:
            self.auth.show_error(view.message)
        elif not view.auth_prompt and self.auth.isVisible():
            self.auth.dismiss()
        if view.done:
            self.pages.setCurrentIndex(1)
            self.done_message.setText(view.message if not view.receipt_problem else "Venta guardada.")
            self.paid.setText(f"Pagos: {paid}")
            show_message(self.problem, f"No se imprimió la boleta: {view.receipt_problem}"
                         if view.receipt_problem else "", bool(view.receipt_problem))
            self.reprint.setVisible(bool(view.receipt_problem))
