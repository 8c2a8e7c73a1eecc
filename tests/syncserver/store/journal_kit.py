"""A store's week pushed to the master for the libro diario's tests: tills of centro and norte journal a purchase
(the day before), a shift with a cash sale rounded by Ley 20.956, a sale partly on fiado, a payment and its
reversal, a return, a reversal of an unknown payment (quarantined), a count, a merma, a cash move and the close,
and a sale the day after; norte a purchase. Days 01..03-12-2026 are the period the tests read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from shared import money
from shared.events import envelope, returns, sales, shifts
from tests.syncserver.dte.folio_kit import Db, Till
from tests.syncserver.ingest import back_office_kit as bo
from tests.syncserver.ingest import fiado_kit as kit

CUSTOMER_NAME = "Juana Pérez"


@dataclass(frozen=True)
class Seeded:
    """The tills and the entries the tests single out: ``before`` and ``after`` the period, ``stray`` quarantined."""

    data: Db
    centro: Till
    norte: Till
    before: envelope.Envelope
    after: envelope.Envelope
    stray: envelope.Envelope


def cash_sale(price: int, handed: int, cost: int) -> sales.SaleCompleted:
    """One unit of ACE-1 at ``price`` paid in cash (Ley 20.956: the cash due rounded to $10)."""
    split = money.split_iva(price)
    due = money.round_cash(price)
    line = sales.LineSold(1, "ACE-1", "Aceite", price, Decimal(1), "unit", False, 0, price, cost=cost)
    return sales.SaleCompleted(str(uuid.uuid4()), 7, "s1", "ana", (line,), 0, price, price, 0, split.neto, split.iva,
                               (sales.TenderTaken("cash", handed, due),), due - price, handed - due)


def return_one(sale: sales.SaleCompleted) -> returns.ReturnCompleted:
    line = sale.lines[0]
    return returns.ReturnCompleted(
        str(uuid.uuid4()), sale.sale_id, "s1", "ana", "pepe", "vencido",
        (returns.LineReturned(1, line.sku, line.name, line.unit_price, Decimal(1), "unit", False, line.unit_price),),
        line.unit_price, sale.neto, sale.iva, 0, (sales.TenderTaken("debit", line.unit_price, line.unit_price),), 39,
        1, True)


def seed(pg_database: str) -> Seeded:
    """Tenant 1 (``back_office_kit.world``) with the week above pushed."""
    data = bo.world(pg_database)
    centro, norte = bo.enroll(data, "centro"), bo.enroll(data, "norte")
    juana = str(uuid.uuid4())
    before = kit.record(centro, bo.purchase("ACE-1", "10", 8_000, "centro"), "2026-11-30T10:00:00-03:00")
    kit.record(centro, shifts.ShiftOpened("s1", 1, "ana", 20_000), "2026-12-01T08:00:00-03:00")
    kit.record(centro, kit.profile(juana, CUSTOMER_NAME, kit.RUT_JUANA), "2026-12-01T08:01:00-03:00")
    kit.record(centro, kit.account(juana, 50_000), "2026-12-01T08:02:00-03:00")
    cash = cash_sale(1_995, 2_000, 800)
    kit.record(centro, cash, "2026-12-01T09:00:00-03:00")
    on_credit = kit.fiado_sale(juana, 3_000, cash=1_000, limit=50_000)
    kit.record(centro, on_credit, "2026-12-01T09:30:00-03:00")
    payment = kit.paid(juana, 2_000)
    kit.record(centro, payment, "2026-12-02T10:00:00-03:00")
    kit.record(centro, kit.reversed_(payment.payment_id, juana, 2_000), "2026-12-02T11:00:00-03:00")
    kit.record(centro, return_one(cash), "2026-12-02T12:00:00-03:00")
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
    return Seeded(data, centro, norte, before, after, stray)
