"""The till's SQLite journal seen through the event-store port (``shared.journal.EventStore``).

It stores sealed entries as they are, like ``SqliteJournal.begin_epoch`` does; the read models follow the journal's
own unit of work (``SqliteJournal.append``), not this port. One journal file holds one terminal: entries of another
tenant or terminal are refused with ``ForeignStream``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from desktop.journal import sqlite_store
from desktop.journal.errors import translate
from shared import errors
from shared import journal as port
from shared.events import envelope


class SqliteEventStore:
    """``EventStore`` over an open :class:`~desktop.journal.sqlite_store.SqliteJournal` (all of its epochs).

    Raises ``JournalError`` besides the port's errors when SQLite fails (disk full, read-only, I/O).
    """

    def __init__(self, journal: sqlite_store.SqliteJournal) -> None:
        self.journal = journal

    def _holds(self, stream: port.Stream) -> bool:
        me = self.journal.identity
        return (stream.tenant_id, stream.terminal_id) == (me.tenant_id, me.terminal_id)

    def append(self, entries: Sequence[envelope.Envelope]) -> port.Appended:
        if not entries:
            raise ValueError("append needs at least one entry")
        stream = port.Stream.of(entries[0])
        if not self._holds(stream):
            raise errors.ForeignStream(entries[0].seq, "este diario es de otro terminal")
        j = self.journal
        with j.unit_of_work() as uow:  # BEGIN IMMEDIATE: the head cannot move under the checks
            head = self._head(stream.epoch)
            old, new = port.split(entries, head)
            if old:
                stored = j.read(old[0].seq, stream.epoch, len(old))
                port.check_same_history(old, {e.seq: e.hash for e in stored})
            port.check_continues(new, head)
            for entry in new:
                sqlite_store._insert(uow.conn, entry)
            if new and stream.epoch == j.identity.epoch:  # the journal's cached head follows its current epoch
                uow.seq, uow.prev_hash = new[-1].seq, new[-1].hash
        return port.Appended(port.Head(new[-1].seq, new[-1].hash) if new else head, tuple(new))

    def read(self, stream: port.Stream, from_seq: int = 1, limit: int | None = None) -> list[envelope.Envelope]:
        if not self._holds(stream):
            return []
        return list(self.journal.read(from_seq, stream.epoch, -1 if limit is None else max(limit, 0)))

    def head(self, stream: port.Stream) -> port.Head:
        if not self._holds(stream):
            return port.EMPTY
        with self.journal.lock:
            return self._head(stream.epoch)

    def _head(self, epoch: int) -> port.Head:
        try:
            row = self.journal.conn.execute(
                "SELECT seq, hash FROM events WHERE epoch = ? ORDER BY seq DESC LIMIT 1", (epoch,)).fetchone()
            if row is None:  # an older epoch whose every entry went to archive files
                row = self.journal.conn.execute("SELECT last_seq, last_hash FROM archives WHERE epoch = ?"
                                                " ORDER BY last_seq DESC LIMIT 1", (epoch,)).fetchone()
        except sqlite3.Error as exc:
            raise translate(exc, str(self.journal.path)) from exc
        return port.Head(int(row[0]), str(row[1])) if row else port.EMPTY
