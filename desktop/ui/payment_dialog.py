"""The payment dialog: total, tender modes, keypad, quick cash, mixed tenders and the change in very large type.

Bound to ``PaymentPresenter``; it renders ``PaymentView`` and forwards keys. After the sale is saved it shows
the change and [Nueva venta] (and the receipt problem with [Reimprimir] if the printer failed).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.payment import PaymentPresenter, PaymentView
from desktop.ui import binding
from desktop.ui.widgets import BACK, CLEAR, BigButton, Keypad, label, show_message
from shared.sale import TenderKind

MODES = ((TenderKind.CASH, "mode-cash"), (TenderKind.DEBIT, "mode-debit"), (TenderKind.CREDIT, "mode-credit"),
         (TenderKind.TRANSFER, "mode-transfer"))


class PaymentDialog(QDialog):
    """Modal, non-blocking; ``finished`` tells the sale screen to show the next (empty) sale."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("payment-dialog")
        self.setWindowTitle("Cobrar")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.presenter: PaymentPresenter | None = None
        self.total, self.change = label("", "pay-total"), label("", "change")
        self.due, self.rounding = label("", "due"), label("", "rounding", "hint")
        self.entry, self.tenders = label("", "entry"), label("", "tenders", "hint", wrap=True)
        self.message = label("", "payment-message", wrap=True)
        self.entry.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.modes = QButtonGroup(self)
        self.pages = QStackedWidget(objectName="payment-pages")
        self.pages.addWidget(self._entry_page())
        self.pages.addWidget(self._done_page())
        top = QHBoxLayout()
        top.addWidget(self.total, 1)
        top.addWidget(self.change, 0, Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 14)
        outer.addLayout(top)
        outer.addWidget(self.pages, 1)

    def _entry_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        info = QVBoxLayout()
        modes = QGridLayout()
        for i, (kind, name) in enumerate(MODES):
            button = BigButton(kind.label, name)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, k=kind: self._call(lambda p: p.set_mode(k)))
            self.modes.addButton(button)
            modes.addWidget(button, i // 2, i % 2)
        info.addLayout(modes)
        for widget in (self.due, self.rounding, self.entry, self.tenders, self.message):
            info.addWidget(widget)
        info.addStretch(1)
        keypad = Keypad((CLEAR, "0", "000"), (BACK,))
        keypad.pressed.connect(self._key)
        quick = QVBoxLayout()
        for text, amount in PaymentView.quick:
            button = BigButton(text, f"quick-{amount}")
            button.clicked.connect(lambda _=False, a=amount: self._call(lambda p: p.quick(a)))
            quick.addWidget(button)
        exact = BigButton("Exacto", "exact", "primary")
        exact.clicked.connect(lambda: self._call(PaymentPresenter.exact))
        quick.addWidget(exact)
        grid.addLayout(info, 0, 0)
        grid.addWidget(keypad, 0, 1)
        grid.addLayout(quick, 0, 2)
        buttons = QHBoxLayout()
        for text, name, role, slot in (
                ("Cancelar", "payment-cancel", "", self.reject),
                ("Agregar pago", "add-partial", "primary", lambda: self._call(PaymentPresenter.add_partial)),
                ("Cobrar", "finish", "pay", lambda: self._call(PaymentPresenter.finish))):
            button = BigButton(text, name, role)
            button.setMinimumHeight(64)
            button.clicked.connect(slot)
            buttons.addWidget(button, 2 if role == "pay" else 1)
        grid.addLayout(buttons, 1, 0, 1, 3)
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 4)
        grid.setColumnStretch(2, 3)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        self.done_message = label("", "done-message", "title", wrap=True)
        self.problem = label("", "receipt-problem", wrap=True)
        self.reprint = BigButton("Reimprimir", "payment-reprint")
        self.reprint.clicked.connect(lambda: self._call(PaymentPresenter.reprint))
        new_sale = BigButton("Nueva venta", "new-sale", "pay")
        new_sale.setMinimumHeight(96)
        new_sale.clicked.connect(self.accept)
        box.addWidget(self.done_message)
        box.addWidget(self.problem)
        box.addWidget(self.reprint, 0, Qt.AlignmentFlag.AlignLeft)
        box.addStretch(1)
        box.addWidget(new_sale)
        return page

    def bind(self, presenter: PaymentPresenter) -> None:
        self.presenter = presenter
        binding.bind(presenter, self.render)

    def start(self) -> None:
        """Show over the whole window (without blocking)."""
        self.resize(self.parentWidget().window().size())
        self.open()

    def _call(self, intent: object) -> None:
        if self.presenter is not None and callable(intent):
            intent(self.presenter)

    def _key(self, key: str) -> None:
        if key == BACK:
            self._call(PaymentPresenter.backspace)
        elif key == CLEAR:
            self._call(PaymentPresenter.clear)
        else:
            self._call(lambda p: p.key(key))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A keyboard works too: digits, Backspace, Enter to charge (after the sale, Enter = Nueva venta)."""
        done = self.presenter is not None and self.presenter.view.done
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept() if done else self._call(PaymentPresenter.finish)
        elif event.text().isdigit() and not done:
            self._key(event.text())
        elif event.key() == Qt.Key.Key_Backspace and not done:
            self._key(BACK)
        else:
            super().keyPressEvent(event)

    def render(self, view: PaymentView) -> None:
        self.total.setText(f"Total {view.total}")
        self.change.setText(f"Vuelto {view.change}")
        self.due.setText(f"Por pagar {view.due}" if not view.done else "")
        self.rounding.setText(view.rounding)
        self.entry.setText(f"Recibido {view.entry}" if view.entry else "Recibido $0")
        paid = " + ".join(f"{kind} {amount}" for kind, amount in view.tenders)
        self.tenders.setText(f"Pagos: {paid}" if paid else "")
        for button, (kind, _name) in zip(self.modes.buttons(), MODES, strict=True):
            button.setChecked(kind is view.mode)
        show_message(self.message, view.message, view.error)
        if view.done:
            self.pages.setCurrentIndex(1)
            self.done_message.setText(view.message if not view.receipt_problem else "Venta guardada.")
            show_message(self.problem, f"No se imprimió la boleta: {view.receipt_problem}"
                         if view.receipt_problem else "", bool(view.receipt_problem))
            self.reprint.setVisible(bool(view.receipt_problem))
