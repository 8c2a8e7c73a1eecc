"""stock_list: the back office's Stock list of the 100k-product catalog, filtered by what the manager types or scans.

The journal is the run's 100k-product catalog (each product with its opening stock, ``stock.adjusted`` apertura,
through the journal's real append path). The figure is
``desktop.journal.inventory_queries.stock_list(conn, search, limit=50)`` on the till's own connection, p50 over
every search of :data:`SEARCHES` (words as typed: accents, case and hyphens left as a manager types them) and a
scanned barcode, each repeated; the p99 is the target's figure. The unfiltered first page and the alerts-only list
are reported beside it.

Baseline: the sale screen's product search (``read_models.search``, the same words, 50 rows; a barcode through
``read_models.by_barcode``), on the same connection, timed right after each call: what finding the products costs
without their stock per warehouse, value and alerts. Issue 12's target is 200 ms.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from benchmarks import common
from desktop.journal import inventory_queries, read_models

NAME = "stock_list"
TARGET_MS = 200.0
PAGE = 50
SEARCHES = ("arroz", "Yogurt griego", "nectar durazno", "NÉCTAR", "coca-cola light", "coca cola", "vodka 500",
            "detergente liquido ace", "fosforos")


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    ws.master()
    data_dir = ws.fresh_copy(NAME)
    term = common.open_terminal(data_dir, id_prefix=33)
    try:
        conn = term.journal.conn
        products = conn.execute("SELECT count(*) FROM products").fetchone()[0]
        barcode = ws.random_barcodes(1, seed_value=33)[0]
        started = time.perf_counter()
        inventory_queries.stock_list(conn, SEARCHES[0], limit=PAGE)
        cold = time.perf_counter() - started

        ours: list[float] = []
        base: list[float] = []
        found: dict[str, int] = {}
        for _ in range(sizes.stock_rounds):
            for text in (*SEARCHES, barcode):
                started = time.perf_counter()
                rows = inventory_queries.stock_list(conn, text, limit=PAGE)
                ours.append(time.perf_counter() - started)
                started = time.perf_counter()
                if text == barcode:
                    same = [read_models.by_barcode(conn, text)]
                else:
                    same = list(read_models.search(conn, text, limit=PAGE))
                base.append(time.perf_counter() - started)
                found[text] = len(rows)
                if text == barcode and [r.sku for r in rows] != [p.sku for p in same if p is not None]:
                    raise AssertionError(f"the scanned barcode {barcode} did not find its product")
        if not all(found.values()):
            raise AssertionError(f"a search found nothing: {found}")

        unfiltered: list[float] = []
        alerts: list[float] = []
        for _ in range(sizes.stock_rounds):
            started = time.perf_counter()
            inventory_queries.stock_list(conn, "", limit=PAGE)
            unfiltered.append(time.perf_counter() - started)
            started = time.perf_counter()
            inventory_queries.stock_list(conn, "", alerts_only=True, limit=PAGE)
            alerts.append(time.perf_counter() - started)
    finally:
        term.close()

    p50, p99, b50 = common.percentile(ours, 50), common.percentile(ours, 99), common.percentile(base, 50)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"p99 <= {TARGET_MS:g} ms", met=p99 * 1000 <= TARGET_MS,
        extra={"p50": common.ms(p50), "p99": common.ms(p99), "cold_ms": common.ms(cold),
               "unfiltered_p50": common.ms(common.percentile(unfiltered, 50)),
               "alerts_only_p50": common.ms(common.percentile(alerts, 50)),
               "products": products, "searches": len(SEARCHES) + 1, "samples": len(ours),
               "rows_found": sum(found.values())})
