"""The server sends on its own: two server processes' worth of apps (uvicorn) with ``dte_interval`` set run the DTE
scheduler against one database and the stand-in; boletas pushed while they run are all accepted, no envelope
reaches the SII twice, and a tenant whose passes fail does not stop the others."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg_pool
import pytest

from syncserver import app as app_mod
from syncserver import settings as settings_mod
from syncserver import sii_standin
from syncserver.dte import certs, folios
from syncserver.sii import scheduler
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, TODAY, Db, Till, boleta_sale, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, holder_pfx, standin_url


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _states(db: Db, tenant_id: int) -> list[tuple[int, str]]:
    return db.rows("SELECT folio, state FROM dte_outbox WHERE tenant_id = %s ORDER BY folio", tenant_id)


def test_the_scheduler_sends_by_itself_safely_from_two_servers(pg_database: str, serve_in_thread: Any,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="syncserver.sii.scheduler")
    db = migrated(pg_database, {1: "", 2: SAMPLE_RUT})  # tenant 1 has a certificate but no RUT: its passes fail
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    pfx = holder_pfx()
    till: list[Till] = []

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> list[int]:
        till.append(await Till.enroll(pool, 2))
        await folios.import_caf(pool, 2, sample_caf(39), today=TODAY, lease_size=10, low_water=2)
        for tenant_id in (1, 2):
            await certs.store(pool, tenant_id, pfx, PFX_PASSWORD, SECRET)
        for folio in (1, 2, 3):
            till[0].record(boleta_sale(folio))
        await till[0].push(pool)
        return await scheduler.tenants(pool)

    assert db.run(setup) == [1, 2]
    with standin_url(serve_in_thread, standin) as sii_url:
        settings = settings_mod.ServerSettings(database_url=db.app_url, secret_key=SECRET, dte_interval=0.2,
                                               sii_environment="standin", sii_url=sii_url)
        with contextlib.ExitStack() as servers:
            for _ in range(2):  # two server processes: each runs its own scheduler
                servers.enter_context(serve_in_thread(app_mod.create_app(settings)))
            _wait_for(lambda: _states(db, 2) == [(f, "accepted") for f in (1, 2, 3)], "the first boletas")

            async def more(pool: psycopg_pool.AsyncConnectionPool) -> None:
                for folio in (4, 5, 6, 7):
                    till[0].record(boleta_sale(folio))
                await till[0].push(pool)

            db.run(more)
            _wait_for(lambda: _states(db, 2) == [(f, "accepted") for f in range(1, 8)], "the boletas pushed later")
    envelopes = db.rows("SELECT envelope_id, state, track_id FROM dte_envelopes WHERE tenant_id = 2")
    assert all(state == "done" for _, state, _ in envelopes)
    assert len(standin.bodies) == len(set(standin.bodies)) == len(envelopes)  # no envelope uploaded twice
    per_envelope = db.rows("SELECT envelope_id, count(*) FROM dte_outbox WHERE tenant_id = 2 GROUP BY envelope_id")
    assert sum(n for _, n in per_envelope) == 7  # every boleta in exactly one envelope
    failures = [r for r in caplog.records if r.getMessage() == "dte pass failed"]
    assert failures and all(getattr(r, "tenant_id", None) == 1 for r in failures)
    assert "RUT válido" in getattr(failures[0], "error", "")


def test_the_scheduler_is_off_when_the_interval_is_zero(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    settings = settings_mod.ServerSettings(database_url=db.app_url, secret_key=SECRET, dte_interval=0,
                                           sii_environment="standin", sii_url="http://127.0.0.1:9")

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> object:
        async with scheduler.running(pool, settings) as task:
            return task

    assert db.run(work) is None
