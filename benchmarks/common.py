"""What every benchmark shares: sizes, results, percentiles, and terminals on a cached 100k-product journal."""

from __future__ import annotations

import contextlib
import itertools
import math
import random
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import catalog_data, seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import migrate
from desktop.services.auth import User
from shared import shift as shift_mod

CHILE = timezone(timedelta(hours=-3))
JOURNAL_NAME = "journal.sqlite3"


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big a run is: the full run (default) or ``--quick`` for a smoke test."""

    products: int = 100_000
    scan_sales: int = 100  # sales rung up in scan_to_line ...
    scans_per_sale: int = 10  # ... of this many scans each (~1,000 samples)
    commit_sales: int = 200
    commit_lines: int = 10
    cold_runs: int = 5
    memory_sales: int = 1_000
    memory_lines: int = 5
    dte_boletas: int = 500  # dte_envelope: boletas signed, in EnvioBOLETA envelopes of 50 ...
    dte_peer: bool = True  # ... beside the PyPI peer library in its own virtualenv (not in --quick)
    kardex_movements: int = 100_000  # kardex_page: movements of the one product ...
    kardex_samples: int = 50  # ... and first pages read
    stock_rounds: int = 10  # stock_list: rounds of every search
    count_lines: int = 5_000  # count_post: lines of each count posted ...
    count_runs: int = 3  # ... and counts posted
    fiado_entries: int = 10_000  # fiado_statement: ledger entries of the one customer ...
    fiado_samples: int = 50  # ... and balance + statement reads
    report_lines: int = 1_000_000  # desktop_reports: sale lines of the store's year ...
    report_samples: int = 3  # ... and rounds of every report
    journal_sales: int = 30_000  # general_journal: sales of the store's month (1,000 a day) ...
    journal_samples: int = 10  # ... and journals built
    dashboard_sales: int = 100_000  # hq_dashboard: sales of ten stores over five weeks (3 lines each) ...
    dashboard_samples: int = 10  # ... and dashboards built
    hq_samples: int = 20  # hq_pages: requests of every HQ page (over benchmarks.hq_data's 50 stores, 5M lines)
    hq_pages: tuple[str, ...] = ()  # hq_pages: only the pages whose label contains one of these (empty: all)
    hq_report_lines: int = 5_000_000  # hq_reports: sale lines of 50 stores' year in the rollups ...
    hq_report_samples: int = 5  # ... and reads of every report per store choice and period
    year_sales: int = 150_000  # year_journal: sales of the till's year (one event each, 10 lines)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(products=10_000, scan_sales=10, scans_per_sale=10, commit_sales=30, cold_runs=2,
                   memory_sales=100, dte_boletas=100, dte_peer=False, kardex_movements=5_000, kardex_samples=10,
                   stock_rounds=3, count_lines=500, count_runs=2, fiado_entries=2_000, fiado_samples=10,
                   journal_sales=2_000, journal_samples=3, report_lines=20_000, report_samples=1,
                   dashboard_sales=5_000, dashboard_samples=3, hq_samples=2,
                   hq_report_lines=5_000, hq_report_samples=1, year_sales=2_000)


@dataclass
class Result:
    """One benchmark's figure, its baseline measured in the same run, and ``ratio = value / baseline``."""

    name: str
    value: float
    unit: str
    baseline: float
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else math.inf

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "baseline": self.baseline, "ratio": round(self.ratio, 3),
                "target": self.target, "met": self.met, "note": self.note, **self.extra}


def percentile(samples: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank; ``samples`` need not be sorted."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def fast_hasher() -> PasswordHasher:
    """argon2id with tiny costs, as in tests/conftest.py: PIN hashing is not what is measured."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    """A clock that ticks one second per reading, so every event has a distinct, plausible time."""

    def __init__(self, start: datetime = datetime(2026, 11, 20, 9, 0, tzinfo=CHILE)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def id_factory(prefix: int) -> Callable[[], str]:
    """UUID-shaped ids, unique per benchmark (``prefix``), without uuid7's cost varying the figures."""
    counter = itertools.count(1)
    return lambda: f"00000000-0000-7000-{prefix:04d}-{next(counter):012d}"


def settings_for(data_dir: Path) -> settings_mod.TerminalSettings:
    return settings_mod.TerminalSettings(data_dir=data_dir)


def open_terminal(data_dir: Path, *, create: bool = False, id_prefix: int = 1,
                  printer: FakePrinter | None = None) -> terminal_mod.Terminal:
    """A terminal on ``data_dir`` with an in-memory printer and drawer and the fast PIN hasher."""
    return terminal_mod.build(settings_for(data_dir), create=create, clock=Clock(), new_id=id_factory(id_prefix),
                              printer=printer or FakePrinter(), drawer=FakeDrawer(), hasher=fast_hasher())


def start_selling(term: terminal_mod.Terminal) -> tuple[User, shift_mod.Shift]:
    """Ana signs in and opens a shift (or reuses the open one); the checkout is ready for scans."""
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.current() or term.shifts.open(ana, 20_000)
    term.checkout.start(ana, shift.shift_id)
    return ana, shift


class Workspace:
    """A temporary folder holding the catalog journal, built once per run and copied for each benchmark.

    With ``cache`` (``--catalog-cache DIR``) the catalog journal is kept in ``DIR`` between runs and reused.
    """

    def __init__(self, root: Path, sizes: Sizes, log: Callable[[str], None] = print,
                 cache: Path | None = None) -> None:
        self.root = root
        self.sizes = sizes
        self.log = log
        self.cache = cache
        self._master: Path | None = None
        self.build_seconds = 0.0
        self.barcodes: list[str] = []
        self._copies = itertools.count(1)

    def master(self) -> Path:
        """The folder of the catalog journal: the demo users and ``sizes.products`` generated products."""
        if self._master is not None:
            return self._master
        base = self.cache if self.cache is not None else self.root
        data_dir = base / f"catalog-{self.sizes.products}-schema{migrate.SCHEMA_HEAD}"
        if self.cache is not None and _at_head(data_dir / JOURNAL_NAME):
            self.log(f"reusing the {self.sizes.products:,}-product catalog journal in {data_dir}")
        else:
            self.log(f"building a {self.sizes.products:,}-product catalog journal in {data_dir} ...")
            shutil.rmtree(data_dir, ignore_errors=True)
            started = time.perf_counter()
            term = open_terminal(data_dir, create=True, id_prefix=9999)
            try:
                seed.seed(term, catalog_data.generate_rows(self.sizes.products))
            finally:
                term.close()
            self.build_seconds = time.perf_counter() - started
            size_mb = (data_dir / JOURNAL_NAME).stat().st_size / 1e6
            self.log(f"  built in {self.build_seconds:.1f} s ({size_mb:.0f} MB; not counted in any figure)")
        with contextlib.closing(sqlite3.connect(f"file:{data_dir / JOURNAL_NAME}?mode=ro", uri=True)) as conn:
            self.barcodes = [r[0] for r in conn.execute(
                "SELECT b.code FROM barcodes b JOIN products p ON p.sku = b.sku"
                " WHERE p.active AND p.sku LIKE 'GEN-%' ORDER BY b.code")]
        if not self.barcodes:
            raise RuntimeError(f"{data_dir}: the catalog has no generated barcodes")
        self._master = data_dir
        return data_dir

    def fresh_copy(self, name: str) -> Path:
        """A new data folder holding a copy of the catalog journal (nothing else: no lock, no receipts)."""
        source = self.master()
        target = self.root / f"{name}-{next(self._copies)}"
        target.mkdir(parents=True)
        for path in source.iterdir():
            if path.name.startswith(JOURNAL_NAME) and not path.name.endswith(".lock"):
                shutil.copy2(path, target / path.name)
        return target

    def random_barcodes(self, n: int, seed_value: int) -> list[str]:
        """``n`` barcodes of generated catalog products, drawn at random (with repeats, as at a real till)."""
        self.master()
        rng = random.Random(seed_value)
        return [rng.choice(self.barcodes) for _ in range(n)]


def _at_head(path: Path) -> bool:
    """True when ``path`` is a journal at the newest schema (a stale cache would be migrated on every open)."""
    if not path.exists():
        return False
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return migrate.current_revision(conn) == migrate.SCHEMA_HEAD


def batched(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
