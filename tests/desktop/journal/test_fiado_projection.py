"""Customers and fiado read models on real journal files: each event's entry in the ledger (in the transaction
that journals it), balances kept in step, merges from the master, what a plain sale costs, and a rebuild that
gives the same rows."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from desktop import cli
from desktop.journal import fiado_projection, fiado_queries
from shared import money
from shared.events import fiado as ev
from shared.events import returns, sales
from shared.sale import Tender, TenderKind

ROSA, JUAN = "0190a000-0000-7000-8000-00000000a001", "0190a000-0000-7000-8000-00000000a002"


@pytest.fixture
def till(make_terminal):
    term = make_terminal()
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.open(ana, 10_000)
    term.checkout.start(ana, shift.shift_id)
    term.journal.append(ev.CustomerProfileSaved(ROSA, "Rosa Muñoz", "12345678-5", "+56 9 8765 4321", "Los Aromos 12",
                                                "paga los viernes", "ana"),
                        ev.FiadoAccountSet(ROSA, True, 50_000, "admin"))
    return term


def _cash_sale(term) -> sales.SaleCompleted:
    term.checkout.scan("7801234567894")
    total = term.checkout.sale.totals().total
    return term.checkout.complete((Tender(TenderKind.CASH, 2000 + total),)).event


def _fiado_sale(term, customer: str, amount: int) -> sales.SaleCompleted:
    """A sale of ``amount`` put whole on ``customer``'s account (journaled as the checkout does with a fiado
    tender; no document so the template's folio is not used twice)."""
    template = _cash_sale(term)
    account = fiado_queries.account(term.journal.conn, customer)
    line = dataclasses.replace(template.lines[0], quantity=template.lines[0].quantity, amount=amount,
                               unit_price=amount, discount=0)
    neto = round(amount / 1.19)
    event = dataclasses.replace(
        template, sale_id=term.journal.new_id(), number=template.number + 1000 + len(term.journal.new_id()),
        lines=(line,), total=amount, affected=amount, neto=neto, iva=amount - neto, exento=0, discount=0,
        rounding=0, change=0, tenders=(sales.TenderTaken("fiado", amount, amount),), document=None,
        customer_id=customer, fiado=ev.FiadoCharge(amount, account.balance, account.limit))
    term.journal.append(event)
    return event


def _pay(term, customer: str, amount: int, kind: str = "cash", payment_id: str | None = None) -> ev.FiadoPaid:
    shift = term.shifts.current()
    paid = ev.FiadoPaid(payment_id or term.journal.new_id(), customer, shift.shift_id, "ana", kind, amount, amount,
                        fiado_queries.account(term.journal.conn, customer).balance)
    term.journal.append(paid)
    return paid


def _received(entry_id: str, customer: str, kind: str, amount: int, at: str, **more: str) -> ev.FiadoEntryReceived:
    return ev.FiadoEntryReceived(entry_id, customer, kind, amount, more.get("store_id", "norte"),
                                 more.get("terminal_id", "caja-9"), more.get("document", "Boleta N° 77 · Norte"),
                                 more.get("reference", "s-77"), at, more.get("reverses", ""))


def _rebuild_is_identical(term) -> None:
    before = cli.projection_digest(term.journal.conn)
    assert {"people", "fiado_entries", "fiado_balances"} <= set(before)
    term.journal.rebuild_projections()
    assert cli.projection_digest(term.journal.conn) == before


def _entries(term) -> list[tuple]:
    return term.journal.conn.execute("SELECT kind, amount, customer_id FROM fiado_entries ORDER BY at, entry_id"
                                     ).fetchall()


def test_a_plain_cash_sale_adds_no_statement(till):
    statements: list[str] = []
    till.journal.conn.set_trace_callback(statements.append)
    try:
        _cash_sale(till)
    finally:
        till.journal.conn.set_trace_callback(None)
    ours = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+(people|customer_aliases|fiado_\w+|sync_state)\b")
    assert statements and not [s for s in statements if ours.search(s)]
    assert _entries(till) == []


def test_a_profile_is_found_by_name_rut_and_phone(till):
    conn = till.journal.conn
    till.journal.append(ev.CustomerProfileSaved(JUAN, "Juan Pérez-Soto", "", "22 345 6789", "", "", "ana"))
    assert [c.name for c in fiado_queries.find_customers(conn, "rosa")] == ["Rosa Muñoz"]
    assert [c.name for c in fiado_queries.find_customers(conn, "MUNOZ")] == ["Rosa Muñoz"]
    assert [c.name for c in fiado_queries.find_customers(conn, "12.345.678-5")] == ["Rosa Muñoz"]
    assert [c.name for c in fiado_queries.find_customers(conn, "123456785")] == ["Rosa Muñoz"]
    assert [c.name for c in fiado_queries.find_customers(conn, "8765 4321")] == ["Rosa Muñoz"]
    assert [c.name for c in fiado_queries.find_customers(conn, "perez so")] == ["Juan Pérez-Soto"]
    assert [c.name for c in fiado_queries.find_customers(conn, "")] == ["Juan Pérez-Soto", "Rosa Muñoz"]
    assert fiado_queries.find_customers(conn, "pedro") == []
    rosa = fiado_queries.customer(conn, ROSA)
    assert rosa is not None and (rosa.rut, rosa.address, rosa.notes, rosa.source) == (
        "12345678-5", "Los Aromos 12", "paga los viernes", "till")
    assert fiado_queries.customer(conn, "0190a000-0000-7000-8000-00000000ffff") is None


def test_charges_and_payments_keep_the_balance_and_the_oldest_unpaid_charge(till, clock):
    conn = till.journal.conn
    first = _fiado_sale(till, ROSA, 3000)
    clock.advance(days=2)
    _fiado_sale(till, ROSA, 2000)
    account = fiado_queries.account(conn, ROSA)
    assert (account.enabled, account.limit, account.balance, account.headroom) == (True, 50_000, 5000, 45_000)
    assert account.charged_offline == 5000 and account.entries == 2
    started = account.oldest_unpaid_at
    assert started.endswith("+00:00") and started.startswith("2026-11-20T12:3")  # 09:30 Chile = 12:30 UTC
    clock.advance(days=1)
    _pay(till, ROSA, 3500)  # pays the first charge and part of the second: the second is the oldest unpaid
    account = fiado_queries.account(conn, ROSA)
    assert account.balance == 1500 and account.oldest_unpaid_at.startswith("2026-11-22T12:3")
    _pay(till, ROSA, 1500)
    account = fiado_queries.account(conn, ROSA)
    assert (account.balance, account.oldest_unpaid_at) == (0, "")
    assert [(k, a) for k, a, _c in _entries(till)] == [("cargo", 3000), ("cargo", 2000), ("abono", -3500),
                                                      ("abono", -1500)]
    row = conn.execute("SELECT entry_id, reference, counter_account FROM fiado_entries WHERE kind = 'cargo'"
                       " ORDER BY at LIMIT 1").fetchone()
    assert row[1] == first.sale_id and row[2] == "ventas_fiado"
    assert row[0] == next(e.event_id for e in till.journal.read() if e.payload.get("sale_id") == first.sale_id)
    _rebuild_is_identical(till)


def test_a_reversal_puts_the_payment_back_and_marks_it(till, clock):
    conn = till.journal.conn
    _fiado_sale(till, ROSA, 4000)
    clock.advance(hours=1)
    paid = _pay(till, ROSA, 4000, "debit")
    assert fiado_queries.account(conn, ROSA).oldest_unpaid_at == ""
    payment = fiado_queries.payment(conn, paid.payment_id)
    assert payment is not None and (payment.kind, payment.amount, payment.reversed) == ("debit", 4000, False)
    clock.advance(hours=1)
    shift = till.shifts.current()
    till.journal.append(ev.FiadoPaymentReversed(till.journal.new_id(), paid.payment_id, ROSA, shift.shift_id,
                                                "admin", "voucher rechazado", "debit", 4000))
    account = fiado_queries.account(conn, ROSA)
    assert account.balance == 4000 and account.oldest_unpaid_at != ""  # the charge is unpaid again
    payment = fiado_queries.payment(conn, paid.payment_id)
    assert payment is not None and payment.reversed and payment.reversal_id
    assert [p.payment_id for p in fiado_queries.payments(conn, ROSA)] == [paid.payment_id]
    assert fiado_queries.payment(conn, payment.reversal_id) is None  # a reversal is no payment to reverse
    _rebuild_is_identical(till)


def test_a_return_of_a_fiado_sale_credits_the_account(till):
    conn = till.journal.conn
    sale = _fiado_sale(till, ROSA, 2300)
    line = sale.lines[0]
    split = money.split_iva(2300, 0)
    till.journal.append(returns.ReturnCompleted(
        till.journal.new_id(), sale.sale_id, sale.shift_id, "ana", "admin", "vencido",
        (returns.LineReturned(line.line_id, line.sku, line.name, line.unit_price, line.quantity, line.sold_by,
                              line.iva_exempt, line.amount),), 2300, split.neto, split.iva, 0,
        (sales.TenderTaken("fiado", 2300, 2300),), 39, 1, True, None, ROSA))
    assert fiado_queries.account(conn, ROSA).balance == 0
    assert [(k, a) for k, a, _c in _entries(till)] == [("cargo", 2300), ("devolucion", -2300)]
    _rebuild_is_identical(till)


def test_entries_forwarded_by_the_master_count_once(till):
    conn = till.journal.conn
    own = _fiado_sale(till, ROSA, 1000)
    own_entry = next(e for e in till.journal.read() if e.payload.get("sale_id") == own.sale_id).event_id
    till.journal.append(
        _received("0190a000-0000-7000-8000-0000000000e1", ROSA, "cargo", 2500, "2026-11-19T20:00:00Z"),
        _received(own_entry, ROSA, "cargo", 1000, "2026-11-20T12:30:00Z", store_id="demo-store"),
        _received("0190a000-0000-7000-8000-0000000000e1", ROSA, "cargo", 2500, "2026-11-19T20:00:00Z"))
    account = fiado_queries.account(conn, ROSA)
    assert account.balance == 3500 and account.entries == 2
    assert account.oldest_unpaid_at == "2026-11-19T20:00:00.000000+00:00"  # the older charge made elsewhere
    assert account.charged_offline == 1000  # what the master made elsewhere is not this till's offline charge
    assert fiado_projection.known_entries(conn, [own_entry, "nope"]) == {own_entry}
    _rebuild_is_identical(till)


def test_a_merge_from_the_master_folds_the_alias_into_the_survivor(till):
    conn = till.journal.conn
    _fiado_sale(till, ROSA, 1200)
    till.journal.append(_received("0190a000-0000-7000-8000-0000000000e2", JUAN, "cargo", 800,
                                  "2026-11-18T15:00:00Z"))
    assert fiado_queries.account(conn, JUAN).balance == 800
    till.journal.append(ev.CustomerReceived(JUAN, "Juan Pérez", "12345678-5", "", "", "", True, 70_000, (ROSA,)))
    assert fiado_queries.customer(conn, ROSA).customer_id == JUAN  # type: ignore[union-attr]
    assert [c.customer_id for c in fiado_queries.find_customers(conn, "")] == [JUAN]
    for asked in (ROSA, JUAN):
        account = fiado_queries.account(conn, asked)
        assert (account.customer_id, account.balance, account.limit, account.enabled) == (JUAN, 2000, 70_000, True)
        assert account.oldest_unpaid_at == "2026-11-18T15:00:00.000000+00:00"
    _fiado_sale(till, ROSA, 500)  # a sale on the old id still counts for the survivor
    assert fiado_queries.account(conn, JUAN).balance == 2500
    assert conn.execute("SELECT COUNT(*) FROM fiado_balances").fetchone()[0] == 1
    _rebuild_is_identical(till)


def test_settings_and_accounts_as_last_set(till):
    conn = till.journal.conn
    assert fiado_queries.settings(conn) == fiado_queries.Settings()
    till.journal.append(ev.FiadoSettingsSet(5000, "credit", "admin"))
    settings = fiado_queries.settings(conn)
    assert (settings.offline_allowance, settings.overpayment, settings.set_by) == (5000, "credit", "admin")
    till.journal.append(ev.FiadoAccountSet(ROSA, False, 0, "admin"))
    account = fiado_queries.account(conn, ROSA)
    assert (account.enabled, account.headroom) == (False, 0)
    unknown = fiado_queries.account(conn, JUAN)
    assert (unknown.enabled, unknown.limit, unknown.balance, unknown.entries) == (False, 0, 0, 0)


def test_a_successful_pull_resets_what_was_charged_offline_and_a_rebuild_agrees(till):
    conn = till.journal.conn
    _fiado_sale(till, ROSA, 1000)
    epoch, head = till.journal.identity.epoch, till.journal.head[0]
    with till.journal.unit_of_work() as uow:
        fiado_projection.pulled(uow.conn, epoch, head, "2026-11-20T09:40:00-03:00")
    assert fiado_queries.account(conn, ROSA).charged_offline == 0
    assert fiado_queries.last_pull(conn) == "2026-11-20T09:40:00-03:00"
    _fiado_sale(till, ROSA, 700)
    assert fiado_queries.account(conn, ROSA).charged_offline == 700
    _rebuild_is_identical(till)
    assert fiado_queries.account(conn, ROSA).charged_offline == 700


def test_balances_list_with_balance_and_overdue(till, clock):
    conn = till.journal.conn
    till.journal.append(ev.CustomerProfileSaved(JUAN, "Juan Pérez", "", "", "", "", "ana"))
    _fiado_sale(till, ROSA, 9000)
    rows = fiado_queries.balances(conn, now=clock() + timedelta(days=40))
    assert [(r.name, r.balance, r.headroom, r.overdue_days) for r in rows] == [
        ("Rosa Muñoz", 9000, 41_000, 40), ("Juan Pérez", 0, 0, None)]
    assert [r.name for r in fiado_queries.balances(conn, only_with_balance=True)] == ["Rosa Muñoz"]
    assert fiado_queries.balances(conn, overdue_only=True, now=clock() + timedelta(days=10)) == []
    assert [r.name for r in fiado_queries.balances(conn, "rosa", overdue_only=True,
                                                   now=clock() + timedelta(days=31))] == ["Rosa Muñoz"]


def test_a_payment_taken_at_another_terminal_can_be_found_to_reverse(till):
    conn = till.journal.conn
    elsewhere = "0190a000-0000-7000-8000-0000000000c1"
    till.journal.append(_received("0190a000-0000-7000-8000-0000000000e5", ROSA, "cargo", 6000, "2026-11-19T13:00:00Z"),
                        ev.FiadoEntryReceived("0190a000-0000-7000-8000-0000000000e6", ROSA, "abono", 2500, "norte",
                                              "caja-9", "Abono con débito", elsewhere, "2026-11-19T14:00:00Z",
                                              counter_account="caja:debit"))
    local = _pay(till, ROSA, 1000)
    found = fiado_queries.payment(conn, elsewhere)
    assert found is not None
    assert (found.customer_id, found.kind, found.amount, found.reversed) == (ROSA, "debit", 2500, False)
    assert [p.payment_id for p in fiado_queries.payments(conn, ROSA)] == [local.payment_id, elsewhere]
    till.journal.append(_received("0190a000-0000-7000-8000-0000000000e7", ROSA, "reverso", 2500,
                                  "2026-11-19T15:00:00Z", reverses=elsewhere, reference="rev-1"))
    found = fiado_queries.payment(conn, elsewhere)
    assert found is not None and found.reversed and found.reversal_id == "rev-1"
    assert fiado_queries.account(conn, ROSA).balance == 6000 - 1000
    _rebuild_is_identical(till)


def test_a_fact_of_this_till_forwarded_under_a_new_id_counts_once(till):
    """After a restore, the carried entries are sealed again with new ids: the master knows those, the read models
    the originals; the forwarded copy of a sale of this terminal is the same fact."""
    conn = till.journal.conn
    sale = _fiado_sale(till, ROSA, 1800)
    ident = till.journal.identity
    copy = _received("0190a000-0000-7000-8000-0000000000e9", ROSA, "cargo", 1800, "2026-11-20T12:30:05Z",
                     store_id=ident.store_id, terminal_id=ident.terminal_id, reference=sale.sale_id)
    till.journal.append(copy)
    assert fiado_queries.account(conn, ROSA).balance == 1800
    till.journal.append(dataclasses.replace(copy, entry_id="0190a000-0000-7000-8000-0000000000ea",
                                            terminal_id="caja-9"))  # another terminal's is another fact
    assert fiado_queries.account(conn, ROSA).balance == 3600
    _rebuild_is_identical(till)



def test_the_masters_flags_are_kept_with_the_customer_until_the_master_drops_them(till):
    conn = till.journal.conn
    flag = "Saldo de $62.300 sobre el límite de $50.000: cargos desde 2 cajas que no se conocían entre sí."
    till.journal.append(ev.CustomerReceived(ROSA, "Rosa Muñoz", "", "", "", "", True, 50_000, flags=(flag,)))
    assert fiado_queries.flags(conn, ROSA) == (flag,)
    assert [(r.customer_id, r.flags) for r in fiado_queries.balances(conn)] == [(ROSA, (flag,))]
    _rebuild_is_identical(till)
    merged = "Se unió «Rosa M.» con «Juan Pérez»: los dos tenían saldo."
    till.journal.append(ev.CustomerReceived(JUAN, "Juan Pérez", "", "", "", "", True, 70_000, (ROSA,),
                                            flags=(merged,)))
    assert (fiado_queries.flags(conn, ROSA), fiado_queries.flags(conn, JUAN)) == ((), (merged,))
    till.journal.append(ev.CustomerReceived(JUAN, "Juan Pérez", "", "", "", "", True, 70_000, (ROSA,)))
    assert fiado_queries.flags(conn, JUAN) == ()
    assert conn.execute("SELECT COUNT(*) FROM customer_flags").fetchone()[0] == 0
    _rebuild_is_identical(till)


def test_the_settings_the_master_forwards_replace_the_ones_set_here(till):
    conn = till.journal.conn
    till.journal.append(ev.FiadoSettingsSet(5000, "credit", "admin"))
    till.journal.append(ev.FiadoSettingsReceived(12_000, "refuse", "marta", "2026-11-20T13:00:00.000Z"))
    settings = fiado_queries.settings(conn)
    assert (settings.offline_allowance, settings.overpayment, settings.set_by, settings.set_at) == (
        12_000, "refuse", "marta", "2026-11-20T13:00:00.000Z")
    _rebuild_is_identical(till)
