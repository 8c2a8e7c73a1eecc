"""A forwarder pass on the real clock (the scheduler's ``now=None``) claims each envelope from the moment it takes
it: the claim of an envelope taken after a slow upload (or status query) of an earlier one still lasts a whole lease
from then, so another worker cannot take it while this one is still calling the SII for it (migration 0008)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import psycopg_pool

from shared.dte import signature
from syncserver import sii_standin
from syncserver.dte import certs
from syncserver.sii import forwarder
from syncserver.sii.ws import endpoints as ep
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, Db, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, factura, holder_pfx, put_signed, sii_client, standin_url

RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)


def _two_envelopes(db: Db) -> tuple[sii_standin.StandIn, bytes]:
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(33))
    pfx = holder_pfx()
    signer = signature.load_pfx(pfx, PFX_PASSWORD)
    for folio in (1, 2):
        put_signed(db.admin_url, 1, 33, folio, factura(folio, signer, amount=1000 * folio))
    return standin, pfx


async def _first_request_seen(standin: sii_standin.StandIn, request: str, task: asyncio.Task[Any]) -> datetime:
    """The wall-clock time once the stand-in has received ``request`` (it then holds its answer back)."""
    async with asyncio.timeout(30):
        while request not in standin.requests:
            assert not task.done(), task
            await asyncio.sleep(0.01)
    return datetime.now(UTC)


def test_each_claim_of_a_pass_runs_from_when_it_is_taken(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = _two_envelopes(db)
    seen: dict[str, datetime] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[int, int]:
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            for _ in range(2):
                assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, batch=1) == 1
            async with sii_client(url) as client:
                standin.inject_delay(1.0, path=ep.DTE_UPLOAD)  # the first envelope's upload is slow
                sending = asyncio.create_task(forwarder.send(pool, 1, SECRET, client))
                seen["upload"] = await _first_request_seen(standin, "POST " + ep.DTE_UPLOAD, sending)
                sent = await sending
                standin.inject_delay(1.0, path=ep.QUERY_EST_UP)  # the first envelope's status query is slow
                polling = asyncio.create_task(forwarder.poll(pool, 1, SECRET, client))
                seen["query"] = await _first_request_seen(standin, "POST " + ep.QUERY_EST_UP, polling)
                return sent, await polling

        assert db.run(work) == (2, 2)
    [first_poll, second_poll] = [at for (at,) in db.rows("SELECT claimed_at FROM dte_envelopes ORDER BY envelope_id")]
    # envelope 2 was claimed to poll after envelope 1's slow query was answered, not at the start of the pass
    assert first_poll < seen["query"] <= second_poll
    assert db.rows("SELECT DISTINCT state FROM dte_outbox") == [("accepted",)]


def test_each_upload_claim_of_a_pass_runs_from_when_it_is_taken(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = _two_envelopes(db)
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> int:
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            for _ in range(2):
                assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, batch=1) == 1
            async with sii_client(url) as client:
                standin.inject_delay(1.0, path=ep.DTE_UPLOAD)  # the first envelope's upload is slow
                sending = asyncio.create_task(forwarder.send(pool, 1, SECRET, client))
                seen["upload"] = await _first_request_seen(standin, "POST " + ep.DTE_UPLOAD, sending)
                sent = await sending
                seen["claims"] = [at for (at,) in db.rows("SELECT claimed_at FROM dte_envelopes ORDER BY envelope_id")]
                return sent

        assert db.run(work) == 2
    [first, second] = seen["claims"]
    # envelope 2 was claimed after envelope 1's slow upload was answered, so its lease runs from then
    assert first < seen["upload"] <= second
    assert db.rows("SELECT state, track_id IS NOT NULL FROM dte_envelopes") == [("sent", True)] * 2
