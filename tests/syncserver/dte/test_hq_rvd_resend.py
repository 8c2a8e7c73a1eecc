"""A day whose RVD the SII rejected can be sent again from HQ: built anew with the next SecEnvio (valid, signed),
never for a day still on its way or accepted, and only by the tenant that owns it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime

import httpx
import psycopg_pool
import pytest
from starlette.types import ASGIApp

from shared.dte import schema, signature
from syncserver.dte import folios, pipeline, rvd
from tests.syncserver.dte.dte_kit import sale, setup_tenant
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, Till, csrf_token, hq_app, hq_login, migrated

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
DAY = date(2025, 5, 2)
LATER = datetime(2025, 5, 3, 12, 0, 0, tzinfo=folios.CHILE)


def test_a_rejected_rvd_is_sent_again_from_hq(pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    boleta = sale([("Pan Batido", 1990, "1", False)], 1, when=datetime(2025, 5, 2, 10, 0, 0))

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> int:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(39,))
        till.record(boleta)
        await till.push(pool)
        await pipeline.sign_pending(pool, 1, SECRET)
        return await rvd.build_due(pool, 1, SECRET, now=LATER)

    assert db.run(work) == 1
    with pytest.raises(rvd.RvdResendError, match="no fue rechazado"):  # still on its way
        db.run(lambda pool: rvd.resend_rejected(pool, 1, SECRET, DAY, now=LATER))
    db.rows("UPDATE dte_envelopes SET state = 'done', sii_estado = 'RCT', sii_glosa = 'Error en Caratula'"
            " WHERE kind = 'ConsumoFolios' RETURNING envelope_id")
    app = hq_app(db)
    pages: dict[str, httpx.Response] = {}

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            page = await client.get("/hq/documentos/rvd")
            assert "Enviar de nuevo" in page.text and "Error en Caratula" in page.text
            token = csrf_token(page.text)
            assert (await client.post("/hq/documentos/rvd/2025-05-02/reenviar", data={})).status_code == 403
            pages["done"] = await client.post("/hq/documentos/rvd/2025-05-02/reenviar", data={"csrf": token})
            pages["after"] = await client.get(pages["done"].headers["location"])
            pages["again"] = await client.post("/hq/documentos/rvd/2025-05-02/reenviar", data={"csrf": token})
            pages["none"] = await client.post("/hq/documentos/rvd/2025-04-01/reenviar", data={"csrf": token})

    asyncio.run(scenario())
    assert pages["done"].status_code == 303
    assert "construido de nuevo" in pages["after"].text and "02-05-2025" in pages["after"].text
    assert pages["again"].status_code == 409 and "no fue rechazado" in pages["again"].text
    assert pages["none"].status_code == 409 and "no hay un RVD del 01-04-2025" in pages["none"].text
    rows = db.rows("SELECT r.sec_envio, e.state, e.xml FROM rvd_reports r JOIN dte_envelopes e ON"
                   " e.envelope_id = r.envelope_id ORDER BY r.sec_envio")
    assert [(sec, state) for sec, state, _ in rows] == [(1, "done"), (2, "built")]
    xml = bytes(rows[1][2])
    schema.validate(xml, pipeline.XSD_DIR)
    assert all(c.valid for c in signature.verify_all(xml))
    assert re.search(rb"<SecEnvio>2</SecEnvio>", xml)
