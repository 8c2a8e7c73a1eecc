"""Products the store creates itself, on a real SQLite journal: a scanned code the catalog lacks becomes a product
sellable at once, with a SKU of the store and till, local until HQ's product of that SKU arrives; every bad input is
refused in Spanish with nothing journaled."""

from __future__ import annotations

import pytest

from desktop.journal import local_products_projection, read_models
from desktop.services import inventory
from desktop.services.auth import User
from desktop.services.local_products import NewProduct, parse_barcodes, parse_price
from shared import errors, roles
from shared.events import catalog as catalog_events
from shared.sale import Tender, TenderKind

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)
NEW_CODE = "7800000000023"


def test_a_scanned_code_becomes_a_local_product_sold_at_once(selling) -> None:
    event = selling.local_products.create(ROSA, NewProduct(" Empanada  de Pino ", "$2.500", "Panadería",
                                                           barcodes=NEW_CODE))
    store, terminal_id = selling.journal.identity.store_id, selling.journal.identity.terminal_id
    tag = "".join(c for c in terminal_id if c.isalnum())[:4].upper()
    assert event.sku == f"{store}-L1-{tag}"
    assert (event.name, event.price, event.barcodes, event.source, event.created_by) == (
        "Empanada de Pino", 2500, (NEW_CODE,), "store", "rosa")
    product = read_models.by_barcode(selling.journal.conn, NEW_CODE)
    assert product is not None and product.sku == event.sku and product.price == 2500
    assert local_products_projection.local_skus(selling.journal.conn, [event.sku, "LEC-1"]) == {event.sku}
    sale = selling.checkout.scan(NEW_CODE)
    assert sale.lines[-1].sku == event.sku
    done = selling.checkout.complete((Tender(TenderKind.CASH, 2500),))
    assert done.event.total == 2500 and done.event.lines[0].sku == event.sku
    second = selling.local_products.create(ROSA, NewProduct("Queso de cabra", "8990", "Fiambrería", sold_by="kg",
                                                            iva_exempt=True))
    assert second.sku == f"{store}-L2-{tag}" and second.sold_by == "kg" and second.iva_exempt


def test_hq_adopting_the_sku_makes_it_hq_s_and_a_rebuild_gives_the_same(terminal) -> None:
    mine = terminal.local_products.create(ROSA, NewProduct("Empanada de Pino", "2500", "Panadería"))
    other = terminal.local_products.create(ROSA, NewProduct("Sopaipilla", "300", "Panadería"))
    conn = terminal.journal.conn
    assert local_products_projection.local_skus(conn, [mine.sku, other.sku]) == {mine.sku, other.sku}
    terminal.journal.append(catalog_events.ProductUpserted(
        sku=mine.sku, name="Empanada de Pino Horno", price=2600, category="Panadería", sold_by="unit", barcodes=(),
        plu=None, brand="", iva_exempt=False, favourite=False, source="hq"))
    assert local_products_projection.local_skus(conn, [mine.sku, other.sku]) == {other.sku}
    terminal.journal.rebuild_projections()
    assert local_products_projection.local_skus(conn, [mine.sku, other.sku]) == {other.sku}
    adopted = read_models.by_sku(conn, mine.sku)
    assert adopted is not None and adopted.price == 2600


def test_bad_input_is_refused_in_spanish_and_nothing_is_journaled(terminal) -> None:
    head = terminal.journal.head
    service = terminal.local_products
    cases: list[tuple[NewProduct, type[Exception], str]] = [
        (NewProduct("", "1000", "Varios"), inventory.Refused, "Indique el nombre"),
        (NewProduct("Algo", "1000", " "), inventory.Refused, "Indique la categoría"),
        (NewProduct("Algo", "", "Varios"), errors.InvalidAmount, "escriba el precio"),
        (NewProduct("Algo", "0", "Varios"), errors.InvalidAmount, "mayor que cero"),
        (NewProduct("Algo", "12,5", "Varios"), errors.InvalidAmount, "solo números"),
        (NewProduct("Algo", "-100", "Varios"), errors.InvalidAmount, "solo números"),
        (NewProduct("Algo", "7801234567894", "Varios"), errors.InvalidAmount, "demasiado grande"),
        (NewProduct("Algo", "123456789", "Varios"), errors.InvalidAmount, "fuera de rango"),
        (NewProduct("Algo", "1000", "Varios", barcodes="7801234567890"), errors.InvalidBarcode,
         "dígito verificador"),
        (NewProduct("Algo", "1000", "Varios", barcodes="ABC"), errors.InvalidBarcode, "dígitos"),
        (NewProduct("Algo", "1000", "Varios", barcodes="7801234567894"), inventory.Refused,
         "ya es del producto «Leche Entera Colun 1 L» \\(LEC-1\\)"),
        (NewProduct("leche entera colún 1 l", "1000", "Varios"), inventory.Refused,
         "Ya existe un producto llamado «Leche Entera Colun 1 L»"),
        (NewProduct("Algo", "1000", "Varios", sold_by="litro"), inventory.Refused, "por unidad o por kilo"),
        (NewProduct("x" * 121, "1000", "Varios"), inventory.Refused, "demasiado largo"),
    ]
    for product, error, message in cases:
        with pytest.raises(error, match=message):
            service.create(ROSA, product)
    with pytest.raises(inventory.NotAdministrator, match="Marta Rojas"):
        service.create(MARTA, NewProduct("Algo", "1000", "Varios"))
    with pytest.raises(inventory.NotAdministrator):
        service.create(None, NewProduct("Algo", "1000", "Varios"))
    assert terminal.journal.head == head


def test_a_barcode_of_the_store_s_own_product_is_not_given_twice(terminal) -> None:
    first = terminal.local_products.create(ROSA, NewProduct("Empanada", "2500", "Panadería", barcodes=NEW_CODE))
    with pytest.raises(inventory.Refused, match=f"ya es del producto «Empanada» \\({first.sku}\\)"):
        terminal.local_products.create(ROSA, NewProduct("Otra", "2500", "Panadería", barcodes=NEW_CODE))


def test_prices_and_codes_as_typed() -> None:
    assert parse_price("$1.990") == 1990 and parse_price(" 350 ") == 350
    assert parse_barcodes(f"{NEW_CODE}, 7800000000030\n{NEW_CODE}") == (NEW_CODE, "7800000000030")
    assert parse_barcodes("  ") == ()


def test_a_store_id_that_cannot_make_a_sku_is_refused(make_terminal) -> None:
    term = make_terminal(store_id="tienda-con-un-nombre-larguisimo-de-verdad")
    with pytest.raises(inventory.Refused, match="pida a HQ que cree el producto"):
        term.local_products.create(ROSA, NewProduct("Algo", "1000", "Varios"))
