"""Fuzz every event type's validation at fuzz scale, with event-rules' own strategies
(``tests/shared/events/strategies.py``): what the till builds keeps the rules, and a mutated payload is accepted
only when the mutation may be, otherwise refused with a Spanish reason; nothing else is ever raised."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from shared.events import rules
from tests.fuzz import fuzz_kit
from tests.shared.events import strategies


@fuzz_kit.budget(suite=20, weight=0.1)
@given(strategies.valid_events())
def test_every_event_the_till_builds_keeps_the_rules(event: Any) -> None:
    with fuzz_kit.bounded(5):
        assert rules.problem(event) is None
        type_, version, payload = strategies.CODEC.encode(event)
        assert strategies.verdict(type_, version, payload) is None


@fuzz_kit.budget(suite=40, weight=0.3)
@given(strategies.mutations())
def test_every_mutated_payload_is_accepted_only_when_harmless_else_refused_in_spanish(
        mutation: tuple[str, int, dict[str, Any], str, tuple[Any, ...], Any]) -> None:
    type_, version, payload, kind, path, original = mutation
    with fuzz_kit.bounded(5):
        reason = strategies.verdict(type_, version, payload)
    if reason is None:
        assert not strategies.must_refuse(kind, type_, path, original), (kind, path)
    else:
        assert fuzz_kit.spanish(reason) and len(reason) < 400, reason
