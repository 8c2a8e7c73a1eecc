"""A store's week for the back-office Qt tests: goods bought at a cost, a minimum set, a crossed price, negative
stock, and the back office entered by its administradora."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QTableWidget, QWidget

from desktop.services.purchases import PurchaseService
from shared.events import catalog as catalog_events
from shared.events import inventory as inv
from tests import supplier_dte as sd

STORE_RUT = "77447842-6"


def stock_story(terminal) -> None:
    """The tenant lets stores set prices; 12 Leche bought at $700 neto; Leche's minimum 40 in Pasillo 2; Huevos at
    the store's $3.790, saved when HQ's was $3.790 (HQ's is $3.990: a crossed edit); Aceite 30 short (negative)."""
    terminal.journal.append(inv.InventorySettingsReceived(store_prices=True))
    factura = sd.dte(33, 11, [("Leche", "12", "700", "LEC-1", False)], STORE_RUT)
    PurchaseService(terminal.journal, STORE_RUT, terminal.journal.new_id).import_file(
        sd.envio([factura], STORE_RUT), registered_by="rosa")
    terminal.journal.append(inv.StoreProductSet("LEC-1", None, Decimal(40), "Pasillo 2, repisa 1", True, "rosa",
                                                seen_price=1150))
    terminal.journal.append(inv.StoreProductSet("HUE-12", 3790, None, "Pasillo 5", True, "rosa", seen_price=3790))
    terminal.journal.append(catalog_events.StockAdjusted("ACE-1", Decimal(-30), "merma"))


def cells(ui, name):
    table = ui.find(QTableWidget, name)
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def enter_back_office(ui, user="rosa", pin="0000"):
    ui.sign_in(user, pin)
    screen = ui.find(QWidget, "back-office")
    assert ui.window.screens.currentWidget() is screen
    return screen
