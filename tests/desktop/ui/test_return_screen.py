"""The return screen, in the real window: the receipt's timbre scanned into the sale screen opens its sale; part of
it comes back (quantities capped by what is left, kg for weighed lines) with a supervisor's PIN and a nota de
crédito; garbage or hostile «timbres» are refused in words."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTableWidget

from desktop.drivers.escpos_decode import decode, to_image
from desktop.drivers.fakes import FakeScanner
from desktop.journal import read_models
from shared.dte import ted
from shared.sale import Tender, TenderKind

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"


@pytest.fixture
def reader():
    """A serial 2D scanner (fake): what it reads reaches the window like the real one's codes."""
    return FakeScanner()


@pytest.fixture
def sold(ui, terminal, printer, qtbot):
    """Leche x3 and 0,750 kg of Pan Batido sold in cash with boleta N° 1 (folios 39 and 61 loaded)."""
    for tipo in (39, 61):
        terminal.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())
    ui.start_selling()
    for _ in range(3):
        ui.scan("7801234567894")
    terminal.checkout.add_product(terminal.catalog.resolve("PAN-1").product, "0.750")
    event = terminal.checkout.complete((Tender(TenderKind.CASH, 5000),)).event
    ui.window.sale.refresh()
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)
    return event


def _row(ui, table: QTableWidget, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    ui.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _set(ui, dialog, text: str) -> None:
    ui.keypad(text, dialog)
    ui.click("return-set", dialog)


def test_a_partial_return_from_the_scanned_timbre(ui, terminal, printer, sold, qtbot):
    boleta = sold.document
    stock = read_models.stock_on_hand(terminal.journal.conn, "LEC-1")
    pan = read_models.stock_on_hand(terminal.journal.conn, "PAN-1")
    # what a 2D scanner types from the receipt's PDF417: the TED's text, into the sale screen's search field
    printed = zxingcpp.read_barcodes(to_image(printer.jobs[-1], 576), formats=zxingcpp.BarcodeFormat.PDF417)
    timbre = printed[0].bytes.decode("latin-1")
    assert timbre == boleta.ted
    ui.scan(timbre)
    dialog = ui.dialog("return-dialog")
    assert ui.text("return-title", dialog) == "Devolución de la boleta N° 1"
    assert ui.text("return-detail", dialog).startswith("Venta N° 1 · ")
    lines = ui.find(QTableWidget, "return-lines", dialog)
    assert [lines.item(r, 0).text() for r in range(lines.rowCount())] == ["Leche Entera Colun 1 L", "Pan Batido"]
    assert ui.find(QLineEdit, "return-quantity", dialog).placeholderText() == "Quedan 3"

    _set(ui, dialog, "4")  # the first line is selected: 3 were sold
    assert ui.text("return-message", dialog) == ("De Leche Entera Colun 1 L quedan 3 por devolver: no se puede "
                                                 "devolver 4")
    _set(ui, dialog, "2")
    assert lines.item(0, 3).text() == "2" and lines.item(0, 4).text() == "$2.300"
    _row(ui, lines, 1)
    _set(ui, dialog, "0,800")  # 0,750 kg were sold
    assert "quedan 0,750 kg por devolver" in ui.text("return-message", dialog)
    _set(ui, dialog, "0,250")
    assert lines.item(1, 3).text() == "0,250 kg"
    assert ui.text("return-total", dialog) == "A devolver $2.798"
    assert ui.text("return-refund", dialog) == "Devuelva $2.800 en efectivo"
    dialog.resize(1024, 600)
    path = ui.screenshot(dialog, "return_screen.png")
    assert path.stat().st_size > 10_000

    ui.click("return-ok", dialog)
    auth = ui.dialog("auth-dialog")
    ui.click("reason-1", auth)
    ui.keypad("1111", auth)
    ui.click("auth-ok", auth)
    assert ui.text("auth-error", auth) == "PIN incorrecto (intento 1)"  # a wrong PIN keeps asking
    ui.keypad("9999", auth)
    ui.click("auth-ok", auth)
    qtbot.waitUntil(lambda: ui.closed("return-dialog"))
    assert ui.text("message") == "Devolución lista: nota de crédito N° 1. Devuelva $2.800 en efectivo"

    returned = [terminal.journal.codec.decode(e.type, e.version, e.payload) for e in terminal.journal.read(1)
                if e.type == "sale.returned"]
    assert len(returned) == 1
    event = returned[0]
    assert (event.original_tipo, event.original_folio, event.full) == (39, 1, False)
    assert [(x.sku, x.quantity, x.amount) for x in event.lines] == [("LEC-1", Decimal(2), 2300),
                                                                  ("PAN-1", Decimal("0.250"), 498)]
    assert (event.document.tipo, event.document.folio) == (61, 1)
    data = ted.verify_ted(event.document.ted.encode("latin-1"))
    assert (data.tipo_dte, data.monto_total) == (61, 2798)
    assert read_models.stock_on_hand(terminal.journal.conn, "LEC-1") == stock + 2
    assert read_models.stock_on_hand(terminal.journal.conn, "PAN-1") == pan + Decimal("0.250")
    qtbot.waitUntil(lambda: len(printer.jobs) == 2)
    nota = "\n".join(decode(printer.jobs[-1]).lines)
    assert "NOTA DE CRÉDITO ELECTRÓNICA" in nota and "Corrige boleta N° 1" in nota

    # the same sale again, picked from the recent sales: only what is left can come back
    ui.click("action-return")
    dialog = ui.dialog("return-dialog")
    _row(ui, ui.find(QTableWidget, "return-recent", dialog), 0)
    lines = ui.find(QTableWidget, "return-lines", dialog)
    assert [lines.item(r, 2).text() for r in range(2)] == ["2", "0,250 kg"]
    _set(ui, dialog, "2")
    assert ui.text("return-message", dialog).startswith("De Leche Entera Colun 1 L quedan 1 por devolver")
    ui.click("return-cancel-choose", dialog)
    assert ui.closed("return-dialog")


@pytest.mark.parametrize(("scanned", "message"), [
    ('<TED version="1.0"><DD><RE>hola</RE></DD></TED>', "El código leído no es un timbre del SII"),
    ("<TED version=1.0>garbage", "El código leído no es un timbre del SII"),
    ('<?xml version="1.0"?><!DOCTYPE TED [<!ENTITY x "y">]><TED>&x;</TED>', "El código leído no es un timbre"),
])
def test_garbage_or_hostile_timbres_are_refused(ui, sold, scanned, message):
    ui.scan(scanned)
    dialog = ui.dialog("return-dialog")
    assert ui.text("return-message", dialog).startswith(message)
    assert ui.find(QTableWidget, "return-recent", dialog).isVisible()  # still on the search, nothing picked
    ui.click("return-cancel", dialog)
    assert ui.closed("return-dialog")


def test_the_search_page_lists_the_recent_sales(ui, terminal, sold):
    ui.click("action-return")
    dialog = ui.dialog("return-dialog")
    recent = ui.find(QTableWidget, "return-recent", dialog)
    assert [recent.item(0, c).text() for c in (0, 2, 3)] == ["N° 1", "Boleta N° 1", "$4.943"]
    dialog.resize(1024, 600)
    ui.screenshot(dialog, "return_search.png")
    ui.keypad("99", dialog)
    ui.click("return-find", dialog)
    assert ui.text("return-message", dialog) == "Ninguna venta reciente con el número o total 99"
    ui.click("return-cancel", dialog)
    assert ui.closed("return-dialog")


def test_a_serial_scanner_reading_the_timbre_opens_the_return(ui, reader, sold):
    reader.emit(sold.document.ted)  # on the sale screen: the return screen opens on its sale
    dialog = ui.dialog("return-dialog")
    assert ui.text("return-title", dialog) == "Devolución de la boleta N° 1"
    ui.click("return-back", dialog)
    assert ui.find(QTableWidget, "return-recent", dialog).isVisible()
    reader.emit("<TED>basura</TED>")  # on the return screen's search: refused there
    assert ui.text("return-message", dialog).startswith("El código leído no es un timbre del SII")
    reader.emit(sold.document.ted)
    assert ui.text("return-title", dialog) == "Devolución de la boleta N° 1"
    ui.click("return-cancel-choose", dialog)
    assert ui.closed("return-dialog")
