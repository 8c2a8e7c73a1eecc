"""Copies of a running till's journal: SQLite's online backup into a file of its own, and the check of a copy (its
schema, identity and every epoch's hash chain, with ``almacen pos verify``'s code) before it counts as good."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.journal import archive, durable, migrate
from desktop.journal.sqlite_store import Identity, SqliteJournal, connect
from shared.errors import EventError
from shared.events import envelope, registry

PAGE = 200
"""Events checked between rests when a check is paced (``check(pause=…)``)."""


class CopyFailed(Exception):
    """A copy could not be written or read back. ``reason``: ``"full"``, ``"read_only"``, ``"missing"``,
    ``"corrupt"`` or ``"io"``; ``detail``: the system's words (for the log)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Checked:
    """What a verified copy holds: whose journal, how many events (every epoch), the current epoch's head."""

    identity: Identity
    events: int
    head_seq: int
    head_hash: str
    schema: str


def copy_online(source: Path, target: Path) -> None:
    """Copy the journal ``source`` into the new file ``target`` while the till keeps writing (one read snapshot of
    the WAL database: the sale's commits are not blocked), as a self-contained file (rollback journal, no -wal) made
    durable (fsync of the file and its folder).

    The archive files the copy records (``desktop.journal.archive``) go to ``<folder>/archive/`` beside it, each
    once: they never change, so a file already there with the recorded SHA-256 is kept (:func:`copy_archives`).

    Raises:
        CopyFailed: the target cannot be written (full, read-only, missing folder) or the source cannot be read.
    """
    src: sqlite3.Connection | None = None
    dst: sqlite3.Connection | None = None
    try:
        src = sqlite3.connect(f"file:{source}?mode=rw", uri=True, isolation_level=None)
        src.execute("PRAGMA busy_timeout = 2000")
        dst = sqlite3.connect(target, isolation_level=None)
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        dst.close()
        dst = None
        durable.sync_file(target)
        with contextlib.suppress(OSError):  # some network shares refuse fsync of a folder; the file is synced
            durable.sync_folder(target.parent)
        copy_archives(target, archive.folder(source), archive.folder(target))
    except (sqlite3.Error, OSError) as exc:
        raise _failure(exc) from exc
    finally:
        for conn in (src, dst):
            if conn is not None:
                conn.close()


def copy_archives(journal: Path, source: Path, target: Path, *, aside: str = "") -> list[str]:
    """Copy every archive file the journal (or copy) at ``journal`` records from the folder ``source`` into
    ``target``, unless ``target`` already holds it with the recorded SHA-256; each copy is written as
    ``….parcial``, synced, its SHA-256 read back and compared, then renamed. A different file of the same name in
    ``target`` is replaced, or first moved to ``<name><aside>`` when ``aside`` is given. Returns the names copied.

    Raises:
        CopyFailed: ``"corrupt"`` (a source file missing or not the recorded one), or the target cannot be written.
    """
    conn = connect(journal, readonly=True)
    try:
        held = archive.records(conn)
    finally:
        conn.close()
    copied: list[str] = []
    for record in held:
        dst = target / record.name
        if dst.is_file() and archive.sha256(dst) == record.sha256:
            continue
        src = source / record.name
        if not src.is_file() or archive.sha256(src) != record.sha256:
            raise CopyFailed("corrupt", f"el archivo del diario {src} falta o no es el que el diario registra")
        target.mkdir(exist_ok=True)
        if dst.exists() and aside:
            os.replace(dst, dst.with_name(dst.name + aside))
        partial = dst.with_name(dst.name + archive.PARTIAL)
        shutil.copyfile(src, partial)
        durable.sync_file(partial)
        if archive.sha256(partial) != record.sha256:
            partial.unlink()
            raise CopyFailed("corrupt", f"la copia de {record.name} no se leyó igual a la original")
        os.replace(partial, dst)
        with contextlib.suppress(OSError):
            durable.sync_file(target)
        copied.append(record.name)
    return copied


def check(path: Path, *, pause: float = 0.0) -> Checked:
    """Read the copy at ``path`` back: integrity, Almacén's schema, identity, and the hash chain of every epoch end
    to end (as ``SqliteJournal.verify``, what ``almacen pos verify`` runs, does), the archived part of it by each
    archive file's SHA-256 against the one recorded when its chain was checked whole (``archive.fingerprints``: a
    backup's check stays the size of the journal, not of its whole history). Opens it read-only, changes nothing.

    ``pause`` > 0 (the till's backup thread): the chain is checked a page of events at a time (the same
    ``verify_chain`` with each page's predecessor), resting ``pause`` times as long as each page took, so the
    sale's thread gets the interpreter back (docs/backups.md: a sale's p99 while a backup runs).

    Raises:
        CopyFailed: ``"missing"``, ``"corrupt"`` (not a journal, damaged, a broken chain) or ``"io"``.
    """
    if not path.is_file():
        raise CopyFailed("missing", f"no existe {path}")
    conn: sqlite3.Connection | None = None
    try:
        conn = connect(path, readonly=True)
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise CopyFailed("corrupt", str(result))
        schema = migrate.current_revision(conn)
        if schema is None:
            raise CopyFailed("corrupt", "sin esquema de Almacén")
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        identity = Identity(int(meta["tenant_id"]), meta["store_id"], meta["terminal_id"], int(meta["epoch"]))
        journal = SqliteJournal(path, conn, None, identity, registry.build_codec(), lambda: datetime.now(UTC),
                                lambda: "")
        events = _verify(journal, pause)
        seq, head = journal.head
        return Checked(identity, events, seq, head, schema)
    except CopyFailed:
        raise
    except (sqlite3.Error, OSError) as exc:
        raise _failure(exc) from exc
    except (EventError, archive.ArchiveError, KeyError, ValueError) as exc:  # a broken chain, an archive file
        # missing or altered, unreadable meta: not a good copy
        raise CopyFailed("corrupt", f"{type(exc).__name__}: {exc}") from exc
    finally:
        if conn is not None:
            conn.close()


def _verify(journal: SqliteJournal, pause: float) -> int:
    starts = archive.fingerprints(journal)  # the archive files by their SHA-256; the rows go on from them
    total = sum(seq - 1 for seq, _prev in starts.values())
    for epoch in journal.epochs():
        seq, prev = starts.get(epoch, (1, envelope.GENESIS_HASH))
        while True:
            started = time.perf_counter()
            page = list(journal.read(seq, epoch, limit=PAGE if pause else -1))
            if not page:
                break
            total += envelope.verify_chain(page, prev_hash=prev, first_seq=seq)
            prev, seq = page[-1].hash, page[-1].seq + 1
            time.sleep((time.perf_counter() - started) * pause)
    return total


def _failure(exc: BaseException) -> CopyFailed:
    text = str(exc)
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return CopyFailed("full", text)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return CopyFailed("read_only", text)
        if exc.errno == errno.ENOENT:
            return CopyFailed("missing", text)
        return CopyFailed("io", text)
    lowered = text.lower()
    if "full" in lowered:
        return CopyFailed("full", text)
    if "readonly" in lowered or "read-only" in lowered:
        return CopyFailed("read_only", text)
    if "unable to open" in lowered:
        return CopyFailed("missing", text)
    if "malformed" in lowered or "not a database" in lowered:
        return CopyFailed("corrupt", text)
    return CopyFailed("io", text)



def restore(copy: Path, journal: Path, now: datetime) -> tuple[Checked, Path | None]:
    """Put the verified copy ``copy`` back as the till's journal ``journal``: the archive files it records come back
    from the backup folder's ``archive/`` (a different local file of the same name moved aside, never deleted);
    the journal in place (with its -wal and -shm) is moved aside as ``<journal>.antes-<YYYYMMDD-HHMMSS>`` (never
    deleted), the copy written beside it and renamed into place. Returns what the copy holds and where the old
    journal went (None when there was none).

    The till must be closed (its lock is taken). The sync then notices the server holds more than the file and
    continues as a new epoch (docs/architecture.md §3, Epochs).

    Raises:
        CopyFailed: the copy does not verify (``"corrupt"``, ``"missing"``), belongs to another till
            (``"foreign"``), the till is running (``"locked"``), or the folder cannot be written.
    """
    checked = check(copy)
    journal.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(journal)
    try:
        # the archive files first (verified by check): a power cut before the journal moves leaves only extra files
        copy_archives(copy, archive.folder(copy), archive.folder(journal),
                      aside=f".antes-{now.strftime('%Y%m%d-%H%M%S')}")
        aside: Path | None = None
        if journal.exists():
            try:
                current: Identity | None = identity(journal)
            except CopyFailed:
                current = None  # a damaged journal is what a restore is for: it is moved aside all the same
            theirs = (checked.identity.tenant_id, checked.identity.store_id, checked.identity.terminal_id)
            mine = theirs if current is None else (current.tenant_id, current.store_id, current.terminal_id)
            if mine != theirs:
                raise CopyFailed("foreign", f"la copia es de la caja {theirs[2]} (local {theirs[1]}); este diario "
                                            f"es de {mine[2]} (local {mine[1]})")
            aside = journal.with_name(f"{journal.name}.antes-{now.strftime('%Y%m%d-%H%M%S')}")
            for suffix in ("", "-wal", "-shm"):
                part = journal.with_name(journal.name + suffix)
                if part.exists():
                    os.replace(part, aside.with_name(aside.name + suffix))
        draft = journal.with_name(journal.name + ".restaurando")
        shutil.copyfile(copy, draft)
        durable.sync_file(draft)
        os.replace(draft, journal)
        durable.sync_folder(journal.parent)
        return checked, aside
    except OSError as exc:
        raise _failure(exc) from exc
    finally:
        lock.close()


def identity(journal: Path) -> Identity:
    """Whose journal ``journal`` is (read-only; the till may be running).

    Raises:
        CopyFailed: ``"corrupt"`` when it cannot be read.
    """
    try:
        conn = connect(journal, readonly=True)
    except sqlite3.Error as exc:
        raise CopyFailed("corrupt", f"el diario actual no se puede leer: {exc}") from exc
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return Identity(int(meta["tenant_id"]), meta["store_id"], meta["terminal_id"], int(meta["epoch"]))
    except (sqlite3.Error, KeyError, ValueError) as exc:
        raise CopyFailed("corrupt", f"el diario actual no se puede leer: {exc}") from exc
    finally:
        conn.close()


def _lock(journal: Path) -> Any:
    """The journal's own lock (``<journal>.lock``, as ``SqliteJournal.open`` takes it): a running till holds it."""
    handle = open(journal.with_name(journal.name + ".lock"), "a+")  # noqa: SIM115 - closed by the caller
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise CopyFailed("locked", "otro proceso tiene el diario abierto") from None
    return handle
