"""The device page: administrator PIN, picking devices, the test print, the live weight, and Guardar."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

from desktop import settings as settings_mod
from desktop.drivers.fakes import FakePrinter
from desktop.drivers.ports import PrinterStatus
from desktop.drivers.scales.fakes import FakeScale

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def open_devices(ui, pin="0000"):
    ui.start_selling()
    ui.click("action-shift")
    ui.click("devices", ui.dialog("shift-menu"))
    dialog = ui.dialog("admin-pin-dialog")
    ui.keypad(pin, dialog)
    ui.click("admin-pin-ok", dialog)
    return dialog


def choose(ui, page, name, value):
    box = ui.find(QComboBox, name, page)
    index = box.findData(value)
    assert index >= 0, f"{value!r} not offered in {name}"
    box.setCurrentIndex(index)


def test_only_an_administrator_opens_the_page(ui):
    dialog = open_devices(ui, "9999")  # Marta is a supervisor, not an administrator
    assert dialog.isVisible() and "PIN incorrecto" in ui.text("admin-pin-error", dialog)
    ui.find(QLineEdit, "admin-pin-input", dialog).clear()
    ui.keypad("0000", dialog)  # Rosa
    ui.click("admin-pin-ok", dialog)
    page = ui.dialog("devices-dialog")
    assert ui.find(QComboBox, "printer-kind", page).currentData() == "directory"
    assert ui.find(QComboBox, "scale-protocol", page).currentData() == ""


def test_test_print_reports_the_outcome(ui, qtbot, printer):
    open_devices(ui)
    page = ui.dialog("devices-dialog")
    ui.click("devices-test-print", page)
    qtbot.waitUntil(lambda: "Prueba enviada" in ui.text("devices-message", page))
    assert b"PRUEBA" in printer.jobs[-1]
    printer.fail_next(1, PrinterStatus.PAPER_OUT)
    ui.click("devices-test-print", page)
    qtbot.waitUntil(lambda: "La prueba no se imprimió" in ui.text("devices-message", page))
    assert "no tiene papel" in ui.text("devices-message", page)
    assert ui.find(QPushButton, "devices-test-print", page).isEnabled()


def test_bad_printer_address_is_explained(ui):
    open_devices(ui)
    page = ui.dialog("devices-dialog")
    choose(ui, page, "printer-kind", "usb")
    assert "hexadecimal" in ui.text("printer-hint", page)
    ui.find(QComboBox, "printer-target", page).setEditText("impresora")
    ui.click("devices-test-print", page)
    assert "fabricante:producto" in ui.text("devices-message", page)
    ui.click("devices-save", page)
    assert ui.text("devices-message", page).startswith("No se guardó")


def test_live_weight_and_save_writes_terminal_toml(ui, qtbot, terminal):
    open_devices(ui)
    page = ui.dialog("devices-dialog")
    choose(ui, page, "scale-protocol", "fake")
    ui.click("devices-readout", page)
    qtbot.waitUntil(lambda: ui.text("scale-state", page) == "Estable", timeout=3000)
    assert ui.text("scale-weight", page) == "0,500 kg"
    assert not page.findChild(QPushButton, "scale-accept").isVisible()  # a readout, nothing to accept
    choose(ui, page, "printer-kind", "fake")
    choose(ui, page, "printer-width", "58mm")
    choose(ui, page, "drawer-pin", 5)
    ui.click("devices-save", page)
    assert "Guardado en" in ui.text("devices-message", page)
    saved = settings_mod.load(terminal.settings.data_dir)
    assert (saved.printer.kind, saved.printer.width, saved.drawer.pin, saved.scale.protocol) == (
        "fake", "58mm", 5, "fake")
    assert isinstance(terminal.printer, FakePrinter) and isinstance(terminal.scale, FakeScale)
    ui.click("devices-close", page)
    assert ui.closed("devices-dialog")
    ui.click("tile-PAN-1")  # the scale now weighs on the sale screen
    dialog = ui.dialog("weight-dialog")
    qtbot.waitUntil(lambda: ui.text("scale-state", dialog) == "Estable", timeout=3000)


def test_screenshot_of_the_device_page(ui, qtbot):
    open_devices(ui)
    page = ui.dialog("devices-dialog")
    choose(ui, page, "printer-kind", "network")
    ui.find(QComboBox, "printer-target", page).setEditText("192.168.1.50:9100")
    choose(ui, page, "scale-protocol", "fake")
    ui.click("devices-readout", page)
    qtbot.waitUntil(lambda: ui.text("scale-state", page) == "Estable", timeout=3000)
    hint = page.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600  # fits the 10" touch screen
    assert page.size().width() == 1024 and page.size().height() == 600
    path = ui.screenshot(page, "device_page.png")
    assert path.stat().st_size > 10_000
