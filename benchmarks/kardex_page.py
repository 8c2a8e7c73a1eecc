"""kardex_page: the first page of a product's kardex at the till, the product having 100,000 movements.

The journal is the 100k-product catalog plus 100,000 movements of one product (sales, purchases, recounts,
``benchmarks.inventory_data``), written through the journal's real append path, so the kardex rows are the till's
projection of those events. The figure is ``desktop.journal.inventory_queries.kardex_page(conn, sku)`` (the newest
50 rows, as the back office opens the Kardex), p50 over repeated calls on the till's own connection (the target
is checked at p99); the second
page (``before`` the first page's last row) and the first page of one warehouse are reported beside it, and the
very first call (cold page cache) apart.

Baseline: the journal's cheapest read of 50 rows, in the same run and on the same connection: the newest 50
entries of the ``events`` table by its primary key (``ORDER BY seq DESC LIMIT 50``), timed right after each call.
Issue 12's target is 100 ms for the first page.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from benchmarks import common, inventory_data
from desktop.journal import inventory_queries

NAME = "kardex_page"
TARGET_MS = 100.0
PAGE = 50
BASELINE_SQL = ("SELECT seq, occurred_at, type, payload FROM events WHERE epoch = ? ORDER BY seq DESC LIMIT ?")


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    data = inventory_data.kardex_journal(ws, sizes.kardex_movements)
    term = common.open_terminal(data.folder, id_prefix=32)
    try:
        conn = term.journal.conn
        epoch = term.journal.identity.epoch
        total = conn.execute("SELECT count(*) FROM kardex WHERE sku = ?", (data.sku,)).fetchone()[0]
        if total < data.movements:
            raise AssertionError(f"the kardex of {data.sku} holds {total} rows, fewer than {data.movements}")

        started = time.perf_counter()
        first = inventory_queries.kardex_page(conn, data.sku, limit=PAGE)
        cold = time.perf_counter() - started
        if len(first) != PAGE:
            raise AssertionError(f"the first page has {len(first)} rows, not {PAGE}")

        ours: list[float] = []
        second: list[float] = []
        by_warehouse: list[float] = []
        base: list[float] = []
        for _ in range(sizes.kardex_samples):
            started = time.perf_counter()
            page = inventory_queries.kardex_page(conn, data.sku, limit=PAGE)
            ours.append(time.perf_counter() - started)

            started = time.perf_counter()
            rows = conn.execute(BASELINE_SQL, (epoch, PAGE)).fetchall()
            base.append(time.perf_counter() - started)
            if len(rows) != PAGE or len(page) != PAGE:
                raise AssertionError("a page came back short")

            started = time.perf_counter()
            more = inventory_queries.kardex_page(conn, data.sku, before=page[-1].id, limit=PAGE)
            second.append(time.perf_counter() - started)
            started = time.perf_counter()
            sala = inventory_queries.kardex_page(conn, data.sku, warehouse=term.journal.identity.store_id,
                                                 limit=PAGE)
            by_warehouse.append(time.perf_counter() - started)
            if len(more) != PAGE or not sala or more[0] == page[0]:
                raise AssertionError("the second page or the warehouse's page is wrong")
    finally:
        term.close()

    p50, b50 = common.percentile(ours, 50), common.percentile(base, 50)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"p99 <= {TARGET_MS:g} ms",
        met=common.percentile(ours, 99) * 1000 <= TARGET_MS,
        extra={"p50": common.ms(p50), "p99": common.ms(common.percentile(ours, 99)), "cold_ms": common.ms(cold),
               "second_page_p50": common.ms(common.percentile(second, 50)),
               "warehouse_page_p50": common.ms(common.percentile(by_warehouse, 50)),
               "movements": total, "page": PAGE, "samples": len(ours),
               "journal_build_s": round(data.build_seconds, 1)})
