"""The Mermas page by touch at 1024×600: the bodega chosen, a product found by its PLU, its weight typed, a reason
touched, what it costs shown, recorded and listed; a supervisor sees it read-only."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton

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


def test_a_supervisor_sees_mermas_read_only(ui):
    page = open_section(ui, "mermas", "marta")
    assert not ui.find(QPushButton, "mermas-record", page).isEnabled()
    assert ui.text("mermas-message", page).startswith("Sólo lectura")
