"""Outbox: a pushed boleta becomes ``issued``; the signer builds its DTE with the terminal's TED, signs it with the
tenant's certificate and validates it (``signed``); a document that does not build keeps ``issued`` with the
error and a backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import httpx
import psycopg_pool
from lxml import etree
from starlette.types import ASGIApp

from shared.dte import signature
from syncserver.dte import certs, folios, pipeline
from tests.syncserver.dte.folio_kit import (
    SAMPLE_RUT,
    SAMPLES,
    SECRET,
    TODAY,
    Till,
    boleta_sale,
    hq_app,
    hq_login,
    migrated,
    sample_caf,
)

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def test_pushed_boletas_are_signed_into_the_outbox(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[pipeline.SignResult, pipeline.SignResult]:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, (SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass", SECRET,
                          datetime(2026, 1, 1, tzinfo=UTC))
        till.record(boleta_sale(1))
        till.record(boleta_sale(2, tamper_total=True))
        await till.push(pool)
        first = await pipeline.sign_pending(pool, 1, SECRET)
        again = await pipeline.sign_pending(pool, 1, SECRET)  # the failed one waits for its backoff
        return first, again

    first, again = db.run(work)
    assert (first, again) == (pipeline.SignResult(1, 1), pipeline.SignResult(0, 0))
    rows = db.rows("SELECT folio, state, attempts, last_error, xml FROM dte_outbox ORDER BY folio")
    (f1, s1, a1, e1, xml1), (f2, s2, a2, e2, xml2) = rows
    assert (f1, s1, a1, e1) == (1, "signed", 0, None)
    assert (f2, s2, a2, xml2) == (2, "issued", 1, None) and e2
    checks = signature.verify_all(bytes(xml1))
    assert checks and all(c.valid for c in checks)
    root = etree.fromstring(bytes(xml1))
    ns = {"s": "http://www.sii.cl/SiiDte"}
    assert root.findtext(".//s:IdDoc/s:Folio", namespaces=ns) == "1"
    assert root.find(".//s:TED", namespaces=ns) is not None


def test_hq_documentos_shows_each_state(pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, (SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass", SECRET,
                          datetime(2026, 1, 1, tzinfo=UTC))
        till.record(boleta_sale(1))
        till.record(boleta_sale(2, tamper_total=True))
        await till.push(pool)
        await pipeline.sign_pending(pool, 1, SECRET)

    db.run(setup)
    app = hq_app(db)

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            page = await client.get("/hq/documentos")
            assert page.status_code == 200
            assert "Firmado" in page.text and "Emitido en caja" in page.text and "totales" in page.text
            only = await client.get("/hq/documentos?estado=signed")
            assert only.text.count("<tr>") == 2  # header + one document
            assert (await client.get("/hq/documentos?estado=nada")).status_code == 400

    asyncio.run(scenario())
