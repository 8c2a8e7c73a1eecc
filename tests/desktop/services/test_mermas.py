"""Mermas at the till: valued at the store's cost, a supervisor's PIN above the tenant's threshold (journaled with
it), only an administrador records, every bad input refused in Spanish with nothing journaled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.services import inventory, mermas
from desktop.services.auth import User
from shared import errors, roles
from shared.events import auth as auth_events
from shared.events import inventory as events
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


def test_a_merma_below_the_threshold_is_recorded_at_the_stores_cost(terminal) -> None:
    _bought(terminal, "LEC-1", "24", 800)
    quote = terminal.mermas.quote("7801234567894", "3")
    assert (quote.product.sku, quote.quantity, quote.unit_cost, quote.value, quote.needs_pin) == (
        "LEC-1", Decimal(3), 800, 2400, False)
    event = terminal.mermas.record(ROSA, "7801234567894", "3", "Vencimiento", note="venció el 18")
    assert (event.sku, event.quantity, event.reason, event.unit_cost, event.authorised_by, event.warehouse) == (
        "LEC-1", Decimal(3), "vencimiento", 800, "", terminal.journal.identity.store_id)
    assert mermas.value_of(event) == 2400


def test_above_the_threshold_a_supervisors_pin_is_asked_and_journaled(terminal) -> None:
    terminal.journal.append(events.InventorySettingsReceived(merma_pin_above=5000))
    _bought(terminal, "QUE-1", "10", 9000)
    head = terminal.journal.head
    with pytest.raises(mermas.MermaNeedsPin, match=r"La merma vale \$9.000, más de \$5.000") as caught:
        terminal.mermas.record(ROSA, "QUE-1", "1,000", "robo")
    assert isinstance(caught.value, errors.AuthorisationRequired) and caught.value.value == 9000
    assert terminal.journal.head == head
    with pytest.raises(errors.WrongPin):
        terminal.mermas.record(ROSA, "QUE-1", "1,000", "robo", supervisor_pin="1234")  # Ana is a cashier
    assert _types(terminal, head[0]) == ["auth.pin_rejected"]
    head = terminal.journal.head
    event = terminal.mermas.record(ROSA, "QUE-1", "1,000", "robo", supervisor_pin="9999")
    assert event.authorised_by == "marta"
    authorised, recorded = list(terminal.journal.read(head[0] + 1))
    assert (authorised.type, recorded.type) == (auth_events.Authorised.TYPE, events.MermaRecorded.TYPE)
    assert authorised.payload["action"] == "merma" and authorised.payload["cashier_id"] == "rosa"
    assert terminal.mermas.quote("QUE-1", "0,500").needs_pin is False


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
