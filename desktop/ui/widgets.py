"""Reusable touch widgets: big buttons, keypad, product tiles and their grid, category tabs."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QTabBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.sale import TileView
from desktop.ui.style import TOUCH_MIN, set_flag
from shared import es_cl

BACK, CLEAR = "←", "C"
KEY_NAMES = {BACK: "back", CLEAR: "clear", ",": "comma"}
W = TypeVar("W", bound=QWidget)
DIGIT_ROWS = ("7", "8", "9", "4", "5", "6", "1", "2", "3")


def money_font(px: int = 20, *, bold: bool = True) -> QFont:
    """The font for amounts: pixel-sized so it is as big on every screen, bold by default."""
    font = QFont()
    font.setPixelSize(px)
    font.setBold(bold)
    return font


def named(widget: W, name: str) -> W:
    """``widget`` with its objectName set (tests and the stylesheet find widgets by it)."""
    widget.setObjectName(name)
    return widget


def label(text: str = "", name: str = "", role: str = "", *, wrap: bool = False) -> QLabel:
    widget = QLabel(text)
    if name:
        widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    return widget


def open_over_window(dialog: QDialog) -> None:
    """Size ``dialog`` to its parent's window (when it has a parent) and open it: modal, without blocking."""
    parent = dialog.parentWidget()
    if parent is not None:
        dialog.resize(parent.window().size())
    dialog.open()


def show_message(widget: QLabel, text: str, error: bool) -> None:
    """Put an operator message in a label, red (``[error="true"]``) when it reports a problem."""
    widget.setText(text)
    set_flag(widget, "error", error)


def group_thousands(field: QLineEdit) -> QLineEdit:
    """Make ``field`` show a typed amount of pesos with es-CL thousands separators as it is typed (``20.000``);
    what it holds is still read by ``money.parse_clp``."""

    def regroup(text: str) -> None:
        if "," in text:
            return  # a decimal comma: a percentage or kilos, not pesos
        digits = "".join(c for c in text if c.isdigit())
        grouped = es_cl.number(int(digits)) if digits and len(digits) <= 12 else digits
        if grouped != text:
            field.blockSignals(True)
            field.setText(grouped)
            field.blockSignals(False)
            field.setCursorPosition(len(grouped))

    field.textChanged.connect(regroup)
    return field


class ScanField(QLineEdit):
    """The search/scan field (``search``). Enter emits ``submitted`` with the text and clears the field (a
    keyboard-wedge scanner types fast and ends with Enter); typed words emit ``searched`` after a pause, an
    emptied field at once; digits only wait for Enter, so a scan never searches half a barcode."""

    submitted = Signal(str)
    searched = Signal(str)

    def __init__(self, delay_ms: int = 250, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search")
        self.setPlaceholderText("Buscar o escanear…")
        self.timer = QTimer(self, singleShot=True, interval=delay_ms)
        self.timer.timeout.connect(lambda: self.searched.emit(self.text()))
        self.textChanged.connect(self._typed)
        self.returnPressed.connect(self._entered)

    def _typed(self, text: str) -> None:
        self.timer.stop()
        if not text.strip():
            self.searched.emit("")
        elif not text.strip().isdigit():
            self.timer.start()

    def _entered(self) -> None:
        self.timer.stop()
        text = self.text()
        self.clear_quietly()
        self.submitted.emit(text)

    def clear_quietly(self) -> None:
        """Empty the field without searching (results on screen stay until something else is chosen)."""
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)


class BigButton(QPushButton):
    """A finger-sized button that never takes the keyboard focus (the scanner's keystrokes stay in the field)."""

    def __init__(self, text: str, name: str = "", role: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(TOUCH_MIN)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        if name:
            self.setObjectName(name)
        if role:
            self.setProperty("role", role)


class Keypad(QWidget):
    """7-8-9 / 4-5-6 / 1-2-3 and a bottom row (e.g. ``C 0 ←`` or ``, 0 ←``); emits the key's text. ``compact``
    keys are a fingertip high (``TOUCH_MIN``), for a keypad in a dialog that must fit a 600 px high screen."""

    pressed = Signal(str)

    def __init__(self, bottom: tuple[str, ...] = (CLEAR, "0", BACK), extra: tuple[str, ...] = (),
                 parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("keypad")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6 if compact else 8)
        for i, key in enumerate((*DIGIT_ROWS, *bottom, *extra)):
            button = BigButton(key, f"key-{KEY_NAMES.get(key, key)}", "key")
            button.setMinimumSize(84, TOUCH_MIN if compact else TOUCH_MIN + 4)
            button.clicked.connect(lambda _=False, k=key: self.pressed.emit(k))
            grid.addWidget(button, i // 3, i % 3)


def apply_key(field: QLineEdit, key: str) -> None:
    """What a keypad key does to a text field: ← deletes, C clears, anything else is typed."""
    if key == BACK:
        field.backspace()
    elif key == CLEAR:
        field.clear()
    else:
        field.insert(key)


class ProductTile(QPushButton):
    """A product to touch: its name (wrapped) over its price; objectName ``tile-<sku>``."""

    def __init__(self, tile: TileView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sku = tile.sku
        self.setObjectName(f"tile-{tile.sku}")
        self.setProperty("role", "tile")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(f"{tile.name} {tile.price}")
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(2)
        name = label(tile.name, role="tile-name", wrap=True)
        name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        price = label(tile.price, role="tile-price")
        price.setProperty("weighed", tile.weighed)
        for part in (name, price):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            box.addWidget(part)
        box.setStretch(0, 1)


class TileGrid(QScrollArea):
    """Product tiles in as many columns as fit, scrolled by finger; emits the touched product's SKU."""

    chosen = Signal(str)

    def __init__(self, min_tile_width: int = 168, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.min_tile_width = min_tile_width
        self.tiles: tuple[TileView, ...] | None = None
        self.buttons: list[ProductTile] = []
        self.columns = 0
        self.set_tiles(())

    def set_tiles(self, tiles: tuple[TileView, ...]) -> None:
        if tiles == self.tiles:
            return
        self.tiles = tiles
        inner = QWidget()
        self.grid = QGridLayout(inner)
        self.grid.setContentsMargins(0, 0, 6, 0)
        self.grid.setSpacing(10)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.buttons = [ProductTile(t, inner) for t in tiles]
        for button in self.buttons:
            button.clicked.connect(lambda _=False, sku=button.sku: self.chosen.emit(sku))
        self.columns = 0
        self._flow()
        self.setWidget(inner)  # shows the new tiles at once; the previous ones are deleted

    def _flow(self) -> None:
        columns = max(2, (self.viewport().width() + 10) // (self.min_tile_width + 10))
        if columns == self.columns:
            return
        for button in self.buttons:
            self.grid.removeWidget(button)
        for c in range(max(columns, self.columns)):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        self.columns = columns
        for i, button in enumerate(self.buttons):
            self.grid.addWidget(button, i // columns, i % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._flow()


class CategoryBar(QWidget):
    """Category tabs (``tabs``) with big ◀ ▶ buttons to step through aisles; emits the touched tab's name."""

    touched = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = named(QTabBar(expanding=False, usesScrollButtons=True, drawBase=False), "tabs")
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)
        self.tabs.tabBarClicked.connect(lambda i: self.touched.emit(self.tabs.tabText(i)) if i >= 0 else None)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.tabs, 1)
        for text, name, step in (("◀", "tab-prev", -1), ("▶", "tab-next", 1)):
            button = BigButton(text, name)
            button.setFixedWidth(52)
            button.clicked.connect(lambda _=False, d=step: self._step(d))
            row.addWidget(button)

    def _step(self, delta: int) -> None:
        if self.tabs.count():
            self.touched.emit(self.tabs.tabText((self.tabs.currentIndex() + delta) % self.tabs.count()))

    def set_tabs(self, names: tuple[str, ...], current: str) -> None:
        if tuple(self.tabs.tabText(i) for i in range(self.tabs.count())) != names:
            while self.tabs.count():
                self.tabs.removeTab(0)
            for name in names:
                self.tabs.addTab(name)
        if current in names:
            self.tabs.setCurrentIndex(names.index(current))


def touch_table(name: str, headers: tuple[str, ...], stretch: int, *, row_height: int = 52) -> QTableWidget:
    """A read-only list for fingers (the till's dialogs): whole rows picked one at a time, ``row_height`` px rows
    that wrap their text, column ``stretch`` taking the spare width, scrolled by dragging."""
    table = named(QTableWidget(0, len(headers)), name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setShowGrid(False)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(row_height)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    QScroller.grabGesture(table.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    return table


def fill_table(table: QTableWidget, rows: list[tuple[str, ...]], keys: list[object], right: tuple[int, ...]) -> None:
    """Rows of text; ``keys`` (a sale, line or payment id) ride on each item; columns ``right`` are right-aligned."""
    table.setRowCount(len(rows))
    for r, (row, key) in enumerate(zip(rows, keys, strict=True)):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
