"""Mermas at the till: valued at the store's cost, a supervisor's PIN above the tenant's threshold (journaled with
it), only an administrador records, every bad input refused in Spanish with nothing journaled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.services import inventory
from desktop.services.auth import User
from shared import errors, roles
from shared.events import purchases as purchase_events

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)


def _bought(terminal, sku: str, quantity: str, unit_cost: int) -> None:
    """A manual factura bringing ``quantity`` of ``sku`` at ``unit_cost`` (so the store has a cost)."""
    line = terminal.purchases.manual_line(sku, quantity, unit_cost)
    terminal.purchases.record_manual(ROSA, "76.123.456-0", purchase_events.FACTURA, "100", "19-11-2026", [line],
                                     razon_social="Distribuidora Sur")


def _types(terminal, since: int) -> list[str]:
    return [e.type for e in terminal.journal.read(since + 1)]


def test_bad_mermas_are_refused_and_nothing_is_journaled(terminal) -> None:
    head = terminal.journal.head
    with pytest.raises(errors.InvalidQuantity, match="negativa"):
        terminal.mermas.record(ROSA, "LEC-1", "-2", "dano")
    with pytest.raises(errors.InvalidQuantity, match="fuera de rango"):
        terminal.mermas.record(ROSA, "LEC-1", "7801234567894", "dano")
    with pytest.raises(errors.InvalidQuantity, match="sin decimales"):
        terminal.mermas.record(ROSA, "LEC-1", "1,5", "dano")
    with pytest.raises(inventory.Refused, match="Motivo de merma desconocido"):
        terminal.mermas.record(ROSA, "LEC-1", "1", "se cayó")
    with pytest.raises(inventory.UnknownWarehouse):
        terminal.mermas.record(ROSA, "LEC-1", "1", "dano", warehouse="otra-tienda")
    with pytest.raises(errors.UnknownProduct):
        terminal.mermas.record(ROSA, "7802000000003", "1", "dano")
    with pytest.raises(inventory.NotAdministrator):
        terminal.mermas.record(MARTA, "LEC-1", "1", "dano")
    assert terminal.journal.head == head


def test_a_product_never_bought_is_lost_at_no_cost(terminal) -> None:
    store = terminal.journal.identity.store_id
    event = terminal.mermas.record(ROSA, "PAN-1", "0,250", "consumo interno", warehouse=f"{store}-bodega")
    assert (event.unit_cost, event.quantity, event.reason, event.warehouse) == (
        0, Decimal("0.250"), "consumo_interno", f"{store}-bodega")
