"""The forwarder claims an envelope, talks to the SII with no transaction open, then records (migration 0008),
against real PostgreSQL and the stand-in served by uvicorn: while the SII is slow to answer, other connections
lock and update the rows in play and no forwarder transaction is open; a worker that died after claiming is
replaced once its claim expires (the identical bytes again, one track id) and its late outcome is dropped; two
workers at once share the envelopes without ever uploading the same one at the same time; and a call that would
outlive its claim is cut short."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest

from syncserver import sii_standin
from syncserver.dte import certs
from syncserver.sii import claims, forwarder, sending, ws
from syncserver.sii.ws import endpoints as ep
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, migrated
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, facturas_waiting, sii_client, standin_url

RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)


def _amount(folio: int) -> int:
    return 1000 * folio  # each factura its own total


async def _one_per_envelope(pool: psycopg_pool.AsyncConnectionPool, pfx: bytes, count: int, now: datetime) -> None:
    await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
    for _ in range(count):
        assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, batch=1, now=now) == 1


async def _arrived(standin: sii_standin.StandIn, request: str, task: asyncio.Task[Any]) -> None:
    """Until the stand-in has ``request`` (it then holds its answer back)."""
    async with asyncio.timeout(30):
        while request not in standin.requests:
            assert not task.done(), task
            await asyncio.sleep(0.01)


async def _others_can_work(admin_url: str, envelope_id: int, other_id: int) -> list[tuple[Any, ...]]:
    """From another connection: lock the envelope in play and another one without waiting, update its documents'
    unrelated columns; returns the database's other client sessions (state, xact_start, backend_xmin)."""
    async with await psycopg.AsyncConnection.connect(admin_url) as conn:
        async with conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = '2s'")
            for envelope in (envelope_id, other_id):
                locked = await (await conn.execute(
                    "SELECT envelope_id FROM dte_envelopes WHERE envelope_id = %s FOR UPDATE NOWAIT",
                    (envelope,))).fetchall()
                assert locked == [(envelope,)]
            touched = await conn.execute("UPDATE dte_outbox SET updated_at = now() WHERE envelope_id = %s",
                                         (envelope_id,))
            assert touched.rowcount == 1
        return await (await conn.execute(
            "SELECT state, xact_start, backend_xmin FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")).fetchall()


def test_while_the_sii_is_slow_no_transaction_is_open_and_rows_stay_free(pg_database: str,
                                                                         serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 3), amount=_amount)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await _one_per_envelope(pool, pfx, 2, t0)
            async with sii_client(url) as client:
                standin.inject_delay(3.0, path=ep.DTE_UPLOAD)  # the first upload's answer is held back
                sending = asyncio.create_task(forwarder.send(pool, 1, SECRET, client, now=t0))
                await _arrived(standin, "POST " + ep.DTE_UPLOAD, sending)
                seen["claim"] = db.rows("SELECT envelope_id, state, attempts, claimed_until, claimed_by"
                                        " FROM dte_envelopes WHERE claim_token IS NOT NULL")
                seen["send"] = await _others_can_work(db.admin_url, 1, 2)
                assert not sending.done()  # all of the above happened while the SII held its answer
                assert await sending == 2
                standin.inject_delay(3.0, path=ep.QUERY_EST_UP)
                polling = asyncio.create_task(forwarder.poll(pool, 1, SECRET, client, now=t0))
                await _arrived(standin, "POST " + ep.QUERY_EST_UP, polling)
                seen["poll"] = await _others_can_work(db.admin_url, 1, 2)
                assert not polling.done()
                assert await polling == 2

        db.run(work)
    [(envelope_id, state, attempts, until, by)] = seen["claim"]
    assert (envelope_id, state, attempts, until) == (1, "built", 1, t0 + forwarder.LEASE)
    assert by == forwarder.worker_name()
    for step in ("send", "poll"):
        sessions = seen[step]
        assert sessions, "the forwarder's pool has its connections open"
        assert all(s == "idle" and xact is None and xmin is None for s, xact, xmin in sessions), (step, sessions)
    assert db.rows("SELECT envelope_id, state, claim_token, claimed_until, attempts FROM dte_envelopes"
                   " ORDER BY envelope_id") == [(1, "done", None, None, 0), (2, "done", None, None, 0)]
    assert db.rows("SELECT folio, state FROM dte_outbox ORDER BY folio") == [(1, "accepted"), (2, "accepted")]
    assert len(standin.bodies) == len(set(standin.bodies)) == 2


def test_a_worker_killed_after_claiming_is_replaced_when_its_claim_expires(
        pg_database: str, serve_in_thread: Any, caplog: pytest.LogCaptureFixture) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 2), amount=_amount)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    later = t0 + forwarder.LEASE + timedelta(seconds=1)
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await _one_per_envelope(pool, pfx, 1, t0)
            async with sii_client(url) as client:
                # worker "A" claims, uploads, and dies before recording anything
                dead = await forwarder.claim(pool, 1, "built", now=t0, worker="caja-muerta:1")
                assert dead is not None and dead.xml is not None
                first = await client.upload_dte(await forwarder.account(pool, 1, SECRET), dead.xml)
                seen["first"] = first.track_id
                assert await forwarder.send(pool, 1, SECRET, client, now=t0 + timedelta(minutes=4)) == 0  # held
                assert len(standin.bodies) == 1  # not even asked while the claim lasts
                assert await forwarder.claim(pool, 1, "built", now=t0 + timedelta(minutes=4)) is None
                assert await forwarder.send(pool, 1, SECRET, client, now=later) == 1  # expired: taken again
                seen["resent"] = db.rows("SELECT track_id, attempts, sii_glosa FROM dte_envelopes")
                # "A" comes back to life with another answer: its claim is no longer its own, nothing is written
                late = ws.Receipt("99999", "REC")
                assert not await claims.settle(pool, dead, sending.mark_sent, late, t0)
                assert await forwarder.poll(pool, 1, SECRET, client, now=later) == 1

        db.run(work)
    assert len(standin.bodies) == 2 and standin.bodies[0] == standin.bodies[1]  # the identical bytes, twice
    [(only_track, _)] = list(standin.envios.items())
    assert seen["first"] == only_track
    [(track, attempts, glosa)] = seen["resent"]
    assert (track, attempts) == (only_track, 0) and "STATUS 99" in glosa
    [(state, track, claimed_by, token)] = db.rows("SELECT state, track_id, claimed_by, claim_token FROM dte_envelopes")
    assert (state, track, token) == ("done", only_track, None)
    assert claimed_by == forwarder.worker_name()
    assert db.rows("SELECT folio, state, track_id FROM dte_outbox") == [(1, "accepted", only_track)]
    expired = [r for r in caplog.records if r.getMessage() == "envelope claim expired unrecorded"]
    assert [getattr(r, "claimed_by", None) for r in expired] == ["caja-muerta:1"]
    assert [r.getMessage() for r in caplog.records].count("claim lost: outcome not recorded") == 1


class Watched(httpx.AsyncBaseTransport):
    """Counts, per envelope file name, the uploads in flight; keeps the largest numbers seen."""

    def __init__(self, flights: Counter[str], peaks: Counter[str]) -> None:
        self.inner, self.flights, self.peaks = httpx.AsyncHTTPTransport(), flights, peaks

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(ep.DTE_UPLOAD):
            return await self.inner.handle_async_request(request)
        found = re.search(rb'filename="([^"]+)"', await request.aread())
        name = found.group(1).decode() if found else "?"
        self.flights[name] += 1
        self.peaks[name] = max(self.peaks[name], self.flights[name])
        self.peaks["*"] = max(self.peaks["*"], sum(self.flights.values()))
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.flights[name] -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_two_workers_at_once_never_upload_the_same_envelope_together(pg_database: str,
                                                                     serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 5), amount=_amount)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    flights: Counter[str] = Counter()
    peaks: Counter[str] = Counter()

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[list[int], list[int]]:
            await _one_per_envelope(pool, pfx, 4, t0)
            standin.inject_delay(1.0, times=4, path=ep.DTE_UPLOAD)  # every upload is slow: they overlap
            urls = ep.endpoints("standin", url)
            https = [httpx.AsyncClient(transport=Watched(flights, peaks), timeout=10) for _ in range(2)]
            async with psycopg_pool.AsyncConnectionPool(db.app_url, min_size=1, max_size=2, open=False) as other:
                try:
                    clients = [ws.SiiClient(http, urls) for http in https]
                    sent = await asyncio.gather(*(forwarder.send(p, 1, SECRET, c, now=t0)
                                                  for p, c in zip((pool, other), clients, strict=True)))
                    polled = await asyncio.gather(*(forwarder.poll(p, 1, SECRET, c, now=t0)
                                                    for p, c in zip((pool, other), clients, strict=True)))
                finally:
                    for http in https:
                        await http.aclose()
            return list(sent), list(polled)

        sent, polled = db.run(work)
    assert sum(sent) == sum(polled) == 4 and all(sent)  # both workers uploaded, four envelopes in all
    assert peaks["*"] >= 2  # the two workers' uploads did run at the same time …
    assert {name: n for name, n in peaks.items() if name != "*"} == {f"EnvioDTE_{i}.xml": 1 for i in range(1, 5)}
    assert len(standin.bodies) == len(set(standin.bodies)) == 4  # … each envelope once
    envelopes = db.rows("SELECT state, track_id, claim_token FROM dte_envelopes ORDER BY envelope_id")
    assert [(s, c) for s, _, c in envelopes] == [("done", None)] * 4 and len({t for _, t, _ in envelopes}) == 4
    assert db.rows("SELECT DISTINCT state FROM dte_outbox") == [("accepted",)]


def test_a_call_that_would_outlive_its_claim_is_cut_short(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 2), amount=_amount)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    lease = timedelta(seconds=1.5)

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> int:
            await _one_per_envelope(pool, pfx, 1, t0)
            async with sii_client(url, timeout=10) as client:
                await client.token(await forwarder.account(pool, 1, SECRET))
                standin.inject_delay(3.0, path=ep.DTE_UPLOAD)
                return await forwarder.send(pool, 1, SECRET, client, now=t0, lease=lease)

        assert db.run(work) == 0
    [(state, attempts, due, error, token)] = db.rows(
        "SELECT state, attempts, next_attempt_at, last_error, claim_token FROM dte_envelopes")
    assert (state, attempts, token) == ("built", 1, None)  # recorded by its own worker, within the claim
    assert "no respondió a tiempo" in error and due == t0 + timedelta(seconds=30)


def test_a_server_stopping_mid_call_gives_its_claims_back_at_once(pg_database: str, serve_in_thread: Any) -> None:
    """A pass cancelled while the SII holds its answer (the server is shutting down) releases the envelope, still
    due: the next start uploads the identical bytes right away instead of waiting out the 5-minute claim."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 2), amount=_amount)
    t0 = datetime.now(UTC) + timedelta(seconds=5)

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await _one_per_envelope(pool, pfx, 1, t0)
            async with sii_client(url) as client:
                standin.inject_delay(2.0, path=ep.DTE_UPLOAD)
                sending = asyncio.create_task(forwarder.send(pool, 1, SECRET, client, now=t0))
                await _arrived(standin, "POST " + ep.DTE_UPLOAD, sending)
                async with asyncio.timeout(30):  # the upload read (the stand-in holds only its answer back)
                    while not standin.bodies:
                        await asyncio.sleep(0.01)
                sending.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await sending
                [(state, token, until, error)] = db.rows(
                    "SELECT state, claim_token, claimed_until, last_error FROM dte_envelopes")
                assert (state, token, until, error) == ("built", None, None, forwarder.STOPPED)
                # the next start, a second later: taken again at once, the same bytes go again
                assert await forwarder.send(pool, 1, SECRET, client, now=t0 + timedelta(seconds=1)) == 1
                standin.inject_delay(2.0, path=ep.QUERY_EST_UP)
                polling = asyncio.create_task(forwarder.poll(pool, 1, SECRET, client, now=t0 + timedelta(seconds=2)))
                await _arrived(standin, "POST " + ep.QUERY_EST_UP, polling)
                polling.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await polling
                assert db.rows("SELECT state, claim_token, last_error FROM dte_envelopes") == [
                    ("sent", None, forwarder.STOPPED)]
                assert await forwarder.poll(pool, 1, SECRET, client, now=t0 + timedelta(seconds=3)) == 1

        db.run(work)
    assert len(standin.bodies) == 2 and standin.bodies[0] == standin.bodies[1]
    assert db.rows("SELECT folio, state FROM dte_outbox") == [(1, "accepted")]
