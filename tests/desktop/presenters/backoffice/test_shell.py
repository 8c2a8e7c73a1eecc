"""The back office's frame: who enters and how, sections, the alert count and its words."""

from __future__ import annotations

from decimal import Decimal

from desktop.presenters.backoffice import shell
from desktop.services.auth import User
from shared import roles

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)
ANA = User("ana", "Ana Pérez", roles.Role.CASHIER)


def test_who_enters_and_what_they_may_do():
    count = [3]
    seen = []
    presenter = shell.BackOfficePresenter(lambda: count[0], seen.append)
    view = presenter.enter(ROSA)
    assert (view.user, view.role, view.read_only, view.notice) == ("Rosa Díaz", "Administrador", False, "")
    assert (view.section, view.alerts, view.alerts_text) == ("products", 3, "3 alertas de stock")
    assert presenter.enter(MARTA).read_only and presenter.view.notice == shell.READ_ONLY_NOTE
    refused = presenter.enter(ANA)
    assert refused.error and "administrador" in refused.message
    assert seen[-1] is refused


def test_sections_and_alerts():
    count = [0]
    presenter = shell.BackOfficePresenter(lambda: count[0])
    assert presenter.show("stock") is presenter.view  # nobody inside yet
    presenter.enter(ROSA, "kardex")
    assert presenter.view.section == "kardex"
    assert presenter.show("stock").section == "stock"
    assert presenter.show("nope").section == "stock"
    assert [s.title for s in presenter.view.sections][-7:] == ["Transferencias", "Toma de inventario", "Mermas",
                                                               "Proveedores", "Compras", "Clientes", "Reportes"]
    count[0] = 1
    assert presenter.refresh_alerts().alerts_text == "1 alerta de stock"
    assert presenter.say("Kardex exportado").message == "Kardex exportado"
    assert presenter.leave().user == "" and presenter.user is None


def test_words_and_numbers():
    assert shell.access(roles.Role.ADMIN) == "full" and shell.access(roles.Role.CASHIER) == ""
    assert shell.alerts_text(0) == "" and shell.alerts_text(1234) == "1.234 alertas de stock"
    assert shell.day("2026-12-07T14:05:09.123-03:00") == "07-12-2026 14:05"
    assert shell.day("") == "" and shell.day("ayer") == "ayer"
    assert shell.date("2026-12-07T14:05:09.123-03:00") == "07-12-2026"
    assert shell.quantity(Decimal("1234"), "unit") == "1.234"
    assert shell.quantity(Decimal("-3.000"), "unit") == "-3"
    assert shell.quantity(Decimal("0.5"), "kg") == "0,500 kg"
