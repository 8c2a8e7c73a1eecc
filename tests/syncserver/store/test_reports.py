"""HQ's report queries (``syncserver.store.reports``) against the throwaway PostgreSQL: random sales and returns of
three stores over three months, written through ``rollups.Totals`` as the ingest writes them, read for random spans
(inside a month, across months, whole months) for one store, two and all (the tenant's rows) and compared with a fold
of the same rollups computed in the test; another tenant never counted; bad input refused in Spanish; stock by
category, mermas at Chile's day edges, fiado outstanding with a merged customer."""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from shared import reports as shared_reports
from syncserver import bootstrap, pgcluster, tenancy
from syncserver.store import db, reports, rollups
from tests.syncserver.hq.hq_support import World

STORES = ["centro", "norte", "sur"]
SKUS = {"LEC-1": "Lácteos", "PAN-1": "Panadería", "COC-15": "Bebidas", "HUE-12": "", "X-9": None}
"""sku -> category in HQ's catalog ('' none; None: not in the catalog)."""
FIRST = date(2026, 8, 20)
DAYS = 80


@pytest.fixture(scope="module")
def world(pg_cluster: pgcluster.LocalCluster) -> Iterator[World]:
    """One migrated master for the module (each test reads its own tables or tenants)."""
    name = f"test_{secrets.token_hex(6)}"
    url = pg_cluster.create_database(name)
    yield _world(url)
    pg_cluster.drop_database(name)


def _world(pg_database: str) -> World:
    w = World(pg_database, bootstrap.migrate(pg_database))

    async def setup(pool: Any) -> None:
        for tenant in (1, 2):
            await tenancy.create_tenant(pool, tenant, f"Tenant {tenant}")
            for store in STORES:
                await tenancy.create_store(pool, tenant, store, store.title())

    w.run(setup)
    with psycopg.connect(w.admin_url) as conn:
        for sku, category in SKUS.items():
            if category is not None:
                conn.execute("INSERT INTO products (tenant_id, sku, name, price, category, sold_by)"
                             " VALUES (1, %s, %s, 1000, %s, 'unit')", (sku, f"Producto {sku}", category))
        conn.execute("INSERT INTO users (tenant_id, user_id, name, role, pin_hash) VALUES (1, 'ana', 'Ana Pérez',"
                     " 'cashier', 'x')")
    return w


def _random_rollups(rng: random.Random, count: int) -> list[tuple[str, shared_reports.Rollup]]:
    out = []
    for _ in range(count):
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        is_return = rng.random() < 0.15
        sign = -1 if is_return else 1
        products = {}
        for sku in rng.sample(sorted(SKUS), rng.randint(1, 3)):
            total = rng.randint(300, 9000)
            neto = round(total / 1.19)
            costed = neto if rng.random() < 0.8 else 0
            products[sku] = shared_reports.ProductRollup(sign * rng.choice([1000, 2000, 1250, 515]), sign * total,
                                                         sign * neto, sign * costed,
                                                         sign * (round(costed * 0.6) if costed else 0))
        total = sum(abs(p.total) for p in products.values())
        kinds = rng.sample(["cash", "debit", "credit"], rng.randint(1, 2))
        tenders = tuple((k, 0 if is_return else 1, sign * total // len(kinds)) for k in kinds)
        out.append((rng.choice(STORES), shared_reports.Rollup(
            day.isoformat(), rng.randint(8, 21), rng.choice(["ana", "luis"]), 0 if is_return else 1,
            0 if is_return else total, sum(p.neto for p in products.values()),
            sum(p.costed_neto for p in products.values()), sum(p.cost for p in products.values()),
            1 if is_return else 0, total if is_return else 0, tenders, products)))
    return out


def _write(w: World, tenant: int, items: list[tuple[str, shared_reports.Rollup]]) -> None:
    totals = rollups.Totals()
    for store, r in items:
        totals.add(store, r)
    with psycopg.connect(w.admin_url) as conn:
        for sql, params in totals.statements(tenant):
            conn.execute(sql, params)


def _read(w: World, work: Any, tenant: int = 1) -> Any:
    async def go(pool: Any) -> Any:
        async with db.tenant_tx(pool, tenant) as conn:
            return await work(conn)
    return w.run(go)


def _fold(items: list[tuple[str, shared_reports.Rollup]], stores: list[str], start: date, end: date
          ) -> dict[str, Any]:
    days: dict[date, list[int]] = defaultdict(lambda: [0] * 7)
    hours: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    cashiers: dict[str, list[int]] = defaultdict(lambda: [0] * 4)
    tenders: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    products: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for store, r in items:
        day = date.fromisoformat(r.day)
        if store not in stores or not start <= day <= end:
            continue
        d = days[day]
        for i, v in enumerate((r.tickets, r.total, r.returns, r.returned, r.neto, r.cost, r.costed_neto - r.cost)):
            d[i] += v
        hours[(day.weekday(), r.hour)][0] += r.tickets
        hours[(day.weekday(), r.hour)][1] += r.total
        c = cashiers[r.cashier_id]
        for i, v in enumerate((r.tickets, r.total, r.returns, r.returned)):
            c[i] += v
        for kind, count, amount in r.tenders:
            tenders[kind][0] += count
            tenders[kind][1] += amount
        for sku, p in r.products.items():
            for i, v in enumerate((p.units, p.total, p.neto, p.costed_neto, p.cost)):
                products[sku][i] += v
    return {"days": dict(days), "hours": dict(hours), "cashiers": dict(cashiers), "tenders": dict(tenders),
            "products": dict(products)}


LISTS: list[tuple[reports.ProductMetric, bool]] = [(by, bottom) for bottom in (False, True)
                                                   for by in ("units", "pesos", "margin")]
SKUS_OF = sorted(SKUS)
SOME = SKUS_OF[::2]


def test_every_report_equals_a_fold_of_the_rollups_for_any_span_and_stores(world: World) -> None:
    w = world
    rng = random.Random(21)
    items = _random_rollups(rng, 400)
    _write(w, 1, items)
    _write(w, 2, _random_rollups(random.Random(22), 60))  # another tenant, the same store ids
    spans = [(date(2026, 9, 1), date(2026, 10, 31)), (date(2026, 8, 25), date(2026, 10, 3)),
             (date(2026, 9, 10), date(2026, 9, 20)), (date(2026, 10, 7), date(2026, 10, 7)),
             (date(2026, 8, 1), date(2026, 11, 30)), (date(2026, 9, 30), date(2026, 10, 1)),
             (date(2026, 8, 5), date(2026, 10, 25)), (date(2026, 9, 3), date(2026, 11, 5))]
    # (the last two read October less its last days, September less its first two: month rows less day rows)
    for stores in (["norte"], ["centro", "sur"], STORES):
        for start, end in spans:
            want = _fold(items, stores, start, end)

            async def every(conn: db.Conn, stores: list[str] = stores, start: date = start, end: date = end
                            ) -> dict[str, Any]:
                return {"day": await reports.sales_by_day(conn, 1, stores, start, end),
                        "margin": await reports.margin_over_time(conn, 1, stores, start, end),
                        "hour": await reports.sales_by_hour(conn, 1, stores, start, end),
                        "cashier": await reports.sales_by_cashier(conn, 1, stores, start, end),
                        "tender": await reports.sales_by_tender(conn, 1, stores, start, end),
                        "category": await reports.sales_by_category(conn, 1, stores, start, end),
                        "top": await reports.top_products(conn, 1, stores, start, end, "pesos", False, 1000),
                        "bottom": await reports.top_products(conn, 1, stores, start, end, "margin", True, 2),
                        "lists": await reports.top_product_lists(conn, 1, stores, start, end, LISTS, 3),
                        "each": [await reports.top_products(conn, 1, stores, start, end, by, bottom, 3)
                                 for by, bottom in LISTS],
                        "of_skus": await reports.top_product_lists(conn, 1, stores, start, end, LISTS, 3,
                                                                   skus=[SOME, [], *[SKUS_OF[:2]] * 4]),
                        "each_of_skus": [await reports.top_products(conn, 1, stores, start, end, by, bottom, 3,
                                                                    skus=skus) if skus else []
                                         for (by, bottom), skus in zip(LISTS, [SOME, [], *[SKUS_OF[:2]] * 4],
                                                                       strict=True)]}

            got = _read(w, every)
            assert len(got["day"]) == (end - start).days + 1 and got["day"] == got["margin"]
            assert {d.day: [d.tickets, d.total, d.returns, d.returned, d.neto, d.cost, d.margin]
                    for d in got["day"] if d.tickets or d.returns} == want["days"]
            assert {(h.weekday, h.hour): [h.tickets, h.total] for h in got["hour"] if h.tickets} == {
                k: v for k, v in want["hours"].items() if v[0]}
            assert len(got["hour"]) == 168
            assert {c.cashier_id: [c.tickets, c.total, c.returns, c.returned] for c in got["cashier"]} == want[
                "cashiers"]
            assert [c.name for c in got["cashier"] if c.cashier_id == "ana"] == ["Ana Pérez"]
            assert [c.total for c in got["cashier"]] == sorted((c.total for c in got["cashier"]), reverse=True)
            assert {t.kind: [t.count, t.amount] for t in got["tender"]} == want["tenders"]
            products = want["products"]
            assert {p.sku: [int(p.units * 1000), p.total, p.neto, p.neto - p.uncosted, p.cost]
                    for p in got["top"]} == products
            assert [p.sku for p in got["top"]] == sorted(products, key=lambda s: (-products[s][1], s))
            margins = sorted(products, key=lambda s: (products[s][3] - products[s][4], s))
            assert [p.sku for p in got["bottom"]] == margins[:2]
            # «Todo»'s one reading of each span: the categories and every list as their own queries give them
            assert got["lists"] == (got["category"], got["each"])
            assert got["of_skus"] == (got["category"], got["each_of_skus"])
            categories: dict[str, int] = defaultdict(int)
            for sku, v in products.items():
                categories[SKUS[sku] or shared_reports.UNCATEGORISED] += v[1]
            assert {c.category: c.total for c in got["category"]} == categories
            if stores == STORES and want["products"]:
                assert want["days"]


def test_bad_input_is_refused_in_spanish(world: World) -> None:
    w = world
    day = date(2026, 9, 1)
    cases = [(lambda c: reports.sales_by_day(c, 1, [], day, day), "Elija al menos un local"),
             (lambda c: reports.sales_by_hour(c, 1, [""], day, day), "Elija al menos un local"),
             (lambda c: reports.sales_by_tender(c, 1, ["centro"], day, day - timedelta(days=1)), "antes de empezar"),
             (lambda c: reports.top_products(c, 1, ["centro"], day, day, "kilos"), "Orden desconocido"),  # type: ignore[arg-type]
             (lambda c: reports.top_products(c, 1, ["centro"], day, day, limit=0), "de 1 a 1000"),
             (lambda c: reports.stock_by_category(c, 1, []), "Elija al menos un local")]
    for work, words in cases:
        with pytest.raises(ValueError, match=words):
            _read(w, work)


def test_stock_mermas_at_the_day_edges_and_fiado_with_a_merged_customer(world: World) -> None:
    w = world
    with psycopg.connect(w.admin_url) as conn:
        conn.execute("INSERT INTO warehouses (tenant_id, warehouse_id, store_id, name)"
                     " VALUES (1, 'centro-bodega', 'centro', 'Bodega')")
        stock = [("centro", "LEC-1", "10", 500), ("centro-bodega", "LEC-1", "5", 500), ("centro", "PAN-1", "2.5", 1001),
                 ("norte", "LEC-1", "-3", 480), ("centro", "HUE-12", "0", 900), ("centro", "X-9", "4", None)]
        for warehouse, sku, quantity, _cost in stock:
            conn.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (1, %s, %s, %s)",
                         (warehouse, sku, Decimal(quantity)))
        for store, sku, cost in {("centro", "LEC-1", 500), ("centro", "PAN-1", 1001), ("norte", "LEC-1", 480),
                                 ("centro", "HUE-12", 900)}:
            conn.execute("INSERT INTO cost_state (tenant_id, store_id, sku, on_hand, unit_cost, state)"
                         " VALUES (1, %s, %s, 0, %s, '{}')", (store, sku, cost))
        mermas = [("centro", "dano", "2", 333, "2026-09-30T23:30:00-03:00"),  # Sep 30 in Chile
                  ("centro", "dano", "1.5", 101, "2026-10-01T02:10:00+00:00"),  # Sep 30 23:10 in Chile
                  ("centro", "robo", "1", 1000, "2026-10-01T00:10:00-03:00"),  # Oct 1: out
                  ("centro", "vencimiento", "3", 100, "2026-09-01T00:00:00-04:00"),  # Sep 1 (winter time): in
                  ("norte", "robo", "1", 5000, "2026-09-15T12:00:00-03:00")]
        for n, (store, reason, quantity, cost, at) in enumerate(mermas):
            conn.execute("INSERT INTO mermas (tenant_id, merma_id, store_id, warehouse_id, sku, name, quantity,"
                         " reason, unit_cost, recorded_by, authorised_by, note, terminal_id, epoch, seq, occurred_at)"
                         " VALUES (1, %s, %s, %s, 'LEC-1', 'Leche', %s, %s, %s, 'u', '', '', 't', 1, %s, %s)",
                         (f"m{n}", store, store, Decimal(quantity), reason, cost, n, at))
        for who, name in (("luz", "Luz Rojas"), ("luz-2", "Luz R."), ("pedro", "Pedro Soto")):
            conn.execute("INSERT INTO people (tenant_id, customer_id, name, store_id, saved_by, saved_at,"
                         " first_batch) VALUES (1, %s, %s, 'centro', 'u', '2026-09-01', 1)", (who, name))
        conn.execute("INSERT INTO customer_aliases (tenant_id, alias_id, customer_id, reason, merged_by, merged_at)"
                     " VALUES (1, 'luz-2', 'luz', 'rut', 'u', '2026-09-02')")
        entries = [("luz", 5000, "2026-09-10T12:00:00-03:00"), ("luz-2", 2500, "2026-09-10T23:59:00-03:00"),
                   ("luz", -4000, "2026-09-11T00:01:00-03:00"), ("pedro", 3000, "2026-09-09T10:00:00-03:00"),
                   ("pedro", -3000, "2026-09-10T10:00:00-03:00")]
        for n, (who, amount, at) in enumerate(entries):
            conn.execute("INSERT INTO fiado_entries (tenant_id, entry_id, customer_id, kind, amount, store_id,"
                         " terminal_id, document, reference, at, counter_account) VALUES (1, %s, %s, 'cargo', %s,"
                         " 'centro', 't', '', '', %s, 'caja')", (f"e{n}", who, amount, datetime.fromisoformat(at)))
        for who, balance in (("luz", 3500), ("pedro", 0)):  # as the ingest keeps them: each survivor's entries
            conn.execute("INSERT INTO fiado_balances (tenant_id, customer_id, balance) VALUES (1, %s, %s)",
                         (who, balance))

    centro = _read(w, lambda c: reports.stock_by_category(c, 1, ["centro"]))
    assert [(c.category, c.products, c.value) for c in centro] == [
        ("Lácteos", 1, 7500), ("Panadería", 1, 2503), (shared_reports.UNCATEGORISED, 1, 0)]
    both = _read(w, lambda c: reports.stock_by_category(c, 1, ["centro", "norte"]))
    assert next((c.category, c.products, c.value) for c in both) == ("Lácteos", 1, 7500 - 1440)
    # kept per store and product: only what the ingest noted as moved is counted again, a category edit recounts
    with psycopg.connect(w.admin_url) as conn:
        conn.execute("UPDATE stock SET quantity = 20 WHERE tenant_id = 1 AND warehouse_id = 'centro' AND sku = 'LEC-1'")
        conn.execute("UPDATE stock SET quantity = 1 WHERE tenant_id = 1 AND warehouse_id = 'centro' AND sku = 'PAN-1'")
    assert _read(w, lambda c: reports.stock_by_category(c, 1, ["centro"]))[0].value == 7500  # not noted: kept

    async def moved(pool: Any) -> None:
        async with db.tenant_tx(pool, 1) as conn, conn.cursor() as cur:
            await rollups.stock_moved(cur, 1, [("centro-bodega", "LEC-1"), ("centro", "HUE-12")])

    w.run(moved)
    assert [(c.category, c.products, c.value) for c in _read(w, lambda c: reports.stock_by_category(c, 1, ["centro"]))
            ] == [("Lácteos", 1, 12500), ("Panadería", 1, 2503), (shared_reports.UNCATEGORISED, 1, 0)]
    with psycopg.connect(w.admin_url) as conn:
        conn.execute("UPDATE products SET category = 'Leches' WHERE tenant_id = 1 AND sku = 'LEC-1'")
    assert [(c.category, c.products, c.value) for c in _read(
        w, lambda c: reports.stock_by_category(c, 1, ["centro", "norte"]))] == [
        ("Leches", 1, 12500 - 1440), ("Panadería", 1, 1001), (shared_reports.UNCATEGORISED, 1, 0)]
    with psycopg.connect(w.admin_url) as conn:
        conn.execute("UPDATE products SET category = 'Lácteos' WHERE tenant_id = 1 AND sku = 'LEC-1'")
    september = _read(w, lambda c: reports.shrinkage_by_reason(c, 1, ["centro"], date(2026, 9, 1),
                                                                date(2026, 9, 30)))
    assert [(s.reason, s.count, s.value) for s in september] == [("dano", 2, 666 + 152), ("vencimiento", 1, 300)]
    assert _read(w, lambda c: reports.shrinkage_by_reason(c, 1, ["norte", "centro"], date(2026, 10, 1),
                                                           date(2026, 10, 1)))[0].value == 1000
    owed = _read(w, lambda c: reports.fiado_outstanding(c, 1, date(2026, 9, 10)))
    assert [(f.customer_id, f.name, f.balance) for f in owed] == [("luz", "Luz Rojas", 7500)]
    assert [f.balance for f in _read(w, lambda c: reports.fiado_outstanding(c, 1, date(2026, 9, 11)))] == [3500]
    assert [f.balance for f in _read(w, lambda c: reports.fiado_outstanding(c, 1, date(2026, 9, 9)))] == [3000]
    assert _read(w, lambda c: reports.fiado_outstanding(c, 1, date(2026, 9, 8))) == []
    assert _read(w, lambda c: reports.fiado_outstanding(c, 1, date(2026, 9, 11)), tenant=2) == []
    days = [date(2026, 9, d) for d in (11, 10, 9, 8)]  # HQ's reports read a period's end and its previous' at once
    assert _read(w, lambda c: reports.fiado_outstanding_at(c, 1, days)) == [
        _read(w, lambda c, d=d: reports.fiado_outstanding(c, 1, d)) for d in days]
