"""HQ's reads of the stores' goods against the throwaway PostgreSQL (``syncserver.store.inventory``): stock per
warehouse with value at cost, alerts and goods in transit, filters and search; the inventory settings, checked,
saved and published to every till."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg
import psycopg_pool
import pytest

from shared import inventory as inv
from syncserver import tenancy
from syncserver.ingest import rebuild
from syncserver.store import change_feed, db, inventory
from tests.syncserver.dte.folio_kit import CODEC, Db, migrated
from tests.syncserver.ingest import back_office_kit as kit


def _seed(data: Db) -> None:
    async def stores(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_store(pool, 1, "norte", "Norte", bodega=True)

    data.run(stores)
    with psycopg.connect(data.admin_url) as conn:
        conn.execute("INSERT INTO products (tenant_id, sku, name, price, category, sold_by, barcodes, search_text)"
                     " VALUES (1, 'ACE-1', 'Aceite Maravilla 1 L', 2490, 'Abarrotes', 'unit', '{7801234000011}',"
                     " ' aceite maravilla 1 l ace 1 7801234000011 '), (1, 'PAN-1', 'Pan Batido', 1990, 'Panadería',"
                     " 'unit', '{}', ' pan batido pan 1 ')")
        conn.execute("INSERT INTO product_barcodes (tenant_id, code, sku) VALUES (1, '7801234000011', 'ACE-1')")
        conn.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (1, 'centro', 'ACE-1', 10),"
                     " (1, 'norte', 'ACE-1', 4), (1, 'norte-bodega', 'ACE-1', 2), (1, 'norte', 'PAN-1', -3)")
        conn.execute("INSERT INTO cost_state (tenant_id, store_id, sku, on_hand, unit_cost, state) VALUES"
                     " (1, 'centro', 'ACE-1', 10, 1500.5, '{}'), (1, 'norte', 'ACE-1', 6, 1400, '{}')")
        conn.execute("INSERT INTO store_products (tenant_id, store_id, sku, min_stock) VALUES (1, 'norte', 'ACE-1', 5),"
                     " (1, 'centro', 'ACE-1', 20)")
        conn.execute("INSERT INTO store_product_settings (tenant_id, store_id, sku, price, min_stock, location, active,"
                     " edited_by, edited_at, seen_price, seen_change) VALUES (1, 'norte', 'ACE-1', NULL, 8, '', true,"
                     " 'ana', '2026-12-07T10:00:00-03:00', 2490, 0)")
        conn.execute("INSERT INTO transfers (tenant_id, transfer_id, from_store, from_warehouse, to_store,"
                     " to_warehouse, state, sent_by, sent_at) VALUES (1, 'tr-1', 'centro', 'centro', 'norte',"
                     " 'norte-bodega', 'in_transit', 'ana', '2026-12-07T09:00:00-03:00'),"
                     " (1, 'tr-2', 'centro', 'centro', 'norte', 'norte', 'in_transit', 'ana',"
                     " '2026-12-07T09:30:00-03:00')")
        conn.execute("INSERT INTO transfer_lines (tenant_id, transfer_id, line_no, sku, name, quantity, unit_cost)"
                     " VALUES (1, 'tr-1', 1, 'ACE-1', 'Aceite', 3, 1500), (1, 'tr-2', 1, 'FID-1', 'Fideos', 5, 700)")


def test_stock_across_stores_with_value_alerts_and_goods_in_transit(pg_database: str) -> None:
    data = migrated(pg_database, {1: "76.235.291-5"})
    _seed(data)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> dict[str, object]:
        async with db.tenant_tx(pool, 1) as conn:
            return {"all": await inventory.stock(conn, 1),
                    "norte": await inventory.stock(conn, 1, store_id="norte"),
                    "bodega": await inventory.stock(conn, 1, warehouse_id="norte-bodega"),
                    "scanned": await inventory.stock(conn, 1, search="7801234000011"),
                    "words": await inventory.stock(conn, 1, search="ACEITE marav"),
                    "alerts": await inventory.stock(conn, 1, alerts_only=True),
                    "alerts_count": await inventory.alerts_count(conn, 1),
                    "page": await inventory.stock(conn, 1, limit=2, offset=2),
                    "transit": await inventory.transfers(conn, 1, state="in_transit", store_id="norte")}

    got = data.run(work)
    rows = {(r.warehouse_id, r.sku): r for r in got["all"].rows}
    assert sorted(rows) == [("centro", "ACE-1"), ("norte", "ACE-1"), ("norte", "FID-1"), ("norte", "PAN-1"),
                            ("norte-bodega", "ACE-1")]
    centro = rows[("centro", "ACE-1")]
    assert (centro.store_name, centro.name, centro.quantity, centro.value, centro.min_stock, centro.below_min) == (
        "Centro", "Aceite Maravilla 1 L", Decimal(10), 15005, Decimal(20), True)
    norte = rows[("norte", "ACE-1")]  # the store's own minimum (8) over HQ's (5), against 4 + 2 on hand in norte
    assert (norte.value, norte.min_stock, norte.store_on_hand, norte.below_min, norte.negative) == (
        5600, Decimal(8), Decimal(6), True, False)
    assert rows[("norte-bodega", "ACE-1")].in_transit == Decimal(3)
    bread = rows[("norte", "PAN-1")]
    assert (bread.negative, bread.unit_cost, bread.value, bread.alert) == (True, None, 0, True)
    fideos = rows[("norte", "FID-1")]  # only in transit: no stock row yet, named by its SKU
    assert (fideos.quantity, fideos.in_transit, fideos.name, fideos.alert) == (Decimal(0), Decimal(5), "FID-1", False)
    assert (got["all"].total, got["all"].value, got["all"].alerts) == (5, 15005 + 5600 + 2800, 4)
    assert {r.warehouse_id for r in got["norte"].rows} == {"norte", "norte-bodega"}
    assert [(r.warehouse_id, r.sku) for r in got["bodega"].rows] == [("norte-bodega", "ACE-1")]
    assert {r.sku for r in got["scanned"].rows} == {"ACE-1"} and got["scanned"].total == 3
    assert got["words"].total == 3
    assert {(r.warehouse_id, r.sku) for r in got["alerts"].rows} == {
        ("centro", "ACE-1"), ("norte", "ACE-1"), ("norte-bodega", "ACE-1"), ("norte", "PAN-1")}
    assert got["alerts_count"] == 4
    assert (got["page"].total, len(got["page"].rows)) == (5, 2)
    transit = got["transit"]
    assert [(t.transfer_id, t.to_warehouse, t.value, [(x.sku, x.sent, x.received) for x in t.lines])
            for t in transit] == [("tr-2", "norte", 3500, [("FID-1", Decimal(5), None)]),
                                  ("tr-1", "norte-bodega", 4500, [("ACE-1", Decimal(3), None)])]


def test_inventory_settings_are_checked_saved_and_published_to_every_till(pg_database: str) -> None:
    data = migrated(pg_database, {1: "76.235.291-5", 2: "76.086.428-5"})

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[object, ...]:
        async with db.tenant_tx(pool, 1) as conn:
            before = await inventory.settings(conn, 1)
            for costing, above, field in (("lifo", 1000, "costing"), ("fifo", -1, "merma_pin_above"),
                                          ("fifo", 10**13, "merma_pin_above")):
                with pytest.raises(inventory.SettingsError) as refused:
                    await inventory.save_settings(conn, 1, costing=costing, store_prices=True,
                                                  merma_pin_above=above, by="pepe@donpepe.cl")
                assert refused.value.field == field and str(refused.value)
            change = await inventory.save_settings(conn, 1, costing="fifo", store_prices=True, merma_pin_above=50000,
                                                   by="pepe@donpepe.cl")
            after = await inventory.settings(conn, 1)
        changes, _ = await change_feed.pull(pool, 1, "centro", 0)
        others, _ = await change_feed.pull(pool, 2, "centro", 0)
        return before, change, after, changes, others

    before, change, after, changes, others = data.run(work)
    assert before == inventory.InventorySettings()
    assert after.costing == "fifo" and after.store_prices and after.merma_pin_above == 50000  # type: ignore[attr-defined]
    assert after.updated_by == "pepe@donpepe.cl" and after.updated_at is not None  # type: ignore[attr-defined]
    published = [c for c in changes if c["kind"] == "inventory_settings"]  # type: ignore[attr-defined]
    assert published == [{"id": change, "kind": "inventory_settings", "key": "settings",
                          "data": {"costing": "fifo", "store_prices": True, "merma_pin_above": 50000}}]
    assert not [c for c in others if c["kind"] == "inventory_settings"]  # type: ignore[attr-defined]


def test_a_products_kardex_pages_newest_first_and_costs_match_the_tills_fold(pg_database: str) -> None:
    from shared import inventory as inv
    from tests.syncserver.dte.folio_kit import CODEC
    from tests.syncserver.ingest import back_office_kit as kit

    data = kit.world(pg_database)
    centro = kit.enroll(data, "centro")
    centro.record(kit.purchase("ACE-1", "10", 10000, "centro-bodega"))
    centro.record(kit.sent("int-1", "centro-bodega", "centro", "centro", "ACE-1", "6", 1000))
    centro.record(kit.purchase("ACE-1", "5", 6500, "centro"))
    for _ in range(3):
        centro.record(kit.sale("ACE-1", "1"))
    centro.record(kit.sent("tr-1", "centro-bodega", "norte", "norte", "ACE-1", "2", 1100))
    kit.push(data, centro)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[object, ...]:
        async with db.tenant_tx(pool, 1) as conn:
            first = await inventory.kardex(conn, 1, "centro", "ACE-1", limit=4)
            rest = await inventory.kardex(conn, 1, "centro", "ACE-1", before=first[-1].pos, limit=10)
            bodega = await inventory.kardex(conn, 1, "centro", "ACE-1", warehouse_id="centro-bodega")
            total = await inventory.kardex_count(conn, 1, "centro", "ACE-1")
            costs = await inventory.costs(conn, 1, sku="ACE-1")
            page = await inventory.stock(conn, 1, store_id="centro")
            transit = await inventory.stock(conn, 1, store_id="norte")
        return first, rest, bodega, total, costs, page, transit

    first, rest, bodega, total, costs, page, transit = data.run(work)
    book = kit.book(centro, "ppp", CODEC)
    assert total == len(book.kardex) == 8
    shown = [(r.warehouse_id, r.kind, r.quantity, r.balance, r.unit_cost, r.value, r.document)
             for r in [*first, *rest]]  # type: ignore[attr-defined]
    assert shown == [(x.movement.warehouse, x.movement.kind, x.movement.quantity, x.balance, x.unit_cost, x.value,
                      x.movement.document) for x in reversed(book.kardex)]
    assert [r.pos for r in [*first, *rest]] == list(range(8, 0, -1))  # type: ignore[attr-defined]
    assert [r.kind for r in bodega] == ["traslado_salida", "traslado_salida", "compra"]  # type: ignore[attr-defined]
    [cost] = costs  # type: ignore[misc]
    assert (cost.on_hand, cost.value) == (Decimal(10), inv.stock_value(book.costs["ACE-1"], Decimal(10), "ppp"))
    assert page.value == cost.value and page.total == 2  # type: ignore[attr-defined]
    [norte] = transit.rows  # type: ignore[attr-defined]
    assert (norte.warehouse_id, norte.quantity, norte.in_transit) == ("norte", Decimal(0), Decimal(2))


def _page(data: Db) -> tuple[inventory.StockPage, list[inventory.StoreTotal], inventory.StockPage]:
    """The Stock page's rows at all stores (every row on one page), its stores' sums, and :func:`inventory.stock`'s
    fold of the same rows (the query the page read before it kept its rows)."""

    async def read(pool: psycopg_pool.AsyncConnectionPool) -> Any:
        async with db.tenant_tx(pool, 1) as conn:
            page, totals = await inventory.stock_in(conn, 1, stores=STORES, limit=1000)
            return page, totals, await inventory.stock(conn, 1, limit=1000)

    found: tuple[inventory.StockPage, list[inventory.StoreTotal], inventory.StockPage] = data.run(read)
    return found


STORES = ["centro", "norte", "sur"]
WAREHOUSES = ("centro", "centro-bodega", "norte", "norte-bodega", "sur", "sur-bodega")


def _check(data: Db, books: dict[str, Any], minimums: dict[tuple[str, str], Decimal]) -> list[Any]:
    """The page equals the fold of the stock rows and, figure by figure, the tills' own fold of their journals."""
    page, totals, folded = _page(data)
    rows = sorted(page.rows, key=lambda r: (r.warehouse_id, r.sku))
    assert rows == sorted(folded.rows, key=lambda r: (r.warehouse_id, r.sku))
    assert page.rows == sorted(page.rows, key=lambda r: (not r.negative, not r.below_min, r.name, r.sku,
                                                         r.store_id, r.warehouse_id))
    held = {k: q for b in books.values() for k, q in kit.book_stock(b).items()}
    assert {(r.warehouse_id, r.sku): r.quantity for r in rows if r.quantity != 0} == held
    for r in rows:
        b = books.get(r.store_id)
        on_hand = b.on_hand(r.sku) if b is not None else Decimal(0)
        assert r.store_on_hand == on_hand, r
        cost = inv.current_cost(b.costs[r.sku], b.method) if b is not None and r.sku in b.costs else None
        assert r.value == (0 if cost is None else int((r.quantity * cost).quantize(Decimal(1), ROUND_HALF_UP))), r
        minimum = minimums.get((r.store_id, r.sku))
        assert (r.min_stock, r.below_min, r.negative) == (minimum, minimum is not None and on_hand < minimum,
                                                           r.quantity < 0), r
    for t in totals:
        mine = [r for r in rows if r.store_id == t.store_id]
        assert (t.rows, t.value, t.alerts) == (len(mine), sum(r.value for r in mine), sum(r.alert for r in mine))
    assert (page.total, page.value, page.alerts) == (folded.total, folded.value, folded.alerts)
    return rows


def test_the_kept_stock_rows_follow_what_two_tills_push_a_replay_and_a_rebuild(pg_database: str) -> None:
    """The Stock page's kept rows (migration 0042) against the fold: counted once, then each push's sales,
    receipts, mermas, counts, transfers and returns to suppliers and HQ's minimums recounted by key; a replayed
    batch changes nothing; a rebuild of the read models gives the same rows."""
    data = kit.world(pg_database)
    centro, norte = kit.enroll(data, "centro"), kit.enroll(data, "norte")
    assert _check(data, {}, {}) == []  # counted (nothing yet): what follows goes through the noted keys
    centro.record(kit.purchase("ACE-1", "10", 10_000, "centro-bodega"))
    centro.record(kit.purchase("PAN-1", "4", 2_000, "centro"))
    centro.record(kit.sale("ACE-1", "3"))  # from the sala, where nothing was moved: negative
    centro.record(kit.sale("PAN-1", "1"))
    centro.record(kit.merma("m-1", "centro", "PAN-1", "1", 500))
    centro.record(kit.counted("c-1", "centro-bodega", "ACE-1", "10", "9"))
    centro.record(kit.sent("tr-1", "centro-bodega", "norte", "norte-bodega", "ACE-1", "2", 1000))
    assert kit.push(data, centro).quarantined == 0, kit.quarantined(data)
    books = {"centro": kit.book(centro, "ppp", CODEC)}
    _check(data, books, {})

    norte.record(kit.purchase("ACE-1", "6", 7_200, "norte"))
    norte.record(kit.sale("ACE-1", "2"))
    norte.record(kit.returned("r-1", "norte", "ACE-1", "1", 1200))
    norte.record(kit.received("tr-1", "centro", "norte-bodega", "ACE-1", "2", "2", 1000))
    acked = norte.acked
    assert kit.push(data, norte).quarantined == 0, kit.quarantined(data)
    with psycopg.connect(data.admin_url) as conn:  # HQ's minimum for norte, and norte's own for PAN-1
        conn.execute("INSERT INTO store_products (tenant_id, store_id, sku, min_stock) VALUES (1, 'norte', 'ACE-1', 9),"
                     " (1, 'centro', 'PAN-1', 1)")
    books["norte"] = kit.book(norte, "ppp", CODEC)
    minimums = {("norte", "ACE-1"): Decimal(9), ("centro", "PAN-1"): Decimal(1)}
    after = _check(data, books, minimums)
    assert any(r.below_min for r in after) and any(r.negative for r in after)

    norte.acked = acked  # the same batch again: acknowledged, folded once
    kit.push(data, norte)
    assert _check(data, books, minimums) == after

    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert _check(data, books, minimums) == after
    with psycopg.connect(data.admin_url) as conn:  # counted whole again: the same rows
        conn.execute("DELETE FROM stock_rows_marks")
    assert _check(data, books, minimums) == after


def test_kept_stock_rows_follow_the_catalog_and_the_warehouses(pg_database: str) -> None:
    """What the triggers note beside the ingest: a product renamed (its rows move in the page's order), a product
    HQ adds for a SKU the stores already hold (named, found by its words), a price change (nothing to count), a
    warehouse added and its stock, a minimum HQ sets; each read equals the fold."""
    data = migrated(pg_database, {1: "76.235.291-5"})
    _seed(data)

    async def read(pool: psycopg_pool.AsyncConnectionPool) -> Any:
        async with db.tenant_tx(pool, 1) as conn:
            page, totals = await inventory.stock_in(conn, 1, stores=["centro", "norte"], limit=100)
            found, _ = await inventory.stock_in(conn, 1, stores=["centro", "norte"], search="fideos largos")
            return page, totals, await inventory.stock(conn, 1, limit=100), found, await (await conn.execute(
                "SELECT count(*) FROM stock_rows_dirty")).fetchone()

    def same() -> tuple[inventory.StockPage, inventory.StockPage, int]:
        page, totals, folded, found, noted = data.run(read)
        assert sorted(page.rows, key=lambda r: (r.warehouse_id, r.sku)) == sorted(
            folded.rows, key=lambda r: (r.warehouse_id, r.sku))
        assert (page.total, page.value, page.alerts) == (folded.total, folded.value, folded.alerts)
        assert [t.rows for t in totals] == [sum(r.store_id == s for r in folded.rows) for s in ("centro", "norte")]
        return page, found, int(noted[0])

    page, found, _ = same()
    assert found.total == 0 and "FID-1" in {r.name for r in page.rows}
    with psycopg.connect(data.admin_url) as conn:
        conn.execute("UPDATE products SET name = 'Aaa Aceite' WHERE tenant_id = 1 AND sku = 'ACE-1'")
        conn.execute("INSERT INTO products (tenant_id, sku, name, price, category, sold_by, barcodes, search_text)"
                     " VALUES (1, 'FID-1', 'Fideos Largos', 990, 'Abarrotes', 'unit', '{}', ' fideos largos fid 1 ')")
    page, found, _ = same()
    assert page.rows == sorted(page.rows, key=lambda r: (not r.negative, not r.below_min, r.name, r.sku, r.store_id,
                                                         r.warehouse_id))  # in the order of the new name
    assert {r.name for r in page.rows if r.sku == "ACE-1"} == {"Aaa Aceite"}
    assert [(r.sku, r.name) for r in found.rows] == [("FID-1", "Fideos Largos")]
    with psycopg.connect(data.admin_url) as conn:
        conn.execute("UPDATE products SET price = price + 10 WHERE tenant_id = 1")
    assert same()[2] == 0  # a price is not on the page: nothing noted
    with psycopg.connect(data.admin_url) as conn:
        conn.execute("INSERT INTO warehouses (tenant_id, warehouse_id, store_id, name) VALUES"
                     " (1, 'centro-2', 'centro', 'Segunda bodega')")
        conn.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (1, 'centro-2', 'PAN-1', 7)")
        conn.execute("INSERT INTO store_products (tenant_id, store_id, sku, min_stock)"
                     " VALUES (1, 'centro', 'PAN-1', 9)")
    page, _, _ = same()
    assert [(r.warehouse_name, r.below_min) for r in page.rows if r.warehouse_id == "centro-2"] == [
        ("Segunda bodega", True)]
