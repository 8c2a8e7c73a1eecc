"""The return screen (``return-dialog``), over the whole window: find the sale by scanning its receipt's timbre (a 2D
scanner types the PDF417's text into the search field), by typing a number, or by touching it in the recent sales;
then choose what comes back (all, or lines and quantities on the keypad, kg for weighed goods) and give it back with
a supervisor's PIN. Bound to ``ReturnPresenter``; ``finished`` tells the sale screen what happened.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.returns import CHOOSE, DONE, FIND, ReturnPresenter, ReturnView
from desktop.ui import binding, prompts
from desktop.ui.widgets import (
    BACK,
    CLEAR,
    BigButton,
    Keypad,
    apply_key,
    fill_table,
    label,
    named,
    open_over_window,
    show_message,
    touch_table,
)

STYLE = """
QTableWidget { background: white; border: 2px solid #cbd5e1; border-radius: 10px; font-size: 18px;
               selection-background-color: #bfdbfe; selection-color: #111827; outline: 0; }
QTableWidget::item { padding: 0 10px; }
QLabel#return-total { font-size: 30px; font-weight: 800; }
QLabel#return-refund { font-size: 19px; font-weight: 700; color: #15803d; }
"""
RECENT_HEADERS = ("Venta", "Fecha", "Documento", "Total")
LINE_HEADERS = ("Producto", "Vendido", "Ya devuelto", "Devolver", "Monto")





def _page(*, vertical_spacing: int) -> tuple[QWidget, QGridLayout]:
    """A page of the dialog and its grid (no margins, 16 px between columns)."""
    page = QWidget()
    grid = QGridLayout(page)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(16)
    grid.setVerticalSpacing(vertical_spacing)
    return page, grid


class ReturnDialog(QDialog):
    """Modal, non-blocking; ``message()`` is what the sale screen says after it closes."""

    def __init__(self, parent: QWidget, presenter: ReturnPresenter) -> None:
        super().__init__(parent)
        self.setObjectName("return-dialog")
        self.setWindowTitle("Devolución")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setStyleSheet(STYLE)
        self.presenter = presenter
        self.view = presenter.view
        self.pages = named(QStackedWidget(), "return-pages")
        self.buttons = named(QStackedWidget(), "return-buttons")
        self.pages.addWidget(self._find_page())
        self.pages.addWidget(self._choose_page())
        self.message = label("", "return-message", wrap=True)
        self.message.setMinimumHeight(26)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 10, 18, 12)
        outer.setSpacing(6)
        outer.addWidget(self.pages, 1)
        outer.addWidget(self.message)
        outer.addWidget(self.buttons)
        self.auth = prompts.KeypadDialog("auth", "Autorización de supervisor", self, masked=True,
                                         reasons=prompts.RETURN_REASONS, ok="Autorizar")
        self.auth.submitted.connect(lambda pin: presenter.authorise(pin, self.auth.reason()))
        self.auth.cancelled.connect(presenter.cancel_pin)

    # --- pages ------------------------------------------------------------------------------------------------
    def _find_page(self) -> QWidget:
        page, grid = _page(vertical_spacing=8)
        grid.addWidget(label("Devolución: busque la venta", role="title"), 0, 0, 1, 2)
        self.search = named(QLineEdit(), "return-search")
        self.search.setPlaceholderText("Escanee el timbre, o escriba N° de venta, folio o total")
        self.search.setMaxLength(20_000)
        self.search.returnPressed.connect(self._search)
        grid.addWidget(self.search, 1, 0)
        self.recent = touch_table("return-recent", RECENT_HEADERS, 2)
        self.recent.cellClicked.connect(lambda row, _c: self._picked(self.recent, row))
        grid.addWidget(label("Ventas recientes (toque una)", role="hint"), 2, 0)
        grid.addWidget(self.recent, 3, 0)
        keypad = Keypad((CLEAR, "0", BACK))
        keypad.pressed.connect(lambda key: apply_key(self.search, key))
        find = BigButton("Buscar", "return-find", "primary")
        find.clicked.connect(self._search)
        side = QVBoxLayout()
        side.addWidget(keypad)
        side.addWidget(find)
        side.addStretch(1)
        grid.addLayout(side, 1, 1, 3, 1)
        cancel = BigButton("Cancelar", "return-cancel")
        cancel.clicked.connect(self.reject)
        self._add_buttons((cancel, 0))
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        return page

    def _choose_page(self) -> QWidget:
        page, grid = _page(vertical_spacing=6)
        self.title = label("", "return-title", "title")
        self.detail = label("", "return-detail", "hint")
        grid.addWidget(self.title, 0, 0, 1, 2)
        grid.addWidget(self.detail, 1, 0, 1, 2)
        self.lines = touch_table("return-lines", LINE_HEADERS, 0)
        self.lines.cellClicked.connect(lambda row, _c: self._picked(self.lines, row))
        grid.addWidget(self.lines, 2, 0)
        totals = QHBoxLayout()
        self.total = label("", "return-total")
        self.refund = label("", "return-refund")
        totals.addWidget(self.total)
        totals.addStretch(1)
        totals.addWidget(self.refund)
        grid.addLayout(totals, 3, 0)

        side = QVBoxLayout()
        self.quantity = named(QLineEdit(), "return-quantity")
        self.quantity.setPlaceholderText("Cantidad")
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.quantity.returnPressed.connect(self._set_quantity)
        side.addWidget(self.quantity)
        keypad = Keypad((",", "0", BACK))
        keypad.pressed.connect(lambda key: apply_key(self.quantity, key))
        side.addWidget(keypad, 1)
        row = QHBoxLayout()
        for text, name, slot in (("Fijar", "return-set", self._set_quantity),
                                 ("Todo", "return-all", self.presenter.everything),
                                 ("Nada", "return-none", self.presenter.nothing)):
            button = BigButton(text, name, "primary" if name == "return-set" else "")
            button.clicked.connect(slot)
            row.addWidget(button)
        side.addLayout(row)
        grid.addLayout(side, 2, 1, 2, 1)

        back = BigButton("Otra venta", "return-back")
        back.clicked.connect(self.presenter.back)
        cancel = BigButton("Cancelar", "return-cancel-choose")
        cancel.clicked.connect(self.reject)
        self.ok = BigButton("Devolver", "return-ok", "pay")
        self.ok.setMinimumHeight(60)
        self.ok.clicked.connect(self.presenter.request)
        self._add_buttons((back, 2), (cancel, 2), (self.ok, 3))
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(2, 1)
        return page

    def _add_buttons(self, *buttons: tuple[QWidget, int]) -> None:
        """The bottom row of the page just built: ``(button, stretch)`` pairs, left to right."""
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        for button, stretch in buttons:
            row.addWidget(button, stretch)
        self.buttons.addWidget(bar)

    # --- intents ----------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Show over the whole window (without blocking) with the recent sales; the search takes the scanner."""
        binding.bind(self.presenter, self.show_view, initial=False)
        self.presenter.open()
        open_over_window(self)
        self.search.setFocus()

    def scanned(self, code: str) -> None:
        """A code from the serial scanner while this screen is open (a timbre, or a number)."""
        if self.view.stage == FIND:
            self.presenter.lookup(code)

    def _search(self) -> None:
        text = self.search.text()
        self.search.clear()
        self.presenter.lookup(text)

    def _picked(self, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0)
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        if table is self.recent:
            self.presenter.pick(str(key))
        else:
            self.presenter.select(int(key))
            self.quantity.clear()

    def _set_quantity(self) -> None:
        view = self.presenter.set_quantity(self.quantity.text())
        if view.error:
            self.quantity.selectAll()  # the next key replaces what was refused
        else:
            self.quantity.clear()

    # --- rendering --------------------------------------------------------------------------------------------
    def show_view(self, view: ReturnView) -> None:
        self.view = view
        if view.stage == DONE:
            if self.auth.isVisible():
                self.auth.dismiss()
            self.accept()
            return
        self.pages.setCurrentIndex(0 if view.stage == FIND else 1)
        self.buttons.setCurrentIndex(self.pages.currentIndex())
        show_message(self.message, view.message, view.error)
        if view.stage == FIND:
            fill_table(self.recent, [(r.number, r.time, r.document, r.total) for r in view.recent],
                  [r.sale_id for r in view.recent], (3,))
            self.search.setFocus()
        elif view.stage == CHOOSE:
            self.title.setText(view.title)
            self.detail.setText(view.detail)
            fill_table(self.lines, [(x.name, x.sold, x.returned, x.chosen, x.amount) for x in view.lines],
                  [x.line_id for x in view.lines], (1, 2, 3, 4))
            row = next((i for i, x in enumerate(view.lines) if x.line_id == view.selected), None)
            if row is not None:
                self.lines.selectRow(row)
                line = view.lines[row]
                self.quantity.setPlaceholderText(f"Quedan {line.left}")
            self.total.setText(f"A devolver {view.total}")
            self.refund.setText(view.refund)
            self.ok.setEnabled(view.can_return)
            self.quantity.setFocus()
        if view.asking_pin and not self.auth.isVisible():
            self.auth.ask(view.what)
        elif view.asking_pin and view.error:
            self.auth.show_error(view.message)
        elif not view.asking_pin and self.auth.isVisible():
            self.auth.dismiss()
