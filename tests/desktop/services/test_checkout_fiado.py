"""Fiado at the checkout on a real journal: the customer attached to the cart (kept across a restart), fiado alone
or mixed within the limit, over the limit only with a supervisor's PIN journaled with the sale, the offline
allowance, the boleta or factura still stamped, and the receipt with the balance after the sale."""

from __future__ import annotations

import pytest

from desktop.drivers.escpos_decode import decode
from desktop.journal import fiado_queries
from desktop.services import checkout_fiado
from shared import errors
from shared.dte import documents, xml
from shared.events.sales import CustomerData
from shared.sale import Tender, TenderKind
from tests.desktop.services import fiado_kit
from tests.desktop.services.fiado_kit import JUANA, SUPERVISOR_PIN

LECHE, COCA = "7801234567894", "7801610001196"  # $1.150, $1.990


def _cart(term, *codes: str) -> int:
    for code in codes:
        term.checkout.scan(code)
    return term.checkout.sale.totals().total


def _receipt(term) -> str:
    term.receipts.wait_idle()
    return "\n".join(decode(term.printer.jobs[-1]).lines)


def test_the_attached_customer_stays_with_the_cart_across_a_restart(make_terminal, tmp_path):
    data = tmp_path / "caja"
    term = make_terminal(data_dir=data)
    fiado_kit.customer(term)
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.open(ana, 20_000)
    term.checkout.start(ana, shift.shift_id)
    term.checkout.scan(LECHE)
    assert term.checkout.attach_customer(JUANA) == "Juana Soto"
    term.close()

    again = make_terminal(data_dir=data, fresh=False)
    again.checkout.start(ana, shift.shift_id)
    assert again.checkout.customer_id == JUANA and again.checkout.customer_name() == "Juana Soto"
    shown = again.checkout.attached()
    assert (shown.name, shown.fiado_enabled, shown.limit, shown.balance, shown.headroom) == (
        "Juana Soto", True, 20_000, 0, 20_000)
    assert [x.sku for x in again.checkout.sale.lines] == ["LEC-1"]
    again.checkout.detach_customer()
    again.close()
    third = make_terminal(data_dir=data, fresh=False)
    third.checkout.start(ana, shift.shift_id)
    assert third.checkout.customer_id == "" and len(third.checkout.sale.lines) == 1


def test_an_unknown_customer_is_not_attached(selling):
    with pytest.raises(checkout_fiado.FiadoUnavailable, match="no está registrado"):
        selling.checkout.attach_customer("0190a1b2-0000-7000-8000-00000000dead")
    assert selling.checkout.customer_id == ""


def test_a_sale_on_fiado_within_the_limit_is_charged_stamped_and_printed_with_the_balance(selling):
    fiado_kit.caf(selling, 39)
    fiado_kit.customer(selling, limit=20_000)
    fiado_kit.online(selling)
    total = _cart(selling, LECHE, COCA)
    selling.checkout.attach_customer(JUANA)
    done = selling.checkout.complete((Tender(TenderKind.FIADO, total),))
    event = done.event
    assert event.customer_id == JUANA
    assert (event.fiado.amount, event.fiado.balance_before, event.fiado.credit_limit, event.fiado.approved_by) == (
        3140, 0, 20_000, "")
    assert (event.document.tipo, event.document.folio) == (39, 1)
    assert [(t.kind, t.amount, t.received) for t in event.tenders] == [("fiado", 3140, 3140)]
    assert event.change == 0 and event.rounding == 0
    assert fiado_queries.account(selling.journal.conn, JUANA).balance == 3140
    assert selling.checkout.customer_id == ""  # the next sale starts without a customer
    text = _receipt(selling)
    assert "Fiado" in text and "Cliente: Juana Soto" in text and "Saldo fiado:" in text and "$3.140" in text
    # the next one adds to what she owes
    _cart(selling, LECHE)
    selling.checkout.attach_customer(JUANA)
    second = selling.checkout.complete((Tender(TenderKind.FIADO, 1150),)).event
    assert (second.fiado.balance_before, second.fiado.amount) == (3140, 1150)
    assert "$4.290" in _receipt(selling)


def test_a_mixed_payment_puts_only_the_fiado_part_on_the_account(selling):
    fiado_kit.customer(selling)
    fiado_kit.online(selling)
    _cart(selling, LECHE, COCA)  # 3.140
    selling.checkout.attach_customer(JUANA)
    done = selling.checkout.complete((Tender(TenderKind.FIADO, 2000), Tender(TenderKind.CASH, 2000)))
    event = done.event
    assert event.fiado.amount == 2000
    assert {t.kind: t.received for t in event.tenders} == {"fiado": 2000, "cash": 1140}
    assert event.change == 860
    assert fiado_queries.account(selling.journal.conn, JUANA).balance == 2000


def test_a_sale_with_a_customer_and_no_fiado_names_the_customer_only(selling):
    fiado_kit.customer(selling, limit=None)
    _cart(selling, LECHE)
    selling.checkout.attach_customer(JUANA)
    event = selling.checkout.complete((Tender(TenderKind.CASH, 1150),)).event
    assert event.customer_id == JUANA and event.fiado is None
    text = _receipt(selling)
    assert "Cliente: Juana Soto" in text and "Saldo fiado" not in text


def test_fiado_without_a_customer_or_an_account_is_refused_and_nothing_is_journaled(selling):
    fiado_kit.customer(selling, limit=None)
    total = _cart(selling, LECHE)
    head = selling.journal.head
    with pytest.raises(checkout_fiado.FiadoUnavailable, match="elija primero el cliente"):
        selling.checkout.complete((Tender(TenderKind.FIADO, total),))
    selling.checkout.attach_customer(JUANA)
    with pytest.raises(checkout_fiado.FiadoUnavailable, match="no tiene fiado habilitado"):
        selling.checkout.complete((Tender(TenderKind.FIADO, total),))
    assert selling.journal.head == head and selling.checkout.sale.lines


def test_over_the_limit_needs_a_supervisor_journaled_with_the_sale(selling):
    fiado_kit.caf(selling, 39)
    fiado_kit.customer(selling, limit=3000)
    fiado_kit.online(selling)
    total = _cart(selling, LECHE, COCA)  # 3.140 > 3.000
    selling.checkout.attach_customer(JUANA)
    head = selling.journal.head
    with pytest.raises(errors.FiadoOverLimit) as info:
        selling.checkout.complete((Tender(TenderKind.FIADO, total),))
    assert info.value.needs_supervisor and str(info.value) and info.value.headroom == 3000
    assert selling.journal.head == head
    with pytest.raises(errors.AuthorisationRequired):  # an id nobody approved is not an approval
        selling.checkout.complete((Tender(TenderKind.FIADO, total),), fiado_approved_by="marta")
    with pytest.raises(errors.WrongPin):
        selling.checkout.approve_fiado("1111")
    marta = selling.checkout.approve_fiado(SUPERVISOR_PIN)
    assert marta.user_id == "marta"
    done = selling.checkout.complete((Tender(TenderKind.FIADO, total),), fiado_approved_by=marta.user_id)
    assert done.event.fiado.approved_by == "marta" and done.event.document is not None
    entries = list(selling.journal.read(head[0] + 1))
    authorised = [e for e in entries if e.type == "auth.authorised"]
    sale = next(e for e in entries if e.type == "sale.completed")
    assert len(authorised) == 1 and authorised[0].seq == sale.seq - 1  # one unit of work: PIN then sale
    auth = fiado_kit.events(selling, "auth.authorised")[-1]
    assert (auth.action, auth.supervisor_id, auth.sale_id) == ("fiado_over_limit", "marta", done.event.sale_id)
    assert "Juana Soto" in auth.detail and "$3.000" in auth.detail
    assert fiado_queries.account(selling.journal.conn, JUANA).balance == 3140


def test_an_approval_is_for_its_cart_as_it_was(selling):
    fiado_kit.customer(selling, limit=1000)
    fiado_kit.online(selling)
    _cart(selling, LECHE)
    selling.checkout.attach_customer(JUANA)
    marta = selling.checkout.approve_fiado(SUPERVISOR_PIN)
    total = _cart(selling, COCA)  # a line more after the PIN: the supervisor approved $1.150, not $3.140
    with pytest.raises(errors.AuthorisationRequired):
        selling.checkout.complete((Tender(TenderKind.FIADO, total),), fiado_approved_by=marta.user_id)
    marta = selling.checkout.approve_fiado(SUPERVISOR_PIN)
    event = selling.checkout.complete((Tender(TenderKind.FIADO, total),), fiado_approved_by=marta.user_id).event
    assert event.fiado.approved_by == "marta"


def test_an_approval_is_for_its_sale_only(selling):
    fiado_kit.customer(selling, limit=1000)
    fiado_kit.online(selling)
    total = _cart(selling, LECHE)
    selling.checkout.attach_customer(JUANA)
    marta = selling.checkout.approve_fiado(SUPERVISOR_PIN)
    selling.checkout.complete((Tender(TenderKind.CASH, total),))  # paid in cash after all
    _cart(selling, LECHE)
    selling.checkout.attach_customer(JUANA)
    with pytest.raises(errors.AuthorisationRequired):
        selling.checkout.complete((Tender(TenderKind.FIADO, total),), fiado_approved_by=marta.user_id)


def test_offline_the_till_charges_one_customer_at_most_the_allowance(selling):
    fiado_kit.customer(selling, limit=20_000)
    fiado_kit.settings(selling, allowance=2000)
    assert selling.checkout.offline()  # never pulled from the master
    _cart(selling, LECHE)
    selling.checkout.attach_customer(JUANA)
    selling.checkout.complete((Tender(TenderKind.FIADO, 1150),))
    _cart(selling, LECHE)
    selling.checkout.attach_customer(JUANA)
    with pytest.raises(errors.FiadoOverLimit):  # 2.300 charged offline > 2.000
        selling.checkout.complete((Tender(TenderKind.FIADO, 1150),))
    fiado_kit.online(selling)
    assert not selling.checkout.offline()
    event = selling.checkout.complete((Tender(TenderKind.FIADO, 1150),)).event
    assert event.fiado.approved_by == "" and event.fiado.balance_before == 1150


def test_a_factura_on_fiado_says_credito_in_its_dte(selling):
    fiado_kit.caf(selling, 33)
    fiado_kit.customer(selling)
    fiado_kit.online(selling)
    total = _cart(selling, LECHE, COCA)
    selling.checkout.attach_customer(JUANA)
    buyer = CustomerData("76.123.456-0", "Ferretería El Ñandú SpA", "Ferretería", "Av. Matta 1020", "Santiago")
    event = selling.checkout.complete((Tender(TenderKind.FIADO, total),), customer=buyer).event
    assert event.document.tipo == 33 and event.fiado.amount == total
    doc = documents.factura_desde_venta(event, folio=event.document.folio, fecha_emision=selling.journal.clock().date(),
                                        emisor=selling.checkout.folios.emisor,
                                        receptor=documents.receptor_desde_cliente(event.customer))
    assert doc.forma_pago == documents.FORMA_PAGO_CREDITO
    root = xml.render_dte(doc, event.document.ted.encode("latin-1"), selling.journal.clock())
    assert [el.text for el in root.iter("{*}FmaPago")] == ["2"]
    _cart(selling, LECHE)
    cash = selling.checkout.complete((Tender(TenderKind.CASH, 1150),), customer=buyer).event
    assert documents.forma_pago_de(cash) == documents.FORMA_PAGO_CONTADO
