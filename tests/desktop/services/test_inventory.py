"""The back office's common ground on a real till: quantities and costs read as es-CL types them, only an
administrador acts, the store's warehouses, the store's product settings (a crossed HQ edit is shown, never
overwritten) and the kardex exported from the journal."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from desktop.services import inventory
from desktop.services.auth import User
from shared import errors, roles
from shared.events import catalog as catalog_events
from shared.events import inventory as events

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)
ANA = User("ana", "Ana Pérez", roles.Role.CASHIER)


@pytest.mark.parametrize(("typed", "sold_by", "expected"), [
    ("12", "unit", Decimal(12)), (" 1.000 ", "unit", Decimal(1000)), ("12.345", "unit", Decimal(12345)),
    ("0,512", "kg", Decimal("0.512")), ("0.512", "kg", Decimal("0.512")), ("1.234,5", "kg", Decimal("1234.500")),
    (Decimal(3), "unit", Decimal(3)), (7, "unit", Decimal(7)),
])
def test_quantities_as_es_cl_writes_them(typed: object, sold_by: str, expected: Decimal) -> None:
    assert inventory.parse_quantity(typed, sold_by) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("typed", "sold_by", "reason"), [
    ("-3", "unit", "negativa"), ("0", "unit", "mayor que cero"), ("2,5", "unit", "sin decimales"),
    ("1.5", "unit", "sin decimales"), ("0,5125", "kg", "3 decimales"), ("7801234567894", "unit", "fuera de rango"),
    ("100.001", "unit", "fuera de rango"), ("doce", "unit", "no es una cantidad"), ("", "unit", "escriba"),
    ("1e3", "unit", "no es una cantidad"), ("NaN", "kg", "no es una cantidad"), ("1.00.0", "unit", "no es"),
    (True, "unit", "no es una cantidad"), ("2,000", "unit", "ambigua"),
])
def test_bad_quantities_are_refused_in_spanish(typed: object, sold_by: str, reason: str) -> None:
    with pytest.raises(errors.InvalidQuantity, match=reason):
        inventory.parse_quantity(typed, sold_by)  # type: ignore[arg-type]


def test_zero_is_a_quantity_only_when_asked() -> None:
    assert inventory.parse_quantity("0", "unit", zero=True) == 0
    assert inventory.parse_quantity("0,000", "kg", zero=True) == Decimal("0.000")


@pytest.mark.parametrize(("typed", "expected"), [
    ("1.990", 1990), ("$1.990", 1990), ("1990", 1990), (" $ 12.345.678 ", 12345678), ("0", 0), (850, 850),
])
def test_costs_are_whole_pesos(typed: str | int, expected: int) -> None:
    assert inventory.parse_cost(typed) == expected


@pytest.mark.parametrize(("typed", "reason"), [
    ("12,5", "no llevan decimales"), ("1.99", "pesos enteros"), ("-100", "negativo"), ("", "escriba"),
    ("mil", "pesos enteros"), ("999.999.999", "fuera de rango"), (-5, "negativo"), ("１２", "pesos enteros"),
])
def test_costs_that_are_not_whole_pesos_are_refused(typed: str | int, reason: str) -> None:
    with pytest.raises(errors.InvalidAmount, match=reason):
        inventory.parse_cost(typed)


def test_only_an_administrador_acts_a_supervisor_reads() -> None:
    assert inventory.require_admin(ROSA, "registrar mermas") is ROSA
    with pytest.raises(inventory.NotAdministrator, match="Solo un administrador puede registrar mermas; Marta Rojas "
                                                         r"\(supervisor\) puede consultar"):
        inventory.require_admin(MARTA, "registrar mermas")
    with pytest.raises(inventory.NotAdministrator):
        inventory.require_admin(ANA, "registrar mermas")
    with pytest.raises(inventory.NotAdministrator):
        inventory.require_admin(None, "registrar mermas")
    assert inventory.require_reader(MARTA) is MARTA
    with pytest.raises(inventory.NotAdministrator):
        inventory.require_reader(ANA)


def test_the_store_has_a_sala_de_ventas_and_a_bodega(terminal) -> None:
    store = terminal.journal.identity.store_id
    assert [(w.warehouse_id, w.name) for w in terminal.inventory.warehouses()] == [
        (store, "Sala de ventas"), (f"{store}-bodega", "Bodega")]
    assert inventory.own_warehouse(terminal.journal, "") == store
    with pytest.raises(inventory.UnknownWarehouse, match="no tiene la bodega 'otra-bodega'"):
        inventory.own_warehouse(terminal.journal, "otra-bodega")


def _settings(terminal, **values: object) -> None:
    terminal.journal.append(events.InventorySettingsReceived(**values))  # type: ignore[arg-type]


def test_store_settings_of_a_product(terminal) -> None:
    svc = terminal.inventory
    event = svc.set_product(ROSA, "LEC-1", price=None, min_stock="6", location="Pasillo 3, repisa 2", active=True,
                            seen_price=1150, seen_change=0)
    assert (event.price, event.min_stock, event.location, event.edited_by) == (None, Decimal(6), "Pasillo 3, repisa 2",
                                                                              "rosa")
    head = terminal.journal.head
    with pytest.raises(inventory.Refused, match="Casa matriz fija los precios"):
        svc.set_product(ROSA, "LEC-1", price="1.290", min_stock="", location="", active=True, seen_price=1150,
                        seen_change=0)
    with pytest.raises(errors.InvalidQuantity):
        svc.set_product(ROSA, "LEC-1", price=None, min_stock="-1", location="", active=True, seen_price=1150,
                        seen_change=0)
    with pytest.raises(inventory.NotAdministrator):
        svc.set_product(MARTA, "LEC-1", price=None, min_stock="1", location="", active=True, seen_price=1150,
                        seen_change=0)
    with pytest.raises(errors.UnknownProduct):
        svc.set_product(ROSA, "NADA-1", price=None, min_stock="1", location="", active=True, seen_price=0,
                        seen_change=0)
    assert terminal.journal.head == head
    _settings(terminal, store_prices=True)
    event = svc.set_product(ROSA, "LEC-1", price="1.290", min_stock="", location="", active=False, seen_price=1150,
                            seen_change=0)
    assert (event.price, event.min_stock, event.active) == (1290, None, False)
    with pytest.raises(errors.InvalidAmount, match="no llevan decimales"):
        svc.set_product(ROSA, "LEC-1", price="1290,5", min_stock="", location="", active=True, seen_price=1150,
                        seen_change=0)


def _hq_price(terminal, sku: str, price: int) -> None:
    terminal.journal.append(catalog_events.ProductUpserted(
        sku, "Leche Entera Colun 1 L", price, "Lácteos", "unit", ("7801234567894",), None, "Colun", False, True,
        source="hq"))


def test_an_edit_that_crosses_an_hq_change_of_an_older_feed_is_shown_not_saved(terminal, clock) -> None:
    """An HQ change without a feed change id (published before v2): HQ's price against the one the manager saw."""
    _settings(terminal, store_prices=True)
    svc = terminal.inventory
    svc.set_product(ROSA, "LEC-1", price=None, min_stock="6", location="", active=True, seen_price=1150,
                    seen_change=0)
    seen = inventory_queries_product(terminal, "LEC-1")  # the manager opens the product: HQ's price is $1.150
    clock.advance(minutes=5)
    _hq_price(terminal, "LEC-1", 1250)  # meanwhile HQ raises it
    head = terminal.journal.head
    with pytest.raises(inventory.CrossedEdit) as caught:
        svc.set_product(ROSA, "LEC-1", price="1.390", min_stock="6", location="", active=True,
                        seen_price=seen.hq_price, seen_change=0)
    assert caught.value.crossings == (inventory.Crossing("precio", "$1.250", "$1.150", "", "20-11-2026 09:35"),)
    assert "HQ cambió el precio a $1.250 el 20-11-2026 09:35; usted lo vio en $1.150" in str(caught.value)
    assert "No se guardó nada" in str(caught.value)
    assert terminal.journal.head == head
    now = inventory_queries_product(terminal, "LEC-1")
    event = svc.set_product(ROSA, "LEC-1", price="1.390", min_stock="6", location="", active=True,
                            seen_price=now.hq_price, seen_change=0)
    assert event.price == 1390 and event.seen_price == 1250


def test_a_crossed_edit_of_a_product_the_store_never_set_is_shown_too(terminal) -> None:
    _hq_price(terminal, "LEC-1", 1250)
    with pytest.raises(inventory.CrossedEdit, match=r"HQ cambió el precio a \$1.250 en fecha desconocida; usted lo "
                                                    r"vio en \$1.150"):
        terminal.inventory.set_product(ROSA, "LEC-1", price=None, min_stock="6", location="", active=True,
                                       seen_price=1150, seen_change=0)


def inventory_queries_product(terminal, sku: str):
    from desktop.journal import inventory_queries

    row = inventory_queries.store_product(terminal.journal.conn, sku)
    assert row is not None
    return row


def test_the_kardex_of_the_journal_exports_to_xlsx_and_csv(terminal) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    terminal.mermas.record(ROSA, "LEC-1", "2", "vencimiento")
    data = terminal.inventory.export_kardex("LEC-1", "xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(data))["Kardex"].iter_rows(values_only=True))
    assert rows[0][0] == "Kardex de Leche Entera Colun 1 L (LEC-1)"
    body = rows[3:]
    assert [r[2] for r in body][-1] == "Merma"
    assert body[-1][5] == -2 and body[-1][6] == 22
    text = terminal.inventory.export_kardex("LEC-1", "csv").decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert csv_rows[-1][2] == "Merma" and csv_rows[-1][5:7] == ["-2", "22"]
    assert len(csv_rows) == len(rows) - 1
    assert terminal.inventory.export_kardex("LEC-1", "pdf").startswith(b"%PDF")
    with pytest.raises(inventory.Refused, match="Formato 'ods' desconocido"):
        terminal.inventory.export_kardex("LEC-1", "ods")
