"""The domain rules of every event type (``shared.events.rules``): what the till builds keeps them, and what an
attacker or a bug changes in a payload is refused with a Spanish reason, never with another exception."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import errors
from shared.events import registry, rules, sales
from tests.shared.events import strategies

FEW = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
"""The suite's share; ``scripts/fuzz`` runs the same strategies with many more examples."""
SPANISH = ("campo", "se esperaba", "falta", "no es", "debe", "valor", "pagos", "tipo")


def _sale(**changes: object) -> sales.SaleCompleted:
    """A valid cash sale of 2 units at $1.000 (a boleta), as the till builds it, with ``changes``."""
    line = sales.LineSold(1, "COCA-15", "Coca-Cola 1,5 L", 1000, Decimal(2), "unit", False, 0, 2000, "7801234567894")
    sale = sales.SaleCompleted(
        sale_id="0192d6c8-0000-7000-8000-000000000001", number=7, shift_id="t-1", cashier_id="u-ana",
        lines=(line,), discount=0, total=2000, affected=2000, exento=0, neto=1681, iva=319,
        tenders=(sales.TenderTaken("cash", 5000, 2000),), rounding=0, change=3000,
        document=sales.DocumentStamped(39, 12, "<TED/>", "2026-11-20T10:15:00"))
    return replace(sale, **changes)  # type: ignore[arg-type]


def test_every_event_type_of_the_registry_has_its_rules_and_a_label() -> None:
    assert set(rules.RULES) == set(registry.EVENT_CLASSES)
    assert set(rules.LABELS) == {cls.TYPE for cls in registry.EVENT_CLASSES}


def test_the_reference_sale_keeps_the_rules() -> None:
    assert rules.problem(_sale()) is None


@pytest.mark.parametrize(("changes", "field"), [
    # the reported attacks: −5 units whose amount is positive (stock would go up), a fully negative sale
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal(-5), "unit", False, 0, 5000),)},
     "lines[0].quantity"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", -1000, Decimal(2), "unit", False, 0, -2000),), "total": -2000,
      "affected": -2000, "neto": -1681, "iva": -319, "tenders": (sales.TenderTaken("cash", -2000, -2000),),
      "change": 0}, "lines[0].unit_price"),
    ({"lines": (sales.LineSold(1, "COCA-15", "x" * 1_048_576, 1000, Decimal(2), "unit", False, 0, 2000),)},
     "lines[0].name"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal("0.5"), "unit", False, 0, 500),)},
     "lines[0].quantity"),
    ({"lines": (sales.LineSold(1, "QUESO", "Queso", 9990, Decimal("0.2505"), "kg", False, 0, 2502),)},
     "lines[0].quantity"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal(2), "unit", False, 2500, 0),)},
     "lines[0].discount"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal(2), "unit", False, 0, 1999),)}, "lines[0].amount"),
    ({"discount": 2001}, "discount"),
    ({"total": 1999}, "total"),
    ({"neto": 1700, "iva": 300}, "neto"),
    ({"tenders": (sales.TenderTaken("cash", 1000, 1000),), "change": 0}, "tenders"),
    ({"tenders": (sales.TenderTaken("debit", 3000, 3000),), "change": 0}, "tenders"),
    ({"tenders": (sales.TenderTaken("bitcoin", 2000, 2000),), "change": 0}, "tenders[0].kind"),
    ({"change": 2999}, "change"),
    ({"tenders": (sales.TenderTaken("cash", 5000, 5000),)}, "tenders[0].received"),
    ({"lines": ()}, "lines"),
    ({"document": sales.DocumentStamped(33, 12, "<TED/>", "2026-11-20T10:15:00")}, "document.tipo"),
    ({"document": sales.DocumentStamped(41, 12, "<TED/>", "2026-11-20T10:15:00")}, "document.tipo"),
    ({"customer": sales.CustomerData("66666666-6", "Nadie", "Giro", "Calle 1", "Ñuñoa")}, "customer.rut"),
    ({"sale_id": "s" * 65}, "sale_id"),
    ({"cashier_id": ""}, "cashier_id"),
])
def test_an_impossible_sale_names_the_field_in_spanish(changes: dict[str, object], field: str) -> None:
    reason = rules.problem(_sale(**changes))
    assert reason is not None and field in reason, reason
    assert len(reason) < 300  # a 1 MB name is counted, never echoed
    with pytest.raises(rules.RuleBroken, match=r"^No se registró la venta: "):
        rules.check(_sale(**changes))


def test_a_wrong_type_from_a_bug_is_a_broken_rule_not_a_crash() -> None:
    line = sales.LineSold(1, "COCA-15", "Coca", 1000, 2.0, "unit", False, 0, 2000)  # type: ignore[arg-type]
    assert "lines[0].quantity" in (rules.problem(_sale(lines=(line,))) or "")
    assert "no es un evento conocido" in (rules.problem(object()) or "")


@FEW
@given(strategies.valid_events())
def test_what_the_till_builds_keeps_the_rules(event: object) -> None:
    assert rules.problem(event) is None
    type_, version, payload = strategies.CODEC.encode(event)
    assert strategies.verdict(type_, version, payload) is None


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(strategies.mutations())
def test_a_mutated_payload_is_refused_in_spanish_and_nothing_else_is_raised(
        mutation: tuple[str, int, dict[str, object], str, tuple[object, ...], object]) -> None:
    type_, version, payload, kind, path, original = mutation
    reason = strategies.verdict(type_, version, payload)  # raises nothing
    if reason is None:
        assert not strategies.must_refuse(kind, type_, path, original), (kind, path)
        return
    assert isinstance(reason, str) and any(word in reason for word in SPANISH), reason
    assert len(reason) < 400


@FEW
@given(strategies.sale_events(), st.sampled_from(["quantity", "amount", "unit_price", "discount"]))
def test_a_sale_line_with_a_flipped_sign_is_refused(sale: sales.SaleCompleted, name: str) -> None:
    line = sale.lines[0]
    value = getattr(line, name)
    flipped = replace(line, **{name: -value if value else (Decimal(-1) if name == "quantity" else -1)})
    reason = rules.problem(replace(sale, lines=(flipped, *sale.lines[1:])))
    assert reason is not None and "lines[0]." in reason, reason


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(strategies.mutations(strategies.sale_events()))
def test_the_sales_fast_path_agrees_with_the_rules_walked_field_by_field(
        mutation: tuple[str, int, dict[str, object], str, tuple[object, ...], object]) -> None:
    type_, version, payload, _kind, _path, _original = mutation
    try:
        sale = strategies.CODEC.decode(type_, version, payload)
    except errors.EventError:
        return
    assert (rules._sale(sale) is None) == (rules._sale_walked(sale) is None)


@pytest.mark.parametrize("cost", [-1, 10**15 + 1, True, Decimal(5)])
def test_a_sale_line_cost_is_whole_pesos_or_none(cost: object) -> None:
    line = replace(_sale().lines[0], cost=cost)  # type: ignore[arg-type]
    reason = rules.problem(_sale(lines=(line,)))
    assert reason is not None and "lines[0].cost" in reason, reason
    assert rules.problem(_sale(lines=(replace(line, cost=1230),))) is None
