"""The journal's open path and checkpoints: quick_check only after an unclean close, no checkpoint in a commit."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from desktop.journal import sqlite_store
from desktop.journal.sqlite_store import Identity, SqliteJournal
from shared.events import registry


def _deps(clock):
    counter = iter(range(1, 10**6))
    return {"codec": registry.build_codec(), "clock": clock, "new_id": lambda: f"id-{next(counter)}"}


def _traced_opens(monkeypatch) -> list[str]:
    """Every statement the journal's connections run from now on."""
    statements: list[str] = []
    original = sqlite_store.connect

    def traced(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
        conn = original(path, readonly=readonly)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite_store, "connect", traced)
    return statements


def test_sale_connection_never_checkpoints_in_a_commit(terminal):
    assert terminal.journal.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_a_cleanly_closed_journal_opens_without_reading_every_page(tmp_path, clock, monkeypatch):
    path = tmp_path / "journal.sqlite3"
    SqliteJournal.create(path, Identity(1, "s", "t"), **_deps(clock)).close()
    assert not Path(str(path) + "-wal").exists()  # the last connection closed: WAL checkpointed and removed
    statements = _traced_opens(monkeypatch)
    SqliteJournal.open(path, **_deps(clock)).close()
    assert not any("quick_check" in s for s in statements)
    SqliteJournal.open(path, **_deps(clock), full_check=True).close()
    assert any("quick_check" in s for s in statements)


def test_a_journal_left_with_its_wal_is_checked_whole(tmp_path, clock, monkeypatch):
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal.create(path, Identity(1, "s", "t"), **_deps(clock))
    journal.set_sync_state(acked_seq=0)  # a write the WAL holds
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal"):  # the files as a power cut leaves them (the till still running)
        shutil.copyfile(str(path) + suffix, str(crashed / path.name) + suffix)
    journal.close()
    statements = _traced_opens(monkeypatch)
    reopened = SqliteJournal.open(crashed / path.name, **_deps(clock))
    assert any("quick_check" in s for s in statements)
    assert reopened.sync_state()["acked_seq"] == "0"
    reopened.close()


def test_the_checkpointer_waits_for_the_till_to_be_idle_then_empties_the_wal(selling, monkeypatch):
    journal = selling.journal
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_MIN_BYTES", 1)
    selling.checkout.scan("7801234567894")
    checkpointer = journal._checkpointer
    journal.last_write = time.monotonic()
    assert not checkpointer.due()  # a unit of work just committed: between scans, not now
    journal.last_write -= sqlite_store.CHECKPOINT_IDLE_S
    assert checkpointer.due()
    assert checkpointer.checkpoint() is True
    frames = journal.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert frames[0] == 0 and frames[1] == frames[2]  # nothing left to copy
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_FORCE_BYTES", 1)
    journal.last_write = time.monotonic()
    assert checkpointer.due()  # a WAL past the bound is copied even while the till keeps committing


def test_closing_stops_the_checkpointer(tmp_path, clock):
    journal = SqliteJournal.create(tmp_path / "journal.sqlite3", Identity(1, "s", "t"), **_deps(clock))
    thread = journal._checkpointer._thread
    assert thread.is_alive()
    journal.close()
    assert not thread.is_alive()
    with pytest.raises(sqlite3.ProgrammingError):
        journal.conn.execute("SELECT 1")


def test_check_pages_names_damage_the_open_did_not_read(tmp_path, clock):
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal.create(path, Identity(1, "s", "t"), **_deps(clock))
    journal.check_pages()  # a sound file
    journal.conn.execute("CREATE TABLE filler (x)")
    journal.conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(200)])
    journal.close()
    pages = path.stat().st_size // 4096
    raw = bytearray(path.read_bytes())
    raw[(pages - 1) * 4096:pages * 4096] = b"\xde\xad\xbe\xef" * 1024  # the filler's last page
    path.write_bytes(bytes(raw))
    reopened = SqliteJournal.open(path, **_deps(clock))  # cleanly closed: trusted, opens
    with pytest.raises(sqlite_store.JournalError) as info:
        reopened.check_pages()
    assert info.value.problem is sqlite_store.JournalProblem.CORRUPT
    reopened.close()
