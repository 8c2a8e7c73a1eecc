"""``python -m benchmarks [--only NAME] [--quick] [--json FILE]``: run the benchmarks and print a table."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks import (
    books_month,
    catalog_import,
    cold_start,
    common,
    count_post,
    desktop_reports,
    dte_envelope,
    fiado_statement,
    general_journal,
    hq_dashboard,
    hq_pages,
    hq_reports,
    journal_backup,
    kardex_page,
    memory,
    reconnect_storm,
    sale_commit,
    scan_to_line,
    stock_list,
    sync_catchup,
    sync_ingest,
    ted_stamp,
    till_catalog_pull,
    year_journal,
)

Runner = Callable[[common.Workspace, common.Sizes, Callable[[str], None]], common.Result]

BENCHMARKS: dict[str, Runner] = {
    scan_to_line.NAME: scan_to_line.run,
    sale_commit.NAME: sale_commit.run,
    cold_start.NAME: cold_start.run,
    memory.NAME: memory.run,
    sync_catchup.NAME: sync_catchup.run,
    sync_ingest.NAME: sync_ingest.run,
    reconnect_storm.NAME: reconnect_storm.run,
    ted_stamp.NAME: ted_stamp.run,
    dte_envelope.NAME: dte_envelope.run,
    catalog_import.NAME: catalog_import.run,
    till_catalog_pull.NAME: till_catalog_pull.run,
    stock_list.NAME: stock_list.run,
    kardex_page.NAME: kardex_page.run,
    count_post.NAME: count_post.run,
    fiado_statement.NAME: fiado_statement.run,
    desktop_reports.NAME: desktop_reports.run,
    general_journal.NAME: general_journal.run,
    books_month.NAME: books_month.run,
    hq_dashboard.NAME: hq_dashboard.run,
    hq_pages.NAME: hq_pages.run,
    hq_reports.NAME: hq_reports.run,
    journal_backup.NAME: journal_backup.run,
    year_journal.NAME: year_journal.run,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--json", type=Path, metavar="FILE", help="also write {name: {value, unit, baseline, ratio, ...}}")
    p.add_argument("--only", choices=sorted(BENCHMARKS), action="append", metavar="NAME",
                   help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    p.add_argument("--quick", action="store_true", help="10,000 products and few samples: a smoke test")
    p.add_argument("--catalog-cache", type=Path, metavar="DIR",
                   help="keep the catalog journal in DIR and reuse it in later runs (default: build it every run)")
    p.add_argument("--hq-samples", type=int, metavar="N", help="requests of each HQ page in hq_pages (default 20)")
    p.add_argument("--hq-page", action="append", metavar="TEXT", default=[],
                   help="hq_pages: measure only the pages whose label contains TEXT (repeatable; e.g. 'stock')")
    p.add_argument("--data-cache", type=Path, metavar="DIR",
                   help="where hq_pages keeps its generated 50-store master (default: $ALMACEN_BENCH_CACHE or"
                        " /var/tmp/almacen-bench; built once, reused by later runs)")
    return p


def table(results: list[common.Result]) -> str:
    head = f"{'benchmark':<14}{'value':>15}{'baseline':>15}{'ratio':>9}  {'target':<20}{'met':<5} detail"
    rows = [head, "-" * len(head)]
    for r in results:
        detail = ", ".join(f"{k}={v}" for k, v in r.extra.items() if not isinstance(v, dict))
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        rows.append(f"{r.name:<14}{r.value:>8.3f} {r.unit:<6}{r.baseline:>8.3f} {r.unit:<6}{r.ratio:>8.2f}x"
                    f"  {r.target:<20}{met:<5} {detail}")
        if r.note:
            rows.append(f"{'':<14}note: {r.note}")
        for key, parts in r.extra.items():  # a figure per part (hq_pages: each page's p50, p95 and ratio)
            if isinstance(parts, dict):
                rows.extend(f"{'':<14}{key} {part}: " + ", ".join(f"{k}={v}" for k, v in figures.items())
                            for part, figures in parts.items())
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sizes = common.Sizes.quick() if args.quick else common.Sizes()
    if args.hq_samples:
        sizes = dataclasses.replace(sizes, hq_samples=max(1, args.hq_samples))
    if args.hq_page:
        sizes = dataclasses.replace(sizes, hq_pages=tuple(args.hq_page))
    if args.data_cache:
        os.environ["ALMACEN_BENCH_CACHE"] = str(args.data_cache.resolve())
    names = args.only or list(BENCHMARKS)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results: list[common.Result] = []
    with tempfile.TemporaryDirectory(prefix="almacen-bench-") as tmp:
        root = Path(tmp)
        workspace = common.Workspace(root, sizes, log, args.catalog_cache)
        for name in names:
            log(f"running {name} ...")
            t = time.perf_counter()
            result = BENCHMARKS[name](workspace, sizes, log)
            log(f"  {name}: {result.value} {result.unit} (baseline {result.baseline} {result.unit},"
                f" {time.perf_counter() - t:.1f} s)")
            result.extra["catalog_build_s"] = round(workspace.build_seconds, 1) if workspace.build_seconds else None
            results.append(result)
    print(table(results))
    built = f"built in {workspace.build_seconds:.1f} s" if workspace.build_seconds else "reused from the cache"
    print(f"\n{sizes.products:,}-product catalog {built} (not counted); whole run"
          f" {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({r.name: r.to_json() for r in results}, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
