"""Archive files: acknowledged months older than the retention move out of the journal into verified files that
reading, rebuilding, verifying, backups and restores still see; a power cut at any step loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop import cli
from desktop.journal import archive, backup, read_models
from desktop.journal.archive import ArchiveError
from shared.events import envelope
from shared.sale import Tender, TenderKind

ROOT = Path(__file__).resolve().parents[3]
RETENTION = 31


def _sell(term, n: int = 2) -> None:
    for _ in range(n):
        term.checkout.scan("7801234567894")
        term.checkout.complete((Tender(TenderKind.DEBIT, term.checkout.sale.totals().total),))


def _months_of_sales(term, clock) -> datetime:
    """Sales in November 2026, December 2026 and January 2027, then one in March 2027 (the till's head); returns
    the day after it, when November, December and January ended over ``RETENTION`` days before."""
    for _ in range(3):
        _sell(term)
        clock.advance(days=31)
    clock.now = clock.now.replace(month=3, day=10)
    _sell(term, 1)
    return clock.now + timedelta(days=1)


def _ack_all(term) -> None:
    term.journal.set_sync_state(**{f"acked_seq:{term.journal.identity.epoch}": term.journal.head[0]})


def _every_entry(journal) -> list[envelope.Envelope]:
    return [e for epoch in journal.epochs() for e in journal.read(1, epoch)]


def _rows(journal) -> int:
    return int(journal.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_acknowledged_old_months_move_to_verified_files_that_every_reader_still_sees(selling, clock):
    now = _months_of_sales(selling, clock)
    _ack_all(selling)
    journal = selling.journal
    before, head, rows = _every_entry(journal), journal.head, _rows(journal)
    digest = cli.projection_digest(journal.conn)

    outcome = archive.run(journal, now, RETENTION)

    assert [a.month for a in outcome.archived] == ["2026-11", "2026-12", "2027-01"]
    assert [p.name for p in sorted(journal.archive_dir.iterdir())] == sorted(a.name for a in outcome.archived)
    assert _rows(journal) == rows - sum(a.events for a in outcome.archived)
    assert journal.conn.execute("SELECT min(occurred_at) FROM events").fetchone()[0] >= "2027-02"
    assert journal.head == head
    assert _every_entry(journal) == before  # read() goes through the files, then the rows
    edge = outcome.archived[-1].last_seq  # pages across a file's end, across files and into the rows
    for start, limit in ((1, 3), (edge - 2, 5), (outcome.archived[0].last_seq, 2), (edge + 1, 1), (edge, -1)):
        wanted = before[start - 1:] if limit < 0 else before[start - 1:start - 1 + limit]
        assert list(journal.read(start, limit=limit)) == wanted, (start, limit)
    assert journal.verify() == len(before)  # the chain across every file into the journal
    assert journal.rebuild_projections() == len(before)
    assert cli.projection_digest(journal.conn) == digest
    assert archive.run(journal, now, RETENTION).archived == ()  # nothing more is due
    _sell(selling, 1)  # the till goes on after its head
    assert journal.verify() == len(before) + _rows(journal) - (rows - sum(a.events for a in outcome.archived))
    status = archive.status(journal.conn, journal.path)
    assert (status.files, status.events, status.last_month) == (3, sum(a.events for a in outcome.archived),
                                                                 "2027-01")
    assert "archivados en 3 archivo(s)" in status.text


def test_only_what_the_server_acknowledged_and_the_retention_allows_is_archived(selling, clock):
    now = _months_of_sales(selling, clock)
    journal = selling.journal
    assert archive.run(journal, now, RETENTION).archived == ()  # never synced: nothing acknowledged
    december_last = int(journal.conn.execute("SELECT max(seq) FROM events WHERE occurred_at < '2027-01'"
                                             ).fetchone()[0])
    journal.set_sync_state(**{"acked_seq:1": december_last - 1})  # December's last event not acknowledged
    assert [a.month for a in archive.run(journal, now, RETENTION).archived] == ["2026-11"]
    _ack_all(selling)
    assert [a.month for a in archive.run(journal, now, 400).archived] == []  # a year's retention: all too recent
    assert [a.month for a in archive.run(journal, now, RETENTION).archived] == ["2026-12", "2027-01"]


def test_the_trigger_lets_go_only_of_archived_rows_and_never_allows_an_update(selling, clock):
    now = _months_of_sales(selling, clock)
    _ack_all(selling)
    conn = selling.journal.conn
    archive.run(selling.journal, now, RETENTION)
    first_live = conn.execute("SELECT min(seq) FROM events").fetchone()[0]
    for statement in ("DELETE FROM events WHERE seq = ?", "UPDATE events SET payload = '{}' WHERE seq = ?"):
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute(statement, (first_live,))
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute("DELETE FROM archives")


def test_an_altered_or_missing_archive_is_refused_in_spanish(selling, clock):
    now = _months_of_sales(selling, clock)
    _ack_all(selling)
    journal = selling.journal
    first = archive.run(journal, now, RETENTION).archived[0]
    path = journal.archive_dir / first.name
    kept = path.read_bytes()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE events SET payload = replace(payload, '1', '2') WHERE seq = (SELECT max(seq) FROM events)")
    conn.commit()
    conn.close()
    with pytest.raises(ArchiveError, match="cambió desde que se archivó"):
        journal.verify()
    with pytest.raises(ArchiveError, match="fue alterado"):  # the chain itself, whatever the recorded fingerprint
        archive.check(path, first.epoch, first.first_seq, first.last_seq, first.prev_hash, first.last_hash)
    path.unlink()
    with pytest.raises(ArchiveError, match="Falta el archivo del diario"):
        list(journal.read(1))
    path.write_bytes(kept)
    assert journal.verify() == journal.head[0]


def test_a_power_cut_at_any_step_loses_nothing(selling, clock, tmp_path):
    now = _months_of_sales(selling, clock)
    _ack_all(selling)
    data = selling.settings.data_dir
    journal_path = selling.journal.path
    expected = _every_entry(selling.journal)
    selling.close()
    pristine = tmp_path / "pristine"
    shutil.copytree(data, pristine)
    for step in ("writing", "written", "deleting"):
        shutil.rmtree(data)
        shutil.copytree(pristine, data)
        child = subprocess.run([sys.executable, "-c", _CHILD, str(journal_path), now.isoformat(), step],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert child.returncode == -9, (step, child.stderr)
        folder = archive.folder(journal_path)
        journal = _open(journal_path, clock)
        try:
            assert _every_entry(journal) == expected, step  # nothing lost, whatever the files on disk
            assert journal.verify() == len(expected)
            outcome = archive.run(journal, now, RETENTION)  # the next run finishes the job
            assert len(archive.records(journal.conn)) == 3
            assert not list(folder.glob(f"*{archive.PARTIAL}"))
            assert _every_entry(journal) == expected
            assert journal.verify() == len(expected), (step, [a.name for a in outcome.archived])
        finally:
            journal.close()


def _open(path: Path, clock):
    from desktop.journal.sqlite_store import SqliteJournal
    from shared.events import registry

    return SqliteJournal.open(path, codec=registry.build_codec(), clock=clock, new_id=lambda: "x")


_CHILD = """
import os, signal, sys
from datetime import datetime
from pathlib import Path
from desktop.journal import archive
from desktop.journal.sqlite_store import SqliteJournal
from shared.events import registry

path, now, step = Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), sys.argv[3]
journal = SqliteJournal.open(path, codec=registry.build_codec(), clock=lambda: now, new_id=lambda: "x")
calls = {"n": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if step == "writing":  # the second month's file half written (its .parcial synced, not renamed)
    original_fsync = archive.durable.sync_file
    def fsync(p):
        original_fsync(p)
        if str(p).endswith(archive.PARTIAL):
            calls["n"] += 1
            if calls["n"] == 2:
                die()
    archive.durable.sync_file = fsync
elif step == "written":  # the second month's file whole and renamed, not yet checked nor recorded
    original_write = archive.write
    def write(*args):
        original_write(*args)
        calls["n"] += 1
        if calls["n"] == 2:
            die()
    archive.write = write
elif step == "deleting":  # the second month's record inserted and its rows deleted, the COMMIT never ran
    class Conn:
        def __init__(self, conn):
            self.conn = conn
        def execute(self, sql, *args):
            if sql == "COMMIT" and self.conn.execute("SELECT count(*) FROM archives").fetchone()[0] == 2:
                die()
            return self.conn.execute(sql, *args)
        def __getattr__(self, name):
            return getattr(self.conn, name)
    journal.conn = Conn(journal.conn)
archive.run(journal, now, 31)
"""


def test_backups_carry_the_archive_files_and_a_restore_brings_them_back(selling, clock, tmp_path):
    now = _months_of_sales(selling, clock)
    _ack_all(selling)
    journal = selling.journal
    archived = archive.run(journal, now, RETENTION).archived
    total = journal.head[0]
    usb = tmp_path / "usb"
    usb.mkdir()
    copy = usb / "almacen-caja-1-1.sqlite3"
    backup.copy_online(journal.path, copy)
    assert sorted(p.name for p in (usb / "archive").iterdir()) == sorted(a.name for a in archived)
    assert backup.check(copy).events == total
    copied_at = {p.name: p.stat().st_mtime_ns for p in (usb / "archive").iterdir()}
    second = usb / "almacen-caja-1-2.sqlite3"
    backup.copy_online(journal.path, second)  # immutable files: copied once
    assert {p.name: p.stat().st_mtime_ns for p in (usb / "archive").iterdir()} == copied_at

    damaged = usb / "archive" / archived[0].name
    damaged.write_bytes(damaged.read_bytes()[:-100])
    with pytest.raises(backup.CopyFailed) as refused:
        backup.check(second)
    assert refused.value.reason == "corrupt"
    backup.copy_online(journal.path, second)  # the next backup writes the damaged file again
    assert backup.check(second).events == total

    path = journal.path
    selling.close()
    shutil.rmtree(archive.folder(path))  # the till's disk lost its archive files
    checked, aside = backup.restore(copy, path, now)
    assert checked.events == total and aside is not None
    restored = _open(path, clock)
    try:
        assert restored.verify() == total
        assert sorted(p.name for p in restored.archive_dir.iterdir()) == sorted(a.name for a in archived)
    finally:
        restored.close()


def test_pos_verify_says_what_is_archived_and_where(selling, clock, capsys):
    now = _months_of_sales(selling, clock)
    _ack_all(selling)
    archived = archive.run(selling.journal, now, RETENTION).archived
    data, total = selling.settings.data_dir, selling.journal.head[0]
    selling.close()
    assert cli.main(["pos", "verify", "--data", str(data)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events"] == total
    assert report["archive"]["files"] == len(archived)
    assert report["archive"]["events"] == sum(a.events for a in archived)
    assert report["archive"]["folder"] == str(data / "archive")
    assert report["archive"]["last_month"] == "2027-01"
    os.remove(data / "archive" / archived[1].name)
    assert cli.main(["pos", "verify", "--data", str(data)]) == 1
    assert "Falta el archivo del diario" in capsys.readouterr().err


def test_archive_command_checks_its_retention(selling, capsys):
    data = selling.settings.data_dir
    selling.close()
    assert cli.main(["pos", "archive", "--data", str(data), "--days", "10"]) == 2
    assert "31 o más" in capsys.readouterr().err
    assert cli.main(["pos", "archive", "--data", str(data)]) == 0  # nothing acknowledged: nothing archived
    report = json.loads(capsys.readouterr().out)
    assert report["archived"] == [] and report["archive"]["files"] == 0


def test_an_epoch_carried_over_keeps_folding_once_after_its_months_are_archived(selling, clock):
    now = _months_of_sales(selling, clock)
    journal = selling.journal
    journal.set_sync_state(**{"acked_seq:1": journal.head[0] - 2})
    journal.begin_epoch(2, journal.head[0] - 2)  # a restored copy: the last two entries carried into epoch 2
    journal.set_sync_state(**{"acked_seq:2": journal.head[0]})
    journal.conn.execute("DELETE FROM meta WHERE key LIKE 'carried:%'")  # as a file from before the mark
    digest = cli.projection_digest(journal.conn)
    archive.run(journal, now, RETENTION)
    assert journal.conn.execute("SELECT value FROM meta WHERE key = 'carried:2'").fetchone() == ("2",)
    assert journal.rebuild_projections() > 0
    assert cli.projection_digest(journal.conn) == digest


class _Server:
    """Keeps the pushed chain of epoch 1 and checks that every batch continues it."""

    def __init__(self) -> None:
        self.held: list[envelope.Envelope] = []

    def close(self) -> None:
        pass

    def push(self, batch, pending: int = 0):
        from shared import sync

        envelope.verify_chain(batch.events, prev_hash=batch.prev_hash, first_seq=batch.from_seq)
        assert batch.prev_hash == (self.held[-1].hash if self.held else envelope.GENESIS_HASH)
        self.held.extend(batch.events)
        return sync.Ack(batch.epoch, self.held[-1].seq, self.held[-1].hash)

    def pull(self, cursor: int, limit: int = 500):
        return [], cursor, False


def test_the_sync_goes_on_when_its_acknowledged_event_was_archived(selling, clock):
    from desktop.services.sync import SyncService

    server = _Server()
    service = SyncService(selling.journal, server)
    _sell(selling)
    clock.advance(days=31)
    _sell(selling)  # November and December, pushed
    assert service.push() == selling.journal.head[0]
    clock.now = clock.now.replace(year=2027, month=2, day=3)
    _sell(selling)  # February, not pushed yet
    archived = archive.run(selling.journal, clock.now + timedelta(days=40), RETENTION).archived
    assert [a.month for a in archived] == ["2026-11", "2026-12"]
    assert archived[-1].last_seq == len(server.held)  # the acknowledged event is now in a file
    assert service.push() > 0  # its hash is read from the file: the next batch continues the chain
    assert [e.hash for e in server.held] == [e.hash for e in _every_entry(selling.journal)]


def test_a_lookup_by_id_still_finds_an_archived_entry(selling, clock):
    now = _months_of_sales(selling, clock)
    _ack_all(selling)
    journal = selling.journal
    sales = [e for e in journal.read(1) if e.type == "sale.completed"]
    oldest, newest = sales[0].payload["sale_id"], sales[-1].payload["sale_id"]
    assert archive.run(journal, now, RETENTION).archived
    assert journal.conn.execute("SELECT count(*) FROM events WHERE json_extract(payload, '$.sale_id') = ?",
                                (oldest,)).fetchone()[0] == 0  # its row went to a file
    # a purchase returned to its supplier, a fiado payment reprinted: looked up by id, archived or not
    found = read_models.find_event(journal.conn, "sale.completed", "sale_id", oldest)
    assert found is not None and found[2] == sales[0].payload
    assert read_models.find_event(journal.conn, "sale.completed", "sale_id", newest)[2] == sales[-1].payload
    assert read_models.find_event(journal.conn, "sale.completed", "sale_id", "no-such-sale") is None


def test_the_status_line_keeps_the_folder_as_it_is_spelled():
    held = archive.Status(1234567, 2, 10, r"C:\Users\Pérez, Juan\Almacén\archive", "2026-12", "2027-03-11T10:00:00")
    assert held.text == (r"1.234.567 movimientos archivados en 2 archivo(s) en C:\Users\Pérez, Juan\Almacén\archive; "
                         "último mes archivado: diciembre de 2026 (archivado el 11-03-2027)")
