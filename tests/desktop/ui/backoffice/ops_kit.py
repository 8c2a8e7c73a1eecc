"""What the Qt tests of the back office's operation pages share: reaching a section as the administradora (or
Marta, supervisor), reading a table, and checking that everything on the page fits the 1024×600 window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QTableWidget, QWidget

PINS = {"rosa": "0000", "marta": "9999"}


def open_section(ui: Any, key: str, user: str = "rosa") -> QWidget:
    """``user`` signs in (the back office opens) and touches section ``key``: its page."""
    ui.sign_in(user, PINS[user])
    ui.click(f"section-{key}", ui.find(QWidget, "back-office"))
    return ui.find(QWidget, f"page-{key}")


def cells(ui: Any, name: str) -> list[list[str]]:
    table = ui.find(QTableWidget, name)
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def touch_row(ui: Any, name: str, row: int) -> None:
    table = ui.find(QTableWidget, name)
    rect = table.visualItemRect(table.item(row, 0))
    ui.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def fits(ui: Any, page: QWidget) -> None:
    """The window is 1024×600 and needs no more; every visible button and field of ``page`` is whole inside the
    window and a fingertip high; no visible table of it scrolls sideways (its columns fit, long text elided)."""
    QApplication.processEvents()
    window = ui.window
    assert (window.width(), window.height()) == (1024, 600)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600, hint.toTuple()
    screen = QRect(0, 0, 1024, 600)
    for kind in (QPushButton, QLineEdit):
        for widget in page.findChildren(kind):
            if not widget.isVisible():
                continue
            where = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
            assert screen.contains(where), (widget.objectName(), where.getRect())
            assert widget.height() >= 44, (widget.objectName(), widget.height())
    for table in page.findChildren(QTableWidget):
        if table.isVisible():
            sideways = table.horizontalScrollBar()
            assert not sideways.isVisible(), (table.objectName(), sideways.maximum())
