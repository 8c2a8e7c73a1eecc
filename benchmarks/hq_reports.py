"""hq_reports: every query of HQ's reports (``syncserver.store.reports``) over the rollups of 50 stores and a year of
sales (``Sizes.hq_report_lines`` sale lines, ~5 per sale), for one store and for all, over this month so far, the
last week and a year starting mid-month (``--quick``: 5,000 lines and 300 products, a smoke test).

The rollups are written as the ingest leaves them (each store's rows and the tenant's ``''`` rows), grouped from
synthetic lines generated in SQL (3,000 products with a skewed popularity, three cashiers a store, four tenders),
with the catalog, users, today's stock and costs, mermas and a fiado ledger beside them. Each report is read
``Sizes.hq_report_samples`` times per store choice and period, on the application role inside a tenant transaction.
The figure is the worst report's p95; every report's p95 is in the detail. Stock by category is read as kept per
store; what recounting every store costs (a read after every store sold) is measured once apart
(``stock_recount_all_ms``). Baseline, interleaved: the stores with
rollups read in one query (a round trip in a tenant transaction). Issue 14's target: p95 ≤ 200 ms per HQ page.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import psycopg
import psycopg_pool

from benchmarks import common, sync_catchup
from syncserver import tenancy
from syncserver.store import db, reports

NAME = "hq_reports"
TARGET_MS = 200.0
TENANT = 1
STORES = tuple(f"tienda-{i:02d}" for i in range(50))
TODAY = date(2026, 11, 25)
FIRST = TODAY - timedelta(days=364)
PRODUCTS = 3000
PERIODS = {"month": (TODAY.replace(day=1), TODAY), "week": (TODAY - timedelta(days=6), TODAY),
           "year": (FIRST, TODAY)}
BASELINE_SQL = "SELECT count(*) FROM report_stores WHERE tenant_id = %s"

_GENERATE = ["""
CREATE UNLOGGED TABLE bench_sales AS
SELECT store_id, day, hour, 'cajero-' || store_id || '-' || ((hour >= 15)::int + (random() < 0.2)::int) AS cashier_id,
       (2000 + random() * 20000)::bigint AS total, (random() < 0.01)::int AS returns,
       (ARRAY['cash', 'debit', 'credit', 'transfer'])[1 + floor(random() * random() * 4)::int] AS kind
FROM (SELECT 'tienda-' || lpad(s::text, 2, '0') AS store_id, %(first)s::date + floor(random() * 365)::int AS day,
             (8 + floor(random() * 14))::smallint AS hour
      FROM generate_series(0, %(stores)s - 1) s, generate_series(1, %(per_store)s) i) x""", """
CREATE UNLOGGED TABLE bench_lines AS
SELECT store_id, day, 'SKU-' || lpad(floor(%(products)s * random() * random())::text, 4, '0') AS sku,
       (1000 + floor(random() * 3) * 1000)::bigint AS units, (500 + random() * 4000)::bigint AS total,
       (random() < 0.9) AS costed
FROM bench_sales, generate_series(1, 5)"""]
_MEASURES = ("sum(count) AS tickets, sum(total), sum(round(total / 1.19)), sum(round(total / 1.19 * 0.9)),"
             " sum(round(total / 1.19 * 0.65)), sum(returns), sum(returns * total / 2)")
_ALL = (("store_id", "cashier_id"), ("''", "''"))  # each store's rows, and the tenant's (store and cashier '')
_FILL = [
    *(f"""INSERT INTO report_sales SELECT 1, {store}, day, hour, {cashier}, {_MEASURES}
        FROM (SELECT *, 1 AS count FROM bench_sales) s GROUP BY 2, 3, 4, 5""" for store, cashier in _ALL),
    *(f"""INSERT INTO report_days SELECT 1, {store}, day, {cashier}, {_MEASURES}
        FROM (SELECT *, 1 AS count FROM bench_sales) s GROUP BY 2, 3, 4""" for store, cashier in _ALL),
    f"""INSERT INTO report_cashier_months SELECT 1, store_id, date_trunc('month', day)::date, cashier_id, {_MEASURES}
        FROM (SELECT *, 1 AS count FROM bench_sales) s GROUP BY 2, 3, 4""",
    *(f"""INSERT INTO report_hour_months SELECT 1, {store}, date_trunc('month', day)::date,
        extract(isodow FROM day)::int - 1, hour, count(*), sum(total) FROM bench_sales GROUP BY 2, 3, 4, 5"""
      for store, _ in _ALL),
    *(f"""INSERT INTO report_tenders SELECT 1, {store}, day, kind, count(*), sum(total) FROM bench_sales
        GROUP BY 2, 3, 4""" for store, _ in _ALL),
    *(f"""INSERT INTO report_tender_months SELECT 1, {store}, date_trunc('month', day)::date, kind, count(*),
        sum(total) FROM bench_sales GROUP BY 2, 3, 4""" for store, _ in _ALL),
    *(f"""INSERT INTO report_product_{grain}s SELECT 1, store, period, sku, sum(units), sum(total),
        sum(round(total / 1.19)), sum(round(total / 1.19) * costed::int), sum(round(total / 1.19 * 0.65) * costed::int)
        FROM (SELECT {store} AS store, {period} AS period, sku, units, total, costed FROM bench_lines) l
        GROUP BY store, period, sku"""
      for grain, period in (("day", "day"), ("month", "date_trunc('month', day)::date"))
      for store, _ in _ALL),
    "INSERT INTO report_stores SELECT DISTINCT 1, store_id FROM bench_sales",
    """INSERT INTO users (tenant_id, user_id, name, role, pin_hash) SELECT DISTINCT 1, cashier_id,
        'Cajero ' || cashier_id, 'cashier', 'x' FROM bench_sales""",
    """INSERT INTO products (tenant_id, sku, name, price, category, sold_by)
        SELECT 1, 'SKU-' || lpad(n::text, 4, '0'), 'Producto ' || n, 1000, 'Categoría ' || n %% 25, 'unit'
        FROM generate_series(0, %(products)s - 1) n""",
    """INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) SELECT 1, w.warehouse_id, p.sku,
        floor(random() * 60) - 5 FROM warehouses w CROSS JOIN products p WHERE w.tenant_id = 1 AND p.tenant_id = 1""",
    """INSERT INTO cost_state (tenant_id, store_id, sku, on_hand, unit_cost, state) SELECT 1, w.store_id, p.sku, 0,
        300 + random() * 3000, '{}' FROM warehouses w CROSS JOIN products p
        WHERE w.tenant_id = 1 AND p.tenant_id = 1""",
    """INSERT INTO mermas (tenant_id, merma_id, store_id, warehouse_id, sku, name, quantity, reason, unit_cost,
        recorded_by, authorised_by, note, terminal_id, epoch, seq, occurred_at)
        SELECT 1, 'm-' || n, 'tienda-' || lpad((n %% %(stores)s)::text, 2, '0'),
        'tienda-' || lpad((n %% %(stores)s)::text, 2, '0'), 'SKU-0001', 'Producto 1', 1 + n %% 3,
        (ARRAY['vencimiento', 'dano', 'robo', 'consumo'])[1 + n %% 4], 900, 'u', '', '', 't', 1, n,
        to_char((%(first)s::date + n %% 365) + interval '13 hours', 'YYYY-MM-DD"T"HH24:MI:SS') || '-03:00'
        FROM generate_series(1, %(mermas)s) n""",
    """INSERT INTO people (tenant_id, customer_id, name, store_id, saved_by, saved_at, first_batch)
        SELECT 1, 'cli-' || n, 'Cliente ' || n, 'tienda-00', 'u', '2026-01-01', 1 FROM generate_series(1, 5000) n""",
    """INSERT INTO fiado_entries (tenant_id, entry_id, customer_id, kind, amount, store_id, terminal_id, document,
        reference, at, counter_account)
        SELECT 1, 'f-' || n, 'cli-' || (1 + n %% 5000), CASE WHEN n %% 3 = 0 THEN 'abono' ELSE 'cargo' END,
        CASE WHEN n %% 3 = 0 THEN -6000 ELSE 4000 END, 'tienda-00', 't', '', '',
        %(first)s::timestamptz + (n %% 365) * interval '1 day', 'caja'
        FROM generate_series(1, %(fiado)s) n""",
    "DROP TABLE bench_sales",
    "DROP TABLE bench_lines",
]


def _load(admin_url: str, app_url: str, lines: int, log: Callable[[str], None]) -> int:
    async def stores(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, TENANT, "Almacenes Don Pepe")
        for store in STORES:
            await tenancy.create_store(pool, TENANT, store, store.title())

    sync_catchup.run_async(app_url, stores)
    params = {"stores": len(STORES), "per_store": max(1, lines // 5 // len(STORES)), "first": FIRST,
              "products": PRODUCTS if lines >= 1_000_000 else 300, "mermas": max(100, lines // 250),
              "fiado": max(1000, lines // 50)}
    started = time.perf_counter()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in _GENERATE:
            conn.execute(statement, params)
        for statement in _FILL:
            conn.execute(statement, params)
        conn.execute("VACUUM ANALYZE")
        rows = conn.execute("SELECT (SELECT count(*) FROM report_product_days),"
                            " (SELECT count(*) FROM report_product_months), (SELECT count(*) FROM report_sales)"
                            ).fetchone()
    assert rows is not None
    log(f"  rollups of {lines:,} lines written in {time.perf_counter() - started:.0f} s: product days {rows[0]:,},"
        f" product months {rows[1]:,}, sales (day, hour, cashier) {rows[2]:,}")
    return int(rows[0])


Report = Callable[[db.Conn, list[str], date, date], Awaitable[Any]]
REPORTS: dict[str, Report] = {
    "sales_by_day": lambda c, s, a, b: reports.sales_by_day(c, TENANT, s, a, b),
    "sales_by_hour": lambda c, s, a, b: reports.sales_by_hour(c, TENANT, s, a, b),
    "sales_by_cashier": lambda c, s, a, b: reports.sales_by_cashier(c, TENANT, s, a, b),
    "sales_by_tender": lambda c, s, a, b: reports.sales_by_tender(c, TENANT, s, a, b),
    "sales_by_category": lambda c, s, a, b: reports.sales_by_category(c, TENANT, s, a, b),
    "top_units": lambda c, s, a, b: reports.top_products(c, TENANT, s, a, b, "units"),
    "bottom_margin": lambda c, s, a, b: reports.top_products(c, TENANT, s, a, b, "margin", True),
    "margin_over_time": lambda c, s, a, b: reports.margin_over_time(c, TENANT, s, a, b),
    "stock_by_category": lambda c, s, a, b: reports.stock_by_category(c, TENANT, s),
    "shrinkage_by_reason": lambda c, s, a, b: reports.shrinkage_by_reason(c, TENANT, s, a, b),
    "fiado_outstanding": lambda c, s, a, b: reports.fiado_outstanding(c, TENANT, b),
}


async def _measure(app_url: str, samples: int) -> tuple[dict[str, list[float]], list[float], float]:
    times: dict[str, list[float]] = {}
    base: list[float] = []
    choices = {"one": [STORES[7]], "all": list(STORES)}
    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=1, open=False) as pool:
        async with db.tenant_tx(pool, TENANT) as conn:  # every store's stock counted: what a read pays when every
            started = time.perf_counter()  # store sold since the last one (trading hours); the samples read it kept
            await reports.stock_by_category(conn, TENANT, list(STORES))
            recount = time.perf_counter() - started
        for _ in range(samples):
            for name, report in REPORTS.items():
                for which, stores in choices.items():
                    for period, (start, end) in PERIODS.items():
                        async with db.tenant_tx(pool, TENANT) as conn:
                            started = time.perf_counter()
                            await report(conn, stores, start, end)
                            times.setdefault(f"{name}/{which}/{period}", []).append(time.perf_counter() - started)
                async with db.tenant_tx(pool, TENANT) as conn:
                    started = time.perf_counter()
                    await (await conn.execute(BASELINE_SQL, (TENANT,))).fetchall()
                    base.append(time.perf_counter() - started)
    return times, base, recount


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    del ws
    c = sync_catchup.cluster(log)
    admin_url, app_url = sync_catchup.new_database(c, NAME)
    product_days = _load(admin_url, app_url, sizes.hq_report_lines, log)
    sync_catchup.checkpoint(admin_url)
    times, base, recount = asyncio.run(_measure(app_url, sizes.hq_report_samples))
    p95 = {k: common.ms(common.percentile(v, 95)) for k, v in times.items()}
    per_report: dict[str, float] = {}
    for key, value in p95.items():
        name = key.split("/")[0]
        per_report[name] = max(per_report.get(name, 0.0), value)
    worst = max(p95, key=lambda k: p95[k])
    for key in sorted(p95, key=lambda k: -p95[k])[:8]:
        log(f"  {key:<40} p95 {p95[key]:8.1f} ms")
    return common.Result(
        NAME, p95[worst], "ms", common.ms(common.percentile(base, 50)), target=f"p95 <= {TARGET_MS:g} ms (report)",
        met=p95[worst] <= TARGET_MS,
        extra={"worst": worst, **{f"{k}_p95": v for k, v in per_report.items()},
               "stock_recount_all_ms": common.ms(recount), "stores": len(STORES),
               "lines": sizes.hq_report_lines, "product_day_rows": product_days,
               "samples": sizes.hq_report_samples},
        note=(f"PostgreSQL {sync_catchup.pg_mode()}; rollups of {sizes.hq_report_lines:,} sale lines over a year of"
              f" {len(STORES)} stores; each report for one store and all, this month / last week / a year;"
              " baseline = the stores with rollups in one query"))
