"""First run: the till asks to connect to HQ; a refused code is explained, skipping is remembered, and a good
code connects the running till without a restart (against an in-process fake HQ); a pull that finds no server can
be retried or left to the background sync."""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from desktop.presenters.enrollment import EnrollPresenter
from desktop.ui.app import enroll_presenter
from desktop.ui.enroll_dialog import EnrollDialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]


def _fake_hq(tenant_id: int, store_id: str) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        body = request.read()
        if b"BUENO" not in body:
            return httpx.Response(400, json={"error": "enrollment", "message": "código de enrolamiento desconocido"})
        return httpx.Response(200, json={"terminal_id": "x", "tenant_id": tenant_id, "store_id": store_id,
                                         "epoch": 1})
    return httpx.MockTransport(answer)


def test_first_run_dialog_connects_or_skips(qtbot, terminal, monkeypatch):
    from desktop.services import enrollment

    real = enrollment.register
    ident = terminal.journal.identity
    hq = _fake_hq(ident.tenant_id, ident.store_id)
    monkeypatch.setattr(enrollment, "register", lambda *a, **k: real(*a, **{**k, "transport": hq}))
    assert EnrollPresenter.needed(terminal.journal, terminal.sync is not None)
    dialog = EnrollDialog(enroll_presenter(terminal))
    qtbot.addWidget(dialog)
    dialog.findChild(QLineEdit, "enroll-url").setText("http://hq.local:8700")
    dialog.findChild(QLineEdit, "enroll-code").setText("MALO-0000-0000")
    dialog.findChild(QPushButton, "enroll-connect").click()
    assert "HQ no conoce ese código" in dialog.findChild(QLabel, "enroll-message").text()
    assert terminal.sync is None
    dialog.findChild(QLineEdit, "enroll-code").setText("BUENO-1234")
    dialog.findChild(QPushButton, "enroll-connect").click()
    assert terminal.sync is not None and terminal.journal.sync_state()["server_url"] == "http://hq.local:8700"
    # this fake HQ only enrols: the pull finds no server, says so and offers to retry or go on
    qtbot.waitUntil(lambda: not dialog.presenter.view.pulling, timeout=5000)
    assert not dialog.findChild(QPushButton, "enroll-retry").isHidden()
    assert "Se cortó la recepción" in dialog.findChild(QLabel, "enroll-message").text()
    dialog.findChild(QPushButton, "enroll-next").click()
    assert dialog.presenter.view.done and not dialog.isVisible()  # no devices step without the device page
    assert not EnrollPresenter.needed(terminal.journal, terminal.sync is not None)


def test_skipping_is_remembered(terminal):
    presenter = enroll_presenter(terminal)
    assert presenter.skip().done
    assert not EnrollPresenter.needed(terminal.journal, terminal.sync is not None)


def test_a_pull_cut_halfway_shows_what_arrived_and_retries_at_1024x600(qtbot, ui, terminal, monkeypatch):
    from desktop.services import enrollment
    from desktop.services.sync import SyncService
    from tests.desktop.presenters.test_first_run import PAGES, Feed

    real = enrollment.register
    ident = terminal.journal.identity
    hq = _fake_hq(ident.tenant_id, ident.store_id)
    monkeypatch.setattr(enrollment, "register", lambda *a, **k: real(*a, **{**k, "transport": hq}))
    service = SyncService(terminal.journal, Feed(PAGES, fail_at=1))
    dialog = EnrollDialog(EnrollPresenter(terminal.journal, terminal.settings.data_dir, lambda: service))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.findChild(QLineEdit, "enroll-url").setText("hq.local:8700")
    dialog.findChild(QLineEdit, "enroll-code").setText("BUENO-1234")
    dialog.findChild(QPushButton, "enroll-connect").click()
    qtbot.waitUntil(lambda: not dialog.presenter.view.pulling, timeout=5000)
    assert dialog.findChild(QLabel, "enroll-message").text() == (
        "Se cortó la recepción (sin conexión con el servidor (ReadTimeout)). Lo recibido queda guardado; toque "
        "Reintentar.")
    assert dialog.findChild(QLabel, "enroll-count-products").text() == "2"
    retry = dialog.findChild(QPushButton, "enroll-retry")
    assert retry.isVisible() and retry.height() >= 44  # a fingertip
    ui.screenshot(dialog, "first-run-2-cut.png")
    retry.click()
    qtbot.waitUntil(lambda: dialog.presenter.view.pulled, timeout=5000)
    assert dialog.findChild(QLabel, "enroll-count-products").text() == "4"
    assert dialog.findChild(QLabel, "enroll-count-folios").text() == "1"
    assert not retry.isVisible()
    ui.screenshot(dialog, "first-run-2-done-after-retry.png")
