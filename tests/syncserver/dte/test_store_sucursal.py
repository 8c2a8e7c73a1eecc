"""A store's SII sucursal data (address, comuna, ciudad, código de sucursal), entered in HQ, is what the signed DTE
of that store's documents carries, and what its tills receive on the feed (kind ``store``); an encargado sees only
his stores' documents."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import httpx
import psycopg_pool
from lxml import etree
from starlette.types import ASGIApp

from syncserver import accounts, tenancy
from syncserver.dte import certs, folios, pipeline
from syncserver.store import change_feed
from tests.syncserver.dte.folio_kit import (
    EMISOR_DATA,
    SAMPLE_RUT,
    SAMPLES,
    SECRET,
    TODAY,
    Till,
    boleta_sale,
    hq_app,
    migrated,
    sample_caf,
)

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
NS = {"s": "http://www.sii.cl/SiiDte"}
AT = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def test_the_dte_of_a_store_carries_its_sucursal_and_its_tills_receive_it(pg_database: str,
                                                                           served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[list[dict[str, object]], dict[str, str]]:
        data = tenancy.check_store("Centro", "Av. Providencia 1234", "Providencia", "Santiago", "81234567")
        await tenancy.edit_store(pool, 1, "centro", data)
        await tenancy.create_store(pool, 1, "norte", "Norte")
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, (SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass", SECRET,
                          datetime(2026, 1, 1, tzinfo=UTC))
        till.record(boleta_sale(1))
        await till.push(pool)
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(1, 0)
        changes, _ = await change_feed.pull(pool, 1, "centro", 0, 1000)
        codes = {}
        for email, store in (("norte@donpepe.cl", "norte"), ("centro@donpepe.cl", "centro")):
            code = await accounts.invite(pool, 1, email=email, name=store, role="manager", stores=[store], by="x",
                                         at=AT)
            codes[email] = code
        return [c for c in changes if c["kind"] == "store"], codes

    stores, codes = db.run(work)
    assert stores[-1]["data"] == {"store_id": "centro", "name": "Centro", "direccion": "Av. Providencia 1234",
                                  "comuna": "Providencia", "ciudad": "Santiago", "sucursal_sii": 81234567,
                                  "active": True}
    (xml,), = db.rows("SELECT xml FROM dte_outbox WHERE folio = 1")
    emisor = etree.fromstring(bytes(xml)).find(".//s:Encabezado/s:Emisor", NS)
    assert emisor is not None
    assert emisor.findtext("s:DirOrigen", namespaces=NS) == "Av. Providencia 1234"
    assert emisor.findtext("s:CmnaOrigen", namespaces=NS) == "Providencia"
    assert emisor.findtext("s:CiudadOrigen", namespaces=NS) == "Santiago"
    assert emisor.findtext("s:CdgSIISucur", namespaces=NS) == "81234567"
    assert EMISOR_DATA["direccion"] not in bytes(xml).decode("iso-8859-1")

    app = hq_app(db)

    async def scenario() -> None:
        for email, sees in (("norte@donpepe.cl", False), ("centro@donpepe.cl", True)):
            async with served(app) as client:
                page = await client.get(f"/hq/invitacion?codigo={codes[email]}")
                token = page.text.split('name="csrf" value="')[1].split('"')[0]
                done = await client.post("/hq/invitacion", data={"csrf": token, "codigo": codes[email],
                                                                 "clave": "clave-segura-9", "clave2": "clave-segura-9"})
                assert done.status_code == 303
                listed = await client.get("/hq/documentos")
                assert listed.status_code == 200 and ("No hay documentos" not in listed.text) is sees
                pdf = await client.get("/hq/documentos/39/1.pdf")
                assert pdf.status_code == (200 if sees else 404)

    asyncio.run(scenario())
