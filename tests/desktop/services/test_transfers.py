"""Transfers at the till: between the store's warehouses, to another store, and receiving what another store sent
(once, only here, with the differences kept); every bad input refused in Spanish with nothing journaled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.services import inventory, transfers
from desktop.services.auth import User
from shared import errors, roles
from shared.events import inventory as events

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)


def test_goods_move_from_the_sala_to_the_bodega(terminal) -> None:
    store = terminal.journal.identity.store_id
    event = terminal.transfers.send(ROSA, [("7801234567894", "6"), ("PAN-1", "1,500"), ("LEC-1", "2")],
                                    from_warehouse=store, to_warehouse=f"{store}-bodega", note="para reponer")
    assert (event.to_store, event.from_warehouse, event.to_warehouse, event.sent_by) == (
        store, store, f"{store}-bodega", "rosa")
    assert [(x.sku, x.quantity) for x in event.lines] == [("LEC-1", Decimal(8)), ("PAN-1", Decimal("1.500"))]


def test_goods_sent_to_another_store_go_to_its_sala_or_bodega(terminal) -> None:
    store = terminal.journal.identity.store_id
    event = terminal.transfers.send(ROSA, [("LEC-1", "12")], from_warehouse=f"{store}-bodega", to_store="norte")
    assert (event.to_store, event.to_warehouse) == ("norte", "norte")
    event = terminal.transfers.send(ROSA, [("LEC-1", "1")], from_warehouse=store, to_store="norte",
                                    to_warehouse="norte-bodega")
    assert event.to_warehouse == "norte-bodega"
    with pytest.raises(transfers.TransferNotForThisStore, match="lo envió esta misma tienda"):
        terminal.transfers.receive(ROSA, event.transfer_id)


def test_bad_transfers_are_refused_and_nothing_is_journaled(terminal) -> None:
    store = terminal.journal.identity.store_id
    head = terminal.journal.head
    with pytest.raises(inventory.UnknownWarehouse, match="no tiene la bodega 'sur-bodega'"):
        terminal.transfers.send(ROSA, [("LEC-1", "1")], from_warehouse=store, to_warehouse="sur-bodega")
    with pytest.raises(inventory.UnknownWarehouse):
        terminal.transfers.send(ROSA, [("LEC-1", "1")], from_warehouse="norte", to_warehouse=store)
    with pytest.raises(transfers.TransferRefused, match="misma bodega"):
        terminal.transfers.send(ROSA, [("LEC-1", "1")], from_warehouse=store, to_warehouse=store)
    with pytest.raises(transfers.TransferRefused, match="no es de la tienda norte"):
        terminal.transfers.send(ROSA, [("LEC-1", "1")], from_warehouse=store, to_store="norte",
                                to_warehouse="sur-bodega")
    with pytest.raises(transfers.TransferRefused, match="no tiene productos"):
        terminal.transfers.send(ROSA, [], from_warehouse=store, to_warehouse=f"{store}-bodega")
    with pytest.raises(transfers.TransferRefused, match="Línea 2: cantidad '-1': la cantidad no puede ser negativa"):
        terminal.transfers.send(ROSA, [("LEC-1", "1"), ("COC-15", "-1")], from_warehouse=store,
                                to_warehouse=f"{store}-bodega")
    with pytest.raises(transfers.TransferRefused, match="Línea 1: producto no encontrado"):
        terminal.transfers.send(ROSA, [("NADA", "1")], from_warehouse=store, to_warehouse=f"{store}-bodega")
    with pytest.raises(inventory.NotAdministrator):
        terminal.transfers.send(MARTA, [("LEC-1", "1")], from_warehouse=store, to_warehouse=f"{store}-bodega")
    assert terminal.journal.head == head


def _incoming(terminal, transfer_id: str = "T-1", to_warehouse: str | None = None) -> events.TransferIncoming:
    store = terminal.journal.identity.store_id
    event = events.TransferIncoming(
        transfer_id=transfer_id, from_store="norte", from_warehouse="norte-bodega",
        to_warehouse=store if to_warehouse is None else to_warehouse,
        lines=(events.TransferLine("LEC-1", "Leche Entera Colun 1 L", Decimal(12), 800),
               events.TransferLine("PAN-1", "Pan Batido", Decimal("2.000"), 1100)),
        sent_by="juan", sent_at="2026-11-20T08:00:00.000-03:00")
    terminal.journal.append(event)
    return event


def test_a_transfer_from_another_store_is_received_once_with_its_differences(terminal) -> None:
    _incoming(terminal)
    event = terminal.transfers.receive(ROSA, "T-1", {"LEC-1": "10"}, note="2 rotas")
    assert [(x.sku, x.sent, x.received, x.unit_cost) for x in event.lines] == [
        ("LEC-1", Decimal(12), Decimal(10), 800), ("PAN-1", Decimal("2.000"), Decimal("2.000"), 1100)]
    assert (event.from_store, event.to_warehouse, event.received_by) == (
        "norte", terminal.journal.identity.store_id, "rosa")
    head = terminal.journal.head
    with pytest.raises(transfers.TransferAlreadyReceived, match="ya fue recibido \\(lo recibió Rosa Díaz\\)"):
        terminal.transfers.receive(ROSA, "T-1")
    assert terminal.journal.head == head


def test_receiving_what_is_not_for_this_store_or_not_in_the_transfer_is_refused(terminal) -> None:
    _incoming(terminal, "T-2", to_warehouse="sur")
    _incoming(terminal, "T-3")
    head = terminal.journal.head
    with pytest.raises(transfers.TransferNotForThisStore, match="va a sur"):
        terminal.transfers.receive(ROSA, "T-2")
    with pytest.raises(transfers.TransferRefused, match="No hay un traslado 'T-9'"):
        terminal.transfers.receive(ROSA, "T-9")
    with pytest.raises(transfers.TransferRefused, match="no trae COC-15"):
        terminal.transfers.receive(ROSA, "T-3", {"COC-15": "1"})
    with pytest.raises(errors.InvalidQuantity, match="negativa"):
        terminal.transfers.receive(ROSA, "T-3", {"LEC-1": "-1"})
    with pytest.raises(errors.InvalidQuantity, match="sin decimales"):
        terminal.transfers.receive(ROSA, "T-3", {"LEC-1": "1,5"})
    with pytest.raises(inventory.NotAdministrator):
        terminal.transfers.receive(MARTA, "T-3")
    assert terminal.journal.head == head
    nothing = terminal.transfers.receive(ROSA, "T-3", {"LEC-1": "0", "PAN-1": "0"})
    assert [x.received for x in nothing.lines] == [0, 0]
