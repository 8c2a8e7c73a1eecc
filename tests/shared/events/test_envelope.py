"""shared.events.envelope: canonical bytes, sealing and the SHA-256 hash chain of the journal."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import errors
from shared.events.envelope import GENESIS_HASH, Envelope, canonical_bytes, chain_hash, seal, verify_chain


def entry(seq: int, prev_hash: str, payload: dict[str, Any] | None = None) -> Envelope:
    return seal(
        event_id=f"0190-{seq:04d}",
        tenant_id=1,
        store_id="almacen-don-pepe",
        terminal_id="caja-1",
        epoch=1,
        seq=seq,
        occurred_at=f"2025-03-01T10:{seq // 60:02d}:{seq % 60:02d}-03:00",
        type="sale.completed",
        version=1,
        payload=payload
        if payload is not None
        else {
            "sale_id": f"V-{seq}",
            "total": 1000 * seq,
            "lines": [{"sku": "BEB-001", "quantity": "0.512"}],
            "nota": "ñandú",
        },
        prev_hash=prev_hash,
    )


def chain(n: int = 50) -> list[Envelope]:
    entries: list[Envelope] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        entries.append(entry(seq, prev))
        prev = entries[-1].hash
    return entries


def test_genesis_hash() -> None:
    assert GENESIS_HASH == "0" * 64


def test_seal_hashes_every_field_but_hash() -> None:
    e = entry(1, GENESIS_HASH)
    assert len(e.hash) == 64
    assert e.hash == hashlib.sha256(canonical_bytes(e.body())).hexdigest() == chain_hash(e.body())
    assert "hash" not in e.body()
    assert set(e.body()) == {
        "event_id",
        "tenant_id",
        "store_id",
        "terminal_id",
        "epoch",
        "seq",
        "occurred_at",
        "type",
        "version",
        "payload",
        "prev_hash",
    }


@pytest.mark.parametrize(
    "field",
    [
        "event_id",
        "tenant_id",
        "store_id",
        "terminal_id",
        "epoch",
        "occurred_at",
        "type",
        "version",
        "prev_hash",
    ],
)
def test_every_field_changes_the_hash(field: str) -> None:
    e = entry(1, GENESIS_HASH)
    value = getattr(e, field)
    changed = {**e.body(), field: value + 1 if isinstance(value, int) else value + "x"}
    assert chain_hash(changed) != e.hash


def test_verify_a_chain_of_50() -> None:
    entries = chain(50)
    assert verify_chain(entries) == 50
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert len({e.hash for e in entries}) == 50


def test_verify_continues_from_a_checkpoint() -> None:
    entries = chain(50)
    assert verify_chain(entries[20:], prev_hash=entries[19].hash, first_seq=21) == 30
    assert verify_chain([]) == 0
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries[20:])  # without the checkpoint the first seq is wrong
    assert info.value.seq == 21


def test_tampering_with_a_payload_value_is_detected() -> None:
    entries = chain(50)
    tampered = dataclasses.replace(entries[29], payload={**entries[29].payload, "total": 1})
    entries[29] = tampered
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 30
    assert info.value.reason == "el contenido no coincide con su hash (alterado)"


def test_tampering_with_a_nested_value_in_place_is_detected() -> None:
    entries = chain(50)
    entries[9].payload["lines"][0]["quantity"] = "0.513"  # payload is plain data: mutable in place
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 10


def test_resealing_a_tampered_entry_breaks_the_next_link() -> None:
    entries = chain(50)
    old = entries[29]
    entries[29] = entry(30, old.prev_hash, {**old.payload, "total": 1})
    verify_chain(entries[:30])  # the forged entry is self-consistent...
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 31  # ...but the next entry points at the original
    assert info.value.reason == "prev_hash no coincide con el evento anterior"


def test_deleting_an_entry_is_detected() -> None:
    entries = chain(50)
    del entries[24]  # seq 25
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 26
    assert info.value.reason == "se esperaba seq 25"


def test_deleting_the_last_entry_is_not_detectable_by_the_chain_alone() -> None:
    # Truncation leaves a valid prefix: the count returned is what a caller compares with the expected seq.
    assert verify_chain(chain(50)[:-1]) == 49


def test_reordering_two_entries_is_detected() -> None:
    entries = chain(50)
    entries[10], entries[11] = entries[11], entries[10]  # seq 11 and 12
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 12
    assert info.value.reason == "se esperaba seq 11"


def test_renumbering_after_a_deletion_is_detected() -> None:
    entries = chain(50)
    del entries[24]
    entries[24] = dataclasses.replace(entries[24], seq=25)  # fix the gap: the hash no longer matches
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 25


def test_changing_prev_hash_is_detected() -> None:
    entries = chain(50)
    entries[39] = dataclasses.replace(entries[39], prev_hash="f" * 64)
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 40
    assert info.value.reason == "prev_hash no coincide con el evento anterior"


def test_changing_the_stored_hash_is_detected() -> None:
    entries = chain(50)
    entries[49] = dataclasses.replace(entries[49], hash="0" * 64)
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain(entries)
    assert info.value.seq == 50
    assert "alterado" in str(info.value)


def test_a_repeated_entry_is_detected() -> None:
    entries = chain(5)
    with pytest.raises(errors.ChainBroken) as info:
        verify_chain([*entries[:3], entries[2], *entries[3:]])
    assert info.value.seq == 3
    assert info.value.reason == "se esperaba seq 4"


def test_canonical_bytes_are_stable_across_key_order() -> None:
    a = {"b": 1, "a": {"y": [1, 2, {"k": None, "j": True}], "x": "ñ"}}
    b = {"a": {"x": "ñ", "y": [1, 2, {"j": True, "k": None}]}, "b": 1}
    assert canonical_bytes(a) == canonical_bytes(b)
    assert canonical_bytes(a) == '{"a":{"x":"ñ","y":[1,2,{"j":true,"k":null}]},"b":1}'.encode()
    assert chain_hash(a) == chain_hash(b)


def test_canonical_bytes_keep_list_order_and_refuse_what_is_not_json_data() -> None:
    assert canonical_bytes([2, 1]) != canonical_bytes([1, 2])
    for value in ({"x": Decimal("1.5")}, {"x": {1, 2}}, {"x": dataclasses.make_dataclass("D", [])()},
                  {"x": datetime(2026, 11, 23)}):
        with pytest.raises(TypeError):
            canonical_bytes(value)
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate is no UTF-8
        canonical_bytes({"x": "\ud800"})
    assert canonical_bytes({"n": 2**64 + 1, "m": -(2**70)}) == b'{"m":-1180591620717411303424,"n":18446744073709551617}'


def test_a_batch_with_nan_or_infinity_is_refused_before_any_hash() -> None:
    """Floats are not part of the payload format; NaN and Infinity cannot even be read from a push."""
    import orjson

    from shared import sync
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
        body = b'{"protocol": 1, "events": [{"payload": {"x": ' + literal + b'}}]}'
        with pytest.raises(sync.SyncError) as info:
            sync.parse_push(body, max_events=10, loads=orjson.loads)
        assert info.value.code == "malformed"


def test_a_payload_nested_past_the_limit_is_refused_on_every_python() -> None:
    """The depth rule is the protocol's, not the stack's: 3.11 could not hash ~1,000 levels, 3.13 can."""
    import orjson

    from shared import sync

    def batch(levels: int) -> bytes:
        deep: Any = "fondo"
        for _ in range(levels - 1):  # the payload object itself is the first level
            deep = [deep]
        sealed = entry(1, GENESIS_HASH, {"notes": deep})
        return sync.PushBatch(1, "almacen-don-pepe", "caja-1", 1, 1, GENESIS_HASH, (sealed,)).to_bytes()

    assert sync.parse_push(batch(sync.MAX_PAYLOAD_DEPTH), max_events=10, loads=orjson.loads).events[0].seq == 1
    with pytest.raises(sync.SyncError) as info:
        sync.parse_push(batch(sync.MAX_PAYLOAD_DEPTH + 1), max_events=10, loads=orjson.loads)
    assert info.value.code == "malformed"


JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**80), max_value=2**80) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25)


@given(JSON_DATA)
def test_canonical_bytes_are_the_bytes_every_hash_was_made_with(value):
    """The chain's format is json.dumps' (sorted keys, no spaces, UTF-8 as itself): the faster writer matches it
    byte for byte on every kind of payload data, any Unicode text and any integer size included."""
    reference = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert canonical_bytes(value) == reference


def test_envelope_hash_does_not_depend_on_payload_key_order() -> None:
    one = entry(1, GENESIS_HASH, {"a": 1, "b": 2})
    two = entry(1, GENESIS_HASH, {"b": 2, "a": 1})
    assert one.hash == two.hash


def test_to_dict_from_dict_round_trip() -> None:
    e = entry(7, "a" * 64)
    data = e.to_dict()
    assert data["hash"] == e.hash
    assert {k: v for k, v in data.items() if k != "hash"} == e.body()
    assert Envelope.from_dict(data) == e
    # through JSON, as the sync server receives it
    back = Envelope.from_dict(json.loads(json.dumps(data)))
    assert back == e
    assert verify_chain([back], prev_hash="a" * 64, first_seq=7) == 1


def test_from_dict_coerces_types() -> None:
    data = {**entry(1, GENESIS_HASH).to_dict(), "tenant_id": "1", "seq": "1", "epoch": "1", "version": "1"}
    back = Envelope.from_dict(data)
    assert (back.tenant_id, back.seq, back.epoch, back.version) == (1, 1, 1, 1)
    assert verify_chain([back]) == 1


@pytest.mark.parametrize(("change", "error"), [({"payload": None}, TypeError), ({"seq": "uno"}, ValueError)])
def test_from_dict_rejects_malformed_mappings(change: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        Envelope.from_dict({**entry(1, GENESIS_HASH).to_dict(), **change})


def test_from_dict_missing_key() -> None:
    data = entry(1, GENESIS_HASH).to_dict()
    del data["prev_hash"]
    with pytest.raises(KeyError):
        Envelope.from_dict(data)


@settings(suppress_health_check=[HealthCheck.too_slow])  # recursive payloads are slow to draw on a busy machine
@given(st.dictionaries(st.text(max_size=12), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12), max_size=6))
def test_seal_hashes_exactly_the_canonical_body(payload):
    from shared.events import envelope as env
    sealed = env.seal(event_id="e", tenant_id=1, store_id="s", terminal_id="t", epoch=1, seq=1,
                      occurred_at="2026-11-22T10:00:00-03:00", type="x", version=1, payload=payload,
                      prev_hash=env.GENESIS_HASH)
    assert sealed.hash == env.chain_hash(sealed.body())
    assert sealed.payload_json.encode("utf-8") == env.canonical_bytes(payload)


@given(st.text(max_size=40), st.text(max_size=30), st.text(max_size=20), st.text(max_size=20), st.text(max_size=20),
       st.integers(min_value=0, max_value=2**40), st.integers(min_value=1, max_value=2**31 - 1),
       st.dictionaries(st.text(max_size=8), st.text(max_size=16) | st.integers(), max_size=4))
def test_the_direct_digest_equals_hashing_the_canonical_body(event_id, occurred_at, store_id, terminal_id, type_,
                                                            seq, version, payload):
    from shared.events import envelope as env
    sealed = env.seal(event_id=event_id, tenant_id=seq % 7, store_id=store_id, terminal_id=terminal_id, epoch=3,
                      seq=seq, occurred_at=occurred_at, type=type_, version=version, payload=payload,
                      prev_hash="p\u2028\"q")
    assert sealed.hash == env.chain_hash(sealed.body())
    assert env.verified_payloads([sealed], prev_hash=sealed.prev_hash, first_seq=seq) == [sealed.payload_json]


@pytest.mark.parametrize("levels", [1, 2, 254, 255, 256, 257, 300, 511, 512, 513, 600])
@pytest.mark.parametrize("leaf", ["fondo", 2**70], ids=["text", "int-past-64-bits"])
def test_the_depth_rule_counts_the_same_levels_whether_orjson_or_the_walk_decides(levels: int, leaf: Any) -> None:
    """Shallow payloads are settled by orjson (C) and the rest by a walk; both give the same answer at every depth."""
    from shared import sync

    deep: Any = leaf
    for _ in range(levels - 1):
        deep = [deep]
    payload = {"notes": deep}  # the payload object is the first level
    assert sync._nested_deeper_than(payload, sync.MAX_PAYLOAD_DEPTH) is (levels > sync.MAX_PAYLOAD_DEPTH)
