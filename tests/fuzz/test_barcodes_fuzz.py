"""Fuzz ``shared.barcodes``: GTINs and deli labels built by its own ``make_label``, mutated; every answer is a code,
a decoded label, None or ``InvalidBarcode`` in Spanish, and a single wrong digit is always caught."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared import barcodes, errors
from tests.fuzz import fuzz_kit

DIGITS = "0123456789"
LAYOUT = barcodes.LabelLayout.default()


@st.composite
def gtins(draw: st.DrawFn) -> str:
    """A valid EAN-13, EAN-8 or UPC-A."""
    length = draw(st.sampled_from(sorted(barcodes.GTIN_LENGTHS)))
    body = draw(st.text(DIGITS, min_size=length - 1, max_size=length - 1))
    return body + barcodes.check_digit(body)


@st.composite
def rules(draw: st.DrawFn) -> barcodes.LabelRule:
    """A label layout a store may configure: prefix 2x (1-3 more digits), PLU of 1-6 digits, ≥3 value digits."""
    prefix = "2" + draw(st.text(DIGITS, min_size=1, max_size=3))
    item = draw(st.integers(1, 9 - len(prefix)))
    kind = draw(st.sampled_from(barcodes.ValueKind))
    return barcodes.LabelRule(prefix, kind, item_digits=item, decimals=draw(st.integers(0, 3)))


@st.composite
def labels(draw: st.DrawFn) -> tuple[barcodes.LabelRule, str, int, str]:
    """(rule, plu, value, the EAN-13 ``make_label`` prints)."""
    rule = draw(st.one_of(st.sampled_from(LAYOUT.rules), rules()))
    value_digits = 12 - len(rule.prefix) - rule.item_digits
    plu = str(draw(st.integers(0, 10 ** rule.item_digits - 1)))
    value = draw(st.integers(1, 10 ** value_digits - 1))
    return rule, plu, value, barcodes.make_label(rule, plu, value)


def _scanned(code: str, layout: barcodes.LabelLayout = LAYOUT) -> None:
    """The oracle: a decoded label, None, or InvalidBarcode in Spanish; and validate_gtin answers alike."""
    with fuzz_kit.bounded(2):
        try:
            found = barcodes.parse_label(code, layout)
        except errors.InvalidBarcode as exc:
            assert fuzz_kit.spanish(str(exc)), str(exc)
        else:
            if found is not None:
                assert found.code == code and found.plu.isdigit()
                assert (found.weight_kg is None) != (found.price is None)
                assert (found.price or 0) > 0 or (found.weight_kg or 0) > 0
                barcodes.validate_gtin(code)
        try:
            assert barcodes.validate_gtin(code) == code
            assert barcodes.is_gtin_shaped(code)
        except errors.InvalidBarcode as exc:
            assert fuzz_kit.spanish(str(exc)), str(exc)


@fuzz_kit.budget(suite=300, weight=1.5)
@given(st.one_of(gtins(), labels().map(lambda x: x[3])).flatmap(lambda code: fuzz_kit.mutated_text(code, DIGITS)))
def test_mutated_codes_decode_or_are_refused_in_spanish(code: str) -> None:
    _scanned(code)


@fuzz_kit.budget(suite=200, weight=0.8)
@given(st.one_of(gtins(), labels().map(lambda x: x[3])).flatmap(lambda code: fuzz_kit.mutated_text(code)))
def test_codes_with_any_character_decode_or_are_refused_in_spanish(code: str) -> None:
    _scanned(code)


@fuzz_kit.budget(suite=200, weight=0.8)
@given(gtins(), st.data())
def test_one_wrong_digit_never_passes_the_check_digit(code: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(code) - 1))
    digit = data.draw(st.sampled_from(DIGITS.replace(code[at], "")))
    wrong = code[:at] + digit + code[at + 1:]
    try:
        barcodes.validate_gtin(wrong)
    except errors.InvalidBarcode as exc:
        assert exc.reason == "dígito verificador incorrecto"
    else:
        raise AssertionError(f"{wrong} passed for {code}")


@fuzz_kit.budget(suite=300, weight=1.5)
@given(labels())
def test_a_printed_label_reads_back_its_plu_and_value(label: tuple[barcodes.LabelRule, str, int, str]) -> None:
    rule, plu, value, code = label
    found = barcodes.parse_label(code, barcodes.LabelLayout((rule,)))
    assert found is not None and found.plu == (plu.lstrip("0") or "0")
    if rule.kind is barcodes.ValueKind.PRICE:
        assert found.price == value
    else:
        assert found.weight_kg is not None and found.weight_kg * 10 ** rule.decimals == value


@fuzz_kit.budget(suite=200, weight=0.8)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=20), st.sampled_from(barcodes.ValueKind),
       st.integers(-3, 14), st.integers(-2, 6))
def test_a_configured_layout_is_built_or_refused(prefix: str, kind: barcodes.ValueKind, item: int,
                                                 decimals: int) -> None:
    try:
        rule = barcodes.LabelRule(prefix, kind, item_digits=item, decimals=decimals)
    except ValueError:
        return
    assert rule.prefix.isdigit() and 12 - len(rule.prefix) - rule.item_digits >= 3
    _scanned(rule.prefix + "0" * (12 - len(rule.prefix)) + "1", barcodes.LabelLayout((rule,)))
