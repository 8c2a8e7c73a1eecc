"""shared.shift: the shift as a fold over its events, the blind count at the close and the Z report."""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from typing import Any

import pytest

from shared import errors, money
from shared.catalog import Product
from shared.events import auth, catalog, fiado, returns, sales, shifts
from shared.sale import Sale, Settlement, Tender, TenderKind
from shared.shift import Shift, ShiftState, TenderResult, ZReport, z_report

SHIFT = "SH-1"
OPENED = shifts.ShiftOpened(shift_id=SHIFT, number=7, cashier_id="cajera-1", opening_float=20_000)
CASH, DEBIT, CREDIT, TRANSFER = TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT, TenderKind.TRANSFER

AGUA = Product("BEB-001", "Agua", 1000, "bebidas")
LIBRO = Product("LIB-001", "Libro", 2000, "librería", iva_exempt=True)


def completed(sale: Sale, settlement: Settlement, number: int, shift_id: str = SHIFT) -> sales.SaleCompleted:
    """A SaleCompleted built from a real cart and settlement, as the checkout journals it."""
    t = sale.totals()
    kinds = dict.fromkeys(x.kind for x in settlement.tenders)
    return sales.SaleCompleted(
        sale_id=sale.sale_id,
        number=number,
        shift_id=shift_id,
        cashier_id="cajera-1",
        lines=tuple(
            sales.LineSold(
                x.line_id,
                x.sku,
                x.name,
                x.unit_price,
                x.quantity,
                x.sold_by.value,
                x.iva_exempt,
                x.discount,
                x.amount,
                x.code,
            )
            for x in sale.lines
        ),
        discount=t.discount,
        total=t.total,
        affected=t.affected,
        exento=t.exento,
        neto=t.neto,
        iva=t.iva,
        tenders=tuple(
            sales.TenderTaken(k.value, sum(x.amount for x in settlement.tenders if x.kind is k), settlement.received(k))
            for k in kinds
        ),
        rounding=settlement.rounding,
        change=settlement.change,
    )


def sale_event(
    number: int,
    lines: list[tuple[Product, int]],
    tenders: tuple[Tender, ...],
    *,
    discount: int = 0,
    line_discount: int = 0,
    shift_id: str = SHIFT,
) -> sales.SaleCompleted:
    sale = Sale(sale_id=f"V-{number}")
    for product, qty in lines:
        sale = sale.add(product, Decimal(qty))
    if line_discount:
        sale = sale.discount_line(1, line_discount)
    sale = sale.discount_sale(discount)
    return completed(sale, sale.settle(tenders), number, shift_id)


# Sale 1: $5.993 in cash, customer hands $10.000 -> keeps $5.990 (rounding -3), change $4.010.
SALE_1 = sale_event(1, [(AGUA, 6)], (Tender(CASH, 10_000),), discount=7)
# Sale 2: $12.000 by debit, exact.
SALE_2 = sale_event(2, [(AGUA, 10), (LIBRO, 1)], (Tender(DEBIT, 12_000),))
# Sale 3: $5.996 = debit $3.000 + cash $3.000 (rounding +4), with a $100 line and a $904 sale discount.
SALE_3 = sale_event(
    3, [(AGUA, 5), (LIBRO, 1)], (Tender(DEBIT, 3000), Tender(CASH, 3000)), line_discount=100, discount=904
)
CASH_IN = shifts.CashMoved(SHIFT, "in", 5000, "sencillo", "sup-1")
CASH_OUT = shifts.CashMoved(SHIFT, "out", 8000, "retiro a caja fuerte", "sup-1")
VOID = auth.Authorised("void_line", "sup-1", "cajera-1", "cliente se arrepintió", sale_id="V-3", shift_id=SHIFT)
DISCOUNT_OK = auth.Authorised("discount", "sup-1", "cajera-1", "cliente frecuente", sale_id="V-3", shift_id=SHIFT)


def fold(events: list[Any], start: Shift | None = None) -> Shift:
    return reduce(lambda shift, event: shift.apply(event), events, start or Shift.open(OPENED))


def test_sample_sales_are_what_the_comments_say() -> None:
    assert (SALE_1.total, SALE_1.rounding, SALE_1.change) == (5993, -3, 4010)
    assert SALE_1.tenders == (sales.TenderTaken("cash", 10_000, 5990),)
    assert SALE_2.total == 12_000 and SALE_2.exento == 2000
    assert (SALE_3.total, SALE_3.rounding, SALE_3.change) == (5996, 4, 0)
    assert SALE_3.tenders == (sales.TenderTaken("debit", 3000, 3000), sales.TenderTaken("cash", 3000, 3000))


def test_open_shift_starts_from_its_float() -> None:
    shift = Shift.open(OPENED)
    assert (shift.shift_id, shift.number, shift.cashier_id, shift.opening_float) == (
        SHIFT,
        7,
        "cajera-1",
        20_000,
    )
    assert shift.state is ShiftState.OPEN
    assert shift.expected() == {CASH: 20_000, DEBIT: 0, CREDIT: 0, TRANSFER: 0}


def test_fold_of_a_whole_shift() -> None:
    shift = fold([SALE_1, SALE_2, CASH_IN, SALE_3, CASH_OUT, VOID, DISCOUNT_OK])
    assert shift.state is ShiftState.OPEN
    assert shift.sales_count == 3
    assert shift.sales_total == 5993 + 12_000 + 5996
    assert shift.received == {"cash": 5990 + 3000, "debit": 12_000 + 3000}
    assert (shift.cash_in, shift.cash_out) == (5000, 8000)
    assert shift.rounding == -3 + 4
    assert shift.discounts == 7 + 100 + 904
    assert shift.neto + shift.iva + shift.exento == shift.sales_total
    assert shift.exento == SALE_2.exento + SALE_3.exento
    assert (shift.neto, shift.iva) == (
        sum(s.neto for s in (SALE_1, SALE_2, SALE_3)),
        sum(s.iva for s in (SALE_1, SALE_2, SALE_3)),
    )
    assert shift.voids == 1  # a discount authorisation is not a void


def test_expected_per_tender() -> None:
    shift = fold([SALE_1, SALE_2, CASH_IN, SALE_3, CASH_OUT])
    # cash = float + cash received (net of change) + in - out
    assert shift.expected() == {
        CASH: 20_000 + 5990 + 3000 + 5000 - 8000,
        DEBIT: 15_000,
        CREDIT: 0,
        TRANSFER: 0,
    }


def test_close_with_a_blind_count_gives_surplus_and_shortage() -> None:
    shift = fold([SALE_1, SALE_2, CASH_IN, SALE_3, CASH_OUT, VOID])
    event = shift.close({CASH: 26_000, DEBIT: 14_500}, closed_by="sup-1")
    assert event == shifts.ShiftClosed(
        shift_id=SHIFT,
        closed_by="sup-1",
        counted=(
            shifts.TenderCount("cash", 26_000),
            shifts.TenderCount("debit", 14_500),
            shifts.TenderCount("credit", 0),
            shifts.TenderCount("transfer", 0),
        ),
        expected=(
            shifts.TenderCount("cash", 25_990),
            shifts.TenderCount("debit", 15_000),
            shifts.TenderCount("credit", 0),
            shifts.TenderCount("transfer", 0),
        ),
    )
    assert shift.state is ShiftState.OPEN  # close() only builds the event
    closed = shift.apply(event)
    assert closed.state is ShiftState.CLOSED
    assert closed.closed_by == "sup-1"
    results = {r.kind: r for r in closed.results()}
    assert results[CASH] == TenderResult(CASH, 25_990, 26_000)
    assert results[CASH].difference == 10  # sobrante
    assert results[DEBIT].difference == -500  # faltante
    assert results[CREDIT].difference == results[TRANSFER].difference == 0
    report = z_report(closed)
    assert report == ZReport(shift=closed, results=closed.results())
    assert report.cash_difference == 10
    assert report.shift.voids == 1


def test_exact_count_has_no_difference() -> None:
    shift = fold([SALE_1])
    closed = shift.apply(shift.close({CASH: 25_990}, "cajera-1"))
    assert z_report(closed).cash_difference == 0


def test_results_before_the_close_count_zero() -> None:
    results = fold([SALE_1]).results()
    assert [r.counted for r in results] == [0, 0, 0, 0]
    assert results[0] == TenderResult(CASH, 25_990, 0)
    assert results[0].difference == -25_990


def test_negative_count_is_refused() -> None:
    with pytest.raises(errors.InvalidAmount) as info:
        fold([SALE_1]).close({CASH: 100, DEBIT: -1}, "cajera-1")
    assert info.value.reason == "conteo negativo en Débito"


@pytest.fixture
def closed_shift() -> Shift:
    shift = fold([SALE_1])
    return shift.apply(shift.close({CASH: 25_990}, "cajera-1"))


@pytest.mark.parametrize("event", [SALE_2, CASH_IN, CASH_OUT, shifts.ShiftClosed(SHIFT, "sup-1", (), ())])
def test_a_closed_shift_takes_no_sales_cash_moves_or_second_close(closed_shift: Shift, event: Any) -> None:
    with pytest.raises(errors.ShiftError) as info:
        closed_shift.apply(event)
    assert info.value.state == "closed"


def test_close_twice_is_refused(closed_shift: Shift) -> None:
    with pytest.raises(errors.ShiftError, match="el turno está cerrado"):
        closed_shift.close({CASH: 0}, "sup-1")


def test_z_report_of_an_open_shift_is_refused() -> None:
    with pytest.raises(errors.ShiftError) as info:
        z_report(fold([SALE_1]))
    assert info.value.state == "open"


@pytest.mark.parametrize(
    "event",
    [
        sale_event(9, [(AGUA, 1)], (Tender(CASH, 1000),), shift_id="SH-2"),
        shifts.CashMoved("SH-2", "out", 1000, "retiro", "sup-1"),
        shifts.ShiftClosed("SH-2", "sup-1", (), ()),
        auth.Authorised("void_line", "sup-1", "cajera-2", "error", shift_id="SH-2"),
        auth.Authorised("void_line", "sup-1", "cajera-2", "sin turno"),  # shift_id "" by default
        auth.SignedIn("cajera-1"),
        catalog.StockAdjusted("BEB-001", Decimal(-1), "merma"),
        shifts.ShiftOpened(SHIFT, 7, "cajera-1", 99_999),  # a repeated open changes nothing
        object(),
    ],
)
def test_events_of_other_shifts_or_streams_are_ignored(event: Any) -> None:
    shift = fold([SALE_1, CASH_IN])
    assert shift.apply(event) is shift


def test_events_of_other_shifts_are_ignored_even_when_this_one_is_closed(closed_shift: Shift) -> None:
    other = sale_event(2, [(AGUA, 1)], (Tender(CASH, 1000),), shift_id="SH-2")
    assert closed_shift.apply(other) is closed_shift


def test_fold_is_pure() -> None:
    start = Shift.open(OPENED)
    first = fold([SALE_1, SALE_2], start)
    assert start.received == {} and start.sales_count == 0
    assert fold([SALE_1, SALE_2], start) == first
    assert money.format_clp(first.expected()[CASH]) == "$25.990"


FIADO = TenderKind.FIADO
# Sale 4: $8.000 = $5.000 on the customer's account + $3.000 cash (nothing on credit enters the drawer).
SALE_4 = sale_event(4, [(AGUA, 8)], (Tender(FIADO, 5000), Tender(CASH, 3000)))
PAID = fiado.FiadoPaid("P-1", "C-1", SHIFT, "cajera-1", "cash", 4000, 5000, 5000)
PAID_DEBIT = fiado.FiadoPaid("P-2", "C-1", SHIFT, "cajera-1", "debit", 1000, 1000, 1000)
REVERSED = fiado.FiadoPaymentReversed("R-1", "P-2", "C-1", SHIFT, "sup-1", "abono duplicado", "debit", 1000)


def test_fiado_is_its_own_figure_and_never_in_the_drawer() -> None:
    shift = fold([SALE_4])
    assert (shift.sales_total, shift.fiado_sales) == (8000, 5000)
    assert shift.received == {"cash": 3000}
    assert FIADO not in shift.expected()
    assert [r.kind for r in shift.results()] == [CASH, DEBIT, CREDIT, TRANSFER]


def test_fiado_payments_count_as_money_in_and_reversals_take_it_out() -> None:
    shift = fold([PAID, PAID_DEBIT])
    assert shift.received == {"cash": 4000, "debit": 1000}
    assert (shift.fiado_payments, shift.fiado_payments_count) == (5000, 2)
    shift = shift.apply(REVERSED)
    assert shift.received == {"cash": 4000, "debit": 0}
    assert (shift.fiado_payments, shift.fiado_reversals) == (4000, 1)
    assert shift.expected()[CASH] == 20_000 + 4000


def test_a_fiado_refund_goes_back_to_the_account_not_out_of_the_drawer() -> None:
    refund = returns.ReturnCompleted(
        "D-1", "V-4", SHIFT, "cajera-1", "sup-1", "vencido",
        (returns.LineReturned(1, "BEB-001", "Agua", 1000, Decimal(2), "unit", False, 2000),),
        2000, 1681, 319, 0, (sales.TenderTaken("fiado", 2000, 2000),), 39, 4, False, customer_id="C-1")
    shift = fold([SALE_4, refund])
    assert shift.received == {"cash": 3000}
    assert (shift.returns_total, shift.fiado_returns, shift.returns_rounding) == (2000, 2000, 0)


def test_closing_counts_no_fiado_and_refuses_a_fiado_count() -> None:
    shift = fold([SALE_4, PAID])
    closed = shift.close({CASH: 27_000}, "cajera-1")
    assert [c.kind for c in closed.counted] == ["cash", "debit", "credit", "transfer"]
    assert closed.expected[0] == shifts.TenderCount("cash", 27_000)
    with pytest.raises(errors.InvalidAmount, match="fiado no se cuenta"):
        shift.close({CASH: 27_000, FIADO: 5000}, "cajera-1")


def test_a_closed_shift_takes_no_fiado_payment(closed_shift: Shift) -> None:
    with pytest.raises(errors.ShiftError):
        closed_shift.apply(PAID)
