"""SIGKILL a selling till at seeded random points; after each kill, every acknowledged sale is in the journal, the
hash chain verifies, sale numbers have no gap and the cart in progress comes back (``scripts/prove-crashes``).

Each kill forks a worker (``crash_worker.sell_forever``; the parent has the modules imported, so a worker is
selling within milliseconds) that writes its ``ACK`` lines to a log file; the worker is SIGKILLed after a seeded
delay (one kill in ten lands while it is still opening the journal), and the journal is then opened as the till
would open it at the next start. A folder serves ``--per-till`` kills in a row (the same journal, killed again and
again), then a fresh one begins. ``--power-cuts N`` adds ``powerloss``'s variant: writes not yet fsynced are lost.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import read_models
from proofs import crash_worker
from shared import errors as shared_errors


@dataclass
class Report:
    """What the kills found: ``lost`` acknowledged sales (id, expected number) and every other broken invariant."""

    kills: int = 0
    acked: int = 0
    lost: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, other: Report) -> None:
        self.kills += other.kills
        self.acked += other.acked
        self.lost += other.lost
        self.problems += other.problems
        self.counts.update(other.counts)


def _child(data: str, seed: int, log: str) -> None:
    logging.disable(logging.WARNING)  # "se vende sin documento": no folios here, and that is expected
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    crash_worker.sell_forever(Path(data), seed, fd)


def complete_lines(path: Path) -> list[list[str]]:
    """The log's lines that were written whole (a line cut by the kill was never acknowledged), split."""
    text = path.read_text()
    return [line.split() for line in text.split("\n")[:-1]]


def kill_once(data: Path, seed: int, delay: float, *, early: bool, timeout: float = 60) -> list[list[str]]:
    """Fork a selling till on ``data``, SIGKILL it ``delay`` seconds after it reports START (or, ``early``, after
    it was forked: while it opens the journal); returns its complete log lines."""
    log = data.parent / f"{data.name}.log"
    log.write_text("")
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_child, args=(str(data), seed, str(log)), daemon=True)
    proc.start()
    assert proc.pid is not None
    if not early:
        deadline = time.monotonic() + timeout
        while not log.read_text().startswith("START"):
            if not proc.is_alive():
                raise RuntimeError(f"worker exited with {proc.exitcode} before START")
            if time.monotonic() > deadline:
                raise RuntimeError("worker never started")
            time.sleep(0.002)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    return complete_lines(log)


def check(data: Path, acked: dict[str, int], carts: list[list[str]]) -> tuple[list[tuple[str, int]], list[str]]:
    """Open the till of ``data`` as a restart would; (acknowledged sales missing or renumbered, other problems)."""
    problems: list[str] = []
    if not (data / "journal.sqlite3").exists():
        return [], []  # killed before the journal was created: nothing was acknowledged
    try:
        term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=data), printer=FakePrinter(),
                                  drawer=FakeDrawer())
    except Exception as exc:  # a journal that does not open after a crash is a finding
        return list(acked.items()), [f"the journal does not open: {type(exc).__name__}: {exc}"]
    try:
        try:
            checked = term.journal.verify()
            if checked != term.journal.head[0]:
                problems.append(f"verify checked {checked} events, head is {term.journal.head[0]}")
        except shared_errors.ChainBroken as exc:
            problems.append(f"chain broken: {exc}")
        conn = term.journal.conn
        journaled = {e.payload["sale_id"]: e.payload["number"] for e in term.journal.read()
                     if e.type == "sale.completed"}
        folded = dict(conn.execute("SELECT sale_id, number FROM sales").fetchall())
        if folded != journaled:
            problems.append(f"read model has {len(folded)} sales, the journal {len(journaled)}")
        lost = [(s, n) for s, n in acked.items() if journaled.get(s) != n]
        numbers = sorted(journaled.values())
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append("sale numbers have a gap or a repeat")
        if carts and carts[-1][1] not in journaled:  # the cart in progress comes back, with what was reported
            draft = read_models.draft(conn)
            if draft is None or draft["sale"]["sale_id"] != carts[-1][1]:
                problems.append(f"the cart in progress {carts[-1][1]} did not come back")
            elif sum(Decimal(x["quantity"]) for x in draft["sale"]["lines"]) < Decimal(carts[-1][3]):
                problems.append(f"the cart in progress {carts[-1][1]} came back with less than reported")
    finally:
        term.close()
    return lost, problems


def run_kills(kills: int, seed: int, folder: Path, *, per_till: int = 40) -> Report:
    """``kills`` seeded SIGKILLs of selling tills in ``folder``; the report of what survived."""
    rng = random.Random(seed)
    report = Report()
    started = time.monotonic()
    acked: dict[str, int] = {}
    data = folder / "till"
    for n in range(kills):
        if n % per_till == 0:
            shutil.rmtree(data, ignore_errors=True)
            acked = {}
        early = rng.random() < 0.1
        delay = rng.uniform(0.0, 0.6) if early else rng.expovariate(1 / 0.25)
        try:
            lines = kill_once(data, rng.getrandbits(32), min(delay, 2.0), early=early)
        except RuntimeError as exc:  # the till could not start again after the previous kill: a finding
            report.problems.append(f"kill {n} (seed {seed}): {exc}")
            shutil.rmtree(data, ignore_errors=True)
            acked = {}
            continue
        report.kills += 1
        report.counts["early" if early else "selling"] += 1
        new = {p[1]: int(p[2]) for p in lines if p[0] == "ACK"}
        report.acked += len(new)
        acked.update(new)
        lost, problems = check(data, acked, [p for p in lines if p[0] == "CART"])
        report.lost += lost
        report.problems += [f"kill {n} (seed {seed}): {p}" for p in problems]
        if any(p.startswith("the journal does not open") for p in problems):
            shutil.rmtree(data, ignore_errors=True)  # reported; go on with a fresh till
            acked = {}
    report.seconds = time.monotonic() - started
    return report


def _job(kills: int, seed: int, queue: object) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"almacen-crashes-{seed}-"))
    try:
        queue.put(run_kills(kills, seed, folder))  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prove-crashes", description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=1000, help="SIGKILLs of a selling till (default 1000)")
    parser.add_argument("--power-cuts", type=int, default=1000,
                        help="power cuts replayed from traced runs (default 1000; 0: none)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--jobs", type=int, default=1, help="kill jobs at once, each on its own folders")
    args = parser.parse_args(argv)
    started = time.monotonic()
    total = Report()
    if args.kills:
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        jobs = max(1, args.jobs)
        shares = [args.kills // jobs + (1 if i < args.kills % jobs else 0) for i in range(jobs)]
        procs = [ctx.Process(target=_job, args=(k, args.seed + i, queue)) for i, k in enumerate(shares) if k]
        for p in procs:
            p.start()
        for _ in procs:
            total.add(queue.get())
        for p in procs:
            p.join()
        print(f"SIGKILL: {total.kills} kills ({dict(total.counts)}), {total.acked} acknowledged sales, lost"
              f" {len(total.lost)}, other problems {len(total.problems)}, {time.monotonic() - started:.0f} s")
        for problem in total.problems[:20]:
            print(f"  {problem}")
        for sale in total.lost[:20]:
            print(f"  lost {sale}")
    cut_failures = 0
    if args.power_cuts:
        from proofs import powerloss
        cut_started = time.monotonic()
        cuts = powerloss.run_cuts(args.power_cuts, args.seed)
        cut_failures = len(cuts.lost) + len(cuts.problems)
        print(f"power loss: {cuts.kills} cuts from {cuts.counts['runs']} traced runs"
              f" ({cuts.counts['drop']} losing every unsynced write, {cuts.counts['prefix']} keeping a prefix),"
              f" {cuts.acked} acknowledged sales checked, lost {len(cuts.lost)}, other problems"
              f" {len(cuts.problems)}, {time.monotonic() - cut_started:.0f} s")
        for problem in cuts.problems[:20]:
            print(f"  {problem}")
        for sale in cuts.lost[:20]:
            print(f"  lost {sale}")
    print(f"total wall time {time.monotonic() - started:.0f} s")
    return 1 if total.lost or total.problems or cut_failures else 0


if __name__ == "__main__":
    sys.exit(main())
