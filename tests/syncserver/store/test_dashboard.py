"""HQ's dashboard figures (``syncserver.store.dashboard``) against the throwaway PostgreSQL: random sales of three
stores in mixed UTC offsets folded independently in the test (today and this week against the same days last week,
the heat map, top products, margin, tenders), another tenant's sales never counted, an encargado's stores only;
tills not synced; the alerts (stock, SII rejections, quarantine, fiado over limit); the live marker."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg_pool

from syncserver import bootstrap, tenancy
from syncserver.store import dashboard, db, inventory
from tests.syncserver.hq.hq_support import World, enroll_terminal
from tests.syncserver.store import dashboard_kit as kit

STORES = [("centro", "Centro"), ("norte", "Norte"), ("sur", "Sur")]


def make_world(pg_database: str) -> World:
    w = World(pg_database, bootstrap.migrate(pg_database))

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe", "76.123.456-0")
        for store_id, name in STORES:
            await tenancy.create_store(pool, 1, store_id, name)
        await tenancy.create_tenant(pool, 2, "Minimarket La Esquina", "77.888.999-0")
        await tenancy.create_store(pool, 2, "centro", "Centro Esquina")
        w.terminals[1] = [await enroll_terminal(pool, 1, s, f"Caja {n}") for s, n in STORES]
        w.terminals[2] = [await enroll_terminal(pool, 2, "centro", "Caja Esquina")]

    w.run(setup)
    for sku, (name, price, exempt) in kit.PRODUCTS.items():
        w.execute("INSERT INTO products (tenant_id, sku, name, price, category, sold_by, iva_exempt)"
                  " VALUES (1, %s, %s, %s, 'Abarrotes', 'unit', %s)", sku, name, price, exempt)
    return w


def read(w: World, work: Any, tenant: int = 1) -> Any:
    async def run(pool: psycopg_pool.AsyncConnectionPool) -> Any:
        async with db.tenant_tx(pool, tenant) as conn:
            return await work(conn)
    return w.run(run)


def test_every_figure_equals_an_independent_fold_of_random_sales(pg_database: str) -> None:
    w = make_world(pg_database)
    ids = [s for s, _ in STORES]
    sales = kit.generate(7, ids, 600)
    kit.write(w.admin_url, 1, sales)
    kit.write(w.admin_url, 2, kit.generate(8, ["centro"], 80))  # another tenant, the same store id
    expected = kit.fold(sales, ids)
    got = read(w, lambda c: dashboard.dashboard(c, 1, STORES, kit.NOW, every_store=True))
    assert {s.store_id: [s.today_count, s.today_total, s.last_today_count, s.last_today_total, s.week_count,
                         s.week_total, s.last_week_count, s.last_week_total] for s in got.stores} == expected.per_store
    assert [s.name for s in got.stores] == ["Centro", "Norte", "Sur"]
    assert sum(v[1] for v in expected.per_store.values()) > 0 and sum(v[3] for v in expected.per_store.values()) > 0
    assert got.heat == expected.heat and sum(map(sum, got.heat)) > 0
    assert [(t.sku, t.units, t.amount, t.neto, t.cost) for t in got.top] == expected.top
    assert all(t.margin == t.neto - t.cost for t in got.top)
    assert (got.margin.neto, got.margin.cost, got.margin.uncosted_neto) == expected.margin
    assert got.margin.margin == expected.margin[0] - expected.margin[1] and expected.margin[2] > 0
    assert got.tenders == expected.tenders


def test_an_encargado_s_stores_count_alone_and_a_store_without_sales_shows_zeros(pg_database: str) -> None:
    w = make_world(pg_database)
    sales = kit.generate(11, ["centro", "norte"], 300)
    kit.write(w.admin_url, 1, sales)
    expected = kit.fold([s for s in sales if s.store == "norte"], ["norte"])
    mine = [("norte", "Norte"), ("sur", "Sur")]
    got = read(w, lambda c: dashboard.dashboard(c, 1, mine, kit.NOW, every_store=False))
    assert [s.store_id for s in got.stores] == ["norte", "sur"]
    assert got.stores[1] == dashboard.StoreSales("sur", "Sur", 0, 0, 0, 0, 0, 0, 0, 0)
    assert got.heat == expected.heat and got.tenders == expected.tenders
    assert [(t.sku, t.units, t.amount, t.neto, t.cost) for t in got.top] == expected.top


def test_a_sale_at_the_edges_of_the_windows_counts_where_chile_s_calendar_puts_it(pg_database: str) -> None:
    w = make_world(pg_database)
    line = [kit.Line("HUE-12", Decimal(1), 1000, 500)]
    at = [("monday-00", "2026-11-23T03:00:00+00:00"),  # Monday 00:00 in Chile: this week
          ("sunday-late", "2026-11-23T02:59:59+00:00"),  # Sunday 23:59:59 in Chile: last week, out of "this week"
          ("now", "2026-11-25T15:30:00-03:00"),  # exactly now: counted
          ("after", "2026-11-25T15:30:01-03:00"),  # a second after now (a till ahead): not yet
          ("last-same", "2026-11-18T15:30:00-03:00"),  # the same moment last week: counted for last week
          ("last-after", "2026-11-18T15:31:00-03:00")]  # after it: not in the comparison
    kit.write(w.admin_url, 1, [kit.Sale(i, "centro", t, line, {"cash": 1000}) for i, t in at])
    got = read(w, lambda c: dashboard.store_sales(c, 1, STORES[:1], kit.NOW))[0]
    assert (got.today_count, got.week_count, got.last_today_count, got.last_week_count) == (1, 2, 1, 1)
    assert got.last_week_total == 1000  # last Monday 00:00 .. last Wednesday 15:30: sunday-late is after it


def test_tills_not_synced_alerts_and_the_marker(pg_database: str) -> None:
    w = make_world(pg_database)
    centro, norte, sur = w.terminals[1]
    now = kit.NOW
    w.execute("UPDATE terminals SET last_sync_at = %s WHERE terminal_id = %s", now - timedelta(minutes=5), centro)
    w.execute("UPDATE terminals SET last_sync_at = %s, pending_reported = 12 WHERE terminal_id = %s",
              now - timedelta(hours=3), norte)
    stale = read(w, lambda c: dashboard.stale_tills(c, 1, ["centro", "norte", "sur"], now))
    assert [(t.terminal_id, t.last_sync_at is None, t.pending_reported) for t in stale] == [
        (sur, True, 0), (norte, False, 12)]
    ids = ["centro", "norte", "sur"]
    before = read(w, lambda c: dashboard.alerts(c, 1, ids, every_store=True))
    mark = read(w, lambda c: dashboard.marker(c, 1, ids, now))
    assert (before.stock_below, before.rejected, before.quarantined, before.fiado_over) == (0, 0, 0, [])
    w.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (1, 'norte', 'LEC-1', -2)")
    w.execute("INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
              " VALUES (1, %s, 1, 7, 'promo.applied', 1, 'tipo desconocido', '{}')", norte)
    w.execute("INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
              " VALUES (2, %s, 1, 7, 'promo.applied', 1, 'de otra empresa', '{}')", w.terminals[2][0])
    for folio, (terminal, state) in enumerate([(norte, "rejected"), (centro, "accepted"), (sur, "rejected")], 1):
        w.execute("INSERT INTO dte_documents (tenant_id, tipo, folio, sale_id, terminal_id, epoch, seq, stamped_at,"
                  " ted) VALUES (1, 39, %s, %s, %s, 1, %s, '2026-11-25T10:00:00-03:00', '')", folio, f"s{folio}",
                  terminal, folio)
        w.execute("INSERT INTO dte_outbox (tenant_id, tipo, folio, state) VALUES (1, 39, %s, %s)", folio, state)
    w.execute("INSERT INTO people (tenant_id, customer_id, name, store_id, saved_by, saved_at, first_batch)"
              " VALUES (1, 'c1', 'Rosa Díaz', 'norte', 'x', '2026-11-20', 1)")
    for kind, entry, stores, resolved in [("over_limit", "e1", ["norte"], None), ("over_limit", "e2", ["sur"], None),
                                          ("merge_with_balances", "e3", ["norte"], None),
                                          ("over_limit", "e4", ["norte"], now)]:
        w.execute("INSERT INTO fiado_flags (tenant_id, customer_id, kind, entry_id, detail, stores, raised_at,"
                  " resolved_at) VALUES (1, 'c1', %s, %s, 'sobre el cupo', %s, %s, %s)", kind, entry, stores,
                  now - timedelta(hours=1), resolved)
    every = read(w, lambda c: dashboard.alerts(c, 1, ids, every_store=True))
    assert (every.stock_below, every.rejected, every.quarantined) == (1, 2, 1)
    assert sorted(f.entry_id for f in every.fiado_over) == ["e1", "e2"] and every.total == 6
    norte_only = read(w, lambda c: dashboard.alerts(c, 1, ["norte"], every_store=False))
    assert (norte_only.stock_below, norte_only.rejected, norte_only.quarantined) == (1, 1, 1)
    assert [f.entry_id for f in norte_only.fiado_over] == ["e1"]
    centro_only = read(w, lambda c: dashboard.alerts(c, 1, ["centro"], every_store=False))
    assert centro_only.total == 0
    after = read(w, lambda c: dashboard.marker(c, 1, ids, now))
    assert after != mark
    assert read(w, lambda c: dashboard.marker(c, 1, ids, now)) == after  # nothing changed: the same marker
    kit.write(w.admin_url, 1, [kit.Sale("live", "sur", "2026-11-25T15:29:00-03:00",
                                        [kit.Line("LEC-1", Decimal(1), 1150, 700)], {"cash": 1150})])
    assert read(w, lambda c: dashboard.marker(c, 1, ids, now)) != after
    assert json.dumps(after)  # a plain text the page can carry


def test_top_products_and_margin_alone_agree_with_the_dashboard(pg_database: str) -> None:
    w = make_world(pg_database)
    ids = [s for s, _ in STORES]
    sales = kit.generate(21, ids, 200)
    kit.write(w.admin_url, 1, sales)
    expected = kit.fold(sales, ids)
    top = read(w, lambda c: dashboard.top_products(c, 1, ids, kit.NOW, limit=2))
    assert [(t.sku, t.units, t.amount, t.neto, t.cost) for t in top] == expected.top[:2]
    alone = read(w, lambda c: dashboard.margin(c, 1, ids, kit.NOW))
    assert (alone.neto, alone.cost, alone.uncosted_neto) == expected.margin
    empty = read(w, lambda c: dashboard.week_products(c, 1, ["sin-ventas"], kit.NOW))
    assert empty == ([], dashboard.Margin(0, 0, 0, 0)) and empty[1].percent is None


def test_the_stock_alert_count_equals_the_stock_pages_flagged_rows(pg_database: str) -> None:
    """``dashboard.stock_alerts`` (the dashboard's narrow count) against ``inventory.stock_in(alerts_only=True)``
    (the Stock page) over random stock in several warehouses a store, minima in both tables, rows only in transit,
    another tenant's rows; again after each edit of a minimum, move of stock or receipt of goods in transit, read
    while the Stock page's kept rows have only noted the change (and once before they were ever counted)."""
    w = make_world(pg_database)
    ids = [s for s, _ in STORES]
    rng = random.Random(14)
    skus = list(kit.PRODUCTS)
    w.execute("INSERT INTO warehouses (tenant_id, warehouse_id, store_id, name) VALUES (1, 'norte-bodega', 'norte',"
              " 'Bodega'), (1, 'sur-bodega', 'sur', 'Bodega sur')")
    for warehouse in ["centro", "norte", "norte-bodega", "sur", "sur-bodega"]:
        for sku in rng.sample(skus, k=max(1, len(skus) * 2 // 3)):
            w.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (1, %s, %s, %s)",
                      warehouse, sku, rng.choice([-3, -0.5, 0, 1, 2.5, 4, 10]))
    w.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (2, 'centro', %s, -9)", skus[0])
    for store in ids:
        for sku in rng.sample(skus, k=max(1, len(skus) // 2)):
            w.execute("INSERT INTO store_products (tenant_id, store_id, sku, min_stock) VALUES (1, %s, %s, %s)",
                      store, sku, rng.choice([None, 1, 3, 5]))
        for sku in rng.sample(skus, k=max(1, len(skus) // 3)):
            w.execute("INSERT INTO store_product_settings (tenant_id, store_id, sku, min_stock, location, active,"
                      " edited_by, edited_at, seen_price, seen_change) VALUES (1, %s, %s, %s, '', true, 'x', '', 0, 0)",
                      store, sku, rng.choice([None, 2, 6]))
    w.execute("INSERT INTO transfers (tenant_id, transfer_id, from_store, to_store, to_warehouse, state)"
              " VALUES (1, 't1', 'centro', 'sur', 'sur-bodega', 'in_transit')")
    for n, sku in enumerate(skus, 1):
        w.execute("INSERT INTO transfer_lines (tenant_id, transfer_id, line_no, sku, name, quantity, unit_cost)"
                  " VALUES (1, 't1', %s, %s, 'x', 2, 100)", n, sku)

    def both(stores: list[str]) -> tuple[int, int]:
        async def work(conn: Any) -> tuple[int, int]:
            count = await dashboard.stock_alerts(conn, 1, stores)  # before the page counts what was noted
            page, _ = await inventory.stock_in(conn, 1, stores=stores, alerts_only=True, limit=0)
            if stores == ids:  # the fold of every row, as the page read it before it kept them
                assert page.total == await inventory.alerts_count(conn, 1)
            return count, page.total
        return read(w, work)  # type: ignore[no-any-return]

    for stores in [ids, ["centro"], ["norte"], ["sur"], ["norte", "sur"]]:  # first never counted: the fold
        kept, page = both(stores)
        assert kept == page, stores
    assert both(ids)[0] > 0
    changes = [("UPDATE store_products SET min_stock = 100 WHERE tenant_id = 1 AND store_id = 'norte'",),
               ("UPDATE store_product_settings SET min_stock = NULL WHERE tenant_id = 1 AND store_id = 'sur'",),
               ("UPDATE stock SET quantity = quantity - 7 WHERE tenant_id = 1 AND warehouse_id = 'centro'",),
               ("UPDATE transfers SET state = 'received' WHERE tenant_id = 1",)]
    for change in changes:  # noted, not yet counted again: the count folds the noted keys
        w.execute(*change)
        for stores in [ids, ["norte"], ["sur"], ["centro"]]:
            kept, page = both(stores)
            assert kept == page, (change, stores)
        w.execute("UPDATE stock SET quantity = quantity + 1 WHERE tenant_id = 1 AND warehouse_id = 'norte-bodega'")
