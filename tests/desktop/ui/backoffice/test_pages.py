"""Productos, Stock and Kardex on a real till: the store's settings saved through the inventory service (a
supervisor only reads), a refused save keeps what was typed, the kardex exported and printed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton, QWidget

from desktop.journal import inventory_queries as queries
from shared.events import inventory as inv
from tests.desktop.ui.backoffice.kit import cells, enter_back_office, stock_story

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def fill(ui, name, text):
    field = ui.find(QLineEdit, name)
    field.clear()
    ui.qtbot.keyClicks(field, text)


def test_the_administrator_sets_minimum_and_location(ui, terminal):
    screen = enter_back_office(ui)
    ui.scan_into("products-search", "7801234567894")
    assert ui.text("product-name") == "Leche Entera Colun 1 L"
    assert ui.find(QLineEdit, "product-price").isReadOnly()  # the tenant keeps prices at HQ (the default)
    assert "El precio lo fija HQ" in ui.text("product-reasons")
    fill(ui, "product-min-stock", "30")
    fill(ui, "product-location", "Pasillo 2, repisa 1")
    ui.click("product-save")
    assert ui.text("products-message") == "Guardado: Leche Entera Colun 1 L"
    row = queries.store_product(terminal.journal.conn, "LEC-1")
    assert (row.min_stock, row.location, row.edited_by) == (Decimal(30), "Pasillo 2, repisa 1", "rosa")
    assert cells(ui, "products-table")[0][0] == "Leche Entera Colun 1 L\nPasillo 2, repisa 1"
    fill(ui, "product-min-stock", "-3")
    ui.click("product-save")
    assert "no puede ser negativo" in ui.text("products-message")
    assert ui.find(QLineEdit, "product-min-stock").text() == "-3"  # nothing typed is lost
    assert queries.store_product(terminal.journal.conn, "LEC-1").min_stock == Decimal(30)
    ui.click("section-stock", screen)
    ui.click("stock-alerts-only", screen)
    assert [row[0] for row in cells(ui, "stock-table")] == [
        "Leche Entera Colun 1 L\n⚠ Bajo el mínimo · Sala de ventas"]


def test_a_price_hq_changed_meanwhile_is_not_overwritten(ui, terminal):
    terminal.journal.append(inv.InventorySettingsReceived(store_prices=True))
    enter_back_office(ui)
    ui.scan_into("products-search", "7801234567894")
    price = ui.find(QLineEdit, "product-price")
    assert not price.isReadOnly()
    fill(ui, "product-price", "1.290")
    seed_hq_price(terminal, "LEC-1", 1190)  # HQ changes the price while Rosa types
    ui.click("product-save")
    assert ui.text("products-message").startswith("No se guardó")
    crossed = ui.text("product-crossed-lines")
    assert "$1.190" in crossed and "$1.150" in crossed
    assert price.text() == "1.290"
    assert queries.store_product(terminal.journal.conn, "LEC-1").price is None
    ui.click("product-save")  # she saw HQ's new price: saved now
    assert ui.text("products-message") == "Guardado: Leche Entera Colun 1 L"
    assert queries.store_product(terminal.journal.conn, "LEC-1").price == 1290


def seed_hq_price(terminal, sku, price):
    from dataclasses import replace

    from shared.events import catalog as catalog_events
    product = terminal.catalog.by_sku(sku)
    terminal.journal.append(catalog_events.ProductUpserted(
        product.sku, product.name, price, product.category, product.sold_by.value, product.barcodes, product.plu,
        product.brand, product.iva_exempt, product.favourite, product.active, source="hq"))
    assert replace(product, price=price) == terminal.catalog.by_sku(sku)


def test_a_supervisor_cannot_save(ui):
    enter_back_office(ui, "marta", "9999")
    ui.scan_into("products-search", "7801234567894")
    assert not ui.window.findChild(QPushButton, "product-save").isVisible()
    assert ui.find(QLineEdit, "product-min-stock").isReadOnly()
    assert ui.text("product-reasons").startswith("Solo lectura")


def test_the_kardex_is_exported_and_printed(ui, terminal, monkeypatch):
    opened = []
    monkeypatch.setattr("desktop.ui.backoffice.kardex_page.QDesktopServices.openUrl", opened.append)
    monkeypatch.setattr("desktop.ui.backoffice.kardex_page.STICK_ROOTS", ())  # no USB stick: the till's folder
    screen = enter_back_office(ui)
    ui.click("section-kardex", screen)
    assert not ui.find(QPushButton, "kardex-csv").isEnabled()
    ui.scan_into("kardex-search", "7801234567894")
    assert ui.text("kardex-product") == "Leche Entera Colun 1 L · LEC-1"
    ui.click("kardex-csv")
    written = terminal.settings.data_dir / "exportes" / "kardex-LEC-1.csv"
    assert ui.text("kardex-message") == f"Kardex guardado (CSV): {written}"
    assert "Leche Entera Colun 1 L" in written.read_text(encoding="utf-8-sig")
    ui.click("kardex-print")
    assert [url.toLocalFile() for url in opened] == [str(written.with_suffix(".pdf"))]
    assert written.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_the_kardex_lists_movements_newest_first(ui, terminal):
    stock_story(terminal)
    screen = enter_back_office(ui)
    ui.click("section-kardex", screen)
    search = ui.find(QLineEdit, "kardex-search")
    ui.qtbot.keyClicks(search, "coca")  # two products: touch one
    ui.qtbot.waitUntil(lambda: ui.find(QPushButton, "kardex-match-1").isVisible())
    assert ui.find(QPushButton, "kardex-match-0").text() == "Coca-Cola Original 1,5 L · BEB-15"
    search.clear()
    ui.qtbot.keyClicks(search, "leche")  # one: chosen at once
    ui.qtbot.waitUntil(lambda: ui.text("kardex-product") == "Leche Entera Colun 1 L · LEC-1")
    rows = cells(ui, "kardex-table")
    bought, opening = rows
    assert bought[1].startswith("Compra · ") and bought[1].endswith("\nSala de ventas · Rosa Díaz")
    assert bought[2:] == ["+12", "37", "$700", "$8.400"]
    assert opening[2:4] == ["+25", "25"]
    box = ui.find(QComboBox, "kardex-warehouse")
    box.setCurrentIndex(box.findData("demo-store"))
    box.activated.emit(box.currentIndex())
    assert "\n" not in cells(ui, "kardex-table")[0][1].split(" · ")[0]
    assert cells(ui, "kardex-table")[0][1].endswith("\nRosa Díaz")


def test_touching_a_stock_row_opens_its_kardex_and_keys_choose_sections(ui, terminal):
    stock_story(terminal)
    screen = enter_back_office(ui)
    ui.window.activateWindow()
    ui.qtbot.waitActive(ui.window)
    ui.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Stock
    ui.qtbot.waitUntil(ui.find(QPushButton, "section-stock", screen).isChecked)  # a shortcut's click is animated
    row = next(i for i, cells_ in enumerate(cells(ui, "stock-table")) if cells_[0].startswith("Leche"))
    ui.click_cell("stock-table", row)
    assert ui.find(QPushButton, "section-kardex", screen).isChecked()
    assert ui.text("kardex-product") == "Leche Entera Colun 1 L · LEC-1"
    assert len(cells(ui, "kardex-table")) == 2


def test_the_keyboard_stays_clear_of_the_field_typed_in(ui):
    screen = enter_back_office(ui)
    ui.scan_into("products-search", "7801234567894")
    ui.click("back-office-keyboard", screen)
    keyboard = ui.find(QWidget, "touch-keyboard", screen)
    assert keyboard.geometry().bottom() == screen.height() - 1  # the search field is up: the keyboard down
    location = ui.find(QLineEdit, "product-location")
    ui.window.activateWindow()
    ui.qtbot.waitActive(ui.window)
    location.setFocus()
    ui.qtbot.waitUntil(lambda: keyboard.geometry().top() < screen.height() // 2)
    field = location.mapTo(screen, location.rect().topLeft()).y()
    assert keyboard.geometry().bottom() < field  # the field is down: the keyboard over the upper part
    ui.click("back-office-keyboard", screen)
    assert not keyboard.isVisible()
