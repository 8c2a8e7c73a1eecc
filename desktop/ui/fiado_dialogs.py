"""Dialogs of [Fiado…] on the sale screen: the menu, «Abono de fiado» (amount, tender, cash received → change),
«Reversar abono» (a payment, then a supervisor's PIN and the reason) and «Estado de cuenta» (a date range on
screen, then the thermal print). Each renders its presenter's view (``desktop.presenters.fiado``) and fits 1024×600.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters import fiado
from desktop.presenters.sale import SalePresenter
from desktop.ui import binding, prompts
from desktop.ui.customer_picker import CustomerPickerDialog
from desktop.ui.widgets import (
    BigButton,
    Keypad,
    fill_table,
    label,
    open_over_window,
    show_message,
    touch_table,
)
from shared.sale import TenderKind

MENU = (("abono", "Abono de fiado"), ("reverse", "Reversar abono  (supervisor)"),
        ("statement", "Estado de cuenta"))
REVERSE_REASONS = ("Error de digitación", "Pago no recibido", "Monto equivocado")
STYLE = """
QTableWidget { background: white; border: 2px solid #cbd5e1; border-radius: 10px; font-size: 17px;
               selection-background-color: #bfdbfe; selection-color: #111827; outline: 0; }
QTableWidget::item { padding: 0 8px; }
QLabel#abono-change { font-size: 40px; font-weight: 800; color: #15803d; }
QLabel#abono-after, QLabel#statement-closing { font-size: 21px; font-weight: 800; }
QPushButton[role="figure"] { font-size: 26px; font-weight: 800; text-align: right; padding-right: 16px; }
"""


def _frame(dialog: QDialog, name: str, title: str) -> QVBoxLayout:
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setModal(True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setStyleSheet(STYLE)
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(20, 10, 20, 12)
    outer.setSpacing(8)
    return outer





class FiadoMenu(QDialog):
    """[Fiado…]: big buttons for abono, reversal and statement; emits ``chosen`` with the key (:data:`MENU`)."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget, customer: str) -> None:
        super().__init__(parent)
        outer = _frame(self, "fiado-menu", "Fiado")
        outer.addWidget(label("Fiado", role="title"))
        outer.addWidget(label(f"Cliente: {customer}" if customer else "Luego elija el cliente", role="hint"))
        for key, text in MENU:
            button = BigButton(text, f"fiado-{key}")
            button.setMinimumWidth(460)
            button.clicked.connect(lambda _=False, k=key: self._choose(k))
            outer.addWidget(button)
        back = BigButton("Volver", "fiado-menu-cancel")
        back.clicked.connect(self.reject)
        outer.addWidget(back)

    def _choose(self, key: str) -> None:
        self.accept()
        self.chosen.emit(key)


class AbonoDialog(QDialog):
    """«Abono de fiado» over the whole window: tender, amount and (cash) what was received on the keypad."""

    def __init__(self, parent: QWidget, presenter: fiado.AbonoPresenter) -> None:
        super().__init__(parent)
        outer = _frame(self, "abono-dialog", "Abono de fiado")
        self.presenter = presenter
        self.title, self.balance = label("", "abono-title", "title"), label("", "abono-balance", "hint")
        outer.addWidget(self.title)
        outer.addWidget(self.balance)
        left = QVBoxLayout()
        left.setSpacing(8)
        kinds = QGridLayout()
        kinds.setSpacing(6)
        self.kinds = QButtonGroup(self)
        for i, kind in enumerate(fiado.PAY_KINDS):
            button = BigButton(kind.label, f"abono-{kind.value}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, k=kind: presenter.set_kind(k))
            self.kinds.addButton(button)
            kinds.addWidget(button, i // 2, i % 2)
        left.addLayout(kinds)
        self.amount = BigButton("", "abono-amount", "figure")
        self.received = BigButton("", "abono-received", "figure")
        for button, which in ((self.amount, "amount"), (self.received, "received")):
            button.setCheckable(True)
            button.setMinimumHeight(60)
            button.clicked.connect(lambda _=False, w=which: presenter.type_into(w))
            left.addWidget(button)
        whole = BigButton("Todo el saldo", "abono-whole")
        whole.clicked.connect(presenter.whole_balance)
        left.addWidget(whole)
        self.after, self.change = label("", "abono-after"), label("", "abono-change")
        left.addWidget(self.after)
        left.addWidget(self.change)
        left.addStretch(1)
        self.keypad = Keypad(("000", "0", "←"), compact=True)
        self.keypad.pressed.connect(presenter.key)
        body = QHBoxLayout()
        body.setSpacing(20)
        body.addLayout(left, 5)
        body.addWidget(self.keypad, 4)
        outer.addLayout(body, 1)
        self.message = label("", "abono-message", wrap=True)
        self.message.setMinimumHeight(26)
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        self.cancel = BigButton("Cancelar", "abono-cancel")
        self.cancel.clicked.connect(self.reject)
        self.ok = BigButton("Registrar abono", "abono-ok", "pay")
        self.ok.setMinimumHeight(60)
        self.ok.clicked.connect(presenter.pay)
        self.close_button = BigButton("Listo", "abono-done", "pay")
        self.close_button.setMinimumHeight(60)
        self.close_button.clicked.connect(self.accept)
        for button, stretch in ((self.cancel, 1), (self.ok, 2), (self.close_button, 2)):
            buttons.addWidget(button, stretch)
        outer.addLayout(buttons)

    def start(self) -> None:
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)

    def show_view(self, view: fiado.AbonoView) -> None:
        self.title.setText(f"Abono de fiado: {view.customer}")
        self.balance.setText(view.balance)
        for button, kind in zip(self.kinds.buttons(), fiado.PAY_KINDS, strict=True):
            button.setChecked(kind is view.kind)
            button.setEnabled(not view.done)
        cash = view.kind is TenderKind.CASH
        self.amount.setText(f"Abono  {view.amount or '$0'}")
        self.received.setText(f"Recibido  {view.received or '$0'}")
        self.amount.setChecked(view.typing == "amount")
        self.received.setChecked(view.typing == "received")
        self.received.setVisible(cash)
        self.after.setText(view.after)
        self.change.setText(f"Vuelto {view.change}" if view.change else "")
        self.keypad.setEnabled(not view.done)
        show_message(self.message, view.message, view.error)
        self.ok.setVisible(not view.done)
        self.cancel.setVisible(not view.done)
        self.close_button.setVisible(view.done)


class ReverseDialog(QDialog):
    """«Reversar abono»: the customer's payments (touch one), then a supervisor's PIN and the reason."""

    def __init__(self, parent: QWidget, presenter: fiado.ReversePresenter) -> None:
        super().__init__(parent)
        outer = _frame(self, "reverse-dialog", "Reversar abono")
        self.presenter = presenter
        self.title = label("", "reverse-title", "title")
        outer.addWidget(self.title)
        outer.addWidget(label("Toque el abono que se reversa (lo autoriza un supervisor)", role="hint"))
        self.table = touch_table("reverse-payments", ("Fecha", "Forma de pago", "Monto", "Estado"), 1, row_height=50)
        self.table.cellClicked.connect(self._picked)
        outer.addWidget(self.table, 1)
        self.message = label("", "reverse-message", wrap=True)
        self.message.setMinimumHeight(26)
        outer.addWidget(self.message)
        close = BigButton("Cerrar", "reverse-close")
        close.clicked.connect(self.accept)
        outer.addWidget(close)
        self.auth = prompts.KeypadDialog("reverse-auth", "Autorización de supervisor", self, masked=True,
                                         reasons=REVERSE_REASONS, ok="Reversar")
        self.auth.submitted.connect(lambda pin: presenter.authorise(pin, self.auth.reason()))
        self.auth.cancelled.connect(presenter.cancel_pin)

    def start(self) -> None:
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)

    def _picked(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.presenter.choose(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_view(self, view: fiado.ReverseView) -> None:
        self.title.setText(f"Reversar abono: {view.customer}")
        fill_table(self.table, [(p.when, p.how, p.amount, "Reversado" if p.reversed else "") for p in view.payments],
              [p.payment_id for p in view.payments], (2,))
        show_message(self.message, view.message, view.error)
        if view.asking_pin and not self.auth.isVisible():
            self.auth.ask(view.what)
        elif view.asking_pin and view.error:
            self.auth.show_error(view.message)
        elif not view.asking_pin and self.auth.isVisible():
            self.auth.dismiss()


class StatementDialog(QDialog):
    """«Estado de cuenta»: a preset range, its opening and closing balance and movements; [Imprimir] prints it."""

    def __init__(self, parent: QWidget, presenter: fiado.StatementPresenter) -> None:
        super().__init__(parent)
        outer = _frame(self, "statement-dialog", "Estado de cuenta")
        self.presenter = presenter
        self.title = label("", "statement-title", "title")
        outer.addWidget(self.title)
        ranges = QHBoxLayout()
        self.ranges = QButtonGroup(self)
        for key in fiado.RANGES:
            button = BigButton(fiado.RANGE_LABELS[key], f"statement-{key}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, k=key: presenter.choose(k))
            self.ranges.addButton(button)
            ranges.addWidget(button)
        self.custom = BigButton("Otras fechas…", "statement-custom")
        self.custom.setCheckable(True)
        self.custom.clicked.connect(self._ask_start)
        ranges.addWidget(self.custom)
        outer.addLayout(ranges)
        self.start_day = ""
        self.ask_start = prompts.KeypadDialog("statement-from", "Desde", self, keys=("-", "0", "←"),
                                              placeholder="dd-mm-aaaa")
        self.ask_start.submitted.connect(self._ask_end)
        self.ask_start.cancelled.connect(lambda: self.show_view(presenter.view))
        self.ask_end = prompts.KeypadDialog("statement-to", "Hasta", self, keys=("-", "0", "←"),
                                            placeholder="dd-mm-aaaa")
        self.ask_end.submitted.connect(self._between)
        self.ask_end.cancelled.connect(lambda: self.show_view(presenter.view))
        figures = QHBoxLayout()
        self.period, self.opening = label("", "statement-period", "hint"), label("", "statement-opening", "hint")
        self.closing = label("", "statement-closing")
        figures.addWidget(self.period)
        figures.addWidget(self.opening)
        figures.addStretch(1)
        figures.addWidget(self.closing)
        outer.addLayout(figures)
        self.table = touch_table("statement-lines", ("Fecha", "Documento", "Cargo", "Abono", "Saldo"), 1, row_height=50)
        outer.addWidget(self.table, 1)
        self.message = label("", "statement-message", wrap=True)
        self.message.setMinimumHeight(26)
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        close = BigButton("Cerrar", "statement-close")
        close.clicked.connect(self.accept)
        print_button = BigButton("Imprimir", "statement-print", "primary")
        print_button.clicked.connect(presenter.print)
        buttons.addWidget(close, 1)
        buttons.addWidget(print_button, 2)
        outer.addLayout(buttons)

    def start(self) -> None:
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)

    def _ask_start(self) -> None:
        """«Otras fechas…»: the first day, then the last, typed on the keypad."""
        self.custom.setChecked(self.presenter.view.range == fiado.CUSTOM)
        self.ask_start.ask("Primer día del estado de cuenta (dd-mm-aaaa)")

    def _ask_end(self, text: str) -> None:
        self.start_day = text
        self.ask_start.dismiss()
        self.ask_end.ask(f"Último día (desde el {text})")

    def _between(self, text: str) -> None:
        view = self.presenter.between(self.start_day, text)
        if view.error:
            self.ask_end.show_error(view.message)
        else:
            self.ask_end.dismiss()

    def show_view(self, view: fiado.StatementView) -> None:
        self.title.setText(f"Estado de cuenta: {view.customer}")
        for button, key in zip(self.ranges.buttons(), fiado.RANGES, strict=True):
            button.setChecked(key == view.range)
        self.custom.setChecked(view.range == fiado.CUSTOM)
        self.period.setText(view.period)
        self.opening.setText(f"· Saldo inicial {view.opening}" if view.opening else "")
        self.closing.setText(f"Saldo final {view.closing}" if view.closing else "")
        fill_table(self.table, list(view.lines), [str(i) for i in range(len(view.lines))], (2, 3, 4))
        self.table.scrollToBottom()
        show_message(self.message, view.message, view.error)


class FiadoActions(QObject):
    """What [Fiado…] does: the menu, then the customer (the sale's, or one picked for this), then the dialog.
    ``done(message)`` tells the sale screen what happened."""

    done = Signal(str)

    def __init__(self, parent: QWidget, sale: SalePresenter) -> None:
        super().__init__(parent)
        self.window = parent
        self.sale = sale

    def _context(self) -> tuple[fiado.FiadoDesk, str, str] | None:
        desk = self.sale.fiado
        checkout = self.sale.checkout
        if desk is None:
            self.sale.refresh("Esta caja no lleva fiado", True)
            return None
        return desk, checkout.shift_id, checkout.cashier.user_id if checkout.cashier else ""

    def menu(self) -> None:
        menu = FiadoMenu(self.window, self.sale.view.customer)
        menu.chosen.connect(self._chosen)
        menu.open()

    def _chosen(self, key: str) -> None:
        context = self._context()
        if context is None:
            return
        desk, _shift, user = context
        customer_id = self.sale.checkout.customer_id
        if customer_id:
            self.open(key, customer_id)
            return
        title = {"abono": "Abono de fiado", "reverse": "Reversar abono", "statement": "Estado de cuenta"}[key]
        picker = CustomerPickerDialog(self.window, fiado.CustomerPickerPresenter(
            desk, user, title=f"{title}: elija el cliente"))
        picker.chosen.connect(lambda chosen: self.open(key, chosen))
        picker.start()

    def open(self, key: str, customer_id: str) -> None:
        """The dialog of ``key`` (``abono``, ``reverse``, ``statement``) for ``customer_id``."""
        context = self._context()
        if context is None:
            return
        desk, shift_id, user = context
        dialog: AbonoDialog | ReverseDialog | StatementDialog
        if key == "abono":
            abono = fiado.AbonoPresenter(desk, customer_id, shift_id=shift_id, cashier_id=user)
            dialog = AbonoDialog(self.window, abono)
            dialog.finished.connect(lambda _c: self._closed(abono.view.message if abono.view.done else ""))
        elif key == "reverse":
            reverse = fiado.ReversePresenter(desk, customer_id, shift_id=shift_id, cashier_id=user)
            dialog = ReverseDialog(self.window, reverse)
            dialog.finished.connect(lambda _c: self._closed(reverse.view.message if reverse.view.done else ""))
        else:
            dialog = StatementDialog(self.window, fiado.StatementPresenter(desk, customer_id))
            dialog.finished.connect(lambda _c: self._closed(""))
        dialog.start()

    def _closed(self, message: str) -> None:
        self.sale.refresh(message)
        self.done.emit(message)
