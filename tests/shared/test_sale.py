"""shared.sale: the cart (lines, merging, weighed and price-label lines, discounts), totals and settlement."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shared import errors, money
from shared.catalog import Product, SoldBy
from shared.sale import COUNTED_TENDERS, Sale, SaleLine, Tender, TenderKind, allocate, settle

AGUA = Product("BEB-001", "Agua mineral 1,6 L", 1000, "bebidas", barcodes=("7801610001196",))
PAN = Product("PAN-001", "Pan amasado", 500, "panadería")
QUESO = Product("FIA-010", "Queso gauda", 1990, "fiambrería", sold_by=SoldBy.KG, plu="1234")
LIBRO = Product("LIB-001", "Libro de cuentos", 1000, "librería", iva_exempt=True)

CASH, DEBIT, CREDIT, TRANSFER = TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT, TenderKind.TRANSFER


def cart() -> Sale:
    return Sale(sale_id="S-1")


# --- adding lines ---------------------------------------------------------------------------------


def test_add_creates_lines_with_increasing_ids_and_leaves_the_original_untouched() -> None:
    empty = cart()
    sale = empty.add(AGUA, Decimal(1), code="7801610001196").add(PAN, Decimal(3))
    assert empty.lines == ()
    assert [(x.line_id, x.sku, x.quantity) for x in sale.lines] == [(1, "BEB-001", 1), (2, "PAN-001", 3)]
    assert sale.next_line_id == 3
    first = sale.line(1)
    assert first == SaleLine(
        1, "BEB-001", "Agua mineral 1,6 L", 1000, Decimal(1), SoldBy.UNIT, False, 0, "7801610001196"
    )
    assert (first.gross, first.amount) == (1000, 1000)
    assert sale.line(2).amount == 1500


def test_repeated_scans_of_the_same_unit_product_merge_into_the_last_line() -> None:
    sale = cart().add(AGUA, Decimal(1)).add(AGUA, Decimal(1)).add(AGUA, Decimal(2))
    assert len(sale.lines) == 1
    assert sale.lines[0].quantity == 4
    assert sale.lines[0].amount == 4000
    assert sale.next_line_id == 2


def test_scans_do_not_merge_across_another_product() -> None:
    sale = cart().add(AGUA, Decimal(1)).add(PAN, Decimal(1)).add(AGUA, Decimal(1))
    assert [(x.line_id, x.sku, x.quantity) for x in sale.lines] == [
        (1, "BEB-001", 1),
        (2, "PAN-001", 1),
        (3, "BEB-001", 1),
    ]


def test_weighed_products_never_merge() -> None:
    sale = cart().add(QUESO, Decimal("0.250")).add(QUESO, Decimal("0.250"))
    assert [x.quantity for x in sale.lines] == [Decimal("0.250"), Decimal("0.250")]


def test_a_discounted_line_or_another_price_does_not_merge() -> None:
    discounted = cart().add(AGUA, Decimal(1)).discount_line(1, 100).add(AGUA, Decimal(1))
    assert [(x.quantity, x.discount) for x in discounted.lines] == [(1, 100), (1, 0)]
    repriced = cart().add(AGUA, Decimal(1)).add(AGUA, Decimal(1), price=800)
    assert [x.unit_price for x in repriced.lines] == [1000, 800]
    same_override = repriced.add(AGUA, Decimal(2), price=800)
    assert [(x.unit_price, x.quantity) for x in same_override.lines] == [(1000, 1), (800, 3)]


def test_merging_cannot_exceed_the_unit_limit() -> None:
    sale = cart().add(AGUA, Decimal(9999))
    with pytest.raises(errors.InvalidQuantity) as info:
        sale.add(AGUA, Decimal(1))
    assert info.value.reason == "cantidad fuera de rango"


def test_weighed_line_0_512_kg_at_1990() -> None:
    sale = cart().add(QUESO, Decimal("0.512"))
    line = sale.lines[0]
    assert line.sold_by is SoldBy.KG
    assert line.quantity == Decimal("0.512")
    assert line.gross == line.amount == 1019  # 1018.88 rounded
    assert money.format_clp(line.amount) == "$1.019"


@pytest.mark.parametrize(
    ("product", "qty"),
    [
        (AGUA, Decimal(0)),
        (AGUA, Decimal("0.5")),
        (QUESO, Decimal(0)),
        (QUESO, Decimal("0.0005")),
        (QUESO, Decimal(100)),
    ],
)
def test_add_rejects_quantities_the_product_cannot_take(product: Product, qty: Decimal) -> None:
    with pytest.raises(errors.InvalidQuantity):
        cart().add(product, qty)


def test_add_with_a_price_override() -> None:
    line = cart().add(AGUA, Decimal(2), price=900).lines[0]
    assert (line.unit_price, line.amount) == (900, 1800)


# --- price-embedded labels ------------------------------------------------------------------------


def test_add_priced_weighed_product_keeps_the_label_total() -> None:
    sale = cart().add_priced(QUESO, 6150, code="2501234061501")
    line = sale.lines[0]
    assert line.amount == 6150
    assert line.unit_price == 1990
    assert line.code == "2501234061501"
    # 6150 / 1990 = 3.0904 kg: rounded up to the gram so the difference is a non-negative discount
    assert line.quantity == Decimal("3.091")
    assert line.gross == 6151
    assert line.discount == 1
    assert sale.totals().total == 6150


def test_add_priced_exact_weight_has_no_discount() -> None:
    line = cart().add_priced(QUESO, 995).lines[0]
    assert (line.quantity, line.discount, line.amount) == (Decimal("0.500"), 0, 995)


@given(price=st.integers(min_value=1, max_value=100_000), amount=st.integers(min_value=1, max_value=2_000_000))
def test_add_priced_amount_is_exact_and_discount_never_negative(price: int, amount: int) -> None:
    assume(Decimal(amount) / price <= Decimal("99.999"))
    product = Product("X", "Granel", price, "granel", sold_by=SoldBy.KG)
    line = cart().add_priced(product, amount).lines[0]
    assert line.amount == amount
    assert 0 <= line.discount <= math.ceil(price / 1000)
    assert line.discount <= line.gross


def test_add_priced_unit_product_uses_the_label_as_unit_price() -> None:
    line = cart().add_priced(PAN, 2300).lines[0]
    assert (line.unit_price, line.quantity, line.discount, line.amount) == (2300, 1, 0, 2300)


@pytest.mark.parametrize(
    ("product", "amount"),
    [
        (QUESO, 0),
        (QUESO, -10),
        (Product("FREE", "Bolsa", 0, "varios", sold_by=SoldBy.KG), 500),
    ],
)
def test_add_priced_rejects_labels_without_price(product: Product, amount: int) -> None:
    with pytest.raises(errors.InvalidAmount) as info:
        cart().add_priced(product, amount)
    assert info.value.reason == "etiqueta sin precio"


def test_add_priced_rejects_a_derived_weight_out_of_range() -> None:
    with pytest.raises(errors.InvalidQuantity) as info:
        cart().add_priced(QUESO, 1990 * 100)
    assert info.value.reason == "peso fuera de rango"


# --- changing lines -------------------------------------------------------------------------------


def test_set_quantity_for_units_and_kg() -> None:
    sale = cart().add(AGUA, Decimal(1)).add(QUESO, Decimal("0.512"))
    sale = sale.set_quantity(1, "3").set_quantity(2, "0,750")
    assert sale.line(1).quantity == 3
    assert sale.line(2).quantity == Decimal("0.750")
    assert sale.line(2).amount == 1493  # 1492.5 -> 1493


@pytest.mark.parametrize(
    ("line_id", "qty", "error"),
    [
        (1, "1.5", errors.InvalidQuantity),
        (1, "0", errors.InvalidQuantity),
        (1, "abc", errors.InvalidQuantity),
        (2, "0", errors.InvalidQuantity),
        (2, "0,5125", errors.InvalidQuantity),
        (2, "100", errors.InvalidQuantity),
        (99, "1", errors.LineNotFound),
    ],
)
def test_set_quantity_rejects_bad_input(line_id: int, qty: str, error: type[Exception]) -> None:
    sale = cart().add(AGUA, Decimal(1)).add(QUESO, Decimal("0.512"))
    with pytest.raises(error):
        sale.set_quantity(line_id, qty)


def test_set_quantity_caps_the_line_discount_at_the_new_gross() -> None:
    sale = cart().add(AGUA, Decimal(3)).discount_line(1, 2500).set_quantity(1, "1")
    assert sale.line(1).discount == 1000
    assert sale.line(1).amount == 0
    kept = cart().add(AGUA, Decimal(3)).discount_line(1, 500).set_quantity(1, "2")
    assert kept.line(1).discount == 500


def test_void_removes_the_line_and_ids_are_not_reused() -> None:
    sale = cart().add(AGUA, Decimal(1)).add(PAN, Decimal(1)).void(1)
    assert [x.line_id for x in sale.lines] == [2]
    sale = sale.add(QUESO, Decimal("0.100"))
    assert [x.line_id for x in sale.lines] == [2, 3]


def test_void_unknown_line() -> None:
    with pytest.raises(errors.LineNotFound) as info:
        cart().add(AGUA, Decimal(1)).void(7)
    assert info.value.line_id == "7"


def test_discount_line() -> None:
    sale = cart().add(AGUA, Decimal(2)).discount_line(1, 300)
    assert (sale.line(1).gross, sale.line(1).discount, sale.line(1).amount) == (2000, 300, 1700)
    assert sale.discount_line(1, 2000).line(1).amount == 0
    assert sale.discount_line(1, 0).line(1).amount == 2000


@pytest.mark.parametrize(
    ("line_id", "amount", "error"),
    [
        (1, -1, errors.InvalidAmount),
        (1, 2001, errors.InvalidAmount),
        (5, 100, errors.LineNotFound),
    ],
)
def test_discount_line_rejects_bad_input(line_id: int, amount: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        cart().add(AGUA, Decimal(2)).discount_line(line_id, amount)


def test_discount_sale_limits() -> None:
    sale = cart().add(AGUA, Decimal(2)).discount_line(1, 500)
    assert sale.discount_sale(1500).totals().total == 0
    with pytest.raises(errors.InvalidAmount) as info:
        sale.discount_sale(1501)  # above the subtotal after line discounts
    assert info.value.reason == "el descuento debe estar entre $0 y el total"
    with pytest.raises(errors.InvalidAmount):
        sale.discount_sale(-1)


def test_sale_discount_never_exceeds_the_subtotal_after_a_void() -> None:
    # Used to leave discount 1200 on a $500 subtotal: total -$700 and totals() raising InvalidAmount.
    sale = cart().add(AGUA, Decimal(1)).add(PAN, Decimal(1)).discount_sale(1200).void(1)
    assert sale.discount == 500
    totals = sale.totals()
    assert (totals.subtotal, totals.discount, totals.total) == (500, 500, 0)


def test_sale_discount_is_capped_after_a_smaller_quantity_or_a_line_discount() -> None:
    base = cart().add(AGUA, Decimal(3)).discount_sale(2500)
    assert base.set_quantity(1, "2").discount == 2000
    assert base.set_quantity(1, "2").totals().total == 0
    assert base.discount_line(1, 1000).discount == 2000
    assert base.set_quantity(1, "5").discount == 2500  # growing the sale leaves the discount alone


# --- totals ---------------------------------------------------------------------------------------


def test_totals_of_a_mixed_sale_with_a_sale_discount() -> None:
    sale = cart().add(AGUA, Decimal(2)).add(LIBRO, Decimal(1)).add(QUESO, Decimal("0.512")).discount_sale(400)
    t = sale.totals()
    assert t.subtotal == 2000 + 1000 + 1019
    assert t.discount == 400
    assert t.total == 4019 - 400
    # 400 shared 2000:1000:1019 -> 199 / 100 / 101 (largest remainder goes to the exempt line)
    assert t.exento == 1000 - 100
    assert t.affected == (2000 - 199) + (1019 - 101)
    assert t.affected + t.exento == t.total
    assert t.neto + t.iva == t.affected
    assert (t.neto, t.iva) == (2285, 434)
    assert t.items == 2 + 1 + 1  # units counted, one per weighed line
    assert t.line_discounts == 0


def test_totals_with_line_discounts() -> None:
    t = cart().add(AGUA, Decimal(2)).discount_line(1, 300).add(PAN, Decimal(1)).totals()
    assert (t.subtotal, t.line_discounts, t.discount, t.total) == (2200, 300, 0, 2200)
    assert (t.affected, t.exento) == (2200, 0)
    assert money.split_iva(2200) == money.IvaSplit(t.neto, t.iva, 0)


def test_totals_of_an_empty_and_of_an_exempt_only_sale() -> None:
    assert cart().totals().total == 0
    t = cart().add(LIBRO, Decimal(2)).totals()
    assert (t.total, t.affected, t.exento, t.neto, t.iva) == (2000, 0, 2000, 0, 0)


products = st.sampled_from([AGUA, PAN, LIBRO])


@given(
    items=st.lists(st.tuples(products, st.integers(1, 20), st.integers(0, 100)), min_size=1, max_size=8),
    discount_pct=st.integers(0, 100),
)
def test_totals_always_add_up(items: list[tuple[Product, int, int]], discount_pct: int) -> None:
    sale = cart()
    for product, qty, line_pct in items:
        sale = sale.add(product, Decimal(qty), price=product.price + qty)  # price varies: fewer merges
        last = sale.lines[-1]
        sale = sale.discount_line(last.line_id, last.gross * line_pct // 100)
    subtotal = sum(x.amount for x in sale.lines)
    sale = sale.discount_sale(subtotal * discount_pct // 100)
    t = sale.totals()
    assert t.total == t.subtotal - t.discount == t.affected + t.exento
    assert t.neto + t.iva == t.affected
    assert t.subtotal == sum(x.gross for x in sale.lines) - t.line_discounts
    assert t.affected >= 0 and t.exento >= 0
    assert t.exento <= sum(x.amount for x in sale.lines if x.iva_exempt)


# --- allocate -------------------------------------------------------------------------------------


def test_allocate_examples() -> None:
    assert allocate(100, [1, 1, 2]) == [25, 25, 50]
    assert allocate(1, [1, 1]) == [1, 0]  # ties go to the first line
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]
    assert allocate(10, [3, 0, 7]) == [3, 0, 7]
    assert allocate(0, [5, 5]) == [0, 0]
    assert allocate(50, [0, 0]) == [0, 0]
    assert allocate(50, []) == []


@given(amount=st.integers(0, 10**7), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_allocate_parts_add_up_and_stay_proportional(amount: int, weights: list[int]) -> None:
    parts = allocate(amount, weights)
    total = sum(weights)
    assert len(parts) == len(weights)
    if total == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == amount
    for part, w in zip(parts, weights, strict=True):
        assert amount * w // total <= part <= -(-amount * w // total)  # between floor and ceiling


# --- settlement -----------------------------------------------------------------------------------


def test_empty_sale_cannot_be_settled() -> None:
    with pytest.raises(errors.EmptySale):
        cart().settle((Tender(CASH, 1000),))


def test_sale_settle_uses_the_sale_total() -> None:
    s = cart().add(QUESO, Decimal("0.512")).settle((Tender(CASH, 2000),))
    assert (s.total, s.cash_due, s.rounding, s.change) == (1019, 1020, 1, 980)


def test_cash_only_rounds_down_and_gives_change() -> None:
    s = settle(1995, (Tender(CASH, 2000),))
    assert (s.noncash, s.cash_due, s.cash_tendered, s.rounding, s.change) == (0, 1990, 2000, -5, 10)
    assert s.paid == 1990
    assert s.received(CASH) == 1990
    assert s.received(DEBIT) == 0


def test_cash_only_rounds_up() -> None:
    s = settle(1996, (Tender(CASH, 5000),))
    assert (s.cash_due, s.rounding, s.change, s.paid) == (2000, 4, 3000, 2000)


def test_cash_exact_after_rounding_down() -> None:
    s = settle(1995, (Tender(CASH, 1990),))
    assert (s.change, s.paid) == (0, 1990)


def test_several_cash_handovers_add_up() -> None:
    s = settle(4990, (Tender(CASH, 2000), Tender(CASH, 5000)))
    assert (s.cash_tendered, s.change) == (7000, 2010)


@pytest.mark.parametrize("kind", [DEBIT, CREDIT, TRANSFER])
def test_exact_non_cash_payment_is_not_rounded(kind: TenderKind) -> None:
    s = settle(1995, (Tender(kind, 1995),))
    assert (s.noncash, s.cash_due, s.cash_tendered, s.rounding, s.change) == (1995, 0, 0, 0, 0)
    assert s.paid == 1995
    assert s.received(kind) == 1995


def test_mixed_card_and_cash_rounds_only_the_cash_part() -> None:
    s = settle(5996, (Tender(DEBIT, 3000), Tender(CASH, 3000)))
    assert (s.noncash, s.cash_due, s.rounding, s.change, s.paid) == (3000, 3000, 4, 0, 6000)
    assert s.received(DEBIT) == 3000  # exact
    down = settle(5993, (Tender(DEBIT, 3000), Tender(CASH, 5000)))
    assert (down.cash_due, down.rounding, down.change, down.paid) == (2990, -3, 2010, 5990)


def test_card_and_transfer_together() -> None:
    s = settle(10_000, (Tender(CREDIT, 6001), Tender(TRANSFER, 3999)))
    assert (s.noncash, s.rounding, s.paid) == (10_000, 0, 10_000)
    assert (s.received(CREDIT), s.received(TRANSFER)) == (6001, 3999)


def test_remaining_below_six_pesos_is_rounded_away_with_a_zero_cash_tender() -> None:
    s = settle(5003, (Tender(DEBIT, 5000), Tender(CASH, 0)))
    assert (s.cash_due, s.rounding, s.change, s.paid) == (0, -3, 0, 5000)
    with pytest.raises(errors.PaymentShort):
        settle(5003, (Tender(DEBIT, 5000),))  # without cash nothing is rounded


def test_a_fully_discounted_sale_needs_no_tender() -> None:
    s = settle(0, ())
    assert (s.paid, s.change) == (0, 0)


@pytest.mark.parametrize(
    ("total", "tenders", "due", "tendered"),
    [
        (5000, (Tender(CASH, 4000),), 5000, 4000),
        (5000, (Tender(DEBIT, 3000),), 5000, 3000),
        (5996, (Tender(DEBIT, 3000), Tender(CASH, 2990)), 6000, 5990),
        (1996, (Tender(CASH, 1990),), 2000, 1990),
        (1000, (), 1000, 0),
    ],
)
def test_payment_short(total: int, tenders: tuple[Tender, ...], due: int, tendered: int) -> None:
    with pytest.raises(errors.PaymentShort) as info:
        settle(total, tenders)
    assert (info.value.due, info.value.tendered) == (due, tendered)


def test_card_above_the_total_is_refused() -> None:
    with pytest.raises(errors.TenderExceedsDue) as info:
        settle(5000, (Tender(DEBIT, 3000), Tender(CREDIT, 3000)))
    assert (info.value.kind, info.value.amount, info.value.remaining) == ("tarjeta/transferencia", 6000, 5000)


def test_cash_when_nothing_remains_is_refused() -> None:
    with pytest.raises(errors.TenderExceedsDue) as info:
        settle(5000, (Tender(DEBIT, 5000), Tender(CASH, 1000)))
    assert (info.value.kind, info.value.amount, info.value.remaining) == ("efectivo", 1000, 0)
    ok = settle(5000, (Tender(DEBIT, 5000), Tender(CASH, 0)))
    assert (ok.cash_due, ok.change) == (0, 0)


@pytest.mark.parametrize("tender", [Tender(CASH, -1), Tender(DEBIT, -100)])
def test_negative_tender_is_refused(tender: Tender) -> None:
    with pytest.raises(errors.InvalidAmount) as info:
        settle(1000, (tender, Tender(CASH, 2000)))
    assert info.value.reason == "un pago no puede ser negativo"


@given(total=st.integers(0, 10**8), data=st.data())
def test_paying_the_rounded_remainder_in_cash_always_settles(total: int, data: st.DataObject) -> None:
    noncash = data.draw(st.integers(0, total))
    remaining = total - noncash
    cash = money.round_cash(remaining)
    s = settle(total, (Tender(DEBIT, noncash), Tender(CASH, cash)))
    assert s.change == 0
    assert abs(s.rounding) <= 5
    assert s.paid == noncash + cash == total + s.rounding
    assert s.received(CASH) + s.received(DEBIT) == s.paid


@given(total=st.integers(1, 10**7), extra=st.integers(0, 10**6))
def test_change_is_what_was_handed_over_minus_the_rounded_due(total: int, extra: int) -> None:
    cash = money.round_cash(total) + extra
    s = settle(total, (Tender(CASH, cash),))
    assert s.change == extra
    assert s.paid % 10 == 0


def test_tender_labels_are_spanish() -> None:
    assert [k.label for k in TenderKind] == ["Efectivo", "Débito", "Crédito", "Transferencia", "Fiado"]


def test_only_fiado_is_left_out_of_the_count() -> None:
    assert COUNTED_TENDERS == (CASH, DEBIT, CREDIT, TRANSFER)
    assert not TenderKind.FIADO.counted


def test_fiado_pays_exactly_alone_or_mixed_with_cash() -> None:
    alone = settle(5000, (Tender(TenderKind.FIADO, 5000),))
    assert (alone.change, alone.rounding, alone.received(TenderKind.FIADO)) == (0, 0, 5000)
    mixed = settle(5008, (Tender(TenderKind.FIADO, 3000), Tender(CASH, 5000)))
    assert (mixed.cash_due, mixed.change, mixed.received(TenderKind.FIADO)) == (2010, 2990, 3000)
    with pytest.raises(errors.TenderExceedsDue) as info:
        settle(5000, (Tender(TenderKind.FIADO, 6000),))
    assert info.value.kind == "tarjeta/transferencia/fiado"
    with pytest.raises(errors.PaymentShort):
        settle(5000, (Tender(TenderKind.FIADO, 3000), Tender(DEBIT, 1000)))
