"""A serial scanner's codes reach the sale on the GUI thread; its problems show as the sale screen's message."""

from __future__ import annotations

import os
import tty

import pytest
from PySide6.QtWidgets import QTableView

from desktop.drivers.fakes import FakeScanner
from desktop.drivers.scanner import SerialScanner

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def pty():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


@pytest.fixture
def reader(request):
    """A fake scanner, or a real serial one on a pty when the test asks for ``pty``."""
    if "pty" in request.fixturenames:
        return SerialScanner(request.getfixturevalue("pty")[1], retry=0.1)
    return FakeScanner()


def rows(ui):
    model = ui.find(QTableView, "cart").model()
    return [(model.index(r, 0).data(), model.index(r, 1).data()) for r in range(model.rowCount())]


def test_a_scanned_code_is_added_to_the_sale(ui, reader):
    assert reader.started  # the window started it
    reader.emit("7801234567894")  # before signing in: not selling, nothing happens
    ui.start_selling()
    reader.emit("7801234567894")
    reader.emit("7801234567894")
    assert rows(ui) == [("Leche Entera Colun 1 L", "x2")]
    assert ui.text("message") == "Leche Entera Colun 1 L agregado"


def test_a_code_while_a_dialog_asks_is_not_sold(ui, reader):
    ui.start_selling()
    ui.click("tile-PAN-1")
    dialog = ui.dialog("weight-dialog")
    reader.emit("7801234567894")
    assert rows(ui) == []
    assert "diálogo abierto" in ui.text("weight-error", dialog)  # said where the cashier is looking
    ui.click("weight-cancel", dialog)
    assert rows(ui) == []


def test_scanner_problems_show_on_the_sale_screen(ui, reader):
    ui.start_selling()
    reader.fail("Se desconectó el lector de códigos (/dev/ttyACM0). Revise el cable.")
    assert ui.text("message").startswith("Se desconectó el lector")
    assert ui.find(QTableView, "cart").model().rowCount() == 0


def test_a_real_serial_scanner_on_a_pty(ui, qtbot, pty, reader):
    master, _port = pty
    ui.start_selling()
    qtbot.waitUntil(reader.connected.is_set, timeout=3000)
    os.write(master, b"7801610001196\r\n")
    qtbot.waitUntil(lambda: rows(ui) == [("Coca-Cola Original 1,5 L", "x1")], timeout=3000)
    os.write(master, b"\xff\xfe\x00\r\n")
    qtbot.waitUntil(lambda: "ilegibles" in ui.text("message"), timeout=3000)
    assert rows(ui) == [("Coca-Cola Original 1,5 L", "x1")]
    ui.window.close()
    assert not reader.running
