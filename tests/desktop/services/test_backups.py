"""Backups of the till's journal: copied while the till sells, verified, the newest kept, failures said in Spanish
while the till goes on selling; restores put a verified copy back and move the replaced journal aside."""

from __future__ import annotations

import errno
import json
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from desktop import cli
from desktop.journal import backup as journal_backup
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import backups
from desktop.services.backups import BackupService, BackupWorker
from desktop.settings import BackupSettings
from shared.events import registry
from shared.sale import Tender, TenderKind


def _sell(term, n: int) -> None:
    for _ in range(n):
        term.checkout.scan("7801234567894")
        term.checkout.complete((Tender(TenderKind.DEBIT, term.checkout.sale.totals().total),))


def _service(term, clock, folder, *, pause: float = 0.0, **settings) -> BackupService:
    return BackupService(term.journal.path, term.settings.data_dir, term.journal.identity.terminal_id,
                         BackupSettings(folder=str(folder), **settings), clock, pause=pause)


def test_a_copy_of_the_open_journal_verifies_end_to_end_and_the_newest_are_kept(selling, clock, tmp_path):
    folder = tmp_path / "pendrive"
    folder.mkdir()
    service = _service(selling, clock, folder, keep=2)
    _sell(selling, 3)
    first = service.run()
    assert first.ok and first.events == selling.journal.verify() == selling.journal.head[0]
    copy = journal_backup.check(backups.Path(first.file))
    assert (copy.head_seq, copy.head_hash) == selling.journal.head
    assert copy.identity == selling.journal.identity
    names = []
    for _ in range(3):
        clock.advance(hours=1)
        _sell(selling, 1)
        outcome = service.run()
        assert outcome.ok
        names.append(outcome.file)
    kept = service.copies()
    assert [str(p) for p in kept] == names[::-1][:2]
    assert not list(folder.glob("*.parcial"))
    status = service.status()
    assert status.last_file == names[-1] and status.events == selling.journal.head[0] and not status.warning
    assert status.text.startswith("Último respaldo: recién")
    clock.advance(hours=27)
    warned = service.status()
    assert warned.old and "más de 26 horas" in warned.warning and "hace 27 h" in warned.text


def test_the_copy_is_a_snapshot_while_the_till_keeps_committing(selling, clock, tmp_path):
    """Sales committed from another thread during the copies: every copy verifies, the till loses nothing."""
    folder = tmp_path / "share"
    folder.mkdir()
    service = _service(selling, clock, folder, keep=10, pause=backups.PAUSE)  # the worker's paced check
    _sell(selling, 2)
    done = threading.Event()
    outcomes = []

    def copies() -> None:
        for _ in range(3):
            clock.advance(seconds=1)
            outcomes.append(service.run())
        done.set()

    worker = threading.Thread(target=copies)
    worker.start()
    while not done.is_set():
        _sell(selling, 1)
    worker.join()
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert selling.journal.verify() == selling.journal.head[0]


@pytest.mark.parametrize("fault", ["missing", "read_only", "full", "unset", "garbage"])
def test_a_failing_folder_is_said_in_spanish_and_the_till_keeps_selling(selling, clock, tmp_path, fault):
    folder = tmp_path / "usb"
    folder.mkdir()
    copier = journal_backup.copy_online
    if fault == "missing":
        folder.rmdir()
    elif fault == "read_only":
        folder.chmod(0o555)
    elif fault == "full":
        def copier(source, target):
            target.write_bytes(b"x" * 10)
            raise journal_backup.CopyFailed("full", str(OSError(errno.ENOSPC, "No space left on device")))
    elif fault == "garbage":
        def copier(source, target):
            target.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    service = BackupService(selling.journal.path, selling.settings.data_dir, selling.journal.identity.terminal_id,
                            BackupSettings(folder="" if fault == "unset" else str(folder)), clock, copier=copier)
    outcome = service.run()
    expected = {"missing": "no existe o no está conectada", "read_only": "solo lectura",
                "full": "No queda espacio", "unset": "No hay carpeta de respaldo",
                "garbage": "no se pudo leer completa"}[fault]
    assert not outcome.ok and expected in outcome.error
    if folder.exists():
        assert list(folder.iterdir()) == []  # no half-written copy left behind
    assert expected in service.status().warning
    head = selling.journal.head[0]
    _sell(selling, 1)
    assert selling.journal.head[0] > head
    folder.chmod(0o755) if folder.exists() else None
    assert service.due() is False  # retried at the next interval, not in a loop
    clock.advance(minutes=61)
    assert service.due() is True


def test_shift_close_asks_the_worker_for_a_copy(selling, clock, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    selling.backups = _service(selling, clock, folder)
    finished = threading.Event()
    selling.start_backups()
    assert selling.backup_worker is not None
    selling.backup_worker.poll_s = 3600  # only a request wakes it in this test
    selling.backup_worker.on_done = lambda outcome: finished.set()
    ana = selling.auth.sign_in("ana", "1234")
    selling.shifts.close(ana, {TenderKind.CASH: 20_000})
    assert finished.wait(30)
    assert selling.backups.status().last_file
    assert json.loads((selling.settings.data_dir / backups.STATUS_FILE).read_text())["reason"] == "cierre de turno"


def test_the_worker_copies_when_due(selling, clock, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    finished = threading.Event()
    worker = BackupWorker(_service(selling, clock, folder), poll_s=0.01, on_done=lambda o: finished.set())
    worker.start()
    try:
        assert finished.wait(30)
    finally:
        worker.stop()
    assert len(list(folder.glob("almacen-*.sqlite3"))) == 1


def test_restore_puts_a_verified_copy_back_and_moves_the_journal_aside(make_terminal, clock, tmp_path, capsys):
    term = make_terminal(backup=BackupSettings(folder=str(tmp_path / "usb")))
    (tmp_path / "usb").mkdir()
    data = term.settings.data_dir
    (data / "terminal.toml").write_text(f'[backup]\nfolder = "{tmp_path / "usb"}"\n', "utf-8")
    assert cli.main(["pos", "backup", "--data", str(data)]) == 0
    made = json.loads(capsys.readouterr().out)
    saved_head = term.journal.head
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    _sell(term, 2)
    later_head = term.journal.head
    assert cli.main(["pos", "restore", made["file"], "--data", str(data)]) == 1
    assert "ciérrela" in capsys.readouterr().err  # the till is open: nothing changes
    term.close()
    assert cli.main(["pos", "restore", "--data", str(data)]) == 0  # the newest copy in the folder
    done = json.loads(capsys.readouterr().out)
    assert done["head_seq"] == saved_head[0] and done["events"] == made["events"]
    aside = SqliteJournal.open(backups.Path(done["previous"]), codec=registry.build_codec(), clock=clock,
                               new_id=lambda: "x")
    assert aside.head == later_head  # the replaced journal is kept whole beside it
    aside.close()
    back = make_terminal(data_dir=data, fresh=False)
    assert back.journal.head[0] == saved_head[0] + 1  # + folio.leases_retired
    assert back.journal.verify() == saved_head[0] + 1


def test_restore_refuses_a_tampered_or_foreign_copy_and_changes_nothing(make_terminal, clock, tmp_path, capsys,
                                                                        monkeypatch):
    term = make_terminal()
    folder = tmp_path / "usb"
    folder.mkdir()
    outcome = _service(term, clock, folder).run()
    head = term.journal.head
    term.close()
    tampered = tmp_path / "tampered.sqlite3"
    tampered.write_bytes(backups.Path(outcome.file).read_bytes())
    with sqlite3.connect(tampered) as conn:  # someone edits a sale in the copy, past the journal's triggers
        for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
                                       ).fetchall():
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("UPDATE events SET payload = replace(payload, 'Ana', 'Ann') WHERE seq = "
                     "(SELECT min(seq) FROM events WHERE payload LIKE '%Ana%')")
    conn.close()
    data = term.settings.data_dir
    monkeypatch.setattr(journal_backup, "PAGE", 2)  # the paced check, two events a page, chained across pages
    assert journal_backup.check(backups.Path(outcome.file), pause=0.01).events == head[0]
    with pytest.raises(journal_backup.CopyFailed, match="corrupt"):
        journal_backup.check(tampered, pause=0.01)
    with pytest.raises(backups.RestoreRefused, match="no pasa la verificación"):
        backups.restore(tampered, term.journal.path, datetime.now(UTC))
    other = make_terminal(data_dir=tmp_path / "other", terminal_id="caja-2")
    foreign = _service(other, clock, folder).run()
    other.close()
    assert cli.main(["pos", "restore", foreign.file, "--data", str(data)]) == 1
    assert "es de otra caja" in capsys.readouterr().err
    assert not list(data.glob("*.antes-*")) and not list(data.glob("*.restaurando"))
    assert make_terminal(data_dir=data, fresh=False).journal.head == head


def test_backup_settings_are_read_and_checked(tmp_path):
    from desktop import settings as settings_mod

    s = settings_mod.parse('[backup]\nfolder = "/media/usb"\nkeep = 3\n', tmp_path)
    assert s.backup == BackupSettings(folder="/media/usb", keep=3)
    assert settings_mod.parse(settings_mod.dump(s), tmp_path) == s
    with pytest.raises(ValueError, match="keep debe ser 1 o más"):
        settings_mod.parse("[backup]\nkeep = 0\n", tmp_path)
    assert replace(s, backup=BackupSettings()).backup.folder == ""


def test_shift_close_archives_the_due_months_before_the_copy(selling, clock, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    selling.backups = _service(selling, clock, folder)
    clock.advance(days=450)  # the seeded catalog and the shift's opening are now older than the 400 days
    selling.checkout.scan("7801234567894")
    selling.checkout.complete((Tender(TenderKind.DEBIT, selling.checkout.sale.totals().total),))
    selling.journal.set_sync_state(**{f"acked_seq:{selling.journal.identity.epoch}": selling.journal.head[0]})
    finished = threading.Event()
    selling.start_backups()
    assert selling.backup_worker is not None
    selling.backup_worker.poll_s = 3600
    selling.backup_worker.on_done = lambda outcome: finished.set()
    selling.shifts.close(selling.auth.sign_in("ana", "1234"), {TenderKind.CASH: 20_000})
    assert finished.wait(30)
    names = [p.name for p in (selling.settings.data_dir / "archive").iterdir()]
    assert len(names) == 1 and names[0].endswith("-e1-2026-11.sqlite3")
    assert [p.name for p in (folder / "archive").iterdir()] == names  # the copy carries the new file
    assert selling.backups.archived().files == 1
