"""Notas de débito issued in HQ: a 56 on a factura (interest, freight, a price corrected upwards), stamped with a
folio of the server's own 56 lease (never leased to a till), signed, schema-valid, verified by xmlsec1, sent to the
stand-in and accepted; a 61 that annuls one (CodRef 1, its lines and totals), once; the libro de ventas adds the 56
and takes the 61 off; what cannot be charged is refused in Spanish and changes nothing."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest
from lxml import etree
from starlette.types import ASGIApp

from shared import accounting, books, fiado
from shared.dte import documents, schema, signature, ted
from shared.dte import xml as dte_xml
from shared.events import envelope, sales
from shared.events import fiado as fiado_events
from syncserver import sii_standin
from syncserver.dte import certs, corrections, folios, notes, pipeline
from syncserver.ingest import journal as ingest_journal
from syncserver.ingest import rebuild
from syncserver.sii import forwarder, ws
from syncserver.store import books as books_store
from syncserver.store import db as db_mod
from syncserver.store import general_journal
from tests.syncserver.dte import sii_kit
from tests.syncserver.dte.dte_kit import CUSTOMER, DAY, STAMPED, caf, sale, xmlsec1
from tests.syncserver.dte.folio_kit import CODEC, SAMPLE_RUT, SECRET, Db, Till, hq_app, hq_login, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, holder_pfx, standin_url

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
NS = {"s": "http://www.sii.cl/SiiDte"}
NEXT_DAY = datetime(2025, 5, 3, 9, 30, 0)
RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)
BY = "pepe@donpepe.cl"


def _refs(xml: bytes) -> list[str | None]:
    root = etree.fromstring(xml)
    return [root.findtext(f".//s:Referencia/s:{k}", namespaces=NS) for k in ("TpoDocRef", "FolioRef", "FchRef",
                                                                             "CodRef", "RazonRef")]


def test_notas_de_debito_on_a_factura_and_the_annulment_of_one_reach_the_sii_and_the_books(
        pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    factura = sale([("Cajón de tomates", 11900, "1", False), ("Carga Bip!", 2000, "1", True)], 1, tipo=33,
                   customer=CUSTOMER)
    standin = sii_standin.StandIn()
    for tipo in (33, 56, 61):
        standin.register_caf(sample_caf(tipo))
    cargos = [notes.Cargo("intereses", 2500), notes.Cargo("flete", 8000, "Flete Los Andes - Rancagua")]
    seen: dict[str, Any] = {}

    async def issue(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        for tipo in (33, 56, 61):
            await folios.import_caf(pool, 1, sample_caf(tipo), today=DAY, lease_size=5, low_water=1)
        await certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, SECRET)
        till.record(factura)
        await till.push(pool)
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(1, 0)
        seen["first"] = await notes.issue_debit(pool, 1, 33, 1, cargos, by=BY, now=NEXT_DAY)
        seen["second"] = await notes.issue_debit(pool, 1, 33, 1, [notes.Cargo("precio", 1190)], by=BY,
                                                 montos_brutos=True, reason="Precio del cajón mal digitado",
                                                 now=NEXT_DAY)
        seen["annul"] = await notes.annul_debit(pool, 1, 2, by=BY, reason="Se cobró de más", now=NEXT_DAY)
        refusals = []
        for call in (notes.annul_debit(pool, 1, 2, by=BY, now=NEXT_DAY),
                     notes.annul_debit(pool, 1, 99, by=BY, now=NEXT_DAY),
                     notes.issue_debit(pool, 1, 33, 9, cargos, by=BY, now=NEXT_DAY),
                     notes.issue_debit(pool, 1, 33, 1, [notes.Cargo("flete", 0)], by=BY, now=NEXT_DAY),
                     notes.issue_debit(pool, 1, 33, 1, [notes.Cargo("propina", 500)], by=BY, now=NEXT_DAY),
                     corrections.correct_rejected(pool, 1, 56, 1, by=BY, now=NEXT_DAY)):
            with pytest.raises(corrections.CorrectionError) as caught:
                await call
            refusals.append(f"{caught.value.code}: {caught.value}")
        seen["refusals"] = refusals
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(3, 0)

    db.run(issue)
    assert seen["first"] == corrections.Corrected(1, 33, 1, 12495, 56)  # 10.500 net + 1.995 IVA
    assert seen["second"] == corrections.Corrected(2, 33, 1, 1190, 56)
    assert seen["annul"] == corrections.Corrected(6, 56, 2, 1190, 61)  # after the till's 61 lease 1-5
    assert seen["refusals"] == [
        "refused: esta nota de débito ya fue anulada con la nota de crédito N° 6",
        "not_found: la nota de débito N° 99 no existe en su empresa",
        "not_found: el documento tipo 33 N° 9 no existe en su empresa",
        "refused: cargo 1: el monto debe ser un número de pesos entre 1 y 999.999.999",
        "refused: cargo 1: «propina» no es un concepto (precio, intereses, flete)",
        "refused: una nota de débito emitida en HQ se anula con «Anular con nota de crédito», rechazada o no"]
    # 56 folios come only from the server's own lease: the till was never given one
    assert db.rows("SELECT terminal_id, desde, hasta, issued FROM folio_leases WHERE tipo = 56") == [("hq", 1, 10, 2)]
    assert db.rows("SELECT tipo, folio, original_tipo, original_folio, codref, reason FROM dte_corrections"
                   " ORDER BY tipo, folio") == [
        (56, 1, 33, 1, 3, "Cobro de intereses y flete"), (56, 2, 33, 1, 3, "Precio del cajón mal digitado"),
        (61, 6, 56, 2, 1, "Se cobró de más")]
    signed = dict(((t, f), bytes(x)) for t, f, x in db.rows("SELECT tipo, folio, xml FROM dte_outbox"))
    pfx = (holder_pfx(), PFX_PASSWORD)
    for key in ((56, 1), (56, 2), (61, 6)):
        schema.validate(signed[key], pipeline.XSD_DIR)
        assert all(c.valid for c in signature.verify_all(signed[key])) and xmlsec1(signed[key], pfx=pfx), key
    assert _refs(signed[56, 1]) == ["33", "1", DAY.isoformat(), "3", "Cobro de intereses y flete"]
    assert _refs(signed[61, 6]) == ["56", "2", NEXT_DAY.date().isoformat(), "1", "Se cobró de más"]
    first = etree.fromstring(signed[56, 1])
    assert [x.text for x in first.findall(".//s:Detalle/s:NmbItem", NS)] == ["Intereses por mora",
                                                                             "Flete Los Andes - Rancagua"]
    assert first.findtext(".//s:Receptor/s:RUTRecep", namespaces=NS) == "77447842-6"
    assert [first.findtext(f".//s:Totales/s:{k}", namespaces=NS) for k in ("MntNeto", "IVA", "MntTotal")] == \
        ["10500", "1995", "12495"]
    stamp = ted.verify_ted(first.find(".//s:TED", NS), caf(56).public_key)
    assert (stamp.tipo_dte, stamp.folio, stamp.monto_total, stamp.fecha_emision) == (56, 1, 12495, "2025-05-03")
    annul = etree.fromstring(signed[61, 6])
    assert annul.findtext(".//s:IdDoc/s:MntBruto", namespaces=NS) == "1"
    assert [annul.findtext(f".//s:Totales/s:{k}", namespaces=NS) for k in ("MntNeto", "IVA", "MntTotal")] == \
        ["1000", "190", "1190"]

    t0 = datetime.now(UTC) + timedelta(seconds=10)  # rows become due at their insertion time
    with standin_url(serve_in_thread, standin) as url:
        async def send(pool: psycopg_pool.AsyncConnectionPool) -> None:
            async with httpx.AsyncClient(timeout=10) as http:
                client = ws.SiiClient(http, ws.endpoints.endpoints("standin", url))
                assert await forwarder.pack(pool, 1, SECRET, RESOLUTION, now=t0) == 4
                assert await forwarder.send(pool, 1, SECRET, client, now=t0) == 1
                assert await forwarder.poll(pool, 1, SECRET, client, now=t0) == 1

        db.run(send)
    assert db.rows("SELECT tipo, folio, state FROM dte_outbox ORDER BY tipo, folio") == [
        (33, 1, "accepted"), (56, 1, "accepted"), (56, 2, "accepted"), (61, 6, "accepted")]
    assert sorted(standin.documents) == [(SAMPLE_RUT.replace(".", ""), t, f) for t, f in
                                         ((33, 1), (56, 1), (56, 2), (61, 6))]

    async def book(pool: psycopg_pool.AsyncConnectionPool) -> tuple[Any, ...]:
        async with db_mod.tenant_tx(pool, 1) as conn:
            return await books_store.sales_book(conn, 1, date(2025, 5, 1)), \
                await books_store.iva_summary(conn, 1, date(2025, 5, 1))

    rows, summary = db.run(book)
    assert [(r.tipo, r.folio, r.sign, r.neto, r.iva, r.exento, r.total, r.ref_tipo, r.ref_folio) for r in rows] == [
        (33, 1, 1, factura.neto, factura.iva, 2000, factura.total, None, None),
        (56, 1, 1, 10500, 1995, 0, 12495, 33, 1), (56, 2, 1, 1000, 190, 0, 1190, 33, 1),
        (61, 6, -1, 1000, 190, 0, 1190, 56, 2)]
    assert books.TIPO_NAMES[56] == "Nota de débito electrónica"
    assert summary.debito == factura.iva + 1995


def test_the_stand_in_rejects_a_nota_that_does_not_say_what_it_does_to_which_document() -> None:
    signer = sii_kit.holder_signer()
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(56))
    ref = documents.Referencia("33", "7", DAY, documents.CodRef.CORRIGE_MONTOS, "Flete")
    good = documents.nota_debito(folio=1, fecha_emision=DAY, emisor=sii_kit.EMISOR, receptor=sii_kit.RECEPTOR,
                                 referencia=ref, lineas=[documents.linea_cargo("Flete", 5000)])
    # what our builder refuses, put together by hand as another issuer might
    no_ref = replace(good, folio=2, referencias=())
    no_code = replace(good, folio=3, referencias=(replace(ref, codigo=None),))
    annuls_factura = replace(good, folio=4, referencias=(replace(ref, codigo=documents.CodRef.ANULA),))
    signed = [dte_xml.build_dte(d, ted.stamp(caf(56), d, STAMPED), signer, STAMPED)
              for d in (good, no_ref, no_code, annuls_factura)]
    caratula = dte_xml.Caratula(rut_emisor="76235291-5", rut_envia=sii_kit.HOLDER_RUT,
                                fecha_resolucion=date(2025, 1, 1), numero_resolucion=0)
    envio, _ = standin.upload(dte_xml.build_envelope(signed, caratula, signer, STAMPED), via="dte",
                              sender=sii_kit.HOLDER_RUT, company="76235291-5")
    assert [(v.folio, v.estado, v.reason) for v in envio.documents] == [
        (1, "ACEPTADO", ""),
        (2, "RECHAZADO", "la nota (tipo 56) no referencia con CodRef el documento que modifica"),
        (3, "RECHAZADO", "la nota (tipo 56) no referencia con CodRef el documento que modifica"),
        (4, "RECHAZADO", "una nota de débito solo anula (CodRef 1) una nota de crédito")]


def _record_at(till: Till, event: Any, occurred_at: str) -> None:
    """Journal ``event`` at the till as :meth:`Till.record` does, at ``occurred_at`` (the journal's time)."""
    type_, version, payload = CODEC.encode(event)
    prev = till.journal[-1].hash if till.journal else envelope.GENESIS_HASH
    till.journal.append(envelope.seal(
        event_id=str(uuid.uuid4()), tenant_id=till.tenant_id, store_id=till.store_id, terminal_id=till.terminal_id,
        epoch=till.epoch, seq=len(till.journal) + 1, occurred_at=occurred_at, type=type_, version=version,
        payload=payload, prev_hash=prev))


def _journal_tables(db: Db) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted((tuple(r) for r in db.rows(f"SELECT * FROM {t} WHERE tenant_id = 1")), key=repr)
            for t in ingest_journal.TABLES}


def test_the_notas_hq_issues_are_booked_once_in_the_general_journal_when_issued(
        pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    on_credit = sale([("Cajón de tomates", 11900, "1", False), ("Carga Bip!", 2000, "1", True)], 1, tipo=33,
                     customer=CUSTOMER)
    on_credit = replace(on_credit, tenders=(sales.TenderTaken("fiado", on_credit.total, on_credit.total),),
                        rounding=0, customer_id="C-1",
                        fiado=fiado_events.FiadoCharge(on_credit.total, 0, 100_000))
    in_cash = sale([("Saco de papas 25 kg", 17850, "1", False)], 2, tipo=33, customer=CUSTOMER)
    issued: dict[str, Any] = {}

    async def issue(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        for tipo in (33, 56, 61):
            await folios.import_caf(pool, 1, sample_caf(tipo), today=DAY, lease_size=5, low_water=1)
        _record_at(till, on_credit, "2025-05-02T10:00:00-04:00")
        _record_at(till, in_cash, "2025-05-02T11:00:00-04:00")
        await till.push(pool)
        async with db_mod.tenant_tx(pool, 1) as conn:  # what the SII said of factura 1
            await conn.execute("UPDATE dte_outbox SET state = 'rejected' WHERE tenant_id = 1 AND tipo = 33"
                               " AND folio = 1")
        issued["61"] = await corrections.correct_rejected(pool, 1, 33, 1, by=BY, now=NEXT_DAY)
        issued["56"] = await notes.issue_debit(pool, 1, 33, 2, [notes.Cargo("intereses", 2500)], by=BY,
                                               now=NEXT_DAY)
        with pytest.raises(corrections.CorrectionError):  # refused: nothing is booked
            await notes.issue_debit(pool, 1, 33, 1, [notes.Cargo("flete", 900)], by=BY, now=NEXT_DAY)
        issued["anula"] = await notes.annul_debit(pool, 1, 1, by=BY, now=NEXT_DAY + timedelta(days=1))

    db.run(issue)
    assert (issued["61"].folio, issued["56"].folio, issued["anula"].folio) == (6, 1, 7)

    async def read(pool: psycopg_pool.AsyncConnectionPool) -> tuple[Any, bytes]:
        async with db_mod.tenant_tx(pool, 1) as conn:
            found = await general_journal.journal(conn, 1, date(2025, 5, 1), date(2025, 5, 31))
            csv = b"".join([c async for c in general_journal.csv_chunks(conn, 1, date(2025, 5, 1),
                                                                        date(2025, 5, 31))])
        return found, csv

    found, csv = db.run(read)
    rut = "77447842-6"  # the factura's buyer (CUSTOMER)
    booked = {(x.event_id, x.document, fiado.local_date(x.at), x.account, x.debit, x.credit, x.auxiliary)
              for x in found.lines if x.event_id.startswith("hq-")}
    # each nota once, dated its FchEmis, as the till books a return's nota: the 61 on the rejected credit sale takes
    # its whole total off the customer's account, the 56 charges the factura's buyer, the 61 that annuls it undoes it
    assert booked == {
        ("hq-61-6", "Nota de crédito N° 6", NEXT_DAY.date(), "4.1.01", on_credit.neto, 0, ""),
        ("hq-61-6", "Nota de crédito N° 6", NEXT_DAY.date(), "4.1.02", on_credit.exento, 0, ""),
        ("hq-61-6", "Nota de crédito N° 6", NEXT_DAY.date(), "2.1.02", on_credit.iva, 0, ""),
        ("hq-61-6", "Nota de crédito N° 6", NEXT_DAY.date(), "1.1.05", 0, on_credit.total, "cliente:C-1"),
        ("hq-56-1", "Nota de débito N° 1", NEXT_DAY.date(), "1.1.10", 2975, 0, rut),
        ("hq-56-1", "Nota de débito N° 1", NEXT_DAY.date(), "4.1.01", 0, 2500, ""),
        ("hq-56-1", "Nota de débito N° 1", NEXT_DAY.date(), "2.1.02", 0, 475, ""),
        ("hq-61-7", "Nota de crédito N° 7", NEXT_DAY.date() + timedelta(days=1), "1.1.10", 0, 2975, rut),
        ("hq-61-7", "Nota de crédito N° 7", NEXT_DAY.date() + timedelta(days=1), "4.1.01", 2500, 0, ""),
        ("hq-61-7", "Nota de crédito N° 7", NEXT_DAY.date() + timedelta(days=1), "2.1.02", 475, 0, "")}
    assert len([x for x in found.lines if x.event_id.startswith("hq-")]) == len(booked)
    # the month's trial balance is the two sales booked with the notas' amounts, folded here: the rejected credit
    # sale and its 61 cancel out, the 56 and its annulment too; only the cash factura remains in sales and IVA
    sums = {b.account.code: (b.debit, b.credit) for b in found.balances}
    assert found.debit == found.credit
    assert sums["4.1.01"][1] - sums["4.1.01"][0] == in_cash.neto
    assert sums["2.1.02"][1] - sums["2.1.02"][0] == in_cash.iva
    assert sums["1.1.05"] == (on_credit.total, on_credit.total)
    assert sums["1.1.10"] == (2975, 2975)
    assert accounting.trial_balance(found.lines) == found.balances
    assert (found.events, found.asientos) == (5, 5)
    text = csv.decode("utf-8-sig")
    assert "Nota de débito N° 1;Factura N° 2;Cobro de intereses" in text
    assert "1.1.10;Clientes por notas emitidas en HQ;" in text
    totals = text.strip().splitlines()[-1].split(";")
    assert totals[0] == "Totales" and totals[-2] == totals[-1] == str(found.debit)

    app = hq_app(db)

    async def page() -> str:
        async with served(app) as client:
            await hq_login(client)
            shown = await client.get("/hq/libros/diario?mes=2025-05")
            assert shown.status_code == 200
            return shown.text

    html = asyncio.run(page())
    assert "Nota de débito N° 1" in html and "Clientes por notas emitidas en HQ" in html

    # the rebuild books the notas again, and the migration's back-fill books the same as issuing did
    live = _journal_tables(db)
    assert len([r for r in live["journal_entries"] if r[3] == "hq"]) == 3
    db.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert _journal_tables(db) == live
    with psycopg.connect(db.admin_url) as conn:
        for table in ingest_journal.TABLES:
            conn.execute(f"DELETE FROM {table}")
        importlib.import_module("syncserver.migrations.versions.0029_general_journal")._backfill(conn)
        for statement in importlib.import_module("syncserver.migrations.versions.0038_journal_months").BACKFILL:
            conn.execute(statement)
        importlib.import_module("syncserver.migrations.versions.0041_hq_notas_journal").backfill(conn)
    assert _journal_tables(db) == live
