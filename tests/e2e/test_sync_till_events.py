"""What a cashier does before payment that HQ sees (issue 10) reaches the master through a real sync: the lines
removed (``sale.line_removed``) are stored as events, and codes sold at an open price as sale lines of their own
SKU, none quarantined."""

from __future__ import annotations

from decimal import Decimal

from desktop.journal import read_models
from shared.sale import Tender, TenderKind
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(5)


def test_lines_removed_before_payment_are_stored_at_the_master(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    term = till.terminal
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    for plu in ("4001", "4002", "4003"):
        term.checkout.add_product(read_models.by_plu(term.journal.conn, plu), Decimal(1))
    term.checkout.remove_line(2, "cliente desiste")  # no PIN: the store's default
    term.checkout.void_needs_pin = True
    term.checkout.void_line(3, "9999", "error de digitación")  # with a supervisor's PIN
    total = term.checkout.sale.totals().total
    sale = term.checkout.complete((Tender(TenderKind.DEBIT, total),)).event
    assert till.sync.sync_once(term.journal.clock()).online
    rows = sync_kit.master(server, "SELECT payload->>'line_id', payload->>'authorised_by', payload->>'reason'"
                                   " FROM events WHERE type = 'sale.line_removed' ORDER BY seq", 1)
    assert rows == [("2", "", "cliente desiste"), ("3", "marta", "error de digitación")]
    assert sync_kit.admin(server, "SELECT count(*) FROM quarantine") == [(0,)]
    assert sync_kit.master(server, "SELECT total FROM sales WHERE sale_id = %s", 1, (sale.sale_id,)) == [(total,)]


def test_codes_sold_at_an_open_price_reach_the_master_with_their_code(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    term = till.terminal
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    term.checkout.add_open_price("7802000000003", 1490)
    sale = term.checkout.complete((Tender(TenderKind.CASH, 1490),)).event
    assert till.sync.sync_once(term.journal.clock()).online
    assert sync_kit.master(server, "SELECT sku, name, unit_price FROM sale_lines WHERE sale_id = %s", 1,
                           (sale.sale_id,)) == [("SIN-CATALOGO-7802000000003", "Sin catálogo 7802000000003", 1490)]
    assert sync_kit.admin(server, "SELECT count(*) FROM quarantine") == [(0,)]
