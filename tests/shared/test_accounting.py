"""shared.accounting: each event's asiento, the chart, the trial balance and the CSV; properties: for any sequence
of valid events every asiento balances and so does the whole journal, and the accounts equal folds computed here
from the events themselves (IVA, sales, customers' balances through shared.fiado, the drawer's differences)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import accounting as acc
from shared import errors, fiado, inventory
from shared.catalog import Product
from shared.events import catalog, envelope, purchases, returns, sales, shifts
from shared.events import fiado as fiado_events
from shared.events import inventory as ie
from shared.sale import Sale, Tender, TenderKind
from tests.shared.events import strategies

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MANY = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


def at(n: int, event_id: str | None = None, store: str = "centro") -> envelope.Envelope:
    """An envelope as far as the journal reads it: id, store, terminal and time."""
    moment = (START + timedelta(minutes=n)).isoformat()
    return envelope.Envelope(event_id or f"E-{n}", 1, store, "T-1", 1, n + 1, moment, "x", 1, {},
                             envelope.GENESIS_HASH, "")


def sale(number: int, price: int, paid: list[tuple[TenderKind, int]], *, customer: str = "", cost: int | None = 600,
         exempt: bool = False) -> sales.SaleCompleted:
    """A sale of one product at ``price`` built through the real cart and settlement."""
    product = Product("P-1", "Pan amasado", price, "panadería", iva_exempt=exempt)
    cart = Sale(f"V-{number}").add(product, Decimal(1))
    tenders = tuple(Tender(k, v) for k, v in paid)
    settled = cart.settle(tenders)
    t = cart.totals()
    line = cart.lines[0]
    on_credit = sum(v for k, v in paid if k is TenderKind.FIADO)
    return sales.SaleCompleted(
        f"V-{number}", number, "SH-1", "u-ana",
        (sales.LineSold(1, line.sku, line.name, line.unit_price, line.quantity, "unit", exempt, 0, line.amount,
                        cost=cost),),
        0, t.total, t.affected, t.exento, t.neto, t.iva,
        tuple(sales.TenderTaken(x.kind.value, x.amount, settled.received(x.kind)) for x in tenders),
        settled.rounding, settled.change, sales.DocumentStamped(39, number, "<TED/>", "2026-12-01T09:00:00"),
        customer_id=customer, fiado=fiado_events.FiadoCharge(on_credit, 0, 10**7) if on_credit else None)


def by_account(lines: list[acc.JournalLine]) -> dict[str, int]:
    """Signed sum (debit − credit) per account code."""
    sums: dict[str, int] = defaultdict(int)
    for x in lines:
        sums[x.account] += x.debit - x.credit
    return dict(sums)


def test_the_chart_has_unique_codes_and_names_every_tender() -> None:
    assert len({a.code for a in acc.CHART}) == len(acc.CHART)
    assert [a.code for a in acc.CHART] == sorted(a.code for a in acc.CHART)
    assert set(acc.TENDER_ACCOUNTS) == {k.value for k in TenderKind}


def test_a_cash_sale_books_cash_sales_iva_rounding_and_its_cost() -> None:
    e = sale(1, 1_995, [(TenderKind.CASH, 2_000)])  # cash due 1.990 (Ley 20.956): the customer paid $5 less
    lines = acc.journal_lines(at(0), e)
    assert by_account(lines) == {acc.CAJA.code: 1_990, acc.VENTAS_AFECTAS.code: -1_676, acc.IVA_DEBITO.code: -319,
                                 acc.REDONDEO.code: 5, acc.COSTO_VENTAS.code: 600, acc.MERCADERIAS.code: -600}
    assert {x.document for x in lines} == {"Boleta N° 1"} and {x.reference for x in lines} == {"V-1"}
    assert {x.at for x in lines} == {fiado.utc_at(at(0).occurred_at)}
    assert all((x.debit > 0) != (x.credit > 0) for x in lines)


def test_a_sale_partly_on_fiado_debits_the_customers_account_as_shared_fiado_names_it() -> None:
    e = sale(2, 5_000, [(TenderKind.FIADO, 3_000), (TenderKind.DEBIT, 2_000)], customer="C-1", cost=None)
    lines = acc.journal_lines(at(1), e)
    clientes = [x for x in lines if x.account == acc.CLIENTES_FIADO.code]
    assert [(x.debit, x.auxiliary) for x in clientes] == [(3_000, fiado.customer_account("C-1"))]
    assert by_account(lines)[acc.TARJETAS_DEBITO.code] == 2_000
    assert acc.COSTO_VENTAS.code not in by_account(lines)  # a line never costed books no cost


def test_an_exempt_sale_credits_ventas_exentas_without_iva() -> None:
    lines = acc.journal_lines(at(0), sale(3, 1_000, [(TenderKind.TRANSFER, 1_000)], exempt=True, cost=None))
    assert by_account(lines) == {acc.BANCO.code: 1_000, acc.VENTAS_EXENTAS.code: -1_000}


def test_a_sale_that_does_not_add_up_is_refused_in_spanish() -> None:
    e = sale(4, 1_000, [(TenderKind.DEBIT, 1_000)])
    with pytest.raises(errors.InvalidInput, match="no cuadra"):
        acc.journal_lines(at(0), replace(e, iva=e.iva + 1))
    with pytest.raises(errors.InvalidInput, match="medio de pago desconocido"):
        acc.journal_lines(at(0), replace(e, tenders=(sales.TenderTaken("cheque", 1_000, 1_000),)))


def test_a_return_reverses_the_sale_refunds_by_tender_and_takes_the_goods_back_at_book_value() -> None:
    e = returns.ReturnCompleted("R-1", "V-1", "SH-1", "u-ana", "sup", "vencido",
                                (returns.LineReturned(1, "P-1", "Pan", 1_995, Decimal(1), "unit", False, 1_995),),
                                1_995, 1_676, 319, 0, (sales.TenderTaken("cash", 1_990, 1_990),), 39, 1, True,
                                sales.DocumentStamped(61, 7, "<TED/>", "2026-12-01T10:00:00"))
    lines = acc.journal_lines(at(5), e, book_value=600)
    assert by_account(lines) == {acc.VENTAS_AFECTAS.code: 1_676, acc.IVA_DEBITO.code: 319, acc.CAJA.code: -1_990,
                                 acc.REDONDEO.code: -5, acc.MERCADERIAS.code: 600, acc.COSTO_VENTAS.code: -600}
    assert {x.document for x in lines} == {"Nota de crédito N° 7"}
    no_cost = acc.journal_lines(at(5), e)
    assert acc.MERCADERIAS.code not in by_account(no_cost)
    on_account = replace(e, refunds=(sales.TenderTaken("fiado", 1_995, 1_995),), customer_id="C-1")
    credited = [x for x in acc.journal_lines(at(5), on_account) if x.account == acc.CLIENTES_FIADO.code]
    assert [(x.credit, x.auxiliary) for x in credited] == [(1_995, "cliente:C-1")]


def _purchase(tipo: int, neto: int, iva: int, total: int) -> purchases.PurchaseReceived:
    return purchases.PurchaseReceived("P-1", purchases.Supplier("76086428-5", "Distribuidora Ñuble", "comercio"),
                                      tipo, 55, "2026-12-01", "centro", (), neto, 0, iva, total, "ab" * 32, True)


def test_a_purchase_books_goods_iva_credito_fiscal_and_the_supplier_and_a_nota_de_credito_reverses_it() -> None:
    factura = acc.journal_lines(at(0), _purchase(33, 10_000, 1_900, 11_900))
    assert by_account(factura) == {acc.MERCADERIAS.code: 10_000, acc.IVA_CREDITO.code: 1_900,
                                   acc.PROVEEDORES.code: -11_900}
    assert [x.auxiliary for x in factura if x.account == acc.PROVEEDORES.code] == ["76086428-5"]
    nota = acc.journal_lines(at(1), _purchase(61, 1_000, 190, 1_190))
    assert by_account(nota) == {acc.MERCADERIAS.code: -1_000, acc.IVA_CREDITO.code: -190,
                                acc.PROVEEDORES.code: 1_190}
    boleta = acc.journal_lines(at(2), _purchase(39, 840, 160, 1_000))  # a boleta's IVA is no crédito fiscal
    assert by_account(boleta) == {acc.MERCADERIAS.code: 1_000, acc.PROVEEDORES.code: -1_000}


def test_fiado_payments_and_reversals_use_shared_fiados_postings() -> None:
    paid = fiado_events.FiadoPaid("PAY-1", "C-1", "SH-1", "u-ana", "cash", 4_000, 5_000, 6_000)
    lines = acc.journal_lines(at(0), paid)
    assert [(x.account, x.debit, x.credit, x.auxiliary) for x in lines] == [
        (acc.CAJA.code, 4_000, 0, ""), (acc.CLIENTES_FIADO.code, 0, 4_000, "cliente:C-1")]
    assert {x.reference for x in lines} == {"PAY-1"}
    reversed_ = fiado_events.FiadoPaymentReversed("REV-1", "PAY-1", "C-1", "SH-2", "sup", "error", "debit", 4_000)
    assert by_account(acc.journal_lines(at(1), reversed_)) == {acc.CLIENTES_FIADO.code: 4_000,
                                                               acc.TARJETAS_DEBITO.code: -4_000}
    forwarded = fiado_events.FiadoEntryReceived("E-9", "C-1", "abono", 4_000, "norte", "T-9", "Abono", "PAY-9",
                                                at(0).occurred_at)
    assert acc.journal_lines(at(2), forwarded) == []  # booked where it was journaled
    with pytest.raises(errors.InvalidInput, match="cuenta de fiado desconocida"):
        acc.chart_account("ventas_al_por_mayor")


def test_cash_moves_shift_differences_mermas_and_transfers() -> None:
    moved = acc.journal_lines(at(0), shifts.CashMoved("SH-1", "out", 50_000, "depósito banco", "u-ana"))
    assert by_account(moved) == {acc.CAJA.code: -50_000, acc.TRASPASOS_CAJA.code: 50_000}
    closed = shifts.ShiftClosed("SH-1", "u-ana", (shifts.TenderCount("cash", 99_000), shifts.TenderCount("debit", 10)),
                                (shifts.TenderCount("cash", 100_000), shifts.TenderCount("debit", 0)))
    assert by_account(acc.journal_lines(at(1), closed)) == {acc.CAJA.code: -1_000, acc.TARJETAS_DEBITO.code: 10,
                                                            acc.DIFERENCIAS_CAJA.code: 990}
    merma = ie.MermaRecorded("M-1", "centro", "P-1", "Leche", Decimal("2.5"), "vencimiento", 801, "u-ana")
    assert by_account(acc.journal_lines(at(2), merma)) == {acc.MERMAS.code: 2_003, acc.MERCADERIAS.code: -2_003}
    line = ie.TransferLine("P-1", "Leche", Decimal(10), 800)
    assert acc.journal_lines(at(3), ie.TransferSent("TR-0", "centro", "centro", "centro-bodega", (line,), "u")) == []
    sent = acc.journal_lines(at(3), ie.TransferSent("TR-1", "centro", "norte", "norte", (line,), "u"))
    assert by_account(sent) == {acc.EN_TRANSITO.code: 8_000, acc.MERCADERIAS.code: -8_000}
    got = ie.TransferReceived("TR-1", "centro", "norte", (ie.ReceivedLine("P-1", "Leche", Decimal(10), Decimal(9),
                                                                          800),), "u")
    assert by_account(acc.journal_lines(at(4, store="norte"), got)) == {
        acc.MERCADERIAS.code: 7_200, acc.MERMAS.code: 800, acc.EN_TRANSITO.code: -8_000}


def test_a_count_books_its_book_value_to_mermas() -> None:
    posted = ie.CountPosted("K-1", "centro", (ie.CountLine("P-1", "Leche", Decimal(10), Decimal(8)),), "mensual",
                            "u", "sup")
    assert by_account(acc.journal_lines(at(0), posted, book_value=-1_600)) == {acc.MERCADERIAS.code: -1_600,
                                                                             acc.MERMAS.code: 1_600}
    assert acc.journal_lines(at(0), posted) == []


def test_the_csv_reads_back_with_chile_dates_and_totals() -> None:
    lines = acc.journal_lines(at(0), sale(1, 1_995, [(TenderKind.CASH, 2_000)]))
    data = acc.csv_bytes(lines)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == acc.CSV_HEADER
    assert rows[1][:5] == ["01-12-2026", "09:00:00", "centro", "E-0", acc.CAJA.code]  # 12:00 UTC is 09:00 in Chile
    assert rows[1][5] == "Caja" and rows[1][7] == "Boleta N° 1"
    assert rows[-1][0] == "Totales" and int(rows[-1][10]) == int(rows[-1][11]) == sum(x.debit for x in lines)
    assert sum(int(r[10]) for r in rows[1:-1]) == sum(int(r[11]) for r in rows[1:-1])


def test_trial_balance_in_chart_order_on_each_accounts_side() -> None:
    lines = acc.journal_lines(at(0), sale(1, 1_995, [(TenderKind.CASH, 2_000)]))
    balances = acc.trial_balance(lines)
    assert [b.account.code for b in balances] == sorted(b.account.code for b in balances)
    named = {b.account.code: b.balance for b in balances}
    assert named[acc.CAJA.code] == 1_990 and named[acc.VENTAS_AFECTAS.code] == 1_676
    assert named[acc.REDONDEO.code] == -5  # a haber account the rounding debited


# --- properties ----------------------------------------------------------------------------------------------


@st.composite
def fiado_sales(draw: st.DrawFn) -> sales.SaleCompleted:
    price = draw(st.integers(1, 10**6))
    on_credit = draw(st.integers(1, price))
    rest = price - on_credit
    paid = [(TenderKind.FIADO, on_credit)] + ([(draw(st.sampled_from([TenderKind.DEBIT, TenderKind.TRANSFER])),
                                                rest)] if rest else [])
    return sale(draw(st.integers(1, 10**6)), price, paid, customer=draw(st.sampled_from(["C-1", "C-2"])),
                cost=draw(st.one_of(st.none(), st.integers(0, 10**6))))


@st.composite
def fiado_events_(draw: st.DrawFn) -> Any:
    customer = draw(st.sampled_from(["C-1", "C-2"]))
    kind = draw(st.sampled_from(["cash", "debit", "credit", "transfer"]))
    amount = draw(st.integers(1, 10**6))
    if draw(st.booleans()):
        return fiado_events.FiadoPaid(draw(st.uuids().map(str)), customer, "SH-1", "u", kind, amount, amount, 0)
    return fiado_events.FiadoPaymentReversed(draw(st.uuids().map(str)), "PAY-x", customer, "SH-1", "sup", "error",
                                             kind, amount)


@st.composite
def fiado_returns(draw: st.DrawFn) -> returns.ReturnCompleted:
    e = draw(strategies.return_events())
    return replace(e, refunds=(sales.TenderTaken("fiado", e.total, e.total),),
                   customer_id=draw(st.sampled_from(["C-1", "C-2"])))


EVENTS = st.one_of(strategies.valid_events(), fiado_sales(), fiado_events_(), fiado_returns())


@MANY
@given(st.lists(st.tuples(EVENTS, st.one_of(st.none(), st.integers(-10**7, 10**7))), max_size=25))
def test_every_asiento_and_any_journal_balance(events: list[tuple[Any, int | None]]) -> None:
    journal: list[acc.JournalLine] = []
    booking = acc.Booking()
    for n, (event, book_value) in enumerate(events):
        booking.add(at(n), event, book_value)
        lines = acc.journal_lines(at(n), event, book_value)
        debit, credit = acc.totals(lines)
        assert debit == credit, event
        assert all(x.debit >= 0 and x.credit >= 0 and (x.debit > 0) != (x.credit > 0) for x in lines)
        assert all(x.account in acc.BY_CODE and x.event_id == f"E-{n}" for x in lines)
        journal.extend(lines)
    debit, credit = acc.totals(journal)
    assert debit == credit
    assert sum(b.debit - b.credit for b in acc.trial_balance(journal)) == 0
    booked(booking, journal, len(events))


def booked(booking: acc.Booking, journal: list[acc.JournalLine], events: int) -> None:
    """What the master keeps (``Booking``: lines as JSON, sums per store, day and account) is the journal itself:
    the stored lines read back equal ``journal``, the day sums are its trial balance, debits equal credits."""
    kept = [x for store, _terminal, _epoch, _seq, moment, event_id, lines in booking.entries
            for x in acc.stored_lines(store, event_id, moment, json.loads(lines))]
    assert kept == journal
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_store, _day, account), (debit, credit) in booking.days.items():
        sums[account][0] += debit
        sums[account][1] += credit
    assert [acc.Balance(acc.BY_CODE[a], *v) for a, v in sorted(sums.items())] == acc.trial_balance(journal)
    assert sum(v[0] for v in sums.values()) == sum(v[1] for v in sums.values())
    counted = tuple(sum(c[i] for c in booking.counts.values()) for i in range(3))
    assert counted == (events, len(booking.entries), len(journal)) and booking.notes == []


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@MANY
@given(st.lists(EVENTS, max_size=25))
def test_the_accounts_equal_folds_of_the_events(events: list[Any]) -> None:
    journal = [x for n, e in enumerate(events) for x in acc.journal_lines(at(n), e)]
    sums = by_account(journal)
    iva_debito = ventas = ventas_exentas = iva_credito = diferencias = mermas = 0
    entries: list[fiado.Entry] = []
    for n, e in enumerate(events):
        entries.extend(fiado.entries(at(n), e))
        if isinstance(e, sales.SaleCompleted):
            iva_debito += e.iva
            ventas += e.neto
            ventas_exentas += e.exento
        elif isinstance(e, returns.ReturnCompleted):
            iva_debito -= e.iva
            ventas -= e.neto
            ventas_exentas -= e.exento
        elif isinstance(e, purchases.PurchaseReceived) and e.tipo in acc.VAT_CREDIT_TIPOS:
            iva_credito += e.sign * e.iva
        elif isinstance(e, shifts.ShiftClosed):
            diferencias += sum(x.amount for x in e.expected) - sum(x.amount for x in e.counted)
        elif isinstance(e, ie.MermaRecorded):
            mermas += _round(e.unit_cost * e.quantity)
        elif isinstance(e, ie.TransferReceived):
            mermas += sum(_round(x.unit_cost * x.sent) - _round(x.unit_cost * x.received) for x in e.lines)
    assert -sums.get(acc.IVA_DEBITO.code, 0) == iva_debito
    assert -sums.get(acc.VENTAS_AFECTAS.code, 0) == ventas
    assert -sums.get(acc.VENTAS_EXENTAS.code, 0) == ventas_exentas
    assert sums.get(acc.IVA_CREDITO.code, 0) == iva_credito
    assert sums.get(acc.DIFERENCIAS_CAJA.code, 0) == diferencias
    assert sums.get(acc.MERMAS.code, 0) == mermas
    # each customer's auxiliary account is their balance as shared.fiado folds it
    per_customer: dict[str, int] = defaultdict(int)
    for x in journal:
        if x.account == acc.CLIENTES_FIADO.code:
            per_customer[x.auxiliary] += x.debit - x.credit
    ledger = fiado.fold(entries)
    assert {k: v for k, v in per_customer.items() if v} == {
        fiado.customer_account(c): b.balance for c, b in ledger.accounts.items() if b.balance}


@MANY
@given(st.lists(st.sampled_from(range(6)), min_size=1, max_size=30).map(lambda s: [0, *s]),
       st.sampled_from(["ppp", "fifo"]))
def test_fold_values_returns_and_counts_with_the_inventory_book(script: list[int], method: str) -> None:
    """Goods bought, sold, returned, counted and adjusted: Mercaderías always equals the book's stock value when
    every sale's line cost is what the book would charge (here one unit cost throughout)."""
    line = purchases.PurchaseLine(1, "", None, "Leche", Decimal(10), "UN", 800, 8_000, 8_000, False, "P-1")
    events: list[object] = []
    for step in script:
        if step == 0:
            events.append(replace(_purchase(33, 8_000, 1_520, 9_520), lines=(line,), purchase_id=f"P-{len(events)}"))
        elif step in (1, 2):
            events.append(sale(len(events) + 1, 1_000, [(TenderKind.DEBIT, 1_000)], cost=800))
        elif step == 3:
            events.append(returns.ReturnCompleted(
                f"R-{len(events)}", "V-1", "SH-1", "u", "sup", "x",
                (returns.LineReturned(1, "P-1", "Leche", 1_000, Decimal(1), "unit", False, 1_000),), 1_000, 840, 160,
                0, (sales.TenderTaken("debit", 1_000, 1_000),), 39, 1, False))
        elif step == 4:
            events.append(catalog.StockAdjusted("P-1", Decimal(-1), "rotura"))
        else:
            events.append(ie.CountPosted(f"K-{len(events)}", "centro", (ie.CountLine("P-1", "Leche", Decimal(3),
                                                                                     Decimal(2)),), "x", "u", "s"))
    pairs = [(at(n), e) for n, e in enumerate(events)]
    journal = acc.fold("centro", pairs, method)
    assert acc.totals(journal)[0] == acc.totals(journal)[1]
    book = inventory.fold("centro", pairs, method)
    if isinstance(events[0], purchases.PurchaseReceived) and all(r.on_hand >= 0 for r in book.kardex):
        # bought first and never below zero: every unit entered and left at $800
        assert by_account(journal).get(acc.MERCADERIAS.code, 0) == book.value("P-1")
    with pytest.raises(ValueError, match="método"):
        acc.fold("centro", pairs, "lifo")


def _hq(tipo: int, folio: int, original: tuple[int, int], parts: tuple[int, int, int], *, customer: str | None = None,
        on_credit: int = 0) -> acc.HqNota:
    neto, iva, exento = parts
    return acc.HqNota(tipo, folio, START, *original, neto, iva, exento, neto + iva + exento, "Anula documento",
                      "77447842-6", "centro", customer, on_credit)


HQ_NOTAS = st.builds(
    lambda tipo, folio, parts, customer, fraction: _hq(
        tipo, folio, (33, 7), parts, customer=customer, on_credit=round(sum(parts) * fraction)),
    st.sampled_from((56, 61)), st.integers(1, 10**10 - 1),
    st.tuples(st.integers(1, 10**9), st.integers(0, 10**8), st.integers(0, 10**9)),
    st.one_of(st.none(), st.just("C-1")), st.floats(0, 2))


@settings(max_examples=300, deadline=None)
@given(st.lists(HQ_NOTAS, max_size=10))
def test_the_notas_hq_issues_balance_and_a_nota_annulled_leaves_nothing(notas: list[acc.HqNota]) -> None:
    events = [sale(1, 1990, [(TenderKind.CASH, 2000)]), sale(2, 5000, [(TenderKind.FIADO, 5000)], customer="C-1")]
    lines = [x for n, e in enumerate(events) for x in acc.journal_lines(at(n), e)]
    for nota in notas:
        booked = acc.hq_nota_lines(nota)
        assert acc.totals(booked)[0] == acc.totals(booked)[1] == nota.total  # one side is the counterpart
        assert {x.event_id for x in booked} == {f"hq-{nota.tipo}-{nota.folio}"}
        sign = 1 if nota.tipo == 56 else -1
        net = {b.account.code: b.debit - b.credit for b in acc.trial_balance(booked)}
        assert net.get(acc.IVA_DEBITO.code, 0) == -sign * nota.iva
        assert net.get(acc.VENTAS_AFECTAS.code, 0) + net.get(acc.VENTAS_EXENTAS.code, 0) == \
            -sign * (nota.neto + nota.exento)
        fiado_part = min(nota.total, nota.fiado) if nota.customer_id else 0
        assert net.get(acc.CLIENTES_FIADO.code, 0) == sign * fiado_part
        lines.extend(booked)
        annulment = replace(nota, tipo=61 if nota.tipo == 56 else 56, folio=nota.folio)
        lines.extend(acc.hq_nota_lines(annulment))
    debit, credit = acc.totals(lines)
    assert debit == credit
    # every nota beside one that undoes it: the events' own journal is what remains
    alone = acc.trial_balance(x for n, e in enumerate(events) for x in acc.journal_lines(at(n), e))
    net = {b.account.code: b.debit - b.credit for b in acc.trial_balance(lines)}
    assert {k: v for k, v in net.items() if v} == {b.account.code: b.debit - b.credit for b in alone
                                                   if b.debit != b.credit}


def test_a_nota_hq_issued_is_read_from_its_stored_content_and_refused_when_it_does_not_add_up() -> None:
    content = {"totales": {"neto": 2500, "iva": 475, "exento": 0, "total": 2975},
               "referencia": {"tipo": 33, "folio": 7, "fecha": "2025-05-02", "codigo": 3, "razon": "Intereses"},
               "receptor": {"rut": "77.447.842-6"}}
    on_credit = sales.SaleCompleted("V-1", 1, "s", "ana", (), 0, 5000, 5000, 0, 4202, 798,
                                    (sales.TenderTaken("fiado", 3000, 3000), sales.TenderTaken("cash", 2000, 2000)),
                                    0, 0, customer_id="C-1")
    nota = acc.hq_nota(56, 3, content, "2025-05-03T09:30:00", "centro", on_credit)
    assert (nota.at, nota.receptor_rut, nota.customer_id, nota.fiado) == (
        datetime(2025, 5, 3, 9, 30, tzinfo=fiado.CHILE), "77447842-6", "C-1", 3000)
    assert [(x.account, x.debit, x.credit, x.auxiliary, x.document, x.reference, x.memo)
            for x in acc.hq_nota_lines(nota)] == [
        ("1.1.05", 2975, 0, "cliente:C-1", "Nota de débito N° 3", "Factura N° 7", "Intereses"),
        ("4.1.01", 0, 2500, "", "Nota de débito N° 3", "Factura N° 7", "Intereses"),
        ("2.1.02", 0, 475, "", "Nota de débito N° 3", "Factura N° 7", "Intereses")]
    assert acc.hq_nota(56, 3, content, "2025-05-03T09:30:00", "centro", None).customer_id is None
    with pytest.raises(errors.InvalidInput, match="no cuadra"):
        acc.hq_nota_lines(replace(nota, total=3000))
    with pytest.raises(errors.InvalidInput, match="no el tipo 33"):
        acc.hq_nota_lines(replace(nota, tipo=33))
    with pytest.raises(errors.InvalidInput, match="incompleta"):
        acc.hq_nota(56, 3, {"totales": {}}, "2025-05-03T09:30:00", "centro", None)
    booking = acc.Booking()
    booking.add_hq_nota(replace(nota, total=3000))
    assert booking.entries == [] and [n[5:7] for n in booking.notes] == [(acc.HQ_NOTA_TYPE, acc.PROBLEM)]
    booking.add_hq_nota(nota)
    assert [e[:4] for e in booking.entries] == [("centro", "hq", 0, 56 * 10**10 + 3)]
    assert booking.counts == {("centro", date(2025, 5, 3)): [1, 1, 3]}
