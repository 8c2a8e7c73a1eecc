"""Signed boletas packed into an EnvioBOLETA (schema-valid, every signature verifying), uploaded to the stand-in
(uvicorn) through lost connections with the identical bytes, a folio the SII already has with other content
rejected; and what the stand-in's DTEUpload refuses at once (STATUS 5, 7) or later (the production sample's broken
per-DTE signature)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import psycopg_pool

from shared.dte import schema, signature
from syncserver import sii_standin
from syncserver.dte import certs, folios, pipeline
from syncserver.sii import forwarder, ws
from syncserver.sii.ws import endpoints as ep
from syncserver.sii.ws import soap
from syncserver.sii_standin.state import Registered, Verdict
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SAMPLES, SECRET, TODAY, Till, boleta_sale, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, holder_pfx, holder_signer, sii_client, standin_url

RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)


class Flaky(httpx.AsyncBaseTransport):
    """Fails the first ``failures`` requests with a connection error, then passes them on."""

    def __init__(self, failures: int) -> None:
        self.inner, self.failures = httpx.AsyncHTTPTransport(), failures

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            self.failures -= 1
            raise httpx.ConnectError("sin red", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_boletas_reach_the_stand_in_through_lost_connections(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    # folio 3 reached the SII before, with other content: rejected as a duplicate
    standin.documents[("76235291-5", 39, 3)] = Registered(b"otro", "66666666-6", "2026-11-22", 1990,
                                                           Verdict(39, 3, "ACEPTADO"))
    t0 = datetime.now(UTC) + timedelta(seconds=10)  # rows become due at their insertion time
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            till = await Till.enroll(pool, 1)
            await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
            await certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, SECRET)
            for folio in (1, 2, 3):
                till.record(boleta_sale(folio))
            await till.push(pool)
            assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(3, 0)
            assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 3
            assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 0
            http = httpx.AsyncClient(transport=Flaky(failures=2), timeout=10)
            client = ws.SiiClient(http, ws.endpoints.endpoints("standin", url))
            try:
                assert await forwarder.send(pool, 1, SECRET, client, now=t0) == 0  # no connection: the backoff
                seen["error"] = db.rows("SELECT last_error FROM dte_envelopes")[0][0]
                assert await forwarder.send(pool, 1, SECRET, client, now=t0) == 0  # not due yet
                assert await forwarder.send(pool, 1, SECRET, client, now=t0 + timedelta(seconds=31)) == 0
                assert standin.uploads == 0
                assert await forwarder.send(pool, 1, SECRET, client, now=t0 + timedelta(minutes=2)) == 1
                assert await forwarder.send(pool, 1, SECRET, client, now=t0 + timedelta(hours=2)) == 0  # never twice
                assert await forwarder.poll(pool, 1, SECRET, client, now=t0 + timedelta(minutes=2)) == 1
            finally:
                await http.aclose()

        db.run(work)
    assert "no se pudo conectar con el SII" in seen["error"]
    [(xml, state, track, attempts)] = db.rows("SELECT xml, state, track_id, attempts FROM dte_envelopes")
    assert (state, attempts) == ("done", 0) and standin.bodies == [bytes(xml)]
    schema.validate(bytes(xml), pipeline.XSD_DIR)
    assert all(c.valid for c in signature.verify_all(bytes(xml)))
    outbox = db.rows("SELECT folio, state, track_id, last_error FROM dte_outbox ORDER BY folio")
    assert [(f, s, t) for f, s, t, _ in outbox] == [(1, "accepted", track), (2, "accepted", track),
                                                   (3, "rejected", track)]
    assert "ya fue recibido" in outbox[2][3]


def test_stand_in_refuses_what_the_sii_would(serve_in_thread: Any) -> None:
    standin = sii_standin.StandIn()
    account = ws.Account.of(1, "76.235.291-5", holder_signer())
    form = {"rutSender": "12345678", "dvSender": "5", "rutCompany": "76235291", "dvCompany": "5"}

    def upload(url: str, data: bytes, token: str | None) -> dict[str, str]:
        headers = {"Cookie": f"TOKEN={token}"} if token else {}
        answer = httpx.post(url + ep.DTE_UPLOAD, data=form, files={"archivo": ("e.xml", data, "text/xml")},
                            headers=headers)
        root = soap.parse_answer(answer.content, "upload")
        return {c.tag: (c.text or "") for c in root if isinstance(c.tag, str)}

    with standin_url(serve_in_thread, standin) as url:
        async def tokens() -> tuple[str, ws.EnvioStatus | None]:
            async with sii_client(url) as client:
                token = await client.token(account)
                sample = (SAMPLES / "envioboleta_T39_prod_libredte_F18094.xml").read_bytes()
                receipt = await client.upload_boletas(account, sample)
                assert receipt.track_id is not None
                return token, await client.boleta_status(account, receipt.track_id)

        token, sample_status = asyncio.run(tokens())
        assert upload(url, b"<EnvioDTE/>", None)["STATUS"] == "5"  # no token
        refused = upload(url, b"<EnvioDTE><nada/></EnvioDTE>", token)
        assert refused["STATUS"] == "7" and "TRACKID" not in refused  # not the SII's namespace/schema
        assert upload(url, b"<EnvioDTE", token)["STATUS"] == "7"  # not even XML
        boleta = (SAMPLES / "envioboleta_T39_prod_libredte_F18094.xml").read_bytes()
        assert upload(url, boleta, token)["STATUS"] == "7"  # boletas do not go through DTEUpload
    # a real production boleta whose per-DTE signature no longer verifies (see the samples' SOURCES.md)
    assert sample_status is not None and (sample_status.estado, sample_status.phase) == ("RFR", "rejected")
    assert "firma" in sample_status.glosa
