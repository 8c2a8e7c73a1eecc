"""``shared.costing``: the PPP (weighted average) rule, its edge cases (negative stock, never costed, everything
returned, value-only corrections) and how a document's neto is spread over its lines."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shared import costing

D = Decimal


def test_receipts_average_by_quantity() -> None:
    assert costing.apply(D(40), D(850), D(20), 18200) == D(870)
    assert costing.apply(D("1.500"), D(5000), D("0.750"), 4125) == D("5166.6667")  # kg, four decimals, half up


def test_stock_below_zero_or_never_costed_takes_the_receipts_cost() -> None:
    assert costing.apply(D(-3), D(900), D(10), 9100) == D(910)
    assert costing.apply(D(25), None, D(10), 9100) == D(910)
    assert costing.apply(D(25), None, D(0), 500) is None  # nothing to cost yet
    assert costing.apply(D(25), None, D(-2), -1800) is None


def test_credits_and_corrections() -> None:
    assert costing.apply(D(60), D(870), D(-5), -4550) == D("866.3636")  # goods back at their credited value
    assert costing.apply(D(55), D("866.3636"), D(0), 550) == D("876.3636")  # nota de débito: spread on hand
    assert costing.apply(D(5), D(900), D(-5), -4500) == D(900)  # everything returned: the last average stays
    assert costing.apply(D(0), D(900), D(0), -300) == D(900)  # nothing on hand to absorb a correction
    assert costing.apply(D(2), D(100), D(0), -1000) == D(0)  # never below zero


def test_unit_cost() -> None:
    assert costing.unit_cost(586320, D(168)) == 3490
    assert costing.unit_cost(1000, D(3)) == 333 and costing.unit_cost(1001, D(2)) == 501
    assert costing.unit_cost(5000, D(0)) == 0


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=60))
def test_apportion_adds_up_and_follows_the_amounts(target: int, amounts: list[int]) -> None:
    parts = costing.apportion(target, amounts)
    if sum(amounts) == 0:
        assert parts == [0] * len(amounts)
        return
    assert sum(parts) == target
    for part, amount in zip(parts, amounts, strict=True):
        assert abs(part - target * amount / sum(amounts)) < 1
