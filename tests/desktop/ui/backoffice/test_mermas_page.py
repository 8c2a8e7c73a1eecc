"""The Mermas page by touch at 1024×600: the bodega chosen, a product found by its PLU, its weight typed, a reason
touched, what it costs shown, recorded and listed; above the threshold the supervisor's PIN keypad; a supervisor
sees it read-only."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton

from shared import money
from shared.events import inventory as events
from tests.desktop.presenters.backoffice.kit import bought
from tests.desktop.ui.backoffice.ops_kit import cells, fits, open_section

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_a_merma_recorded_by_touch(ui, terminal):
    page = open_section(ui, "mermas")
    fits(ui, page)
    ui.click("mermas-warehouse-1", page)
    ui.type("mermas-product", "1001", enter=True)
    assert ui.text("mermas-chosen", page) == "Producto: PAN-1 · Pan Batido"
    ui.qtbot.keyClicks(ui.find(QLineEdit, "mermas-quantity", page), "0,75")
    ui.click("mermas-reason-dano", page)
    assert ui.text("mermas-cost", page) == "Sin costo: el producto nunca se ha comprado (se registra a $0)"
    ui.qtbot.keyClicks(ui.find(QLineEdit, "mermas-note", page), "se cayo la bandeja")
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_mermas_form.png")
    ui.click("mermas-record", page)
    assert ui.text("mermas-message", page) == "Merma registrada: 0,750 de Pan Batido · Daño · $0"
    assert cells(ui, "mermas-recorded") == [["PAN-1 · Pan Batido", "0,750", "Daño", "$0", "—"]]
    [merma] = [e for e in terminal.journal.read() if e.type == "inventory.merma_recorded"]
    assert merma.payload["warehouse"] == f"{terminal.journal.identity.store_id}-bodega"
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_mermas_recorded.png")


def test_a_merma_recorded_by_touch_with_a_supervisors_pin(ui, terminal):
    bought(terminal, ("LEC-1", "100", 800))
    terminal.journal.append(events.InventorySettingsReceived(merma_pin_above=5000))  # as HQ publishes it
    page = open_section(ui, "mermas")
    fits(ui, page)
    ui.type("mermas-product", "7801234567894", enter=True)
    assert ui.text("mermas-chosen", page) == "Producto: LEC-1 · Leche Entera Colun 1 L"
    quantity = ui.find(QLineEdit, "mermas-quantity", page)
    quantity.selectAll()
    ui.qtbot.keyClicks(quantity, "30")
    ui.click("mermas-reason-vencimiento", page)
    quote = terminal.mermas.quote("LEC-1", "30")
    value = money.format_clp(quote.value)
    assert ui.text("mermas-cost", page) == (f"Costo {money.format_clp(quote.unit_cost)} c/u · Total {value} · Se "
                                            "pedirá el PIN de un supervisor.")
    ui.screenshot(ui.window, "backoffice_mermas_cost.png")
    ui.click("mermas-record", page)
    pin = ui.dialog("merma-pin-dialog")
    ui.keypad("1234", pin)
    ui.click("merma-pin-ok", pin)
    assert ui.text("merma-pin-error", pin).startswith("PIN incorrecto")
    ui.keypad("9999", pin)
    ui.click("merma-pin-ok", pin)
    assert ui.closed("merma-pin-dialog")
    assert ui.text("mermas-message", page).startswith("Merma registrada: 30 de Leche Entera Colun 1 L")
    assert cells(ui, "mermas-recorded") == [
        ["LEC-1 · Leche Entera Colun 1 L", "30", "Vencimiento", value, "Marta Rojas"]]
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_mermas_recorded.png")


def test_a_supervisor_sees_mermas_read_only(ui):
    page = open_section(ui, "mermas", "marta")
    assert not ui.find(QPushButton, "mermas-record", page).isEnabled()
    assert ui.text("mermas-message", page).startswith("Sólo lectura")
