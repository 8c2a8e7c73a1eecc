"""What the back office's operation pages share: a page frame (title, section buttons, a message line, the
on-screen keyboard on demand), a finger-sized table of rows, and text fields that fit 1024×600."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
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

from desktop.ui.style import INK
from desktop.ui.touch_keyboard import NUMERIC_HINTS, TouchKeyboard
from desktop.ui.widgets import BigButton, label, named, show_message

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
    """Show ``text`` in ``edit`` unless it already holds it (the cursor of a field being typed in stays put)."""
    if edit.text() != text:
        edit.blockSignals(True)
        edit.setText(text)
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
    """A page of the back office: its title and section buttons on one row (``<name>-section-<key>``), the
    sections' stack, a message line (``<name>-message``, red for a problem) and ``<name>-keyboard``, the on-screen
    keyboard shown by its ⌨ button in place of the section's lower half. Emits ``section`` with the key touched."""

    section = Signal(str)

    def __init__(self, name: str, title: str, sections: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.setObjectName(f"{name}-page")
        self.name = name
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.title = label(title, f"{name}-title", "title")
        top.addWidget(self.title)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, BigButton] = {}
        for key, text in sections:
            button = BigButton(text, f"{name}-section-{key}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, k=key: self.section.emit(k))
            self.group.addButton(button)
            self.buttons[key] = button
            top.addWidget(button)
        self.keys = BigButton("⌨", f"{name}-keyboard-toggle")
        self.keys.setCheckable(True)
        self.keys.setFixedWidth(64)
        self.keys.setToolTip("Mostrar u ocultar el teclado en pantalla")
        self.keys.toggled.connect(self._keyboard)
        top.addWidget(self.keys)
        outer.addLayout(top)
        self.stack = named(QStackedWidget(), f"{name}-sections")
        outer.addWidget(self.stack, 1)
        self.keyboard = named(TouchKeyboard(), f"{name}-keyboard")
        self.keyboard.setFixedHeight(250)
        self.keyboard.hide()
        outer.addWidget(self.keyboard)
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
        if key in self.buttons:
            self.buttons[key].setChecked(True)

    def show_message(self, text: str, error: bool) -> None:
        show_message(self.message, text, error)
        self.message.setVisible(bool(text))

    def _keyboard(self, on: bool) -> None:
        self.keyboard.setVisible(on)


def caption(text: str, name: str = "") -> QLabel:
    """A small grey caption over a field."""
    return label(text, name, "caption")
