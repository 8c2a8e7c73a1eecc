"""HQ «Documentos»: a factura offers «Emitir nota de débito»; the form takes charges (concepto, detalle, monto,
exento), net or IVA-included amounts, a reason and the user's password, keeps what was typed when something is wrong,
and issues the 56; the 56 is listed as modifying the factura and can be annulled with a nota de crédito; another
tenant neither sees nor charges the factura. In Chromium the form passes axe-core and does not scroll sideways at
390 px (screenshots hq_nota_debito_{desktop,phone}.png)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import psycopg_pool
import pytest
from starlette.types import ASGIApp

from syncserver.hq import auth
from tests.syncserver.dte.dte_kit import CUSTOMER, sale, setup_tenant
from tests.syncserver.dte.folio_kit import HQ_PASSWORD, SAMPLE_RUT, Till, csrf_token, hq_app, hq_login, migrated
from tests.syncserver.hq.hq_support import ARGS, BROWSER_MARKS, CHROMIUM, SHOTS, sign_in

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
FORM = "/hq/documentos/33/1/nota-debito"


def test_hq_issues_a_nota_de_debito_on_a_factura_and_annuls_it(pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    factura = sale([("Cajón de tomates", 11900, "1", False)], 1, tipo=33, customer=CUSTOMER)

    async def push(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33, 56, 61))
        till.record(factura)
        await till.push(pool)

    db.run(push)
    app = hq_app(db)
    db.run(lambda pool: auth.create_login(pool, 2, "otra@empresa.cl", "Otra", "otra-clave-1", app.state.hq_hasher))
    # HQ stamps "now": make the sample CAFs (authorised 2025-04-11, 180 days) current, as fresh ones would be
    db.rows("UPDATE cafs SET fecha_autorizacion = current_date WHERE tipo IN (56, 61) RETURNING tipo")
    pages: dict[str, str] = {}

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            listing = await client.get("/hq/documentos")
            assert "Emitir nota de débito" in listing.text and FORM in listing.text
            form = await client.get(FORM)
            assert form.status_code == 200 and "Baca Juegos y Accesorios SPA" in form.text
            assert "Total $11.900" in form.text and 'name="exento_1"' in form.text
            token = csrf_token(form.text)
            typed = {"csrf": token, "password": HQ_PASSWORD, "concepto_1": "intereses", "monto_1": "2.500",
                     "concepto_2": "flete", "detalle_2": "Flete a Rancagua", "monto_2": "abc", "motivo": "Atraso"}
            bad = await client.post(FORM, data=typed)
            assert bad.status_code == 400 and "«Monto del cargo 2» (monto_2): debe ser un monto entero" in bad.text
            assert 'value="Flete a Rancagua"' in bad.text and 'value="Atraso"' in bad.text
            none = await client.post(FORM, data={"csrf": token, "password": HQ_PASSWORD})
            assert none.status_code == 400 and "ingrese al menos un cargo" in none.text
            typed["monto_2"] = "$8.000"
            wrong = await client.post(FORM, data={**typed, "password": "no-es"})
            assert wrong.status_code == 403 and "Contraseña incorrecta: la nota de débito no se emitió" in wrong.text
            assert db.rows("SELECT count(*) FROM dte_corrections") == [(0,)]
            done = await client.post(FORM, data=typed)
            assert done.status_code == 303 and done.headers["location"] == "/hq/documentos?corregido=56:1:33:1"
            after = await client.get(done.headers["location"])
            pages["after"] = after.text
            db.rows("UPDATE dte_outbox SET state = 'rejected' WHERE tipo = 33 AND folio = 1 RETURNING folio")
            pages["rejected"] = (await client.get("/hq/documentos")).text  # the SII rejected the factura later
            pages["panel"] = (await client.get("/hq/panel")).text
            annul_url = "/hq/documentos/56/1/corregir"
            confirm = await client.get(annul_url)
            assert confirm.status_code == 200 and "Anular Nota de débito N° 1" in confirm.text
            annulled = await client.post(annul_url, data={"csrf": token, "password": HQ_PASSWORD})
            assert annulled.status_code == 303
            assert annulled.headers["location"] == "/hq/documentos?corregido=61:6:56:1"
            pages["annulled"] = (await client.get(annulled.headers["location"])).text
            pages["panel_after"] = (await client.get("/hq/panel")).text
            again = await client.post(annul_url, data={"csrf": token, "password": HQ_PASSWORD})
            assert again.status_code == 409 and "ya fue anulada con la nota de crédito N° 6" in again.text
            await client.post("/hq/salir", data={"csrf": token})
            page = await client.get("/hq/login")
            await client.post("/hq/login", data={"csrf": csrf_token(page.text), "email": "otra@empresa.cl",
                                                 "password": "otra-clave-1"})
            theirs = await client.get("/hq/documentos")
            assert "No hay documentos" in theirs.text
            assert (await client.get(FORM)).status_code == 404
            refused = await client.post(FORM, data={**typed, "csrf": csrf_token(theirs.text),
                                                    "password": "otra-clave-1"})
            assert refused.status_code == 404

    asyncio.run(scenario())
    after = pages["after"]
    assert "Nota de débito N° 1 emitida sobre Factura N° 1" in after
    assert "Modifica Factura N° 1" in after and "Notas de débito N° 1." in after
    assert "Anular con nota de crédito" in after
    # the factura rejected after its 56: the nota is flagged with what to do, and the dashboard lists it until the
    # 56 is annulled
    flag = "Referencia a documento rechazado: el SII rechazó la factura N° 1 que esta nota modifica"
    assert flag + ", así que la nota no tiene a qué sumarse. Anule esta nota con «Anular con nota de crédito»" in \
        pages["rejected"]
    assert 'id="ref-rechazada-56-1"' in pages["rejected"] and "ref-rechazada-33-1" not in pages["rejected"]
    assert "nota con referencia a documento rechazado" in pages["panel"]
    assert 'href="/hq/documentos/56/1/corregir">Nota de débito N° 1</a> (sobre la factura N° 1)' in pages["panel"]
    assert flag + "; la nota ya fue anulada con la nota de crédito N° 6." in pages["annulled"]
    assert "referencia a documento rechazado" not in pages["panel_after"]
    assert "Nota de crédito N° 6 emitida: anula Nota de débito N° 1" in pages["annulled"]
    assert "Anulado con nota de crédito N° 6" in pages["annulled"] and "Anula Nota de débito N° 1" in pages["annulled"]
    assert db.rows("SELECT tipo, folio, original_tipo, original_folio, codref, reason, content->'totales'->>'total',"
                   " created_by FROM dte_corrections ORDER BY tipo") == [
        (56, 1, 33, 1, 3, "Atraso", "12495", "pepe@donpepe.cl"),
        (61, 6, 56, 1, 1, "Anula nota de débito", "12495", "pepe@donpepe.cl")]


@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (390, 844, "phone")])
@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_the_nota_de_debito_form_in_chromium(pg_database: str, serve_in_thread: Any, width: int, height: int,
                                             name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect, sync_playwright

    db = migrated(pg_database, {1: SAMPLE_RUT})
    factura = sale([("Cajón de tomates", 11900, "1", False)], 1, tipo=33, customer=CUSTOMER)

    async def push(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33, 56, 61))
        till.record(factura)
        await till.push(pool)

    db.run(push)
    db.rows("UPDATE cafs SET fecha_autorizacion = current_date WHERE tipo IN (56, 61) RETURNING tipo")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve_in_thread(hq_app(db)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="es-CL")
            page.goto(server + "/hq/documentos")
            sign_in(page, password=HQ_PASSWORD)
            page.get_by_role("link", name="Emitir nota de débito").click()
            expect(page.get_by_role("heading", name="Nota de débito sobre Factura N° 1")).to_be_visible()
            page.get_by_label("Concepto", exact=True).first.select_option("intereses")
            page.get_by_label("Monto en pesos").first.fill("2.500")
            page.get_by_label("Concepto", exact=True).nth(1).select_option("flete")
            page.get_by_label("Detalle (aparece en la nota; si lo deja vacío, el concepto)").nth(1).fill(
                "Flete a Rancagua")
            page.get_by_label("Monto en pesos").nth(1).fill("8.000")
            page.get_by_label("Confirme con su contraseña de HQ").fill(HQ_PASSWORD)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scroll"
            page.screenshot(path=str(SHOTS / f"hq_nota_debito_{name}.png"), full_page=True)
            results = Axe().run(page)
            assert results.violations_count == 0, f"{name}: {results.generate_report()}"
            page.get_by_role("button", name="Emitir nota de débito").click()
            expect(page.get_by_role("status")).to_contain_text("Nota de débito N° 1 emitida sobre Factura N° 1")
            expect(page.get_by_role("link", name="Anular con nota de crédito")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scroll"
        finally:
            browser.close()
    assert db.rows("SELECT content->'totales'->>'total' FROM dte_corrections") == [("12495",)]
