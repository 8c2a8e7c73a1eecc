"""A Z report that did not print is printed again: from its summary ([Reimprimir reporte Z]) or, during a later
shift, from [Turno…] → Reimprimir último reporte Z. Both papers are marked as a copy."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from desktop.drivers.escpos_decode import decode
from desktop.drivers.ports import PrinterStatus
from desktop.services.receipts import Z_COPY_MARK

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def close_shift(ui, counts=()):
    """[Turno…] → Cerrar turno, type ``counts`` ((field, amount), …) on the blind count, confirm; the Z dialog."""
    ui.click("action-shift")
    ui.click("close-shift", ui.dialog("shift-menu"))
    close = ui.dialog("close-dialog")
    for field, amount in counts:
        ui.find(QLineEdit, field, close).setFocus()
        ui.keypad(amount, close)
    ui.click("close-ok", close)
    return ui.dialog("z-dialog")


def reprint_button(report) -> QPushButton:
    button = report.findChild(QPushButton, "z-reprint")
    assert button is not None
    return button


def printed_z(job: bytes) -> list[str]:
    lines = decode(job).lines
    assert "REPORTE Z" in lines and Z_COPY_MARK in lines
    return lines


def test_a_z_that_did_not_print_is_reprinted_from_its_summary(ui, qtbot, printer):
    ui.start_selling()
    printer.fail_next(1, PrinterStatus.PAPER_OUT)
    report = close_shift(ui, (("count-cash", "20000"), ("count-debit", "5000"), ("count-credit", "3000"),
                              ("count-transfer", "1000")))
    button = reprint_button(report)
    qtbot.waitUntil(button.isVisible)
    message = ui.find(QLabel, "z-message", report)
    assert message.text().startswith("Turno 1 cerrado. No se imprimió el reporte Z:") and "papel" in message.text()
    assert message.property("error") is True and button.isEnabled() and button.text() == "Reimprimir reporte Z"
    assert printer.jobs == []
    shot = ui.screenshot(report, "z_reprint.png")  # the fullest summary: a row per means of payment
    assert shot.exists() and report.width() <= 1024 and report.height() <= 600

    ui.click("z-reprint", report)
    qtbot.waitUntil(lambda: "Reporte Z impreso" in message.text())
    assert message.text() == "Turno 1 cerrado. Reporte Z impreso." and message.property("error") is False
    assert not button.isVisible()
    lines = printed_z(printer.jobs[-1])
    assert any(line.startswith("Turno") and line.split()[-1] == "1" for line in lines)
    assert len(printer.jobs) == 1
    ui.click("z-ok", report)
    assert ui.find(QWidget, "sign-in-screen").isVisible() and ui.text("status-shift") == "Sin turno"


def test_a_reprint_that_fails_again_keeps_the_button(ui, qtbot, printer):
    ui.start_selling()
    printer.fail_next(2, PrinterStatus.OFFLINE)
    report = close_shift(ui)
    button = reprint_button(report)
    qtbot.waitUntil(button.isVisible)
    ui.click("z-reprint", report)
    qtbot.waitUntil(button.isEnabled)  # busy while the copy is on its way, offered again when it failed
    message = ui.text("z-message", report)
    assert button.isVisible() and message.startswith("Turno 1 cerrado. No se imprimió el reporte Z:")
    assert printer.jobs == []
    ui.click("z-reprint", report)  # the printer is back
    qtbot.waitUntil(lambda: not button.isVisible())
    assert "Reporte Z impreso" in ui.text("z-message", report) and len(printer.jobs) == 1


def test_the_shift_menu_reprints_the_previous_shifts_z_during_the_next_shift(ui, qtbot, printer):
    ui.start_selling()
    report = close_shift(ui)
    qtbot.waitUntil(lambda: len(printer.jobs) == 1)
    assert not reprint_button(report).isVisible()
    ui.click("z-ok", report)
    ui.start_selling()
    assert ui.text("status-shift") == "Turno 2"

    ui.click("action-shift")
    menu = ui.dialog("shift-menu")
    assert menu.height() <= 600 and menu.width() <= 1024  # nine actions in two columns fit the till's screen
    ui.screenshot(menu, "shift_menu.png")
    ui.click("reprint-z", menu)
    assert ui.closed("shift-menu")
    qtbot.waitUntil(lambda: ui.text("message") == "Reporte Z del turno 1 impreso (copia)")
    assert ui.find(QLabel, "message").property("error") is not True
    lines = printed_z(printer.jobs[-1])
    assert any(line.startswith("Turno") and line.split()[-1] == "1" for line in lines)
    assert Z_COPY_MARK not in decode(printer.jobs[0]).lines  # the original was not a copy

    printer.fail_next(1, PrinterStatus.PAPER_OUT)
    ui.click("action-shift")
    ui.click("reprint-z", ui.dialog("shift-menu"))
    qtbot.waitUntil(lambda: ui.text("message").startswith("No se imprimió el reporte Z:"))
    assert ui.find(QLabel, "message").property("error") is True and ui.text("status-shift") == "Turno 2"


def test_the_shift_menu_says_when_there_is_no_closed_shift_yet(ui, printer):
    ui.start_selling()
    ui.click("action-shift")
    ui.click("reprint-z", ui.dialog("shift-menu"))
    assert ui.text("message") == "Aún no hay turnos cerrados"
    assert ui.find(QLabel, "message").property("error") is True
    assert printer.jobs == []
