"""Upload and status against the stand-in (uvicorn) with the real PostgreSQL: boletas through the REST API,
facturas through DTEUpload and getEstUp/getEstDte, the RVD (ConsumoFolios) through DTEUpload. Every document ends
accepted, accepted with reparos or rejected with the SII's reason (an injected rejection, totals that do not add
up)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg_pool

from shared.dte import rvd as rvd_doc
from shared.dte import schema, signature
from syncserver import sii_standin
from syncserver.dte import certs, folios, pipeline
from syncserver.sii import forwarder, scheduler, worker
from syncserver.sii.ws import endpoints as ep
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, TODAY, Db, Till, boleta_sale, migrated, sample_caf
from tests.syncserver.dte.sii_kit import (
    PFX_PASSWORD,
    execute,
    factura,
    holder_pfx,
    holder_signer,
    put_signed,
    sii_client,
    standin_url,
)

RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)


async def _tenant(pool: psycopg_pool.AsyncConnectionPool, pfx: bytes) -> None:
    await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)


def _outbox(db: Db) -> list[tuple[Any, ...]]:
    return db.rows("SELECT tipo, folio, state, sii_estado, sii_glosa, last_error, track_id FROM dte_outbox"
                   " ORDER BY tipo, folio")


def test_boletas_go_through_the_rest_api_with_reasons_per_document(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    standin.reject(39, 2, "Giro del emisor no autorizado")
    standin.object(39, 3, "Dirección del emisor incompleta")
    pfx = holder_pfx()

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> worker.PassResult:
            till = await Till.enroll(pool, 1)
            await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
            await _tenant(pool, pfx)
            for folio in (1, 2, 3):
                till.record(boleta_sale(folio))
            await till.push(pool)
            resolution = await scheduler.emisor_resolution(pool, 1)
            async with sii_client(url) as client:
                await client.token(await forwarder.account(pool, 1, SECRET), "boleta")
                del standin.tokens[next(iter(standin.tokens))]  # the SII forgot that session: HTTP 401
                return await worker.run_once(pool, 1, SECRET, client, resolution)

        result = db.run(work)
    assert result == worker.PassResult(signed=3, not_signed=0, packed=3, sent=1, verdicts=1)
    assert standin.requests.count("POST " + ep.BOLETA_ENVIO) == 2 and "POST " + ep.DTE_UPLOAD not in standin.requests
    assert standin.requests.count("POST " + ep.BOLETA_TOKEN) == 2  # refused with 401, renewed once
    [(kind, state, estado, track, xml)] = db.rows("SELECT kind, state, sii_estado, track_id, xml FROM dte_envelopes")
    assert (kind, state, estado) == ("EnvioBOLETA", "done", "EPR") and standin.bodies == [bytes(xml)]
    outbox = _outbox(db)
    assert [(f, s, e) for _, f, s, e, *_ in outbox] == [(1, "accepted", "EPR"), (2, "rejected", "RCH"),
                                                       (3, "accepted_objections", "RPR")]
    assert all(row[6] == track for row in outbox)
    assert "Giro del emisor no autorizado" in outbox[1][5] and "Giro del emisor" in outbox[1][4]
    assert outbox[2][4] == "DTE Aceptado con Reparos; Dirección del emisor incompleta" and outbox[2][5] is None


def test_facturas_go_through_dteupload_and_a_bad_total_is_rejected(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn(pending_polls=1, token_ttl=timedelta(minutes=5))
    standin.register_caf(sample_caf(33))
    standin.object(33, 2, "Comuna del receptor no corresponde")
    pfx = holder_pfx()
    signer = signature.load_pfx(pfx, PFX_PASSWORD)
    put_signed(db.admin_url, 1, 33, 1, factura(1, signer))
    put_signed(db.admin_url, 1, 33, 2, factura(2, signer, amount=23800))
    put_signed(db.admin_url, 1, 33, 3, factura(3, signer, extra_iva=7))  # IVA and MntTotal 7 pesos too high
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    standin.at(t0)

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[worker.PassResult, worker.PassResult]:
            await _tenant(pool, pfx)
            async with sii_client(url) as client:
                first = await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=t0)
                # the SII still processes it; ten minutes later the token has expired too
                t1 = t0 + timedelta(minutes=10)
                standin.at(t1)
                second = await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=t1)
            return first, second

        first, second = db.run(work)
    assert (first.packed, first.sent, first.verdicts) == (3, 1, 0)
    assert (second.sent, second.verdicts) == (0, 1)
    [(kind, state, estado, glosa, xml)] = db.rows("SELECT kind, state, sii_estado, sii_glosa, xml FROM dte_envelopes")
    assert (kind, state, estado) == ("EnvioDTE", "done", "EPR")
    assert "tipo 33: 3 informados, 1 aceptados, 1 rechazados, 1 con reparos" in glosa
    schema.validate(bytes(xml), pipeline.XSD_DIR)
    assert standin.requests.count("POST " + ep.GET_TOKEN) == 2  # renewed once after the SII let it expire
    assert standin.requests.count("POST " + ep.QUERY_EST_DTE) == 3  # the type was mixed: asked per document
    outbox = _outbox(db)
    assert [(f, s, e) for _, f, s, e, *_ in outbox] == [(1, "accepted", "DOK"), (2, "accepted_objections", "DOK"),
                                                       (3, "rejected", "FAU")]
    assert "Comuna del receptor no corresponde" in outbox[1][4]
    assert "totales inconsistentes" in outbox[2][5] and "IVA" in outbox[2][5]


def test_an_envio_dte_rejected_by_the_sii_rejects_its_documents(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(33))
    pfx = holder_pfx()
    other = holder_signer("11111111-1")  # the documents were signed by someone else's certificate: still valid
    put_signed(db.admin_url, 1, 33, 4, factura(4, other))

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await _tenant(pool, pfx)
            await forwarder.pack(pool, 1, SECRET, RESOLUTION)
            # the envelope is altered after it was stored: the SII finds the signature broken
            execute(db.admin_url, "UPDATE dte_envelopes SET xml = overlay(xml placing 'X'::bytea from"
                                  " position('Venta al por menor'::bytea in xml) for 1)")
            async with sii_client(url) as client:
                assert await forwarder.send(pool, 1, SECRET, client) == 1
                assert await forwarder.poll(pool, 1, SECRET, client) == 1

        db.run(work)
    [(state, estado)] = db.rows("SELECT state, sii_estado FROM dte_envelopes")
    assert (state, estado) == ("done", "RFR")
    [(_, _, doc_state, doc_estado, _, reason, _)] = _outbox(db)
    assert (doc_state, doc_estado) == ("rejected", "RFR") and "firma" in reason


def test_the_rvd_goes_through_dteupload(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    pfx = holder_pfx()
    signer = signature.load_pfx(pfx, PFX_PASSWORD)
    day = date(2026, 11, 21)
    resumenes = rvd_doc.resumir([rvd_doc.DocumentoDia(39, 1, 1672, 318, 0, 1990),
                                 rvd_doc.DocumentoDia(39, 2, 1672, 318, 0, 1990)])
    caratula = rvd_doc.CaratulaRvd(rut_emisor="76235291-5", rut_envia="12345678-5",
                                   fecha_resolucion=date(2026, 1, 1), numero_resolucion=0, dia=day)
    data = rvd_doc.build_rvd(caratula, resumenes, signer, datetime(2026, 11, 22, 1, 0, 0))
    execute(db.admin_url, "INSERT INTO dte_envelopes (tenant_id, kind, xml) VALUES (1, 'ConsumoFolios', %s)", data)

    start = datetime.now(UTC)
    standin.at(start)

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            await _tenant(pool, pfx)
            async with sii_client(url) as client:
                await client.token(await forwarder.account(pool, 1, SECRET))
                standin.at(start + standin.token_ttl + timedelta(minutes=1))  # the SII dropped the session
                assert await forwarder.send(pool, 1, SECRET, client) == 1  # STATUS 5, a new token, sent again
                assert await forwarder.poll(pool, 1, SECRET, client) == 1

        db.run(work)
    [(state, estado, track)] = db.rows("SELECT state, sii_estado, track_id FROM dte_envelopes")
    assert (state, estado) == ("done", "EPR") and track
    assert standin.envios[track].kind == "ConsumoFolios" and standin.bodies == [data]
    assert standin.requests.count("POST " + ep.GET_TOKEN) == 2 and standin.requests.count("POST " + ep.DTE_UPLOAD) == 2

