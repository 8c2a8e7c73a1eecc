"""The terminal's SQLite journal: append-only events with gapless seq and a hash chain, in units of work.

One file per terminal, WAL with ``synchronous=FULL``: when ``UnitOfWork`` leaves its block, the events, the
projections they update and the terminal's working state are committed and fsynced together, or not at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.journal import archive, durable, migrate, projections
from desktop.journal.errors import JournalError, JournalProblem, translate
from shared.events import codec as codec_mod
from shared.events import envelope, rules

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]
REFOLD = "refold"
"""``meta`` key a migration that adds read models leaves: the next open folds the journal into them again."""
CARRIED = "carried:"
"""``meta`` key prefix: ``carried:<epoch>`` = how many entries ``begin_epoch`` carried over into that epoch."""
CHECKPOINT_POLL_S = 0.5
"""How often the checkpointer looks at the WAL's size (seconds)."""
CHECKPOINT_IDLE_S = 0.25
"""The checkpointer waits until no unit of work has committed for this long (between scans, not inside one)."""
CHECKPOINT_MIN_BYTES = 1 << 20
"""A WAL smaller than this is left alone (SQLite's own autocheckpoint is at ~4 MB: 1,000 pages)."""
CHECKPOINT_FORCE_BYTES = 64 << 20
"""A WAL this large is checkpointed even while the till keeps committing (bounds the WAL on a busy till)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who writes this journal. A restored or copied file gets a new ``epoch`` (DESIGN.md §4)."""

    tenant_id: int
    store_id: str
    terminal_id: str
    epoch: int = 1


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the journal's pragmas (WAL, synchronous=FULL, foreign keys, busy timeout)."""
    uri = f"file:{path}?mode={'ro' if readonly else 'rw'}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 2000")
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise sqlite3.OperationalError(f"journal_mode stayed {mode}")
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()  # not left to the garbage collector (Python 3.13 warns of an unclosed connection)
        raise
    return conn


class SqliteJournal:
    """The event journal of one terminal. Open with :meth:`create` (new file) or :meth:`open` (existing).

    Raises ``JournalError`` (never a raw sqlite3 error) when the file is missing, locked by another POS, read-only,
    corrupt, not a journal, or the disk is full; it never overwrites an existing file.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: Any, identity: Identity,
                 codec: codec_mod.Codec, clock: Clock, new_id: IdFactory) -> None:
        self.path = path
        self.conn = conn
        self._lock = lock
        self.identity = identity
        self.codec = codec
        self.clock = clock
        self.new_id = new_id
        self.lock = threading.RLock()  # the sync worker thread shares this connection with the UI thread
        self.archive_dir = archive.folder(path)  # the files of archived months (``desktop.journal.archive``)
        self._head = self._read_head()
        self.last_write = time.monotonic()
        self._checkpointer = _Checkpointer(self)

    @classmethod
    def create(cls, path: Path, identity: Identity, **deps: Any) -> SqliteJournal:
        """Create a new journal file. Raises: JournalError(FOREIGN) when ``path`` already exists.

        The file is built beside ``path`` (schema and identity) and renamed into place whole, so a till killed or
        powered off while creating its journal leaves no half-made file that the next start would refuse.
        """
        if path.exists():
            raise JournalError(JournalProblem.FOREIGN, str(path), "ya existe un archivo en esa ruta")
        draft = path.with_name(path.name + ".nuevo")
        try:
            for leftover in (draft, *(draft.with_name(draft.name + s) for s in ("-wal", "-shm", "-journal"))):
                leftover.unlink(missing_ok=True)  # a creation cut short before
            sqlite3.connect(draft).close()
            conn = connect(draft)
            migrate.upgrade(draft)
            with _transaction(conn):
                conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", [
                    ("tenant_id", str(identity.tenant_id)), ("store_id", identity.store_id),
                    ("terminal_id", identity.terminal_id), ("epoch", str(identity.epoch))])
            conn.close()  # the last connection: SQLite checkpoints the WAL into the file and removes it
            durable.sync_file(draft)
            os.replace(draft, path)
            durable.sync_folder(path.parent)
        except (sqlite3.Error, OSError) as exc:
            raise translate(exc, str(path)) from exc
        return cls.open(path, **deps)

    @classmethod
    def open(cls, path: Path, *, codec: codec_mod.Codec, clock: Clock, new_id: IdFactory,
             full_check: bool = False) -> SqliteJournal:
        """Open an existing journal, migrating its schema if an older version wrote it.

        The file's pages are checked (``PRAGMA quick_check``, which reads the whole file: ~1 s per GB) only when
        the last run did not close it cleanly (its WAL is still there) or ``full_check``; a cleanly closed file is
        trusted as SQLite left it (reading its schema, meta and head still refuses a damaged header or schema), as
        every backup's check of its copy and ``almacen pos verify`` read it whole (docs/year-journal.md).

        Raises:
            JournalError: MISSING, LOCKED (another POS has it open), READ_ONLY, CORRUPT or FOREIGN.
        """
        if not path.exists():
            raise JournalError(JournalProblem.MISSING, str(path))
        if _read_only(path):
            raise JournalError(JournalProblem.READ_ONLY, str(path))
        lock = _take_lock(path)
        conn: sqlite3.Connection | None = None
        try:
            wal = Path(str(path) + "-wal")
            unclean = wal.exists() and wal.stat().st_size > 0
            conn = connect(path)
            if full_check or unclean:
                _quick_check(conn, path)
            if migrate.current_revision(conn) is None:
                raise JournalError(JournalProblem.FOREIGN, str(path), "sin esquema de Almacén")
            if migrate.current_revision(conn) != migrate.SCHEMA_HEAD:
                migrate.upgrade(path)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            identity = Identity(int(meta["tenant_id"]), meta["store_id"], meta["terminal_id"], int(meta["epoch"]))
            journal = cls(path, conn, lock, identity, codec, clock, new_id)
            if REFOLD in meta:
                journal.rebuild_projections()
            return journal
        except JournalError:
            if conn is not None:
                conn.close()
            lock.close()
            raise
        except (sqlite3.Error, OSError, KeyError) as exc:
            if conn is not None:
                conn.close()
            lock.close()
            if isinstance(exc, KeyError):
                raise JournalError(JournalProblem.FOREIGN, str(path), f"falta {exc}") from exc
            raise translate(exc, str(path)) from exc

    def close(self) -> None:
        self._checkpointer.stop()  # before the last connection closes (which checkpoints and removes the WAL)
        self.conn.close()
        self._lock.close()

    def _read_head(self) -> tuple[int, str]:
        row = self.conn.execute("SELECT seq, hash FROM events WHERE epoch = ? ORDER BY seq DESC LIMIT 1",
                                (self.identity.epoch,)).fetchone()
        return (row[0], row[1]) if row else (0, envelope.GENESIS_HASH)

    @property
    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last committed event of this epoch; ``(0, GENESIS_HASH)`` when empty."""
        return self._head

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One SQLite transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, fsynced): all or nothing.

        Raises:
            JournalError: the commit failed (disk full, read-only, I/O); nothing of the unit was kept.
        """
        uow = UnitOfWork(self)
        with self.lock:
            yield from self._unit(uow)

    def _unit(self, uow: UnitOfWork) -> Iterator[UnitOfWork]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            uow.seq, uow.prev_hash = self._read_head()
            yield uow
            self.conn.execute("COMMIT")
            self.last_write = time.monotonic()
        except BaseException as exc:
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error | OSError):
                raise translate(exc, str(self.path)) from exc
            raise
        self._head = (uow.seq, uow.prev_hash)

    def append(self, *events: Any) -> list[envelope.Envelope]:
        """Append events in one unit of work and return their envelopes."""
        with self.unit_of_work() as uow:
            return [uow.append(e) for e in events]

    def read(self, from_seq: int = 1, epoch: int | None = None, limit: int = -1) -> Iterator[envelope.Envelope]:
        """Envelopes of one epoch (this one by default) from ``from_seq`` on, in seq order (at most ``limit``):
        the archived ones from their files first (``desktop.journal.archive``), then the journal's rows.

        Raises:
            ArchiveError: an archive file holding part of the range is missing or unreadable.
        """
        epoch = self.identity.epoch if epoch is None else epoch
        with self.lock:  # one hold: an archive recorded meanwhile (its rows deleted) cannot open a gap between
            archived_to = int(self.conn.execute(  # the files' part and the rows' part
                "SELECT coalesce(max(last_seq), 0) FROM archives WHERE epoch = ?", (epoch,)).fetchone()[0])
            rows = self.conn.execute(
                "SELECT event_id, tenant_id, store_id, terminal_id, epoch, seq, occurred_at, type, version,"
                " payload, prev_hash, hash FROM events WHERE epoch = ? AND seq >= ? ORDER BY seq LIMIT ?",
                (epoch, max(from_seq, archived_to + 1), limit)).fetchall()
        if from_seq <= archived_to:
            for entry in archive.entries(self, epoch, from_seq, archived_to, limit):
                yield entry
                limit -= 1 if limit > 0 else 0
            if limit == 0:
                return
            rows = rows if limit < 0 else rows[:limit]
        for r in rows:
            yield envelope.Envelope(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]),
                                    r[10], r[11])

    def epochs(self) -> list[int]:
        """Every epoch the journal holds, in its rows or in its archive files, oldest first."""
        found: set[int] = set()
        with self.lock:
            found.update(r[0] for r in self.conn.execute("SELECT DISTINCT epoch FROM archives"))
            epoch = self.conn.execute("SELECT min(epoch) FROM events").fetchone()[0]
            while epoch is not None:  # one index seek per epoch, not a walk over every row
                found.add(int(epoch))
                epoch = self.conn.execute("SELECT min(epoch) FROM events WHERE epoch > ?", (epoch,)).fetchone()[0]
        return sorted(found)

    def check_pages(self) -> None:
        """Read every page of the file (``PRAGMA quick_check``). Raises: JournalError(CORRUPT) naming the damage."""
        with self.lock:
            try:
                _quick_check(self.conn, self.path)
            except sqlite3.Error as exc:
                raise translate(exc, str(self.path)) from exc

    def verify(self) -> int:
        """Check every archive file whole (its recorded SHA-256, every hash of its chain, each file continuing the
        one before from seq 1) and every epoch's chain from there through the journal's rows; return the number of
        events, archived ones included.

        Raises:
            ChainBroken: a link or a hash does not match. ArchiveError: an archive file missing or altered.
        """
        starts = archive.verify(self)
        total = sum(seq - 1 for seq, _prev in starts.values())
        for epoch in self.epochs():
            seq, prev = starts.get(epoch, (1, envelope.GENESIS_HASH))
            total += envelope.verify_chain(self.read(seq, epoch), prev_hash=prev, first_seq=seq)
        return total

    def sync_state(self) -> dict[str, str]:
        with self.lock:
            return dict(self.conn.execute("SELECT key, value FROM sync_state").fetchall())

    def set_sync_state(self, **values: object) -> None:
        with self.lock, _transaction(self.conn):
            self.conn.executemany("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key)"
                                  " DO UPDATE SET value = excluded.value", [(k, str(v)) for k, v in values.items()])

    def record_print(self, sale_id: str, printed: bool, error: str) -> None:
        """The outcome of one print attempt of a sale's receipt in the reprint queue (``attempts`` counts them)."""
        self.conn.execute(
            "INSERT INTO print_queue (sale_id, state, attempts, error) VALUES (?, ?, 1, ?) ON CONFLICT "
            "(sale_id) DO UPDATE SET state = excluded.state, attempts = attempts + 1, error = excluded.error",
            (sale_id, "printed" if printed else "failed", error))

    def adopt_identity(self, identity: Identity) -> None:
        """An empty journal takes the tenant, store and terminal id HQ assigned at enrolment (a till's first run).

        Raises:
            ValueError: the journal already holds entries (its identity is sealed into them).
            JournalError: the file could not be written.
        """
        if self.head[0] != 0:
            raise ValueError("el diario ya tiene movimientos: su tienda no puede cambiar")
        with self.lock:
            try:
                with _transaction(self.conn):
                    for key, value in (("tenant_id", str(identity.tenant_id)), ("store_id", identity.store_id),
                                       ("terminal_id", identity.terminal_id), ("epoch", str(identity.epoch))):
                        self.conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
            except (sqlite3.Error, OSError) as exc:
                raise translate(exc, str(self.path)) from exc
            self.identity = identity

    def begin_epoch(self, epoch: int, acked_seq: int) -> int:
        """Continue this journal as ``epoch`` (a restored or cloned copy, DESIGN.md §4).

        The entries of the old epoch after ``acked_seq`` (never received by the server) are sealed again, in order,
        as the first entries of the new epoch with new event ids; returns how many. Their number is kept in ``meta``
        (``carried:<epoch>``): they are the same facts as the old epoch's, already in the read models, so
        :meth:`rebuild_projections` folds them once. Raises: JournalError.
        """
        old_epoch = self.identity.epoch
        if epoch <= old_epoch:
            raise ValueError(f"epoch {epoch} must be newer than {old_epoch}")
        unsent = list(self.read(acked_seq + 1, old_epoch))
        with self.lock:
            try:
                with _transaction(self.conn):
                    self.conn.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", (str(epoch),))
                    self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                                      " SET value = excluded.value", (f"{CARRIED}{epoch}", str(len(unsent))))
                    prev = envelope.GENESIS_HASH
                    for seq, old in enumerate(unsent, start=1):
                        entry = envelope.seal(event_id=self.new_id(), tenant_id=old.tenant_id, store_id=old.store_id,
                                              terminal_id=old.terminal_id, epoch=epoch, seq=seq,
                                              occurred_at=old.occurred_at, type=old.type, version=old.version,
                                              payload=old.payload, prev_hash=prev)
                        _insert(self.conn, entry)
                        prev = entry.hash
            except (sqlite3.Error, OSError) as exc:
                raise translate(exc, str(self.path)) from exc
            self.identity = Identity(self.identity.tenant_id, self.identity.store_id, self.identity.terminal_id, epoch)
            self._head = self._read_head()
        return len(unsent)

    def rebuild_projections(self) -> int:
        """Drop every read model and fold the whole journal into it again, each fact once (the entries a new epoch
        carried over are skipped: their originals in the old epoch were folded); return the events replayed."""
        with self.unit_of_work() as uow:
            projections.clear(self.conn)
            self.conn.execute("DELETE FROM meta WHERE key = ?", (REFOLD,))
            count = 0
            for entry in self._all_entries():
                projections.apply(self.conn, entry, self.codec.decode(entry.type, entry.version, entry.payload))
                count += 1
            del uow
        return count

    def _all_entries(self) -> Iterator[envelope.Envelope]:
        """Every entry in the order it was first journaled: epoch by epoch, without the copies a new epoch starts
        with (``begin_epoch``)."""
        previous = None
        for epoch in self.epochs():
            yield from self.read(1 + (0 if previous is None else self.carried(epoch, previous)), epoch)
            previous = epoch

    def mark_carried(self) -> None:
        """Record for every later epoch how many entries it carried over (``carried:<epoch>``) where no mark says
        it yet (a file that began the epoch before marks were kept): archiving removes the rows :meth:`carried`
        would otherwise compare. Raises: JournalError."""
        with self.lock:
            epochs = self.epochs()
            marks = {k for (k,) in self.conn.execute("SELECT key FROM meta WHERE key LIKE ?", (f"{CARRIED}%",))}
            counts = [(f"{CARRIED}{e}", str(self.carried(e, p))) for p, e in itertools.pairwise(epochs)
                      if f"{CARRIED}{e}" not in marks]
            if counts:
                try:
                    with _transaction(self.conn):
                        self.conn.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", counts)
                except (sqlite3.Error, OSError) as exc:
                    raise translate(exc, str(self.path)) from exc

    def carried(self, epoch: int, previous: int) -> int:
        """How many entries at the head of ``epoch`` are copies of the tail of ``previous`` (the epoch it continued).

        The count ``begin_epoch`` recorded; for a file that began the epoch before that count was kept, the longest
        tail of ``previous`` repeated in order (same type, version, time and payload) at the head of ``epoch``.
        """
        mark = self.conn.execute("SELECT value FROM meta WHERE key = ?", (f"{CARRIED}{epoch}",)).fetchone()
        if mark is not None:
            return int(mark[0])
        last = int(self.conn.execute("SELECT max(seq) FROM events WHERE epoch = ?", (previous,)).fetchone()[0] or 0)
        starts = self.conn.execute(
            "SELECT o.seq FROM events o JOIN events n ON n.epoch = ? AND n.seq = 1 WHERE o.epoch = ?"
            " AND o.type = n.type AND o.version = n.version AND o.occurred_at = n.occurred_at"
            " AND o.payload = n.payload ORDER BY o.seq", (epoch, previous)).fetchall()
        for (start,) in starts:
            count = last - start + 1
            same = self.conn.execute(
                "SELECT count(*) FROM events o JOIN events n ON n.epoch = ? AND n.seq = o.seq - ? + 1"
                " WHERE o.epoch = ? AND o.seq >= ? AND o.type = n.type AND o.version = n.version"
                " AND o.occurred_at = n.occurred_at AND o.payload = n.payload",
                (epoch, start, previous, start)).fetchone()[0]
            if same == count:
                return int(count)
        return 0


class UnitOfWork:
    """What one transaction may do: append events (projections follow) and change the terminal's working state."""

    def __init__(self, journal: SqliteJournal) -> None:
        self.journal = journal
        self.conn = journal.conn
        self.seq = 0
        self.prev_hash = envelope.GENESIS_HASH
        self.appended: list[envelope.Envelope] = []

    def append(self, event: Any) -> envelope.Envelope:
        """Seal ``event`` with the next seq and the chain hash, insert it and update the projections.

        Raises:
            RuleBroken: the event breaks a domain rule of its type (``shared.events.rules``); nothing is written.
        """
        rules.check(event)
        j = self.journal
        type_, version, payload = j.codec.encode(event)
        entry = envelope.seal(event_id=j.new_id(), tenant_id=j.identity.tenant_id, store_id=j.identity.store_id,
                              terminal_id=j.identity.terminal_id, epoch=j.identity.epoch, seq=self.seq + 1,
                              occurred_at=j.clock().isoformat(timespec="milliseconds"), type=type_,
                              version=version, payload=payload, prev_hash=self.prev_hash)
        _insert(self.conn, entry)
        projections.apply(self.conn, entry, event)
        self.seq, self.prev_hash = entry.seq, entry.hash
        self.appended.append(entry)
        return entry

    def save_draft(self, data: dict[str, Any]) -> None:
        """Keep the cart in progress (survives a crash; cleared when the sale completes)."""
        self.conn.execute("INSERT INTO draft_cart (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE"
                          " SET data = excluded.data", (json.dumps(data, ensure_ascii=False),))

    def clear_draft(self) -> None:
        self.conn.execute("DELETE FROM draft_cart")

    def queue_print(self, sale_id: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO print_queue (sale_id, state) VALUES (?, 'pending')",
                          (sale_id,))


class _Checkpointer:
    """Copies the WAL into the journal file in a thread of its own, when the till is idle between units of work.

    The journal's connection runs with ``wal_autocheckpoint = 0``, so no COMMIT of a scan or a sale ever runs a
    checkpoint (one in ~300 scans took ~60 ms when it did). This thread looks at the WAL's size every
    ``CHECKPOINT_POLL_S``; once it holds ``CHECKPOINT_MIN_BYTES`` and nothing has committed for
    ``CHECKPOINT_IDLE_S`` (or it reached ``CHECKPOINT_FORCE_BYTES``), it runs ``PRAGMA wal_checkpoint(PASSIVE)`` on
    a short-lived connection of its own: PASSIVE never waits for nor blocks the till's writes, and the next write
    after a complete checkpoint starts the WAL over, so it stays bounded. A failed checkpoint is retried at the next
    look (the WAL keeps everything; nothing is lost).
    """

    def __init__(self, journal: SqliteJournal) -> None:
        self.journal = journal
        self.wal = Path(str(journal.path) + "-wal")
        self.checkpoints = 0
        self._stop = threading.Event()
        journal.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._thread = threading.Thread(target=self._run, name=f"checkpoint {journal.path.name}", daemon=True)
        self._thread.start()

    def due(self) -> bool:
        """True when the WAL is big enough and the till idle long enough (or the WAL too big to wait)."""
        try:
            size = self.wal.stat().st_size
        except OSError:
            return False
        idle = time.monotonic() - self.journal.last_write >= CHECKPOINT_IDLE_S
        return size >= CHECKPOINT_FORCE_BYTES or (size >= CHECKPOINT_MIN_BYTES and idle)

    def checkpoint(self) -> bool:
        """One PASSIVE checkpoint on its own connection; True when every WAL frame reached the file."""
        try:
            with contextlib.closing(connect(self.journal.path)) as conn:
                busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:
            return False
        self.checkpoints += 1
        return bool(busy == 0 and frames == done)

    def _run(self) -> None:
        while not self._stop.wait(CHECKPOINT_POLL_S):
            if self.due():
                self.checkpoint()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _insert(conn: sqlite3.Connection, entry: envelope.Envelope) -> None:
    conn.execute(
        "INSERT INTO events (epoch, seq, event_id, tenant_id, store_id, terminal_id, occurred_at, type,"
        " version, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (entry.epoch, entry.seq, entry.event_id, entry.tenant_id, entry.store_id, entry.terminal_id,
         entry.occurred_at, entry.type, entry.version,
         entry.payload_json or envelope.canonical_bytes(entry.payload).decode("utf-8"), entry.prev_hash, entry.hash))


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    check = conn.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise JournalError(JournalProblem.CORRUPT, str(path), check)


def _read_only(path: Path) -> bool:
    """True when the file or its folder is not writable, or the file is marked read-only (even for root)."""
    marked = path.stat().st_mode & 0o222 == 0
    return marked or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)



def _take_lock(path: Path) -> Any:
    """An exclusive advisory lock on ``<journal>.lock`` so two POS processes never share one journal."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the journal's lifetime
    except OSError as exc:
        raise translate(exc, str(path)) from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise JournalError(JournalProblem.LOCKED, str(path), "otro proceso tiene el diario abierto") from None
    return handle
