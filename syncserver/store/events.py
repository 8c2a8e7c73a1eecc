"""The master's event store: every terminal's events per epoch, the tracking row of each stream (its head) and the
quarantine. ``PostgresEventStore`` implements ``shared.journal.AsyncEventStore`` inside the caller's transaction."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from psycopg.rows import class_row

from shared import errors, journal
from shared.events import envelope
from syncserver.store import bulk, db

EVENT_COLUMNS: Final = [
    ("tenant_id", "bigint"), ("terminal_id", "text"), ("epoch", "integer"), ("seq", "bigint"), ("event_id", "uuid"),
    ("store_id", "text"), ("type", "text"), ("version", "integer"), ("occurred_at", "text"), ("payload", "jsonb"),
    ("prev_hash", "text"), ("hash", "text")]


class EventRow(NamedTuple):
    """An ``events`` row as stored (``EVENT_COLUMNS``); ``payload`` is JSON text."""

    tenant_id: int
    terminal_id: str
    epoch: int
    seq: int
    event_id: str
    store_id: str
    type: str
    version: int
    occurred_at: str
    payload: str
    prev_hash: str
    hash: str


class QuarantineRow(NamedTuple):
    """A ``quarantine`` row: an event stored but kept out of the read models, and why (Spanish, for HQ)."""

    tenant_id: int
    terminal_id: str
    epoch: int
    seq: int
    type: str
    version: int
    reason: str
    payload: str


@dataclass(frozen=True, slots=True)
class Pending:
    """A range checked against its stream's head (``PostgresEventStore.check``), ready to store.

    ``rows`` are the ``new`` entries as they will be stored: payloads as the canonical JSON that was hashed, and every
    U+0000 (which PostgreSQL text cannot hold) replaced by U+FFFD in the entries whose seqs are in ``cleaned``.
    """

    stream: journal.Stream
    head: journal.Head
    new: list[envelope.Envelope]
    rows: list[EventRow]
    cleaned: frozenset[int]

    @property
    def appended(self) -> journal.Appended:
        """What the append does once stored."""
        if not self.new:
            return journal.Appended(self.head, ())
        last = self.new[-1]
        return journal.Appended(journal.Head(last.seq, last.hash), tuple(self.new))


class PostgresEventStore:
    """``shared.journal.AsyncEventStore`` over ``events`` and ``sync_tracking`` (the head of each stream) and the
    ``quarantine`` of events stored but not folded, for one tenant, on a connection whose transaction has that
    tenant set (``db.tenant_tx``).

    The ingest calls :meth:`check` and :meth:`store` itself, in its own transaction (it stores while it folds);
    :meth:`append` does both in one (sub)transaction.
    """

    def __init__(self, conn: db.Conn, tenant_id: int) -> None:
        self._conn = conn
        self.tenant_id = tenant_id

    async def head(self, stream: journal.Stream) -> journal.Head:
        cur = self._conn.cursor(row_factory=class_row(journal.Head))
        await cur.execute(
            "SELECT acked_seq AS seq, acked_hash AS hash FROM sync_tracking"
            " WHERE tenant_id = %s AND terminal_id = %s AND epoch = %s",
            (stream.tenant_id, stream.terminal_id, stream.epoch))
        head = await cur.fetchone()
        return journal.EMPTY if head is None else head

    async def read(self, stream: journal.Stream, from_seq: int = 1, limit: int | None = None
                   ) -> list[envelope.Envelope]:
        cur = self._conn.cursor(row_factory=class_row(envelope.Envelope))
        await cur.execute(
            f"SELECT {_ENVELOPE_FIELDS} FROM events WHERE tenant_id = %s AND terminal_id = %s AND epoch = %s"
            " AND seq >= %s ORDER BY seq LIMIT %s", (stream.tenant_id, stream.terminal_id, stream.epoch, from_seq,
                                                     None if limit is None else max(limit, 0)))
        return await cur.fetchall()

    async def append(self, entries: Sequence[envelope.Envelope]) -> journal.Appended:
        async with self._conn.transaction():
            pending = await self.check(entries)
            await self.store(pending)
        return pending.appended

    async def check(self, entries: Sequence[envelope.Envelope]) -> Pending:
        """The first half of :meth:`append`: read the head, compare what it already holds, check the rest continues
        it. Writes nothing.

        Raises:
            The errors of ``shared.journal.EventStore.append``; ``ForeignStream`` also for another tenant's range.
        """
        if not entries:
            raise ValueError("append needs at least one entry")
        stream = journal.Stream.of(entries[0])
        if stream.tenant_id != self.tenant_id:
            raise errors.ForeignStream(entries[0].seq, "el rango es de otro tenant")
        head = await self.head(stream)
        old, new = _split(entries, head)
        if old:
            journal.check_same_history(old, await self._hashes(stream, old[0].seq, old[-1].seq))
        texts = journal.check_continues(new, head)
        rows: list[EventRow] = []
        cleaned: set[int] = set()
        tenant_id, terminal_id, epoch = stream.tenant_id, stream.terminal_id, stream.epoch
        for e, payload in zip(new, texts, strict=True):
            type_, occurred_at = e.type, e.occurred_at
            # Canonical JSON always writes U+0000 as \u0000, so the (slow) walk of the payload runs only when its
            # text has that sequence
            if "\x00" in type_ or "\x00" in occurred_at or ("\\u0000" in payload and _has_nul(e.payload)):
                type_, occurred_at = _without_nul(type_), _without_nul(occurred_at)
                payload = json.dumps(_without_nul(e.payload), ensure_ascii=False)
                cleaned.add(e.seq)
            rows.append(_new_event_row((tenant_id, terminal_id, epoch, e.seq, e.event_id, e.store_id, type_,
                                        e.version, occurred_at, payload, e.prev_hash, e.hash)))
        return Pending(stream, head, new, rows, frozenset(cleaned))

    async def store(self, pending: Pending) -> None:
        """The second half of :meth:`append`: insert the rows (one statement) and advance the stream's head."""
        if not pending.rows:
            return
        async with self._conn.cursor() as cur:
            await bulk.insert(cur, "events", EVENT_COLUMNS, pending.rows)
        last, stream = pending.rows[-1], pending.stream
        await self._conn.execute(
            "INSERT INTO sync_tracking (tenant_id, terminal_id, epoch, acked_seq, acked_hash)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (tenant_id, terminal_id, epoch)"
            " DO UPDATE SET acked_seq = excluded.acked_seq, acked_hash = excluded.acked_hash, updated_at = now()",
            (stream.tenant_id, stream.terminal_id, stream.epoch, last.seq, last.hash))

    async def quarantine(self, rows: Sequence[QuarantineRow]) -> None:
        """Record stored events as quarantined (one statement's round trip per row, in seq order; usually none)."""
        if not rows:
            return
        ordered: list[QuarantineRow] = sorted(rows, key=_by_seq)
        async with self._conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", ordered)

    async def foldable(self, chunk: int) -> AsyncIterator[list[envelope.Envelope]]:
        """Every stored event of the tenant that was folded when received (not quarantined, or quarantined only for
        its tax document: ``folded``), terminal by terminal in epoch and seq order, ``chunk`` at a time, through a
        server-side cursor (the caller may write on the connection between chunks)."""
        async with self._conn.cursor(name="foldable_events", row_factory=class_row(envelope.Envelope)) as cur:
            await cur.execute(
                f"SELECT {_ENVELOPE_FIELDS} FROM events e WHERE e.tenant_id = %s AND NOT EXISTS (SELECT 1"
                " FROM quarantine q WHERE q.tenant_id = e.tenant_id AND q.terminal_id = e.terminal_id"
                " AND q.epoch = e.epoch AND q.seq = e.seq AND NOT q.folded) ORDER BY e.terminal_id, e.epoch, e.seq",
                (self.tenant_id,))
            while rows := await cur.fetchmany(chunk):
                yield rows

    async def _hashes(self, stream: journal.Stream, first: int, last: int) -> dict[int, str]:
        cur = await self._conn.execute(
            "SELECT seq, hash FROM events WHERE tenant_id = %s AND terminal_id = %s AND epoch = %s"
            " AND seq BETWEEN %s AND %s", (stream.tenant_id, stream.terminal_id, stream.epoch, first, last))
        return {int(seq): str(hash_) for seq, hash_ in await cur.fetchall()}


_ENVELOPE_FIELDS = ("event_id::text AS event_id, tenant_id, store_id, terminal_id, epoch, seq, occurred_at, type,"
                    " version, payload, prev_hash, hash")


_new_event_row: Callable[[tuple[Any, ...]], EventRow] = functools.partial(tuple.__new__, EventRow)
"""``EventRow`` of a 12-tuple in C (the class's own ``__new__`` is a Python call per event of every push)."""

_STREAM_OF = operator.attrgetter("tenant_id", "terminal_id", "epoch")
_SEQ_OF = operator.attrgetter("seq")


def _split(entries: Sequence[envelope.Envelope], head: journal.Head
           ) -> tuple[list[envelope.Envelope], list[envelope.Envelope]]:
    """``shared.journal.split``, with the usual range (one stream, contiguous) checked by C-level maps instead of a
    Python loop (the ingest's batches run to thousands of entries); any other range goes through ``split`` itself,
    which raises the error the contract names."""
    first = entries[0].seq
    if len(set(map(_STREAM_OF, entries))) != 1 or list(map(_SEQ_OF, entries)) != list(
            range(first, first + len(entries))):
        return journal.split(entries, head)
    cut = max(0, min(len(entries), head.seq - first + 1))
    return list(entries[:cut]), list(entries[cut:])


def _by_seq(row: QuarantineRow) -> int:
    return row.seq


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _without_nul(value: Any) -> Any:
    """A copy with every U+0000 in strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, Mapping):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_without_nul(v) for v in value)
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value
