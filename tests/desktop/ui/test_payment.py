"""The payment dialog: quick cash and change, mixed tenders, short payments and a printer problem."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QTableView

from desktop.drivers.ports import PrinterStatus

# The offscreen platform (only there) warns when a dialog's layout sets its window's minimum size.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def with_cart(ui):
    """Leche x2 + 0,512 kg Pan Batido: total $3.319 (cash $3.320)."""
    ui.start_selling()
    ui.scan("7801234567894")
    ui.scan("7801234567894")
    ui.click("tile-PAN-1")
    weight = ui.dialog("weight-dialog")
    ui.keypad("0,512", weight)
    ui.click("weight-ok", weight)
    assert ui.text("total") == "$3.319"
    return ui


def test_pay_cash_with_a_quick_5000_shows_the_change(with_cart, printer, qtbot):
    ui = with_cart
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    assert ui.text("pay-total", pay) == "Total $3.319"
    assert ui.text("due", pay) == "Por pagar $3.320"
    assert "Redondeo" in ui.text("rounding", pay)
    ui.click("quick-5000", pay)
    assert ui.text("change", pay) == "Vuelto $1.680"
    ui.click("finish", pay)
    assert ui.text("change", pay) == "Vuelto $1.680"
    assert "Venta guardada" in ui.text("done-message", pay)
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)  # printed by the print worker, after the commit
    ui.click("new-sale", pay)

    assert ui.closed("payment-dialog")
    assert ui.find(QTableView, "cart").model().rowCount() == 0
    assert ui.text("total") == "$0"
    assert "Vuelto $1.680" in ui.text("message")


def test_mixed_payment_debit_part_then_cash(with_cart):
    ui = with_cart
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("mode-debit", pay)
    ui.keypad("2000", pay)
    ui.click("add-partial", pay)
    assert ui.text("tenders", pay) == "Pagos: Débito $2.000"
    assert ui.find(QPushButton, "mode-cash", pay).isChecked()
    assert ui.text("due", pay) == "Por pagar $1.320"
    ui.click("quick-2000", pay)
    assert ui.text("change", pay) == "Vuelto $680"
    ui.click("finish", pay)
    assert "Venta guardada" in ui.text("done-message", pay)
    ui.click("new-sale", pay)
    assert ui.closed("payment-dialog")


def test_a_short_payment_keeps_the_dialog_open_in_red(with_cart):
    ui = with_cart
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.keypad("1000", pay)
    ui.click("finish", pay)
    assert pay.isVisible()
    assert "Falta dinero" in ui.text("payment-message", pay)
    assert ui.find(QPushButton, "finish", pay).isVisible()
    ui.click("payment-cancel", pay)
    assert ui.closed("payment-dialog")
    assert ui.text("total") == "$3.319"  # the sale is still there


def test_a_printer_problem_is_shown_with_reprint(with_cart, printer, qtbot):
    ui = with_cart
    printer.fail_next(1, PrinterStatus.PAPER_OUT)
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("exact", pay)
    ui.click("finish", pay)
    qtbot.waitUntil(lambda: "No se imprimió la boleta" in ui.text("receipt-problem", pay))
    assert ui.find(QPushButton, "payment-reprint", pay).isVisible()
    ui.click("new-sale", pay)
    assert ui.text("status-pending") == "1 boleta por reimprimir"
    assert ui.text("status-printer") == "Impresora: Sin papel"
    assert ui.find(QLabel, "status-printer").property("error") is True
    ui.click("action-reprint")
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)
    qtbot.waitUntil(lambda: ui.text("message") == "Reimpresión lista (1)")
    assert not ui.window.findChild(QLabel, "status-pending").isVisible()
    assert ui.text("status-printer") == "Impresora: Lista"


def test_screenshot_of_the_payment_dialog_with_change(with_cart):
    ui = with_cart
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("mode-debit", pay)
    ui.keypad("1000", pay)
    ui.click("add-partial", pay)
    ui.click("quick-5000", pay)
    assert ui.text("change", pay) == "Vuelto $2.680"
    pay.resize(1024, 600)
    path = ui.screenshot(pay, "payment_dialog.png")
    assert path.stat().st_size > 10_000
