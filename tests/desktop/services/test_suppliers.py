"""Suppliers saved at the till: the RUT is checked (módulo 11) and kept compact, the latest save wins, and every
bad input is refused in Spanish with nothing journaled."""

from __future__ import annotations

import pytest

from desktop.services import inventory, suppliers
from desktop.services.auth import User
from shared import errors, roles

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)


def test_a_supplier_is_saved_with_its_rut_checked_and_compact(terminal) -> None:
    event = terminal.suppliers.save(ROSA, "76.123.456-0", "  Distribuidora  Lácteos del Sur SpA ", "Distribución",
                                    contact="Juan Soto", phone="+56 9 8765 4321", email="ventas@lacteosur.cl")
    assert (event.rut, event.razon_social, event.saved_by) == ("76123456-0", "Distribuidora Lácteos del Sur SpA",
                                                              "rosa")
    [row] = terminal.suppliers.suppliers("lacteos")
    assert (row.rut, row.razon_social, row.contact) == ("76123456-0", "Distribuidora Lácteos del Sur SpA",
                                                        "Juan Soto")
    terminal.suppliers.save(ROSA, "761234560", "Distribuidora Lácteos del Sur SpA", "Distribución", active=False)
    [row] = terminal.suppliers.suppliers("76.123.456-0")
    assert row.active is False and row.contact == ""


@pytest.mark.parametrize(("rut", "reason"), [
    ("76.123.456-1", "dígito verificador incorrecto"), ("76.123.456-K", "dígito verificador incorrecto"),
    ("hola", "formato inválido"), ("", "escriba el RUT"),
])
def test_a_rut_failing_its_check_digit_is_refused(terminal, rut: str, reason: str) -> None:
    head = terminal.journal.head
    with pytest.raises(errors.InvalidRut, match=reason):
        terminal.suppliers.save(ROSA, rut, "Proveedor")
    assert terminal.journal.head == head


def test_bad_fields_and_roles_are_refused(terminal) -> None:
    head = terminal.journal.head
    with pytest.raises(inventory.Refused, match="Indique la razón social"):
        terminal.suppliers.save(ROSA, "76123456-0", "   ")
    with pytest.raises(inventory.Refused, match="no es una dirección de correo"):
        terminal.suppliers.save(ROSA, "76123456-0", "Proveedor", email="ventas en lacteosur")
    with pytest.raises(inventory.Refused, match="no es un número de teléfono"):
        terminal.suppliers.save(ROSA, "76123456-0", "Proveedor", phone="llamar a Juan")
    with pytest.raises(inventory.Refused, match="demasiado largo"):
        terminal.suppliers.save(ROSA, "76123456-0", "x" * 101)
    with pytest.raises(inventory.NotAdministrator, match="Marta Rojas"):
        terminal.suppliers.save(MARTA, "76123456-0", "Proveedor")
    assert terminal.journal.head == head
    assert suppliers.parse_rut("76.123.456-0") == "76123456-0"
