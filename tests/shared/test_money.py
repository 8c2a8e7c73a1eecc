"""shared.money: IVA split, Ley 20.956 cash rounding, es-CL formatting and the parsing of typed amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import errors, money

# --- IVA ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "neto", "iva"),
    [
        (4200, 3529, 671),  # SII sample boleta
        (1190, 1000, 190),
        (0, 0, 0),
        (1, 1, 0),  # 1 / 1.19 = 0.84 -> 1
        (100, 84, 16),
        (1990, 1672, 318),  # 1672.27
        (119_000_000, 100_000_000, 19_000_000),
    ],
)
def test_split_iva_known_values(gross: int, neto: int, iva: int) -> None:
    split = money.split_iva(gross)
    assert (split.neto, split.iva, split.exento) == (neto, iva, 0)
    assert split.total == gross


def test_split_iva_carries_exempt_through_unchanged() -> None:
    split = money.split_iva(4200, exento=1500)
    assert split == money.IvaSplit(neto=3529, iva=671, exento=1500)
    assert split.total == 5700


def test_split_iva_only_exempt() -> None:
    assert money.split_iva(0, exento=800) == money.IvaSplit(0, 0, 800)


@pytest.mark.parametrize(("gross", "exento", "bad"), [(-1, 0, -1), (100, -5, -5), (-3, -7, -7)])
def test_split_iva_rejects_negative_amounts(gross: int, exento: int, bad: int) -> None:
    with pytest.raises(errors.InvalidAmount) as info:
        money.split_iva(gross, exento)
    assert info.value.value == bad
    assert info.value.reason == "no puede ser negativo"


@given(st.integers(min_value=0, max_value=10**9))
def test_split_iva_parts_add_up_and_neto_is_the_rounded_quotient(gross: int) -> None:
    split = money.split_iva(gross)
    assert split.neto + split.iva == gross
    assert abs(Decimal(split.neto) * Decimal("1.19") - gross) < 1
    assert split.iva >= 0


@pytest.mark.parametrize(("neto", "iva"), [(1000, 190), (3529, 671), (0, 0), (1, 0), (3, 1), (50, 10), (150, 29)])
def test_iva_of_neto_rounds_half_up(neto: int, iva: int) -> None:
    # 3 * 0.19 = 0.57 -> 1; 50 * 0.19 = 9.5 -> 10 (half up); 3529 * 0.19 = 670.51 -> 671
    assert money.iva_of_neto(neto) == iva


def test_round_half_up_rounds_halves_away_from_zero() -> None:
    assert money.round_half_up(Decimal("0.5")) == 1
    assert money.round_half_up(Decimal("2.5")) == 3  # banker's rounding would give 2
    assert money.round_half_up(Decimal("2.4999")) == 2
    assert money.round_half_up(Decimal("-2.5")) == -3


# --- Ley 20.956 cash rounding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        (1990, 1990),
        (1991, 1990),
        (1992, 1990),
        (1993, 1990),
        (1994, 1990),
        (1995, 1990),
        (1996, 2000),
        (1997, 2000),
        (1998, 2000),
        (1999, 2000),
        (0, 0),
        (5, 0),
        (6, 10),
        (99_995, 99_990),
        (99_996, 100_000),
    ],
)
def test_round_cash_ley_20956(amount: int, rounded: int) -> None:
    assert money.round_cash(amount) == rounded


@given(st.integers(min_value=0, max_value=10**10))
def test_round_cash_property(amount: int) -> None:
    result = money.round_cash(amount)
    assert result % 10 == 0
    assert abs(result - amount) <= 5
    # 1-5 go down, 6-9 go up
    assert (result <= amount) == (amount % 10 <= 5)


# --- formatting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1990, "$1.990"),
        (0, "$0"),
        (-500, "-$500"),
        (1_234_567, "$1.234.567"),
        (999, "$999"),
        (-1000, "-$1.000"),
    ],
)
def test_format_clp(amount: int, text: str) -> None:
    assert money.format_clp(amount) == text


@pytest.mark.parametrize(
    ("qty", "text"),
    [(Decimal("0.512"), "0,512 kg"), (Decimal("1"), "1,000 kg"), (Decimal("12.5"), "12,500 kg")],
)
def test_format_kg(qty: Decimal, text: str) -> None:
    assert money.format_kg(qty) == text


# --- parse_clp ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$1.990", 1990),
        ("1990", 1990),
        ("1.990", 1990),
        (" $ 1.234.567 ", 1_234_567),
        ("0", 0),
        ("999999999", 999_999_999),
    ],
)
def test_parse_clp_accepts_how_people_type_amounts(text: str, value: int) -> None:
    assert money.parse_clp(text) == value


@pytest.mark.parametrize(
    "text", ["", "   ", "$", "abc", "-500", "1,5", "NaN", "Infinity", "12a", "1e3", "²", "١٢٣", "１２３"]
)
def test_parse_clp_rejects_non_numbers(text: str) -> None:
    # "²" passes str.isdigit() but int() cannot read it; non-ASCII digits are refused outright.
    with pytest.raises(errors.InvalidAmount) as info:
        money.parse_clp(text)
    assert info.value.value == text
    assert info.value.reason == "escriba solo números"


@pytest.mark.parametrize("text", ["1000000000", "$1.000.000.000", "99999999999999999999"])
def test_parse_clp_rejects_absurd_amounts(text: str) -> None:
    with pytest.raises(errors.InvalidAmount) as info:
        money.parse_clp(text)
    assert info.value.reason == "monto demasiado grande"


# --- parse_kg -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        ("0,512", "0.512"),
        ("0.512", "0.512"),
        (" 1,5 ", "1.500"),
        ("2", "2.000"),
        ("99.999", "99.999"),
        ("0.001", "0.001"),
        (Decimal("0.25"), "0.250"),
        ("1.2300", "1.230"),
    ],
)
def test_parse_kg_valid(text: str | Decimal, kg: str) -> None:
    value = money.parse_kg(text)
    assert value == Decimal(kg)
    assert value.as_tuple().exponent == -3  # always 3 places, as journaled and printed


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "no es un peso válido"),
        ("", "no es un peso válido"),
        ("1,2,3", "no es un peso válido"),
        ("0", "el peso debe ser mayor que cero"),
        ("0,000", "el peso debe ser mayor que cero"),
        ("-1", "el peso debe ser mayor que cero"),
        ("-0,5", "el peso debe ser mayor que cero"),
        ("NaN", "el peso debe ser mayor que cero"),
        ("sNaN", "el peso debe ser mayor que cero"),
        ("Infinity", "el peso debe ser mayor que cero"),
        ("-Infinity", "el peso debe ser mayor que cero"),
        (Decimal("NaN"), "el peso debe ser mayor que cero"),
        ("0,5125", "máximo 3 decimales (gramos)"),
        ("1.0001", "máximo 3 decimales (gramos)"),
        ("1e-30", "máximo 3 decimales (gramos)"),
        ("100", "peso fuera de rango"),
        ("99.9991", "peso fuera de rango"),
        ("1e5", "peso fuera de rango"),
        ("1e30", "peso fuera de rango"),  # used to escape as decimal.InvalidOperation from quantize()
        (Decimal("1E+40"), "peso fuera de rango"),
    ],
)
def test_parse_kg_rejects_bad_weights_with_a_reason(text: str | Decimal, reason: str) -> None:
    with pytest.raises(errors.InvalidQuantity) as info:
        money.parse_kg(text)
    assert info.value.reason == reason
    assert info.value.value is text  # the original input, for the cashier's message


@given(st.integers(min_value=1, max_value=99_999))
def test_parse_kg_reads_every_gram_exactly(grams: int) -> None:
    text = f"{grams // 1000},{grams % 1000:03d}"
    assert money.parse_kg(text) * 1000 == grams


# --- parse_units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"), [("1", 1), (" 12 ", 12), (3, 3), (Decimal("2.0"), 2), ("9999", 9999), ("2.000", 2)]
)
def test_parse_units_valid(text: str | int | Decimal, units: int) -> None:
    value = money.parse_units(text)
    assert value == units
    assert value.as_tuple().exponent == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "no es una cantidad válida"),
        ("", "no es una cantidad válida"),
        ("1,5", "no es una cantidad válida"),
        ("1.5", "la cantidad debe ser un número entero"),
        (Decimal("0.512"), "la cantidad debe ser un número entero"),
        ("NaN", "la cantidad debe ser un número entero"),
        ("Infinity", "la cantidad debe ser un número entero"),
        ("0", "la cantidad debe ser mayor que cero"),
        (0, "la cantidad debe ser mayor que cero"),
        ("-2", "la cantidad debe ser mayor que cero"),
        ("10000", "cantidad fuera de rango"),
        ("1e30", "cantidad fuera de rango"),
        (10**12, "cantidad fuera de rango"),
    ],
)
def test_parse_units_rejects_bad_counts_with_a_reason(text: str | int | Decimal, reason: str) -> None:
    with pytest.raises(errors.InvalidQuantity) as info:
        money.parse_units(text)
    assert info.value.reason == reason


def test_invalid_quantity_message_names_the_value() -> None:
    with pytest.raises(errors.InvalidQuantity, match=r"cantidad '0,5125': máximo 3 decimales"):
        money.parse_kg("0,5125")


# --- line_amount ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "qty", "amount"),
    [
        (1990, "0.512", 1019),  # 1018.88
        (1990, "3", 5970),
        (1000, "0.0005", 1),  # exactly 0.5 -> 1 (half up)
        (1000, "0.0015", 2),  # 1.5 -> 2
        (1000, "0.0025", 3),  # 2.5 -> 3, banker's rounding would give 2
        (2990, "0.250", 748),  # 747.5 -> 748
        (2990, "0.001", 3),  # 2.99 -> 3
        (0, "5", 0),
    ],
)
def test_line_amount_rounds_half_up(price: int, qty: str, amount: int) -> None:
    assert money.line_amount(price, Decimal(qty)) == amount
