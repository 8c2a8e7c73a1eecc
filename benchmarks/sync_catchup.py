"""sync_catchup: a terminal that sold offline catches up with the server, through HTTP and the real SyncService.

The terminal's journal is built once per run before anything is timed (and shared with ``sync_ingest``): a
200-product store (users, products and opening stock: ~400 events), a shift, then ``SALES`` sales (10,000; 1,000
with ``--quick``) rung up through ``terminal.checkout`` (3 to 5 lines, 4 on average; cash, debit or credit), each
followed by the other things a till journals (``auth.signed_in``; a supervised no-sale drawer opening, i.e.
``auth.authorised`` + ``drawer.opened``; a ``stock.adjusted`` restock of a sold SKU): 5 events a sale, ~50,400
events in all (the exact count and mix are reported).

The figure: a real uvicorn server (in a thread) on a throwaway PostgreSQL cluster with fsync on (``FAST_PG``),
the terminal enrolled, then the wall time from the first push until everything is applied: ``SyncService.push``
(its adaptive batch size: 500, doubling while a round trip takes < 0.5 s, up to 5,000) returns with nothing
pending, then the master's ``sales`` count is read and must equal the sales rung up.

Baseline: the same batches (the sizes the real run chose, replayed; the journal's acks reset in between) read
from the same journal, serialised, signed and POSTed by the same SyncService and SyncClient code to an endpoint
of the same uvicorn server that reads the body, verifies the Ed25519 signature and answers; the ack the real
server would give is made on the terminal and written to the journal as usual. So the baseline is everything that
is not the server's ingest (terminal reads, JSON, signing, HTTP, uvicorn, acks written to the journal), and
``server_ingest_s = value - baseline`` is what authenticating, parsing, checking, storing and folding the events
costs. (The other candidate, the terminal's raw read-and-serialise time, would leave HTTP and the signature
check inside the measured server cost.)

Everything runs in this process: the server thread and the terminal share the GIL, as in tests/e2e; the
terminal waits for each answer, so they seldom compete.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import os
import random
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import psycopg_pool
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks import common
from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.net.sync_client import SyncClient
from desktop.services.sync import SyncService
from shared import money, signing, sync
from shared.events import catalog as catalog_events
from shared.events import registry
from shared.sale import Tender, TenderKind
from syncserver import app as app_mod
from syncserver import settings as server_settings
from syncserver import tenancy
from syncserver.pgcluster import LocalCluster
from syncserver.store import schema

NAME = "sync_catchup"
SALES, QUICK_SALES = 10_000, 1_000
TARGET_SECONDS = 10.0  # for SALES sales; scaled for --quick
PRODUCTS = 200
TENANT_ID, STORE_ID = 1, "centro"
FAST_PG = False  # False: fsync, synchronous_commit and full_page_writes on (the honest figure)
VERIFY_PREFIX = "/bench"  # the verify-only endpoint is VERIFY_PREFIX + "/sync/push"
ROWS = [{"sku": f"P{i:03d}", "name": f"Producto {i}", "price": str(300 + 70 * i), "category": "Abarrotes",
         "sold_by": "kg" if i % 7 == 0 else "unit", "barcode": "", "plu": str(4000 + i), "brand": "",
         "iva_exempt": "0", "favourite": "0", "stock": "500"} for i in range(PRODUCTS)]


def sales_for(sizes: common.Sizes) -> int:
    return QUICK_SALES if sizes == common.Sizes.quick() else SALES


def pg_mode() -> str:
    return "fsync=off (fast test cluster)" if FAST_PG else "fsync=on, synchronous_commit=on"


# -- the terminal journal, built once per run ----------------------------------------------------------------------


@dataclass(frozen=True)
class SyncJournal:
    """A journal of offline sales nobody has pushed yet (``folder/journal.sqlite3``), and its terminal's key."""

    folder: Path
    terminal_id: str
    private_key: bytes
    sales: int
    events: int
    mix: dict[str, int]
    build_seconds: float

    @property
    def public_key(self) -> str:
        return signing.public_key(self.private_key)

    def copy(self, root: Path, name: str) -> Path:
        """A fresh copy of the journal file in ``root/name``; returns its path."""
        target = root / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for path in self.folder.iterdir():
            if path.name.startswith(common.JOURNAL_NAME) and not path.name.endswith(".lock"):
                shutil.copy2(path, target / path.name)
        return target / common.JOURNAL_NAME

    def open(self, path: Path) -> SqliteJournal:
        return SqliteJournal.open(path, codec=registry.build_codec(), clock=common.Clock(),
                                  new_id=common.id_factory(12))


_journals: dict[tuple[Path, int], SyncJournal] = {}


def sync_journal(ws: common.Workspace, sales: int, log: Callable[[str], None]) -> SyncJournal:
    """The run's offline journal of ``sales`` sales (built on first use, then reused by both sync benchmarks)."""
    key = (ws.root, sales)
    if key not in _journals:
        _journals[key] = _build_journal(ws.root / f"sync-journal-{sales}", sales, log)
    return _journals[key]


def _build_journal(folder: Path, sales: int, log: Callable[[str], None]) -> SyncJournal:
    log(f"building a terminal journal of {sales:,} offline sales in {folder} ...")
    started = time.perf_counter()
    terminal_id = str(uuid.uuid4())
    settings = settings_mod.TerminalSettings(data_dir=folder, tenant_id=TENANT_ID, store_id=STORE_ID,
                                             terminal_id=terminal_id)
    term = terminal_mod.build(settings, create=True, clock=common.Clock(), new_id=common.id_factory(11),
                              printer=FakePrinter(), drawer=FakeDrawer(), hasher=common.fast_hasher())
    try:
        # not timed and not what is measured: skip the per-commit fsync while building the file
        term.journal.conn.execute("PRAGMA synchronous = OFF")
        seed.seed(term, ROWS)
        rng = random.Random(41)
        products = [read_models.by_plu(term.journal.conn, row["plu"]) for row in ROWS]
        ana = term.auth.sign_in("ana", "1234")
        shift = term.shifts.open(ana, 20_000)
        term.checkout.start(ana, shift.shift_id)
        for _ in range(sales):
            for _ in range(rng.randint(3, 5)):
                product = rng.choice(products)
                assert product is not None
                qty = Decimal(rng.randint(100, 1500)) / 1000 if product.weighed else Decimal(rng.randint(1, 3))
                term.checkout.add_product(product, qty)
            total = term.checkout.sale.totals().total
            kind = rng.choice([TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT])
            paid = money.round_cash(total) + 1000 if kind is TenderKind.CASH else total
            completed = term.checkout.complete((Tender(kind, paid),))
            term.auth.sign_in("ana", "1234")
            term.shifts.open_drawer(ana, "9999", "cambio para otra caja")
            restocked = completed.event.lines[0]
            term.journal.append(catalog_events.StockAdjusted(restocked.sku, Decimal(10), "reposición"))
        mix = dict(Counter(e.type for e in term.journal.read()))
        events = term.journal.head[0]
    finally:
        term.close()
    seconds = time.perf_counter() - started
    log(f"  built in {seconds:.1f} s: {events:,} events (not counted in any figure)")
    return SyncJournal(folder, terminal_id, signing.new_private_key(), sales, events, mix, seconds)


# -- a throwaway PostgreSQL cluster, started once per run ----------------------------------------------------------


_cluster: list[LocalCluster] = []
_databases = itertools.count(1)


def cluster(log: Callable[[str], None]) -> LocalCluster:
    """The run's PostgreSQL cluster (stopped and deleted when the process exits)."""
    if not _cluster:
        folder = Path(tempfile.mkdtemp(prefix="almacen-bench-pg-"))
        os.chmod(folder, 0o711)  # the postmaster runs as the postgres user and must reach its data folder
        started = time.perf_counter()
        c = LocalCluster(folder / "data", fast=FAST_PG)
        c.start()
        atexit.register(_remove_cluster, c, folder)
        log(f"  PostgreSQL cluster ({pg_mode()}) started in {time.perf_counter() - started:.1f} s")
        _cluster.append(c)
    return _cluster[0]


def _remove_cluster(c: LocalCluster, folder: Path) -> None:
    with contextlib.suppress(Exception):
        c.stop()
    shutil.rmtree(folder, ignore_errors=True)


def new_database(c: LocalCluster, name: str) -> tuple[str, str]:
    """A new migrated master database: ``(admin_url, app_url)``."""
    admin = c.create_database(f"bench_{name}_{next(_databases)}")
    schema.migrate(admin)
    return admin, schema.app_url(admin)


def checkpoint(admin_url: str) -> None:
    """Write out every dirty buffer now, so a measurement does not pay for the writes of what ran before it."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


async def enroll(pool: psycopg_pool.AsyncConnectionPool, journal: SyncJournal) -> None:
    """Tenant 1 with the store ``centro``, and the journal's terminal enrolled with its key."""
    await tenancy.create_tenant(pool, TENANT_ID, "Almacenes Don Pepe")
    await tenancy.create_store(pool, TENANT_ID, STORE_ID, "Centro")
    code = await tenancy.issue_enrollment_code(pool, TENANT_ID, STORE_ID, "Caja 1")
    await tenancy.enroll(pool, code, journal.public_key, journal.terminal_id)


def run_async(app_url: str, work: Callable[[psycopg_pool.AsyncConnectionPool], Any]) -> Any:
    async def main() -> Any:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            return await work(pool)
    return asyncio.run(main())


def master_count(app_url: str, table: str) -> int:
    with psycopg.connect(app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(TENANT_ID),))
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


# -- the HTTP server -----------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(app_url: str, keys: dict[str, str]) -> Iterator[str]:
    """The sync server (uvicorn in a thread) plus a verify-only ``/sync/push`` under ``VERIFY_PREFIX``; yields its
    base URL."""

    async def verify_only(request: Request) -> JSONResponse:
        body = await request.body()
        signing.verify(keys[request.headers["x-terminal"]], body, request.headers["x-signature"])
        return JSONResponse(sync.Ack(0, 0, "").to_dict())

    port = _free_port()
    settings = server_settings.ServerSettings(database_url=app_url, port=port, secret_key="bench-secret")
    verify_route = Route(VERIFY_PREFIX + "/sync/push", verify_only, methods=["POST"])
    app = app_mod.create_app(settings, extra_routes=[verify_route])
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sync server did not become healthy on {url}")
        time.sleep(0.05)
    try:
        yield url
    finally:
        uv.should_exit = True
        thread.join(10)


class _Recording:
    """The real client, recording each push's batch size and round-trip time."""

    def __init__(self, inner: SyncClient) -> None:
        self.inner = inner
        self.sizes: list[int] = []
        self.seconds: list[float] = []

    def push(self, batch: sync.PushBatch, *args: Any, **kwargs: Any) -> sync.Ack:
        started = time.perf_counter()
        ack = self.inner.push(batch, *args, **kwargs)
        self.seconds.append(time.perf_counter() - started)
        self.sizes.append(len(batch.events))
        return ack

    def pull(self, cursor: int, limit: int = 500) -> tuple[list[dict[str, Any]], int, bool]:
        return self.inner.pull(cursor, limit)

    def new_epoch(self) -> int:
        return self.inner.new_epoch()

    def close(self) -> None:
        self.inner.close()


class _VerifyOnly(_Recording):
    """The baseline: the unchanged ``SyncClient.push`` (body, signature, headers, HTTP, answer parsed) against the
    verify-only endpoint, whose dummy ack is replaced here by the ack the real server would have given."""

    def push(self, batch: sync.PushBatch, *args: Any, **kwargs: Any) -> sync.Ack:
        super().push(batch, *args, **kwargs)
        return sync.Ack(batch.epoch, batch.to_seq, batch.events[-1].hash, len(batch.events))

    def pull(self, cursor: int, limit: int = 500) -> tuple[list[dict[str, Any]], int, bool]:
        return [], cursor, False


class _Replay(SyncService):
    """SyncService whose batch sizes replay a recorded schedule instead of adapting to round-trip times."""

    def __init__(self, journal: SqliteJournal, transport: _Recording, schedule: list[int]) -> None:
        super().__init__(journal, transport)
        self.schedule = schedule
        self.index = 0
        self.batch_size = schedule[0]

    def _adapt(self, seconds: float) -> None:
        self.index += 1
        if self.index < len(self.schedule):
            self.batch_size = self.schedule[self.index]


def _reset(journal: SqliteJournal) -> None:
    epoch = journal.identity.epoch
    journal.set_sync_state(**{f"acked_seq:{epoch}": 0, f"acked_hash:{epoch}": ""})


def _schedule(sizes: list[int]) -> str:
    """``[500, 1000, 2000, 5000, 5000, 12]`` as ``500,1000,2000,5000x2,12``."""
    parts = []
    for size, group in itertools.groupby(sizes):
        n = len(list(group))
        parts.append(f"{size}x{n}" if n > 1 else str(size))
    return ",".join(parts)


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    info = sync_journal(ws, sales_for(sizes), log)
    c = cluster(log)
    admin_url, app_url = new_database(c, NAME)
    run_async(app_url, lambda pool: enroll(pool, info))
    checkpoint(admin_url)
    journal = info.open(info.copy(ws.root, NAME))
    try:
        with serve(app_url, {info.terminal_id: info.public_key}) as url:
            recording = _Recording(SyncClient(url, info.terminal_id, info.private_key, timeout=120.0))
            verify_only = _VerifyOnly(SyncClient(url + VERIFY_PREFIX, info.terminal_id, info.private_key,
                                                 timeout=120.0))
            try:
                recording.inner.pull(0)  # warm up both connections, the server's pool and authentication
                verify_only.inner.http.get(url + "/health")

                service = SyncService(journal, recording)
                pending = service.pending()
                started = time.perf_counter()
                service.push()
                left = service.pending()
                applied = master_count(app_url, "sales")
                ours = time.perf_counter() - started
                if left != 0 or applied != info.sales or pending != info.events:
                    raise AssertionError(f"catch-up incomplete: pending {pending} -> {left}, master sales {applied}"
                                         f" of {info.sales}")
                stored = master_count(app_url, "events")
                if stored != info.events:
                    raise AssertionError(f"the master holds {stored} events of {info.events}")

                _reset(journal)
                replay = _Replay(journal, verify_only, recording.sizes)
                started = time.perf_counter()
                replay.push()
                baseline = time.perf_counter() - started
                if replay.pending() != 0 or verify_only.sizes != recording.sizes:
                    raise AssertionError(f"the baseline sent {verify_only.sizes}, not {recording.sizes}")
            finally:
                recording.close()
                verify_only.close()
    finally:
        journal.close()

    events, sales = info.events, info.sales
    full = sales == SALES
    return common.Result(
        NAME, round(ours, 3), "s", round(baseline, 3),
        target=f"<= {TARGET_SECONDS:g} s" if full else f"<= {TARGET_SECONDS:g} s @{SALES // 1000}k sales",
        met=ours <= TARGET_SECONDS if full else None,
        note=(f"PostgreSQL {pg_mode()}; baseline = the same signed batches POSTed to an endpoint that only"
              " verifies the signature (isolates the server's ingest cost)"),
        extra={"events": events, "sales": sales, "events_per_s": round(events / ours),
               "baseline_events_per_s": round(events / baseline), "server_ingest_s": round(ours - baseline, 3),
               "batches": len(recording.sizes), "batch_sizes": _schedule(recording.sizes),
               "slowest_push_s": round(max(recording.seconds), 3), "mix": _mix(info.mix),
               "journal_build_s": round(info.build_seconds, 1), "pg": "fsync=off" if FAST_PG else "fsync=on"})


def _mix(mix: dict[str, int]) -> str:
    return " ".join(f"{t}:{n}" for t, n in sorted(mix.items(), key=lambda item: -item[1]))
