"""shared.barcodes: GS1 check digits and weight/price-embedded deli labels (prefixes 20-29)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import barcodes, errors
from shared.barcodes import LabelLayout, LabelRule, ValueKind


def gs1_check(body: str) -> str:
    """Independent GS1 mod-10: pad to 17 digits, weights 3,1,3,1... from the left."""
    padded = body.rjust(17, "0")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(padded))
    return str(-total % 10)


REAL_GTINS = [
    "4006381333931",  # EAN-13 (Stabilo)
    "7790895000997",  # EAN-13 (Argentina)
    "7801610001196",  # EAN-13 (Chile)
    "5449000000996",  # EAN-13 (Coca-Cola)
    "96385074",  # EAN-8
    "036000291452",  # UPC-A
]


@pytest.mark.parametrize("code", REAL_GTINS)
def test_check_digit_of_real_codes(code: str) -> None:
    assert barcodes.check_digit(code[:-1]) == code[-1] == gs1_check(code[:-1])
    assert barcodes.validate_gtin(code) == code
    assert barcodes.is_gtin_shaped(code)


@given(st.text(alphabet="0123456789", min_size=7, max_size=12))
def test_check_digit_matches_independent_implementation(body: str) -> None:
    assert barcodes.check_digit(body) == gs1_check(body)


def test_upc_a_is_the_ean13_with_a_leading_zero() -> None:
    assert barcodes.check_digit("03600029145") == barcodes.check_digit("003600029145") == "2"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("78028200050a1", "contiene caracteres que no son dígitos"),
        ("", "contiene caracteres que no son dígitos"),
        (" 4006381333931", "contiene caracteres que no son dígitos"),
        ("4006381333931\n", "contiene caracteres que no son dígitos"),
        ("²" * 13, "contiene caracteres que no son dígitos"),  # isdigit() but not a digit int() can read
        ("٤٠٠٦٣٨١٣٣٣٩٣١", "contiene caracteres que no son dígitos"),  # Arabic-Indic digits
        ("1234567", "largo 7: se esperan 8, 12 o 13 dígitos"),
        ("12345678901", "largo 11: se esperan 8, 12 o 13 dígitos"),
        ("40063813339310", "largo 14: se esperan 8, 12 o 13 dígitos"),
        ("4006381333932", "dígito verificador incorrecto"),
        ("96385075", "dígito verificador incorrecto"),
        ("036000291453", "dígito verificador incorrecto"),
        ("7802820005001", "dígito verificador incorrecto"),
    ],
)
def test_validate_gtin_errors(code: str, reason: str) -> None:
    with pytest.raises(errors.InvalidBarcode) as info:
        barcodes.validate_gtin(code)
    assert info.value.code == code
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("code", "shaped"),
    [
        ("4006381333932", True),
        ("12345678", True),
        ("123456789012", True),
        ("1234567", False),
        ("abcdefgh", False),
        ("²" * 8, False),
        ("SKU-1", False),
    ],
)
def test_is_gtin_shaped_ignores_the_check_digit(code: str, shaped: bool) -> None:
    assert barcodes.is_gtin_shaped(code) is shaped


# --- variable-measure labels ----------------------------------------------------------------------


def test_default_layout_weight_label() -> None:
    label = barcodes.parse_label("2001234012300", LabelLayout.default())
    assert label == barcodes.VariableMeasure(code="2001234012300", plu="1234", weight_kg=Decimal("1.230"), price=None)


def test_default_layout_price_label() -> None:
    label = barcodes.parse_label("2501234061501", LabelLayout.default())
    assert label == barcodes.VariableMeasure(code="2501234061501", plu="1234", weight_kg=None, price=6150)


def test_default_layout_covers_prefixes_20_to_29() -> None:
    layout = LabelLayout.default()
    assert [r.prefix for r in layout.rules] == [str(p) for p in range(20, 30)]
    assert {r.prefix for r in layout.rules if r.kind is ValueKind.WEIGHT} == {"20", "21", "22", "23", "24"}
    assert all(r.item_digits == 5 and r.decimals == 3 for r in layout.rules)


@pytest.mark.parametrize(
    "code", ["7802820005004", "4006381333931", "96385074", "200123401230", "20012340123000", "1001234012301"]
)
def test_codes_that_are_not_labels_are_left_alone(code: str) -> None:
    assert LabelLayout.default().match(code) is None
    assert barcodes.parse_label(code, LabelLayout.default()) is None


def test_a_prefix_the_store_does_not_use_is_not_a_label() -> None:
    layout = LabelLayout(rules=(LabelRule("20", ValueKind.WEIGHT),))
    code = barcodes.make_label(LabelRule("27", ValueKind.PRICE), "1234", 990)
    assert barcodes.parse_label(code, layout) is None


def test_label_with_a_bad_check_digit_is_rejected() -> None:
    with pytest.raises(errors.InvalidBarcode) as info:
        barcodes.parse_label("2001234012301", LabelLayout.default())
    assert info.value.reason == "dígito verificador incorrecto"


def test_label_with_non_digits_is_rejected() -> None:
    with pytest.raises(errors.InvalidBarcode) as info:
        barcodes.parse_label("20012340123X0", LabelLayout.default())
    assert info.value.reason == "contiene caracteres que no son dígitos"


@pytest.mark.parametrize("prefix", ["20", "25"])
def test_zero_weight_or_price_label_is_rejected(prefix: str) -> None:
    body = f"{prefix}01234" + "00000"
    code = body + gs1_check(body)
    with pytest.raises(errors.InvalidBarcode) as info:
        barcodes.parse_label(code, LabelLayout.default())
    assert info.value.reason == "etiqueta con peso o precio cero"


def test_plu_zero_is_kept_as_zero() -> None:
    body = "2000000" + "00500"
    label = barcodes.parse_label(body + gs1_check(body), LabelLayout.default())
    assert label is not None
    assert (label.plu, label.weight_kg) == ("0", Decimal("0.500"))


def test_custom_layout_four_digit_item_two_decimals() -> None:
    rule = LabelRule("21", ValueKind.WEIGHT, item_digits=4, decimals=2)  # 21 IIII VVVVVV K
    body = "21" + "0042" + "001234"
    code = body + gs1_check(body)
    label = barcodes.parse_label(code, LabelLayout(rules=(rule,)))
    assert label is not None
    assert label.plu == "42"
    assert label.weight_kg == Decimal("12.340")
    assert label.price is None
    assert barcodes.make_label(rule, "42", 1234) == code


def test_custom_layout_price_with_six_value_digits() -> None:
    rule = LabelRule("29", ValueKind.PRICE, item_digits=4)
    code = barcodes.make_label(rule, "7", 123_450)
    assert code[:12] == "290007123450"
    label = barcodes.parse_label(code, LabelLayout(rules=(rule,)))
    assert label is not None
    assert (label.plu, label.price, label.weight_kg) == ("7", 123_450, None)


def test_longest_prefix_wins() -> None:
    weight = LabelRule("21", ValueKind.WEIGHT)
    price = LabelRule("219", ValueKind.PRICE, item_digits=4)
    layout = LabelLayout(rules=(weight, price))
    code = barcodes.make_label(price, "55", 2990)  # 219 0055 02990 K
    assert layout.match(code) is price
    label = barcodes.parse_label(code, layout)
    assert label is not None
    assert (label.plu, label.price) == ("55", 2990)
    other = barcodes.make_label(weight, "12345", 750)  # 21 12345 00750 K
    assert layout.match(other) is weight


@given(
    rule=st.sampled_from(LabelLayout.default().rules),
    plu=st.integers(min_value=0, max_value=99_999),
    value=st.integers(min_value=1, max_value=99_999),
)
def test_make_label_round_trip(rule: LabelRule, plu: int, value: int) -> None:
    code = barcodes.make_label(rule, str(plu), value)
    assert len(code) == 13
    assert barcodes.validate_gtin(code) == code
    label = barcodes.parse_label(code, LabelLayout.default())
    assert label is not None
    assert label.plu == str(plu)
    if rule.kind is ValueKind.WEIGHT:
        assert label.weight_kg == Decimal(value) / 1000
        assert label.price is None
    else:
        assert label.price == value
        assert label.weight_kg is None


@pytest.mark.parametrize(("plu", "value"), [("123456", 100), ("1", 100_000)])
def test_make_label_rejects_values_that_do_not_fit(plu: str, value: int) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        barcodes.make_label(LabelRule("20", ValueKind.WEIGHT), plu, value)


@pytest.mark.parametrize(("plu", "value"), [("1", -1), ("abc", 100)])
def test_make_label_rejects_nonsense(plu: str, value: int) -> None:
    with pytest.raises(ValueError):
        barcodes.make_label(LabelRule("20", ValueKind.WEIGHT), plu, value)


@pytest.mark.parametrize(
    ("prefix", "item_digits", "message"),
    [
        ("19", 5, "must be within 20-29"),
        ("30", 5, "must be within 20-29"),
        ("2", 5, "must be within 20-29"),
        ("", 5, "must be within 20-29"),
        ("2a", 5, "must be within 20-29"),
        ("7", 5, "must be within 20-29"),
        ("20", 8, "leaves 2 value digits"),
        ("2012", 6, "leaves 2 value digits"),
        ("20", 0, "leaves 10 value digits"),
        ("20", 12, "leaves -2 value digits"),
    ],
)
def test_invalid_label_rules_raise_value_error(prefix: str, item_digits: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LabelRule(prefix, ValueKind.WEIGHT, item_digits=item_digits)


def test_valid_edge_layouts() -> None:
    assert LabelRule("29", ValueKind.PRICE, item_digits=7).item_digits == 7  # 3 value digits left
    assert LabelRule("2999", ValueKind.PRICE, item_digits=1).prefix == "2999"
