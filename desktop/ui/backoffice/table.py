"""A read-only touch table for the back office's lists: tall rows, whole-row selection, finger scrolling, and
rows flagged in colour (below minimum, negative, crossed)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QScroller, QTableWidget, QTableWidgetItem

from desktop.ui.widgets import named

FLAG_COLOURS = {"negative": "#fee2e2", "low": "#fef3c7", "crossed": "#fef3c7", "in": "#f0fdf4"}
"""Row backgrounds by flag: red for negative stock, amber for below minimum or a crossed edit."""
KEY_ROLE = Qt.ItemDataRole.UserRole
ROW_HEIGHT = 54
"""Two lines of 17 px text (a product's name over its warehouse), and a fingertip high."""


class TouchTable(QTableWidget):
    """``columns``: (header, right-aligned); ``stretch`` the column that takes the spare width."""

    def __init__(self, name: str, columns: Sequence[tuple[str, bool]], stretch: int = 0) -> None:
        super().__init__(0, len(columns))
        named(self, name)
        self.right = tuple(r for _h, r in columns)
        self.setHorizontalHeaderLabels([h for h, _r in columns])
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        for i, right in enumerate(self.right):
            item = self.horizontalHeaderItem(i)
            if item is not None and right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)

    def set_rows(self, rows: Sequence[tuple[str, Sequence[str], str]]) -> None:
        """Show ``rows`` of (key, cells, flag); the key comes back from ``key_at``."""
        self.setRowCount(len(rows))
        for r, (key, cells, flag) in enumerate(rows):
            colour = FLAG_COLOURS.get(flag)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(KEY_ROLE, key)
                item.setToolTip(text)
                if self.right[c]:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if colour:
                    item.setBackground(QBrush(QColor(colour)))
                self.setItem(r, c, item)
        self.scrollToTop()

    def key_at(self, row: int) -> str:
        item = self.item(row, 0)
        return str(item.data(KEY_ROLE)) if item is not None else ""
