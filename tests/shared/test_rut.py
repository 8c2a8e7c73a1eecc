"""shared.rut: Chilean RUT parsing, módulo-11 validation and formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import errors, rut


def mod11(body: int) -> str:
    """Independent módulo-11 check digit (weights 2..7 from the right; 11 -> 0, 10 -> K)."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(str(body))))
    return {11: "0", 10: "K"}.get(11 - total % 11, str(11 - total % 11))


def test_independent_mod11_agrees_with_known_ruts() -> None:
    assert mod11(12345678) == "5"
    assert mod11(76086428) == "5"
    assert mod11(10000013) == "K"
    assert mod11(10000004) == "0"


@pytest.mark.parametrize(
    ("text", "body", "dv", "pretty", "compact"),
    [
        ("76.086.428-5", 76086428, "5", "76.086.428-5", "76086428-5"),
        ("76086428-5", 76086428, "5", "76.086.428-5", "76086428-5"),
        ("760864285", 76086428, "5", "76.086.428-5", "76086428-5"),
        ("12345678-5", 12345678, "5", "12.345.678-5", "12345678-5"),
        (" 12.345.678-5 ", 12345678, "5", "12.345.678-5", "12345678-5"),
        ("76235291-5", 76235291, "5", "76.235.291-5", "76235291-5"),
        ("10.000.013-k", 10000013, "K", "10.000.013-K", "10000013-K"),
        ("10000013K", 10000013, "K", "10.000.013-K", "10000013-K"),
        ("10000004-0", 10000004, "0", "10.000.004-0", "10000004-0"),
        (
            f"9.876.543-{mod11(9876543)}",
            9876543,
            mod11(9876543),
            f"9.876.543-{mod11(9876543)}",
            f"9876543-{mod11(9876543)}",
        ),
    ],
)
def test_parse_and_format_valid_ruts(text: str, body: int, dv: str, pretty: str, compact: str) -> None:
    value = rut.parse(text)
    assert value == rut.Rut(body=body, dv=dv)
    assert str(value) == pretty
    assert value.compact == compact
    assert rut.format(text) == pretty
    assert rut.is_valid(text)


@pytest.mark.parametrize(
    "text", ["12.345.678-6", "12345678-K", "76086428-0", "10000013-1", "10.000.004-k", "12.345.678-X"]
)
def test_wrong_check_digit_is_rejected_with_that_reason(text: str) -> None:
    with pytest.raises(errors.InvalidRut) as info:
        rut.parse(text)
    assert info.value.value == text
    assert info.value.reason == "dígito verificador incorrecto"
    assert not rut.is_valid(text)


@pytest.mark.parametrize("text", ["", "abc", "1-9", "12A45678-5", "1234567890123-4", "-", "k"])
def test_garbage_is_rejected_as_bad_format(text: str) -> None:
    with pytest.raises(errors.InvalidRut) as info:
        rut.parse(text)
    assert info.value.reason == "formato inválido"
    assert isinstance(info.value, errors.InvalidInput)
    assert not rut.is_valid(text)


def test_format_raises_like_parse() -> None:
    with pytest.raises(errors.InvalidRut, match="dígito verificador incorrecto"):
        rut.format("12.345.678-9")


def test_ruts_order_by_number() -> None:
    assert sorted([rut.parse("76086428-5"), rut.parse("12345678-5")]) == [
        rut.parse("12345678-5"),
        rut.parse("76086428-5"),
    ]


@given(st.integers(min_value=1_000_000, max_value=99_999_999))
def test_any_body_with_its_check_digit_round_trips(body: int) -> None:
    dv = mod11(body)
    value = rut.parse(f"{body}-{dv.lower()}")
    assert value == rut.Rut(body, dv)
    assert rut.parse(str(value)) == value
    assert rut.parse(value.compact) == value
    wrong = "0" if dv != "0" else "1"
    assert not rut.is_valid(f"{body}-{wrong}")
