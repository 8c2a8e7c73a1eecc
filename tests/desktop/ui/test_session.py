"""Sign-in, opening a shift, and closing it with a blind count and its Z report."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QWidget

# The offscreen platform (only there) warns when a dialog's layout sets its window's minimum size.
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_sign_in_with_pin_and_open_shift(ui):
    assert ui.find(QWidget, "sign-in-screen").isVisible()
    assert ui.text("status-shift") == "Sin turno"
    ui.click("user-ana")
    ui.keypad("1234", ui.find(QWidget, "sign-in-screen"))
    pin = ui.find(QLineEdit, "pin")
    assert pin.echoMode() == QLineEdit.EchoMode.Password and pin.displayText() != "1234"
    ui.click("sign-in")

    screen = ui.find(QWidget, "open-shift-screen")
    assert "Ana Pérez" in ui.text("greeting")
    ui.keypad("20000", screen)
    ui.click("open-shift")

    assert ui.find(QWidget, "sale-screen").isVisible()
    assert ui.text("status-cashier") == "Cajero: Ana Pérez"
    assert ui.text("status-shift") == "Turno 1"
    assert ui.text("status-connection") == "● Sin conexión a HQ"
    assert ui.find(QLineEdit, "search").hasFocus()


def test_wrong_pin_stays_on_sign_in_with_the_error(ui):
    ui.sign_in("ana", "0000")
    assert ui.find(QWidget, "sign-in-screen").isVisible()
    assert "PIN incorrecto" in ui.text("signin-message")
    assert ui.find(QWidget, "signin-message").property("error") is True
    assert ui.find(QLineEdit, "pin").text() == ""


def test_another_cashier_joins_the_open_shift_when_the_store_shares_it(ui):
    ui.window.session.handover_count = False  # terminal.toml: cashier_change = "shared"
    ui.start_selling()
    ui.click("action-shift")
    ui.click("switch-user", ui.dialog("shift-menu"))
    ui.sign_in("pedro", "2345")
    assert ui.find(QWidget, "sale-screen").isVisible()
    assert ui.text("status-cashier") == "Cajero: Pedro Soto"
    assert ui.text("status-shift") == "Turno 1"


def test_close_shift_with_blind_count_shows_the_z_lines(ui):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.click("pay")
    pay = ui.dialog("payment-dialog")
    ui.click("quick-2000", pay)
    ui.click("finish", pay)
    ui.click("new-sale", pay)

    ui.click("action-shift")
    ui.click("close-shift", ui.dialog("shift-menu"))
    close = ui.dialog("close-dialog")
    assert "esperado" not in " ".join(w.text() for w in close.findChildren(QLineEdit))  # blind
    ui.find(QLineEdit, "count-cash").setFocus()
    ui.keypad("21150", close)
    ui.click("close-ok", close)

    report = ui.dialog("z-dialog")
    rows = {ui.text(f"z-name-{i}", report): ui.text(f"z-value-{i}", report) for i in range(4)}
    assert rows["Ventas"] == "1"
    assert rows["Total"] == "$1.150"
    assert rows["Efectivo: esperado / contado"] == "$21.150 / $21.150"
    assert rows["Efectivo"] == "Caja cuadrada"
    assert "Turno 1 cerrado" in ui.text("z-message", report)
    ui.click("z-ok", report)

    assert ui.find(QWidget, "sign-in-screen").isVisible()
    assert ui.text("status-shift") == "Sin turno"


def test_close_shift_is_refused_with_a_sale_in_progress(ui):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.click("action-shift")
    ui.click("close-shift", ui.dialog("shift-menu"))
    assert ui.closed("close-dialog")
    assert "Termine o anule la venta" in ui.text("message")


def test_cash_withdrawal_needs_a_supervisor_pin(ui, terminal):
    ui.start_selling()
    ui.click("action-shift")
    ui.click("cash-out", ui.dialog("shift-menu"))
    amount = ui.dialog("cash-out-dialog")
    ui.keypad("5000", amount)
    ui.click("reason-0", amount)
    ui.click("cash-out-ok", amount)

    pin = ui.dialog("cash-out-pin-dialog")
    ui.keypad("1234", pin)  # a cashier's PIN does not authorise
    ui.click("cash-out-pin-ok", pin)
    assert pin.isVisible() and "PIN incorrecto" in ui.text("cash-out-pin-error", pin)
    ui.find(QLineEdit, "cash-out-pin-input", pin).clear()
    ui.keypad("9999", pin)
    ui.click("cash-out-pin-ok", pin)
    assert ui.closed("cash-out-pin-dialog")
    assert ui.text("message") == "Retiro de $5.000 registrado"
