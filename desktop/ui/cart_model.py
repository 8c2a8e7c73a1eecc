"""The cart as a Qt table model over the presenter's ``LineView`` rows (already formatted for people)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QScroller, QTableView

from desktop.presenters.sale import LineView
from desktop.ui.widgets import money_font, named

HEADERS = ("Producto", "Cant.", "Precio", "Total")
NAME, QUANTITY, PRICE, AMOUNT = range(4)
LINE_ID_ROLE = Qt.ItemDataRole.UserRole

Index = QModelIndex | QPersistentModelIndex


class CartModel(QAbstractTableModel):
    """One row per sale line: name (with its discount), quantity or kg, unit price, line total."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: tuple[LineView, ...] = ()

    def set_lines(self, lines: tuple[LineView, ...]) -> None:
        if lines == self.lines:
            return
        if [x.line_id for x in lines] == [x.line_id for x in self.lines]:
            self.lines = lines
            self.dataChanged.emit(self.index(0, 0), self.index(len(lines) - 1, len(HEADERS) - 1))
            return
        self.beginResetModel()
        self.lines = lines
        self.endResetModel()

    def line_id(self, row: int) -> int:
        return self.lines[row].line_id

    def row_of(self, line_id: int | None) -> int | None:
        return next((i for i, x in enumerate(self.lines) if x.line_id == line_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.lines):
            return None
        line, column = self.lines[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return f"{line.name}  ·  {line.discount}" if line.discount else line.name
            return (line.name, line.quantity, line.unit_price, line.amount)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{line.name} {line.quantity} {line.unit_price} = {line.amount} {line.discount}".strip()
        if role == Qt.ItemDataRole.TextAlignmentRole and column != NAME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == AMOUNT:
            return money_font(19)
        if role == Qt.ItemDataRole.FontRole and column in (QUANTITY, PRICE):
            return money_font(16, bold=False)
        if role == LINE_ID_ROLE:
            return line.line_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and orientation == Qt.Orientation.Horizontal:
            return int((Qt.AlignmentFlag.AlignLeft if section == NAME else Qt.AlignmentFlag.AlignRight)
                       | Qt.AlignmentFlag.AlignVCenter)
        return None


def cart_view(model: CartModel) -> QTableView:
    """The touch cart (objectName ``cart``): whole rows, tall, wrapped names, never takes the keyboard focus."""
    cart = named(QTableView(), "cart")
    cart.setModel(model)
    cart.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    cart.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    cart.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    cart.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    cart.setShowGrid(False)
    cart.setWordWrap(True)
    cart.setTextElideMode(Qt.TextElideMode.ElideRight)
    cart.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    cart.verticalHeader().hide()
    cart.verticalHeader().setDefaultSectionSize(58)
    header = cart.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
    QScroller.grabGesture(cart.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    return cart
