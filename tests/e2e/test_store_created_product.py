"""A product the store creates itself, through a real sync (HTTP server, PostgreSQL, two tills' SQLite journals):
created and sold at Centro's till offline, pushed (the master keeps it as Centro's proposal, Norte's feed has
nothing), adopted by the owner on HQ's catalog page, pulled back: Centro's product is HQ's (no longer local, its sale
kept), and Norte's till sells it too."""

from __future__ import annotations

import re
from typing import Any

from desktop.journal import local_products_projection, read_models
from desktop.presenters.backoffice.sources import JournalInventory
from desktop.services.local_products import NewProduct
from shared.sale import Tender, TenderKind
from tests.e2e import sync_kit as kit

CODE = "7800000000023"


def synced(*tills: Any) -> None:
    """Each till syncs until it has nothing left to push (what a pull journals is pushed on the next round)."""
    for till in tills:
        for _ in range(5):
            status = till.sync.sync_once(till.terminal.journal.clock())
            assert status.online, status
            if status.pending == 0:
                break
        assert status.pending == 0, status


def sell(term: Any, code: str, amount: int) -> str:
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.open(ana, 20_000)
    term.checkout.start(ana, shift.shift_id)
    term.checkout.scan(code)
    return str(term.checkout.complete((Tender(TenderKind.CASH, amount),)).event.sale_id)


def test_created_at_the_till_pushed_adopted_at_hq_and_pulled_back(server, make_till) -> None:
    kit.setup_tenants(server)
    centro, norte = make_till(1, "centro", kit.catalog_rows(3)), make_till(1, "norte", kit.catalog_rows(3))
    rosa = centro.terminal.auth.sign_in("rosa", "0000")
    created = centro.terminal.local_products.create(rosa, NewProduct("Empanada de Pino", "2.500", "Panadería",
                                                                     barcodes=CODE))
    sku = created.sku
    sale_id = sell(centro.terminal, CODE, 2500)  # offline: sold at once
    synced(centro, norte)

    assert kit.master(server, "SELECT store_id, sku, data->>'name', adopted_at FROM store_created_products", 1) == [
        ("centro", sku, "Empanada de Pino", None)]
    assert kit.master(server, "SELECT count(*) FROM products WHERE sku = %s", 1, (sku,)) == [(0,)]
    assert read_models.by_sku(norte.terminal.journal.conn, sku) is None  # not sent to another store
    assert kit.master(server, "SELECT l.sku, l.amount FROM sale_lines l WHERE l.sale_id = %s", 1, (sale_id,)) == [
        (sku, 2500)]

    with kit.hq_owner(server) as hq:
        page = hq.get("/hq/catalogo")
        assert "Creados en tiendas (pendientes)" in page.text and sku in page.text
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        adopted = hq.post("/hq/catalogo/de-tiendas/adoptar",
                          data={"csrf": token.group(1), "tienda": "centro", "sku": sku}, follow_redirects=False)
        assert adopted.status_code == 303, adopted.text
        assert "Creados en tiendas (pendientes)" not in hq.get("/hq/catalogo").text

    synced(centro, norte)
    conn = centro.terminal.journal.conn
    assert local_products_projection.local_skus(conn, [sku]) == set()
    shown = JournalInventory(conn).product(sku)
    assert shown is not None and not shown.local and shown.name == "Empanada de Pino" and shown.hq_price == 2500
    assert read_models.by_barcode(norte.terminal.journal.conn, CODE).sku == sku  # type: ignore[union-attr]
    norte_sale = sell(norte.terminal, CODE, 2500)
    synced(norte)
    assert kit.master(server, "SELECT store_id, sku FROM sales s JOIN sale_lines l USING (tenant_id, sale_id)"
                              " WHERE l.sku = %s ORDER BY store_id", 1, (sku,)) == [("centro", sku), ("norte", sku)]
    assert kit.master(server, "SELECT sku, name, price, version FROM products WHERE sku = %s", 1, (sku,)) == [
        (sku, "Empanada de Pino", 2500, 1)]
    assert norte_sale != sale_id
