"""hq_dashboard: what HQ's dashboard (``/hq/panel``) reads for every store of a tenant
(``syncserver.store.dashboard.dashboard``: sales per store against last week, heat map, top products, margin,
tenders, tills, alerts), and the live marker each open page checks once a second (``dashboard.marker``).

The master database holds ``Sizes.dashboard_sales`` sales spread over the five weeks before a Wednesday afternoon
across :data:`STORES` stores, three lines each (with their cost) and one tender, COPY'd in before timing. The figure
is the p50 of building the whole dashboard on the application role inside a tenant transaction; the marker's p50 is
reported beside it.

Baseline, in the same run and interleaved: this week's sales of those stores summed in one query (the rows the
dashboard's week figures read), without lines, tenders or comparisons. Issue 14's target for an HQ page is a p95 of
200 ms (with 50 stores and 5,000,000 sale lines: the next session's rollups); this is the dashboard before them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import psycopg_pool

from benchmarks import common, sync_catchup
from syncserver import tenancy
from syncserver.store import dashboard, db

NAME = "hq_dashboard"
TARGET_MS = 200.0
TENANT = 1
STORES = tuple(f"tienda-{i:02d}" for i in range(10))
NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("America/Santiago"))
SALE_COLUMNS = ("tenant_id, sale_id, store_id, terminal_id, epoch, seq, number, shift_id, cashier_id, occurred_at,"
                " total, neto, iva, exento, discount, rounding, change")
LINE_COLUMNS = "tenant_id, sale_id, line_id, sku, name, quantity, unit_price, discount, amount, cost"
TENDERS = ("cash", "debit", "credit", "transfer")
BASELINE_SQL = ("SELECT count(*), sum(total) FROM sales WHERE tenant_id = %(t)s AND store_id = ANY(%(stores)s)"
                " AND occurred_at >= %(low)s AND occurred_at < %(high)s")


def _load(admin_url: str, app_url: str, count: int) -> int:
    async def stores(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, TENANT, "Almacenes Don Pepe")
        for store in STORES:
            await tenancy.create_store(pool, TENANT, store, store.title())

    sync_catchup.run_async(app_url, stores)
    rng = random.Random(14)
    span = 35 * 24 * 3600
    lines = 0
    with psycopg.connect(admin_url) as conn, conn.cursor() as cur:
        sale_rows: list[tuple[object, ...]] = []
        line_rows: list[tuple[object, ...]] = []
        tender_rows: list[tuple[object, ...]] = []
        for n in range(count):
            at = (NOW - timedelta(seconds=rng.randrange(span))).isoformat(timespec="seconds")
            store = STORES[n % len(STORES)]
            total = 0
            for line in range(1, 4):
                price = 500 + rng.randrange(5_000)
                total += price
                sku = f"P{rng.randrange(2_000):05d}"
                line_rows.append((TENANT, f"s{n}", line, sku, f"Producto {sku}", 1, price, 0, price, price * 6 // 10))
            lines += 3
            sale_rows.append((TENANT, f"s{n}", store, f"caja-{store}", 1, n, n, "t", "ana", at, total, 0, 0, 0, 0,
                              0, 0))
            tender_rows.append((TENANT, f"s{n}", TENDERS[n % len(TENDERS)], total, total))
        for columns, table, rows in ((SALE_COLUMNS, "sales", sale_rows), (LINE_COLUMNS, "sale_lines", line_rows),
                                     ("tenant_id, sale_id, kind, amount, received", "sale_tenders", tender_rows)):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for table in ("sales", "sale_lines", "sale_tenders"):
            conn.execute(f"ANALYZE {table}")
    return lines


async def _measure(app_url: str, samples: int) -> tuple[list[float], list[float], list[float], int]:
    named = [(s, s.title()) for s in STORES]
    bounds = dashboard.Bounds.at(NOW)
    params = {"t": TENANT, "stores": list(STORES), **bounds.text_range(bounds.week)}
    ours: list[float] = []
    marks: list[float] = []
    base: list[float] = []
    week = 0
    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=1, open=False) as pool:
        for _ in range(samples):
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                figures = await dashboard.dashboard(conn, TENANT, named, NOW, every_store=True)
                ours.append(time.perf_counter() - started)
                week = sum(s.week_count for s in figures.stores)
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                await dashboard.marker(conn, TENANT, list(STORES), NOW)
                marks.append(time.perf_counter() - started)
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                await (await conn.execute(BASELINE_SQL, params)).fetchall()
                base.append(time.perf_counter() - started)
    return ours, marks, base, week


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    del ws
    c = sync_catchup.cluster(log)
    admin_url, app_url = sync_catchup.new_database(c, NAME)
    lines = _load(admin_url, app_url, sizes.dashboard_sales)
    sync_catchup.checkpoint(admin_url)
    ours, marks, base, week = asyncio.run(_measure(app_url, sizes.dashboard_samples))
    if week <= 0:
        raise AssertionError("the dashboard counted no sale this week")
    p50, p95, b50 = common.percentile(ours, 50), common.percentile(ours, 95), common.percentile(base, 50)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"p95 <= {TARGET_MS:g} ms (page)",
        met=p95 * 1000 <= TARGET_MS,
        extra={"p50": common.ms(p50), "p95": common.ms(p95), "marker_p50": common.ms(common.percentile(marks, 50)),
               "stores": len(STORES), "sales": sizes.dashboard_sales, "lines": lines, "week_sales": week,
               "samples": len(ours)},
        note=(f"PostgreSQL {sync_catchup.pg_mode()}; {sizes.dashboard_sales:,} sales ({lines:,} lines) over five"
              f" weeks of {len(STORES)} stores; baseline = this week's sales of those stores summed in one query"))
