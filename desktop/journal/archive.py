"""Archive files of a till's journal: whole months the server acknowledged, older than the retention period, moved
into verified, immutable files beside the journal that reading, rebuilding and verifying still see
(docs/year-journal.md, «Archivos del diario»)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from desktop.journal import durable
from shared import errors, es_cl
from shared.events import envelope

DIR_NAME = "archive"
"""The folder of a journal's archive files, beside the journal (and beside each backup copy)."""
SUFFIX = ".sqlite3"
PARTIAL = ".parcial"
"""A file being written carries this suffix until it is whole and synced; a leftover one is deleted."""
DEFAULT_RETENTION_DAYS = 400
"""A year plus the month the accountant takes to close it (``[journal] retention_days``)."""
COLUMNS = ("event_id, tenant_id, store_id, terminal_id, epoch, seq, occurred_at, type, version, payload, prev_hash,"
           " hash")


class ArchiveError(errors.PosError):
    """An archive file is missing, damaged or altered, or does not continue the journal's chain. The message says
    which file and what to do; ``path`` names it."""

    def __init__(self, message: str, path: Path | str) -> None:
        super().__init__(message)
        self.path = str(path)


class Journal(Protocol):
    """What this module needs of ``desktop.journal.sqlite_store.SqliteJournal`` (which imports this module)."""

    path: Path
    conn: sqlite3.Connection
    lock: threading.RLock
    archive_dir: Path

    @property
    def identity(self) -> Identity: ...

    def sync_state(self) -> dict[str, str]: ...

    def mark_carried(self) -> None: ...


class Identity(Protocol):
    @property
    def store_id(self) -> str: ...

    @property
    def terminal_id(self) -> str: ...

    @property
    def epoch(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Archive:
    """One verified archive file as the journal's ``archives`` table records it: the events ``first_seq`` ..
    ``last_seq`` of ``epoch`` (journaled in ``month``, ``YYYY-MM``), chained from ``prev_hash`` to ``last_hash``;
    the file's SHA-256 and size in bytes; when it was archived (ISO text)."""

    name: str
    epoch: int
    first_seq: int
    last_seq: int
    month: str
    prev_hash: str
    last_hash: str
    first_at: str
    last_at: str
    sha256: str
    size: int
    archived_at: str

    @property
    def events(self) -> int:
        return self.last_seq - self.first_seq + 1


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of a journal's events due for archiving: ``first_seq`` .. ``last_seq`` of ``epoch``, the month the
    first of them was journaled in."""

    epoch: int
    first_seq: int
    last_seq: int
    month: str


@dataclass(frozen=True, slots=True)
class Status:
    """What the journal keeps in archive files (the back office and ``almacen pos verify`` show it)."""

    events: int
    files: int
    size: int
    folder: str
    last_month: str | None
    last_archived_at: str | None

    @property
    def text(self) -> str:
        """One line in Spanish."""
        if not self.files:
            return "Sin archivos del diario: todos los movimientos están en el diario de la caja."
        events = f"{self.events:,}".replace(",", ".")  # es-CL groups thousands with dots
        month = self.last_month or ""
        if re.fullmatch(r"\d{4}-\d{2}", month):  # «diciembre de 2026», as the shop says it
            month = f"{es_cl.MONTHS[int(month[5:]) - 1]} de {month[:4]}"
        when = str(self.last_archived_at)[:10]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
            when = f"{when[8:]}-{when[5:7]}-{when[:4]}"
        return (f"{events} movimientos archivados en {self.files} archivo(s) en {self.folder}; "
                f"último mes archivado: {month} (archivado el {when})")

    def as_dict(self) -> dict[str, object]:
        return {"events": self.events, "files": self.files, "bytes": self.size, "folder": self.folder,
                "last_month": self.last_month, "last_archived_at": self.last_archived_at}


def folder(journal_path: Path) -> Path:
    """Where the archive files of the journal (or backup copy) at ``journal_path`` live."""
    return journal_path.parent / DIR_NAME


def file_name(store_id: str, terminal_id: str, epoch: int, month: str) -> str:
    """``<store>-<terminal>-e<epoch>-<YYYY-MM>.sqlite3`` (only letters, digits, ``-`` and ``_``: tills of several
    stores may share one backup folder)."""
    safe = [re.sub(r"[^A-Za-z0-9_-]", "_", part) for part in (store_id, terminal_id)]
    return f"{safe[0]}-{safe[1]}-e{epoch}-{month}{SUFFIX}"


def records(conn: sqlite3.Connection) -> list[Archive]:
    """Every archive the journal on ``conn`` records, by epoch and seq."""
    return [Archive(*row) for row in conn.execute(
        "SELECT name, epoch, first_seq, last_seq, month, prev_hash, last_hash, first_at, last_at, sha256, bytes,"
        " archived_at FROM archives ORDER BY epoch, first_seq")]


def status(conn: sqlite3.Connection, journal_path: Path) -> Status:
    """The archive status of the journal on ``conn`` (read from its ``archives`` table, no file is opened)."""
    held = records(conn)
    last = max(held, key=lambda a: a.archived_at, default=None)
    return Status(sum(a.events for a in held), len(held), sum(a.size for a in held), str(folder(journal_path)),
                  max((a.month for a in held), default=None), None if last is None else last.archived_at)


def status_of(journal_path: Path) -> Status:
    """:func:`status` read through a read-only connection of its own (the till may be running).

    Raises:
        ArchiveError: the journal cannot be read.
    """
    try:
        conn = sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise ArchiveError(f"No se pudo leer el diario {journal_path} ({exc}).", journal_path) from exc
    try:
        conn.execute("PRAGMA busy_timeout = 2000")
        return status(conn, journal_path)
    except sqlite3.Error as exc:
        raise ArchiveError(f"No se pudo leer el diario {journal_path} ({exc}).", journal_path) from exc
    finally:
        conn.close()


def due(conn: sqlite3.Connection, acked: dict[int, int], current_epoch: int, today: date,
        retention_days: int) -> Chunk | None:
    """The next run of events to archive, or None.

    The run starts at the oldest event still in the journal (of the oldest epoch holding any) and ends before the
    first event journaled in a later month. It is due when that month ended at least ``retention_days`` before
    ``today`` and the server acknowledged every event of it (``acked``: epoch -> acknowledged seq, the sync
    cursor). The current epoch's last month with a later event is the furthest it goes: the journal always keeps
    its head.
    """
    cutoff = (today - timedelta(days=retention_days)).isoformat()
    for epoch in _epochs(conn):
        first_seq, first_at = conn.execute("SELECT seq, occurred_at FROM events WHERE epoch = ? ORDER BY seq"
                                           " LIMIT 1", (epoch,)).fetchone()
        month = str(first_at)[:7]
        next_month = _next_month(month)
        if next_month > cutoff:
            return None  # later epochs hold later events
        row = conn.execute("SELECT seq FROM events WHERE epoch = ? AND seq > ? AND occurred_at >= ? ORDER BY seq"
                           " LIMIT 1", (epoch, first_seq, next_month)).fetchone()
        if row is not None:
            last_seq = int(row[0]) - 1
        elif epoch != current_epoch:
            last_seq = int(conn.execute("SELECT max(seq) FROM events WHERE epoch = ?", (epoch,)).fetchone()[0])
        else:
            return None
        if last_seq > acked.get(epoch, 0):
            if epoch == current_epoch:
                return None
            continue  # an older epoch's tail the server never took (carried over): kept; later epochs may go on
        return Chunk(epoch, int(first_seq), last_seq, month)
    return None


def _epochs(conn: sqlite3.Connection) -> Iterator[int]:
    """The epochs holding rows, oldest first: one index seek each, not a walk over every row."""
    epoch = conn.execute("SELECT min(epoch) FROM events").fetchone()[0]
    while epoch is not None:
        yield int(epoch)
        epoch = conn.execute("SELECT min(epoch) FROM events WHERE epoch > ?", (epoch,)).fetchone()[0]


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}-01"


def write(journal_path: Path, chunk: Chunk, target: Path) -> None:
    """Write the events of ``chunk`` from the journal at ``journal_path`` into the new file ``target`` (built as
    ``target.parcial``, synced, renamed, the folder synced). The journal is read through a read-only connection of
    its own, so the till may keep writing.

    Raises:
        sqlite3.Error, OSError: the file could not be written (the journal is untouched).
    """
    partial = target.with_name(target.name + PARTIAL)
    partial.unlink(missing_ok=True)
    # opened as a URI so that ATTACH takes the journal's as one too (read-only) wherever SQLite was built
    conn = sqlite3.connect(partial.resolve().as_uri(), uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")  # the whole file is fsynced below, before it counts
        conn.execute("ATTACH DATABASE ? AS j", (journal_path.resolve().as_uri() + "?mode=ro",))
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE archive (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("""CREATE TABLE events (epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
            event_id TEXT NOT NULL UNIQUE, tenant_id INTEGER NOT NULL, store_id TEXT NOT NULL,
            terminal_id TEXT NOT NULL, occurred_at TEXT NOT NULL, type TEXT NOT NULL, version INTEGER NOT NULL,
            payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (epoch, seq)
            ) WITHOUT ROWID""")
        conn.execute(f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM j.events WHERE epoch = ? AND seq"
                     " BETWEEN ? AND ? ORDER BY seq", (chunk.epoch, chunk.first_seq, chunk.last_seq))
        conn.executemany("INSERT INTO archive (key, value) VALUES (?, ?)", [
            ("epoch", str(chunk.epoch)), ("first_seq", str(chunk.first_seq)), ("last_seq", str(chunk.last_seq)),
            ("month", chunk.month)])
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE j")
    finally:
        conn.close()
    durable.sync_file(partial)
    os.replace(partial, target)
    durable.sync_folder(target.parent)


def read(path: Path, epoch: int, from_seq: int, limit: int = -1) -> list[envelope.Envelope]:
    """The envelopes of the archive file ``path`` from ``from_seq`` on (at most ``limit``), in seq order.

    Raises:
        ArchiveError: the file is missing or cannot be read.
    """
    conn = _open(path)
    try:
        rows = conn.execute(f"SELECT {COLUMNS} FROM events WHERE epoch = ? AND seq >= ? ORDER BY seq LIMIT ?",
                            (epoch, from_seq, limit)).fetchall()
    except sqlite3.Error as exc:
        raise _damaged(path, str(exc)) from exc
    finally:
        conn.close()
    return [envelope.Envelope(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]), r[10], r[11])
            for r in rows]


def check(path: Path, epoch: int, first_seq: int, last_seq: int, prev_hash: str, last_hash: str) -> str:
    """Read the archive file ``path`` whole: every event of ``epoch`` from ``first_seq`` to ``last_seq``, each hash
    recomputed, chained from ``prev_hash`` and ending at ``last_hash``, nothing else in it. Returns its SHA-256.

    Raises:
        ArchiveError: missing, unreadable, or its events are not exactly that chain (altered, cut, extended).
    """
    entries = read(path, epoch, 1)
    try:
        envelope.verify_chain(entries, prev_hash=prev_hash, first_seq=first_seq)
    except errors.ChainBroken as exc:
        raise ArchiveError(f"El archivo del diario {path.name} fue alterado o está dañado ({exc}); no se usa. "
                           "Restaure ese archivo desde un respaldo (almacen pos restore).", path) from exc
    if len(entries) != last_seq - first_seq + 1 or not entries or entries[-1].hash != last_hash:
        raise ArchiveError(f"El archivo del diario {path.name} no tiene los movimientos {first_seq} a {last_seq} "
                           "que el diario registra; no se usa. Restáurelo desde un respaldo.", path)
    return sha256(path)


def check_record(path: Path, record: Archive) -> int:
    """:func:`check` of the file the journal recorded as ``record``, and its SHA-256 equal to the recorded one;
    returns its event count. Raises: ArchiveError."""
    if path.is_file() and sha256(path) != record.sha256:
        raise ArchiveError(f"El archivo del diario {path.name} cambió desde que se archivó (su huella SHA-256 no "
                           "coincide); no se usa. Restáurelo desde un respaldo (almacen pos restore).", path)
    check(path, record.epoch, record.first_seq, record.last_seq, record.prev_hash, record.last_hash)
    return record.events


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def entries(journal: Journal, epoch: int, from_seq: int, until: int, limit: int) -> Iterator[envelope.Envelope]:
    """The archived envelopes of ``epoch`` from ``from_seq`` to ``until`` (at most ``limit``, -1 = all) from the
    journal's archive files, in seq order; the caller goes on with the journal's own rows after ``until``.

    Raises:
        ArchiveError: a recorded file is missing or unreadable.
    """
    with journal.lock:
        held = [r for r in records(journal.conn) if r.epoch == epoch and r.last_seq >= from_seq
                and r.first_seq <= until]
    for record in held:
        if limit == 0:
            return
        page = read(journal.archive_dir / record.name, epoch, max(from_seq, record.first_seq), limit)
        if limit > 0:
            limit -= len(page)
        yield from page


def find_event(conn: sqlite3.Connection, type_: str, field: str, value: str
               ) -> tuple[str, int, dict[str, Any]] | None:
    """The latest archived entry of ``type_`` whose payload's ``field`` is ``value``, ``(type, version, payload)``,
    searched in the archive files the journal on ``conn`` records (beside its file), newest first; None when none
    holds one (``read_models.find_event`` asks when the journal's rows do not).

    Raises:
        ArchiveError: a recorded file is missing or unreadable.
    """
    held = records(conn)
    main = next((str(r[2]) for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    if not held or not main:
        return None
    base = folder(Path(main))
    for record in reversed(held):
        path = base / record.name
        file = _open(path)
        try:
            row = file.execute("SELECT type, version, payload FROM events WHERE type = ? AND json_extract(payload, ?)"
                               " = ? ORDER BY epoch DESC, seq DESC LIMIT 1", (type_, f"$.{field}", value)).fetchone()
        except sqlite3.Error as exc:
            raise _damaged(path, str(exc)) from exc
        finally:
            file.close()
        if row is not None:
            return str(row[0]), int(row[1]), json.loads(row[2])
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one :func:`run` did: the archives it recorded and the journal file's size in bytes before and after
    (after compaction when it ran)."""

    archived: tuple[Archive, ...]
    size_before: int
    size_after: int
    compacted: bool


def run(journal: Journal, now: datetime, retention_days: int = DEFAULT_RETENTION_DAYS, *,
        compact: bool = False) -> Outcome:
    """Archive every due month (:func:`due`) of ``journal``, oldest first, each in three steps a power cut may stop
    anywhere without losing an event:

    1. the month's events are written to ``archive/<name>.parcial``, synced and renamed ``<name>``;
    2. the file is read back whole (every hash recomputed, chained from the event before it to the journal's row
       at its last seq); a file already there from a run cut short is checked the same way, and rewritten when it
       does not hold exactly those events (no record names it yet, so nothing depends on it);
    3. one transaction records the file (name, seqs, chain ends, SHA-256) in ``archives`` and deletes its rows
       (the trigger refuses deleting any row no record covers).

    ``compact`` then rewrites the journal file without the freed pages (``VACUUM``; the till closed: it holds
    the write lock for seconds on a big file); without it, SQLite reuses the freed pages for new events.

    Raises:
        ArchiveError: a leftover file could not be replaced, or a file does not read back as written.
        JournalError: the journal could not be read or written.
    """
    from desktop.journal.errors import translate

    size_before = journal.path.stat().st_size
    done: list[Archive] = []
    try:
        journal.mark_carried()  # before any row goes: the count needs both epochs' rows
        while True:
            with journal.lock:
                state = journal.sync_state()
                acked = {int(k.split(":", 1)[1]): int(v) for k, v in state.items() if k.startswith("acked_seq:")}
                chunk = due(journal.conn, acked, journal.identity.epoch, now.date(), retention_days)
            if chunk is None:
                break
            done.append(_archive(journal, chunk, now))
        if compact and done:
            with journal.lock:
                journal.conn.execute("VACUUM")
                journal.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except (sqlite3.Error, OSError) as exc:
        raise translate(exc, str(journal.path)) from exc
    return Outcome(tuple(done), size_before, journal.path.stat().st_size, compact and bool(done))


def _archive(journal: Journal, chunk: Chunk, now: datetime) -> Archive:
    ident = journal.identity
    name = file_name(ident.store_id, ident.terminal_id, chunk.epoch, chunk.month)
    target = journal.archive_dir / name
    journal.archive_dir.mkdir(exist_ok=True)
    with journal.lock:
        conn = journal.conn
        first_at, prev_hash = conn.execute("SELECT occurred_at, prev_hash FROM events WHERE epoch = ? AND seq = ?",
                                           (chunk.epoch, chunk.first_seq)).fetchone()
        last_at, last_hash = conn.execute("SELECT occurred_at, hash FROM events WHERE epoch = ? AND seq = ?",
                                          (chunk.epoch, chunk.last_seq)).fetchone()
        before = [r for r in records(conn) if r.epoch == chunk.epoch and r.last_seq == chunk.first_seq - 1]
    expected = before[0].last_hash if before else envelope.GENESIS_HASH if chunk.first_seq == 1 else None
    if expected is not None and prev_hash != expected:
        raise ArchiveError(f"El diario no continúa el archivo anterior en el movimiento {chunk.first_seq}; no se "
                           "archiva nada. Ejecute 'almacen pos verify' y llame a soporte.", journal.path)
    digest = None
    if target.exists():  # a run cut short after writing it: keep it if it holds exactly these events
        try:
            digest = check(target, chunk.epoch, chunk.first_seq, chunk.last_seq, prev_hash, last_hash)
        except ArchiveError:
            target.unlink()
    if digest is None:
        write(journal.path, chunk, target)
        digest = check(target, chunk.epoch, chunk.first_seq, chunk.last_seq, prev_hash, last_hash)
    record = Archive(name, chunk.epoch, chunk.first_seq, chunk.last_seq, chunk.month, prev_hash, last_hash,
                     str(first_at), str(last_at), digest, target.stat().st_size,
                     now.isoformat(timespec="seconds"))
    with journal.lock:
        journal.conn.execute("BEGIN IMMEDIATE")
        try:
            journal.conn.execute(
                "INSERT INTO archives (name, epoch, first_seq, last_seq, month, prev_hash, last_hash, first_at,"
                " last_at, sha256, bytes, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.name, record.epoch, record.first_seq, record.last_seq, record.month, record.prev_hash,
                 record.last_hash, record.first_at, record.last_at, record.sha256, record.size,
                 record.archived_at))
            journal.conn.execute("DELETE FROM events WHERE epoch = ? AND seq BETWEEN ? AND ?",
                                 (chunk.epoch, chunk.first_seq, chunk.last_seq))
        except BaseException:
            journal.conn.execute("ROLLBACK")
            raise
        journal.conn.execute("COMMIT")
    return record


def verify(journal: Journal) -> dict[int, tuple[int, str]]:
    """Check every archive file the journal records whole (:func:`check_record`: its SHA-256 and every hash of its
    chain) and the records of each epoch consecutive from seq 1 and the genesis hash. Returns, per epoch with
    archives, where its journal rows must go on: ``(next seq, prev_hash)``.

    Raises:
        ArchiveError: a file missing, altered or not the recorded chain, or the records leave a gap.
    """
    return _walk(journal, whole=True)


def fingerprints(journal: Journal) -> dict[int, tuple[int, str]]:
    """:func:`verify` for a backup's hourly read-back: each file only by its SHA-256 against the one recorded when
    its chain was read whole (a copy is compared the same way), the records' links as in :func:`verify`.

    Raises:
        ArchiveError: a file missing or changed, or the records leave a gap.
    """
    return _walk(journal, whole=False)


def _walk(journal: Journal, *, whole: bool) -> dict[int, tuple[int, str]]:
    with journal.lock:
        held = records(journal.conn)
    starts: dict[int, tuple[int, str]] = {}
    for record in held:
        path = journal.archive_dir / record.name
        seq, prev = starts.get(record.epoch, (1, envelope.GENESIS_HASH))
        if (record.first_seq, record.prev_hash) != (seq, prev):
            raise ArchiveError(f"Los archivos del diario no se encadenan en {record.name}: falta un archivo "
                               "anterior o no es el registrado. Ejecute 'almacen pos verify'.", path)
        if whole:
            check_record(path, record)
        else:
            if not path.is_file():
                _open(path)  # raises, saying the file is missing
            if sha256(path) != record.sha256:
                raise ArchiveError(f"El archivo del diario {path.name} cambió desde que se archivó (su huella "
                                   "SHA-256 no coincide); no se usa. Restáurelo desde un respaldo (almacen pos "
                                   "restore).", path)
        starts[record.epoch] = (record.last_seq + 1, record.last_hash)
    return starts


def _open(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ArchiveError(f"Falta el archivo del diario {path.name} en {path.parent}: sus movimientos no se pueden "
                           "leer. Cópielo desde un respaldo (almacen pos restore) sin borrar nada.", path)
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        conn.execute("SELECT 1 FROM events LIMIT 1").fetchall()
        return conn
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise _damaged(path, str(exc)) from exc


def _damaged(path: Path, detail: str) -> ArchiveError:
    return ArchiveError(f"El archivo del diario {path.name} está dañado y no se puede leer ({detail}). "
                        "Restáurelo desde un respaldo (almacen pos restore).", path)

