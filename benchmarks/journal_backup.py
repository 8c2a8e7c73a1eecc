"""journal_backup: a verified backup of the till's journal (the 100k-product catalog and its sales), and what it
does to the sale being committed while it runs.

The figure is ``BackupService.run``: SQLite's online backup into the backup folder, fsync, the copy read back
(integrity check, every epoch's hash chain) and renamed (docs/backups.md). Baseline: a plain file copy of the same
journal with fsync (``shutil.copyfile``), what a copy without SQLite or verification costs.

Beside it: the sale's unit of work (10-line cash sale) p50/p99 while no backup runs and while backups run back to
back in a thread of the till's process, as the backup worker does (``commit_ratio_p99``: the second over the
first).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from benchmarks import common
from benchmarks.sale_commit import _TimedUnits
from desktop.services.backups import BackupService
from desktop.settings import BackupSettings
from shared import money
from shared.sale import Tender, TenderKind

NAME = "journal_backup"
RUNS = 3


def _sell(ws: common.Workspace, term: Any, units: _TimedUnits, n: int, lines: int, seed_value: int) -> list[float]:
    took = []
    for sale_codes in common.batched(ws.random_barcodes(n * lines, seed_value=seed_value), lines):
        for code in sale_codes:
            term.checkout.scan(code)
        term.checkout.complete((Tender(TenderKind.CASH, money.round_cash(term.checkout.sale.totals().total)),))
        took.append(units.last)
    return took


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    data_dir = ws.fresh_copy(NAME)
    folder = ws.root / f"{NAME}-usb"
    folder.mkdir()
    term = common.open_terminal(data_dir, id_prefix=3)
    units = _TimedUnits(term.journal)
    service = BackupService(term.journal.path, data_dir, term.journal.identity.terminal_id,
                            BackupSettings(folder=str(folder), keep=2), lambda: datetime.now(UTC))
    try:
        common.start_selling(term)
        _sell(ws, term, units, 5, sizes.commit_lines, 31)  # warm-up
        ours, base, events = [], [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            outcome = service.run("benchmark")
            ours.append(time.perf_counter() - started)
            if not outcome.ok:
                raise AssertionError(outcome.error)
            events = outcome.events
            plain = ws.root / f"{NAME}-plain.sqlite3"
            started = time.perf_counter()
            shutil.copyfile(term.journal.path, plain)
            fd = os.open(plain, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
            base.append(time.perf_counter() - started)
            plain.unlink()
        size_mb = term.journal.path.stat().st_size / 1e6

        idle = _sell(ws, term, units, sizes.commit_sales, sizes.commit_lines, 32)
        stop = threading.Event()
        copies = [0]

        def backups() -> None:
            while not stop.is_set():
                if service.run("benchmark").ok:
                    copies[0] += 1

        thread = threading.Thread(target=backups, name="almacen-backup")
        thread.start()
        try:
            during = _sell(ws, term, units, sizes.commit_sales, sizes.commit_lines, 33)
        finally:
            stop.set()
            thread.join()
        if term.journal.verify() != term.journal.head[0]:
            raise AssertionError("the journal lost events while being copied")
    finally:
        term.close()

    value, baseline = common.percentile(ours, 50), common.percentile(base, 50)
    i50, i99 = common.percentile(idle, 50), common.percentile(idle, 99)
    d50, d99 = common.percentile(during, 50), common.percentile(during, 99)
    return common.Result(
        NAME, round(value, 3), "s", round(baseline, 3), target="sale p99 during backup <= 1.5x",
        met=d99 / i99 <= 1.5,
        note="the copy runs in a thread of the till's process; the sale's commit is not blocked (WAL snapshot)",
        extra={"journal_mb": round(size_mb, 1), "events": events, "copy_mb_s": round(size_mb / value, 1),
               "commit_idle_p50": common.ms(i50), "commit_idle_p99": common.ms(i99),
               "commit_during_p50": common.ms(d50), "commit_during_p99": common.ms(d99),
               "commit_ratio_p99": round(d99 / i99, 2), "copies_during": copies[0], "samples": len(during)})
