"""The Proveedores page by touch at 1024×600: the RUT checked as it is typed, a supplier saved and listed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tests.desktop.presenters.backoffice.kit import bought
from tests.desktop.ui.backoffice.ops_kit import cells, fits, open_section, touch_row

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_a_supplier_saved_with_its_rut_checked_as_typed(ui):
    page = open_section(ui, "suppliers")
    rut = ui.find(QLineEdit, "suppliers-rut", page)
    ui.qtbot.keyClicks(rut, "96.505.760-1")
    assert ui.text("suppliers-rut-check", page) == "Dígito verificador incorrecto: para 96505760 es 9"
    ui.qtbot.keyClick(rut, Qt.Key.Key_Backspace)
    ui.qtbot.keyClicks(rut, "9")
    assert ui.text("suppliers-rut-check", page) == "RUT 96.505.760-9 ✓"
    for name, text in (("suppliers-razon_social", "Agrosuper Comercializadora de Alimentos Ltda."),
                       ("suppliers-giro", "Venta al por mayor de carnes"), ("suppliers-contact", "Jorge Soto"),
                       ("suppliers-phone", "+56 9 8765 4321"), ("suppliers-email", "jorge@agrosuper.cl")):
        ui.qtbot.keyClicks(ui.find(QLineEdit, name, page), text)
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_suppliers_form.png")
    ui.click("suppliers-save", page)
    assert ui.text("suppliers-message", page).startswith("Proveedor guardado: Agrosuper")
    assert cells(ui, "suppliers-list") == [["96.505.760-9", "Agrosuper Comercializadora de Alimentos Ltda.\n"
                                                            "Venta al por mayor de carnes"]]
    fits(ui, page)  # the list with a long razón social and giro: elided, no sideways scroll bar
    ui.screenshot(ui.window, "backoffice_suppliers_list.png")
    ui.click("suppliers-section-documents", page)
    assert ui.text("suppliers-documents-title", page).startswith("Agrosuper Comercializadora de Alimentos Ltda. ·")


def test_a_suppliers_documents_and_what_was_bought(ui, terminal):
    bought(terminal, ("LEC-1", "24", 790), ("HUE-12", "10", 2650), folio=88)  # Distribuidora Andes, 76.123.456-0
    page = open_section(ui, "suppliers")
    ui.type("suppliers-search", "ANDES", enter=True)  # Enter searches at once (no search left pending)
    assert [row[1].split("\n")[0] for row in cells(ui, "suppliers-list")] == ["Distribuidora Andes Ltda."]
    touch_row(ui, "suppliers-list", 0)
    assert ui.find(QLineEdit, "suppliers-razon_social", page).text() == "Distribuidora Andes Ltda."
    ui.click("suppliers-section-documents", page)
    assert ui.text("suppliers-documents-title", page) == "Distribuidora Andes Ltda. · 1 compra · 0 devoluciones"
    assert [row[1:] for row in cells(ui, "suppliers-documents")] == [["Factura N° 88", "$54.097", "Rosa Díaz"]]
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_suppliers_documents.png")
    ui.click("suppliers-section-items", page)
    assert [row[:3] for row in cells(ui, "suppliers-items")] == [
        ["HUE-12 · Huevos Blancos 12 un", "10", "$2.650"], ["LEC-1 · Leche Entera Colun 1 L", "24", "$790"]]
    ui.screenshot(ui.window, "backoffice_suppliers_items.png")
