"""The sale screen: scanning, live search, tiles, weighed products, errors and a supervisor's void."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QTabBar, QTableView, QWidget

from desktop.ui.cart_model import AMOUNT, NAME, QUANTITY

# The offscreen platform (only there) warns when a dialog's layout sets its window's minimum size.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def cart_rows(ui):
    model = ui.find(QTableView, "cart").model()
    return [tuple(model.index(r, c).data() for c in (NAME, QUANTITY, AMOUNT)) for r in range(model.rowCount())]


def weigh(ui, sku, kilos):
    ui.click(f"tile-{sku}")
    dialog = ui.dialog("weight-dialog")
    ui.keypad(kilos, dialog)
    ui.click("weight-ok", dialog)


def test_scan_a_barcode_adds_the_line_and_the_total(ui):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7801234567894")
    assert cart_rows(ui) == [("Leche Entera Colun 1 L", "x2", "$2.300")]
    assert ui.text("total") == "$2.300"
    assert ui.text("items") == "2 artículos"
    search = ui.find(QLineEdit, "search")
    assert search.text() == "" and search.hasFocus()
    assert ui.find(QPushButton, "pay").isEnabled()


def test_typed_search_shows_tiles_and_touching_one_adds_it(ui, qtbot):
    ui.start_selling()
    ui.type("search", "coca")
    qtbot.waitUntil(lambda: ui.window.findChild(QPushButton, "tile-BEB-05") is not None
                    and ui.window.findChild(QPushButton, "tile-LEC-1") is None)
    assert ui.find(QPushButton, "tile-BEB-15").isVisible()
    ui.click("tile-BEB-05")
    assert cart_rows(ui) == [("Coca-Cola Zero 591 ml", "x1", "$1.090")]
    assert ui.text("message") == "Coca-Cola Zero 591 ml agregado"
    # clearing the search brings the favourites back
    ui.find(QLineEdit, "search").clear()
    qtbot.waitUntil(lambda: ui.window.findChild(QPushButton, "tile-LEC-1") is not None)


def test_category_tabs_show_their_products(ui, qtbot):
    ui.start_selling()
    tabs = ui.find(QTabBar, "tabs")
    assert tabs.tabText(0) == "Favoritos"
    index = [tabs.tabText(i) for i in range(tabs.count())].index("Abarrotes")
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(index).center())
    assert ui.find(QPushButton, "tile-ACE-1").isVisible()  # not a favourite, but in its aisle
    assert tabs.currentIndex() == index


def test_weighed_product_by_typing_its_weight(ui):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7801234567894")
    weigh(ui, "PAN-1", "0,512")
    assert ui.closed("weight-dialog")
    assert cart_rows(ui)[-1] == ("Pan Batido", "0,512 kg", "$1.019")
    assert ui.text("total") == "$3.319"


def test_invalid_weight_keeps_the_dialog_open_with_the_error(ui):
    ui.start_selling()
    weigh(ui, "PAN-1", "0")
    dialog = ui.dialog("weight-dialog")
    assert "Cantidad no válida" in ui.text("weight-error", dialog)
    assert ui.find(QWidget, "weight-error", dialog).property("error") is True
    assert cart_rows(ui) == []
    ui.click("weight-cancel", dialog)
    assert ui.closed("weight-dialog")
    assert cart_rows(ui) == []


def test_a_bad_barcode_shows_a_red_message_and_leaves_the_cart(ui):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7801234567890")  # wrong check digit
    assert "Código inválido" in ui.text("message")
    assert ui.find(QWidget, "message").property("error") is True
    assert cart_rows(ui) == [("Leche Entera Colun 1 L", "x1", "$1.150")]
    assert ui.text("total") == "$1.150"


def test_quantity_keypad_changes_the_selected_line(ui):
    ui.start_selling()
    ui.scan("7802920000015")
    ui.click("action-quantity")
    dialog = ui.dialog("quantity-dialog")
    ui.keypad("3", dialog)
    ui.click("quantity-ok", dialog)
    assert cart_rows(ui) == [("Huevos Blancos 12 un", "x3", "$11.970")]


def test_void_a_line_with_the_supervisor_pin(ui, qtbot, terminal):
    terminal.checkout.void_needs_pin = True  # the store asks for a PIN (terminal.toml: void_needs_pin = true)
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7802920000015")
    cart = ui.find(QTableView, "cart")
    qtbot.mouseClick(cart.viewport(), Qt.MouseButton.LeftButton, pos=cart.visualRect(cart.model().index(0, 0)).center())
    ui.click("action-void")
    dialog = ui.dialog("auth-dialog")
    assert "Leche Entera Colun 1 L" in ui.text("auth-hint", dialog)
    pin = ui.find(QLineEdit, "auth-input", dialog)
    assert pin.echoMode() == QLineEdit.EchoMode.Password
    ui.click("reason-0", dialog)
    assert ui.find(QLineEdit, "reason-text", dialog).text() == "Error de digitación"

    ui.keypad("1111", dialog)
    ui.click("auth-ok", dialog)
    assert dialog.isVisible()
    assert "PIN incorrecto" in ui.text("auth-error", dialog)
    assert len(cart_rows(ui)) == 2

    pin.clear()
    ui.keypad("9999", dialog)
    ui.click("auth-ok", dialog)
    assert ui.closed("auth-dialog")
    assert cart_rows(ui) == [("Huevos Blancos 12 un", "x1", "$3.990")]
    assert ui.text("message") == "Línea anulada: Leche Entera Colun 1 L"


def test_screenshot_of_the_sale_screen(ui):
    ui.start_selling()
    for code in ("7801234567894", "7801234567894", "7801610001196", "7802920000015", "7801320000014"):
        ui.scan(code)
    weigh(ui, "PAN-1", "0,512")
    assert ui.window.size().width() == 1024 and ui.window.size().height() == 600
    path = ui.screenshot(ui.window, "sale_screen.png")
    assert path.stat().st_size > 10_000


def test_discount_within_the_limit_applies_and_above_it_asks_a_supervisor(ui):
    ui.start_selling()
    ui.scan("7802920000015")  # $3.990
    ui.click("action-discount")
    dialog = ui.dialog("discount-dialog")
    ui.keypad("390", dialog)
    ui.click("discount-ok", dialog)
    assert ui.closed("discount-dialog")
    assert ui.text("total") == "$3.600"

    ui.click("action-discount")
    dialog = ui.dialog("discount-dialog")
    ui.keypad("1000", dialog)
    ui.click("discount-ok", dialog)
    auth = ui.dialog("auth-dialog")
    assert "Descuento de $1.000" in ui.text("auth-hint", auth)
    assert ui.find(QPushButton, "reason-0", auth).text() == "Cliente frecuente"
    ui.keypad("9999", auth)
    ui.find(QLineEdit, "reason-text", auth).setText("Cliente frecuente")
    ui.click("auth-ok", auth)
    assert ui.closed("auth-dialog") and ui.closed("discount-dialog")
    assert ui.text("total") == "$2.990"
    assert ui.text("discount") == "Descuento -$1.000"
