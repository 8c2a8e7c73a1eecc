"""The Transferencias page by touch at 1024×600: goods scanned onto a sheet and sent from the sala to the bodega;
what another store sent received line by line with a difference recorded; the history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLineEdit

from shared.events import inventory as events
from tests.desktop.ui.backoffice.ops_kit import cells, fits, open_section, touch_row

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_a_transfer_sent_and_one_received_by_touch(ui, terminal):
    store = terminal.journal.identity.store_id
    terminal.journal.append(events.TransferIncoming(  # as the master forwards it
        "t-norte-1", "norte", "norte", f"{store}-bodega",
        (events.TransferLine("HUE-12", "Huevos Blancos 12 un", Decimal(10), 2900),
         events.TransferLine("ARR-1", "Arroz Grado 1 Tucapel 1 kg", Decimal(20), 1100)), "pedro",
        "2026-11-19T10:00:00-03:00", "camioneta"))
    page = open_section(ui, "transfers")
    for code in ("7801234567894", "7801234567894", "7801610001196"):
        ui.type("transfers-product", code, enter=True)
    assert cells(ui, "transfers-sheet") == [["LEC-1 · Leche Entera Colun 1 L", "2", "un"],
                                            ["BEB-15 · Coca-Cola Original 1,5 L", "1", "un"]]
    quantity = ui.find(QLineEdit, "transfers-quantity", page)
    quantity.selectAll()
    ui.qtbot.keyClicks(quantity, "6")
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_transfers_send.png")
    ui.click("transfers-send", page)
    assert ui.text("transfers-message", page) == "Traslado hecho: 2 productos de Sala de ventas a Bodega"
    assert cells(ui, "transfers-sheet") == []

    ui.click("transfers-section-incoming", page)
    assert cells(ui, "transfers-incoming") == [["19-11-2026 10:00", "Tienda norte · Sala de ventas", "Bodega", "2"]]
    touch_row(ui, "transfers-incoming", 0)
    assert "camioneta" in ui.text("transfers-receipt-title", page)
    touch_row(ui, "transfers-receipt", 1)
    received = ui.find(QLineEdit, "transfers-received", page)
    received.selectAll()
    ui.qtbot.keyClicks(received, "18")
    assert cells(ui, "transfers-receipt")[1] == ["ARR-1 · Arroz Grado 1 Tucapel 1 kg", "20", "18", "-2"]
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_transfers_receive.png")
    ui.click("transfers-receive", page)
    assert ui.text("transfers-message", page) == "Traslado recibido con 1 diferencia (-$2.200 a costo)"
    ui.click("transfers-section-history", page)
    assert [row[2:] for row in cells(ui, "transfers-history")] == [["Hecho", "2", "—"], ["Recibido", "2", "1"]]
    ui.screenshot(ui.window, "backoffice_transfers_history.png")
