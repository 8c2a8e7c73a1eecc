"""Facturas at the till, in the real window: the cashier chooses «Factura», types the customer (a wrong RUT is
refused), the customer is saved and picked by name the next time; without factura folios the boleta stays."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from desktop.drivers.escpos_decode import decode, to_image
from shared.dte import ted

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
RAZON = "Ferretería y Materiales de Construcción El Ñandú Limitada"


def _caf(terminal, *tipos: int) -> None:
    for tipo in tipos:
        terminal.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())


def _sales(terminal) -> list:
    return [terminal.journal.codec.decode(e.type, e.version, e.payload) for e in terminal.journal.read(1)
            if e.type == "sale.completed"]


def _type(field: QLineEdit, text: str) -> None:
    """A keyboard with a Spanish layout: one key press per character, accents and ñ included (QTest's keyClicks
    only knows ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(field, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def _fill(ui, values: dict[str, str]) -> None:
    for name, text in values.items():
        field = ui.find(QLineEdit, f"customer-{name}")
        field.setFocus()
        field.clear()
        _type(field, text)


def test_a_factura_end_to_end_typed_then_picked_next_time(ui, terminal, printer, qtbot):
    _caf(terminal, 33, 39)
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7801610001196")
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    assert ui.find(QPushButton, "doc-boleta", pay).isChecked()
    ui.click("doc-factura", pay)
    dialog = ui.dialog("customer-dialog")
    # a RUT with a wrong dígito verificador is refused, in words, and marked
    _fill(ui, {"rut": "76.123.456-1", "razon_social": RAZON, "giro": "Ferretería", "direccion": "Av. Matta 1020",
               "comuna": "Santiago"})
    ui.click("customer-ok", dialog)
    assert dialog.isVisible()
    assert ui.text("customer-message", dialog) == ("El RUT 76.123.456-1 no es válido: el dígito verificador no "
                                                   "corresponde. Revise el número y el dígito después del guion.")
    assert ui.find(QLineEdit, "customer-rut", dialog).property("error") is True
    dialog.resize(1024, 600)
    path = ui.screenshot(dialog, "customer_dialog.png")
    assert path.stat().st_size > 10_000
    _fill(ui, {"rut": "76.123.456-0"})
    ui.click("customer-ok", dialog)
    assert ui.closed("customer-dialog")
    assert ui.find(QPushButton, "doc-factura", pay).isChecked()
    assert ui.text("factura-customer", pay) == f"Factura a {RAZON} · RUT 76.123.456-0"
    ui.click("mode-debit", pay)
    pay.resize(1024, 600)
    ui.screenshot(pay, "payment_factura.png")
    ui.click("finish", pay)
    assert ui.text("done-message", pay) == "Venta guardada. Vuelto $0. Factura N° 1"
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)
    ui.click("new-sale", pay)

    event = _sales(terminal)[-1]
    assert (event.document.tipo, event.document.folio) == (33, 1)
    assert (event.customer.rut, event.customer.razon_social, event.customer.comuna) == ("76123456-0", RAZON,
                                                                                        "Santiago")
    job = printer.jobs[-1]
    text = "\n".join(decode(job).lines)
    for expected in ("FACTURA ELECTRÓNICA", "Señor(es): Ferretería y Materiales", "RUT: 76.123.456-0",
                     "Giro: Ferretería", "Dirección: Av. Matta 1020", "Comuna: Santiago", "Neto", "IVA 19%"):
        assert expected in text, expected
    assert "Señor(es): Ferretería".encode("cp858") in job and b"76.123.456-0" in job
    found = zxingcpp.read_barcodes(to_image(job, 576), formats=zxingcpp.BarcodeFormat.PDF417)
    data = ted.verify_ted(found[0].bytes)
    assert (data.tipo_dte, data.rut_receptor, data.razon_social_receptor) == (33, "76123456-0", RAZON[:40])

    # the next factura: the customer is found by part of its name and picked with one touch
    ui.scan("7801234567894")
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("doc-factura", pay)
    dialog = ui.dialog("customer-dialog")
    _type(ui.find(QLineEdit, "customer-search", dialog), "ñandu")
    match = ui.find(QPushButton, "customer-match-0", dialog)
    assert match.text() == f"{RAZON} · 76.123.456-0"
    dialog.resize(1024, 600)
    ui.screenshot(dialog, "customer_search.png")
    ui.click("customer-match-0", dialog)
    assert ui.find(QLineEdit, "customer-direccion", dialog).text() == "Av. Matta 1020"
    assert ui.find(QLineEdit, "customer-rut", dialog).text() == "76.123.456-0"
    ui.click("customer-ok", dialog)
    ui.click("exact", pay)
    ui.click("finish", pay)
    assert ui.text("done-message", pay).endswith("Factura N° 2")
    ui.click("new-sale", pay)
    assert _sales(terminal)[-1].customer == event.customer
    saved = [e for e in terminal.journal.read(1) if e.type == "customer.saved"]
    assert len(saved) == 1


def test_without_factura_folios_the_cashier_is_told_and_the_boleta_stays(ui, terminal, printer, qtbot):
    _caf(terminal, 39)
    ui.start_selling()
    ui.scan("7801234567894")
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("doc-factura", pay)
    assert ui.closed("customer-dialog")
    assert ui.text("payment-message", pay) == ("Sin folios de factura: conecte la caja a HQ para recibir más. "
                                               "Puede emitir una boleta en su lugar.")
    assert ui.find(QPushButton, "doc-boleta", pay).isChecked()
    assert not ui.find(QPushButton, "doc-factura", pay).isChecked()
    ui.click("exact", pay)
    ui.click("finish", pay)
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)
    ui.click("new-sale", pay)
    event = _sales(terminal)[-1]
    assert event.document.tipo == 39 and event.customer is None
    assert "BOLETA ELECTRÓNICA" in "\n".join(decode(printer.jobs[-1]).lines)
