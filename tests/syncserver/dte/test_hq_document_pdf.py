"""HQ hands out each signed document as the PDF the customer receives: the timbre on it scans back to the TED the
till stamped, the cedible copy says so, and a document of another tenant or not yet signed is not served."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import psycopg_pool
import zxingcpp
from PIL import Image
from starlette.types import ASGIApp

from syncserver.dte import emisor, pipeline
from tests.syncserver.dte.dte_kit import CUSTOMER, sale, setup_tenant
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, Till, hq_app, hq_login, migrated

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def _page_png(pdf: bytes, tmp_path: Path) -> Path:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(tmp_path / "doc.pdf"),
                    str(tmp_path / "page")], check=True)
    return tmp_path / "page.png"


def test_hq_serves_the_pdf_of_a_signed_factura(pg_database: str, served: Served, tmp_path: Path) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    factura = sale([("Caja Coca-Cola 1,5 L x6", 11400, "2", False)], 1, tipo=33, customer=CUSTOMER)
    boleta = sale([("Pan Batido", 1990, "1", False)], 1)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33, 39))
        till.record(factura)
        till.record(boleta)
        await till.push(pool)
        await pipeline.sign_pending(pool, 1, SECRET, limit=1)  # the factura (33) signed, the boleta still issued
        await emisor.store(pool, 1, {"unidad_sii": "SANTIAGO ORIENTE"})

    db.run(work)
    app = hq_app(db)
    results: dict[str, httpx.Response] = {}

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            listing = await client.get("/hq/documentos")
            assert '/documentos/33/1.pdf' in listing.text
            results["pdf"] = await client.get("/hq/documentos/33/1.pdf")
            results["cedible"] = await client.get("/hq/documentos/33/1.pdf?cedible=1")
            results["unsigned"] = await client.get("/hq/documentos/39/1.pdf")
            results["unknown"] = await client.get("/hq/documentos/33/999.pdf")

    asyncio.run(scenario())
    pdf = results["pdf"]
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    decoded = zxingcpp.read_barcodes(Image.open(_page_png(pdf.content, tmp_path)))
    assert [b.text for b in decoded if b.format == zxingcpp.BarcodeFormat.PDF417] == [factura.document.ted]
    text = subprocess.run(["pdftotext", "-", "-"], input=results["cedible"].content, capture_output=True,
                          check=True).stdout.decode()
    assert "CEDIBLE" in text and "FACTURA ELECTR" in text and "S.I.I. - SANTIAGO ORIENTE" in text
    assert results["unsigned"].status_code == 409 and "aún no firmado" in results["unsigned"].text
    assert results["unknown"].status_code == 404
