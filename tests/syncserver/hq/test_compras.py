"""HQ's Compras (``/hq/compras``): the suppliers' documents the stores registered, by month of emission and store,
with the IVA crédito fiscal (notas de crédito subtracting), each tenant seeing only its own; and the master's fold of
``purchase.received`` that feeds it (one row per supplier document, whichever till registered it and in whatever
order the registrations arrive)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg_pool
import pytest
from starlette.types import ASGIApp

from shared.events import envelope
from shared.events import purchases as ev
from syncserver.hq import purchases as hq_purchases
from syncserver.hq import web
from syncserver.ingest import projections
from syncserver.store import db
from tests.syncserver.hq.hq_support import PASSWORD, World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]

LIDER = ev.Supplier("96542180-7", "Distribuidora Líder Mayorista SpA", "Venta al por mayor de abarrotes")
COLUN = ev.Supplier("81094100-6", "Cooperativa Agrícola y Lechera de La Unión Ltda.", "Elaboración de lácteos")
HUEVOS = ev.Supplier("9876543-3", "Avícola Santa Rosa Ltda.", "Producción de huevos")
SECRET = ev.Supplier("77123456-9", "Proveedora Secreta Esquina Ltda.", "Comercio")


def text(html: str) -> str:
    """The visible words of a page, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def purchase(supplier: ev.Supplier, tipo: int, folio: int, fecha: str, warehouse: str, *, neto: int = 0,
             exento: int = 0, other_taxes: int = 0, lines: tuple[ev.PurchaseLine, ...] = ()) -> ev.PurchaseReceived:
    iva = round(neto * 0.19)
    return ev.PurchaseReceived(str(uuid.uuid4()), supplier, tipo, folio, fecha, warehouse, lines, neto, exento, iva,
                               neto + exento + iva + other_taxes, "0" * 64, True, other_taxes=other_taxes)


def line(line_no: int, name: str, quantity: str, amount: int, sku: str | None) -> ev.PurchaseLine:
    q = Decimal(quantity)
    return ev.PurchaseLine(line_no, "", None, name, q, "UN", round(amount / q), amount, amount, False, sku)


def register(world: World, tenant: int, registrations: list[list[tuple[str, str, int, str, ev.PurchaseReceived]]]
             ) -> None:
    """Fold and write ``registrations`` as the ingest does, one batch (one transaction) per inner list; each is
    ``(store, terminal, seq, occurred_at, event)``."""

    async def go(pool: psycopg_pool.AsyncConnectionPool) -> None:
        for batch in registrations:
            rows = projections.Rows()
            for store, terminal, seq, occurred_at, event in batch:
                entry = envelope.Envelope(str(uuid.uuid4()), tenant, store, terminal, 1, seq, occurred_at,
                                          event.TYPE, event.VERSION, {}, "", "")
                projections.fold(rows, tenant, entry, event)
            async with db.tenant_tx(pool, tenant) as conn:
                await projections.write(conn, tenant, rows)

    world.run(go)


NOVEMBER = [
    ("centro", "t-centro", 1, "2026-11-03T09:12:00-03:00",
     purchase(LIDER, 33, 52_341, "2026-11-03", "centro", neto=1_250_000,
              lines=(line(1, "Arroz Tucapel 1 kg", "120", 1_000_000, "ARR-1"), line(2, "Flete", "1", 250_000, None)))),
    ("norte", "t-norte", 1, "2026-11-10T11:00:00-03:00",
     purchase(HUEVOS, 34, 881, "2026-11-10", "norte", exento=180_000)),
    ("centro", "t-centro", 2, "2026-11-15T16:40:00-03:00",
     purchase(LIDER, 61, 4_410, "2026-11-15", "centro", neto=100_000)),
    ("norte", "t-norte", 2, "2026-11-20T10:05:00-03:00",
     purchase(COLUN, 56, 77, "2026-11-20", "norte", neto=20_000, other_taxes=3_100)),
    ("centro", "t-centro", 3, "2026-11-02T08:00:00-03:00",  # registered in November, issued in October
     purchase(COLUN, 33, 1_990_001, "2026-10-31", "centro", neto=500_000)),
    ("centro", "t-centro", 4, "2026-12-01T08:00:00-03:00",
     purchase(COLUN, 33, 1_990_002, "2026-12-01", "centro", neto=700_000)),
]


def test_compras_shows_the_months_documents_with_their_iva_credito_fiscal(world: World, served: Served) -> None:
    register(world, 1, [NOVEMBER])
    register(world, 2, [[("esquina", "t-esquina", 1, "2026-11-05T10:00:00-03:00",
                          purchase(SECRET, 33, 9_999, "2026-11-05", "esquina", neto=7_777_000))]])
    factura, exenta, nota_credito, nota_debito = (x[4] for x in NOVEMBER[:4])

    async def scenario() -> None:
        async with served(world.app()) as client:
            assert (await client.get("/hq/compras")).headers["location"] == "/hq/login?siguiente=%2Fhq%2Fcompras"
            await World.login(client)
            page = await client.get("/hq/compras?mes=2026-11")
            assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
            shown = text(page.text)
            today = datetime.now(web.CHILE).date()
            assert "Compras de noviembre de 2026" in shown
            assert ("mes actual" in shown) == (today.replace(day=1) == date(2026, 11, 1))
            assert 'aria-current="page">Compras<' in page.text and 'value="2026-11"' in page.text
            # one row per document, by fecha de emisión; RUTs es-CL; the nota de crédito in negative
            assert ("03-11-2026 Distribuidora Líder Mayorista SpA RUT 96.542.180-7 Factura electrónica 52.341"
                    " $1.250.000 $0 $237.500 $0 $1.487.500 Centro") in shown
            assert ("10-11-2026 Avícola Santa Rosa Ltda. RUT 9.876.543-3 Factura exenta 881 $0"
                    " $180.000 $0 $0 $180.000 Norte") in shown
            assert ("15-11-2026 Distribuidora Líder Mayorista SpA RUT 96.542.180-7 Nota de crédito"
                    " 4.410 -$100.000 $0 -$19.000 $0 -$119.000 Centro") in shown
            assert ("20-11-2026 Cooperativa Agrícola y Lechera de La Unión Ltda. RUT 81.094.100-6 Nota de débito"
                    " 77 $20.000 $0 $3.800 $3.100 $26.900 Norte") in shown
            assert "Otros impuestos" in shown and "4 documentos" in shown
            assert "1.990.001" not in shown and "1.990.002" not in shown  # October's and December's
            neto = factura.neto - nota_credito.neto + nota_debito.neto
            iva = factura.iva - nota_credito.iva + nota_debito.iva
            total = factura.total + exenta.total - nota_credito.total + nota_debito.total
            assert (neto, iva, total) == (1_170_000, 222_300, 1_575_400)
            assert (f"Neto {web.fmt_clp(neto)} Exento $180.000 IVA crédito fiscal {web.fmt_clp(iva)}"
                    f" Total {web.fmt_clp(total)}") in shown
            assert f"Total del mes {web.fmt_clp(neto)} $180.000 {web.fmt_clp(iva)} $3.100 {web.fmt_clp(total)}" \
                in shown
            assert "Nota de crédito (61) 1 -$100.000 $0 -$19.000 $0 -$119.000" in shown
            assert "Factura electrónica (33) 1 $1.250.000" in shown
            assert "Secreta" not in shown and "7.777" not in shown  # tenant 2's purchase

            norte = text((await client.get("/hq/compras?mes=2026-11&tienda=norte")).text)
            assert "Avícola Santa Rosa" in norte and "Distribuidora Líder" not in norte and "2 documentos" in norte
            assert "Neto $20.000 Exento $180.000 IVA crédito fiscal $3.800 Total $206.900" in norte
            previous = await client.get("/hq/compras?mes=2026-11&tienda=norte")
            assert 'href="/hq/compras?mes=2026-10&amp;tienda=norte"' in previous.text
            assert 'href="/hq/compras?mes=2026-12&amp;tienda=norte"' in previous.text

            october = text((await client.get("/hq/compras?mes=2026-10")).text)
            assert "1.990.001" in october and "1 documento." in october and "Total $595.000" in october

            current = text((await client.get("/hq/compras")).text)
            assert f"Compras de {hq_purchases.month_name(today)} mes actual" in current

            empty = text((await client.get("/hq/compras?mes=2025-01")).text)
            assert "No hay compras registradas con fecha de emisión en enero de 2025" in empty
            assert "Total $0" in empty

            for bad in ("2026-13", "noviembre", "2026-1", "0000-05"):
                refused = await client.get(f"/hq/compras?mes={bad}")
                assert refused.status_code == 400 and "«Mes» (mes)" in refused.text, bad
            unknown = await client.get("/hq/compras?mes=2026-11&tienda=esquina")
            assert unknown.status_code == 200 and "No hay una tienda con ese código" in unknown.text
            assert "Secreta" not in unknown.text

    asyncio.run(scenario())


def test_tenant_2_never_sees_tenant_1s_purchases(world: World, served: Served) -> None:
    register(world, 1, [NOVEMBER])
    register(world, 2, [[("esquina", "t-esquina", 1, "2026-11-05T10:00:00-03:00",
                          purchase(SECRET, 33, 9_999, "2026-11-05", "esquina", neto=7_777_000))]])
    tenant_1_markers = ("Líder", "Avícola", "Cooperativa", "96.542.180-7", "52.341", "$1.250.000", "Centro", "Norte")

    async def scenario() -> None:
        async with served(world.app()) as client:
            assert (await World.login(client, email="rosa@esquina.cl")).status_code == 303
            hostile = {"X-Tenant-Id": "1", "X-Tenant": "1", "X-Store": "centro"}
            for path in ("/hq/compras?mes=2026-11", "/hq/compras?mes=2026-11&tienda=centro",
                         "/hq/compras?mes=2026-11&tenant_id=1", "/hq/compras?mes=2026-10", "/hq/compras?mes=2026-12"):
                page = await client.get(path, headers=hostile)
                assert page.status_code == 200, path
                shown = text(page.text)
                for marker in tenant_1_markers:
                    assert marker not in shown, (path, marker)
            own = text((await client.get("/hq/compras?mes=2026-11")).text)
            assert "Proveedora Secreta Esquina Ltda. RUT 77.123.456-9 Factura electrónica 9.999 $7.777.000" in own
            assert "IVA crédito fiscal $1.477.630" in own and "1 documento." in own

    asyncio.run(scenario())
    # and the application role, scoped to tenant 2, reads none of tenant 1's rows (RLS), whatever it asks
    async def read(pool: psycopg_pool.AsyncConnectionPool) -> list[Any]:
        async with db.tenant_tx(pool, 2) as conn:
            return await (await conn.execute("SELECT tenant_id, folio FROM purchases UNION ALL"
                                             " SELECT tenant_id, folio FROM purchase_lines")).fetchall()

    assert world.run(read) == [(2, 9_999)]


CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_the_accountant_picks_a_month_and_a_store_in_chromium(world: World, serve_in_thread: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    register(world, 1, [NOVEMBER])
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve_in_thread(world.app()) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--lang=es-CL"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="es-CL")
            page.goto(server + "/hq/compras")
            page.get_by_label("Correo electrónico").fill("pepe@donpepe.cl")
            page.get_by_label("Contraseña").fill(PASSWORD)
            page.get_by_role("button", name="Ingresar").click()
            page.get_by_label("Mes", exact=True).fill("2026-11")
            page.get_by_role("button", name="Ver").click()
            expect(page.get_by_role("heading", name="Compras de noviembre de 2026")).to_be_visible()
            expect(page.get_by_role("row", name="Nota de crédito 4.410")).to_contain_text("-$19.000")
            expect(page.get_by_role("row", name="Total del mes")).to_contain_text("$222.300")
            page.screenshot(path=str(SHOTS / "hq_compras.png"), full_page=True)

            page.get_by_label("Tienda").select_option(label="Norte")
            page.get_by_role("button", name="Ver").click()
            expect(page.get_by_text("2 documentos")).to_be_visible()
            page.get_by_role("link", name="Mes anterior").click()
            expect(page.get_by_role("heading", name="Compras de octubre de 2026")).to_be_visible()
            expect(page.get_by_text("No hay compras registradas")).to_be_visible()
        finally:
            browser.close()
