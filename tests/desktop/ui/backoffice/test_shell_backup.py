"""The back office's header shows the journal's last good backup, amber when there is none, it is old or the folder
failed; touching it says the whole status and what to do (1024×600, screenshots)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from desktop.services.backups import BackupService
from desktop.settings import BackupSettings
from shared import es_cl
from tests.desktop.ui.backoffice.kit import enter_back_office
from tests.desktop.ui.backoffice.ops_kit import fits

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def _backups(terminal, folder, clock) -> BackupService:
    terminal.backups = BackupService(terminal.journal.path, terminal.settings.data_dir,
                                     terminal.journal.identity.terminal_id, BackupSettings(folder=folder), clock)
    return terminal.backups


def _touch(ui, screen) -> tuple[str, str]:
    button = ui.find(QPushButton, "back-office-backup", screen)
    ui.click("back-office-backup", screen)
    return button.text(), ui.find(QLabel, "back-office-message", screen).text()


def test_the_last_good_backup_and_the_warnings_as_a_manager_sees_them(ui, terminal, tmp_path):
    now = [terminal.journal.clock()]
    _backups(terminal, "", lambda: now[0])
    screen = enter_back_office(ui)
    shown, said = _touch(ui, screen)
    assert shown == "⚠ Respaldo\nninguno" and "No hay carpeta de respaldo" in said
    assert ui.find(QPushButton, "back-office-backup", screen).property("alert") is True
    fits(ui, screen)
    ui.screenshot(ui.window, "backoffice_backup_unset.png")
    ui.click("back-office-leave", screen)

    (tmp_path / "usb").mkdir()
    service = _backups(terminal, str(tmp_path / "usb"), lambda: now[0])
    assert service.run().ok
    events = terminal.journal.head[0]  # signing in journals more after the copy
    now[0] += timedelta(hours=2)
    screen = enter_back_office(ui)
    shown, said = _touch(ui, screen)
    assert shown == "✓ Respaldo\nhace 2 h"
    assert said == f"Último respaldo: hace 2 h ({events:,} eventos). Carpeta: {tmp_path / 'usb'}.".replace(
        f"{events:,}", f"{events:,}".replace(",", "."))
    assert ui.find(QPushButton, "back-office-backup", screen).property("alert") is False
    fits(ui, screen)
    ui.screenshot(ui.window, "backoffice_backup_ok.png")
    ui.click("back-office-leave", screen)

    shutil.rmtree(tmp_path / "usb")  # the pendrive was taken out; a day and a half goes by
    now[0] += timedelta(hours=34)
    assert not service.run().ok
    screen = enter_back_office(ui)
    shown, said = _touch(ui, screen)
    assert shown == "⚠ Respaldo\nhace 36 h"
    assert "hace 36 h" in said and "no existe o no está conectada" in said
    fits(ui, screen)
    ui.screenshot(ui.window, "backoffice_backup_missing.png")


def test_a_supervisor_sees_it_beside_the_read_only_note(ui, terminal, tmp_path):
    _backups(terminal, str(tmp_path), terminal.journal.clock).run()
    screen = enter_back_office(ui, "marta", "9999")
    assert ui.text("back-office-notice", screen) == "Solo lectura"
    assert ui.find(QPushButton, "back-office-backup", screen).text() == "✓ Respaldo\nrecién"
    fits(ui, screen)
    ui.screenshot(ui.window, "backoffice_backup_supervisor.png")


def test_the_journal_archive_files_are_said_with_the_backup(ui, terminal, tmp_path):
    from desktop.journal import archive

    later = terminal.journal.clock() + timedelta(days=62)  # the catalog was seeded this month; a shift two later
    terminal.journal.clock = lambda: later
    terminal.shifts.open(terminal.auth.sign_in("ana", "1234"), 20_000)
    terminal.journal.set_sync_state(**{f"acked_seq:{terminal.journal.identity.epoch}": terminal.journal.head[0]})
    archived = archive.run(terminal.journal, later, 31).archived
    month = archived[0].month
    assert len(archived) == 1 and month < later.isoformat()[:7]
    _backups(terminal, str(tmp_path), lambda: later).run()
    screen = enter_back_office(ui)
    _shown, said = _touch(ui, screen)
    assert f"{archived[0].events:,}".replace(",", ".") + " movimientos archivados en 1 archivo(s)" in said
    assert f"último mes archivado: {es_cl.MONTHS[int(month[5:]) - 1]} de {month[:4]}" in said
    assert str(tmp_path / "archive") in said
    fits(ui, screen)
    ui.screenshot(ui.window, "backoffice_backup_archive.png")
