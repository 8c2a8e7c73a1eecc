"""``scripts/fuzz``: every fuzz target with many random examples, then per target the inputs tried, the failures
and the time, and the totals. ``--examples N`` is a weight-1 target's examples (a target's weight scales it)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SERVER = "tests/fuzz/test_server_imports_fuzz.py"
TARGETS: dict[str, tuple[str, ...]] = {
    "barcodes": ("tests/fuzz/test_barcodes_fuzz.py",),
    "scale_frames": ("tests/fuzz/test_scale_frames_fuzz.py",),
    "sync_batch": ("tests/fuzz/test_sync_batch_fuzz.py",),
    "catalog_files": ("tests/fuzz/test_catalog_files_fuzz.py",),
    "supplier_dte": ("tests/fuzz/test_supplier_dte_fuzz.py",),
    "caf": ("tests/fuzz/test_caf_fuzz.py",),
    "server_push": (f"{_SERVER}::test_signed_pushes_of_mutated_batches_never_500_nor_half_write",),
    "server_catalog_import": (f"{_SERVER}::test_catalog_imports_write_every_accepted_row_or_nothing",),
    "server_caf_import": (f"{_SERVER}::test_caf_imports_store_a_verified_caf_or_nothing",),
    "event_rules": ("tests/fuzz/test_event_rules_fuzz.py", "tests/shared/events/test_rules.py"),
    "hq_requests": ("tests/syncserver/hq/test_fuzz.py::test_random_requests_to_random_routes_as_random_roles",),
}
"""Target name → the pytest paths (files or node ids) that make it."""

ENV_WEIGHTS: dict[str, float] = {"hq_requests": 0.1}
"""Targets that read ``FUZZ_EXAMPLES`` as their own count (the HQ fuzz: that many requests) get this share of
``--examples``, in a pytest run of their own; the others scale it by their tests' weights (``fuzz_kit.budget``)."""

DEFAULT_EXAMPLES = 7500


def _target_of(nodeid: str, chosen: dict[str, tuple[str, ...]]) -> str | None:
    for name, paths in chosen.items():
        if any(nodeid == p or nodeid.startswith((p + "::", p + "[", p.rstrip("/") + "/")) for p in paths):
            return name
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES,
                        help=f"examples of a weight-1 target (default {DEFAULT_EXAMPLES})")
    parser.add_argument("--only", action="append", choices=sorted(TARGETS), metavar="NAME",
                        help="run only this target (repeatable): " + ", ".join(TARGETS))
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    args, pytest_args = parser.parse_known_args(argv)
    if args.list:
        for name, paths in TARGETS.items():
            print(f"{name:16} {' '.join(paths)}")
        return 0
    chosen = {name: TARGETS[name] for name in (args.only or TARGETS)}
    groups: dict[float, list[str]] = {}
    for name in chosen:
        groups.setdefault(ENV_WEIGHTS.get(name, 1.0), []).append(name)
    results: dict[str, dict[str, object]] = {}
    started = time.monotonic()
    failed_runs = 0
    for weight, names in sorted(groups.items(), reverse=True):
        with tempfile.TemporaryDirectory(prefix="almacen-fuzz-") as folder:
            report = Path(folder) / "report.json"
            env = {**os.environ, "FUZZ_EXAMPLES": str(max(1, round(args.examples * weight))),
                   "HYPOTHESIS_PROFILE": "fuzz", "FUZZ_REPORT": str(report), "QT_QPA_PLATFORM": "offscreen"}
            paths = [p for name in names for p in chosen[name]]
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.fuzz.report"]
            done = subprocess.run([*command, *pytest_args, *paths], cwd=ROOT, env=env, check=False)
            failed_runs += done.returncode not in (0, 5)
            results.update(json.loads(report.read_text("utf-8")) if report.exists() else {})
    elapsed = time.monotonic() - started
    rows: dict[str, list[float]] = {name: [0, 0, 0, 0.0, 0] for name in chosen}
    for nodeid, entry in results.items():
        name = _target_of(nodeid, chosen)
        if name is None:
            continue
        row = rows[name]
        row[0] += int(entry["passing"]) + int(entry["failing"])  # type: ignore[call-overload]
        row[1] += int(entry["failing"])  # type: ignore[call-overload]
        row[2] += entry["outcome"] == "failed"
        row[3] += float(entry["seconds"])  # type: ignore[arg-type]
        row[4] += 1
    print(f"\n{'target':16} {'tests':>5} {'inputs':>9} {'failing inputs':>14} {'failed tests':>12} {'seconds':>8}")
    for name, (inputs, failing, failed, seconds, tests) in rows.items():
        print(f"{name:16} {tests:5.0f} {inputs:9,.0f} {failing:14.0f} {failed:12.0f} {seconds:8.1f}".replace(",", "."))
    inputs, failing, failed = (sum(r[i] for r in rows.values()) for i in range(3))
    print(f"{'total':16} {sum(r[4] for r in rows.values()):5.0f} {inputs:9,.0f} {failing:14.0f} {failed:12.0f}"
          f" {elapsed:8.1f}".replace(",", "."))
    print(f"examples per weight-1 target: {args.examples}; wall time {elapsed:.0f} s")
    return 1 if failed or failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
