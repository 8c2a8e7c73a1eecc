"""shared.fiado: the entries each event makes, postings, the balance fold with aliases, the charge decision,
statements and overdue days; properties over random weeks of charges, payments, reversals, returns, entries
received twice and merges."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import errors, fiado
from shared.catalog import Product
from shared.events import envelope, returns, rules, sales, shifts
from shared.events import fiado as fiado_events
from shared.sale import Sale, Tender, TenderKind

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def envelope_of(event_id: str, at: datetime, *, store: str = "S-1", terminal: str = "T-1") -> envelope.Envelope:
    """A journal envelope as far as ``fiado.entries`` reads it (ids, where and when)."""
    return envelope.Envelope(event_id, 1, store, terminal, 1, 1, at.isoformat(), "x", 1, {}, envelope.GENESIS_HASH,
                             "")


def fiado_sale(number: int, customer_id: str, on_credit: int, cash: int = 0, *,
               folio: int | None = None) -> sales.SaleCompleted:
    """A sale of one product at ``on_credit + cash`` pesos, ``on_credit`` put on the account, the rest in cash
    (exact), built through the real cart and settlement."""
    product = Product("P-1", "Pan amasado", on_credit + cash, "panadería")
    sale = Sale(f"V-{number}").add(product, Decimal(1))
    tenders = (Tender(TenderKind.FIADO, on_credit),) + ((Tender(TenderKind.CASH, cash),) if cash else ())
    settled = sale.settle(tenders)
    t = sale.totals()
    line = sale.lines[0]
    document = sales.DocumentStamped(39, folio, "<TED/>", "2026-12-01T09:00:00") if folio else None
    return sales.SaleCompleted(
        f"V-{number}", number, "SH-1", "u-ana",
        (sales.LineSold(1, line.sku, line.name, line.unit_price, line.quantity, "unit", False, 0, line.amount),),
        0, t.total, t.affected, t.exento, t.neto, t.iva,
        tuple(sales.TenderTaken(x.kind.value, x.amount, settled.received(x.kind)) for x in tenders),
        settled.rounding, settled.change, document, customer_id=customer_id,
        fiado=fiado_events.FiadoCharge(on_credit, 0, 1_000_000))


def refund_of(sale: sales.SaleCompleted, return_id: str, folio: int | None = 9) -> returns.ReturnCompleted:
    """The whole sale given back, its fiado part credited to the account (a sale all on credit)."""
    line = sale.lines[0]
    return returns.ReturnCompleted(
        return_id, sale.sale_id, "SH-1", "u-ana", "u-sup", "vencido",
        (returns.LineReturned(1, line.sku, line.name, line.unit_price, line.quantity, "unit", False, line.amount),),
        sale.total, sale.neto, sale.iva, sale.exento, (sales.TenderTaken("fiado", sale.total, sale.total),), 39,
        sale.document.folio if sale.document else 1, True,
        sales.DocumentStamped(61, folio, "<TED/>", "2026-12-01T09:00:00") if folio else None,
        customer_id=sale.customer_id)


def paid(payment_id: str, customer_id: str, amount: int, kind: str = "cash") -> fiado_events.FiadoPaid:
    return fiado_events.FiadoPaid(payment_id, customer_id, "SH-1", "u-ana", kind, amount, amount, 0)


def reversed_(reversal_id: str, payment: fiado_events.FiadoPaid, reason: str = "abono duplicado"
              ) -> fiado_events.FiadoPaymentReversed:
    return fiado_events.FiadoPaymentReversed(reversal_id, payment.payment_id, payment.customer_id, "SH-1", "u-sup",
                                             reason, payment.kind, payment.amount)


# --- entries ---------------------------------------------------------------------------------------------------


def test_a_sale_on_fiado_is_one_charge_named_by_its_boleta() -> None:
    sale = fiado_sale(1, "C-1", 3000, 2000, folio=123)
    assert rules.problem(sale) is None
    [entry] = fiado.entries(envelope_of("E-1", datetime(2026, 12, 1, 9, 30, tzinfo=fiado.CHILE)), sale)
    assert entry == fiado.Entry("E-1", "C-1", "cargo", 3000, "S-1", "T-1", "Boleta N° 123", "V-1",
                                "2026-12-01T12:30:00.000000+00:00", counter_account="ventas_fiado")


def test_a_sale_without_fiado_or_without_a_customer_makes_no_entry() -> None:
    sale = fiado_sale(1, "C-1", 3000)
    assert fiado.entries(envelope_of("E-1", START), replace(sale, fiado=None)) == []
    assert fiado.entries(envelope_of("E-1", START), replace(sale, customer_id="")) == []
    assert fiado.entries(envelope_of("E-1", START), shifts.ShiftOpened("SH-1", 1, "u-ana", 10_000)) == []


def test_a_sale_without_document_is_named_by_its_number() -> None:
    [entry] = fiado.entries(envelope_of("E-1", START), fiado_sale(7, "C-1", 3000))
    assert entry.document == "Venta N° 7"


def test_payments_reversals_and_refunds_are_signed_entries_in_spanish() -> None:
    payment = paid("P-1", "C-1", 1000, "debit")
    [abono] = fiado.entries(envelope_of("E-2", START), payment)
    assert (abono.kind, abono.amount, abono.document, abono.reference, abono.counter_account) == (
        "abono", -1000, "Abono con débito", "P-1", "caja:debit")
    [cash] = fiado.entries(envelope_of("E-3", START), paid("P-2", "C-1", 500))
    assert cash.document == "Abono en efectivo"
    [reverso] = fiado.entries(envelope_of("E-4", START), reversed_("R-1", payment, "tarjeta rechazada"))
    assert (reverso.kind, reverso.amount, reverso.document, reverso.reverses) == (
        "reverso", 1000, "Reversa de abono: tarjeta rechazada", "P-1")
    [devolucion] = fiado.entries(envelope_of("E-5", START), refund_of(fiado_sale(1, "C-1", 3000, folio=5), "D-1"))
    assert (devolucion.kind, devolucion.amount, devolucion.document, devolucion.counter_account) == (
        "devolucion", -3000, "Devolución · Nota de crédito N° 9", "devoluciones")
    [no_nota] = fiado.entries(envelope_of("E-6", START), refund_of(fiado_sale(1, "C-1", 3000, folio=5), "D-2", None))
    assert no_nota.document == "Devolución de Boleta N° 5"


def test_a_long_reason_is_cut_to_fit_the_document() -> None:
    [reverso] = fiado.entries(envelope_of("E-4", START), reversed_("R-1", paid("P-1", "C-1", 1), "x" * 200))
    assert len(reverso.document) == fiado.DOCUMENT_MAX and reverso.document.endswith("…")


def test_a_forwarded_entry_comes_back_as_the_same_entry() -> None:
    [entry] = fiado.entries(envelope_of("E-1", START, store="S-2", terminal="T-9"), fiado_sale(1, "C-1", 3000))
    assert fiado.entries(envelope_of("OTHER", START), fiado.received(entry)) == [entry]
    old_master = replace(fiado.received(entry), counter_account="")
    assert fiado.entries(envelope_of("OTHER", START), old_master)[0].counter_account == "ventas_fiado"
    assert rules.problem(fiado.received(entry)) is None


def test_postings_are_two_equal_legs_on_the_customer_and_the_counter_account() -> None:
    charge = fiado.Entry("E-1", "C-1", "cargo", 3000, "S-1", "T-1", "Boleta N° 1", "V-1", "x",
                         counter_account="ventas_fiado")
    assert fiado.postings(charge) == (fiado.Posting("cliente:C-1", "debe", 3000),
                                      fiado.Posting("ventas_fiado", "haber", 3000))
    payment = fiado.Entry("E-2", "C-1", "abono", -1000, "S-1", "T-1", "Abono en efectivo", "P-1", "x",
                          counter_account="caja:cash")
    assert fiado.postings(payment) == (fiado.Posting("caja:cash", "debe", 1000),
                                       fiado.Posting("cliente:C-1", "haber", 1000))


# --- decision ---------------------------------------------------------------------------------------------------


def test_a_charge_within_the_limit_passes() -> None:
    assert fiado.decide_charge(20_000, 50_000, 30_000, offline=False, allowance=0, charged_offline=0) == \
        fiado.Decision(True, "", 30_000)


def test_a_charge_beyond_the_limit_needs_a_supervisor() -> None:
    decision = fiado.decide_charge(20_000, 50_000, 30_001, offline=False, allowance=0, charged_offline=0)
    assert not decision.ok and decision.headroom == 30_000
    assert decision.reason_es == ("Supera el cupo: saldo $20.000, límite $50.000, disponible $30.000. Requiere "
                                  "autorización de supervisor")


def test_offline_a_customer_is_charged_at_most_the_allowance_since_the_last_pull() -> None:
    ok = fiado.decide_charge(0, 50_000, 4000, offline=True, allowance=10_000, charged_offline=6000)
    assert ok == fiado.Decision(True, "", 4000)
    over = fiado.decide_charge(0, 50_000, 4001, offline=True, allowance=10_000, charged_offline=6000)
    assert not over.ok and "Sin conexión" in over.reason_es and "ya fiado $6.000" in over.reason_es
    assert not fiado.decide_charge(0, 50_000, 1, offline=True, allowance=0, charged_offline=0).ok


def test_saldo_a_favor_widens_the_headroom_and_no_limit_means_no_fiado() -> None:
    assert fiado.decide_charge(-5000, 10_000, 15_000, offline=False, allowance=0, charged_offline=0).ok
    assert not fiado.decide_charge(0, 0, 1, offline=False, allowance=0, charged_offline=0).ok


@pytest.mark.parametrize(("amount", "limit", "allowance", "charged"), [(0, 1, 0, 0), (1, -1, 0, 0), (1, 1, -1, 0),
                                                                        (1, 1, 0, -1)])
def test_a_bad_amount_is_refused_in_spanish(amount: int, limit: int, allowance: int, charged: int) -> None:
    with pytest.raises(errors.InvalidAmount):
        fiado.decide_charge(0, limit, amount, offline=False, allowance=allowance, charged_offline=charged)


# --- reversals, statements, overdue days -----------------------------------------------------------------------


def _entry(entry_id: str, kind: str, amount: int, at: datetime, *, reference: str = "", reverses: str = "",
           customer_id: str = "C-1") -> fiado.Entry:
    return fiado.Entry(entry_id, customer_id, kind, fiado.SIGN[kind] * amount, "S-1", "T-1", f"{kind} {entry_id}",
                       reference or entry_id, fiado.utc_at(at.isoformat()), reverses)


def test_a_reversal_of_a_reversal_an_unknown_or_a_reversed_payment_is_refused() -> None:
    items = [_entry("E-1", "cargo", 5000, START), _entry("E-2", "abono", 2000, START, reference="P-1"),
             _entry("E-3", "reverso", 2000, START, reference="R-1", reverses="P-1")]
    with pytest.raises(errors.ReversalOfReversal, match="una reversa no se revierte"):
        fiado.check_reversal(items, "R-1")
    with pytest.raises(errors.PaymentAlreadyReversed, match="ya fue reversado"):
        fiado.check_reversal(items, "P-1")
    with pytest.raises(errors.UnknownPayment, match="no existe"):
        fiado.check_reversal(items, "P-9")
    assert fiado.check_reversal(items[:2], "P-1") == items[1]


def test_a_statement_opens_with_the_balance_before_and_runs_line_by_line() -> None:
    day = timedelta(days=1)
    items = [_entry("E-1", "cargo", 5000, START), _entry("E-2", "cargo", 3000, START + 2 * day),
             _entry("E-3", "abono", 4000, START + 3 * day), _entry("E-4", "cargo", 1000, START + 9 * day)]
    s = fiado.statement(items, date(2026, 12, 2), date(2026, 12, 5))
    assert (s.opening, s.closing) == (5000, 4000)
    assert [(x.date, x.cargo, x.abono, x.balance) for x in s.lines] == [
        (date(2026, 12, 3), 3000, 0, 8000), (date(2026, 12, 4), 0, 4000, 4000)]
    empty = fiado.statement(items, date(2026, 12, 6), date(2026, 12, 7))
    assert (empty.opening, empty.lines, empty.closing) == (4000, (), 4000)
    with pytest.raises(errors.InvalidInput, match="posterior"):
        fiado.statement(items, date(2026, 12, 7), date(2026, 12, 6))


def test_a_statement_counts_chile_calendar_days() -> None:
    late = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)  # 23:30 of the 1st in Santiago (UTC-3 in summer)
    s = fiado.statement([_entry("E-1", "cargo", 5000, late)], date(2026, 12, 1), date(2026, 12, 1))
    assert [x.date for x in s.lines] == [date(2026, 12, 1)]


def test_overdue_days_count_from_the_oldest_charge_left_unpaid() -> None:
    day = timedelta(days=1)
    items = [_entry("E-1", "cargo", 5000, START), _entry("E-2", "cargo", 3000, START + 4 * day),
             _entry("E-3", "abono", 6000, START + 5 * day)]
    ledger = fiado.fold(items)
    assert ledger.oldest_unpaid_at("C-1") == items[1].at
    assert fiado.overdue_days(ledger, "C-1", date(2026, 12, 10)) == 5
    reversal = _entry("E-4", "reverso", 6000, START + 6 * day, reverses="E-3")
    assert fiado.overdue_days(fiado.fold([*items, reversal]), "C-1", date(2026, 12, 10)) == 9
    paid_up = fiado.fold([*items, _entry("E-5", "abono", 2000, START + 7 * day)])
    assert (paid_up.balance("C-1"), fiado.overdue_days(paid_up, "C-1", date(2026, 12, 10))) == (0, None)


def test_an_alias_counts_for_the_customer_it_was_merged_into() -> None:
    items = [_entry("E-1", "cargo", 5000, START), _entry("E-2", "cargo", 3000, START, customer_id="C-2")]
    ledger = fiado.fold(items, {"C-2": "C-1"})
    assert ledger.balance("C-1") == ledger.balance("C-2") == 8000
    assert ledger.accounts["C-1"].entries == 2 and "C-2" not in ledger.accounts
    assert fiado.fold(items, {"C-1": "C-2", "C-2": "C-1"}).balance("C-1") == 8000  # a cycle does not loop


def test_a_bad_time_is_refused_in_spanish() -> None:
    with pytest.raises(errors.InvalidInput, match="fecha y hora inválida"):
        fiado.utc_at("ayer")
    assert fiado.utc_at("2026-12-01T09:00:00") == "2026-12-01T09:00:00.000000+00:00"


# --- properties over random weeks -------------------------------------------------------------------------------


@dataclass
class Week:
    """What the random week did, kept apart from the ledger: the expected balance per customer."""

    now: datetime = START
    n: int = 0
    journal: list[fiado.Entry] = field(default_factory=list)
    owed: dict[str, int] = field(default_factory=dict)
    payments: list[fiado_events.FiadoPaid] = field(default_factory=list)
    reversals: list[str] = field(default_factory=list)
    sales_on_credit: list[sales.SaleCompleted] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    def journal_event(self, event: object, minutes: int, terminal: str) -> list[fiado.Entry]:
        self.n += 1
        self.now += timedelta(minutes=minutes)
        offset = self.now.astimezone(fiado.CHILE)  # tills stamp their local time, with its offset
        made = fiado.entries(envelope_of(f"E-{self.n:05}", offset, terminal=terminal), event)
        self.journal += made
        return made


CUSTOMERS = ("C-1", "C-2", "C-3")
step = st.tuples(st.sampled_from(("charge", "pay", "reverse", "return", "again", "merge")),
                 st.sampled_from(CUSTOMERS), st.integers(1, 50_000), st.integers(0, 3000), st.integers(0, 10**6),
                 st.sampled_from(("T-1", "T-2", "T-3")))


def play(steps: list[tuple[str, str, int, int, int, str]]) -> Week:
    week = Week()
    for what, customer, amount, minutes, pick, terminal in steps:
        if what == "charge":
            sale = fiado_sale(week.n + 1, customer, amount, folio=week.n + 1)
            week.journal_event(sale, minutes, terminal)
            week.sales_on_credit.append(sale)
            week.owed[customer] = week.owed.get(customer, 0) + amount
        elif what == "pay":
            payment = paid(f"P-{week.n + 1}", customer, amount, ("cash", "debit", "transfer")[pick % 3])
            week.journal_event(payment, minutes, terminal)
            week.payments.append(payment)
            week.owed[customer] = week.owed.get(customer, 0) - amount
        elif what == "reverse" and (week.payments or week.reversals):
            names = [p.payment_id for p in week.payments] + week.reversals
            target = names[pick % len(names)]
            try:
                fiado.check_reversal(week.journal, target)
            except errors.ReversalOfReversal:
                assert target in week.reversals
                continue
            except errors.PaymentAlreadyReversed:
                assert any(x.reverses == target for x in week.journal)
                continue
            payment = next(p for p in week.payments if p.payment_id == target)
            reversal_id = f"R-{week.n + 1}"
            week.journal_event(reversed_(reversal_id, payment), minutes, terminal)
            week.reversals.append(reversal_id)
            week.owed[payment.customer_id] += payment.amount
        elif what == "return" and week.sales_on_credit:
            sale = week.sales_on_credit.pop(pick % len(week.sales_on_credit))
            refund = refund_of(sale, f"D-{week.n + 1}", week.n + 1)
            assert rules.problem(refund) is None
            week.journal_event(refund, minutes, terminal)
            week.owed[sale.customer_id] -= sale.total
        elif what == "again" and week.journal:  # the master forwards an entry to the till that made it
            original = week.journal[pick % len(week.journal)]
            week.journal_event(fiado.received(original), minutes, terminal)
        elif what == "merge" and customer != "C-1" and customer not in week.aliases:
            week.aliases[customer] = "C-1"
    return week


def survivor_owes(week: Week, customer: str) -> int:
    return sum(v for c, v in week.owed.items() if c == customer or week.aliases.get(c) == customer)


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=60))
def test_a_random_week_balances_every_way(steps: list[tuple[str, str, int, int, int, str]]) -> None:
    week = play(steps)
    ledger = fiado.fold(week.journal, week.aliases)
    distinct = fiado.unique(week.journal)
    assert len(distinct) <= len(week.journal)
    for customer in CUSTOMERS:
        if customer in week.aliases:
            assert ledger.balance(customer) == ledger.balance("C-1")
            continue
        own = [x for x in distinct if ledger.survivor(x.customer_id) == customer]
        legs = [p for x in own for p in fiado.postings(x)]
        on_account = sum(p.signed for p in legs if p.account.startswith("cliente:"))
        assert ledger.balance(customer) == survivor_owes(week, customer) == fiado.balance(own) == on_account
        assert sum(p.signed for p in legs) == 0  # every entry's two legs cancel out
        assert (ledger.oldest_unpaid_at(customer) is None) == (ledger.balance(customer) <= 0)
        whole = fiado.statement(own, date(2026, 11, 30), date(2027, 1, 31))
        assert (whole.opening, whole.closing) == (0, ledger.balance(customer))


@settings(max_examples=100, deadline=None)
@given(st.lists(step, max_size=40), st.integers(0, 20), st.integers(0, 20))
def test_a_statement_closes_at_its_opening_plus_its_lines(steps: list[tuple[str, str, int, int, int, str]],
                                                           first: int, days: int) -> None:
    week = play(steps)
    start = date(2026, 12, 1) + timedelta(days=first)
    s = fiado.statement(week.journal, start, start + timedelta(days=days))
    assert s.closing == s.opening + sum(x.cargo - x.abono for x in s.lines)
    before = [x for x in fiado.unique(week.journal) if fiado.local_date(x.at) < start]
    assert s.opening == fiado.balance(before)
    assert all((x.cargo == 0) != (x.abono == 0) for x in s.lines)


@settings(max_examples=100, deadline=None)
@given(st.lists(step, max_size=50), st.lists(st.integers(0, 2), max_size=50))
def test_every_till_folds_what_the_master_folds_after_a_pull(steps: list[tuple[str, str, int, int, int, str]],
                                                             pulls: list[int]) -> None:
    """Three tills journal their own entries; the master folds them all and forwards each to the other tills (a
    till may also get its own back); after every till pulled, each till's ledger is the master's."""
    week = play([s for s in steps if s[0] != "again"])
    tills: dict[str, list[fiado.Entry]] = {"T-1": [], "T-2": [], "T-3": []}
    for x in week.journal:
        tills[x.terminal_id].append(x)
    master = list(week.journal)
    for n, x in enumerate(master):  # what each till pulls: everything, some of it delivered twice
        copies = 2 if pulls and pulls[n % len(pulls)] == 1 else 1
        for own in tills.values():
            for _ in range(copies):
                own += fiado.entries(envelope_of(f"FEED-{n}", START), fiado.received(x))
    folded = fiado.fold(master, week.aliases)
    for own in tills.values():
        ledger = fiado.fold(own, week.aliases)
        assert ledger.accounts == folded.accounts
