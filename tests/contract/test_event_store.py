"""The event-store contract (``shared.journal.EventStore``): one set of cases run against every implementation.

To add a store, add an :class:`Implementation` to ``IMPLEMENTATIONS``: ``open(request)`` returns a context manager,
sync or async, that yields an empty store (an ``AsyncEventStore`` is driven on an event loop of its own). It may
take the fixtures it needs from ``request.getfixturevalue``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from desktop.journal import event_store as sqlite_event_store
from desktop.journal import sqlite_store
from shared import errors
from shared import journal as port
from shared.events import envelope, registry
from shared.events.envelope import GENESIS_HASH, Envelope
from tests.contract import postgres_event_store

Opened = AbstractContextManager[port.EventStore] | AbstractAsyncContextManager[port.AsyncEventStore]


@dataclass(frozen=True)
class Implementation:
    name: str
    open: Callable[[pytest.FixtureRequest], Opened]
    one_terminal: bool = False
    """The store keeps one terminal's streams (a till's journal) and refuses another terminal's entries."""


@contextlib.contextmanager
def _memory(request: pytest.FixtureRequest) -> Iterator[port.EventStore]:
    yield port.InMemoryEventStore()


@contextlib.contextmanager
def _sqlite(request: pytest.FixtureRequest) -> Iterator[port.EventStore]:
    path = request.getfixturevalue("tmp_path") / "journal.sqlite"
    ids = itertools.count(1)
    journal = sqlite_store.SqliteJournal.create(
        path, sqlite_store.Identity(TENANT, "S1", TERMINAL), codec=registry.build_codec(), clock=_no_clock,
        new_id=lambda: f"id-{next(ids)}")
    try:
        yield sqlite_event_store.SqliteEventStore(journal)
    finally:
        journal.close()


class _AsyncMemory:
    """``InMemoryEventStore`` behind the async port: holds the bridge below to the contract (as PostgreSQL's)."""

    def __init__(self) -> None:
        self.inner = port.InMemoryEventStore()

    async def append(self, entries: Sequence[Envelope]) -> port.Appended:
        await asyncio.sleep(0)
        return self.inner.append(entries)

    async def read(self, stream: port.Stream, from_seq: int = 1, limit: int | None = None) -> list[Envelope]:
        await asyncio.sleep(0)
        return self.inner.read(stream, from_seq, limit)

    async def head(self, stream: port.Stream) -> port.Head:
        await asyncio.sleep(0)
        return self.inner.head(stream)


@contextlib.asynccontextmanager
async def _async_memory(request: pytest.FixtureRequest) -> AsyncIterator[port.AsyncEventStore]:
    yield _AsyncMemory()


def _no_clock() -> Any:
    raise AssertionError("the event store never reads the clock")


def _postgres(request: pytest.FixtureRequest) -> AbstractAsyncContextManager[port.AsyncEventStore]:
    return postgres_event_store.open_store(request, TENANT)


IMPLEMENTATIONS = [
    Implementation("memory", _memory),
    Implementation("memory-async", _async_memory),
    Implementation("sqlite", _sqlite, one_terminal=True),
    Implementation("postgres", _postgres),
]

TENANT, TERMINAL = 1, "T1"
STREAM = port.Stream(TENANT, TERMINAL, 1)


class _Bridge:
    """An ``AsyncEventStore`` driven synchronously on one event loop."""

    def __init__(self, inner: port.AsyncEventStore, runner: asyncio.Runner) -> None:
        self.inner, self.runner = inner, runner

    def append(self, entries: Sequence[Envelope]) -> port.Appended:
        return self.runner.run(self.inner.append(entries))

    def read(self, stream: port.Stream, from_seq: int = 1, limit: int | None = None) -> list[Envelope]:
        return self.runner.run(self.inner.read(stream, from_seq, limit))

    def head(self, stream: port.Stream) -> port.Head:
        return self.runner.run(self.inner.head(stream))


@pytest.fixture(params=IMPLEMENTATIONS, ids=lambda impl: impl.name)
def implementation(request: pytest.FixtureRequest) -> Implementation:
    impl: Implementation = request.param
    return impl


@pytest.fixture
def store(implementation: Implementation, request: pytest.FixtureRequest) -> Iterator[port.EventStore]:
    opened = implementation.open(request)
    if isinstance(opened, AbstractAsyncContextManager):
        with asyncio.Runner() as runner:
            async_store = runner.run(opened.__aenter__())
            try:
                yield _Bridge(async_store, runner)
            finally:
                runner.run(opened.__aexit__(None, None, None))
    else:
        with opened as sync_store:
            yield sync_store


def chain(first: int, last: int, *, prev: str | None = None, epoch: int = 1, terminal: str = TERMINAL,
          tag: str = "a", before: Sequence[Envelope] = ()) -> list[Envelope]:
    """Entries ``first..last`` of one stream, chained from ``prev`` (the last of ``before``, or genesis)."""
    prev_hash = prev if prev is not None else (before[-1].hash if before else GENESIS_HASH)
    out: list[Envelope] = []
    for seq in range(first, last + 1):
        event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tag}-{terminal}-{epoch}-{seq}"))  # the master's is a uuid
        entry = envelope.seal(
            event_id=event_id, tenant_id=TENANT, store_id="S1", terminal_id=terminal,
            epoch=epoch, seq=seq, occurred_at=f"2026-11-20T09:{seq % 60:02d}:00.000-03:00", type="test.noted",
            version=1, payload={"n": seq, "tag": tag, "texto": "café ñandú"}, prev_hash=prev_hash)
        out.append(entry)
        prev_hash = entry.hash
    return out


def test_an_empty_stream_has_the_genesis_head_and_no_entries(store: port.EventStore) -> None:
    assert store.head(STREAM) == port.EMPTY == (0, GENESIS_HASH)
    assert store.read(STREAM) == []


def test_append_and_read_back(store: port.EventStore) -> None:
    entries = chain(1, 3)
    done = store.append(entries)
    assert done == port.Appended(port.Head(3, entries[-1].hash), tuple(entries))
    back = store.read(STREAM)
    assert back == entries
    assert [e.payload for e in back] == [{"n": n, "tag": "a", "texto": "café ñandú"} for n in (1, 2, 3)]
    assert envelope.verify_chain(back) == 3


def test_the_head_follows_each_append(store: port.EventStore) -> None:
    first = chain(1, 3)
    store.append(first)
    assert store.head(STREAM) == (3, first[-1].hash)
    second = chain(4, 5, before=first)
    assert store.append(second).head == (5, second[-1].hash)
    assert store.head(STREAM) == (5, second[-1].hash)
    assert store.read(STREAM) == first + second


def test_a_gap_is_refused_and_nothing_is_stored(store: port.EventStore) -> None:
    with pytest.raises(errors.SeqGap) as first:
        store.append(chain(2, 3))
    assert (first.value.expected_seq, first.value.seq) == (1, 2)
    entries = chain(1, 5)
    store.append(entries[:2])
    with pytest.raises(errors.SeqGap) as later:
        store.append(entries[3:])
    assert (later.value.expected_seq, later.value.seq) == (3, 4)
    assert store.head(STREAM) == (2, entries[1].hash)
    assert store.read(STREAM) == entries[:2]


def test_a_range_that_does_not_chain_from_the_head_is_refused(store: port.EventStore) -> None:
    first = chain(1, 2)
    store.append(first)
    with pytest.raises(errors.ChainBroken) as broken:
        store.append(chain(3, 4, prev="f" * 64))
    assert broken.value.seq == 3
    assert store.head(STREAM) == (2, first[-1].hash)


def test_an_altered_entry_breaks_the_chain_and_nothing_of_its_range_is_stored(store: port.EventStore) -> None:
    entries = chain(1, 4)
    altered = dataclasses.replace(entries[2], payload={"n": 999, "tag": "a", "texto": "café ñandú"}, payload_json="")
    with pytest.raises(errors.ChainBroken, match="alterado") as broken:
        store.append([*entries[:2], altered, entries[3]])
    assert broken.value.seq == 3
    assert store.head(STREAM) == port.EMPTY
    assert store.read(STREAM) == []


def test_a_range_with_a_hole_or_two_streams_is_refused(store: port.EventStore) -> None:
    entries = chain(1, 4)
    with pytest.raises(errors.ChainBroken) as hole:
        store.append([entries[0], entries[1], entries[3]])
    assert hole.value.seq == 4
    with pytest.raises(errors.ForeignStream):
        store.append([*chain(1, 1), *chain(2, 2, epoch=2)])
    with pytest.raises(ValueError):
        store.append([])
    assert store.read(STREAM) == []


def test_replaying_a_stored_range_is_a_no_op(store: port.EventStore) -> None:
    entries = chain(1, 5)
    store.append(entries[:3])
    again = store.append(entries[:3])
    assert again == port.Appended(port.Head(3, entries[2].hash), ())
    assert store.append(entries[1:2]) == again
    overlapping = store.append(entries[1:])  # a re-sent range that goes on: only the new part is stored
    assert overlapping == port.Appended(port.Head(5, entries[-1].hash), tuple(entries[3:]))
    assert store.read(STREAM) == entries


def test_an_overlap_with_another_history_is_refused(store: port.EventStore) -> None:
    stored = chain(1, 3)
    store.append(stored)
    with pytest.raises(errors.HistoryDiffers) as other:
        store.append(chain(1, 4, tag="b"))  # a restored or copied journal: same seqs, other events
    assert other.value.seq == 1
    tampered = dataclasses.replace(stored[1], payload={"n": 2, "tag": "z", "texto": ""}, payload_json="")
    with pytest.raises(errors.HistoryDiffers) as altered:  # same hash, other content
        store.append([stored[0], tampered, stored[2], *chain(4, 4, before=stored)])
    assert altered.value.seq == 2
    assert store.read(STREAM) == stored
    assert store.head(STREAM) == (3, stored[-1].hash)


def test_reads_start_where_asked_and_stop_at_the_limit(store: port.EventStore) -> None:
    entries = chain(1, 6)
    store.append(entries)
    assert store.read(STREAM, 3) == entries[2:]
    assert store.read(STREAM, 2, 3) == entries[1:4]
    assert store.read(STREAM, 5, 10) == entries[4:]
    assert store.read(STREAM, 1, 0) == []
    assert store.read(STREAM, 7) == []
    assert store.read(STREAM, limit=1) == entries[:1]


def test_epochs_are_kept_apart(store: port.EventStore) -> None:
    one = chain(1, 3)
    two = chain(1, 2, epoch=2)
    store.append(one)
    store.append(two)
    second = port.Stream(TENANT, TERMINAL, 2)
    assert store.head(STREAM) == (3, one[-1].hash)
    assert store.head(second) == (2, two[-1].hash)
    assert store.read(STREAM) == one
    assert store.read(second) == two
    assert store.head(port.Stream(TENANT, TERMINAL, 3)) == port.EMPTY
    more = chain(4, 4, before=one)
    store.append(more)
    assert store.read(STREAM) == one + more
    assert store.read(second) == two


def test_another_terminal_is_kept_apart_or_refused(store: port.EventStore, implementation: Implementation) -> None:
    mine = chain(1, 2)
    store.append(mine)
    theirs = chain(1, 3, terminal="T2")
    other = port.Stream(TENANT, "T2", 1)
    if implementation.one_terminal:
        with pytest.raises(errors.ForeignStream):
            store.append(theirs)
        assert store.head(other) == port.EMPTY
        assert store.read(other) == []
    else:
        assert store.append(theirs).new == tuple(theirs)
        assert store.head(other) == (3, theirs[-1].hash)
        assert store.read(other) == theirs
    assert store.read(STREAM) == mine
    assert store.head(STREAM) == (2, mine[-1].hash)


def test_the_sqlite_journal_follows_what_its_event_store_appends(tmp_path: Any) -> None:
    ids = itertools.count(1)
    deps: dict[str, Any] = {"codec": registry.build_codec(), "clock": _no_clock,
                            "new_id": lambda: f"id-{next(ids)}"}
    path = tmp_path / "journal.sqlite"
    journal = sqlite_store.SqliteJournal.create(path, sqlite_store.Identity(TENANT, "S1", TERMINAL), **deps)
    entries = chain(1, 3)
    sqlite_event_store.SqliteEventStore(journal).append(entries)
    assert journal.head == (3, entries[-1].hash)  # the journal's own head, for its next unit of work
    sqlite_event_store.SqliteEventStore(journal).append(chain(1, 2, epoch=2))  # not its current epoch
    assert journal.head == (3, entries[-1].hash)
    assert journal.verify() == 5
    journal.close()
    reopened = sqlite_store.SqliteJournal.open(path, **deps)
    assert list(reopened.read()) == entries
    reopened.close()
