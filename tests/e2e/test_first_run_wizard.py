"""A new till's first run (an empty journal, terminal.toml as installed) against a real sync server, through its Qt
wizard at 1024×600: a wrong code is refused in Spanish, the right one enrols it in HQ's store, the pull brings the
catalog imported in HQ and the cashier created there (counts on screen), the test receipt prints, and the sign-in
shows that cashier, whose PIN opens the till. Each step is saved under artifacts/screenshots."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.presenters.enrollment import EnrollPresenter
from desktop.ui import app
from shared import catalog_import as ci
from syncserver import catalog_import, pos_users, tenancy
from tests.e2e import sync_kit

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
AT = datetime(2026, 12, 6, 15, tzinfo=UTC)
CSV = "sku,name,brand,category,price\n" + "".join(
    f"W-{i:02d},Producto de prueba {i},Marca,{'Bebidas' if i % 2 else 'Abarrotes'},{990 + 10 * i}\n"
    for i in range(1, 31))


def _shot(widget: QWidget, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SCREENSHOTS / name))


def _find(parent: QWidget, kind: type, name: str):  # type: ignore[no-untyped-def]
    found = [w for w in parent.findChildren(kind, name) if w.isVisible()]
    assert found, f"no visible {kind.__name__} {name!r}"
    return found[-1]


def test_a_new_till_runs_its_first_run_wizard_against_hq_and_lands_on_sign_in(qtbot, server, tmp_path):
    sync_kit.setup_tenants(server)

    async def hq(pool):  # what the owner did in HQ: the catalog from a CSV, a cashier, a code for the till
        await catalog_import.run(pool, 2, ci.read_csv(CSV.encode()), None, now=AT)
        await pos_users.create(pool, 2, user_id="u-carla", name="Carla Núñez", role="cajero", stores=["esquina"],
                               pin="2468", by="José Pérez", at=AT, hasher=FAST)
        return await tenancy.issue_enrollment_code(pool, 2, "esquina", "Caja 1")

    code = str(server.run(hq))
    s = settings_mod.TerminalSettings(data_dir=tmp_path / "till")  # terminal.toml as installed: no store yet
    printer = FakePrinter()
    term = terminal_mod.build(s, create=True, printer=printer, drawer=FakeDrawer(), hasher=FAST)
    try:
        assert EnrollPresenter.needed(term.journal, term.sync is not None)
        wizard = app.first_run_wizard(term)
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        assert (wizard.width(), wizard.height()) == (1024, 600)
        _shot(wizard, "first-run-1-connect.png")

        _find(wizard, QLineEdit, "enroll-url").setText(server.url)
        _find(wizard, QLineEdit, "enroll-code").setText("AAAA-BBBB-CCCC")
        qtbot.mouseClick(_find(wizard, QPushButton, "enroll-connect"), Qt.MouseButton.LeftButton)
        assert "HQ no conoce ese código" in _find(wizard, QLabel, "enroll-message").text()
        assert term.sync is None
        _shot(wizard, "first-run-1-wrong-code.png")

        _find(wizard, QLineEdit, "enroll-code").setText(code.lower())
        qtbot.mouseClick(_find(wizard, QPushButton, "enroll-connect"), Qt.MouseButton.LeftButton)
        assert term.sync is not None
        ident = term.journal.identity  # the new till's empty journal took HQ's tenant and store, and its own id
        assert (ident.tenant_id, ident.store_id) == (2, "esquina") and ident.terminal_id != s.terminal_id
        qtbot.waitUntil(lambda: wizard.presenter.view.pulled, timeout=20000)
        assert _find(wizard, QLabel, "enroll-count-products").text() == "30"
        assert _find(wizard, QLabel, "enroll-count-users").text() == "1"
        assert "Listo: 30 productos, 1 usuario y 0 rangos de folios" in _find(wizard, QLabel, "enroll-message").text()
        _shot(wizard, "first-run-2-pull.png")

        qtbot.mouseClick(_find(wizard, QPushButton, "enroll-next"), Qt.MouseButton.LeftButton)
        assert _find(wizard, QLabel, "enroll-devices-found").text()
        qtbot.mouseClick(_find(wizard, QPushButton, "enroll-test-print"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Prueba enviada" in _find(wizard, QLabel, "enroll-devices-message").text(),
                        timeout=10000)
        assert printer.jobs, "the test receipt reached the printer"
        _shot(wizard, "first-run-3-devices.png")
        qtbot.mouseClick(_find(wizard, QPushButton, "enroll-finish"), Qt.MouseButton.LeftButton)
        assert not wizard.isVisible() and wizard.presenter.view.done

        window = app.build_window(term)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        user = _find(window, QPushButton, "user-u-carla")
        _shot(window, "first-run-4-sign-in.png")
        assert user.text().startswith("Carla Núñez")
        assert term.auth.sign_in("u-carla", "2468").name == "Carla Núñez"
        assert term.catalog.by_sku("W-30").price == 1290
        window.close()
    finally:
        term.close()
