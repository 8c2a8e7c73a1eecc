"""What the back office's operation pages share: a page frame (section buttons, a message line), a finger-sized
table of rows, a product field that takes a scanner's codes and typed words, and text fields that fit 1024×600."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.backoffice.lines import MAX_RESULTS, Found
from desktop.terminal import Terminal
from desktop.ui.style import INK
from desktop.ui.touch_keyboard import NUMERIC_HINTS
from desktop.ui.widgets import BigButton, ScanField, label, named, show_message

ROW_HEIGHT = 48
"""A row of a list is touched to open it: a fingertip high."""
FIELD_STYLE = "QLineEdit { font-size: 19px; min-height: 44px; padding: 0 10px; }"
TABLE_STYLE = (f"QTableWidget {{ background: white; border: 2px solid #cbd5e1; border-radius: 10px; font-size: 16px;"
               f" color: {INK}; gridline-color: #e2e8f0; }}"
               "QTableWidget::item:selected { background: #bfdbfe; color: #111827; }")
WARN = QColor("#9a3412")


def field(name: str, placeholder: str = "", *, numeric: bool = False, width: int = 0) -> QLineEdit:
    """A text field of a form (``numeric``: the keyboard's number page, aligned right)."""
    edit = named(QLineEdit(), name)
    edit.setPlaceholderText(placeholder)
    edit.setStyleSheet(FIELD_STYLE)
    if numeric:
        edit.setInputMethodHints(NUMERIC_HINTS)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    if width:
        edit.setMaximumWidth(width)
    return edit


def set_text(edit: QLineEdit, text: str) -> None:
    """Show ``text`` in ``edit`` unless it already holds it (the cursor of a field being typed in stays put); a
    field not being typed in shows the text's start (a long razón social reads from its first word)."""
    if edit.text() != text:
        edit.blockSignals(True)
        edit.setText(text)
        if not edit.hasFocus():
            edit.setCursorPosition(0)
        edit.blockSignals(False)


class RowsTable(QTableWidget):
    """A read-only list whose rows are touched (``touched`` with the row); numbers in ``numeric`` columns are
    right-aligned, ``stretch`` columns take the spare width, ``warn`` rows are drawn in amber."""

    touched = Signal(int)

    def __init__(self, name: str, columns: Sequence[str], *, numeric: Sequence[int] = (),
                 stretch: Sequence[int] = (0,)) -> None:
        super().__init__(0, len(columns))
        self.setObjectName(name)
        self.numeric = set(numeric)
        self.setHorizontalHeaderLabels(list(columns))
        self.setStyleSheet(TABLE_STYLE)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scanner's keystrokes stay in the page's field
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.cellClicked.connect(lambda row, _column: self.touched.emit(row))

    def set_rows(self, rows: Sequence[Sequence[str]], warn: Sequence[int] = (), selected: int | None = None) -> None:
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if c in self.numeric:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r in warn:
                    item.setForeground(WARN)
                self.setItem(r, c, item)
        if selected is not None and 0 <= selected < len(rows):
            self.selectRow(selected)
        else:
            self.clearSelection()


class OpsPage(QWidget):
    """A page of the back office (``page-<name>``): its section buttons on one row (``<name>-section-<key>``,
    none for a page of one section), the sections' stack and a message line (``<name>-message``, red for a
    problem). Emits ``section`` with the key touched. The shell around it has the title and the keyboard."""

    section = Signal(str)

    def __init__(self, name: str, sections: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.setObjectName(f"page-{name}")
        self.name = name
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, BigButton] = {}
        if len(sections) > 1:
            top = QHBoxLayout()
            top.setSpacing(8)
            for key, text in sections:
                button = BigButton(text, f"{name}-section-{key}")
                button.setCheckable(True)
                button.clicked.connect(lambda _=False, k=key: self.section.emit(k))
                self.group.addButton(button)
                self.buttons[key] = button
                top.addWidget(button)
            outer.addLayout(top)
        self.stack = named(QStackedWidget(), f"{name}-sections")
        outer.addWidget(self.stack, 1)
        self.message = label("", f"{name}-message", wrap=True)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        outer.addWidget(self.message)

    def add_section(self, key: str, widget: QWidget) -> None:
        widget.setObjectName(f"{self.name}-{key}")
        self.stack.addWidget(widget)

    def show_section(self, key: str) -> None:
        widget = self.findChild(QWidget, f"{self.name}-{key}")
        if widget is not None and self.stack.currentWidget() is not widget:
            self.stack.setCurrentWidget(widget)
            self.focus_entry()
        if key in self.buttons:
            self.buttons[key].setChecked(True)

    def focus_entry(self) -> None:
        """Give the focus to the section's first product or search field: a keyboard-wedge scanner types there."""
        current = self.stack.currentWidget()
        for entry in current.findChildren(ScanField) if current is not None else ():
            if entry.isVisibleTo(self) and entry.isEnabled():
                entry.setFocus()
                return

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.focus_entry()

    def show_message(self, text: str, error: bool) -> None:
        show_message(self.message, text, error)
        self.message.setVisible(bool(text))


def caption(text: str, name: str = "") -> QLabel:
    """A small grey caption over a field."""
    return label(text, name, "caption")


class ProductField(QWidget):
    """The product field (``<name>-product``): a scanner's code (or a typed one, then Enter) emits ``scanned``,
    typed words emit ``searched`` after a pause and show up to four products to touch (``<name>-result-<n>``,
    emitting ``chosen`` with the SKU); a refusal shows in their place (``<name>-found-error``)."""

    scanned = Signal(str)
    searched = Signal(str)
    chosen = Signal(str)

    def __init__(self, name: str, placeholder: str = "Escanee o busque: nombre, SKU o código de barras") -> None:
        super().__init__()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        self.field = named(ScanField(), f"{name}-product")
        self.field.setPlaceholderText(placeholder)
        self.field.setStyleSheet(FIELD_STYLE)
        self.field.submitted.connect(self._submitted)
        self.field.searched.connect(self.searched.emit)
        box.addWidget(self.field)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.results: list[BigButton] = []
        for i in range(MAX_RESULTS):
            button = BigButton("", f"{name}-result-{i}")
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            button.setStyleSheet("font-size: 15px; text-align: left; padding-left: 8px;")
            button.clicked.connect(lambda _=False, n=i: self._pick(n))
            row.addWidget(button, 1)
            button.hide()
        self.error = label("", f"{name}-found-error", wrap=True)
        row.addWidget(self.error, 1)
        box.addLayout(row)
        self._skus: list[str] = []

    def _submitted(self, text: str) -> None:
        if text.strip():
            self.scanned.emit(text.strip())

    def _pick(self, n: int) -> None:
        if n < len(self._skus):
            self.field.clear_quietly()
            self.chosen.emit(self._skus[n])

    def show_found(self, found: Found) -> None:
        self._skus = [sku for sku, _text in found.results]
        for button, result in zip(self.results, (*found.results, *([None] * MAX_RESULTS)), strict=False):
            button.setVisible(result is not None)
            if result is not None:
                button.setText(result[1])
                button.setToolTip(result[1])
        show_message(self.error, found.error, bool(found.error))
        self.error.setVisible(bool(found.error))  # with nothing found nor refused the row takes no height


class Scanning(Protocol):
    """A presenter whose lines are filled by the product field: a scanned code, typed words, a touched result."""

    def scan(self, code: str) -> Any: ...
    def search(self, text: str) -> Any: ...
    def choose(self, sku: str) -> Any: ...


def product_field(name: str, presenter: Scanning) -> ProductField:
    """A :class:`ProductField` wired to ``presenter``'s ``scan``, ``search`` and ``choose``."""
    product = ProductField(name)
    product.scanned.connect(presenter.scan)
    product.searched.connect(presenter.search)
    product.chosen.connect(presenter.choose)
    return product


class LineSheet(QHBoxLayout):
    """A table of lines (``table``: touching a row calls ``on_select``) with, beside it, the chosen line's
    quantity under ``caption_text`` (``quantity``: each edit calls ``on_quantity``); ``side`` takes a page's own
    buttons under the quantity. Counts, transfers sent and transfers received are such sheets."""

    def __init__(self, table: RowsTable, caption_text: str, quantity: QLineEdit, on_select: Callable[[int], Any],
                 on_quantity: Callable[[str], Any]) -> None:
        super().__init__()
        self.table = table
        self.quantity = quantity
        table.touched.connect(on_select)
        quantity.textEdited.connect(on_quantity)
        self.addWidget(table, 1)
        self.side = QVBoxLayout()
        self.side.addWidget(caption(caption_text))
        self.side.addWidget(quantity)
        self.addLayout(self.side)

    def finish(self) -> None:
        """End the side column: what the page added stays at the top."""
        self.side.addStretch(1)


def names_of(terminal: Terminal) -> Callable[[str], str]:
    """The name people read for a user id of ``terminal`` ("marta" → "Marta Rojas"; an unknown id as it is)."""
    names = {u.user_id: u.name for u in terminal.auth.users()}
    return lambda user_id: names.get(user_id, user_id)
