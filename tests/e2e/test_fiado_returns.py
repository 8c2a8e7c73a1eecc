"""A sale partly on fiado, returned in two parts at the till, reaches the master through a real sync: the first
return credits the account only, the second credits what is left of the fiado part and refunds the rest in cash
(two refunds); nothing is quarantined, the master records both refunds, its shift and balance are the till's."""

from __future__ import annotations

from decimal import Decimal

from desktop.journal import fiado_queries, read_models
from shared.sale import Tender, TenderKind
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(8)  # P001 $370, P002 $440


def test_returns_of_a_mixed_fiado_sale_reach_the_master_with_both_refunds(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    sync_kit.lease_sample_folios(server, 1)
    term = till.terminal
    rosa = term.auth.sign_in("rosa", "0000")
    customer = term.fiado.save_customer("Juana Soto", "", "+56 9 1234 5678", "", "", rosa)
    term.fiado.set_account(customer, True, 50_000, rosa)
    term.fiado.set_settings(20_000, "credit", rosa)
    assert till.sync.sync_once(term.journal.clock()).online
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    conn = term.journal.conn
    term.checkout.add_product(read_models.by_plu(conn, "4001"), Decimal(2))  # 740
    term.checkout.add_product(read_models.by_plu(conn, "4002"), Decimal(1))  # 440
    term.checkout.attach_customer(customer)
    sale = term.checkout.complete((Tender(TenderKind.FIADO, 800), Tender(TenderKind.CASH, 400))).event
    assert sale.fiado.amount == 800 and sale.customer_id == customer

    first = sync_kit.give_back(term, sale.sale_id, {1: Decimal(2)}, "no le gustó")  # 740 on the account
    second = sync_kit.give_back(term, sale.sale_id, None, "vencido")  # 440: 60 on the account, 380 in cash
    assert [(t.kind, t.amount) for t in first.refunds] == [("fiado", 740)]
    assert [(t.kind, t.amount) for t in second.refunds] == [("fiado", 60), ("cash", 380)]
    assert second.customer_id == customer
    assert fiado_queries.account(conn, customer).balance == 0

    status = till.sync.sync_once(term.journal.clock())
    assert status.online and status.pending == 0, status
    assert sync_kit.master(server, "SELECT count(*) FROM quarantine", 1) == [(0,)]
    refunds = sync_kit.master(server, "SELECT kind, amount FROM return_refunds WHERE return_id = %s ORDER BY kind",
                              1, (second.return_id,))
    assert refunds == [("cash", 380), ("fiado", 60)]
    assert sync_kit.master(server, "SELECT balance FROM fiado_balances WHERE customer_id = %s", 1,
                           (customer,)) == [(0,)]
    shift = term.shifts.current()
    master_received = sync_kit.master(server, "SELECT received FROM shifts WHERE shift_id = %s", 1,
                                      (shift.shift_id,))[0][0]
    assert {k: v for k, v in master_received.items() if v} == {k: v for k, v in shift.received.items() if v}
    assert shift.received.get("cash", 0) == 380 - 380  # the cash kept went back; the fiado part never was cash
