"""Scanners on the operation pages: a keyboard-wedge scanner types into the product field that has the focus when
a page shows, and the serial scanner's codes reach the page on screen (a line more on the sheet)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop.drivers.fakes import FakeScanner
from tests.desktop.ui.backoffice.ops_kit import cells, open_section

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def reader():
    return FakeScanner()


def test_both_scanners_fill_a_transfer_sheet(ui, reader, qtbot):
    page = open_section(ui, "transfers")
    focused = QApplication.focusWidget()
    assert focused is ui.find(QLineEdit, "transfers-product", page)
    qtbot.keyClicks(focused, "7801234567894")  # keyboard wedge: into the focused field, then Enter
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    reader.emit("7801234567894")  # the serial scanner
    reader.emit("7801610001196")
    assert cells(ui, "transfers-sheet") == [["LEC-1 · Leche Entera Colun 1 L", "2", "un"],
                                            ["BEB-15 · Coca-Cola Original 1,5 L", "1", "un"]]


def test_the_serial_scanner_counts(ui, reader):
    page = open_section(ui, "counts")
    ui.click("counts-start", page)
    assert QApplication.focusWidget() is ui.find(QLineEdit, "counts-product", page)
    for _ in range(3):
        reader.emit("7802920000015")
    assert cells(ui, "counts-sheet") == [["HUE-12 · Huevos Blancos 12 un", "3"]]
