"""The drawer kick and the Z report go through the print worker: failures reach the cashier, nothing is lost."""

from __future__ import annotations

import pytest

from desktop.drivers.ports import PrinterStatus

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def open_drawer(ui, pin="9999"):
    ui.click("action-shift")
    ui.click("open-drawer", ui.dialog("shift-menu"))
    dialog = ui.dialog("drawer-dialog")
    ui.click("reason-0", dialog)
    ui.keypad(pin, dialog)
    ui.click("drawer-ok", dialog)


def test_supervisor_opens_the_drawer_with_the_pulse_on_pin_2(ui, qtbot, printer):
    ui.start_selling()
    open_drawer(ui)
    assert ui.closed("drawer-dialog") and ui.text("message") == "Cajón abierto"
    qtbot.waitUntil(lambda: printer.jobs == [b"\x1bp\x0022"])


def test_a_drawer_that_does_not_open_is_told_and_the_sale_goes_on(ui, qtbot, printer, terminal):
    ui.start_selling()
    ui.scan("7801234567894")
    printer.fail_next(1, PrinterStatus.OFFLINE)
    open_drawer(ui)
    qtbot.waitUntil(lambda: ui.text("message").startswith("No se pudo abrir el cajón"))
    assert "llave" in ui.text("message") and ui.text("total") == "$1.150"
    assert [e.type for e in terminal.journal.read()][-1] == "drawer.opened"


def test_a_z_report_that_does_not_print_says_so_on_the_summary(ui, qtbot, printer):
    ui.start_selling()
    printer.status_value = PrinterStatus.PAPER_OUT
    ui.click("action-shift")
    ui.click("close-shift", ui.dialog("shift-menu"))
    close = ui.dialog("close-dialog")
    ui.click("close-ok", close)
    report = ui.dialog("z-dialog")
    qtbot.waitUntil(lambda: "No se imprimió el reporte Z" in ui.text("z-message", report))
    assert "Turno 1 cerrado." in ui.text("z-message", report) and "papel" in ui.text("z-message", report)
    ui.click("z-ok", report)
    assert ui.text("status-shift") == "Sin turno"
