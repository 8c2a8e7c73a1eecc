"""The benchmarks still run end to end (``--quick``: 10,000 products, few samples) and report every figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("scan_to_line", "sale_commit", "cold_start", "memory", "sync_catchup", "sync_ingest", "ted_stamp",
         "dte_envelope", "catalog_import", "till_catalog_pull", "stock_list", "kardex_page", "count_post",
         "fiado_statement", "general_journal", "desktop_reports", "hq_dashboard", "books_month", "hq_pages",
         "hq_reports", "journal_backup", "year_journal", "reconnect_storm")


@pytest.mark.slow
@pytest.mark.timeout(720)  # ~25 s on a quiet 2-core machine, >280 s at load 13; the limit only guards a hang
def test_quick_benchmarks_report_positive_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ALMACEN_BENCH_PEER": "0"}  # never install the DTE peer
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=700, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]

    results = json.loads(out.read_text("utf-8"))
    assert set(results) == set(NAMES)
    for name in NAMES:
        figure = results[name]
        for key in ("value", "baseline", "ratio"):
            assert isinstance(figure[key], int | float) and figure[key] > 0, (name, key, figure)
        assert figure["unit"], name
    for name in ("scan_to_line", "sale_commit", "stock_list", "kardex_page", "fiado_statement"):
        assert results[name]["p99"] >= results[name]["p50"] > 0, results[name]
    sale = results["sale_commit"]  # where the unit of work's time goes: parts that add up to about the whole
    assert sale["commit_p50"] > 0 and sale["sql_p50"] > 0 and sale["python_p50"] > 0 and sale["raw_commit_p50"] > 0
    year = results["year_journal"]
    assert year["events"] > year["sales"] > 0 and year["scan_p99"] >= year["scan_p50"] > 0, year
    assert year["archived_months"] >= 5 and year["file_mb_after"] < year["file_mb_before"], year  # archive files
    assert results["stock_list"]["rows_found"] > 0 and results["stock_list"]["products"] == 10_000
    assert results["kardex_page"]["movements"] >= 5_000 and results["kardex_page"]["page"] == 50
    assert results["fiado_statement"]["entries"] >= 2_000, results["fiado_statement"]
    journal = results["general_journal"]
    assert journal["sales"] == 2_000 and journal["events"] > 2_000 and journal["lines"] > journal["events"], journal
    reports = results["desktop_reports"]
    assert reports["lines"] >= 20_000 and reports["product_day_rows"] > 0 and reports["slowest"], reports
    count = results["count_post"]
    assert count["lines"] == 500 and count["runs"] == 2 and 0 < count["adjusted_lines"] < 500, count
    dte = results["dte_envelope"]
    assert dte["p99_envelope_ms"] >= dte["p50_envelope_ms"] > 0 and dte["signatures_checked"] == 51, dte
    assert "peer_docs_per_s" not in dte and "peer not run" in dte["note"], dte  # the peer is skipped in --quick
    pages = results["hq_pages"]  # every HQ page measured (or said missing), the live update seen
    assert pages["live_s"] > 0 and pages["sales"] == 300 and pages["lines"] > 300, pages
    assert all(p.get("missing") or p["p95"] >= p["p50"] > 0 for p in pages["pages"].values()), pages["pages"]
    assert pages["pages"]["panel"]["samples"] == 2 and "ventas" in proc.stdout, pages
    rollups = results["hq_reports"]  # every report read over the generated rollups
    assert rollups["stores"] == 50 and rollups["product_day_rows"] > 0 and rollups["worst"], rollups
    for name in NAMES:
        assert name in proc.stdout, proc.stdout
