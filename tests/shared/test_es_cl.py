"""shared.es_cl: the one es-CL number formatter (dot thousands, decimal comma) and dates in words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import es_cl


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1000, "1.000"),
        (-1000, "-1.000"),
        (-5, "-5"),
        (1_234_567, "1.234.567"),
        (9_223_372_036_854_775_807, "9.223.372.036.854.775.807"),
        (Decimal("0"), "0"),
        (Decimal("0.000"), "0"),
        (Decimal("168.000000"), "168"),
        (Decimal("1234.5"), "1.234,5"),
        (Decimal("-1234.50"), "-1.234,5"),
        (Decimal("-0.25"), "-0,25"),
        (Decimal("1E+3"), "1.000"),
        (Decimal("0.1234567"), "0,123457"),  # at most 6 decimals (QtyItem, PrcItem)
        (Decimal("12345678901234.123456"), "12.345.678.901.234,123456"),
    ],
)
def test_number_groups_thousands_with_dots_and_uses_a_decimal_comma(value: int | Decimal, text: str) -> None:
    assert es_cl.number(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.512"), "0,512"),
        (Decimal("1"), "1,000"),
        (Decimal("12.5"), "12,500"),
        (Decimal("0"), "0,000"),
        (Decimal("-0.5"), "-0,500"),
        (Decimal("99.999"), "99,999"),
        (Decimal("1234.5"), "1.234,500"),
    ],
)
def test_kg_keep_exactly_three_decimals(value: Decimal, text: str) -> None:
    assert es_cl.number(value, places=3) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1234.5"), "1234,5"), (Decimal("2"), "2"), (12345, "12345"), (Decimal("-1500.250"), "-1500,25")],
)
def test_ungrouped_for_quantities_typed_back(value: int | Decimal, text: str) -> None:
    assert es_cl.number(value, group=False) == text


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_an_integer_reads_back_without_its_dots(value: int) -> None:
    text = es_cl.number(value)
    assert int(text.replace(".", "")) == value
    assert all(len(part) == 3 for part in text.lstrip("-").split(".")[1:])


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=6, allow_nan=False, allow_infinity=False))
def test_a_decimal_reads_back_as_itself(value: Decimal) -> None:
    text = es_cl.number(value)
    assert Decimal(text.replace(".", "").replace(",", ".")) == value
    whole, _, fraction = es_cl.number(value, places=6).partition(",")
    assert whole == text.partition(",")[0] and len(fraction) == 6


def test_dates_in_words() -> None:
    assert es_cl.date_words(date(2025, 7, 8)) == "8 de julio de 2025"
    assert es_cl.date_words(date(2026, 1, 31)) == "31 de enero de 2026"
    assert es_cl.date_words(date(2026, 12, 1)) == "1 de diciembre de 2026"
