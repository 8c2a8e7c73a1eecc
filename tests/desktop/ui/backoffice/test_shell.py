"""The back office's screen: who enters it from the sign-in (administrador, supervisor read-only, a cashier goes
on to the shift), going to the till and back, the alert badge, the scanner in its search fields, screenshots."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget

from desktop.drivers.fakes import FakeScanner
from desktop.journal import inventory_queries as queries
from shared import money
from shared.events import catalog as catalog_events
from shared.events import inventory as inv
from tests.desktop.ui.backoffice.kit import cells, enter_back_office, stock_story

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def reader():
    return FakeScanner()


def test_an_administrator_enters_the_back_office_without_a_shift(ui, terminal):
    screen = enter_back_office(ui)
    assert terminal.shifts.current(None) is None
    assert ui.text("status-cashier") == "Usuario: Rosa Díaz"
    assert ui.text("back-office-who", screen) == "Rosa Díaz · Administrador"
    assert not ui.text("back-office-notice", screen)
    titles = [ui.find(QPushButton, f"section-{key}", screen).text() for key in (
        "products", "stock", "kardex", "transfers", "counts", "mermas", "suppliers", "purchases")]
    assert titles == ["Productos", "Stock", "Kardex", "Transferencias", "Toma de inventario", "Mermas",
                      "Proveedores", "Compras"]
    stock_story(terminal)
    ui.click("section-stock", screen)
    rows = {row[0].split("\n")[0]: row for row in cells(ui, "stock-table")}
    leche = rows["Leche Entera Colun 1 L"]
    assert leche[0] == "Leche Entera Colun 1 L\n⚠ Bajo el mínimo · Sala de ventas"
    assert leche[1:3] == ["37", "40"]
    [row] = queries.stock_list(terminal.journal.conn, "LEC-1")
    assert leche[3] == f"{money.format_clp(row.value)}\n{money.format_clp(row.unit_cost or 0)} c/u"
    total = queries.stock_value(terminal.journal.conn)
    assert ui.text("stock-summary", screen).startswith(f"Valor al costo: {money.format_clp(total)} · Mostrando")
    assert rows["Aceite Vegetal Chef 1 L"][0].endswith("⚠ Negativo · Sala de ventas")


def test_a_supervisor_reads_only_and_a_cashier_goes_to_the_shift(ui):
    screen = enter_back_office(ui, "marta", "9999")
    assert "Solo lectura" in ui.text("back-office-notice", screen)
    ui.click("back-office-leave", screen)
    ui.sign_in("ana", "1234")
    assert ui.find(QWidget, "open-shift-screen").isVisible()


def test_to_the_till_and_back_with_the_alert_badge(ui, terminal):
    terminal.journal.append(catalog_events.StockAdjusted("ACE-1", Decimal(-30), "merma"))
    screen = enter_back_office(ui)
    assert ui.find(QPushButton, "back-office-alerts", screen).text() == "⚠ 1 alerta de stock"
    ui.click("back-office-till", screen)
    ui.keypad("20000", ui.find(QWidget, "open-shift-screen"))
    ui.click("open-shift")
    badge = ui.find(QPushButton, "sale-back-office")
    assert badge.text() == "Administración · ⚠ 1"
    ui.click("sale-back-office")
    assert ui.window.screens.currentWidget() is screen
    ui.click("back-office-alerts", screen)
    assert [row[0] for row in cells(ui, "stock-table")] == ["Aceite Vegetal Chef 1 L\n⚠ Negativo · Sala de ventas"]


def _chip_background(chip: QPushButton) -> tuple[int, int, int]:
    color = chip.grab().toImage().pixelColor(6, chip.height() // 2)
    return color.red(), color.green(), color.blue()


def test_the_alert_chip_is_calm_without_alerts_and_amber_with_them(ui, terminal):
    screen = enter_back_office(ui)
    chip = ui.find(QPushButton, "back-office-alerts", screen)
    assert chip.text() == "Stock sin alertas"
    assert _chip_background(chip) == (0xf1, 0xf5, 0xf9)  # neutral slate, not the warning's amber
    terminal.journal.append(catalog_events.StockAdjusted("ACE-1", Decimal(-30), "merma"))
    screen.stock_changed()
    assert chip.text() == "⚠ 1 alerta de stock"
    assert _chip_background(chip) == (0xfe, 0xf3, 0xc7)


def test_a_cashier_sees_no_back_office_button(ui):
    ui.start_selling()
    assert not ui.window.findChild(QPushButton, "sale-back-office").isVisible()


def test_scanners_search_the_page_on_screen(ui, reader, qtbot):
    screen = enter_back_office(ui)
    ui.click("section-stock", screen)
    focused = QApplication.focusWidget()
    assert focused is ui.find(QLineEdit, "stock-search")
    qtbot.keyClicks(focused, "7801610001196")  # keyboard wedge: typed into the focused field, then Enter
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert [row[0].split("\n")[0] for row in cells(ui, "stock-table")] == ["Coca-Cola Original 1,5 L"]
    reader.emit("7801234567894")  # the serial scanner
    assert [row[0].split("\n")[0] for row in cells(ui, "stock-table")] == ["Leche Entera Colun 1 L"]
    assert ui.find(QLineEdit, "stock-search").text() == "7801234567894"
    search = ui.find(QLineEdit, "stock-search")
    search.clear()
    qtbot.keyClicks(search, "coca COLA")
    qtbot.waitUntil(lambda: len(cells(ui, "stock-table")) == 2)
    search.clear()
    qtbot.keyClicks(search, "cocacola-zero")  # hyphens ignored both ways: "Coca-Cola Zero" is "cocacola zero"
    qtbot.waitUntil(lambda: [row[0].split("\n")[0] for row in cells(ui, "stock-table")] == ["Coca-Cola Zero 591 ml"])
    search.clear()
    qtbot.keyClicks(search, "pepsi")
    qtbot.waitUntil(lambda: ui.find(QWidget, "stock-message").isVisible())
    search.clear()
    qtbot.keyClicks(search, "coca-cola zero")
    qtbot.waitUntil(lambda: [row[0].split("\n")[0] for row in cells(ui, "stock-table")] == ["Coca-Cola Zero 591 ml"])


def test_a_sale_that_takes_stock_below_its_minimum_raises_the_badge(ui, terminal):
    terminal.journal.append(inv.StoreProductSet("LEC-1", None, Decimal(25), "", True, "rosa", seen_price=1150))
    screen = enter_back_office(ui)
    ui.click("back-office-till", screen)
    ui.keypad("20000", ui.find(QWidget, "open-shift-screen"))
    ui.click("open-shift")
    assert ui.find(QPushButton, "sale-back-office").text() == "Administración"
    ui.scan("7801234567894")
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("quick-5000", pay)
    ui.click("finish", pay)
    ui.click("new-sale", pay)
    assert ui.find(QPushButton, "sale-back-office").text() == "Administración · ⚠ 1"
