"""The company's digital certificate is uploaded in HQ (Emisor page): checked with its password, stored encrypted,
shown by holder and expiry only (never the key), flagged when it expires soon, and refused clearly when it is
unreadable, has the wrong password or has expired. The server then signs with it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
from starlette.types import ASGIApp

from syncserver.dte import certs
from syncserver.sii import standin_caf
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, csrf_token, hq_app, hq_login, migrated

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
SECRET = "test-secret"  # hq_app's server secret


def test_the_owner_uploads_the_certificate_in_hq(pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    good = standin_caf.demo_certificate("13.185.095-6", "clave-firma", holder="Pepe Pérez", days=20)
    app = hq_app(db)
    pages: dict[str, httpx.Response] = {}

    def upload(client: httpx.AsyncClient, token: str, data: bytes, password: str) -> object:
        return client.post("/hq/emisor/certificado", data={"csrf": token, "clave": password},
                           files={"pfx": ("firma.pfx", data, "application/x-pkcs12")})

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            first = await client.get("/hq/emisor")
            pages["none"] = first
            token = csrf_token(first.text)
            pages["no csrf"] = await client.post("/hq/emisor/certificado", data={"clave": "x"},
                                                 files={"pfx": ("firma.pfx", good, "application/x-pkcs12")})
            pages["garbage"] = await upload(client, token, b"not a pfx", "clave-firma")  # type: ignore[misc]
            pages["wrong"] = await upload(client, token, good, "otra-clave")  # type: ignore[misc]
            pages["done"] = await upload(client, token, good, "clave-firma")  # type: ignore[misc]
            pages["after"] = await client.get(pages["done"].headers["location"])

    asyncio.run(scenario())
    assert "aún no tiene certificado" in pages["none"].text
    assert pages["no csrf"].status_code == 403
    assert pages["garbage"].status_code == 422 and "No se guardó el certificado" in pages["garbage"].text
    assert pages["wrong"].status_code == 422 and "No se guardó el certificado" in pages["wrong"].text
    assert pages["done"].status_code == 303
    after = pages["after"].text
    assert "Certificado digital guardado" in after and "Pepe Pérez" in after and "13.185.095-6" in after
    assert "Vence pronto" in after  # 20 days left
    assert "BEGIN" not in after and "PRIVATE" not in after
    stored = db.rows("SELECT tenant_id, pfx_encrypted FROM tenant_certificates")
    assert [t for t, _ in stored] == [1] and good not in bytes(stored[0][1])  # encrypted at rest, tenant 1 only
    signer = db.run(lambda pool: certs.load_signer(pool, 1, SECRET))
    assert signer.rut == "13185095-6"
