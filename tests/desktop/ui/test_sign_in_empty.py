"""A till no user has reached yet: the sign-in says so and how to fix it (no blank list, no keypad), and that its
header is terminal.toml's; once HQ's users and emisor arrive on a pull, the names and the keypad appear and the
note goes. Screenshots at 1024×600."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakePrinter
from desktop.services import receipts
from desktop.services.sync import SyncService
from tests.desktop.services.test_emisor_header import EMISOR, Feed
from tests.desktop.ui.conftest import ROWS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def terminal(tmp_path: Path, printer: FakePrinter, scale: Any, reader: Any) -> Iterator[terminal_mod.Terminal]:
    """A till with its catalog and no user (a new tenant's till before HQ created anyone)."""
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=tmp_path), create=True, printer=printer,
                              scale=scale, reader=reader, hasher=FAST)
    seed.load_products(term, [dict(r) for r in ROWS])
    yield term
    term.close()


def test_a_till_without_users_says_how_to_get_them_then_shows_them(ui, terminal):
    ui.window.resize(1024, 600)
    screen = ui.find(QWidget, "sign-in-screen")
    empty = ui.find(QLabel, "sign-in-empty")
    assert "Esta caja aún no tiene usuarios" in empty.text() and "HQ" in empty.text()
    assert "pos-user-add" in empty.text()
    assert not ui.window.findChild(QWidget, "sign-in-keypad").isVisible()
    assert not [b for b in screen.findChildren(QPushButton) if b.objectName().startswith("user-")]
    assert ui.text("sign-in-notice") == receipts.NO_EMISOR
    shot = ui.screenshot(ui.window, "till_sign_in_no_users_1024x600.png")
    assert shot.stat().st_size > 0

    feed = Feed()
    feed.add("user", "u-carla", {"user_id": "u-carla", "name": "Carla Núñez", "role": "cajero",
                                 "pin_hash": FAST.hash("2468"), "active": True})
    feed.add("emisor", "emisor", EMISOR)
    SyncService(terminal.journal, feed).pull()
    ui.window.sync_bridge.on_pulled()  # what the sync bridge calls after a pull that brought changes

    assert not ui.window.findChild(QLabel, "sign-in-empty").isVisible()
    assert not ui.window.findChild(QLabel, "sign-in-notice").isVisible()
    assert ui.find(QPushButton, "user-u-carla").text() == "Carla Núñez"
    ui.screenshot(ui.window, "till_sign_in_users_from_hq_1024x600.png")
    ui.sign_in("u-carla", "2468")
    assert ui.find(QWidget, "open-shift-screen").isVisible()
