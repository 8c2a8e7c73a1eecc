"""The Clientes page's presenter: the list with balance, limit, use and overdue days (flags first), a customer
created and edited with fiado and its limit (a bad limit saves nothing, a refusal keeps the form), the movements of
a date range with the opening and closing balance, the estado de cuenta as a PDF, the store's fiado settings; a
supervisor reads and prints but changes nothing."""

from __future__ import annotations

from datetime import date

from desktop.presenters.backoffice.customers import (
    NO_SERVICE,
    READ_ONLY,
    SHOWN_MOVEMENTS,
    CustomersPresenter,
    Profile,
    Settings,
    month_range,
    overdue_days,
    parse_day,
    use_percent,
)
from shared import errors
from tests.desktop.presenters.backoffice.customer_fakes import FakeFiado
from tests.desktop.presenters.backoffice.kit import MARTA, ROSA

TODAY = date(2026, 12, 7)


def _store() -> FakeFiado:
    fiado = FakeFiado(store=Settings(5000, "credit"))
    fiado.profiles["juana"] = Profile("juana", "Juana Pérez Soto", "12345678-5", "+56 9 1234 5678", "Pasaje 3", "")
    fiado.profiles["pedro"] = Profile("pedro", "Pedro Araya", "", "987654321", "", "paga los viernes")
    fiado.profiles["luis"] = Profile("luis", "Luis Tapia", "", "", "", "")
    fiado.accounts.update(juana=(True, 50_000), pedro=(True, 20_000))
    fiado.ledger += [("juana", date(2026, 11, 2), "Boleta N° 120", 15_000),
                     ("juana", date(2026, 11, 20), "Abono en efectivo", -5_000),
                     ("juana", date(2026, 12, 3), "Boleta N° 131", 2_300),
                     ("pedro", date(2026, 12, 6), "Boleta N° 140", 23_000)]
    fiado.oldest.update(juana="2026-11-02T15:30:00+00:00", pedro="2026-12-06T12:00:00+00:00")
    fiado.flags["pedro"] = "Sobre el límite: cargos de 2 cajas"
    return fiado


def _page(fiado: FakeFiado, user=ROSA, tmp_path=None) -> CustomersPresenter:
    return CustomersPresenter(fiado, fiado, user, today=lambda: TODAY,
                              pdf_folder=(lambda: tmp_path) if tmp_path is not None else lambda: TODAY)


def test_small_rules():
    assert use_percent(12_300, 50_000) == 25 and use_percent(23_000, 20_000) == 115 and use_percent(1, 0) is None
    assert use_percent(-500, 10_000) == 0
    assert overdue_days("2026-11-02T15:30:00+00:00", TODAY) == 35 and overdue_days("", TODAY) is None
    assert parse_day("7-12-2026", "Desde") == parse_day("07/12/2026", "Desde") == parse_day("2026-12-07", "x") == TODAY
    try:
        parse_day("31-02-2026", "Hasta")
    except errors.InvalidInput as exc:
        assert "«Hasta»" in str(exc) and "31-02-2026" in str(exc)
    else:
        raise AssertionError("31-02 is no day")
    assert month_range(TODAY) == (date(2026, 12, 1), TODAY)
    assert month_range(date(2026, 3, 15), 1) == (date(2026, 2, 1), date(2026, 2, 28))


def test_the_list_shows_balance_limit_use_and_overdue_days():
    view = _page(_store()).view
    assert [(r.name, r.balance, r.limit, r.use, r.overdue, r.flag) for r in view.rows] == [
        ("Pedro Araya", "$23.000", "$20.000", "115\u00a0%", "1 día", "over"),
        ("Juana Pérez Soto", "$12.300", "$50.000", "25\u00a0%", "35 días", "overdue"),
        ("Luis Tapia", "$0", "Sin fiado", "", "", "")]
    assert view.rows[0].detail == "⚑ Sobre el límite: cargos de 2 cajas · 987654321"  # the flag's mark first
    assert view.rows[1].detail == "12.345.678-5 · +56 9 1234 5678"
    assert view.total == "3 clientes · deben $35.300"
    assert view.start == "01-12-2026" and view.end == "07-12-2026"
    assert view.allowance == "5.000" and view.overpayment == "credit" and view.can_edit


def test_search_and_filters():
    fiado = _store()
    page = _page(fiado)
    assert [r.name for r in page.search("12.345.678").rows] == ["Juana Pérez Soto"]
    assert [r.name for r in page.search("perez").rows] == ["Juana Pérez Soto"]
    page.search("")
    assert [r.name for r in page.filter(only_with_balance=True).rows] == ["Pedro Araya", "Juana Pérez Soto"]
    assert fiado.calls[-1] == ("customers", "", True, False)
    page.filter(only_with_balance=False, overdue_only=True)
    assert fiado.calls[-1] == ("customers", "", False, True)


def test_a_customer_created_with_fiado_then_edited(tmp_path):
    fiado = _store()
    page = _page(fiado)
    page.new()
    assert page.view.section == "profile" and page.view.form.editing == ""
    page.type("name", "Rosa Elena Muñoz")
    page.type("rut", "11.111.111-2")
    assert page.view.form.rut_check == "Dígito verificador incorrecto: para 11111111 es 1"
    page.type("rut", "11.111.111-1")
    assert page.view.form.rut_ok
    page.type("phone", "+56 9 5555 1234")
    page.set_fiado(True)
    view = page.save()  # no limit typed
    assert view.error and view.message == "Para habilitar el fiado escriba un límite mayor que $0"
    assert not [c for c in fiado.calls if c[0] == "save_customer"]  # nothing saved
    page.type("limit", "30.000x")
    assert page.save().message.startswith("Límite de fiado no válido")
    page.type("limit", "30.000")
    view = page.save()
    assert not view.error, view.message
    assert view.message == "Cliente guardado: Rosa Elena Muñoz · fiado hasta $30.000"
    new_id = view.form.editing
    assert fiado.accounts[new_id] == (True, 30_000) and fiado.profiles[new_id].rut == "11111111-1"
    assert view.form.rut == "11.111.111-1" and view.form.limit == "30.000"
    assert view.account == "Debe $0 de $30.000 (0\u00a0%) · disponible $30.000"
    assert view.rows[view.selected].name == "Rosa Elena Muñoz"

    page.type("address", "Los Aromos 45")
    view = page.save()  # the account did not change: only the profile is saved
    assert view.message == "Cliente guardado: Rosa Elena Muñoz"
    assert [c[0] for c in fiado.calls if c[0] in ("save_customer", "set_account")] == [
        "save_customer", "set_account", "save_customer"]
    page.set_fiado(False)
    assert page.save().message == "Cliente guardado: Rosa Elena Muñoz · fiado deshabilitado"
    assert fiado.accounts[new_id] == (False, 30_000)  # the limit it had is kept


def test_a_refusal_keeps_what_was_typed():
    fiado = _store()
    page = _page(fiado)
    page.new()
    page.type("rut", "12.345.678-5")
    page.type("notes", "vecina del 3")
    view = page.save()
    assert view.error and view.message == "Escriba el nombre del cliente"
    assert view.form.notes == "vecina del 3" and view.form.rut == "12.345.678-5"


def test_an_opened_customer_and_its_movements(tmp_path):
    fiado = _store()
    page = _page(fiado, tmp_path=tmp_path)
    page.search("juana")
    view = page.open(0)
    assert view.customer == "Juana Pérez Soto" and view.section == "profile"
    assert view.account == "Debe $12.300 de $50.000 (25\u00a0%) · disponible $37.700 · 35 días de mora"
    view = page.show("movements")  # this month's at once
    assert view.movements == (("03-12-2026", "Boleta N° 131", "$2.300", "", "$12.300"),)
    assert view.opening == "Saldo al 30-11-2026: $10.000" and view.closing == "Saldo al 07-12-2026: $12.300"
    view = page.month(1)
    assert view.start == "01-11-2026" and view.end == "30-11-2026"
    assert view.movements == (("02-11-2026", "Boleta N° 120", "$15.000", "", "$15.000"),
                              ("20-11-2026", "Abono en efectivo", "", "$5.000", "$10.000"))
    assert view.message == "2 movimientos del 01-11-2026 al 30-11-2026"
    page.set_range(start="01-12-2026", end="01-11-2026")
    view = page.statement()
    assert view.error and view.message == "La fecha «Desde» es posterior a «Hasta»" and view.movements == ()
    page.set_range(start="01-11-2026", end="07-12-2026")
    view = page.pdf()
    assert not view.error, view.message
    assert fiado.pdfs == [("juana", date(2026, 11, 1), TODAY,
                           tmp_path / "estado-de-cuenta-juana-perez-soto-20261101-20261207.pdf")]
    assert view.file.endswith("estado-de-cuenta-juana-perez-soto-20261101-20261207.pdf")


def test_no_statement_without_a_customer():
    page = _page(_store())
    assert page.statement().message == "Abra primero un cliente de la lista"
    assert page.pdf().error


def test_the_stores_fiado_settings():
    fiado = _store()
    page = _page(fiado)
    page.type_allowance("diez mil")
    assert page.save_settings().message.startswith("Monto sin conexión no válido")
    assert not [c for c in fiado.calls if c[0] == "set_settings"]
    page.type_allowance("10.000")
    page.set_overpayment("refuse")
    view = page.save_settings()
    assert fiado.store == Settings(10_000, "refuse")
    assert view.message == ("Ajustes de fiado guardados: sin conexión hasta $10.000 por cliente; un abono mayor que "
                            "la deuda se rechaza")


def test_a_supervisor_reads_and_prints_but_changes_nothing(tmp_path):
    fiado = _store()
    page = _page(fiado, MARTA, tmp_path)
    assert not page.view.can_edit and page.view.message == READ_ONLY
    page.search("pedro")
    page.open(0)
    page.set_fiado(False)
    assert page.save().message == READ_ONLY
    page.type_allowance("0")
    assert page.save_settings().message == READ_ONLY
    assert not [c for c in fiado.calls if c[0] in ("save_customer", "set_account", "set_settings")]
    page.show("movements")
    assert page.view.movements == (("06-12-2026", "Boleta N° 140", "$23.000", "", "$23.000"),)
    assert not page.pdf().error and len(fiado.pdfs) == 1


def test_a_till_without_the_fiado_service_shows_but_does_not_save():
    fiado = _store()
    page = CustomersPresenter(fiado, None, ROSA, today=lambda: TODAY)
    assert not page.view.can_edit and page.view.message == NO_SERVICE
    page.new()
    page.type("name", "Ana")
    assert page.save().message == NO_SERVICE and not [c for c in fiado.calls if c[0] == "save_customer"]
    assert page.pdf().error


def test_a_long_range_shows_its_first_movements_and_says_so():
    fiado = _store()
    fiado.ledger += [("luis", date(2026, 12, 1), f"Boleta N° {n}", 100) for n in range(SHOWN_MOVEMENTS + 20)]
    page = _page(fiado)
    page.search("luis")
    page.open(0)
    view = page.show("movements")
    assert len(view.movements) == SHOWN_MOVEMENTS
    assert view.closing == "Saldo al 07-12-2026: $52.000"  # all of them counted
    assert view.message == ("520 movimientos del 01-12-2026 al 07-12-2026: se muestran los primeros 500 (acorte el "
                            "período para ver el resto; el PDF los tiene todos)")
