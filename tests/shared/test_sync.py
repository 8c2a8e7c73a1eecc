"""parse_push's depth rule over whole batches: one orjson call for the usual batch, the per-event walk otherwise."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shared import sync
from shared.events.envelope import GENESIS_HASH, Envelope, seal


def _nested(levels: int, leaf: Any) -> dict[str, Any]:
    deep: Any = leaf
    for _ in range(levels - 1):  # the payload object itself is the first level
        deep = [deep]
    return {"notes": deep}


def _batch(payloads: list[dict[str, Any]]) -> bytes:
    entries: list[Envelope] = []
    prev = GENESIS_HASH
    for seq, payload in enumerate(payloads, start=1):
        sealed = seal(event_id=f"0190-{seq:04d}", tenant_id=1, store_id="centro", terminal_id="caja-1", epoch=1,
                      seq=seq, occurred_at="2026-11-20T09:00:00-03:00", type="note.added", version=1,
                      payload=payload, prev_hash=prev)
        entries.append(sealed)
        prev = sealed.hash
    return sync.PushBatch(1, "centro", "caja-1", 1, 1, GENESIS_HASH, tuple(entries)).to_bytes()


@pytest.mark.parametrize("levels", [1, 253, 254, 255, 256, 300, 512, 513, 600])
@pytest.mark.parametrize("leaf", ["fondo", 2**70], ids=["text", "int-past-64-bits"])
@pytest.mark.parametrize("loads", [orjson.loads, None], ids=["orjson", "json"])
def test_a_batch_is_refused_for_its_deep_event_only_past_the_limit_whichever_path_decides(
        levels: int, leaf: Any, loads: Any) -> None:
    """Shallow neighbours, one event at ``levels`` (the second): the batch passes up to MAX_PAYLOAD_DEPTH and past it
    is refused naming that event, whether the batch-wide orjson call settles it or the per-event walk does."""
    body = _batch([{"a": 1}, _nested(levels, leaf), {"b": [1, {"c": 2}]}])
    kwargs = {"loads": loads} if loads is not None else {}
    if levels <= sync.MAX_PAYLOAD_DEPTH:
        batch = sync.parse_push(body, max_events=10, **kwargs)
        assert [e.seq for e in batch.events] == [1, 2, 3]
        assert batch.events[1].payload == _nested(levels, leaf) or loads is orjson.loads  # orjson: 2**70 is a float
    else:
        with pytest.raises(sync.SyncError) as info:
            sync.parse_push(body, max_events=10, **kwargs)
        assert info.value.code == "malformed"
        assert "seq 2" in info.value.detail and str(sync.MAX_PAYLOAD_DEPTH) in info.value.detail


def test_an_earlier_fault_is_reported_before_a_later_deep_event() -> None:
    """The batch-wide check decides nothing about order: an event out of sequence, before a deep one, is still what
    the error names."""
    from dataclasses import replace

    first = sync.parse_push(_batch([{"a": 1}]), max_events=10).events[0]
    deep = replace(first, seq=3, payload=_nested(sync.MAX_PAYLOAD_DEPTH + 1, "fondo"))
    body = sync.PushBatch(1, "centro", "caja-1", 1, 1, GENESIS_HASH, (replace(first, seq=2), deep)).to_bytes()
    with pytest.raises(sync.SyncError) as info:
        sync.parse_push(body, max_events=10, loads=orjson.loads)
    assert "seq 2 fuera de orden" in info.value.detail
