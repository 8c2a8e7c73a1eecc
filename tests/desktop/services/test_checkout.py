"""Checkout, auth and shift services on a real journal: what a cashier and a supervisor rely on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.drivers.escpos_decode import decode
from desktop.drivers.fakes import FakePrinter
from desktop.drivers.ports import PrinterStatus
from desktop.journal import read_models
from shared import errors, inventory
from shared.barcodes import LabelRule, ValueKind, make_label
from shared.events import rules
from shared.sale import Tender, TenderKind


def test_scan_unknown_and_bad_barcodes_leave_the_cart_alone(selling):
    selling.checkout.scan("7801234567894")
    with pytest.raises(errors.UnknownProduct):
        selling.checkout.scan("7802000000003")
    with pytest.raises(errors.InvalidBarcode, match="verificador"):
        selling.checkout.scan("7801234567895")
    with pytest.raises(errors.InvalidBarcode, match="largo"):
        selling.checkout.scan("78012345678")
    assert [x.sku for x in selling.checkout.sale.lines] == ["LEC-1"]


def test_plu_sku_and_deli_labels(selling):
    selling.checkout.scan("LEC-1")
    weight_label = make_label(LabelRule("20", ValueKind.WEIGHT), "1001", 512)
    price_label = make_label(LabelRule("25", ValueKind.PRICE), "2001", 3598)
    selling.checkout.scan(weight_label)
    selling.checkout.scan(price_label)
    lines = selling.checkout.sale.lines
    assert lines[1].quantity == Decimal("0.512") and lines[1].amount == 1019
    # the label's price is what the customer pays; the weight is derived (rounded up, so no negative discount)
    assert lines[2].amount == 3598 and lines[2].quantity == Decimal("0.301") and lines[2].discount >= 0


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "100000", "abc"])
def test_absurd_quantities_are_refused(selling, quantity):
    selling.checkout.scan("7801234567894")
    with pytest.raises(errors.InvalidQuantity):
        selling.checkout.set_quantity(1, quantity)
    assert selling.checkout.sale.lines[0].quantity == 1


@pytest.mark.parametrize("weight", ["0", "-0.2", "0.0001", "150", "NaN"])
def test_absurd_weights_are_refused(selling, weight):
    product = read_models.by_plu(selling.journal.conn, "1001")
    with pytest.raises(errors.InvalidQuantity):
        selling.checkout.add_product(product, weight)
    assert selling.checkout.sale.lines == ()


def test_payment_short_is_refused_and_nothing_is_journaled(selling):
    selling.checkout.scan("7801610001196")
    head = selling.journal.head
    with pytest.raises(errors.PaymentShort) as info:
        selling.checkout.complete((Tender(TenderKind.CASH, 1000),))
    assert (info.value.due, info.value.tendered) == (1990, 1000)
    assert selling.journal.head == head and selling.checkout.sale.lines


def test_mixed_payment_rounds_only_the_cash_part(selling):
    selling.checkout.scan("7801234567894")
    selling.checkout.scan("7801610001196")  # 3.140
    product = read_models.by_plu(selling.journal.conn, "1001")
    selling.checkout.add_product(product, "0.512")  # 1.019 -> 4.159
    done = selling.checkout.complete((Tender(TenderKind.DEBIT, 2000), Tender(TenderKind.CASH, 5000)))
    assert done.event.total == 4159
    assert done.settlement.cash_due == 2160 and done.event.rounding == 1 and done.event.change == 2840
    assert {t.kind: t.received for t in done.event.tenders} == {"debit": 2000, "cash": 2160}


def test_receipt_is_printed_after_commit_with_drawer_kick_for_cash(selling):
    selling.checkout.scan("7801234567894")
    done = selling.checkout.complete((Tender(TenderKind.CASH, 2000),))
    assert done.printed.pending and read_models.last_sale_number(selling.journal.conn) == 1  # committed first
    (outcome,) = selling.receipts.wait_idle()
    assert outcome.ok and outcome.sale_id == done.event.sale_id
    decoded = decode(selling.printer.jobs[-1])
    text = "\n".join(decoded.lines)
    assert "Leche Entera Colun 1 L" in text and "$1.150" in text and "Vuelto" in text
    assert decoded.drawer_kicks == 1
    selling.checkout.scan("7801234567894")
    selling.checkout.complete((Tender(TenderKind.CREDIT, 1150),))
    selling.receipts.wait_idle()
    assert decode(selling.printer.jobs[-1]).drawer_kicks == 0


def test_printer_failure_never_loses_the_sale_and_reprint_works(make_terminal):
    printer = FakePrinter()
    term = make_terminal(printer=printer)
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    term.checkout.scan("7801234567894")
    printer.fail_next(1, PrinterStatus.PAPER_OUT)
    done = term.checkout.complete((Tender(TenderKind.CASH, 1150),))
    (printed,) = term.receipts.wait_idle()
    assert not printed.ok and "papel" in printed.message.lower()
    assert read_models.last_sale_number(term.journal.conn) == 1
    assert [row[0] for row in term.receipts.pending()] == [done.event.sale_id]
    assert term.receipts.last_status is PrinterStatus.PAPER_OUT
    term.receipts.reprint(done.event.sale_id)
    (outcome,) = term.receipts.wait_idle()
    assert outcome.ok and outcome.reprint and term.receipts.pending() == []
    assert "REIMPRESI" in "\n".join(decode(printer.jobs[-1]).lines)


def test_cart_survives_a_restart(make_terminal, tmp_path):
    term = make_terminal()
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.open(ana, 0)
    term.checkout.start(ana, shift.shift_id)
    term.checkout.scan("7801234567894")
    term.checkout.scan("7801234567894")
    term.checkout.scan("7801610001196")
    term.close()
    again = make_terminal(fresh=False)
    sale = again.checkout.start(ana, shift.shift_id)
    assert [(x.sku, x.quantity) for x in sale.lines] == [("LEC-1", 2), ("COC-15", 1)]
    done = again.checkout.complete((Tender(TenderKind.CASH, 5000),))
    assert done.event.total == 4290
    assert read_models.draft(again.journal.conn) is None


def test_void_needs_a_supervisor_pin_and_is_journaled(selling):
    selling.checkout.scan("7801234567894")
    selling.checkout.scan("7801610001196")
    with pytest.raises(errors.WrongPin):
        selling.checkout.void_line(2, "1234", "Cliente desiste")  # Ana is a cashier, not a supervisor
    selling.checkout.void_line(2, "9999", "Cliente desiste")
    assert [x.sku for x in selling.checkout.sale.lines] == ["LEC-1"]
    granted = [e for e in selling.journal.read() if e.type == "auth.authorised"]
    assert granted[-1].payload["supervisor_id"] == "marta"
    assert granted[-1].payload["cashier_id"] == "ana" and "Coca-Cola" in granted[-1].payload["detail"]
    selling.checkout.complete((Tender(TenderKind.CASH, 1150),))
    assert read_models.open_shift(selling.journal.conn).voids == 1


def test_discount_above_the_limit_needs_authorisation(selling):
    selling.checkout.scan("7801610001196")
    selling.checkout.discount_sale(190)  # under 10 %: no PIN
    with pytest.raises(errors.AuthorisationRequired):
        selling.checkout.discount_sale(500)
    assert selling.checkout.sale.discount == 190
    selling.checkout.discount_sale(500, "0000", "Producto dañado")
    assert selling.checkout.sale.totals().total == 1490


def test_wrong_pins_lock_the_user_out_until_the_time_passes(selling, clock):
    for attempt in range(1, 5):
        with pytest.raises(errors.WrongPin) as info:
            selling.auth.sign_in("pedro", "0001")
        assert info.value.failures == attempt
    with pytest.raises(errors.LockedOut):
        selling.auth.sign_in("pedro", "0001")
    with pytest.raises(errors.LockedOut):
        selling.auth.sign_in("pedro", "2345")  # even the right PIN, while locked
    clock.advance(minutes=6)
    assert selling.auth.sign_in("pedro", "2345").name == "Pedro Soto"
    assert read_models.pin_failures(selling.journal.conn, "pedro") == (0, "")


def test_pins_are_stored_as_argon2id_hashes(terminal):
    _name, _role, pin_hash, _active = read_models.user(terminal.journal.conn, "ana")
    assert pin_hash.startswith("$argon2id$") and "1234" not in pin_hash
    enrolled = [e.payload for e in terminal.journal.read() if e.type == "user.enrolled"]
    assert len(enrolled) == 4 and all(set(p) == {"user_id", "name", "role", "pin_hash", "active"} for p in enrolled)
    assert all(p["pin_hash"].startswith("$argon2id$") for p in enrolled)


def test_shift_close_with_blind_count_and_z_report(selling):
    ana = selling.checkout.cashier
    selling.checkout.scan("7801234567894")
    selling.checkout.complete((Tender(TenderKind.CASH, 2000),))  # 1.150 cash
    selling.checkout.scan("7801610001196")
    selling.checkout.complete((Tender(TenderKind.DEBIT, 1990),))
    selling.shifts.cash_out(ana, 5000, "Depósito", "9999")
    selling.shifts.cash_in(ana, 1000, "Sencillo")
    closed = selling.shifts.close(ana, {TenderKind.CASH: 17_100, TenderKind.DEBIT: 1990})
    expected = {r.kind: r.expected for r in closed.report.results}
    assert expected[TenderKind.CASH] == 20_000 + 1150 - 5000 + 1000
    assert closed.report.cash_difference == -50
    assert closed.printed.pending
    assert selling.receipts.wait_idle()[-1].ok
    text = "\n".join(decode(selling.printer.jobs[-1]).lines)
    assert "REPORTE Z" in text and "Faltante" in text
    with pytest.raises(errors.ShiftError):
        selling.shifts.close(ana, {})
    with pytest.raises(errors.ShiftError):
        selling.checkout.complete((Tender(TenderKind.CASH, 0),)) if selling.checkout.sale.lines else (
            selling.shifts.cash_in(ana, 100, "x"))


def test_shift_cannot_close_with_a_sale_in_the_cart(selling):
    selling.checkout.scan("7801234567894")
    with pytest.raises(errors.ShiftError, match="venta en curso"):
        selling.shifts.close(selling.checkout.cashier, {})
    selling.checkout.complete((Tender(TenderKind.CASH, 1150),))
    assert selling.shifts.close(selling.checkout.cashier, {TenderKind.CASH: 21_150}).report.cash_difference == 0


def test_open_drawer_without_sale_is_authorised_and_recorded(selling):
    selling.shifts.open_drawer(selling.checkout.cashier, "9999", "Cambio de billete")
    types = [e.type for e in selling.journal.read()][-2:]
    assert types == ["auth.authorised", "drawer.opened"]
    with pytest.raises(errors.WrongPin):
        selling.shifts.open_drawer(selling.checkout.cashier, "1111", "Cambio")


def _set_cost(conn, sku: str, state: inventory.CostState, method: str) -> None:
    """The till's cost state of ``sku`` as ``desktop.journal.inventory_projection`` keeps it."""
    conn.execute("INSERT OR REPLACE INTO cost_state (sku, method, state, updated_at) VALUES (?, ?, ?, ?)",
                 (sku, method, state.to_json(), "2026-12-07T10:00:00-03:00"))
    conn.commit()


@pytest.mark.parametrize("method", ["ppp", "fifo"])
def test_each_sold_line_records_what_it_cost_the_store(selling, method):
    layers = (inventory.Layer(Decimal(1), 500), inventory.Layer(Decimal(10), 7000))
    state = (inventory.CostState(last=Decimal(700), layers=layers) if method == "fifo"
             else inventory.CostState(avg=Decimal("590.9091"), last=Decimal(700)))
    _set_cost(selling.journal.conn, "LEC-1", state, method)
    selling.journal.conn.execute("INSERT OR REPLACE INTO inventory_settings (id, costing, store_prices,"
                                 " merma_pin_above, received_at) VALUES (1, ?, 0, 20000, '')", (method,))
    selling.journal.conn.commit()
    selling.checkout.scan("7801234567894")  # LEC-1
    selling.checkout.scan("7801610001196")  # never costed here
    selling.checkout.scan("7801234567894")
    selling.checkout.set_quantity(3, "2")
    done = selling.checkout.complete((Tender(TenderKind.CASH, 20000),))
    costs = [(x.sku, x.quantity, x.cost) for x in done.event.lines]
    if method == "fifo":  # the first unit takes the $500 layer, the next two come from the $700 one
        assert costs == [("LEC-1", 1, 500), (costs[1][0], 1, None), ("LEC-1", 2, 1400)]
    else:
        assert costs == [("LEC-1", 1, 591), (costs[1][0], 1, None), ("LEC-1", 2, 1182)]
    assert rules.problem(done.event) is None
