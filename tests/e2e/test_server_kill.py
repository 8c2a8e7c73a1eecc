"""SIGKILL the sync server (a real ``python -m syncserver.cli`` process) while it applies big batches.

The server migrates a database of the session's PostgreSQL cluster and serves as the application role. A
terminal with a large backlog pushes; the server is killed at different moments of a batch's transaction (row
lock taken, events being inserted, Python folding with the transaction open, projections being written, or after
a random delay) and restarted each time. After every kill, nothing of a batch may be half there: the events'
max seq equals the tracking row's acked seq (and their count), every stored ``sale.completed`` event has its
sales row and vice versa, and the ack lies on a batch boundary. Finally the terminal syncs to completion and the
master equals the fold of its journal.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import read_models
from desktop.net.sync_client import SyncClient
from desktop.services.sync import SyncService
from shared import signing
from shared.events import registry
from shared.sale import Tender, TenderKind
from syncserver import tenancy
from syncserver.pgcluster import free_port
from syncserver.store import schema

ROOT = Path(__file__).resolve().parents[2]
ROWS = [
    {"sku": f"P{i:03d}", "name": f"Producto {i}", "price": str(300 + 70 * i), "category": "Abarrotes",
     "sold_by": "kg" if i % 7 == 0 else "unit", "barcode": "", "plu": str(4000 + i), "brand": "",
     "iva_exempt": "0", "favourite": "0", "stock": "50"} for i in range(40)
]
BATCH = 1000
NOW = datetime(2025, 3, 14, 10, 30).astimezone()
PHASES: dict[str, str] = {
    # name -> condition on the push's backend in pg_stat_activity (it holds a transaction id once it locked a row)
    "locked": "true",
    "inserting events": "query LIKE 'INSERT INTO events%%' AND state = 'active'",
    "folding in python": "query LIKE 'INSERT INTO events%%' AND state = 'idle in transaction'",
    "writing projections": "query ~ '^(INSERT INTO (sales|sale_lines|sale_tenders|stock|shifts)|UPDATE shifts)'",
}


class ServerProcess:
    """``python -m syncserver.cli --port P`` migrating ``admin_url``'s database and serving as ``almacen_app``."""

    def __init__(self, admin_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "server.log"
        self.env = {**os.environ, "ALMACEN_DATABASE_URL": admin_url, "ALMACEN_ADMIN_DATABASE_URL": admin_url,
                    "ALMACEN_DATA_DIR": str(data_dir), "ALMACEN_SECRET_KEY": "kill-test",
                    "ALMACEN_LOG_LEVEL": "WARNING"}
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "syncserver.cli", "--port", str(self.port)],
                                         env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        pytest.fail(f"server did not answer /health: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _run(app_url: str, fn: Callable[[psycopg_pool.AsyncConnectionPool], Any]) -> Any:
    async def main() -> Any:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            return await fn(pool)
    return asyncio.run(main())


def _sell(term, sales: int, rng: random.Random) -> None:
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.current() or term.shifts.open(ana, 10_000)
    term.checkout.start(ana, shift.shift_id)
    for _ in range(sales):
        for _ in range(rng.randint(1, 4)):
            product = read_models.by_plu(term.journal.conn, str(4000 + rng.randrange(len(ROWS))))
            qty = Decimal(rng.randint(100, 1500)) / 1000 if product.weighed else Decimal(rng.randint(1, 3))
            term.checkout.add_product(product, qty)
        total = term.checkout.sale.totals().total
        kind = rng.choice([TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT])
        term.checkout.complete((Tender(kind, total + 10 if kind is TenderKind.CASH else total),))


def _backlog(term, sales: int) -> None:
    """Many more sales, journaled quickly: copies of the real ones with new ids and numbers (2,000 per unit)."""
    codec = registry.build_codec()
    real = [codec.decode(e.type, e.version, e.payload) for e in term.journal.read() if e.type == "sale.completed"]
    number = max(s.number for s in real)
    for start in range(0, sales, 2000):
        with term.journal.unit_of_work() as uow:
            for i in range(start, min(start + 2000, sales)):
                number += 1
                uow.append(dataclasses.replace(real[i % len(real)], sale_id=str(uuid.uuid4()), number=number))


def _state(conn: psycopg.Connection, terminal_id: str) -> dict[str, Any]:
    """What the master holds of one terminal (read as the superuser, who is not subject to RLS)."""
    q = conn.execute
    acked = q("SELECT acked_seq FROM sync_tracking WHERE terminal_id = %s AND epoch = 1", (terminal_id,)).fetchone()
    events = q("SELECT count(*), coalesce(max(seq), 0), count(*) FILTER (WHERE type = 'sale.completed'),"
               " coalesce(sum(jsonb_array_length(payload->'lines')) FILTER (WHERE type = 'sale.completed'), 0)"
               " FROM events WHERE terminal_id = %s AND epoch = 1", (terminal_id,)).fetchone()
    assert events is not None
    orphans = q("SELECT (SELECT count(*) FROM events e WHERE e.terminal_id = %s AND e.type = 'sale.completed'"
                "  AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.tenant_id = e.tenant_id"
                "                  AND s.sale_id = e.payload->>'sale_id')),"
                " (SELECT count(*) FROM sales s WHERE s.terminal_id = %s AND NOT EXISTS (SELECT 1 FROM events e"
                "  WHERE e.tenant_id = s.tenant_id AND e.terminal_id = s.terminal_id AND e.epoch = s.epoch"
                "  AND e.seq = s.seq AND e.payload->>'sale_id' = s.sale_id))",
                (terminal_id, terminal_id)).fetchone()
    sales = q("SELECT count(*), count(DISTINCT sale_id) FROM sales WHERE terminal_id = %s", (terminal_id,)).fetchone()
    lines = q("SELECT count(*) FROM sale_lines l JOIN sales s USING (tenant_id, sale_id) WHERE s.terminal_id = %s",
              (terminal_id,)).fetchone()
    shifts = q("SELECT coalesce(sum(sales_count), 0) FROM shifts WHERE terminal_id = %s", (terminal_id,)).fetchone()
    seen = q("SELECT last_seen_seq FROM terminals WHERE terminal_id = %s", (terminal_id,)).fetchone()
    return {"acked": acked[0] if acked else 0, "events": events[0], "max_seq": events[1], "sale_events": events[2],
            "sale_event_lines": events[3], "orphans": orphans, "sales": sales, "lines": lines[0] if lines else 0,
            "shift_sales": shifts[0] if shifts else 0, "last_seen": seen[0] if seen else None}


def _assert_whole(state: dict[str, Any], head: int) -> None:
    """No batch is partly applied: events, tracking, sales and their lines all stop at the same batch boundary."""
    acked = state["acked"]
    assert state["events"] == state["max_seq"] == acked == state["last_seen"], state
    assert acked % BATCH == 0 or acked == head, state
    assert state["orphans"] == (0, 0), state
    assert state["sales"] == (state["sale_events"], state["sale_events"]), state
    assert state["lines"] == state["sale_event_lines"] and state["shift_sales"] == state["sale_events"], state


def _watch(admin_url: str, dbname: str, condition: str, skip: int, timeout: float) -> dict[str, Any] | None:
    """Poll until the push's backend matches ``condition`` in its ``skip + 1``-th transaction (batch); its row."""
    deadline = time.monotonic() + timeout
    xids: set[str] = set()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT backend_xid::text, state, left(query, 60) FROM pg_stat_activity WHERE datname = %s"
                f" AND usename = %s AND backend_xid IS NOT NULL AND ({condition}) LIMIT 1",
                (dbname, schema.APP_ROLE)).fetchone()
            if row is not None:
                xids.add(row[0])
                if len(xids) > skip:
                    return {"xid": row[0], "state": row[1], "query": row[2], "batch": len(xids)}
            time.sleep(0.001)
    return None


def _wait_backends_gone(admin_url: str, dbname: str, timeout: float = 20) -> None:
    """The killed server's backends notice the closed socket and roll back; wait until none holds a transaction."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(admin_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s"
                               " AND backend_xid IS NOT NULL", (dbname, schema.APP_ROLE)).fetchone()
            if row == (0,):
                return
            time.sleep(0.02)
    pytest.fail("a killed server's transaction is still open")


@pytest.mark.slow
def test_sigkill_while_applying_never_leaves_a_partial_batch(cluster):
    dbname = f"kill_{uuid.uuid4().hex[:10]}"
    admin_url = cluster.create_database(dbname)
    folder = Path(tempfile.mkdtemp(prefix="almacen-kill-"))
    os.chmod(folder, 0o711)
    server = ServerProcess(admin_url, folder / "server")
    (folder / "server").mkdir(mode=0o711)
    term = client = None
    try:
        server.start()
        app_url = schema.app_url(admin_url, (folder / "server" / "app_role.password").read_text().strip())

        async def setup(pool):
            await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
            await tenancy.create_store(pool, 1, "centro", "Centro")
            return await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 1")
        code = _run(app_url, setup)
        terminal_id, key = str(uuid.uuid4()), signing.new_private_key()
        client = SyncClient(server.url, terminal_id, key, timeout=30)
        assert client.enroll(code, signing.public_key(key))["tenant_id"] == 1
        s = settings_mod.TerminalSettings(data_dir=folder / "till", tenant_id=1, store_id="centro",
                                          terminal_id=terminal_id)
        term = terminal_mod.build(s, create=True, printer=FakePrinter(), drawer=FakeDrawer(),
                                  hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        seed.seed(term, ROWS)
        _sell(term, 150, random.Random(11))
        _backlog(term, 9000)
        head = term.journal.head[0]
        service = SyncService(term.journal, client)
        service.MIN_BATCH = service.MAX_BATCH = service.batch_size = BATCH  # every push is one big batch
        assert service.pending() == head > 6 * BATCH

        rng = random.Random(2025)
        kills: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        plan = [*PHASES.items(), ("random delay", "")]
        for n, (phase, condition) in enumerate(plan):
            room = head - (states[-1]["acked"] if states else 0)
            if room < 6 * BATCH:  # ingest is fast: top the backlog up so this round's kill lands mid-push
                _backlog(term, 6 * BATCH)
                head = term.journal.head[0]
                room = head - states[-1]["acked"]
            result: list[Any] = []
            pusher = threading.Thread(target=lambda out=result, at=NOW + timedelta(minutes=n): out.append(
                service.sync_once(at)))
            pusher.start()
            if condition:  # kill in a later batch of the round now and then (as far as polling sees), keeping backlog
                seen = _watch(admin_url, dbname, condition, skip=rng.randrange(3) if room > 5 * BATCH else 0,
                              timeout=20)
            else:
                time.sleep(rng.uniform(0.02, 0.2))
                seen = None
            server.kill()
            pusher.join(30)
            assert not pusher.is_alive()
            assert result and not result[0].online, result  # the terminal saw the server go away
            kills.append({"phase": phase, "seen": seen})
            _wait_backends_gone(admin_url, dbname)
            with psycopg.connect(admin_url) as conn:
                state = _state(conn, terminal_id)
            _assert_whole(state, head)
            states.append(state)
            assert service.pending() >= head - state["acked"]  # the terminal never believes more than was stored
            server.start()
            with psycopg.connect(admin_url) as conn:  # a restart changes nothing either
                assert _state(conn, terminal_id) == state
        print(f"\nkills: {[(k['phase'], k['seen'] and (k['seen']['batch'], k['seen']['query'][:25])) for k in kills]}")
        print(f"acked after each kill: {[s['acked'] for s in states]} of {head}")
        assert all(k["seen"] is not None for k in kills if k["phase"] in PHASES), kills
        assert states[-1]["acked"] < head  # the kills really interrupted the backlog

        for round_ in range(10):
            status = service.sync_once(NOW + timedelta(hours=1, minutes=round_))
            if status.online and status.pending == 0:
                break
        else:
            pytest.fail(f"no convergence after the restarts: {status}")

        with psycopg.connect(admin_url) as conn:
            final = _state(conn, terminal_id)
            _assert_whole(final, head)
            assert final["acked"] == head
            master_sales = dict(conn.execute("SELECT sale_id, total FROM sales").fetchall())
            master_stock = {(w, k): q for w, k, q in conn.execute("SELECT warehouse_id, sku, quantity FROM stock")
                            if q != 0}
            tracking = conn.execute("SELECT acked_seq, acked_hash FROM sync_tracking").fetchall()
        sales: dict[str, int] = {}
        stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for e in term.journal.read():
            if e.type == "sale.completed":
                sales[e.payload["sale_id"]] = e.payload["total"]
                for line in e.payload["lines"]:
                    stock[("centro", line["sku"])] -= Decimal(line["quantity"])
            elif e.type == "stock.adjusted":
                stock[("centro", e.payload["sku"])] += Decimal(e.payload["delta"])
        assert master_sales == sales
        assert master_stock == {k: v for k, v in stock.items() if v != 0}
        assert tracking == [term.journal.head]
        assert "Traceback" not in server.log.read_text(errors="replace")
    finally:
        server.stop()
        if client is not None:
            client.close()
        if term is not None:
            term.close()
        cluster.drop_database(dbname)
        shutil.rmtree(folder, ignore_errors=True)
