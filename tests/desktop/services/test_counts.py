"""Tomas de inventario at the till: a blind sheet filled by scanning or typing (kept through a power cut), posted
once against what the warehouse holds then; a product HQ deactivated meanwhile is named and the rest can be
posted; every bad input refused in Spanish with nothing journaled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.services import counts, inventory
from desktop.services.auth import User
from shared import errors, roles
from shared.events import catalog as catalog_events

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)


def test_a_blind_count_is_posted_once_against_the_stock_then(terminal) -> None:
    started = terminal.counts.start(ROSA)
    assert started.warehouse == terminal.journal.identity.store_id and started.category == ""
    for _ in range(3):
        terminal.counts.count(ROSA, started.count_id, "7801234567894", "1", add=True)
    terminal.counts.count(ROSA, started.count_id, "PAN-1", "14,250")
    terminal.counts.count(ROSA, started.count_id, "COC-15", "12")
    terminal.counts.count(ROSA, started.count_id, "COC-15", "11")  # typed again: the last one stays
    assert [(x.sku, x.counted) for x in terminal.counts.sheet(started.count_id)] == [
        ("COC-15", Decimal(11)), ("LEC-1", Decimal(3)), ("PAN-1", Decimal("14.250"))]
    event = terminal.counts.post(ROSA, started.count_id, "Toma mensual")
    assert sorted((x.sku, x.expected, x.counted, x.delta) for x in event.lines) == [
        ("COC-15", Decimal(12), Decimal(11), Decimal(-1)), ("LEC-1", Decimal(24), Decimal(3), Decimal(-21)),
        ("PAN-1", Decimal("15.000"), Decimal("14.250"), Decimal("-0.750"))]
    assert (event.reason, event.counted_by, event.approved_by) == ("Toma mensual", "rosa", "rosa")
    head = terminal.journal.head
    with pytest.raises(counts.CountAlreadyPosted, match="ya fue publicada \\(la aprobó Rosa Díaz\\)"):
        terminal.counts.post(ROSA, started.count_id, "Toma mensual")
    with pytest.raises(counts.CountAlreadyPosted):
        terminal.counts.count(ROSA, started.count_id, "LEC-1", "1")
    assert terminal.journal.head == head
    assert terminal.counts.start(ROSA).count_id != started.count_id  # the warehouse can be counted again


def test_the_sheet_survives_a_power_cut(make_terminal, tmp_path) -> None:
    data = tmp_path / "caja"
    term = make_terminal(data_dir=data)
    started = term.counts.start(ROSA, category="Lácteos")
    term.counts.count(ROSA, started.count_id, "LEC-1", "20")
    term.journal.close()
    again = make_terminal(data_dir=data, fresh=False)
    assert [(x.sku, x.counted) for x in again.counts.sheet(started.count_id)] == [("LEC-1", Decimal(20))]
    with pytest.raises(counts.CountRefused, match="Coca-Cola 1,5 L es de Bebidas; esta toma cuenta Lácteos"):
        again.counts.count(ROSA, started.count_id, "COC-15", "1")
    with pytest.raises(counts.CountRefused, match="Ya hay una toma abierta"):
        again.counts.start(ROSA)
    assert again.counts.start(ROSA, category="Bebidas").category == "Bebidas"


def test_a_product_deactivated_at_hq_while_counting_is_named_and_the_rest_posts(terminal) -> None:
    started = terminal.counts.start(ROSA)
    terminal.counts.count(ROSA, started.count_id, "LEC-1", "20")
    terminal.counts.count(ROSA, started.count_id, "COC-15", "10")
    terminal.journal.append(catalog_events.ProductUpserted(
        "COC-15", "Coca-Cola 1,5 L", 1990, "Bebidas", "unit", ("7801610001196",), None, "Coca-Cola", False, True,
        active=False, source="hq"))
    head = terminal.journal.head
    with pytest.raises(counts.InactiveProducts, match=r"desactivó este producto .*: Coca-Cola 1,5 L \(COC-15\)"
                       ) as caught:
        terminal.counts.post(ROSA, started.count_id, "Toma mensual")
    assert caught.value.products == [("COC-15", "Coca-Cola 1,5 L")]
    assert terminal.journal.head == head
    event = terminal.counts.post(ROSA, started.count_id, "Toma mensual", leave_out_inactive=True)
    assert [x.sku for x in event.lines] == ["LEC-1"]


def test_bad_counts_are_refused_and_nothing_is_journaled(terminal) -> None:
    store = terminal.journal.identity.store_id
    started = terminal.counts.start(ROSA, f"{store}-bodega")
    head = terminal.journal.head
    with pytest.raises(errors.InvalidQuantity, match="negativa"):
        terminal.counts.count(ROSA, started.count_id, "LEC-1", "-1")
    with pytest.raises(errors.InvalidQuantity, match="fuera de rango"):
        terminal.counts.count(ROSA, started.count_id, "LEC-1", "7801234567894")
    with pytest.raises(errors.UnknownProduct):
        terminal.counts.count(ROSA, started.count_id, "7802000000003", "1")
    with pytest.raises(counts.CountRefused, match="No hay una toma de inventario 'X-1'"):
        terminal.counts.count(ROSA, "X-1", "LEC-1", "1")
    with pytest.raises(counts.CountRefused, match="no tiene productos contados"):
        terminal.counts.post(ROSA, started.count_id, "Toma")
    with pytest.raises(inventory.Refused, match="Indique el motivo"):
        terminal.counts.post(ROSA, started.count_id, " ")
    with pytest.raises(inventory.NotAdministrator):
        terminal.counts.post(MARTA, started.count_id, "Toma", counted={"LEC-1": "1"})
    with pytest.raises(inventory.UnknownWarehouse):
        terminal.counts.start(ROSA, "sur-bodega")
    with pytest.raises(counts.CountRefused, match="'NADA-1', que no es un producto"):
        terminal.counts.post(ROSA, started.count_id, "Toma", counted={"NADA-1": "1"})
    assert terminal.journal.head == head
    event = terminal.counts.post(ROSA, started.count_id, "Toma de bodega", counted={"LEC-1": "5", "PAN-1": "0"})
    assert [(x.sku, x.expected, x.counted) for x in event.lines] == [
        ("LEC-1", Decimal(0), Decimal(5)), ("PAN-1", Decimal(0), Decimal(0))]
