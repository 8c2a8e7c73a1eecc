"""``python -m benchmarks.compare BASE_DIR [--head DIR]``: sync_ingest, sync_catchup and sale_commit of two trees.

Two measurements, each printed for both trees with the ratio head/base (above 1: the head costs more):

* **callgrind** (unless ``--no-callgrind``): each benchmark once per tree under ``valgrind --tool=callgrind
  --instr-atstart=no``, instrumentation on only inside the benchmark's timed regions (see ``compare_probe``): the
  instructions (``Ir``) the Python side executes there (three runs of one tree agreed within 0.3%). PostgreSQL runs
  in its own processes, outside callgrind: its side is compared by the statements the regions executed
  (``pg_stat_statements``: calls, rows, execution ms), collected in the same runs.
* **alternated wall and CPU** (``--rounds N``, default 5; 0 skips it): N rounds, each running every benchmark once
  per tree, the tree that goes first alternating (base-head, head-base, ...) to cancel the order effect, without
  valgrind. Medians of the regions' wall seconds, this process's CPU seconds (Python and psycopg; for sync_catchup
  the terminal and the server thread) and the PostgreSQL processes' CPU seconds, plus the benchmark's own figure.
  On the shared two-core machine (load ~10) one round's wall ratio ranged from 0.55 to 2.17: wall medians of a
  few rounds cannot settle 5% there; the instruction and statement counts can.

Each tree runs its own ``benchmarks`` code with its own ``.venv`` (``uv sync --frozen --all-extras`` there first).
The slow inputs (100k-product catalog journal, offline terminal journals) are built once per tree commit into
``--cache`` and reused. Sizes are the same for both trees: ``--sales`` (default 10,000, the full run) for the wall
rounds, ``--cg-sales`` (default 1,000, as ``--quick``) and ``--cg-commit-sales`` under callgrind, which is ~50
times slower.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "compare_probe.py"
NAMES = ("sync_ingest", "sync_catchup", "sale_commit")
CG_SOURCE = """#include <valgrind/callgrind.h>
void almacen_cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void almacen_cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""
RUNNER = "import runpy, sys; p = sys.argv.pop(1); sys.argv[0] = p; runpy.run_path(p, run_name='__main__')"


@dataclass(frozen=True)
class Tree:
    label: str
    path: Path
    commit: str
    dirty: bool

    @property
    def python(self) -> Path:
        return self.path / ".venv" / "bin" / "python"

    def describe(self) -> str:
        return f"{self.label}: {self.path} at {self.commit[:12]}{' + uncommitted changes' if self.dirty else ''}"


def tree(label: str, path: Path) -> Tree:
    path = path.resolve()
    commit = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, check=True).stdout.strip())
    t = Tree(label, path, commit, dirty)
    if not t.python.exists():
        raise SystemExit(f"{path}: no .venv; run `uv sync --frozen --all-extras` there first")
    return t


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def probe(t: Tree, args: list[str], *, prefix: list[str] | None = None, env: dict[str, str] | None = None,
          out: Path | None = None) -> dict[str, Any]:
    argv = [*(prefix or []), str(t.python), "-c", RUNNER, str(PROBE), *args]
    if out is not None:
        argv += ["--out", str(out)]
    full_env = {**os.environ, "PYTHONHASHSEED": "0", "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    proc = subprocess.run(argv, cwd=t.path, env=full_env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{t.label} {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text("utf-8")) if out is not None else {}


def callgrind_total(folder: Path) -> int:
    """The ``Ir`` total of the one callgrind output file in ``folder``."""
    files = list(folder.glob("callgrind.out.*"))
    if len(files) != 1:
        raise SystemExit(f"{folder}: expected one callgrind output, found {files}")
    for line in files[0].read_text(errors="replace").splitlines():
        if line.startswith("totals:"):  # not "summary:", which is the last dump's and 0 with instrumentation off
            return int(line.split()[1])
    raise SystemExit(f"{files[0]}: no totals line")


def ratio(head: float, base: float) -> str:
    return f"{head / base:.3f}" if base else "-"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/bench-compare", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("base", type=Path, help="the tree to compare against (a checkout with its own .venv)")
    p.add_argument("--head", type=Path, default=ROOT, help="the tree measured (default: this checkout)")
    p.add_argument("--only", choices=NAMES, action="append", help="only this benchmark (repeatable)")
    p.add_argument("--rounds", type=int, default=5, help="alternated wall/CPU rounds (0: none); default 5")
    p.add_argument("--sales", type=int, default=10_000, help="offline sales in the wall rounds' journal")
    p.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    p.add_argument("--products", type=int, default=100_000, help="products in sale_commit's catalog journal")
    p.add_argument("--cg-sales", type=int, default=1_000, help="offline sales in the callgrind runs' journal")
    p.add_argument("--cg-commit-sales", type=int, default=100, help="sales committed in sale_commit's callgrind run")
    p.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "almacen-bench-compare",
                   help="where each tree's catalog and terminal journals are kept (per commit)")
    p.add_argument("--keep", type=Path, help="keep the callgrind outputs and JSON results in this folder")
    p.add_argument("--json", type=Path, help="write every measurement to this file")
    args = p.parse_args(argv)
    names = args.only or list(NAMES)
    trees = [tree("base", args.base), tree("head", args.head)]
    for t in trees:
        log(t.describe())
    work = args.keep or Path(tempfile.mkdtemp(prefix="almacen-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    caches = {t.label: args.cache / t.commit[:12] for t in trees}
    report: dict[str, Any] = {"trees": {t.label: {"path": str(t.path), "commit": t.commit, "dirty": t.dirty}
                                        for t in trees}, "callgrind": {}, "rounds": []}
    started = time.perf_counter()

    for t in trees:
        log(f"{t.label}: preparing the catalog and terminal journals in {caches[t.label]} (once per commit) ...")
        sales = sorted({args.sales if args.rounds else 0, 0 if args.no_callgrind else args.cg_sales} - {0})
        probe(t, ["prepare", "--cache", str(caches[t.label]), "--products", str(args.products),
                  *[a for s in sales for a in ("--sales", str(s))]])

    if not args.no_callgrind:
        if shutil.which("valgrind") is None:
            raise SystemExit("valgrind is not installed (apt-get install valgrind), or pass --no-callgrind")
        lib = work / "almacen_cg.so"
        (work / "almacen_cg.c").write_text(CG_SOURCE)
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(lib), str(work / "almacen_cg.c")], check=True)
        for name in names:
            for t in trees:
                folder = work / f"callgrind-{name}-{t.label}"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                log(f"callgrind {name} on {t.label} ...")
                prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "-q",
                          f"--callgrind-out-file={folder}/callgrind.out.%p"]
                res = probe(t, [name, "--cache", str(caches[t.label]), "--sales", str(args.cg_sales),
                                "--commit-sales", str(args.cg_commit_sales), "--products", str(args.products),
                                "--pgss", "--fixed-schedule"],
                            prefix=prefix, env={"ALMACEN_CG_LIB": str(lib)}, out=folder / "result.json")
                res["ir"] = callgrind_total(folder)
                report["callgrind"].setdefault(name, {})[t.label] = res

    for number in range(args.rounds):
        order = trees if number % 2 == 0 else trees[::-1]
        row: dict[str, Any] = {}
        for name in names:
            for t in order:
                log(f"round {number + 1}/{args.rounds}: {name} on {t.label} ...")
                out = work / f"round{number + 1}-{name}-{t.label}.json"
                row.setdefault(name, {})[t.label] = probe(
                    t, [name, "--cache", str(caches[t.label]), "--sales", str(args.sales),
                       "--products", str(args.products)], out=out)
        report["rounds"].append({"first": order[0].label, **row})

    print(render(report, names, args))
    log(f"whole comparison {time.perf_counter() - started:.0f} s; outputs in {work}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


def _pg_totals(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with its PostgreSQL totals summed again without the probe's own pg_stat_statements reads."""
    statements = [s for q, s in result.get("pg_statements", {}).items() if "pg_stat_statements" not in q]
    return {**result, "pg_calls": sum(s["calls"] for s in statements), "pg_rows": sum(s["rows"] for s in statements),
            "pg_exec_ms": round(sum(s["ms"] for s in statements), 1)}


def render(report: dict[str, Any], names: list[str], args: argparse.Namespace) -> str:
    trees = report["trees"]
    lines = [f"{label} {t['commit'][:12]}{' (dirty)' if t['dirty'] else ''}  {t['path']}"
             for label, t in trees.items()] + [""]
    head = f"{'benchmark':<13} {'figure':<34}{'base':>16}{'head':>16}{'head/base':>11}"
    if report["callgrind"]:
        lines += [f"callgrind: Python instructions in the timed regions ({args.cg_sales:,} offline sales,"
                  f" {args.cg_commit_sales} committed sales), PostgreSQL statements from pg_stat_statements", head,
                  "-" * len(head)]
        for name in names:
            cg = report["callgrind"][name]
            b, h = _pg_totals(cg["base"]), _pg_totals(cg["head"])
            keys = [("Ir (Python side)", "ir"), ("timed regions", "regions")]
            if name != "sale_commit":  # the till writes SQLite only
                keys[1:1] = [("PG statements executed", "pg_calls"), ("PG rows", "pg_rows"),
                             ("PG exec ms (wall, informative)", "pg_exec_ms")]
            if name == "sync_catchup":  # the same pushes on both sides (--fixed-schedule)
                b, h = {**b, "batches": b["extra"]["batches"]}, {**h, "batches": h["extra"]["batches"]}
                keys.append(("batches pushed", "batches"))
            for label, key in keys:
                lines.append(f"{name:<13} {label:<34}{b[key]:>16,}{h[key]:>16,}{ratio(h[key], b[key]):>11}")
        lines.append("")
    if report["rounds"]:
        n = len(report["rounds"])
        lines += [f"alternated rounds: medians of {n} runs per tree ({args.sales:,} offline sales; first tree"
                  f" alternating: {', '.join(r['first'] for r in report['rounds'])})", head, "-" * len(head)]
        for name in names:
            runs = {label: [r[name][label] for r in report["rounds"]] for label in ("base", "head")}
            unit = runs["base"][0]["unit"]
            figures: list[tuple[str, Any]] = [
                (f"benchmark figure ({unit})", lambda r: r["value"]),
                ("timed regions wall s", lambda r: r["wall_s"]),
                ("Python process CPU s", lambda r: r["cpu_s"]),
            ]
            if name != "sale_commit":
                figures.append(("PostgreSQL CPU s", lambda r: r["pg_cpu_s"]))
            if name == "sync_catchup":
                figures.append(("server_ingest_s", lambda r: r["extra"]["server_ingest_s"]))
            for label, get in figures:
                b = statistics.median(get(r) for r in runs["base"])
                h = statistics.median(get(r) for r in runs["head"])
                pairs = sorted(get(hr) / get(br) for br, hr in zip(runs["base"], runs["head"], strict=True)
                               if get(br))
                spread = f"  rounds {pairs[0]:.2f}..{pairs[-1]:.2f}" if pairs else ""
                lines.append(f"{name:<13} {label:<34}{b:>16.4f}{h:>16.4f}{ratio(h, b):>11}{spread}")
        lines.append("(sync_ingest's figure is events/s: higher is better there; every other row is a cost)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
