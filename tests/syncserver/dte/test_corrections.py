"""Correcting a document the SII rejected: a nota de crédito 61 that annuls it (CodRef 1), stamped at the server
with a folio of the server's own 61 lease (disjoint from the terminals'), signed and schema-valid like any other;
never twice; refused clearly without 61 folios. In HQ: confirmed with the user's password, and a tenant can neither
see nor correct another's documents."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import httpx
import psycopg_pool
import pytest
from lxml import etree
from starlette.types import ASGIApp

from shared.dte import schema, signature, ted
from syncserver import backups
from syncserver.dte import corrections, folio_hold, pipeline
from tests.syncserver.dte.dte_kit import DAY, caf, return_of, sale, setup_tenant, xmlsec1
from tests.syncserver.dte.folio_kit import HQ_PASSWORD, SAMPLE_RUT, SECRET, Till, csrf_token, hq_app, hq_login, migrated

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
NS = {"s": "http://www.sii.cl/SiiDte"}
NEXT_DAY = datetime(2025, 5, 3, 9, 30, 0)
REASON = "RECHAZO- DTE Sin Comuna Origen"


def _pushed(db: Any, *, nc_lease: int = 5, tipos: tuple[int, ...] = (39, 61)) -> tuple[list[Any], Till]:
    """Tenant 1's till with two boletas pushed and signed; boleta 1 then rejected by the SII."""
    boletas = [sale([("Leche Entera 1 L", 1150, "2", False), ("Carga Bip!", 2000, "1", True)], 1),
               sale([("Pan Batido", 1990, "1", False)], 2)]

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> Till:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=tipos, lease_size=nc_lease)
        for event in boletas:
            till.record(event)
        await till.push(pool)
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(2, 0)
        return till

    till = db.run(work)
    _reject(db, 39, 1)
    return boletas, till


def _reject(db: Any, tipo: int, folio: int) -> None:
    """What the forwarder records when the SII rejects a document."""
    db.rows("UPDATE dte_outbox SET state = 'rejected', track_id = '4711', last_error = %s WHERE tipo = %s"
            " AND folio = %s RETURNING folio", REASON, tipo, folio)


def test_a_rejected_boleta_is_annulled_by_a_server_nota_de_credito_once(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    boletas, _ = _pushed(db)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[corrections.Corrected, list[str]]:
        done = await corrections.correct_rejected(pool, 1, 39, 1, by="pepe@donpepe.cl", now=NEXT_DAY)
        refusals = []
        for tipo, folio in ((39, 1), (39, 2), (39, 99)):
            with pytest.raises(corrections.CorrectionError) as caught:
                await corrections.correct_rejected(pool, 1, tipo, folio, by="pepe@donpepe.cl", now=NEXT_DAY)
            refusals.append(f"{caught.value.code}: {caught.value}")
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(1, 0)
        return done, refusals

    done, refusals = db.run(work)
    assert done == corrections.Corrected(folio=6, original_tipo=39, original_folio=1, total=boletas[0].total)
    assert refusals[0] == "refused: este documento ya fue corregido con la nota de crédito N° 6"
    assert refusals[1].startswith("refused: solo se corrige") and refusals[2].startswith("not_found:")
    # the server's folio comes from its own lease (terminal 'hq', epoch 0), after the till's 1-5, never published
    leases = db.rows("SELECT terminal_id, epoch, desde, hasta, issued FROM folio_leases WHERE tipo = 61 ORDER BY desde")
    assert leases[1:] == [("hq", 0, 6, 15, 1)] and leases[0][2:4] == (1, 5)
    feed = db.rows("SELECT data->>'terminal_id' FROM changes WHERE kind = 'folio_lease' AND (data->>'tipo')::int = 61")
    assert ("hq",) not in feed
    [(state, data)] = db.rows("SELECT state, xml FROM dte_outbox WHERE tipo = 61")
    assert state == "signed"
    xml = bytes(data)
    schema.validate(xml, pipeline.XSD_DIR)
    assert all(c.valid for c in signature.verify_all(xml)) and xmlsec1(xml)
    root = etree.fromstring(xml)
    assert root.findtext(".//s:IdDoc/s:Folio", namespaces=NS) == "6"
    assert root.findtext(".//s:IdDoc/s:FchEmis", namespaces=NS) == "2025-05-03"
    assert [root.findtext(f".//s:Referencia/s:{k}", namespaces=NS) for k in ("TpoDocRef", "FolioRef", "FchRef",
                                                                             "CodRef", "RazonRef")] \
        == ["39", "1", DAY.isoformat(), "1", corrections.DEFAULT_REASON]
    assert root.findtext(".//s:Receptor/s:RUTRecep", namespaces=NS) == "66666666-6"
    assert root.findtext(".//s:Totales/s:MntTotal", namespaces=NS) == "4300"
    assert root.findtext(".//s:Totales/s:MntExe", namespaces=NS) == "2000"
    stamp = ted.verify_ted(root.find(".//s:TED", NS), caf(61).public_key)
    assert (stamp.tipo_dte, stamp.folio, stamp.monto_total) == (61, 6, 4300)


def test_correction_refused_without_61_folios_or_for_a_nota(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    boletas, till = _pushed(db, tipos=(39,))

    async def without_caf(pool: psycopg_pool.AsyncConnectionPool) -> str:
        with pytest.raises(corrections.CorrectionError) as caught:
            await corrections.correct_rejected(pool, 1, 39, 1, by="pepe", now=NEXT_DAY)
        return str(caught.value)

    assert "no quedan folios de nota de crédito (tipo 61)" in db.run(without_caf)

    async def all_leased(pool: psycopg_pool.AsyncConnectionPool) -> str:
        await setup_tenant(pool, tipos=(61,), lease_size=20)  # the till takes every 61 folio
        till.record(return_of(boletas[1], 1))
        await till.push(pool)
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(1, 0)
        with pytest.raises(corrections.CorrectionError) as caught:
            await corrections.correct_rejected(pool, 1, 39, 1, by="pepe", now=NEXT_DAY)
        return str(caught.value)

    assert "no quedan folios de nota de crédito" in db.run(all_leased)
    # the master restored from a dump: leasing is held until the till reports; the nota says so, not «importe un CAF»
    assert backups.hold_folios(db.admin_url, NEXT_DAY) == 1

    async def held(pool: psycopg_pool.AsyncConnectionPool) -> str:
        with pytest.raises(corrections.CorrectionError) as caught:
            await corrections.correct_rejected(pool, 1, 39, 1, by="pepe", now=NEXT_DAY)
        return str(caught.value)

    said = db.run(held)
    assert "retenidos tras restaurar el servidor" in said and "Falta: Caja" in said, said  # the caja to connect
    assert "folios-liberar" in said and "No hace falta cargar otro CAF" in said and "no quedan folios" not in said
    db.run(lambda pool: folio_hold.release(pool, 1))
    assert "no quedan folios de nota de crédito" in db.run(held)  # released: the CAF's folios are all leased
    _reject(db, 61, 1)

    async def a_nota(pool: psycopg_pool.AsyncConnectionPool) -> str:
        with pytest.raises(corrections.CorrectionError) as caught:
            await corrections.correct_rejected(pool, 1, 61, 1, by="pepe", now=NEXT_DAY)
        return str(caught.value)

    assert "nota de débito" in db.run(a_nota)
    assert db.rows("SELECT count(*) FROM dte_corrections") == [(0,)]
    assert db.rows("SELECT count(*) FROM folio_leases WHERE terminal_id = 'hq'") == [(0,)]


def test_during_the_folio_hold_after_a_restore_the_refusal_says_the_hold(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    _pushed(db)
    backups.hold_folios(db.admin_url, NEXT_DAY)  # as a restore of the master does

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[str, corrections.Corrected]:
        with pytest.raises(corrections.CorrectionError) as caught:
            await corrections.correct_rejected(pool, 1, 39, 1, by="pepe", now=NEXT_DAY)
        await folio_hold.release(pool, 1)
        return str(caught.value), await corrections.correct_rejected(pool, 1, 39, 1, by="pepe", now=NEXT_DAY)

    refusal, done = db.run(work)
    assert "retenidos" in refusal and "folios-liberar" in refusal and "importe un CAF" not in refusal
    assert done.folio > 5  # after the hold, a new range past the till's


async def _login(client: httpx.AsyncClient, email: str, password: str) -> None:
    page = await client.get("/hq/login")
    done = await client.post("/hq/login", data={"csrf": csrf_token(page.text), "email": email, "password": password})
    assert done.status_code == 303, done.text


def test_hq_corrects_a_rejected_document_with_confirmation_and_per_tenant(pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    _pushed(db)
    app = hq_app(db)

    async def other_login(pool: psycopg_pool.AsyncConnectionPool) -> None:
        from syncserver.hq import auth

        await auth.create_login(pool, 2, "otra@empresa.cl", "Otra", "otra-clave-1", app.state.hq_hasher)

    db.run(other_login)
    # HQ stamps "now": make the sample 61 CAF (authorised 2025-04-11, 180 days) current, as a fresh one would be
    db.rows("UPDATE cafs SET fecha_autorizacion = current_date WHERE tipo = 61 RETURNING tipo")
    form_url = "/hq/documentos/39/1/corregir"

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            listing = await client.get("/hq/documentos?estado=rejected")
            assert "Corregir con nota de crédito" in listing.text and REASON in listing.text
            assert "Motivo del SII" in listing.text and listing.text.count("<tr>") == 2
            confirm = await client.get(form_url)
            assert confirm.status_code == 200 and "Emitir nota de crédito" in confirm.text
            token = csrf_token(confirm.text)
            assert (await client.post(form_url, data={"password": HQ_PASSWORD})).status_code == 403
            wrong = await client.post(form_url, data={"csrf": token, "password": "no-es", "motivo": "Comuna"})
            assert wrong.status_code == 403 and "Contraseña incorrecta" in wrong.text
            assert db.rows("SELECT count(*) FROM dte_corrections") == [(0,)]
            done = await client.post(form_url, data={"csrf": token, "password": HQ_PASSWORD,
                                                     "motivo": "Faltaba la comuna de origen"})
            assert done.status_code == 303 and done.headers["location"] == "/hq/documentos?corregido=61:6:39:1"
            after = await client.get(done.headers["location"])
            assert "Nota de crédito N° 6 emitida: anula Boleta N° 1" in after.text
            assert "Anulado con nota de crédito N° 6" in after.text and "Emitido en HQ" in after.text
            assert "Anula Boleta N° 1" in after.text
            again = await client.post(form_url, data={"csrf": token, "password": HQ_PASSWORD})
            assert again.status_code == 409 and "ya fue corregido" in again.text
            notas = await client.get("/hq/documentos?tipo=61")
            assert notas.text.count("<tr>") == 2 and "Nota de crédito (61)" in notas.text
            assert (await client.get("/hq/documentos?tipo=99")).status_code == 400
            # another tenant sees nothing of it and cannot correct it
            await client.post("/hq/salir", data={"csrf": token})
            await _login(client, "otra@empresa.cl", "otra-clave-1")
            theirs = await client.get("/hq/documentos")
            assert "No hay documentos" in theirs.text and "4711" not in theirs.text
            assert (await client.get(form_url)).status_code == 404
            own = csrf_token(theirs.text)
            refused = await client.post(form_url, data={"csrf": own, "password": "otra-clave-1"})
            assert refused.status_code == 404

    asyncio.run(scenario())
    assert db.rows("SELECT tipo, folio, original_tipo, original_folio, reason, created_by FROM dte_corrections") \
        == [(61, 6, 39, 1, "Faltaba la comuna de origen", "pepe@donpepe.cl")]
