"""Issue 12's proof: two stores of one tenant run their back office offline (purchases typed in, sales, goods moved
between their warehouses and from one store to the other, a count, a merma), then sync; the master's stock per
warehouse, cost state and kardex equal ``shared.inventory.fold`` of both journals (and so do the tills' own, and a
rebuild of the master), every sold line's cost reaches the master, the transfer arrives at the other store and is
received there with a difference, and HQ's Stock page shows it. Under PPP, and under FIFO when HQ chose it first."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from desktop.journal import inventory_queries
from shared import inventory
from shared.events import registry
from syncserver import tenancy
from syncserver.hq import auth
from syncserver.hq.stock import fmt_cost, fmt_quantity
from syncserver.hq.web import fmt_clp
from syncserver.ingest import rebuild
from syncserver.store import db
from syncserver.store import inventory as hq_inventory
from tests.e2e import sync_kit
from tests.syncserver.hq.hq_support import ARGS, CHROMIUM, FAST, PASSWORD, SHOTS, sign_in

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")]

ROWS = sync_kit.catalog_rows(20)
SUPPLIER = ("78.345.120-4", "Comercial Los Aromos Ltda.", "Distribución de abarrotes")
TODAY = "2026-11-20"


def _stores(server: Any) -> None:
    """Tenant 1 with stores centro and norte, each with its sala de ventas and its bodega (``<store>-bodega``)."""
    async def go(pool: Any) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
        await tenancy.create_store(pool, 1, "centro", "Centro", bodega=True)
        await tenancy.create_store(pool, 1, "norte", "Norte", bodega=True)
        await auth.create_login(pool, 1, "pepe@donpepe.cl", "José Pérez", PASSWORD, FAST)
    server.run(go)


def _synced(*tills: Any) -> None:
    """Each till syncs until it has nothing left to push (what a pull journals is pushed on the next round)."""
    for till in tills:
        for _ in range(5):
            status = till.sync.sync_once(till.terminal.journal.clock())
            assert status.online, status
            if status.pending == 0:
                break
        assert status.pending == 0, status


def book_of(term: Any, method: str = "ppp") -> inventory.Book:
    """``shared.inventory.fold`` of the till's whole journal (the reference both sides must equal)."""
    journal = term.journal
    return inventory.fold(journal.identity.store_id,
                          ((e, journal.codec.decode(e.type, e.version, e.payload)) for e in journal.read()), method)


def book_rows(book: inventory.Book) -> list[tuple[Any, ...]]:
    """The kardex of ``book`` as comparable rows: warehouse, sku, kind, quantity, balance, unit cost, value,
    document, reference, who."""
    return [(r.movement.warehouse, r.movement.sku, r.movement.kind, r.movement.quantity, r.balance, r.unit_cost,
             r.value, r.movement.document, r.movement.reference, r.movement.who) for r in book.kardex]


def till_rows(term: Any) -> list[tuple[Any, ...]]:
    """The till's own kardex (every product, journal order) as :func:`book_rows` gives the fold's."""
    milli = Decimal(1000)
    return [(w, sku, kind, Decimal(q) / milli, Decimal(b) / milli, unit_cost, value, document, reference, who)
            for w, sku, kind, q, b, unit_cost, value, document, reference, who in term.journal.conn.execute(
                "SELECT warehouse, sku, kind, quantity, balance, unit_cost, value, document, reference, who"
                " FROM kardex ORDER BY id")]


def hq_stock_rows(page: Any) -> list[list[str]]:
    """The cells of HQ's Stock table, row by row, as the page shows them."""
    return page.locator("table[aria-label='Stock por producto y bodega'] tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")


def _costing(server: Any, method: str) -> None:
    """HQ's owner sets the tenant's costing method (published to every till's feed)."""
    async def go(pool: Any) -> None:
        async with db.tenant_tx(pool, 1) as conn:
            await hq_inventory.save_settings(conn, 1, costing=method, store_prices=False, merma_pin_above=20000,
                                             by="pepe@donpepe.cl")
    server.run(go)


def _sold_costs(term: Any) -> dict[tuple[str, int], int | None]:
    """``(sale id, line id) → cost`` of every line the till sold, as its journal recorded them."""
    journal = term.journal
    return {(e.sale_id, x.line_id): x.cost for e in (journal.codec.decode(x.type, x.version, x.payload)
                                                     for x in journal.read() if x.type == "sale.completed")
            for x in e.lines}


def _master_state(server: Any) -> list[Any]:
    """The master's stock, cost states (as ``CostState``: its JSON may write 43 as ``"43.000"``) and kardex."""
    stock, costs, kardex = (sync_kit.master(server, sql, 1) for sql in (
        "SELECT warehouse_id, sku, quantity FROM stock ORDER BY 1, 2",
        "SELECT store_id, sku, on_hand, unit_cost, state FROM cost_state ORDER BY 1, 2",
        "SELECT store_id, sku, pos, warehouse_id, kind, quantity, balance, unit_cost, value, document FROM kardex"
        " ORDER BY 1, 2, 3"))
    return [stock, [(*row[:4], inventory.CostState.from_json(row[4])) for row in costs], kardex]


@pytest.mark.parametrize("method", ["ppp", "fifo"])
def test_two_stores_offline_then_synced_give_the_master_the_fold_of_both_journals(server, make_till, method):
    _stores(server)
    centro, norte = make_till(1, "centro", ROWS), make_till(1, "norte", ROWS)
    if method != "ppp":  # HQ chose it before the day began: the tills receive it on their morning sync
        _costing(server, method)
        _synced(centro, norte)
    rng = random.Random(12)
    rut, razon, giro = SUPPLIER
    a, b = centro.terminal, norte.terminal
    assert inventory_queries.inventory_settings(a.journal.conn).costing == method
    rosa_a, rosa_b = a.auth.sign_in("rosa", "0000"), b.auth.sign_in("rosa", "0000")

    # offline, at centro: a paper factura for the sala, a guía de despacho into the bodega, sales, goods to the
    # sala, a transfer to norte, a count of the sala and a merma
    a.purchases.record_manual(rosa_a, rut, 30, 101, TODAY, [
        a.purchases.manual_line("P001", "24", "410"), a.purchases.manual_line("P002", "12", "520"),
        a.purchases.manual_line("P007", "7,250", "1.300")], razon_social=razon, giro=giro)
    a.purchases.record_manual(rosa_a, rut, 52, 55, TODAY, [a.purchases.manual_line("P003", "40", "380")],
                              warehouse="centro-bodega")
    sync_kit.sell(a, 8, rng, len(ROWS))
    a.purchases.record_manual(rosa_a, rut, 30, 102, TODAY, [  # P001 again, dearer, with its expiry date (a FIFO lot)
        a.purchases.manual_line("P001", "12", "455", expiry="31-01-2027")], razon_social=razon, giro=giro)
    sync_kit.sell(a, 7, rng, len(ROWS))
    a.transfers.send(rosa_a, [("P003", "10")], from_warehouse="centro-bodega", to_warehouse="centro")
    sent = a.transfers.send(rosa_a, [("P001", "6"), ("P003", "5")], from_warehouse="centro", to_store="norte")
    count = a.counts.start(rosa_a, "centro")
    for sku, off in (("P001", -1), ("P002", 0), ("P004", 2)):
        a.counts.count(rosa_a, count.count_id, sku, str(inventory_queries.on_hand(a.journal.conn, sku, "centro") + off))
    a.counts.post(rosa_a, count.count_id, "Toma semanal")
    a.mermas.record(rosa_a, "P002", "1", "dano", note="Envase roto")

    # offline, at norte: its own factura, sales, a merma and a count of the sala
    b.purchases.record_manual(rosa_b, rut, 30, 201, TODAY, [
        b.purchases.manual_line("P001", "10", "430"), b.purchases.manual_line("P005", "20", "250")],
        razon_social=razon, giro=giro)
    sync_kit.sell(b, 10, rng, len(ROWS))
    b.mermas.record(rosa_b, "P005", "2", "vencimiento")
    count = b.counts.start(rosa_b, "norte")
    b.counts.count(rosa_b, count.count_id, "P005", str(inventory_queries.on_hand(b.journal.conn, "P005", "norte") - 1))
    b.counts.post(rosa_b, count.count_id, "Toma semanal")

    # both sync: HQ shows the transfer in transit; norte receives it (one P003 short) and syncs that too
    _synced(centro, norte)
    incoming = b.transfers.incoming(sent.transfer_id)
    assert (incoming.from_store, incoming.state) == ("centro", "in_transit")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-CL")
            page.goto(server.url + "/hq/stock")
            sign_in(page)
            transit = page.get_by_role("table", name="Traslados en tránsito")
            expect(transit.get_by_role("row").filter(has_text="Centro").filter(has_text="Norte")).to_have_count(1)
            page.screenshot(path=str(SHOTS / f"e2e_back_office_en_transito_{method}.png"), full_page=True)

            b.transfers.receive(rosa_b, sent.transfer_id, {"P003": "4"}, note="Llegó una caja abierta")
            _synced(norte, centro)
            books = {"centro": book_of(a, method), "norte": book_of(b, method)}
            _hq_shows_the_fold(server, page, books)
        finally:
            browser.close()

    # each till's own kardex is the fold of its journal
    for term in (a, b):
        assert till_rows(term) == book_rows(books[term.journal.identity.store_id])
    # the master's stock per warehouse, cost state and kardex are the fold of both journals
    expected_stock = {key: q for book in books.values() for key, q in book.stock.items() if q != 0}
    master_stock = {(w, s): q for w, s, q in sync_kit.master(server, "SELECT warehouse_id, sku, quantity FROM stock",
                                                             1) if q != 0}
    assert master_stock == expected_stock
    assert expected_stock[("centro-bodega", "P003")] == 40 - 10
    arrived = [(r.movement.sku, r.movement.quantity) for r in books["norte"].kardex
               if r.movement.kind == "traslado_entrada"]
    assert arrived == [("P001", 6), ("P003", 4)]  # as received: the difference stays a difference, never hidden
    master_costs = {(store, sku): inventory.CostState.from_json(state) for store, sku, state in sync_kit.master(
        server, "SELECT store_id, sku, state FROM cost_state", 1)}
    assert master_costs == {(store, sku): state for store, book in books.items() for sku, state in book.costs.items()}
    for store, book in books.items():
        master_kardex = [(w, sku, kind, q, bal, int(uc), int(v), doc, ref, who) for w, sku, kind, q, bal, uc, v, doc,
                         ref, who in sync_kit.master(
                             server, "SELECT warehouse_id, sku, kind, quantity, balance, unit_cost, value, document,"
                                     " reference, who FROM kardex WHERE store_id = %s ORDER BY sku, pos", 1, (store,))]
        assert master_kardex == sorted(book_rows(book), key=lambda row: row[1]), store  # each product's, in order
    # every sold line's cost, as the till recorded it at checkout, is the master's; the bought ones are costed
    master_costs_sold = {(sale, line): cost for sale, line, cost in sync_kit.master(
        server, "SELECT sale_id, line_id, cost FROM sale_lines", 1)}
    sold = {**_sold_costs(a), **_sold_costs(b)}
    assert master_costs_sold == sold
    assert any(cost for cost in sold.values()) and any(cost is None for cost in sold.values())
    # a rebuild of the master from the stored events folds the same rows
    before = _master_state(server)
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert _master_state(server) == before


def _worth(book: inventory.Book, sku: str) -> Decimal | None:
    """What one unit of ``sku`` on hand is worth in ``book``: its value at cost over what is on hand (under PPP the
    average; under FIFO the layers' mean), or the cost a unit leaves at when nothing is on hand."""
    state = book.costs.get(sku, inventory.CostState())
    if book.on_hand(sku) > 0 and state.costed:
        return Decimal(book.value(sku)) / book.on_hand(sku)
    return inventory.current_cost(state, book.method)


def _hq_shows_the_fold(server: Any, page: Any, books: dict[str, inventory.Book]) -> None:
    """HQ's Stock page, searched for each moved product, shows every warehouse's quantity and what a unit is worth
    in the fold, nothing in transit, and each store's value at cost."""
    from playwright.sync_api import expect

    names = dict(sync_kit.master(server, "SELECT warehouse_id, name FROM warehouses", 1))
    stores = {"centro": "Centro", "norte": "Norte"}
    page.goto(server.url + "/hq/stock")
    expect(page.get_by_text("No hay mercadería en tránsito")).to_be_visible()
    tiles = page.get_by_role("region", name="Valor por tienda")
    for store, book in books.items():
        value = sum(book.value(sku) for sku in book.totals)
        expect(tiles.get_by_text(stores[store], exact=True)).to_be_visible()
        expect(tiles.locator(".tile").filter(has_text=stores[store]).locator("strong")).to_have_text(fmt_clp(value))
    page.screenshot(path=str(SHOTS / f"e2e_back_office_stock_{next(iter(books.values())).method}.png"),
                    full_page=True)
    for sku in ("P001", "P003", "P005", "P007"):
        page.goto(f"{server.url}/hq/stock?q={sku}")
        shown = {(row[1], row[2], row[5]) for row in hq_stock_rows(page)}
        sold_by = "kg" if sku == "P007" else "unit"
        for store, book in books.items():
            cost = fmt_cost(_worth(book, sku))
            for (warehouse, moved), quantity in book.stock.items():
                if moved == sku and quantity != 0:
                    assert (f"{stores[store]}\n{names[warehouse]}", fmt_quantity(quantity, sold_by), cost) in shown, (
                        sku, warehouse, shown)
