"""The customer picker, abono, reversal and statement presenters without Qt, on an in-memory fiado desk."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.presenters import fiado
from shared.sale import TenderKind
from tests.desktop.presenters.fiado_desk import Desk, sample_desk


@pytest.fixture
def desk() -> Desk:
    return sample_desk()


def test_the_picker_finds_by_name_rut_and_phone_and_shows_the_account(desk):
    views: list[fiado.PickerView] = []
    p = fiado.CustomerPickerPresenter(desk, "ana", on_change=views.append)
    assert [m.name for m in p.search("mar").matches] == ["María Pérez", "Mario Soto"]
    maria = p.search("12.345.678-5").matches
    assert maria == (fiado.CustomerLine("c1", "María Pérez",
                                        "RUT 12.345.678-5 · 9 8765 4321 · Debe $12.300 · Cupo $50.000",
                                        "Debe $12.300 · Cupo $50.000"),)
    assert p.search("11112222").matches[0].detail == "9 1111 2222 · Sin fiado"
    assert p.search("pedro").message == "Ningún cliente con «pedro»: toque «+ Nuevo cliente»"
    chosen = p.pick("c1")
    assert chosen.chosen == "c1" and views[-1] is chosen


def test_the_picker_creates_edits_and_checks_the_rut(desk):
    p = fiado.CustomerPickerPresenter(desk, "ana")
    form = p.new("9 5555 1234")  # digits typed in the search: a phone
    assert form.editing and dict(form.fill or ())["phone"] == "9 5555 1234" and form.title == "Nuevo cliente"
    assert p.save(" ", "", "", "", "").field == "name"
    wrong = p.save("Rosa Díaz", "12.345.678-9", "", "", "")
    assert wrong.error and wrong.field == "rut" and "dígito verificador" in wrong.message
    assert p.save("Rosa Díaz", "", "9 55x", "", "").field == "phone"
    taken = p.save("Rosa Díaz", "12.345.678-5", "", "", "")
    assert taken.error and taken.message == "ya hay un cliente con el RUT 12345678-5"
    saved = p.save("  Rosa   Díaz ", "", "9 5555 1234", "Pasaje 3", "")
    assert saved.chosen == "c3" and desk.people["c3"].name == "Rosa Díaz" and saved.message == (
        "Cliente guardado: Rosa Díaz")

    current = fiado.CustomerPickerPresenter(desk, "ana", current="c1")
    assert current.view.current is not None and current.view.current.name == "María Pérez"
    edit = current.edit()
    assert dict(edit.fill or ())["rut"] == "12.345.678-5" and edit.title == "Editar cliente: María Pérez"
    assert current.save("María Pérez Rojas", "12.345.678-5", "9 8765 4321", "Los Aromos 14", "").chosen == "c1"
    assert desk.people["c1"].address == "Los Aromos 14" and len(desk.people) == 3  # edited, not a new one
    assert current.remove().removed


def test_an_abono_in_cash_gives_change_and_lowers_the_balance(desk):
    p = fiado.AbonoPresenter(desk, "c1", shift_id="s1", cashier_id="ana")
    assert (p.view.customer, p.view.balance) == ("María Pérez", "Debe $12.300")
    assert p.pay().message == "Escriba el monto del abono"
    for key in "10000":
        p.key(key)
    assert p.view.after == "Queda debiendo $2.300"
    p.type_into("received")
    for key in "5000":
        p.key(key)
    short = p.pay()
    assert short.error and short.message == "Falta dinero: el abono es $10.000 y se recibió $5.000"
    p.key("0")
    assert p.view.change == "$40.000"
    p.key("←")
    p.key("C")
    for key in ("20", "000"):
        p.key(key)
    assert p.view.received == "$20.000" and p.view.change == "$10.000"
    done = p.pay()
    assert done.done and done.message == "Abono de $10.000 registrado. Debe $2.300. Vuelto $10.000."
    assert desk.account("c1").balance == 2_300


def test_an_abono_over_the_debt_is_refused_when_the_store_says_so(desk):
    p = fiado.AbonoPresenter(desk, "c1", shift_id="s1", cashier_id="ana")
    p.set_kind(TenderKind.TRANSFER)
    assert p.type_into("received").message == "Solo el efectivo da vuelto"
    for key in "13000":
        p.key(key)
    assert p.view.after == "Queda a favor $700"
    refused = p.pay()
    assert refused.error and not refused.done and refused.message == "Monto no válido: el abono supera la deuda"
    assert desk.account("c1").balance == 12_300  # nothing lost
    assert p.whole_balance().amount == "$12.300"
    desk.drawer_problem = "El cajón no se abrió: ábralo con la llave."
    done = p.pay()
    assert done.done and done.error  # journaled: the drawer is what the cashier must see to
    assert done.message == "Abono de $12.300 registrado. Sin deuda. El cajón no se abrió: ábralo con la llave."


def test_a_reversal_needs_a_supervisor_and_a_reason_and_never_twice(desk):
    desk.pay("c1", "cash", 5_000, 5_000, "s1", "ana")
    views: list[fiado.ReverseView] = []
    p = fiado.ReversePresenter(desk, "c1", shift_id="s1", cashier_id="ana", on_change=views.append)
    assert p.view.payments == (fiado.PaymentLine("p1", "07-12-2026 15:04", "Efectivo", "$5.000", False),)
    asking = p.choose("p1")
    assert asking.asking_pin and asking.what == ("Reversar el abono de $5.000 (efectivo, 07-12-2026 15:04) de "
                                                 "María Pérez")
    assert p.authorise("9999", " ").message == "Indique el motivo"
    wrong = p.authorise("1111", "Error de digitación")
    assert wrong.asking_pin and wrong.message == "PIN incorrecto (intento 1)"
    done = p.authorise("9999", "Error de digitación")
    assert done.done and not done.asking_pin and done.message == "Abono de $5.000 reversado. Debe $12.300."
    assert desk.account("c1").balance == 12_300
    again = p.choose("p1")
    assert again.error and again.message == "Ese abono ya fue reversado" and not again.asking_pin


def test_the_statement_shows_a_range_and_prints_it(desk):
    p = fiado.StatementPresenter(desk, "c1", lambda: date(2026, 12, 7))
    view = p.view
    assert (view.period, view.opening, view.closing) == ("01-12-2026 al 07-12-2026", "$8.000", "$12.300")
    assert view.lines == (("02-12-2026", "Boleta N° 31", "$4.300", "", "$12.300"),)
    last = p.choose("last-month")
    assert (last.period, last.opening, last.closing, last.message) == (
        "01-11-2026 al 30-11-2026", "$0", "$8.000", "1 movimiento")
    assert p.choose("all").period == "Hasta el 07-12-2026"
    assert p.choose("90-days").message == "2 movimientos"
    assert p.print().message == "Imprimiendo el estado de cuenta…"
    assert desk.printed == [("c1", date(2026, 9, 9), date(2026, 12, 7))]
    typed = p.between("25-11-2026", "03122026")
    assert (typed.range, typed.period, typed.opening, typed.closing) == (
        "custom", "25-11-2026 al 03-12-2026", "$8.000", "$12.300")
    p.print()
    assert desk.printed[-1] == ("c1", date(2026, 11, 25), date(2026, 12, 3))
    assert p.between("31-02-2026", "01-03-2026").message == (
        "fecha no válida «31-02-2026»: escríbala como 07-12-2026")
    assert p.between("03-12-2026", "25-11-2026").message == (
        "La fecha inicial (03-12-2026) es posterior a la final (25-11-2026)")
    assert p.view.period == "25-11-2026 al 03-12-2026"  # the refused dates changed nothing


def test_date_ranges_at_the_turn_of_the_year():
    assert fiado.date_range("last-month", date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert fiado.date_range("this-month", date(2026, 3, 1)) == (date(2026, 3, 1), date(2026, 3, 1))
    assert fiado.balance_words(-500) == "A favor $500" and fiado.balance_words(0) == "Sin deuda"
