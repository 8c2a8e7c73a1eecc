"""An upload answered "already received" (STATUS 99) without a track id, against the stand-in served by uvicorn and
the real PostgreSQL: the envelope stays ``sent`` with no track id and each document is asked on its own — boletas
through the boleta API's per-document state, facturas through QueryEstDte — until every one has the SII's verdict
(accepted, accepted with reparos, rejected with the SII's reason). A document the SII does not have yet stays
``sent`` and is asked again after the backoff; an unreadable answer leaves the documents ``sent`` with the error
and a later pass finishes them; nothing is uploaded a third time. HQ says why such a document has no track id.
Also the client's reading of the boleta API's per-document answer."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import psycopg_pool
import pytest
from starlette.types import ASGIApp

from syncserver import sii_standin
from syncserver.dte import certs, folios, pipeline
from syncserver.sii import forwarder, scheduler, ws
from syncserver.sii.ws import endpoints as ep
from syncserver.sii_standin.state import Registered, Verdict
from tests.syncserver.dte import folio_kit as kit
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, TODAY, Db, Till, boleta_sale, migrated, sample_caf
from tests.syncserver.dte.sii_kit import (
    PFX_PASSWORD,
    facturas_waiting,
    holder_pfx,
    holder_signer,
    sii_client,
    standin_url,
)

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)
COMPANY = "76235291-5"
GIRO = "Giro del emisor no autorizado"
DIRECCION = "Dirección del emisor incompleta"
RECEPTOR = "RUT del receptor no registrado"
COMUNA = "Comuna del receptor no corresponde"
_TAG = re.compile(r"<[^>]+>")


def _outbox(db: Db) -> list[tuple[Any, ...]]:
    return db.rows("SELECT tipo, folio, state, sii_estado, sii_glosa, last_error, track_id FROM dte_outbox"
                   " ORDER BY tipo, folio")


def _envelope(db: Db) -> tuple[Any, ...]:
    [row] = db.rows("SELECT kind, state, track_id, sii_estado, sii_glosa, last_error, next_attempt_at"
                    " FROM dte_envelopes")
    return tuple(row)


def _per_document(standin: sii_standin.StandIn, path: str) -> int:
    return sum(r.startswith("GET " + path) for r in standin.requests)


async def _received_twice_without_track(pool: psycopg_pool.AsyncConnectionPool, url: str,
                                        standin: sii_standin.StandIn, t0: datetime, service: str,
                                        upload_path: str) -> None:
    """Upload the packed envelope (its answer lost: the stand-in keeps it), then again: "already received" without
    a track id."""
    async with sii_client(url, timeout=0.5) as client:
        await client.token(await forwarder.account(pool, 1, SECRET), service)
        standin.inject_delay(2.0, path=upload_path)  # received and decided; the answer comes too late
        assert await forwarder.send(pool, 1, SECRET, client, now=t0) == 0
    standin.inject_no_track()
    async with sii_client(url) as client:
        assert await forwarder.send(pool, 1, SECRET, client, now=t0 + timedelta(seconds=31)) == 1


def test_boletas_received_without_track_id_get_their_verdicts_one_by_one(pg_database: str, served: Served,
                                                                         serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    standin.reject(39, 2, GIRO)
    standin.object(39, 3, DIRECCION)
    pfx = holder_pfx()
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    t1 = t0 + timedelta(seconds=31)  # the STATUS 99 without track id
    seen: dict[str, Any] = {}
    boleta_1 = (COMPANY, 39, 1)
    path = ep.BOLETA_DOCUMENTO + "/"

    with standin_url(serve_in_thread, standin) as url:
        async def first(pool: psycopg_pool.AsyncConnectionPool) -> None:
            till = await Till.enroll(pool, 1)
            await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            for folio in (1, 2, 3):
                till.record(boleta_sale(folio))
            await till.push(pool)
            assert (await pipeline.sign_pending(pool, 1, SECRET, now=t0)).signed == 3
            resolution = await scheduler.emisor_resolution(pool, 1)
            assert resolution is not None
            assert await forwarder.pack(pool, 1, SECRET, resolution, now=t0) == 3
            await _received_twice_without_track(pool, url, standin, t0, "boleta", ep.BOLETA_ENVIO)
            seen["received"] = (_envelope(db), _outbox(db))
            async with sii_client(url) as client:
                standin.inject_garbage("json", path=path)  # boleta 1's answer has no 'codigo': the others are asked
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1) == 0
                seen["garbage"] = (_envelope(db), _outbox(db))
                hidden = standin.documents.pop(boleta_1)  # the SII does not have boleta 1 (yet): HTTP 404
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + timedelta(seconds=31)) == 0
                seen["waiting"] = (_envelope(db), _outbox(db))
                asked = _per_document(standin, path)
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + timedelta(seconds=90)) == 0
                assert _per_document(standin, path) == asked  # not due before the backoff: not asked
                standin.documents[boleta_1] = hidden

        db.run(first)
        seen["asked before"] = _per_document(standin, path)
        app = kit.hq_app(db)

        async def hq() -> str:
            async with served(app) as client:
                await kit.hq_login(client)
                page = await client.get("/hq/documentos")
                assert page.status_code == 200
                return page.text

        html = asyncio.run(hq())

        async def last(pool: psycopg_pool.AsyncConnectionPool) -> None:
            async with sii_client(url) as client:
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + timedelta(seconds=92)) == 1
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + timedelta(hours=2)) == 0

        db.run(last)

    envelope, outbox = seen["received"]
    assert envelope[:4] == ("EnvioBOLETA", "sent", None, "STATUS 99") and envelope[6] == t1
    assert [(f, s, e, t) for _, f, s, e, _, _, t in outbox] == [(f, "sent", "STATUS 99", None) for f in (1, 2, 3)]
    envelope, outbox = seen["garbage"]
    assert envelope[1] == "sent" and envelope[5] is None and envelope[6] == t1 + timedelta(seconds=30)
    assert "0 aceptados, 1 con reparos, 1 rechazados, 1 sin respuesta todavía" in envelope[4]
    assert [(f, s) for _, f, s, *_ in outbox] == [(1, "sent"), (2, "rejected"), (3, "accepted_objections")]
    assert "no trae 'codigo'" in outbox[0][5]  # the unreadable answer is on its own document
    envelope, outbox = seen["waiting"]
    assert envelope[1] == "sent" and envelope[5] is None
    assert "0 aceptados, 1 con reparos, 1 rechazados, 1 sin respuesta todavía" in envelope[4]
    assert envelope[6] == t1 + timedelta(seconds=31 + 60)
    assert [(f, s, e) for _, f, s, e, *_ in outbox] == [(1, "sent", "FAU"), (2, "rejected", "RCH"),
                                                       (3, "accepted_objections", "RPR")]
    assert "aún no tiene este documento" in outbox[0][4] and outbox[0][5] is None
    assert GIRO in outbox[1][5] and DIRECCION in outbox[2][4] and outbox[2][5] is None

    # HQ: boleta 1 is on its way, and says why it has no track id
    rows = [" ".join(_TAG.sub(" ", chunk).split()) for chunk in html.split("<tbody>", 1)[1].split("<tr>")[1:]]
    [waiting] = [row for row in rows if row.startswith("Boleta (39) 1 ")]
    assert "Enviado al SII (sin track id: consultado documento por documento)" in waiting
    assert sum("sin track id" in row for row in rows) == 1

    outbox = _outbox(db)
    assert [(f, s, e, t) for _, f, s, e, _, _, t in outbox] == [
        (1, "accepted", "DOK", None), (2, "rejected", "RCH", None), (3, "accepted_objections", "RPR", None)]
    assert all(row[5] is None for row in (outbox[0], outbox[2]))
    kind, state, track, estado, glosa, error, _ = _envelope(db)
    assert (kind, state, track, estado, error) == ("EnvioBOLETA", "done", None, "STATUS 99", None)
    assert "1 aceptados, 1 con reparos, 1 rechazados" in glosa
    assert _per_document(standin, path) == seen["asked before"] + 1  # only the boleta still waiting
    [(stored,)] = db.rows("SELECT xml FROM dte_envelopes")
    assert standin.bodies == [bytes(stored)] * 2  # the identical file twice, never a third time
    assert not any(r.startswith("GET " + ep.BOLETA_ENVIO + "/") for r in standin.requests)  # no envío to ask


def test_facturas_received_without_track_id_are_asked_with_query_est_dte(pg_database: str,
                                                                         serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 4))
    standin.reject(33, 2, RECEPTOR)
    standin.object(33, 3, COMUNA)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    t1 = t0 + timedelta(seconds=31)
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 3
            await _received_twice_without_track(pool, url, standin, t0, "dte", ep.DTE_UPLOAD)
            seen["received"] = _envelope(db)
            async with sii_client(url) as client:
                standin.inject_delay(0, path=ep.QUERY_EST_DTE)  # the first query is answered as usual …
                standin.inject_garbage("html", path=ep.QUERY_EST_DTE)  # … the second one is a maintenance page
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1) == 0
                seen["garbage"] = (_envelope(db), _outbox(db))
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + timedelta(seconds=31)) == 0
                seen["waiting"] = (_envelope(db), _outbox(db))
                # a day later the SII still answers FAU for factura 2: never taken as rejected (FAU also means
                # "not yet", and HQ would offer to annul it): a person is asked to check it, and it is still asked
                later = t1 + forwarder.UNKNOWN_GRACE + timedelta(minutes=1)
                assert await forwarder.poll(pool, 1, SECRET, client, now=later) == 0

        db.run(work)

    assert seen["received"][:4] == ("EnvioDTE", "sent", None, "STATUS 99")
    envelope, outbox = seen["garbage"]
    assert envelope[1] == "sent" and envelope[5] is None  # one unreadable answer does not stop the others
    assert [(f, s) for _, f, s, *_ in outbox] == [(1, "accepted"), (2, "sent"), (3, "accepted_objections")]
    assert outbox[0][5] is None and "no es XML válido" in outbox[1][5] and outbox[2][5] is None
    envelope, outbox = seen["waiting"]
    assert envelope[1] == "sent" and envelope[5] is None
    assert [(f, s, e) for _, f, s, e, *_ in outbox] == [(1, "accepted", "DOK"), (2, "sent", "FAU"),
                                                       (3, "accepted_objections", "DOK")]
    assert outbox[1][5] is None and "aún no tiene este documento" in outbox[1][4] and COMUNA in outbox[2][4]

    outbox = _outbox(db)
    assert [(f, s, e, t) for _, f, s, e, _, _, t in outbox] == [
        (1, "accepted", "DOK", None), (2, "sent", "FAU", None), (3, "accepted_objections", "DOK", None)]
    assert "revíselo en www.sii.cl" in outbox[1][4] and outbox[1][5] is None
    kind, state, track, estado, glosa, error, _ = _envelope(db)
    assert (kind, state, track, estado, error) == ("EnvioDTE", "sent", None, "STATUS 99", None)
    assert "1 aceptados, 1 con reparos, 0 rechazados, 1 sin respuesta todavía" in glosa
    # the garbage is not logged as a request it answered; later rounds ask factura 2 only
    assert standin.requests.count("POST " + ep.QUERY_EST_DTE) == 2 + 1 + 1
    assert standin.requests.count("POST " + ep.QUERY_EST_UP) == 0
    [(stored,)] = db.rows("SELECT xml FROM dte_envelopes")
    assert standin.bodies == [bytes(stored)] * 2


# --- the client: one boleta's state -------------------------------------------------------------------------------


def _boleta(estado: str, reason: str = "") -> Registered:
    return Registered(b"", "66666666-6", "2026-11-22", 1990, Verdict(39, 7, estado, reason))


async def _ask(client: ws.SiiClient, account: ws.Account, folio: int = 7, monto: int = 1990) -> ws.DocumentStatus:
    return await client.boleta_document_status(account, tipo=39, folio=folio, fecha_emision=date(2026, 11, 22),
                                               monto=monto, rut_receptor="66.666.666-6")


def test_one_boletas_state_is_read_from_the_boleta_api(serve_in_thread: Any) -> None:
    standin = sii_standin.StandIn()
    answers: dict[str, ws.DocumentStatus] = {}
    with standin_url(serve_in_thread, standin) as url:
        async def scenario() -> None:
            async with sii_client(url) as client:
                account = ws.Account.of(1, COMPANY, holder_signer())
                for name, registered in (("accepted", _boleta("ACEPTADO")), ("reparos", _boleta("REPARO", COMUNA)),
                                         ("rejected", _boleta("RECHAZADO", GIRO))):
                    standin.documents[(COMPANY, 39, 7)] = registered
                    answers[name] = await _ask(client, account)
                standin.documents[(COMPANY, 39, 7)] = _boleta("ACEPTADO")
                answers["other amount"] = await _ask(client, account, monto=2990)
                answers["unknown"] = await _ask(client, account, folio=8)

        asyncio.run(scenario())
    assert standin.requests[-1] == "GET " + ep.BOLETA_DOCUMENTO + f"/{COMPANY}-39-8/estado"
    accepted = answers["accepted"]
    assert (accepted.estado, accepted.received, accepted.not_yet, accepted.objections) == ("DOK", True, False, False)
    assert forwarder.document_verdict(accepted) == forwarder.Verdict("accepted", "DOK")
    assert forwarder.document_verdict(answers["reparos"]) == forwarder.Verdict(
        "accepted_objections", "RPR", f"DTE Aceptado con Reparos: {COMUNA}")
    rejected = forwarder.document_verdict(answers["rejected"])
    assert (rejected.state, rejected.sii_estado) == ("rejected", "RCH") and GIRO in rejected.glosa
    assert "rechazado por errores de información" in rejected.glosa
    assert (answers["other amount"].estado, answers["other amount"].received) == ("DNK", False)
    unknown = answers["unknown"]
    assert (unknown.estado, unknown.not_yet, unknown.received) == ("FAU", True, False)
    assert "no encuentra la boleta" in unknown.reason


@pytest.mark.parametrize(("body", "error", "message"), [
    ("html", ws.SiiBadAnswer, "no es el JSON esperado"),
    ("json", ws.SiiBadAnswer, "no trae 'codigo'"),
    (b'{"codigo": "XYZ", "descripcion": "?"}', ws.SiiBadAnswer, "código desconocido"),
    (b'{"codigo": "-13", "descripcion": "Error interno"}', ws.SiiUnavailable, "código -13: Error interno"),
])
def test_a_boletas_state_that_is_not_the_siis_is_a_transient_typed_error(serve_in_thread: Any, body: str | bytes,
                                                                         error: type[ws.SiiError],
                                                                         message: str) -> None:
    standin = sii_standin.StandIn()
    with standin_url(serve_in_thread, standin) as url:
        async def scenario() -> None:
            async with sii_client(url) as client:
                account = ws.Account.of(1, COMPANY, holder_signer())
                await client.token(account, "boleta")
                standin.inject_garbage(body, path=ep.BOLETA_DOCUMENTO + "/", content_type="application/json")
                with pytest.raises(error, match=message) as caught:
                    await _ask(client, account)
                assert caught.value.transient

        asyncio.run(scenario())


def test_one_document_the_sii_answers_badly_does_not_hold_back_the_others(pg_database: str,
                                                                          serve_in_thread: Any) -> None:
    """Factura 1's answer is garbage at every round: it keeps its error, the others get their verdicts; garbage for
    every document in a row ends the round (the SII is answering garbage) and loses nothing."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 5))
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    t1 = t0 + timedelta(seconds=31)
    seen: dict[str, Any] = {}

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 4
            await _received_twice_without_track(pool, url, standin, t0, "dte", ep.DTE_UPLOAD)
            async with sii_client(url) as client:
                standin.inject_garbage("html", times=forwarder.BAD_ANSWERS_IN_A_ROW, path=ep.QUERY_EST_DTE)
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1) == 0  # three in a row: round ends
                seen["stopped"] = (_envelope(db), _outbox(db))
                for n in range(1, 4):  # factura 1 (asked first) is answered with garbage at every round
                    standin.inject_garbage("html", path=ep.QUERY_EST_DTE)
                    assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + timedelta(hours=n)) == 0
                seen["poisoned"] = (_envelope(db), _outbox(db))
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + timedelta(hours=5)) == 1

        db.run(work)

    envelope, outbox = seen["stopped"]
    assert envelope[1] == "sent" and "no es XML válido" in envelope[5]
    assert [(f, s) for _, f, s, *_ in outbox] == [(f, "sent") for f in (1, 2, 3, 4)]
    assert all("no es XML válido" in row[5] for row in outbox)  # the three asked and the one not reached
    envelope, outbox = seen["poisoned"]
    assert [(f, s) for _, f, s, *_ in outbox] == [(1, "sent"), (2, "accepted"), (3, "accepted"), (4, "accepted")]
    assert "no es XML válido" in outbox[0][5] and envelope[1] == "sent"
    assert [(f, s) for _, f, s, *_ in _outbox(db)] == [(f, "accepted") for f in (1, 2, 3, 4)]
    assert _envelope(db)[1] == "done"


def test_a_pass_asks_each_envelope_once_even_when_it_falls_due_again(pg_database: str, serve_in_thread: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """With no backoff an envelope still in process is due again at once: the pass does not take it again (it would
    ask the SII about the same envío over and over until ``limit``)."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 3))
    monkeypatch.setattr(pipeline, "backoff", lambda attempts: timedelta(0))

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            for _ in range(2):  # one envelope each
                assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, batch=1) == 1
            async with sii_client(url) as client:
                assert await forwarder.send(pool, 1, SECRET, client) == 2
                standin.pending_polls = 100  # every getEstUp answers "en proceso"
                assert await forwarder.poll(pool, 1, SECRET, client, limit=10) == 0

        db.run(work)
    assert standin.requests.count("POST " + ep.QUERY_EST_UP) == 2  # once per envelope, not ten times


def test_a_stored_document_that_cannot_be_read_is_flagged_and_never_ends_the_round(pg_database: str,
                                                                                   serve_in_thread: Any) -> None:
    """Our own bytes, not the SII's answer: the others are asked, the round goes on, and after a day its glosa asks a
    person to check it on www.sii.cl."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin, pfx = facturas_waiting(db.admin_url, range(1, 4))
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    t1 = t0 + timedelta(seconds=31)

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 3
            await _received_twice_without_track(pool, url, standin, t0, "dte", ep.DTE_UPLOAD)
            db.rows("UPDATE dte_outbox SET xml = 'no es un DTE'::bytea WHERE folio IN (1, 2) RETURNING folio")
            async with sii_client(url) as client:
                standin.inject_garbage("html", path=ep.QUERY_EST_DTE)  # and factura 3's one answer is garbage
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1) == 0
                assert await forwarder.poll(pool, 1, SECRET, client, now=t1 + forwarder.UNKNOWN_GRACE) == 0

        db.run(work)
    outbox = _outbox(db)
    assert [(f, s) for _, f, s, *_ in outbox] == [(1, "sent"), (2, "sent"), (3, "accepted")]
    for row in outbox[:2]:
        assert "no se pudo leer el documento guardado" in row[5] and "revíselo en www.sii.cl" in row[4]
    assert standin.requests.count("POST " + ep.QUERY_EST_DTE) == 1  # factura 3, once garbage, then its verdict
