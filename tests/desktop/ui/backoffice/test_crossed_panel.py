"""Productos on a real till fed by HQ's change feed: a save that crosses HQ's price change shows the panel (both
prices, who at HQ and when) at 1024×600, nothing saved, and the manager keeps HQ's or saves theirs knowingly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QLineEdit, QWidget

from desktop.journal import inventory_queries as queries
from desktop.services.sync import SyncService
from shared.events import inventory as inv
from tests.desktop.services.hq_feed_kit import LECHE, Feed
from tests.desktop.ui.backoffice.kit import enter_back_office

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

RAISED_AT = datetime(2026, 12, 7, 13, 31, tzinfo=UTC)


def _crossed(ui, terminal) -> tuple[Feed, QWidget]:
    """Rosa opens Leche ($1.150, HQ's change 41), types $1.190; meanwhile HQ (pepe) raises it to $1.290 (57)."""
    terminal.journal.append(inv.InventorySettingsReceived(store_prices=True))
    feed = Feed()
    feed.publish(41, LECHE, 2, "ana@donpepe.cl", datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    enter_back_office(ui)
    ui.scan_into("products-search", "7801234567894")
    price = ui.find(QLineEdit, "product-price")
    price.clear()
    ui.qtbot.keyClicks(price, "1.190")
    feed.publish(57, {**LECHE, "price": 1290}, 3, "pepe@donpepe.cl", RAISED_AT)
    SyncService(terminal.journal, feed).pull()  # type: ignore[arg-type]
    head = terminal.journal.head
    ui.click("product-save")
    panel = ui.find(QWidget, "product-crossed")
    assert panel.isVisible()
    assert terminal.journal.head == head  # nothing saved
    return feed, panel


def test_the_crossed_panel_shows_both_prices_who_and_when(ui, terminal):
    _feed, panel = _crossed(ui, terminal)
    when = RAISED_AT.astimezone(terminal.journal.clock().tzinfo)
    assert ui.text("product-crossed-title", panel) == ("Casa matriz cambió Leche Entera Colun 1 L mientras usted lo"
                                                       " editaba")
    assert ui.text("product-crossed-lines", panel) == (
        f"HQ cambió el precio a $1.290 el {when:%d-%m-%Y %H:%M} (pepe@donpepe.cl); usted lo vio en $1.150.")
    assert ui.text("product-crossed-mine", panel).startswith("Su cambio: precio $1.190, se vende.")
    assert ui.find(QLineEdit, "product-price").text() == "1.190"  # what was typed stays
    assert panel.geometry() == panel.parentWidget().rect()
    hint = ui.window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600
    assert (ui.window.width(), ui.window.height()) == (1024, 600)
    path = ui.screenshot(ui.window, "backoffice_crossed_edit.png")
    assert path.stat().st_size > 10_000


def test_saving_mine_after_the_crossing_is_explicit(ui, terminal):
    _feed, panel = _crossed(ui, terminal)
    ui.click("product-save-mine", panel)
    assert not panel.isVisible()
    assert ui.text("products-message") == "Guardado el suyo: Leche Entera Colun 1 L"
    row = queries.store_product(terminal.journal.conn, "LEC-1")
    assert (row.price, row.seen_price, row.selling_price) == (1190, 1290, 1190)
    assert terminal.journal.conn.execute("SELECT seen_change FROM store_products WHERE sku = 'LEC-1'").fetchone() == (
        57,)


def test_keeping_hq_s_price_after_the_crossing(ui, terminal):
    _feed, panel = _crossed(ui, terminal)
    ui.click("product-keep-hq", panel)
    assert not panel.isVisible()
    assert ui.text("products-message") == "Guardado con el de HQ: Leche Entera Colun 1 L"
    row = queries.store_product(terminal.journal.conn, "LEC-1")
    assert (row.price, row.selling_price) == (None, 1290)
    assert ui.find(QLineEdit, "product-price").text() == ""  # the form shows HQ's again
