"""The back office's Compras page → "Registrar XML del proveedor…" (the administradora signed in; a supervisor sees
it read-only; the cashier's [Turno…] menu no longer has it), the file picker, the preview with the verdict and the
lines, confirm; a document registered already or hostile XML is refused in Spanish and nothing is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget

from desktop.journal import purchases_projection, read_models
from tests import supplier_dte as sd
from tests.desktop.ui.purchase_kit import STORE, compras, open_purchase, pick, product_rows, store_terminal

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

ROWS = product_rows((
    ("LEC-1", "Leche Entera Colun 1 L", "1150", "7801234567894"),
    ("HUE-12", "Huevos Blancos 12 un", "3990", "7802920000015"),
    ("BEB-15", "Coca-Cola Original 1,5 L", "1890", "7801610001196"),
    ("ARR-1", "Arroz Grado 1 Tucapel 1 kg", "1690", "7801320000014"),
    ("ACE-1", "Aceite Vegetal Chef 1 L", "2490", "7802810000019")))
LINES = [("Leche Entera Colun 1 L", "48", "820", "7801234567894", False),
         ("Huevos Blancos 12 un", "20", "2650", "7802920000015", False),
         ("Coca-Cola Original 1,5 L", "36", "1210", "7801610001196", False),
         ("Arroz Grado 1 Tucapel 1 kg", "30", "1090", "7801320000014", False),
         ("Aceite Vegetal Chef 1 L", "24", "1650", "7802810000019", False),
         ("Bolsas camiseta 40x50 (paquete)", "10", "1490", "", False)]


@pytest.fixture
def terminal(tmp_path: Path, printer, scale, reader):
    """The window's terminal, in a store whose RUT the supplier's factura is addressed to."""
    yield from store_terminal(tmp_path, ROWS, printer, scale, reader)


@pytest.fixture
def factura(tmp_path: Path) -> Path:
    path = tmp_path / "factura_proveedor.xml"
    path.write_bytes(sd.envio([sd.dte(33, 7, LINES, STORE)], STORE))
    return path


def test_the_cashiers_shift_menu_no_longer_registers_purchases(ui):
    ui.start_selling()
    ui.click("action-shift")
    menu = ui.dialog("shift-menu")
    assert not [b for b in menu.findChildren(QPushButton) if "compra" in b.text().lower()]
    assert menu.findChild(QPushButton, "purchase") is None


def test_a_supervisor_sees_compras_read_only(ui):
    page = compras(ui, "marta", "9999")
    ui.click("purchases-section-xml", page)
    assert not ui.find(QPushButton, "purchases-xml-open", page).isEnabled()
    assert ui.text("purchases-message", page).startswith("Sólo lectura")
    assert page.presenter.xml() is None


def test_the_administradora_registers_a_suppliers_factura(ui, qtbot, terminal, factura):
    page = open_purchase(ui)
    assert not ui.find(QPushButton, "purchase-confirm", page).isEnabled()

    pick(ui, qtbot, page, factura)
    qtbot.waitUntil(lambda: "verificados" in ui.text("purchase-verdict", page))
    assert ui.text("purchase-verdict", page).startswith("Firma, timbre (TED), CAF, esquema y totales verificados.")
    assert "Distribuidora Within Play Ltda." in ui.text("purchase-headline", page)
    table = ui.find(QTableWidget, "purchase-lines", page)
    assert table.rowCount() == 6
    assert table.item(0, 6).text() == "LEC-1 · Leche Entera Colun 1 L"
    assert table.item(5, 6).text().startswith("— sin producto")
    assert ui.text("purchase-totals", page) == ("Neto $223.120 · IVA crédito fiscal $42.393 · Total $265.513")
    assert "5 de 6 líneas reconocidas" in ui.text("purchase-message", page)
    assert (page.width(), page.height()) == (1024, 600)
    shot = ui.screenshot(page, "backoffice_compras_xml.png")
    assert shot.stat().st_size > 10_000

    ui.click("purchase-confirm", page)
    assert ui.text("purchase-message", page) == ("Compra registrada: factura N° 7 de Distribuidora Within Play Ltda. · "
                                                 "IVA crédito fiscal $42.393")
    conn = terminal.journal.conn
    assert read_models.stock_on_hand(conn, "LEC-1") == 12 + 48
    assert purchases_projection.product_cost(conn, "HUE-12")[0] == 2650
    [row] = conn.execute("SELECT registered_by FROM purchases").fetchall()
    assert row == ("rosa",)
    ui.click("purchase-cancel", page)  # now "Cerrar"
    assert ui.closed("purchase-dialog")
    assert ui.text("purchases-message").startswith("Compra registrada: factura N° 7")


def test_refusals_are_shown_and_nothing_is_recorded(ui, qtbot, terminal, factura, tmp_path):
    terminal.purchases.import_file(factura.read_bytes())
    page = open_purchase(ui)
    head = terminal.journal.head
    pick(ui, qtbot, page, factura)
    qtbot.waitUntil(lambda: "ya registrado el" in ui.text("purchase-verdict", page))
    verdict = page.findChild(QLabel, "purchase-verdict")
    assert verdict.property("error") is True
    assert not ui.find(QPushButton, "purchase-confirm", page).isEnabled()
    hostile = tmp_path / "hostil.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><EnvioDTE>&a;</EnvioDTE>')
    pick(ui, qtbot, page, hostile)
    qtbot.waitUntil(lambda: "XML rechazado por seguridad" in ui.text("purchase-verdict", page))
    assert ui.text("purchase-verdict", page).startswith("No se puede registrar: ")
    assert ui.find(QTableWidget, "purchase-lines", page).rowCount() == 0
    ui.click("purchase-cancel", page)
    assert terminal.journal.head == head  # nothing journaled
