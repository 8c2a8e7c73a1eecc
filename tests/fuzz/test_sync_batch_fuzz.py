"""Fuzz the batch decoder: a real till's batch as it signs it (``shared.sync``), its JSON mutated and re-sealed, read
by ``parse_push`` with both JSON readers and every event decoded by the codec; each answer is a batch and events,
``SyncError`` (``malformed``/``too_large``) or ``EventError``, in Spanish, never another exception."""

from __future__ import annotations

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from shared import errors, sync
from shared.events import envelope, registry
from tests.fuzz import batch_kit, fuzz_kit

CODEC = registry.build_codec()
MAX_EVENTS = 50


def _read(body: bytes) -> None:
    """The oracle for one body, as the server reads it (orjson) and as the exact re-read does (json)."""
    with fuzz_kit.bounded(5):
        for loads in (orjson.loads, None):
            try:
                batch = (sync.parse_push(body, max_events=MAX_EVENTS, loads=loads) if loads
                         else sync.parse_push(body, max_events=MAX_EVENTS))
            except sync.SyncError as exc:
                assert exc.code in ("malformed", "too_large"), exc.code
                assert fuzz_kit.spanish(exc.detail), exc.detail
                continue
            assert batch.from_seq >= 1 and batch.epoch >= 1 and 1 <= len(batch.events) <= MAX_EVENTS
            for entry in batch.events:
                _decoded(entry)


def _decoded(entry: envelope.Envelope) -> None:
    try:
        event = CODEC.decode(entry.type, entry.version, entry.payload)
    except errors.EventError as exc:
        assert str(exc).strip(), repr(exc)
    else:
        assert entry.type == type(event).TYPE


def _bodies(journal: list[envelope.Envelope], data: st.DataObject) -> list[envelope.Envelope]:
    start = data.draw(st.integers(0, len(journal) - 1))
    return journal[start:start + data.draw(st.integers(1, 8))]


@fuzz_kit.budget(suite=150, weight=0.3)
@given(data=st.data())
def test_mutated_batch_json_is_read_or_refused_in_spanish(till_journal: list[envelope.Envelope],
                                                          data: st.DataObject) -> None:
    entries = _bodies(till_journal, data)
    tree = orjson.loads(batch_kit.batch(entries).to_bytes())
    _read(batch_kit.dumps(data.draw(batch_kit.mutated_tree(tree)).value))


@fuzz_kit.budget(suite=150, weight=0.3)
@given(data=st.data())
def test_mutated_events_resealed_decode_or_are_refused(till_journal: list[envelope.Envelope],
                                                       data: st.DataObject) -> None:
    """The chain is made valid again after the change, so the codec sees what a till could have signed."""
    entries = _bodies(till_journal, data)
    bodies = [e.body() for e in entries]
    index = data.draw(st.integers(0, len(bodies) - 1))
    payload = data.draw(batch_kit.mutated_tree(dict(bodies[index]["payload"]))).value
    bodies[index] = {**bodies[index], "payload": payload}
    sealed = batch_kit.resealed(bodies, entries[0].prev_hash)
    if sealed is None:
        return
    first = sealed[0]
    _read(batch_kit.dumps({"protocol": 1, "tenant_id": first.tenant_id, "store_id": first.store_id,
                           "terminal_id": first.terminal_id, "epoch": first.epoch, "from_seq": first.seq,
                           "prev_hash": first.prev_hash, "events": [e.to_dict() for e in sealed]}))


@fuzz_kit.budget(suite=150, weight=0.3)
@given(data=st.data())
def test_mutated_batch_bytes_are_read_or_refused_in_spanish(till_journal: list[envelope.Envelope],
                                                            data: st.DataObject) -> None:
    body = batch_kit.batch(_bodies(till_journal, data)).to_bytes()
    _read(data.draw(fuzz_kit.mutated(body)))


@fuzz_kit.budget(suite=100, weight=0.2)
@given(st.one_of(st.binary(max_size=200), batch_kit.json_values.map(batch_kit.dumps),
                 st.integers(1, 3000).map(lambda n: b'{"protocol":1,"events":[' + b"[" * n + b"]" * n + b"]}"),
                 st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n)))
@example(b'{"protocol":1,"events":[' + b"[" * 3000 + b"]" * 3000 + b"]}")  # json.loads: RecursionError (fixed)
@example(b'{"protocol":1,"tenant_id":1,"store_id":"s","terminal_id":"t","epoch":1,"from_seq":1,"prev_hash":"x",'
         b'"events":[{"event_id":"e","tenant_id":Infinity,"store_id":"s","terminal_id":"t","epoch":1,"seq":1,'
         b'"occurred_at":"x","type":"t","version":1,"payload":{},"prev_hash":"x","hash":"h"}]}')  # OverflowError
def test_any_body_is_read_or_refused_in_spanish(body: bytes) -> None:
    _read(body)


