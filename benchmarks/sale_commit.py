"""sale_commit: committing a completed 10-line cash sale on the 100k-product journal.

The figure is the unit of work of ``CheckoutService.complete``: the sale number, ``SaleCompleted`` sealed and
appended, its projections (sales, stock of each line, the shift's totals), the draft cleared, the receipt
queued, and the fsynced COMMIT. The whole ``complete`` call is reported too (``complete_p50``/``p99``): it
adds rendering the receipt's ESC/POS bytes for the in-memory FakePrinter and recording the print outcome in
``print_queue`` (a second, autocommitted and so fsynced, write).

Baseline: a raw ``sqlite3`` INSERT of the same payload JSON into a one-table file with the same pragmas (WAL,
synchronous=FULL), one ``BEGIN IMMEDIATE``/``COMMIT`` per insert, interleaved with the sales.

Where the unit of work's time goes (``commit_p50``, ``sql_p50``, ``python_p50`` and the baseline's
``raw_commit_p50``) is measured in a second pass of sales whose statements are timed one by one (timing them
costs a little, so the figure itself comes from the first pass only).
"""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from benchmarks import common
from desktop.journal.sqlite_store import UnitOfWork
from shared import money
from shared.events import envelope
from shared.sale import Tender, TenderKind

NAME = "sale_commit"
TARGET_RATIO = 1.5


class _TimedUnits:
    """Wraps a journal's ``unit_of_work`` to record how long each one took (the block and its commit)."""

    def __init__(self, journal: Any) -> None:
        self.inner = journal.unit_of_work
        self.last = 0.0
        journal.unit_of_work = self

    @contextlib.contextmanager
    def __call__(self) -> Iterator[UnitOfWork]:
        started = time.perf_counter()
        with self.inner() as uow:
            yield uow
        self.last = time.perf_counter() - started


class _TimedConnection:
    """Stands in for the journal's connection while ``on``: the time of its COMMITs and of its other statements."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.on = False
        self.commit = 0.0
        self.other = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        started = time.perf_counter()
        cursor = self.conn.execute(sql, *args)
        self._count(sql, time.perf_counter() - started)
        return cursor

    def executemany(self, sql: str, rows: Iterable[Any]) -> sqlite3.Cursor:
        started = time.perf_counter()
        cursor = self.conn.executemany(sql, rows)
        self._count(sql, time.perf_counter() - started)
        return cursor

    def _count(self, sql: str, took: float) -> None:
        if self.on:
            if sql.strip().upper() == "COMMIT":
                self.commit += took
            else:
                self.other += took


def baseline_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
        raise RuntimeError("baseline file did not switch to WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    return conn


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    ws.master()
    data_dir = ws.fresh_copy(NAME)
    term = common.open_terminal(data_dir, id_prefix=2)
    raw = baseline_connection(ws.root / f"{NAME}-baseline.sqlite3")
    units = _TimedUnits(term.journal)
    try:
        common.start_selling(term)
        warmup = 5
        codes = ws.random_barcodes((sizes.commit_sales + warmup) * sizes.commit_lines, seed_value=22)
        ours: list[float] = []
        uow: list[float] = []
        base: list[float] = []
        sizes_bytes: list[int] = []
        for number, sale_codes in enumerate(common.batched(codes, sizes.commit_lines)):
            for code in sale_codes:
                term.checkout.scan(code)
            due = money.round_cash(term.checkout.sale.totals().total)

            started = time.perf_counter()
            completed = term.checkout.complete((Tender(TenderKind.CASH, due),))
            elapsed = time.perf_counter() - started

            if not (completed.printed.ok or completed.printed.pending) or not completed.event.lines:
                raise AssertionError(f"sale {number}: {completed.printed.message}")
            payload = envelope.canonical_bytes(term.journal.codec.encode(completed.event)[2]).decode("utf-8")

            started = time.perf_counter()
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO events (payload) VALUES (?)", (payload,))
            raw.execute("COMMIT")
            baseline = time.perf_counter() - started

            if number >= warmup:
                ours.append(elapsed)
                uow.append(units.last)
                base.append(baseline)
                sizes_bytes.append(len(payload.encode("utf-8")))
        diagnosed = ws.random_barcodes(min(100, sizes.commit_sales) * sizes.commit_lines, seed_value=23)
        breakdown = _breakdown(term, raw, units, diagnosed, sizes.commit_lines)
    finally:
        raw.close()
        term.close()

    p50, p99 = common.percentile(uow, 50), common.percentile(uow, 99)
    b50, b99 = common.percentile(base, 50), common.percentile(base, 99)
    c50 = common.percentile(ours, 50)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"ratio <= {TARGET_RATIO:g} at p50",
        met=p50 / b50 <= TARGET_RATIO,
        extra={"p50": common.ms(p50), "p99": common.ms(p99), "baseline_p50": common.ms(b50),
               "baseline_p99": common.ms(b99), "complete_p50": common.ms(c50),
               "complete_p99": common.ms(common.percentile(ours, 99)), "complete_ratio": round(c50 / b50, 2),
               "samples": len(ours), "lines": sizes.commit_lines,
               "payload_bytes": round(sum(sizes_bytes) / len(sizes_bytes)), **breakdown})


def _breakdown(term: Any, raw: sqlite3.Connection, units: _TimedUnits, codes: list[str],
               lines: int) -> dict[str, float]:
    """p50 (ms) of the sale's COMMIT, of its other statements, and of the Python between them, over sales whose
    statements are timed one by one; and of the baseline's COMMIT."""
    timed = _TimedConnection(term.journal.conn)
    term.journal.conn = timed
    inner = units.inner

    @contextlib.contextmanager
    def watched() -> Iterator[UnitOfWork]:  # only the sale's unit of work: not the print outcome written after it
        timed.on = True
        try:
            with inner() as uow:
                yield uow
        finally:
            timed.on = False

    commits: list[float] = []
    others: list[float] = []
    pythons: list[float] = []
    raw_commits: list[float] = []
    try:
        for sale_codes in common.batched(codes, lines):
            for code in sale_codes:
                term.checkout.scan(code)
            due = money.round_cash(term.checkout.sale.totals().total)
            timed.commit = timed.other = 0.0
            units.inner = watched
            try:
                term.checkout.complete((Tender(TenderKind.CASH, due),))
            finally:
                units.inner = inner
            commits.append(timed.commit)
            others.append(timed.other)
            pythons.append(units.last - timed.commit - timed.other)
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO events (payload) VALUES (?)", ("x" * 2000,))
            started = time.perf_counter()
            raw.execute("COMMIT")
            raw_commits.append(time.perf_counter() - started)
    finally:
        term.journal.conn = timed.conn
        units.inner = inner
    return {"commit_p50": common.ms(statistics.median(commits)), "sql_p50": common.ms(statistics.median(others)),
            "python_p50": common.ms(statistics.median(pythons)),
            "raw_commit_p50": common.ms(statistics.median(raw_commits))}
