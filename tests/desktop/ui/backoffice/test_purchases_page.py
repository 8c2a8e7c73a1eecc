"""The Compras page by touch at 1024×600: a paper factura typed in by scanning its lines with their cost, and
goods returned to its supplier."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from tests.desktop.ui.backoffice.ops_kit import cells, fits, open_section

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def _type(ui, page, name, text):
    field = ui.find(QLineEdit, name, page)
    field.selectAll()
    ui.qtbot.keyClicks(field, text)


def test_a_paper_factura_and_a_return_by_touch(ui, terminal):
    page = open_section(ui, "purchases")
    _type(ui, page, "purchases-manual-rut", "77.888.999-4")
    assert ui.text("purchases-manual-rut-check", page).endswith("proveedor nuevo: escriba su razón social")
    _type(ui, page, "purchases-manual-razon-social", "Panificadora del Sur SpA")
    _type(ui, page, "purchases-manual-folio", "5521")
    ui.type("purchases-manual-product", "7801234567894", enter=True)
    _type(ui, page, "purchases-manual-quantity", "24")
    _type(ui, page, "purchases-manual-cost", "790")
    ui.type("purchases-manual-product", "7802920000015", enter=True)
    _type(ui, page, "purchases-manual-quantity", "10")
    _type(ui, page, "purchases-manual-cost", "2.650")
    assert cells(ui, "purchases-manual-lines") == [["LEC-1 · Leche Entera Colun 1 L", "24 un", "790", "$18.960"],
                                                   ["HUE-12 · Huevos Blancos 12 un", "10 un", "2.650", "$26.500"]]
    assert ui.text("purchases-manual-totals", page) == "Neto $45.460\nIVA $8.637\nTotal $54.097"
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_purchases_manual.png")
    ui.click("purchases-manual-register", page)
    assert ui.text("purchases-message", page) == ("Compra registrada: Factura N° 5521 de Panificadora del Sur SpA · "
                                                  "2 líneas · total $54.097")

    ui.click("purchases-section-return", page)
    _type(ui, page, "purchases-return-rut", "77888999-4")
    assert ui.text("purchases-return-rut-check", page) == "RUT 77.888.999-4 ✓ · Panificadora del Sur SpA"
    ui.type("purchases-return-product", "7802920000015", enter=True)
    _type(ui, page, "purchases-return-quantity", "2")
    reason = ui.find(QComboBox, "purchases-return-reason", page)
    ui.qtbot.keyClicks(reason.lineEdit(), "Producto vencido")
    bought = ui.find(QComboBox, "purchases-return-purchase", page)
    assert [bought.itemText(i) for i in range(bought.count())][1].startswith("Factura N° 5521 · ")
    bought.setCurrentIndex(1)
    bought.activated.emit(1)  # touched in its list
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_purchases_return.png")
    ui.click("purchases-return-register", page)
    assert ui.text("purchases-message", page) == ("Devolución registrada a Panificadora del Sur SpA: 1 producto · "
                                                  "$5.300 a costo")  # at the factura's $2.650
    [ret] = [e for e in terminal.journal.read() if e.type == "purchases.supplier_returned"]
    assert ret.payload["purchase_id"] and ret.payload["reason"] == "Producto vencido"
    ui.click("purchases-section-xml", page)
    ui.screenshot(ui.window, "backoffice_purchases_xml.png")


def test_the_answers_to_suppliers_read_only_with_their_deadline(ui, terminal):
    """HQ's answers reach the till as events (the master's feed); the page lists the store's facturas with the
    deadline and state, the urgent one marked."""
    from datetime import timedelta

    from shared.events import purchases as ev

    today = terminal.journal.clock().date()
    lider = ev.Supplier("96542180-7", "Distribuidora Líder Mayorista SpA", "Abarrotes")
    for tipo, folio, days_ago in ((33, 4711, 7), (34, 88, 2)):
        terminal.journal.append(ev.PurchaseReceived(
            terminal.journal.new_id(), lider, tipo, folio, (today - timedelta(days=days_ago)).isoformat(),
            terminal.journal.identity.store_id, (), 10_000, 0, 1_900, 11_900, "", False))
    terminal.journal.append(ev.SupplierAnswerReceived(
        "96542180-7", 34, 88, (today - timedelta(days=1)).isoformat(), ("RFP",), "RFP", "Acción completada OK",
        "pepe@donpepe.cl", "2026-12-07T10:00:00+00:00"))
    page = open_section(ui, "purchases")
    ui.click("purchases-section-answers", page)
    open_until = today + timedelta(days=1)
    assert cells(ui, "purchases-answers") == [
        [f"Distribuidora Líder Mayorista SpA\nFactura exenta N° 88 · {today - timedelta(days=2):%d-%m-%Y}",
         f"{today + timedelta(days=7):%d-%m-%Y}",
         "Reclamado\nReclamar falta parcial de mercaderías: Acción completada OK"],
        [f"Distribuidora Líder Mayorista SpA\nFactura N° 4711 · {today - timedelta(days=7):%d-%m-%Y}",
         f"{open_until:%d-%m-%Y} (estimado)\nqueda 1 día", "Por responder"]]
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_purchases_answers.png")
