"""«Nuevo producto» on a real till at 1024×600: a code scanned in Productos that the catalog lacks opens the dialog
with it, the serial scanner adds another, a bad price keeps what was typed, and the product created is listed as
«Local (pendiente de HQ)» and sold at once; a supervisor has no «+ Nuevo»."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget

from desktop.drivers.fakes import FakeScanner
from desktop.journal import local_products_projection, read_models
from tests.desktop.ui.backoffice.kit import cells, enter_back_office

pytestmark = [pytest.mark.gui,  # the category's completer pops up: offscreen cannot raise it nor grab the keys
              pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise|grabbing)")]

NEW_CODE, SECOND_CODE = "7800000000023", "7800000000030"


@pytest.fixture
def reader():
    return FakeScanner()


def test_a_scanned_unknown_code_becomes_a_local_product(ui, terminal, reader):
    enter_back_office(ui)
    ui.scan_into("products-search", NEW_CODE)
    assert "Ningún producto coincide" in ui.text("products-message")
    ui.click("products-new")
    dialog = ui.dialog("new-product-dialog")
    assert "7800000000023" in ui.text("new-product-codes", dialog)
    name = ui.find(QLineEdit, "new-product-name", dialog)
    ui.qtbot.waitUntil(lambda: QApplication.focusWidget() is name, timeout=2000)  # the code came: on to the name
    reader.emit(SECOND_CODE)  # the serial scanner: a second code of the product
    assert ui.text("new-product-codes", dialog) == f"Códigos: {NEW_CODE}, {SECOND_CODE}"
    reader.emit("7801234567894")  # Leche's: refused, named
    assert "ya es del producto «Leche Entera Colun 1 L» (LEC-1)" in ui.text("new-product-message", dialog)
    ui.type("new-product-name", "Empanada de Pino")
    ui.type("new-product-price", "2500,5")
    ui.find(QLineEdit, "new-product-category", dialog).insert("Panadería")  # keyClicks types ASCII only
    ui.click("new-product-ok", dialog)
    assert "Precio no válido" in ui.text("new-product-message", dialog)
    assert ui.find(QLineEdit, "new-product-name", dialog).text() == "Empanada de Pino"  # nothing typed is lost
    price = ui.find(QLineEdit, "new-product-price", dialog)
    price.clear()
    ui.type("new-product-price", "2500")
    assert price.text() == "2.500"
    hint = ui.window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600
    assert (dialog.width(), dialog.height()) == (1024, 600)
    path = ui.screenshot(dialog, "backoffice_new_product.png")
    assert path.stat().st_size > 10_000
    ui.click("new-product-ok", dialog)
    ui.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    product = read_models.by_barcode(terminal.journal.conn, SECOND_CODE)
    assert product is not None and product.name == "Empanada de Pino" and product.price == 2500
    assert local_products_projection.local_skus(terminal.journal.conn, [product.sku]) == {product.sku}
    assert cells(ui, "products-table")[0][0] == "Empanada de Pino\nLocal (pendiente de HQ) · Panadería"
    assert ui.text("product-name") == "Empanada de Pino"
    assert "es local (pendiente de HQ) hasta que HQ lo adopte" in ui.text("product-reasons")
    assert "El precio lo fija HQ" not in ui.text("product-reasons")  # the store set it when creating it
    assert "Precio de la tienda: $2.500" in ui.text("product-details")
    ui.screenshot(ui.window, "backoffice_new_product_listed.png")


def test_the_serial_scanner_searches_again_once_the_dialog_is_closed(ui, reader):
    enter_back_office(ui)
    ui.click("products-new")
    dialog = ui.dialog("new-product-dialog")
    field = ui.find(QLineEdit, "new-product-barcodes", dialog)
    ui.qtbot.waitUntil(lambda: QApplication.focusWidget() is field, timeout=2000)
    ui.scan_into("new-product-barcodes", "7800000000024")  # a wrong check digit, by the keyboard wedge
    assert "dígito verificador" in ui.text("new-product-message", dialog)
    ui.click("new-product-cancel", dialog)
    reader.emit("7801234567894")
    assert ui.text("product-name") == "Leche Entera Colun 1 L"


def test_a_supervisor_has_no_new_product(ui):
    enter_back_office(ui, "marta", "9999")
    assert not any(b.isVisible() for b in ui.window.findChildren(QPushButton, "products-new"))
    assert ui.find(QWidget, "page-products").isVisible()
