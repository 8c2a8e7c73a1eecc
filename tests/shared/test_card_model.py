"""``shared.card_model``: which sales take a boleta under each «modelo de emisión», which document each sale's pesos
stand on, and a voucher's figures (the sale's own when it covers the sale)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import card_model, money
from shared.card_model import CardModel
from shared.events import sales


def _sale(total: int, exento: int, *tenders: tuple[str, int], tipo: int | None = None) -> sales.SaleCompleted:
    split = money.split_iva(total - exento, exento)
    line = sales.LineSold(1, "X", "Cosa", total, money.Decimal(1), "unit", False, 0, total)
    return sales.SaleCompleted(
        "s-1", 1, "t-1", "u-1", (line,), 0, total, total - exento, exento, split.neto, split.iva,
        tuple(sales.TenderTaken(kind, amount, amount) for kind, amount in tenders), 0, 0,
        None if tipo is None else sales.DocumentStamped(tipo, 1, "<TED/>", "2026-12-07T10:00:00"))


@pytest.mark.parametrize(("tenders", "boleta", "voucher"), [
    ((("debit", 1000),), True, False),
    ((("credit", 600), ("debit", 400)), True, False),
    ((("cash", 1000),), True, True),
    ((("transfer", 1000),), True, True),
    ((("fiado", 1000),), True, True),
    ((("debit", 600), ("cash", 400)), True, True),
])
def test_only_a_sale_paid_wholly_by_card_goes_without_a_boleta_under_the_voucher_model(tenders, boleta, voucher):
    taken = [sales.TenderTaken(kind, amount, amount) for kind, amount in tenders]
    assert card_model.needs_boleta(CardModel.BOLETA, taken) is boleta
    assert card_model.needs_boleta(CardModel.VOUCHER, taken) is voucher


def test_the_split_says_which_document_the_pesos_stand_on():
    assert card_model.split(_sale(1000, 0, ("debit", 1000), tipo=39)) == card_model.Split(boleta=1000)
    assert card_model.split(_sale(1000, 0, ("cash", 1000), tipo=33)) == card_model.Split(factura=1000)
    assert card_model.split(_sale(1000, 0, ("credit", 1000))) == card_model.Split(voucher=1000)
    assert card_model.split(_sale(1000, 0, ("debit", 700), ("cash", 300))) == card_model.Split(voucher=700, none=300)


@given(st.integers(1, 10**7), st.data())
def test_a_voucher_that_covers_the_sale_has_the_sale_s_figures(total, data):
    exento = data.draw(st.integers(0, total))
    sale = _sale(total, exento, ("debit", total))
    figures = card_model.voucher_figures(total, total, exento)
    assert (figures.exento, figures.neto, figures.iva, figures.total) == (sale.exento, sale.neto, sale.iva, total)
    part = data.draw(st.integers(1, total))
    some = card_model.voucher_figures(part, total, exento)
    assert some.exento + some.neto + some.iva == some.total == part and 0 <= some.exento <= exento


def test_an_unknown_model_is_refused_in_spanish():
    assert card_model.parse(" Voucher ") is CardModel.VOUCHER
    with pytest.raises(ValueError, match="use «boleta» o «voucher»"):
        card_model.parse("ambos")
