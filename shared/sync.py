"""The sync protocol's messages: push batches of journal entries, acks, and pull pages (DESIGN.md §4).

A push is ``POST /sync/push`` whose body is the canonical JSON of a batch, with headers ``X-Terminal`` (the
terminal's id) and ``X-Signature`` (Ed25519 over the exact body bytes). The server answers an :class:`Ack`, or
an error whose ``code`` says what to do: ``gap`` (resend from ``expected_seq``), ``epoch`` (this journal is a
restored or cloned copy: start a new epoch), ``revoked``, ``unauthenticated``, ``malformed``, ``too_large``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from shared import errors
from shared.events import envelope

PROTOCOL_VERSION = 1
MAX_PAYLOAD_DEPTH = 512
"""Levels of lists and objects a pushed payload may nest (a till writes a handful). A fixed rule, so the refusal
does not depend on the Python's stack: 3.11 could not hash ~1,000 levels, 3.13 hashes 10,000."""


class SyncError(errors.PosError):
    """A sync message cannot be used. ``code`` is the protocol's error code, ``detail`` says what was wrong."""

    def __init__(self, code: str, detail: str, **data: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.data = data


@dataclass(frozen=True, slots=True)
class PushBatch:
    """A contiguous range ``from_seq..to_seq`` of one terminal's journal in one epoch.

    ``prev_hash`` is the hash of entry ``from_seq - 1`` (the genesis hash when ``from_seq == 1``), so the server
    checks that the batch continues exactly what it already holds.
    """

    tenant_id: int
    store_id: str
    terminal_id: str
    epoch: int
    from_seq: int
    prev_hash: str
    events: tuple[envelope.Envelope, ...]

    @property
    def to_seq(self) -> int:
        return self.from_seq + len(self.events) - 1

    def to_bytes(self) -> bytes:
        """The canonical body that the terminal signs and sends."""
        return envelope.canonical_bytes({
            "protocol": PROTOCOL_VERSION, "tenant_id": self.tenant_id, "store_id": self.store_id,
            "terminal_id": self.terminal_id, "epoch": self.epoch, "from_seq": self.from_seq,
            "prev_hash": self.prev_hash, "events": [e.to_dict() for e in self.events]})


def parse_push(body: bytes, *, max_events: int, loads: Callable[[bytes], Any] = json.loads) -> PushBatch:
    """Read a push body and check its shape (not its signature, tenant or chain: the server does that).

    ``loads`` parses the JSON (the server passes a faster parser; the result must equal ``json.loads``'s).

    Raises:
        SyncError: ``malformed`` (not JSON, wrong protocol, missing or mistyped fields, events that do not
            belong to the batch's terminal and epoch or are not contiguous, a payload nested deeper than
            ``MAX_PAYLOAD_DEPTH``), ``too_large`` (too many events).
    """
    try:
        data = loads(body)
    except (ValueError, UnicodeDecodeError) as exc:  # orjson.JSONDecodeError is a ValueError too
        raise SyncError("malformed", f"JSON inválido: {exc}") from None
    except RecursionError:  # json.loads of lists or objects nested past Python's stack (orjson stops at 1,024)
        raise SyncError("malformed", f"JSON anidado a más de {MAX_PAYLOAD_DEPTH} niveles") from None
    if not isinstance(data, dict) or data.get("protocol") != PROTOCOL_VERSION:
        raise SyncError("malformed", "protocolo desconocido")
    raw_events = data.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise SyncError("malformed", "el lote no trae eventos")
    if len(raw_events) > max_events:
        raise SyncError("too_large", f"{len(raw_events)} eventos; máximo {max_events}", max_events=max_events)
    try:
        batch = PushBatch(
            tenant_id=_int(data["tenant_id"]), store_id=_str(data["store_id"]),
            terminal_id=_str(data["terminal_id"]), epoch=_int(data["epoch"]), from_seq=_int(data["from_seq"]),
            prev_hash=_str(data["prev_hash"]),
            events=tuple(envelope.Envelope.from_dict(_mapping(e)) for e in raw_events))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:  # int(Infinity) is an OverflowError
        raise SyncError("malformed", f"campo faltante o inválido: {exc}") from None
    # one orjson call settles the depth of the usual batch's payloads (per-event calls cost ~20x more in all)
    check_depth = not _orjson_writes([e.payload for e in batch.events])
    for offset, entry in enumerate(batch.events):
        if (entry.tenant_id, entry.store_id, entry.terminal_id, entry.epoch) != (
                batch.tenant_id, batch.store_id, batch.terminal_id, batch.epoch):
            raise SyncError("malformed", f"el evento seq {entry.seq} no pertenece a este terminal y época")
        if entry.seq != batch.from_seq + offset:
            raise SyncError("malformed", f"seq {entry.seq} fuera de orden (se esperaba {batch.from_seq + offset})")
        if not isinstance(entry.payload, Mapping):
            raise SyncError("malformed", f"payload de seq {entry.seq} no es un objeto")
        if check_depth and _nested_deeper_than(entry.payload, MAX_PAYLOAD_DEPTH):
            raise SyncError("malformed", f"el evento seq {entry.seq} trae datos anidados a más de "
                            f"{MAX_PAYLOAD_DEPTH} niveles")
    if batch.from_seq < 1 or batch.epoch < 1:
        raise SyncError("malformed", "seq y época empiezan en 1")
    return batch


_ORJSON_DEPTH = 255
"""orjson refuses to write data nested deeper than this, so what it writes is within any limit at or above it."""


def _orjson_writes(payloads: list[Any]) -> bool:
    """Whether orjson writes ``payloads``: then each nests at most ``_ORJSON_DEPTH - 1`` levels, so none is deeper
    than ``MAX_PAYLOAD_DEPTH`` (which is larger)."""
    try:
        orjson.dumps(payloads)
    except orjson.JSONEncodeError:
        return False
    return MAX_PAYLOAD_DEPTH >= _ORJSON_DEPTH


def _nested_deeper_than(value: Mapping[str, Any], limit: int) -> bool:
    """Whether lists and mappings nest more than ``limit`` levels in ``value``.

    Every event of every push is checked, so the usual payload is settled in C: orjson writes it only when it
    nests at most 255 levels. Only what orjson refuses (deep data, or values it does not write, such as an integer
    past 64 bits) is walked in Python, without recursion.
    """
    if limit >= _ORJSON_DEPTH:
        try:
            orjson.dumps(value)
            return False
        except orjson.JSONEncodeError:
            pass
    stack: list[tuple[Mapping[str, Any] | list[Any], int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, Mapping) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, Mapping | list))
    return False


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"se esperaba entero, llegó {value!r}")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"se esperaba texto, llegó {value!r}")
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError("cada evento debe ser un objeto")
    return value


@dataclass(frozen=True, slots=True)
class Ack:
    """The server holds every entry of ``epoch`` up to ``acked_seq`` (whose hash is ``acked_hash``)."""

    epoch: int
    acked_seq: int
    acked_hash: str
    applied: int = 0
    quarantined: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "acked_seq": self.acked_seq, "acked_hash": self.acked_hash,
                "applied": self.applied, "quarantined": self.quarantined}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ack:
        return cls(int(data["epoch"]), int(data["acked_seq"]), str(data["acked_hash"]),
                   int(data.get("applied", 0)), int(data.get("quarantined", 0)))


def batches(entries: Sequence[envelope.Envelope], size: int) -> list[tuple[envelope.Envelope, ...]]:
    """Split contiguous entries into batches of at most ``size``."""
    return [tuple(entries[i:i + size]) for i in range(0, len(entries), size)]
