"""The event-store port: sealed journal entries stored per (tenant, terminal, epoch) stream, with their head.

The till's SQLite journal, the server's PostgreSQL store and :class:`InMemoryEventStore` implement it; one
contract suite (``tests/contract/test_event_store.py``) holds them to the same behaviour (DESIGN.md §3–4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from shared import errors
from shared.events import envelope


@dataclass(frozen=True, slots=True, order=True)
class Stream:
    """One terminal's journal in one epoch: ``seq`` is gapless within it, starting at 1."""

    tenant_id: int
    terminal_id: str
    epoch: int

    @classmethod
    def of(cls, entry: envelope.Envelope) -> Stream:
        return cls(entry.tenant_id, entry.terminal_id, entry.epoch)


class Head(NamedTuple):
    """``(seq, hash)`` of the last stored entry of a stream; :data:`EMPTY` when it holds none (the tracking row)."""

    seq: int
    hash: str


EMPTY = Head(0, envelope.GENESIS_HASH)


@dataclass(frozen=True, slots=True)
class Appended:
    """What :meth:`EventStore.append` did: the stream's ``head`` afterwards and the entries it stored ``new``
    (empty when the whole range was stored before: a replay)."""

    head: Head
    new: tuple[envelope.Envelope, ...]


class EventStore(Protocol):
    """Where sealed entries are kept. Every method raises only the errors listed (adapters translate their
    driver's errors into their own ``PosError`` subclass)."""

    def append(self, entries: Sequence[envelope.Envelope]) -> Appended:
        """Store a contiguous range of one stream, all or nothing.

        Entries at or below the head must be the ones stored (a re-sent range is a no-op); the rest must start at
        ``head.seq + 1`` and chain from ``head.hash``. See :func:`split` and :func:`check_continues`.

        Raises:
            ForeignStream: the range mixes streams, or this store does not keep that stream (a till's journal
                holds one terminal).
            ChainBroken: the range is not contiguous, or its chain does not continue the head or is altered.
            HistoryDiffers: an entry at or below the head is not the one stored (a restored or copied journal).
            SeqGap: the new entries do not start right after the head.
            ValueError: ``entries`` is empty.
        """
        ...

    def read(self, stream: Stream, from_seq: int = 1, limit: int | None = None) -> list[envelope.Envelope]:
        """Entries of ``stream`` from ``from_seq`` on, in seq order, at most ``limit`` (all when None); empty for
        a stream the store does not hold."""
        ...

    def head(self, stream: Stream) -> Head:
        """The stream's head; :data:`EMPTY` when it holds none."""
        ...


class AsyncEventStore(Protocol):
    """:class:`EventStore` for asyncio code (the server): the same methods, behaviour and errors, awaited."""

    async def append(self, entries: Sequence[envelope.Envelope]) -> Appended:
        """As :meth:`EventStore.append`."""
        ...

    async def read(self, stream: Stream, from_seq: int = 1, limit: int | None = None) -> list[envelope.Envelope]:
        """As :meth:`EventStore.read`."""
        ...

    async def head(self, stream: Stream) -> Head:
        """As :meth:`EventStore.head`."""
        ...


def split(entries: Sequence[envelope.Envelope], head: Head
          ) -> tuple[list[envelope.Envelope], list[envelope.Envelope]]:
    """``(old, new)``: the entries at or below ``head.seq`` (to compare with what is stored) and the rest.

    Raises:
        ForeignStream: the entries belong to more than one stream.
        ChainBroken: their seqs are not contiguous.
    """
    if not entries:
        return [], []
    first = entries[0]
    stream = Stream.of(first)
    for offset, entry in enumerate(entries):
        if Stream.of(entry) != stream:
            raise errors.ForeignStream(entry.seq, "el rango mezcla terminales o épocas")
        if entry.seq != first.seq + offset:
            raise errors.ChainBroken(entry.seq, f"se esperaba seq {first.seq + offset}")
    cut = max(0, min(len(entries), head.seq - first.seq + 1))
    return list(entries[:cut]), list(entries[cut:])


def check_same_history(old: Sequence[envelope.Envelope], stored: Mapping[int, str]) -> None:
    """Each re-sent entry must be byte for byte the one stored: ``stored`` maps its seq to the stored hash.

    Raises:
        HistoryDiffers: the first entry that differs (another hash, or content altered under the same hash).
    """
    for entry in old:
        if stored.get(entry.seq) != entry.hash or envelope.chain_hash(entry.body()) != entry.hash:
            raise errors.HistoryDiffers(entry.seq)


def check_continues(new: Sequence[envelope.Envelope], head: Head) -> list[str]:
    """Check that ``new`` continues the stream after ``head``; return each payload as the canonical JSON hashed
    (what a store keeps).

    Raises:
        SeqGap: ``new`` does not start at ``head.seq + 1``.
        ChainBroken: as :func:`shared.events.envelope.verified_payloads`.
    """
    if new and new[0].seq != head.seq + 1:
        raise errors.SeqGap(head.seq + 1, new[0].seq)
    return envelope.verified_payloads(new, prev_hash=head.hash, first_seq=head.seq + 1)


class InMemoryEventStore:
    """:class:`EventStore` in a dict, for tests and tools; keeps any number of streams."""

    def __init__(self) -> None:
        self._streams: dict[Stream, list[envelope.Envelope]] = {}

    def append(self, entries: Sequence[envelope.Envelope]) -> Appended:
        if not entries:
            raise ValueError("append needs at least one entry")
        stream = Stream.of(entries[0])
        held = self._streams.get(stream, [])
        head = self.head(stream)
        old, new = split(entries, head)
        check_same_history(old, {e.seq: e.hash for e in held[old[0].seq - 1:old[-1].seq]} if old else {})
        check_continues(new, head)
        if not new:
            return Appended(head, ())
        self._streams[stream] = [*held, *new]
        return Appended(Head(new[-1].seq, new[-1].hash), tuple(new))

    def read(self, stream: Stream, from_seq: int = 1, limit: int | None = None) -> list[envelope.Envelope]:
        held = self._streams.get(stream, [])
        start = max(from_seq, 1) - 1
        return held[start:] if limit is None else held[start:start + max(limit, 0)]

    def head(self, stream: Stream) -> Head:
        held = self._streams.get(stream)
        return Head(held[-1].seq, held[-1].hash) if held else EMPTY
