"""Back office, Compras → XML del proveedor: on a 1024×600 till the administradora touches a line of the preview,
finds the product with the on-screen keyboard, sets the units per package (a refused 0 first), assigns it, and the
purchase enters stock in the store's units."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTableWidget, QWidget

from desktop.journal import purchases_projection, read_models
from tests import supplier_dte as sd
from tests.desktop.ui.purchase_kit import STORE, open_purchase, pick, product_rows, store_terminal

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

ROWS = product_rows((
    ("LEC-1", "Leche Entera Colun 1 L", "1150", "7801234567894"),
    ("HUE-12", "Huevos Blancos 12 un", "3990", "7802920000015"),
    ("BOL-1", "Bolsa Camiseta 40x50", "50", "")))
LINES = [("Leche Entera Colun CJ 12 x 1 L", "4", "9840", "7801234567894", False),
         ("Huevos Blancos 12 un", "20", "2650", "7802920000015", False),
         ("Bolsas camiseta 40x50 (paquete 100)", "10", "1490", "", False)]


@pytest.fixture
def terminal(tmp_path: Path, printer, scale, reader):
    """The window's terminal, in a store whose RUT the supplier's factura is addressed to."""
    yield from store_terminal(tmp_path, ROWS, printer, scale, reader)


@pytest.fixture
def factura(tmp_path: Path) -> Path:
    path = tmp_path / "factura_cajas.xml"
    path.write_bytes(sd.envio([sd.dte(33, 8, LINES, STORE)], STORE))
    return path


def open_file(ui, qtbot, path: Path):
    """The purchase dialog (back office, Compras) with ``path`` picked and verified."""
    page = open_purchase(ui)
    pick(ui, qtbot, page, path)
    qtbot.waitUntil(lambda: "verificados" in ui.text("purchase-verdict", page))
    return page


def touch_line(qtbot, table: QTableWidget, row: int) -> None:
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 2)).center())


def touch_keys(ui, text: str, page: QWidget) -> None:
    for char in text:
        ui.click(f"tk-{char}", page)


def fits(ui, page: QWidget, editor: QWidget) -> None:
    """Every control of the editor is on the 1024×600 screen, finger-sized."""
    assert page.height() == 600
    for name in ("purchase-line-apply", "purchase-line-clear", "purchase-line-back", "tk-enter", "purchase-factor"):
        widget = ui.find(QWidget, name, editor)
        corner = widget.mapTo(page, widget.rect().bottomRight())
        assert corner.y() < 600 and corner.x() < 1024 and widget.height() >= 44, name


def test_the_manager_assigns_a_line_and_its_units_per_package_by_touch(ui, qtbot, terminal, factura):
    ui.window.resize(1024, 600)
    page = open_file(ui, qtbot, factura)
    assert (page.width(), page.height()) == (1024, 600)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    table = ui.find(QTableWidget, "purchase-lines", page)
    assert table.item(0, 6).text() == "LEC-1 · Leche Entera Colun 1 L"
    assert table.item(2, 6).text() == "— sin producto"
    assert "Toque una línea" in ui.text("purchase-message", page)

    # the bags have no barcode on the factura: touch the line, find them with the on-screen keyboard
    touch_line(qtbot, table, 2)
    editor = ui.find(QWidget, "purchase-line-editor", page)
    assert not table.isVisible()
    assert ui.text("purchase-line-title", editor) == "Línea 3: Bolsas camiseta 40x50 (paquete 100) · 10"
    assert ui.text("purchase-line-product", editor) == "→ — sin producto"
    search = ui.find(QLineEdit, "purchase-product-search", editor)
    qtbot.waitUntil(search.hasFocus)
    touch_keys(ui, "bolsa", editor)
    assert search.text() == "bolsa"
    ui.click("purchase-result-0", editor)
    assert ui.text("purchase-line-product", editor) == "→ BOL-1 · Bolsa Camiseta 40x50"
    factor = ui.find(QLineEdit, "purchase-factor", editor)
    qtbot.mouseClick(factor, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: factor.hasFocus() and factor.selectedText() == "1")  # touched: typing replaces it
    ui.click("tk-0", editor)
    ui.click("purchase-line-apply", editor)
    assert ui.text("purchase-line-error", editor) == "Las unidades por bulto deben ser mayores que cero"
    fits(ui, page, editor)
    ui.click("tk-back", editor)
    touch_keys(ui, "100", editor)
    assert factor.text() == "100"
    fits(ui, page, editor)
    assert ui.find(QWidget, "purchase-result-0", editor).isVisible()  # the results are back once it is retyped
    shot = ui.screenshot(page, "purchase_mapping.png")
    assert shot.stat().st_size > 10_000
    ui.click("purchase-line-apply", editor)
    assert table.isVisible()
    assert table.item(2, 6).text() == "BOL-1 · Bolsa Camiseta 40x50 (a mano)"
    assert table.item(2, 3).text() == "10 × 100 = 1000"

    # the leche comes by the box of 12
    touch_line(qtbot, table, 0)
    editor = ui.find(QWidget, "purchase-line-editor", page)
    factor = ui.find(QLineEdit, "purchase-factor", editor)
    factor.selectAll()
    qtbot.keyClicks(factor, "12")
    qtbot.keyClick(factor, Qt.Key.Key_Return)
    assert table.item(0, 3).text() == "4 × 12 = 48"

    # huevos: touched by mistake, Volver leaves it as it was
    touch_line(qtbot, table, 1)
    ui.click("purchase-line-back", ui.find(QWidget, "purchase-line-editor", page))
    assert table.item(1, 6).text() == "HUE-12 · Huevos Blancos 12 un"

    ui.click("purchase-confirm", page)
    assert ui.text("purchase-message", page).startswith("Compra registrada: factura N° 8")
    conn = terminal.journal.conn
    assert read_models.stock_on_hand(conn, "BOL-1") == 12 + 1000
    assert read_models.stock_on_hand(conn, "LEC-1") == 12 + 48
    assert read_models.stock_on_hand(conn, "HUE-12") == 12 + 20
    assert purchases_projection.product_cost(conn, "LEC-1")[0] == 820  # $9.840 a box of 12
    assert conn.execute("SELECT sku, matched_by FROM purchase_lines ORDER BY line_no").fetchall() == [
        ("LEC-1", "manual"), ("HUE-12", "ean"), ("BOL-1", "manual")]
