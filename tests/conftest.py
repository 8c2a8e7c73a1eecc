"""Fixtures shared by the suite: a fast PIN hasher, a controllable clock, and real terminals on tmp files."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter

CHILE = timezone(timedelta(hours=-3))

ROWS = [
    {"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": "1150", "category": "Lácteos", "sold_by": "unit",
     "barcode": "7801234567894", "plu": "", "brand": "Colun", "iva_exempt": "0", "favourite": "1", "stock": "24"},
    {"sku": "COC-15", "name": "Coca-Cola 1,5 L", "price": "1990", "category": "Bebidas", "sold_by": "unit",
     "barcode": "7801610001196", "plu": "", "brand": "Coca-Cola", "iva_exempt": "0", "favourite": "1",
     "stock": "12"},
    {"sku": "PAN-1", "name": "Pan Batido", "price": "1990", "category": "Panadería", "sold_by": "kg",
     "barcode": "", "plu": "1001", "brand": "", "iva_exempt": "0", "favourite": "1", "stock": "15.000"},
    {"sku": "QUE-1", "name": "Queso Gauda Laminado", "price": "11990", "category": "Fiambrería", "sold_by": "kg",
     "barcode": "", "plu": "2001", "brand": "Colun", "iva_exempt": "0", "favourite": "0", "stock": "4.250"},
    {"sku": "BIP-2", "name": "Carga Bip! $2.000", "price": "2000", "category": "Exentos", "sold_by": "unit",
     "barcode": "7800000000016", "plu": "", "brand": "Metro", "iva_exempt": "1", "favourite": "0", "stock": ""},
]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=CHILE)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (scripts/test: ``-n 2 --dist loadfile --no-loadscope-reorder``) the files holding a
    ``slow`` test are dealt out first, in collection order, then the rest: a five-minute file started last would
    leave the other worker idle at the end. The files holding a ``bundle`` test (the till bundle's smoke, which
    waits for the build scripts/test starts in the background) come right after the slow ones: by then the build
    (1-2 minutes of a core) is done, and the smoke's ~20 s overlap the other worker's files instead of lengthening
    the run's tail. Every worker sorts alike, so their collections stay equal."""
    if not hasattr(config, "workerinput"):
        return  # a serial run keeps pytest's order
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    bundle_files = {item.path for item in items if item.get_closest_marker("bundle")}

    def group(item: pytest.Item) -> int:
        return 1 if item.path in bundle_files else 0 if item.path in slow_files else 2

    items.sort(key=group)  # stable: files and tests keep their order within each group


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    """argon2id with tiny costs: the same code path, milliseconds instead of 100 ms per PIN."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_terminal(tmp_path: Path, fast_hasher: PasswordHasher, clock: Clock
                  ) -> Iterator[Callable[..., terminal_mod.Terminal]]:
    """Build a real terminal on a journal file in tmp_path, seeded with ROWS and the demo users."""
    opened: list[terminal_mod.Terminal] = []
    ids = itertools.count(1)

    def new_id() -> str:
        return f"00000000-0000-7000-8000-{next(ids):012d}"

    def factory(*, rows: list[dict[str, str]] | None = None, printer: FakePrinter | None = None,
                data_dir: Path | None = None, fresh: bool = True, **overrides: object) -> terminal_mod.Terminal:
        s = settings_mod.TerminalSettings(data_dir=data_dir or tmp_path / "terminal", **overrides)  # type: ignore[arg-type]
        term = terminal_mod.build(s, create=fresh, clock=clock, new_id=new_id, printer=printer or FakePrinter(),
                                  drawer=FakeDrawer(), hasher=fast_hasher)
        if fresh and term.journal.head[0] == 0:
            seed.seed(term, ROWS if rows is None else rows)
        opened.append(term)
        return term

    yield factory
    for term in opened:
        with contextlib.suppress(Exception):  # already closed by the test
            term.close()


@pytest.fixture
def terminal(make_terminal: Callable[..., terminal_mod.Terminal]) -> terminal_mod.Terminal:
    return make_terminal()


@pytest.fixture
def selling(terminal: terminal_mod.Terminal) -> terminal_mod.Terminal:
    """A terminal with Ana signed in and a shift open with a $20.000 float."""
    ana = terminal.auth.sign_in("ana", "1234")
    shift = terminal.shifts.open(ana, 20_000)
    terminal.checkout.start(ana, shift.shift_id)
    return terminal


@contextlib.contextmanager
def _served_in_thread(app: object) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a thread, until the block ends; yields its URL."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",  # type: ignore[arg-type]
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def serve_in_thread() -> Callable[[object], contextlib.AbstractContextManager[str]]:
    """``with serve_in_thread(app) as url:`` runs a real uvicorn server for the block (e2e and browser tests)."""
    return _served_in_thread
