"""The journal envelope of DESIGN.md §3 and the SHA-256 hash chain over its canonical bytes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _encode_string
from typing import Any

import orjson

from shared import errors

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first event of every (terminal, epoch) journal."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One journal entry.

    ``seq`` is gapless per terminal and epoch, starting at 1. ``occurred_at`` is the terminal's clock as ISO 8601
    with offset: for display and audit only, never for ordering. ``type`` is a stable string and ``version`` the
    payload's schema version; ``payload`` is plain JSON data. ``hash`` is SHA-256 (hex) over the canonical bytes
    of every other field, ``prev_hash`` included, so altering, removing or reordering any entry breaks the chain.
    """

    event_id: str
    tenant_id: int
    store_id: str
    terminal_id: str
    epoch: int
    seq: int
    occurred_at: str
    type: str
    version: int
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    payload_json: str = field(default="", compare=False, repr=False)
    """The canonical JSON of ``payload`` when :func:`seal` made it (saves serialising it again to store it)."""

    def body(self) -> dict[str, Any]:
        """Every field but ``hash``, as hashed."""
        return {
            "event_id": self.event_id, "tenant_id": self.tenant_id, "store_id": self.store_id,
            "terminal_id": self.terminal_id, "epoch": self.epoch, "seq": self.seq,
            "occurred_at": self.occurred_at, "type": self.type, "version": self.version,
            "payload": self.payload, "prev_hash": self.prev_hash,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Envelope:
        """Raises: KeyError or TypeError on a malformed mapping."""
        return cls(event_id=str(data["event_id"]), tenant_id=int(data["tenant_id"]),
                   store_id=str(data["store_id"]), terminal_id=str(data["terminal_id"]),
                   epoch=int(data["epoch"]), seq=int(data["seq"]), occurred_at=str(data["occurred_at"]),
                   type=str(data["type"]), version=int(data["version"]),
                   payload=data["payload"] if type(data["payload"]) is dict else dict(data["payload"]),
                   prev_hash=str(data["prev_hash"]), hash=str(data["hash"]))


def canonical_bytes(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8, non-ASCII written as itself; bytes identical to
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()``, the format every
    hash of the chain was made with (a property test holds the two together).

    Payloads hold only str, int, bool, None, lists and dicts (floats are not part of the format: the codec never
    writes one, and the server's batch parser refuses NaN and Infinity). orjson writes them about ten times
    faster than json; an integer past 64 bits, which orjson refuses, is written by json.

    Raises:
        TypeError: a value that is not JSON data (a Decimal, a set, a dataclass…; orjson does write an Enum's value
            and a UUID, which are not payload data either: ``codec.to_payload`` never leaves one).
        UnicodeEncodeError: a string with a lone surrogate (not UTF-8).
        RecursionError: data nested deeper than Python's stack (orjson stops at 255 levels, then json is used).
    """
    try:
        return orjson.dumps(value, option=_ORJSON_CANONICAL)
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8")


_ORJSON_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
"""Sorted keys; dataclasses and datetimes are not JSON data here (refused, as json refuses them)."""


def chain_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the canonical bytes of an envelope body."""
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def seal(*, event_id: str, tenant_id: int, store_id: str, terminal_id: str, epoch: int, seq: int,
         occurred_at: str, type: str, version: int, payload: Mapping[str, Any], prev_hash: str) -> Envelope:
    """Build an envelope and compute its hash (the payload is serialised once, for the hash and for storage)."""
    draft = Envelope(event_id, tenant_id, store_id, terminal_id, epoch, seq, occurred_at, type, version,
                     payload, prev_hash, "")
    digest, payload_bytes = _digest(draft)
    return Envelope(event_id, tenant_id, store_id, terminal_id, epoch, seq, occurred_at, type, version,
                    payload, prev_hash, digest, payload_bytes.decode("utf-8"))


def _digest(entry: Envelope) -> tuple[str, bytes]:
    """``chain_hash(entry.body())`` and the payload's canonical bytes, serialising the payload only once."""
    payload_bytes = canonical_bytes(entry.payload)
    if type(entry.epoch) is int and type(entry.seq) is int and type(entry.tenant_id) is int \
            and type(entry.version) is int:
        # the canonical body written directly: keys in sorted order, strings escaped by json's own encoder
        # (byte-identical to canonical_bytes(entry.body()); a property test holds the two together)
        head = (f'{{"epoch":{entry.epoch},"event_id":{_text(entry.event_id)},'
                f'"occurred_at":{_text(entry.occurred_at)},"payload":').encode()
        tail = (f',"prev_hash":{_text(entry.prev_hash)},"seq":{entry.seq},"store_id":{_text(entry.store_id)},'
                f'"tenant_id":{entry.tenant_id},"terminal_id":{_text(entry.terminal_id)},"type":{_text(entry.type)},'
                f'"version":{entry.version}}}').encode()
        return hashlib.sha256(head + payload_bytes + tail).hexdigest(), payload_bytes
    return chain_hash(entry.body()), payload_bytes


def _text(value: object) -> str:
    """A JSON string as ``canonical_bytes`` writes it (``ensure_ascii=False``)."""
    if type(value) is not str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    return _encode_string(value)


def verify_chain(entries: Iterable[Envelope], *, prev_hash: str = GENESIS_HASH, first_seq: int = 1) -> int:
    """Check seq continuity and every hash link; return how many entries were checked.

    Raises:
        ChainBroken: as :func:`verified_payloads`.
    """
    return len(verified_payloads(entries, prev_hash=prev_hash, first_seq=first_seq))


def verified_payloads(entries: Iterable[Envelope], *, prev_hash: str = GENESIS_HASH, first_seq: int = 1
                      ) -> list[str]:
    """Check seq continuity and every hash link; return each entry's payload as canonical JSON text.

    Raises:
        ChainBroken: a gap or repeat in ``seq``, a ``prev_hash`` that is not the previous hash, or a ``hash``
            that does not match the entry's bytes (the entry was altered).
    """
    expected_seq = first_seq
    texts: list[str] = []
    for entry in entries:
        if entry.seq != expected_seq:
            raise errors.ChainBroken(entry.seq, f"se esperaba seq {expected_seq}")
        if entry.prev_hash != prev_hash:
            raise errors.ChainBroken(entry.seq, "prev_hash no coincide con el evento anterior")
        digest, payload_bytes = _digest(entry)
        if digest != entry.hash:
            raise errors.ChainBroken(entry.seq, "el contenido no coincide con su hash (alterado)")
        texts.append(payload_bytes.decode("utf-8"))
        prev_hash = entry.hash
        expected_seq += 1
    return texts
