"""The Toma de inventario page by touch at 1024×600: a blind sheet opened for the bodega, filled by scanning and
typing, posted with a reason; what it expected and adjusted shown only then."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from tests.desktop.ui.backoffice.ops_kit import cells, fits, open_section

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_a_blind_count_by_touch(ui, terminal):
    page = open_section(ui, "counts")
    ui.click("counts-warehouse-0", page)
    ui.screenshot(ui.window, "backoffice_counts_new.png")
    ui.click("counts-start", page)
    assert ui.text("counts-title", page).startswith("Sala de ventas · todas las categorías · abierta el")
    for code in ("7801234567894", "7801234567894", "7801234567894", "7802920000015"):
        ui.type("counts-product", code, enter=True)
    assert cells(ui, "counts-sheet") == [["HUE-12 · Huevos Blancos 12 un", "1"],
                                         ["LEC-1 · Leche Entera Colun 1 L", "3"]]  # blind: nothing expected shown
    quantity = ui.find(QLineEdit, "counts-quantity", page)
    quantity.selectAll()
    ui.qtbot.keyClicks(quantity, "1,5")
    assert "entero" in ui.text("counts-message", page) or "decimales" in ui.text("counts-message", page)
    quantity.selectAll()
    ui.qtbot.keyClicks(quantity, "20")
    assert cells(ui, "counts-sheet")[0] == ["HUE-12 · Huevos Blancos 12 un", "20"]
    reason = ui.find(QComboBox, "counts-reason", page)
    ui.qtbot.keyClicks(reason.lineEdit(), "Toma mensual")
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_counts_sheet.png")
    ui.click("counts-post", page)
    assert ui.text("counts-message", page) == "Toma publicada: 2 productos, 2 con ajuste"
    assert cells(ui, "counts-result") == [["HUE-12 · Huevos Blancos 12 un", "25", "20", "-5"],
                                          ["LEC-1 · Leche Entera Colun 1 L", "25", "3", "-22"]]
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_counts_posted.png")
