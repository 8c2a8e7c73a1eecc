"""The till's fiado queries against ``shared.fiado`` on real journal files: over random histories (charges,
payments, reversals, returns, entries forwarded by the master, some twice and some older than the till's own, a
merge), the balances and oldest unpaid charges are ``shared.fiado.fold``'s, the statement is
``shared.fiado.statement``'s, its pages put together are the statement, and a rebuild gives the same rows."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

import pytest

from desktop import cli
from desktop.journal import fiado_queries
from shared import errors, fiado, money
from shared.events import fiado as ev
from shared.events import returns, sales
from shared.sale import Tender, TenderKind

PEOPLE = [f"0190a000-0000-7000-8000-00000000b00{n}" for n in range(3)]


def _ledger(conn) -> list[fiado.Entry]:
    return [fiado.Entry(*r) for r in conn.execute(
        "SELECT entry_id, customer_id, kind, amount, store_id, terminal_id, document, reference, at, reverses,"
        " counter_account FROM fiado_entries")]


def _history(term, clock, rng: random.Random, events: int) -> None:
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.open(ana, 0)
    term.checkout.start(ana, shift.shift_id)
    term.checkout.scan("7801234567894")
    template = term.checkout.complete((Tender(TenderKind.DEBIT, term.checkout.sale.totals().total),)).event
    journal = term.journal
    for n, who in enumerate(PEOPLE):
        journal.append(ev.CustomerProfileSaved(who, f"Cliente {n}", "", "", "", "", "ana"),
                       ev.FiadoAccountSet(who, True, 500_000, "admin"))
    sold: list[sales.SaleCompleted] = []
    paid: list[ev.FiadoPaid] = []
    forwarded: list[ev.FiadoEntryReceived] = []
    for i in range(events):
        clock.advance(hours=rng.randrange(1, 30))
        who = rng.choice(PEOPLE)
        roll = rng.random()
        if roll < 0.45:
            amount = rng.randrange(1, 40) * 250
            line = dataclasses.replace(template.lines[0], unit_price=amount, amount=amount)
            split = money.split_iva(amount, 0)
            sale = dataclasses.replace(
                template, sale_id=journal.new_id(), number=template.number + i + 1, lines=(line,), total=amount,
                affected=amount, neto=split.neto, iva=split.iva, document=None,
                tenders=(sales.TenderTaken("fiado", amount, amount),), customer_id=who,
                fiado=ev.FiadoCharge(amount, 0, 500_000))
            journal.append(sale)
            sold.append(sale)
        elif roll < 0.7:
            payment = ev.FiadoPaid(journal.new_id(), who, shift.shift_id, "ana", rng.choice(["cash", "debit"]),
                                   rng.randrange(1, 30) * 300, 0, 0)
            journal.append(dataclasses.replace(payment, received=payment.amount))
            paid.append(payment)
        elif roll < 0.78 and paid:
            payment = paid.pop(rng.randrange(len(paid)))
            journal.append(ev.FiadoPaymentReversed(journal.new_id(), payment.payment_id, payment.customer_id,
                                                   shift.shift_id, "admin", "rechazado", payment.kind,
                                                   payment.amount))
        elif roll < 0.85 and sold:
            sale = sold.pop(rng.randrange(len(sold)))
            line = sale.lines[0]
            split = money.split_iva(sale.total, 0)
            journal.append(returns.ReturnCompleted(
                journal.new_id(), sale.sale_id, sale.shift_id, "ana", "admin", "vencido",
                (returns.LineReturned(line.line_id, line.sku, line.name, line.unit_price, line.quantity,
                                      line.sold_by, line.iva_exempt, line.amount),), sale.total, split.neto,
                split.iva, 0, (sales.TenderTaken("fiado", sale.total, sale.total),), 39, 1, True, None,
                sale.customer_id))
        elif roll < 0.95 or not forwarded:
            at = clock() - timedelta(hours=rng.randrange(0, 72))  # made elsewhere, maybe before the last here
            kind = rng.choice(["cargo", "cargo", "abono"])
            entry = ev.FiadoEntryReceived(journal.new_id(), who, kind, rng.randrange(1, 20) * 500, "norte",
                                          "norte-1", "Boleta N° 9 · Norte" if kind == "cargo" else "Abono",
                                          "x", at.isoformat())
            journal.append(entry)
            forwarded.append(entry)
        else:
            journal.append(rng.choice(forwarded))  # the master sent it again
    journal.append(ev.CustomerReceived(PEOPLE[0], "Cliente 0", "", "", "", "", True, 900_000, (PEOPLE[2],)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tills_ledger_folds_and_states_as_shared_fiado(make_terminal, clock, seed):
    term = make_terminal()
    _history(term, clock, random.Random(seed), 160)
    conn = term.journal.conn
    ledger = fiado.fold(_ledger(conn), {PEOPLE[2]: PEOPLE[0]})
    assert set(ledger.accounts) == {PEOPLE[0], PEOPLE[1]}
    first, last = date(2026, 11, 1), clock().date() + timedelta(days=1)
    middle = first + (last - first) / 2
    for who in PEOPLE:
        account = fiado_queries.account(conn, who)
        folded = ledger.accounts[ledger.survivor(who)]
        assert (account.customer_id, account.balance, account.oldest_unpaid_at or None, account.entries) == (
            folded.customer_id, folded.balance, folded.oldest_unpaid_at, folded.entries)
        mine = [x for x in _ledger(conn) if ledger.survivor(x.customer_id) == folded.customer_id]
        for start, end in ((first, last), (middle, last), (first, middle), (middle, middle)):
            expected = fiado.statement(mine, start, end)
            assert fiado_queries.statement(conn, who, start, end) == expected
            rows, after = [], None
            while True:
                page = fiado_queries.statement_page(conn, who, start, end, after, limit=7)
                assert page.opening == expected.opening
                rows += page.rows
                if not page.more:
                    break
                after = (page.rows[-1].at, page.rows[-1].entry_id)
            assert tuple(rows) == expected.lines
    before = cli.projection_digest(conn)
    term.journal.rebuild_projections()
    assert cli.projection_digest(conn) == before


def test_a_statement_with_its_dates_the_wrong_way_round_is_refused(terminal):
    with pytest.raises(errors.InvalidInput, match="posterior"):
        fiado_queries.statement(terminal.journal.conn, PEOPLE[0], date(2026, 11, 20), date(2026, 11, 19))
