"""The libro diario at the master (``syncserver.store.general_journal``) against the throwaway PostgreSQL: tills
push purchases, sales (cash rounded, on fiado), a fiado payment and its reversal, a return, a count, a merma, cash
moves and a close; the master's journal for a period and store equals ``shared.accounting.fold`` of the tills' own
events (the inventory book folded alongside), balances, leaves out other days, other stores and quarantined events,
and its CSV reads back."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg_pool
import pytest

from shared import accounting as acc
from shared import errors, money
from shared.events import returns, sales, shifts
from syncserver.store import db, general_journal
from tests.syncserver.dte.folio_kit import CODEC, Db
from tests.syncserver.ingest import back_office_kit as bo
from tests.syncserver.ingest import fiado_kit as kit


def _cash_sale(price: int, handed: int, cost: int) -> sales.SaleCompleted:
    """One unit of ACE-1 at ``price`` paid in cash (Ley 20.956: the cash due rounded to $10)."""
    split = money.split_iva(price)
    due = money.round_cash(price)
    line = sales.LineSold(1, "ACE-1", "Aceite", price, Decimal(1), "unit", False, 0, price, cost=cost)
    return sales.SaleCompleted(str(uuid.uuid4()), 7, "s1", "ana", (line,), 0, price, price, 0, split.neto, split.iva,
                               (sales.TenderTaken("cash", handed, due),), due - price, handed - due)


def _return_one(sale: sales.SaleCompleted) -> returns.ReturnCompleted:
    line = sale.lines[0]
    return returns.ReturnCompleted(
        str(uuid.uuid4()), sale.sale_id, "s1", "ana", "pepe", "vencido",
        (returns.LineReturned(1, line.sku, line.name, line.unit_price, Decimal(1), "unit", False, line.unit_price),),
        line.unit_price, sale.neto, sale.iva, 0, (sales.TenderTaken("debit", line.unit_price, line.unit_price),), 39,
        1, True)


def _key(x: acc.JournalLine) -> tuple[Any, ...]:
    return (x.event_id, x.account, x.debit, x.credit, x.auxiliary, x.reference, x.document, x.at)


def test_the_masters_journal_equals_the_tills_events_booked_and_balances(pg_database: str) -> None:
    data: Db = bo.world(pg_database)
    centro, norte = bo.enroll(data, "centro"), bo.enroll(data, "norte")
    juana = str(uuid.uuid4())
    before = kit.record(centro, bo.purchase("ACE-1", "10", 8_000, "centro"), "2026-11-30T10:00:00-03:00")
    kit.record(centro, shifts.ShiftOpened("s1", 1, "ana", 20_000), "2026-12-01T08:00:00-03:00")
    kit.record(centro, kit.profile(juana, "Juana Pérez", kit.RUT_JUANA), "2026-12-01T08:01:00-03:00")
    kit.record(centro, kit.account(juana, 50_000), "2026-12-01T08:02:00-03:00")
    cash = _cash_sale(1_995, 2_000, 800)
    kit.record(centro, cash, "2026-12-01T09:00:00-03:00")
    on_credit = kit.fiado_sale(juana, 3_000, cash=1_000, limit=50_000)
    kit.record(centro, on_credit, "2026-12-01T09:30:00-03:00")
    payment = kit.paid(juana, 2_000)
    kit.record(centro, payment, "2026-12-02T10:00:00-03:00")
    kit.record(centro, kit.reversed_(payment.payment_id, juana, 2_000), "2026-12-02T11:00:00-03:00")
    kit.record(centro, _return_one(cash), "2026-12-02T12:00:00-03:00")
    stray = kit.record(centro, kit.reversed_(str(uuid.uuid4()), juana, 500), "2026-12-02T13:00:00-03:00")
    kit.record(centro, bo.counted("k-1", "centro", "ACE-1", "9", "8"), "2026-12-03T18:00:00-03:00")
    kit.record(centro, bo.merma("m-1", "centro", "ACE-1", "1", 800), "2026-12-03T18:30:00-03:00")
    kit.record(centro, shifts.CashMoved("s1", "out", 10_000, "depósito", "ana"), "2026-12-03T19:00:00-03:00")
    kit.record(centro, shifts.ShiftClosed("s1", "ana", (shifts.TenderCount("cash", 13_000),),
                                          (shifts.TenderCount("cash", 13_990),)), "2026-12-03T20:00:00-03:00")
    after = kit.record(centro, bo.sale("ACE-1", "1"), "2026-12-04T10:00:00-03:00")  # outside the period
    kit.record(norte, bo.purchase("ACE-1", "5", 4_000, "norte"), "2026-12-02T10:00:00-03:00")  # another store
    bo.push(data, centro)
    bo.push(data, norte)
    assert [(seq, type_) for seq, type_, _reason in bo.quarantined(data)] == [(stray.seq, stray.type)]

    async def read(pool: psycopg_pool.AsyncConnectionPool) -> dict[str, general_journal.GeneralJournal]:
        async with db.tenant_tx(pool, 1) as conn:
            return {"centro": await general_journal.journal(conn, 1, date(2026, 12, 1), date(2026, 12, 3),
                                                            ["centro"]),
                    "all": await general_journal.journal(conn, 1, date(2026, 11, 30), date(2026, 12, 4))}

    got = data.run(read)
    book = acc.fold("centro", [(e, CODEC.decode(e.type, e.version, e.payload)) for e in centro.journal], "ppp")
    expected = [x for x in book if x.event_id not in (before.event_id, after.event_id, stray.event_id)]
    journal = got["centro"]
    assert Counter(map(_key, journal.lines)) == Counter(map(_key, expected))
    assert journal.debit == journal.credit > 0
    assert journal.problems == [] and journal.unvalued == []
    assert journal.events == 9  # the shift's opening and the customer's profile and account book nothing
    sums = {b.account.code: b.balance for b in journal.trial_balance()}
    assert sums[acc.MERCADERIAS.code] == -800 + 800 - 800 - 800  # sold, returned, counted short, merma
    assert sums[acc.CLIENTES_FIADO.code] == 3_000
    assert sums[acc.REDONDEO.code] == -5  # the cash sale rounded down $5 for the customer
    assert sums[acc.DIFERENCIAS_CAJA.code] == 990
    everything = got["all"]
    assert everything.debit == everything.credit
    assert {x.store_id for x in everything.lines} == {"centro", "norte"}
    assert before.event_id in {x.event_id for x in everything.lines}
    assert after.event_id in {x.event_id for x in everything.lines}
    rows = list(csv.reader(io.StringIO(journal.csv().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(journal.lines) + 2
    assert rows[-1][10:] == [str(journal.debit), str(journal.credit)]


def test_a_period_backwards_or_longer_than_a_year_is_refused_in_spanish() -> None:
    with pytest.raises(errors.InvalidInput, match="posterior"):
        general_journal.bounds(date(2026, 12, 2), date(2026, 12, 1))
    with pytest.raises(errors.InvalidInput, match="366 días"):
        general_journal.bounds(date(2025, 1, 1), date(2026, 12, 31))
    low, high = general_journal.bounds(date(2026, 12, 1), date(2026, 12, 31))
    assert (low.isoformat(), high.isoformat()) == ("2026-12-01T00:00:00-03:00", "2027-01-01T00:00:00-03:00")
