"""One tree's side of ``scripts/bench-compare``: run sync_ingest, sync_catchup or sale_commit of the tree in the
current directory and write what was measured in their timed regions as JSON.

Not imported by ``benchmarks``: ``benchmarks.compare`` runs this file with each tree's own interpreter (``python -c
runpy.run_path(...)`` from the tree's folder), so the benchmark and the code it measures are that tree's, and only
names present in both trees' ``benchmarks`` are used (``common.Workspace``/``Sizes``, each benchmark's ``run``,
``sync_catchup._build_journal``/``_journals``/``SyncJournal``/``new_database``, ``sync_ingest.push_mod.push``,
``CheckoutService.complete``).

The timed regions are the benchmarks' own: each ``push_mod.push`` call (sync_ingest), ``SyncService.push`` of
the real catch-up (sync_catchup, the terminal and the server thread), each ``CheckoutService.complete`` after the
five warm-up sales (sale_commit). In each region it records: wall seconds, this process's CPU seconds, the CPU
seconds of the PostgreSQL processes (``/proc/<pid>/stat`` of every child of the postmaster, background writers
included), with ``--pgss`` the statements of the benchmark's database from ``pg_stat_statements`` (calls and
execution time), with ``--profile FILE`` a cProfile of the regions. With ``--fixed-schedule`` (under callgrind,
where every round trip is slow) sync_catchup's batches grow as they do against a fast server, so both trees push the
same batches. Under ``valgrind --tool=callgrind
--instr-atstart=no`` with ``ALMACEN_CG_LIB`` naming the small library ``benchmarks.compare`` compiles,
instrumentation is switched on only inside the regions, so callgrind's
total ``Ir`` is the instructions of exactly those regions.

``prepare`` builds the slow inputs once per tree into ``--cache``: the 100k-product catalog journal and the offline
terminal journals (``sync_catchup._build_journal``), reused read-only (every benchmark copies them) by later runs.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import ctypes
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.getcwd())  # the tree being measured, not the folder of this file

from benchmarks import common, sale_commit, sync_catchup, sync_ingest
from desktop.services import checkout as checkout_mod
from syncserver import pgcluster

WARMUP_SALES = 5  # as sale_commit.run


class Callgrind:
    """``CALLGRIND_START/STOP_INSTRUMENTATION`` through the compiled helper; no-ops without it or valgrind."""

    def __init__(self) -> None:
        path = os.environ.get("ALMACEN_CG_LIB")
        self.lib = ctypes.CDLL(path) if path else None

    def start(self) -> None:
        if self.lib is not None:
            self.lib.almacen_cg_start()

    def stop(self) -> None:
        if self.lib is not None:
            self.lib.almacen_cg_stop()


def postgres_cpu(postmaster: int | None) -> float:
    """CPU seconds (user + system) of the postmaster and all its children so far."""
    if postmaster is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster or ppid == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


class Probe:
    """Accumulates the measurements of the timed regions."""

    def __init__(self, pgss: bool, profile: cProfile.Profile | None = None) -> None:
        self.cg = Callgrind()
        self.profile = profile
        self.pgss = pgss
        self.admin_url: str | None = None
        self.postmaster: int | None = None
        self.regions = 0
        self.wall = self.cpu = self.pg_cpu = 0.0
        self.statements: dict[str, dict[str, float]] = {}

    def _pgss_snapshot(self) -> dict[str, tuple[int, float, int]]:
        import psycopg

        if not (self.pgss and self.admin_url):
            return {}
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute("SELECT query, calls, total_exec_time, rows FROM pg_stat_statements"
                                " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                                " AND query NOT LIKE 'COPY copy_%'"
                                " AND query NOT LIKE '%pg_stat_statements%'").fetchall()
        snap: dict[str, tuple[int, float, int]] = {}
        for query, calls, ms, nrows in rows:
            c, t, r = snap.get(query, (0, 0.0, 0))
            snap[query] = (c + int(calls), t + float(ms), r + int(nrows))
        return snap

    @contextlib.contextmanager
    def region(self) -> Iterator[None]:
        before = self._pgss_snapshot()
        pg0 = postgres_cpu(self.postmaster)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        self.cg.start()
        if self.profile is not None:
            self.profile.enable()
        try:
            yield
        finally:
            if self.profile is not None:
                self.profile.disable()
            self.cg.stop()
            self.wall += time.perf_counter() - wall0
            self.cpu += time.process_time() - cpu0
            self.pg_cpu += postgres_cpu(self.postmaster) - pg0
            self.regions += 1
            for query, (calls, ms, nrows) in self._pgss_snapshot().items():
                c0, t0, r0 = before.get(query, (0, 0.0, 0))
                if calls > c0:
                    s = self.statements.setdefault(query, {"calls": 0, "ms": 0.0, "rows": 0})
                    s["calls"] += calls - c0
                    s["ms"] += ms - t0
                    s["rows"] += nrows - r0

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"regions": self.regions, "wall_s": round(self.wall, 4), "cpu_s": round(self.cpu, 4),
                               "pg_cpu_s": round(self.pg_cpu, 3)}
        if self.pgss:
            out["pg_calls"] = int(sum(s["calls"] for s in self.statements.values()))
            out["pg_exec_ms"] = round(sum(s["ms"] for s in self.statements.values()), 1)
            out["pg_rows"] = int(sum(s["rows"] for s in self.statements.values()))
            out["pg_statements"] = {q: s for q, s in sorted(self.statements.items(), key=lambda i: -i[1]["calls"])}
        return out


def _enable_pgss() -> None:
    """Load pg_stat_statements in the run's cluster (its ``almacen.conf`` is rewritten at every start)."""
    original = pgcluster.LocalCluster._write_conf

    def write_conf(self: pgcluster.LocalCluster, port: int) -> None:
        original(self, port)
        conf = self.pgdata / "almacen.conf"
        conf.write_text(conf.read_text() + "shared_preload_libraries = 'pg_stat_statements'\n"
                        "pg_stat_statements.track = 'all'\npg_stat_statements.track_utility = on\n")

    pgcluster.LocalCluster._write_conf = write_conf  # type: ignore[method-assign]


def _watch_databases(probe: Probe) -> None:
    original = sync_catchup.new_database

    def new_database(c: pgcluster.LocalCluster, name: str) -> tuple[str, str]:
        admin, app = original(c, name)
        probe.admin_url, probe.postmaster = admin, c.pid()
        if probe.pgss:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return admin, app

    sync_catchup.new_database = new_database


def _journal_file(cache: Path, sales: int) -> Path:
    return cache / f"sync-journal-{sales}.json"


def _use_cached_journal(ws: common.Workspace, cache: Path, sales: int) -> None:
    fields = json.loads(_journal_file(cache, sales).read_text("utf-8"))
    fields["folder"] = Path(fields["folder"])
    fields["private_key"] = bytes.fromhex(fields["private_key"])
    sync_catchup._journals[(ws.root, sales)] = sync_catchup.SyncJournal(**fields)


def prepare(cache: Path, sales_counts: list[int], products: int) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="almacen-compare-") as tmp:
        ws = common.Workspace(Path(tmp), common.Sizes(products=products), log, cache)
        ws.master()
    for sales in sales_counts:
        if _journal_file(cache, sales).exists():
            continue
        info = sync_catchup._build_journal(cache / f"sync-journal-{sales}", sales, log)
        fields = {"folder": str(info.folder), "terminal_id": info.terminal_id,
                  "private_key": info.private_key.hex(), "sales": info.sales, "events": info.events,
                  "mix": info.mix, "build_seconds": info.build_seconds}
        _journal_file(cache, sales).write_text(json.dumps(fields), "utf-8")


def measure(name: str, cache: Path, sales: int, products: int, commit_sales: int, pgss: bool,
            profile: Path | None = None, fixed_schedule: bool = False) -> dict[str, Any]:
    probe = Probe(pgss, cProfile.Profile() if profile else None)
    if pgss:
        _enable_pgss()
    _watch_databases(probe)
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    sizes = common.Sizes(products=products, commit_sales=commit_sales)
    sync_catchup.SALES = sales  # sales_for() gives SALES for any sizes but Sizes.quick()
    if name == "sync_ingest":
        original = sync_ingest.push_mod.push

        async def push(*args: Any, **kwargs: Any) -> Any:
            with probe.region():
                return await original(*args, **kwargs)

        sync_ingest.push_mod.push = push
        runner = sync_ingest.run
    elif name == "sync_catchup":
        class Service(sync_catchup.SyncService):  # type: ignore[name-defined,misc]
            def push(self, *args: Any, **kwargs: Any) -> Any:
                with probe.region():
                    return super().push(*args, **kwargs)

            def _adapt(self, seconds: float) -> None:
                if fixed_schedule:  # the schedule of a fast server (500, 1000, ... up to 5,000), not the clock's
                    seconds = 0.0
                super()._adapt(seconds)

        sync_catchup.SyncService = Service
        runner = sync_catchup.run
    elif name == "sale_commit":
        original_complete = checkout_mod.CheckoutService.complete
        calls = [0]

        def complete(self: Any, *args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            if calls[0] <= WARMUP_SALES:
                return original_complete(self, *args, **kwargs)
            with probe.region():
                return original_complete(self, *args, **kwargs)

        checkout_mod.CheckoutService.complete = complete  # type: ignore[method-assign]
        runner = sale_commit.run
    else:
        raise SystemExit(f"unknown benchmark {name}")
    with tempfile.TemporaryDirectory(prefix="almacen-compare-") as tmp:
        ws = common.Workspace(Path(tmp), sizes, log, cache)
        if name != "sale_commit":
            _use_cached_journal(ws, cache, sales)
        result = runner(ws, sizes, log)
    if profile and probe.profile is not None:
        probe.profile.dump_stats(profile)
    return {"name": name, "value": result.value, "unit": result.unit, "baseline": result.baseline,
            "ratio": result.ratio, "extra": {k: v for k, v in result.extra.items() if isinstance(v, int | float)},
            **probe.summary()}


def main() -> int:
    p = argparse.ArgumentParser(prog="compare_probe")
    p.add_argument("action", choices=["prepare", "sync_ingest", "sync_catchup", "sale_commit"])
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--sales", type=int, action="append", default=[])
    p.add_argument("--products", type=int, default=common.Sizes().products)
    p.add_argument("--commit-sales", type=int, default=common.Sizes().commit_sales)
    p.add_argument("--pgss", action="store_true")
    p.add_argument("--out", type=Path)
    p.add_argument("--fixed-schedule", action="store_true",
                   help="sync_catchup: batch sizes double to 5,000 whatever the round trips take (under callgrind)")
    p.add_argument("--profile", type=Path, help="write cProfile stats of the timed regions to this file")
    args = p.parse_args()
    if args.action == "prepare":
        prepare(args.cache, args.sales, args.products)
        return 0
    out = measure(args.action, args.cache, args.sales[0], args.products, args.commit_sales, args.pgss,
                  args.profile, args.fixed_schedule)
    text = json.dumps(out)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
