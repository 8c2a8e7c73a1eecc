"""Signed boletas packed into an EnvioBOLETA, uploaded to the local SII stand-in through outages (503 with
Retry-After, connection errors) with the identical bytes, and tracked to the stand-in's verdict per document."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import httpx
import psycopg_pool
from folio_kit import SAMPLE_RUT, SAMPLES, SECRET, TODAY, Till, boleta_sale, migrated, sample_caf

from shared.dte import schema, signature
from syncserver import sii_standin
from syncserver.dte import certs, folios, pipeline
from syncserver.sii import forwarder

RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)


class Flaky(httpx.AsyncBaseTransport):
    """Fails the first ``failures`` requests with a connection error, then passes them to ``inner``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, failures: int, lost_answers: int = 0) -> None:
        self.inner, self.failures, self.lost_answers = inner, failures, lost_answers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            self.failures -= 1
            raise httpx.ConnectError("sin red", request=request)
        response = await self.inner.handle_async_request(request)
        if self.lost_answers:  # the request arrived, its answer did not
            self.lost_answers -= 1
            raise httpx.ReadTimeout("sin respuesta", request=request)
        return response


def test_boletas_reach_the_stand_in_through_outages(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    standin.received[("76235291-5", 39, 3)] = b"another document"  # folio 3 reached the SII before: rejected
    transport = Flaky(httpx.ASGITransport(sii_standin.create_app(standin)), failures=1)
    t0 = datetime.now(UTC) + timedelta(seconds=10)  # rows become due at their insertion time

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, (SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass", SECRET,
                          datetime(2026, 1, 1, tzinfo=UTC))
        for folio in (1, 2, 3):
            till.record(boleta_sale(folio))
        await till.push(pool)
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(3, 0)
        assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 3
        assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 0
        async with httpx.AsyncClient(transport=transport, base_url="http://sii.test") as client:
            assert await forwarder.send(pool, 1, client, now=t0) == 0  # connection error: retry after the backoff
            assert await forwarder.send(pool, 1, client, now=t0) == 0  # not due yet
            standin.inject(503, retry_after=600)
            t1 = t0 + timedelta(seconds=31)
            assert await forwarder.send(pool, 1, client, now=t1) == 0  # 503: Retry-After 10 minutes
            assert await forwarder.send(pool, 1, client, now=t1 + timedelta(seconds=599)) == 0
            assert standin.uploads == 0
            assert await forwarder.send(pool, 1, client, now=t1 + timedelta(seconds=601)) == 1
            assert await forwarder.send(pool, 1, client, now=t1 + timedelta(seconds=700)) == 0  # never twice
            standin.inject(500)
            assert await forwarder.poll(pool, 1, client, now=t1 + timedelta(seconds=601)) == 0
            assert await forwarder.poll(pool, 1, client, now=t1 + timedelta(hours=1)) == 1

    db.run(work)
    [(xml, state, track, attempts)] = db.rows("SELECT xml, state, track_id, attempts FROM dte_envelopes")
    assert (state, attempts) == ("done", 1) and standin.bodies == [bytes(xml)]  # one failed status query
    schema.validate(bytes(xml), pipeline.XSD_DIR)
    assert all(c.valid for c in signature.verify_all(bytes(xml)))
    outbox = db.rows("SELECT folio, state, track_id, last_error FROM dte_outbox ORDER BY folio")
    assert [(f, s, t) for f, s, t, _ in outbox] == [(1, "accepted", track), (2, "accepted", track),
                                                   (3, "rejected", track)]
    assert "ya fue recibido" in outbox[2][3]


def test_stand_in_rejects_what_the_sii_would(pg_database: str) -> None:
    standin = sii_standin.StandIn()
    app = sii_standin.create_app(standin)

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sii.test") as client:
            bad = await client.post("/sii/envio", files={"archivo": ("x.xml", b"<EnvioBOLETA/>", "text/xml")})
            assert bad.status_code == 200
            verdict = (await client.get(f"/sii/envio/{bad.json()['trackid']}")).json()
            assert verdict["estado"] == "RCT" and verdict["motivo"]
            assert (await client.get("/sii/envio/nope")).status_code == 404
            assert (await client.post("/sii/envio", data={"x": "y"})).status_code == 400
            sample = (SAMPLES / "envioboleta_T39_prod_libredte_F18094.xml").read_bytes()
            up = await client.post("/sii/envio", files={"archivo": ("e.xml", sample, "text/xml")})
            verdict = (await client.get(f"/sii/envio/{up.json()['trackid']}")).json()
            # a real production boleta, but no CAF of that emisor is registered here: rejected per document
            assert verdict["estado"] in ("EPR", "RCT")
            assert verdict["estado"] == "RCT" or verdict["rechazados"] >= 1

    asyncio.run(scenario())


def test_a_lost_answer_resends_the_identical_envelope(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    transport = Flaky(httpx.ASGITransport(sii_standin.create_app(standin)), failures=0, lost_answers=1)
    t0 = datetime.now(UTC) + timedelta(seconds=10)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, (SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass", SECRET,
                          datetime(2026, 1, 1, tzinfo=UTC))
        till.record(boleta_sale(1))
        await till.push(pool)
        await pipeline.sign_pending(pool, 1, SECRET)
        await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0)
        async with httpx.AsyncClient(transport=transport, base_url="http://sii.test") as client:
            assert await forwarder.send(pool, 1, client, now=t0) == 0
            assert await forwarder.send(pool, 1, client, now=t0 + timedelta(minutes=1)) == 1
            assert await forwarder.poll(pool, 1, client, now=t0 + timedelta(minutes=1)) == 1

    db.run(work)
    assert len(standin.bodies) == 2 and standin.bodies[0] == standin.bodies[1]
    assert db.rows("SELECT folio, state FROM dte_outbox") == [(1, "accepted")]
