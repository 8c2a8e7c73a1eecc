"""The sale and payment presenters with a customer on a real till: attach and remove, a mixed payment with fiado,
fiado over the limit with a supervisor's PIN, suspended sales recalled; and the till's fiado desk end to end."""

from __future__ import annotations

import pytest

from desktop import terminal as terminal_mod
from desktop.presenters import fiado
from desktop.presenters.payment import PaymentPresenter
from shared.sale import Tender, TenderKind


@pytest.fixture
def maria(selling: terminal_mod.Terminal) -> str:
    """María Pérez, with fiado up to $10.000 (set by Rosa, the administradora); this till, never synced, may fiar
    up to $50.000 to a customer while offline."""
    service = selling.fiado
    assert service is not None
    ana, rosa = selling.checkout.cashier, selling.auth.sign_in("rosa", "0000")
    assert ana is not None
    customer_id = service.save_customer("María Pérez", "12.345.678-5", "9 8765 4321", "Los Aromos 12", "", ana)
    service.set_account(customer_id, True, 10_000, rosa)
    service.set_settings(50_000, "refuse", rosa)
    return customer_id


def test_a_customer_goes_on_the_sale_and_off_again(selling, maria):
    sale = terminal_mod.sale_presenter(selling)
    sale.start(selling.checkout.cashier, selling.checkout.shift_id, 1)
    view = sale.attach(maria)
    assert (view.customer, view.customer_account, view.message) == (
        "María Pérez", "Sin deuda · Cupo $10.000", "Cliente: María Pérez")
    assert sale.detach().customer == "" and selling.checkout.customer_id == ""


def test_a_mixed_payment_puts_the_fiado_part_on_the_account(selling, maria):
    sale = terminal_mod.sale_presenter(selling)
    sale.start(selling.checkout.cashier, selling.checkout.shift_id, 1)
    for _ in range(4):
        sale.scan("7801610001196")  # $7.960
    sale.attach(maria)
    pay = PaymentPresenter(selling.checkout)
    assert pay.view.fiado == "Fiado · disponible $10.000" and pay.view.fiado_enabled
    assert pay.view.buyer == "María Pérez · Sin deuda · Cupo $10.000"
    assert not pay.set_mode(TenderKind.FIADO).error, pay.view.message
    for key in "5000":
        pay.key(key)
    assert not pay.add_partial().error, pay.view.message
    assert pay.view.tenders == (("Fiado", "$5.000"),) and pay.view.due == "$2.960"
    pay.exact()
    done = pay.finish()
    assert done.done and done.message.startswith("Venta guardada. Vuelto $0. Fiado $5.000: saldo $5.000")
    pay.close()
    assert selling.fiado.account(maria).balance == 5_000
    assert sale.refresh().customer == ""  # the next sale starts without her


def test_fiado_over_the_limit_asks_a_supervisor(selling, maria):
    sale = terminal_mod.sale_presenter(selling)
    sale.start(selling.checkout.cashier, selling.checkout.shift_id, 1)
    for _ in range(6):
        sale.scan("7801610001196")  # $11.940
    sale.attach(maria)
    pay = PaymentPresenter(selling.checkout)
    pay.set_mode(TenderKind.FIADO)
    asking = pay.finish()
    assert not asking.done and asking.auth_prompt.startswith("Fiar $11.940 a María Pérez. ")
    assert asking.auth_prompt.endswith("Requiere autorización de supervisor.")
    wrong = pay.authorise_fiado("1234", "Cliente de confianza")
    assert wrong.error and wrong.auth_prompt and not wrong.done
    done = pay.authorise_fiado("9999", "Cliente de confianza")
    assert done.done and not done.auth_prompt
    assert pay.completed is not None
    event = pay.completed.event
    assert event.fiado is not None and event.fiado.approved_by == "marta" and event.fiado.amount == 11_940
    pay.close()


def test_fiado_needs_a_customer_with_fiado(selling, maria):
    sale = terminal_mod.sale_presenter(selling)
    sale.start(selling.checkout.cashier, selling.checkout.shift_id, 1)
    sale.scan("7801234567894")
    pay = PaymentPresenter(selling.checkout)
    assert pay.view.fiado == ""
    refused = pay.set_mode(TenderKind.FIADO)
    assert refused.error and refused.message == "Para fiar, elija primero el cliente con «Cliente»"
    ana = selling.checkout.cashier
    pedro = selling.fiado.save_customer("Pedro Rojas", "", "", "", "", ana)
    sale.attach(pedro)
    pay = PaymentPresenter(selling.checkout)
    assert pay.view.fiado == "Fiado (no habilitado)"
    assert pay.set_mode(TenderKind.FIADO).message == "Pedro Rojas no tiene fiado habilitado (lo habilita el " \
                                                     "administrador)"


def test_suspended_sales_come_back_with_their_customer(selling, maria):
    sale = terminal_mod.sale_presenter(selling)
    sale.start(selling.checkout.cashier, selling.checkout.shift_id, 1)
    assert sale.open_recall().message == "No hay ventas suspendidas"
    sale.scan("7801234567894")
    sale.attach(maria)
    suspended = sale.suspend()
    assert suspended.lines == () and suspended.customer == "" and suspended.suspended == 1
    assert suspended.message == "Venta suspendida (1 en espera). Toque «Recuperar» para seguirla."
    sale.scan("7801610001196")
    assert sale.open_recall().error  # the cart has a product: suspend or pay it first
    sale.suspend()
    menu = sale.open_recall().recall_menu
    assert [(m.total, m.lines) for m in menu] == [("$1.150", "1 producto"), ("$1.990", "1 producto")]
    back = sale.recall(menu[0].suspended_id)
    assert [x.name for x in back.lines] == ["Leche Entera Colun 1 L"] and back.customer == "María Pérez"
    assert back.suspended == 1 and back.recall_menu == ()


def test_the_tills_desk_takes_an_abono_reverses_it_and_prints_the_statement(selling, maria):
    sale = terminal_mod.sale_presenter(selling)
    desk = sale.fiado
    assert desk is not None
    shift_id, ana = selling.checkout.shift_id, "ana"
    selling.checkout.scan("7801610001196")
    selling.checkout.attach_customer(maria)
    assert selling.checkout.complete((Tender(TenderKind.FIADO, 1_990),)).event.fiado is not None
    abono = fiado.AbonoPresenter(desk, maria, shift_id=shift_id, cashier_id=ana)
    abono.set_kind(TenderKind.CASH)
    for key in "1000":
        abono.key(key)
    done = abono.pay()
    assert done.done and done.message == "Abono de $1.000 registrado. Debe $990."
    reverse = fiado.ReversePresenter(desk, maria, shift_id=shift_id, cashier_id=ana)
    assert [(p.how, p.amount, p.reversed) for p in reverse.view.payments] == [("Efectivo", "$1.000", False)]
    reverse.choose(reverse.view.payments[0].payment_id)
    assert reverse.authorise("9999", "Error de digitación").message == "Abono de $1.000 reversado. Debe $1.990."
    today = selling.journal.clock().date()
    statement = fiado.StatementPresenter(desk, maria, lambda: today)
    assert statement.view.closing == "$1.990" and len(statement.view.lines) == 3
    assert statement.print().message == "Imprimiendo el estado de cuenta…"


def test_a_customer_the_master_flagged_is_marked_on_the_sale(selling, maria):
    from shared.events import fiado as fiado_events

    selling.journal.append(fiado_events.CustomerReceived(
        maria, "María Pérez", "12345678-5", "9 8765 4321", "Los Aromos 12", "", True, 10_000,
        flags=("Saldo de $12.000 sobre el límite de $10.000: cargos desde 2 cajas que no se conocían entre sí.",)))
    sale = terminal_mod.sale_presenter(selling)
    sale.start(selling.checkout.cashier, selling.checkout.shift_id, 1)
    view = sale.attach(maria)
    assert (view.customer, view.customer_account) == ("⚑ María Pérez", "Sin deuda · Cupo $10.000")
    selling.journal.append(fiado_events.CustomerReceived(  # the master closed it
        maria, "María Pérez", "12345678-5", "9 8765 4321", "Los Aromos 12", "", True, 10_000))
    assert sale.refresh().customer == "María Pérez"
