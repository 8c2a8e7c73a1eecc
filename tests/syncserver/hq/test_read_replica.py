"""HQ's reads from a PostgreSQL streaming replica (``hq_read_url``): a primary and a replica made from the system's
binaries (``pg_basebackup -R``), a sale pushed through the real server to the primary, read back on ``/hq/ventas``
served from the replica (``/hq/panel`` too); ``/health`` shows the replica's lag."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from shared import es_cl
from syncserver import pgcluster
from tests.syncserver.conftest import reachable_tmpdir
from tests.syncserver.hq.hq_support import World
from tests.syncserver.hq.test_dashboard_browser import HttpTill
from tests.syncserver.store import dashboard_kit as kit

pytestmark = pytest.mark.slow  # two clusters, a base backup and the migrations: ~20 s


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[pgcluster.LocalCluster, pgcluster.LocalCluster]]:
    """A primary and its streaming replica, each on a free port in a folder of its own."""
    folder = reachable_tmpdir()
    primary = pgcluster.LocalCluster(folder / "primary", fast=True)
    standby: pgcluster.LocalCluster | None = None
    try:
        primary.start()
        standby = primary.replica(folder / "replica", fast=True)
        standby.start()
        yield primary, standby
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_database(clusters: tuple[pgcluster.LocalCluster, pgcluster.LocalCluster]) -> str:
    """The ``world`` fixture's database, on the primary of :func:`clusters` (not the session's cluster)."""
    return clusters[0].create_database(f"test_{secrets.token_hex(6)}")


def replica_url_of(primary_url: str, standby: pgcluster.LocalCluster) -> str:
    """``primary_url`` pointed at the replica's port (same roles and passwords: a physical copy)."""
    info = psycopg.conninfo.conninfo_to_dict(primary_url)
    info["port"] = str(standby.port)
    return psycopg.conninfo.make_conninfo(**info)


def wait_replayed(primary_url: str, standby_url: str, timeout: float = 10.0) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with psycopg.connect(primary_url) as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby_url, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn).fetchone()
            if row and row[0]:
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.02)


def test_hq_sales_page_is_served_from_the_replica(world: World, clusters: Any, serve_in_thread: Any) -> None:
    _primary, standby = clusters
    read_url = replica_url_of(world.app_url, standby)
    till = HttpTill(world, 1, "centro")
    till.sell(4321)
    with serve_in_thread(world.app(hq_read_url=read_url)) as url:
        till.push(url)  # through the real server: the sale lands on the primary
        wait_replayed(world.admin_url, read_url)
        with httpx.Client(base_url=url, timeout=30) as client:
            page = client.get("/hq/login")
            client.post("/hq/login", data={"csrf": World.token(page.text), "email": "pepe@donpepe.cl",
                                           "password": "clave-segura-1"})
            fecha = kit.NOW.astimezone(kit.CHILE).date().isoformat()
            sales_page = client.get("/hq/ventas", params={"fecha": fecha, "tienda": "centro"})
            panel = client.get("/hq/panel")  # the dashboard reads the replica too (a write there would fail)
            health = client.get("/health").json()
            assert panel.status_code == 200, panel.text
            assert sales_page.status_code == 200, sales_page.text
            assert "$" + es_cl.number(4321) in sales_page.text
            # the page read the replica: with its replay paused, a sale added on the primary is not on the page
            admin_replica = replica_url_of(world.admin_url, standby)
            with psycopg.connect(admin_replica, autocommit=True) as conn:
                conn.execute("SELECT pg_wal_replay_pause()")
            try:
                world.add_sale(1, "late", "centro", kit.NOW.isoformat(), {"cash": 1000})
                again = client.get("/hq/ventas", params={"fecha": fecha, "tienda": "centro"})
                assert "$" + es_cl.number(4321) in again.text and "$" + es_cl.number(5321) not in again.text
            finally:
                with psycopg.connect(admin_replica, autocommit=True) as conn:
                    conn.execute("SELECT pg_wal_replay_resume()")
    assert health["database"] == "ok"
    assert health["hq_replica"]["status"] == "ok"
    lag = health["hq_replica"]["lag_seconds"]
    assert lag is not None and 0 <= lag < 60, health
    print(f"replica lag at /health: {lag} s")
