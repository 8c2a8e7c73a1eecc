"""The sale screen's category tabs in HQ's order (the feed's ``categories`` change), Favoritos first, at
1024×600; screenshot under artifacts/screenshots."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton, QTabBar

from desktop.services.sync import SyncService
from tests.desktop.services.test_emisor_header import Feed

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_the_category_tabs_follow_hqs_order(ui, terminal):
    feed = Feed()
    feed.add("categories", "order", {"names": ["Panadería", "Lácteos", "Bebidas", "Frescos", "Abarrotes",
                                               "Fiambrería"]})
    SyncService(terminal.journal, feed).pull()
    ui.window.resize(1024, 600)
    ui.start_selling()
    tabs = ui.find(QTabBar, "tabs")
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "Favoritos", "Panadería", "Lácteos", "Bebidas", "Frescos", "Abarrotes", "Fiambrería"]
    tiles = sorted((t.pos().y(), t.pos().x(), t.objectName()) for t in ui.window.findChildren(QPushButton)
                   if t.objectName().startswith("tile-") and t.isVisible())
    assert [name for _y, _x, name in tiles[:2]] == ["tile-PAN-1", "tile-LEC-1"]  # favourites in the tabs' order
    assert ui.window.width() <= 1024 and ui.window.height() <= 600
    ui.screenshot(ui.window, "till_sale_category_tabs_hq_order_1024x600.png")
