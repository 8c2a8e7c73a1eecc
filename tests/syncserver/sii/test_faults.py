"""The SII misbehaving, against the stand-in served by uvicorn: HTTP 503/429 with Retry-After or X-Retry-After
(honoured: not one request before), answers that are not what the SII sends (typed, transient errors with Spanish
messages), a timeout whose upload did arrive (the identical file is resent and STATUS 99 is a success), no
connection at all."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg_pool
import pytest

from shared.dte import signature
from syncserver import sii_standin
from syncserver.dte import certs
from syncserver.sii import forwarder, ws
from syncserver.sii.ws import endpoints as ep
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, migrated, sample_caf
from tests.syncserver.dte.sii_kit import (
    PFX_PASSWORD,
    factura,
    holder_pfx,
    holder_signer,
    put_signed,
    sii_client,
    standin_url,
)

RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)
COMPANY = "76.235.291-5"


def _envelope(db: Any) -> tuple[Any, ...]:
    [row] = db.rows("SELECT state, attempts, next_attempt_at, last_error, track_id FROM dte_envelopes")
    return tuple(row)


def _one_factura(pg_database: str, folio: int) -> tuple[Any, sii_standin.StandIn, bytes]:
    """A migrated master whose tenant 1 has factura ``folio`` signed in its outbox, a stand-in that knows the
    sample CAF 33, and the tenant's certificate (.pfx, password ``PFX_PASSWORD``) not yet stored."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(33))
    pfx = holder_pfx()
    put_signed(db.admin_url, 1, 33, folio, factura(folio, signature.load_pfx(pfx, PFX_PASSWORD)))
    return db, standin, pfx


async def _store_and_pack(pool: psycopg_pool.AsyncConnectionPool, pfx: bytes, now: datetime) -> None:
    await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
    await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=now)


def test_retry_after_and_garbage_are_honoured_and_nothing_is_lost(pg_database: str, serve_in_thread: Any) -> None:
    db, standin, pfx = _one_factura(pg_database, 1)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await _store_and_pack(pool, pfx, t0)
            async with sii_client(url) as client:
                standin.inject_garbage("html", path=ep.DTE_UPLOAD)  # a maintenance page instead of RECEPCIONDTE
                assert await forwarder.send(pool, 1, SECRET, client, now=t0) == 0
                seen["garbage"] = _envelope(db)
                standin.inject(503, retry_after=600, path=ep.DTE_UPLOAD)
                t1 = t0 + timedelta(seconds=31)
                assert await forwarder.send(pool, 1, SECRET, client, now=t1) == 0
                seen["503"] = _envelope(db)
                before = len(standin.requests)
                assert await forwarder.send(pool, 1, SECRET, client, now=t1 + timedelta(seconds=599)) == 0
                assert len(standin.requests) == before  # not even asked before Retry-After
                assert await forwarder.send(pool, 1, SECRET, client, now=t1 + timedelta(seconds=601)) == 1
                t2 = t1 + timedelta(seconds=601)
                standin.inject(429, retry_after=120, path=ep.QUERY_EST_UP, header="X-Retry-After")
                assert await forwarder.poll(pool, 1, SECRET, client, now=t2) == 0
                seen["429"] = _envelope(db)
                assert await forwarder.poll(pool, 1, SECRET, client, now=t2 + timedelta(seconds=119)) == 0
                assert await forwarder.poll(pool, 1, SECRET, client, now=t2 + timedelta(seconds=121)) == 1

        db.run(work)
    state, attempts, due, error, _ = seen["garbage"]
    assert (state, attempts) == ("built", 1) and "no es XML válido" in error and due >= t0 + timedelta(seconds=30)
    state, attempts, due, error, _ = seen["503"]
    assert (state, attempts) == ("built", 2) and "HTTP 503" in error and "600 s" in error
    assert due == t0 + timedelta(seconds=31 + 600)
    state, attempts, due, error, _ = seen["429"]
    assert (state, attempts) == ("sent", 1) and "está ocupado (HTTP 429" in error
    assert due == t0 + timedelta(seconds=31 + 601 + 120)
    assert len(standin.bodies) == 1  # one upload reached the SII, once
    assert db.rows("SELECT folio, state, last_error FROM dte_outbox") == [(1, "accepted", None)]


def test_a_lost_answer_is_resent_identically_and_status_99_is_success(pg_database: str,
                                                                       serve_in_thread: Any) -> None:
    db, standin, pfx = _one_factura(pg_database, 5)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await _store_and_pack(pool, pfx, t0)
            async with sii_client(url, timeout=0.5) as client:
                await client.token(await forwarder.account(pool, 1, SECRET))
                standin.inject_delay(2.0, path=ep.DTE_UPLOAD)  # received and processed; the answer comes too late
                assert await forwarder.send(pool, 1, SECRET, client, now=t0) == 0
                seen["timeout"] = _envelope(db)
                assert await forwarder.send(pool, 1, SECRET, client, now=t0 + timedelta(seconds=31)) == 1
                seen["99"] = db.rows("SELECT sii_glosa FROM dte_envelopes")[0][0]
                assert await forwarder.poll(pool, 1, SECRET, client, now=t0 + timedelta(seconds=31)) == 1

        db.run(work)
    state, attempts, _, error, _ = seen["timeout"]
    assert (state, attempts) == ("built", 1) and "no respondió a tiempo" in error
    assert "STATUS 99" in seen["99"]
    [(only_track, envio)] = list(standin.envios.items())
    assert len(standin.bodies) == 2 and standin.bodies[0] == standin.bodies[1]  # the identical bytes, twice
    assert db.rows("SELECT state, track_id FROM dte_envelopes") == [("done", only_track)]
    assert db.rows("SELECT folio, state FROM dte_outbox") == [(5, "accepted")]
    assert [d.estado for d in envio.documents] == ["ACEPTADO"]


async def _dte_status(client: ws.SiiClient, account: ws.Account) -> object:
    return await client.dte_status(account, "1001")


async def _seed(client: ws.SiiClient, account: ws.Account) -> object:
    return await client.token(account)


async def _upload(client: ws.SiiClient, account: ws.Account) -> object:
    return await client.upload_dte(account, b'<?xml version="1.0"?>\n<EnvioDTE/>')


async def _boleta_upload(client: ws.SiiClient, account: ws.Account) -> object:
    return await client.upload_boletas(account, b'<?xml version="1.0"?>\n<EnvioBOLETA/>')


async def _boleta_status(client: ws.SiiClient, account: ws.Account) -> object:
    return await client.boleta_status(account, "1001")


Call = Callable[[ws.SiiClient, ws.Account], Awaitable[object]]


@pytest.mark.parametrize(("garbage", "path", "call", "message"), [
    ("html", ep.CR_SEED, _seed, "no es XML válido"),
    ("truncated", ep.DTE_UPLOAD, _upload, "no es XML válido"),
    ("hostile", ep.QUERY_EST_UP, _dte_status, "rechazada por seguridad"),
    ("json", ep.QUERY_EST_UP, _dte_status, "no es XML válido"),
    ("html", ep.BOLETA_ENVIO, _boleta_upload, "no es el JSON esperado"),
    ("json", ep.BOLETA_ENVIO + "/", _boleta_status, "no trae 'estado'"),
])
def test_answers_that_are_not_the_siis_are_transient_typed_errors(serve_in_thread: Any, garbage: str, path: str,
                                                                   call: Call, message: str) -> None:
    standin = sii_standin.StandIn()
    with standin_url(serve_in_thread, standin) as url:
        async def scenario() -> None:
            async with sii_client(url) as client:
                account = ws.Account.of(1, COMPANY, holder_signer())
                await client.token(account, "boleta")
                if path != ep.CR_SEED:
                    await client.token(account)
                standin.inject_garbage(garbage, path=path)
                with pytest.raises(ws.SiiBadAnswer, match=message) as caught:
                    await call(client, account)
                assert caught.value.transient

        asyncio.run(scenario())


def test_no_connection_and_a_timeout_are_transient(serve_in_thread: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    account = ws.Account.of(1, COMPANY, holder_signer())

    async def unreachable() -> None:
        async with sii_client(f"http://127.0.0.1:{closed_port}", timeout=2) as client:
            await client.token(account)

    with pytest.raises(ws.SiiUnavailable, match="no se pudo conectar con el SII") as caught:
        asyncio.run(unreachable())
    assert caught.value.transient and caught.value.retry_after is None

    standin = sii_standin.StandIn()
    standin.inject_delay(1.5, path=ep.CR_SEED)
    with standin_url(serve_in_thread, standin) as url:
        async def slow() -> None:
            async with sii_client(url, timeout=0.3) as client:
                await client.token(account)

        with pytest.raises(ws.SiiUnavailable, match="no respondió a tiempo"):
            asyncio.run(slow())
