"""HQ pages over ASGI on a migrated database: login and lock-out, login required, CSRF, terminals, sales, catalog."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import httpx
from starlette.types import ASGIApp

from syncserver import catalog
from syncserver.hq import web
from syncserver.store import change_feed
from tests.syncserver.hq.hq_support import PASSWORD, World, product

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def text(html: str) -> str:
    """The visible words of a page, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_es_cl_formatting() -> None:
    assert web.fmt_clp(1990) == "$1.990" and web.fmt_clp(1234567) == "$1.234.567"
    assert web.fmt_rut("123456785") == "12.345.678-5" and web.fmt_rut("no-es-rut") == "no-es-rut"
    assert web.fmt_datetime(datetime(2026, 11, 20, 12, 5, tzinfo=UTC)) == "20-11-2026 09:05"
    assert [web.fmt_skew(ms) for ms in (0, 125_000, -45_000, -90_000, 3_900_000)] == [
        "0", "+2 min", "-45 s", "-2 min", "+1 h 5 min"]


def test_login_ok_wrong_password_and_lock_out(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            wrong = await World.login(client, password="no-es-la-clave")
            assert wrong.status_code == 401 and "Correo o contraseña incorrectos" in wrong.text
            unknown = await World.login(client, email="nadie@ejemplo.cl")
            assert unknown.status_code == 401 and "Correo o contraseña incorrectos" in unknown.text
            ok = await World.login(client, email="  PEPE@donpepe.cl ")
            assert ok.status_code == 303 and ok.headers["location"] == "/hq/panel"
            cookie = ok.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=lax" in cookie and "path=/hq" in cookie
            assert "secure" not in cookie  # plain HTTP on the shop's LAN keeps working by default
            home = await client.get("/hq/")
            assert home.status_code == 200 and "Almacenes Don Pepe" in home.text and "76.123.456-0" in home.text
            # the cookie is signed: a tampered one is no session
            client.cookies.set("almacen_hq", client.cookies["almacen_hq"][:-3] + "xyz", domain="almacen.test",
                               path="/hq")
            assert (await client.get("/hq/")).status_code == 303
            await World.login(client)
            out = await client.post("/hq/salir", data={"csrf": World.token((await client.get("/hq/")).text)})
            assert out.status_code == 303 and (await client.get("/hq/")).status_code == 303

        async with served(world.app()) as client:  # 5 failures lock the login (test_auth.py: the policy)
            for attempt in range(5):
                response = await World.login(client, password=f"mala-{attempt}")
            assert response.status_code == 429 and "bloqueado" in response.text and "5 minutos" in response.text
            locked = await World.login(client)
            assert locked.status_code == 429 and "bloqueado" in locked.text
            assert (await client.get("/hq/")).status_code == 303

    asyncio.run(scenario())


PAGES = ["/hq/", "/hq/ventas", "/hq/ventas?fecha=2026-11-20", "/hq/catalogo", "/hq/catalogo?q=leche",
         "/hq/catalogo/LEC-1", "/hq/terminales/x/cuarentena", "/hq/terminales/x/revocar"]
FORMS = ["/hq/catalogo/LEC-1", "/hq/terminales/x/revocar", "/hq/tiendas/centro/codigo", "/hq/salir"]


def test_every_page_requires_login(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            for path in PAGES:
                response = await client.get(path)
                assert response.status_code == 303, path
                assert response.headers["location"].startswith("/hq/login"), path
            assert (await client.get("/hq/catalogo/LEC-1")).headers["location"] == \
                "/hq/login?siguiente=%2Fhq%2Fcatalogo%2FLEC-1"
            csrf = World.token((await client.get("/hq/login")).text)  # even with a valid token of the session
            for path in FORMS[:-1]:
                response = await client.post(path, data={"csrf": csrf, "price": "1", "version": "1", "nombre": "X",
                                                         "name": "X", "category": "X"})
                assert response.status_code == 303 and response.headers["location"].startswith("/hq/login"), path
            # after login, ?siguiente= brings the user back (only to HQ's own pages)
            page = await client.get("/hq/login?siguiente=%2Fhq%2Fcatalogo")
            response = await client.post("/hq/login", data={"csrf": World.token(page.text), "email": "pepe@donpepe.cl",
                                                            "password": PASSWORD, "siguiente": "/hq/catalogo"})
            assert response.headers["location"] == "/hq/catalogo"
        async with served(world.app()) as client:
            page = await client.get("/hq/login")
            response = await client.post("/hq/login", data={"csrf": World.token(page.text), "email": "pepe@donpepe.cl",
                                                            "password": PASSWORD, "siguiente": "//evil.example/hq/"})
            assert response.headers["location"] == "/hq/panel"
        assert world.rows("SELECT price, version FROM products WHERE sku = 'LEC-1'") == [(1150, 1)]
        assert world.rows("SELECT count(*) FROM terminals WHERE status = 'revoked'") == [(0,)]

    asyncio.run(scenario())


def test_posts_without_or_with_a_wrong_csrf_token_are_refused(world: World, served: Served) -> None:
    terminal = world.terminals[1][0]
    codes_before = world.rows("SELECT count(*) FROM auth_enrollment_codes")

    async def scenario() -> None:
        async with served(world.app()) as client:
            good = World.token((await client.get("/hq/login")).text)
            for data in ({"email": "pepe@donpepe.cl", "password": PASSWORD},
                         {"email": "pepe@donpepe.cl", "password": PASSWORD, "csrf": "x" * 43}):
                refused = await client.post("/hq/login", data=data)
                assert refused.status_code == 403 and "Formulario vencido" in refused.text
            assert (await client.get("/hq/")).status_code == 303  # not logged in
            assert (await client.post("/hq/login", data={"csrf": good, "email": "pepe@donpepe.cl",
                                                         "password": PASSWORD})).status_code == 303
            assert good != World.token((await client.get("/hq/")).text)  # a new session has a new token
            edit = {"price": "990", "name": "Leche", "category": "Lácteos", "active": "1", "version": "1"}
            for token in (None, "", good, "a" * 43):
                form = {"csrf": token} if token is not None else {}
                attempts = [client.post("/hq/catalogo/LEC-1", data={**edit, **form}),
                            client.post(f"/hq/terminales/{terminal}/revocar", data=form),
                            client.post("/hq/tiendas/centro/codigo", data={"nombre": "Caja 9", **form}),
                            client.post("/hq/salir", data=form)]
                for response in await asyncio.gather(*attempts):
                    assert response.status_code == 403, response.request.url
                    assert "Formulario vencido" in response.text
            assert (await client.get("/hq/")).status_code == 200  # still logged in: logout needs the token too

    asyncio.run(scenario())
    assert world.rows("SELECT price, name, version FROM products WHERE tenant_id = 1 AND sku = 'LEC-1'") == [
        (1150, "Leche Entera Colun 1 L", 1)]
    assert world.rows("SELECT status FROM terminals WHERE terminal_id = %s", terminal) == [("active",)]
    assert world.rows("SELECT count(*) FROM auth_enrollment_codes") == codes_before


def test_price_edit_with_version_conflict_and_change_feed(world: World, served: Served) -> None:
    feed_before = world.rows("SELECT max(change_id) FROM changes WHERE tenant_id = 1")[0][0]

    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            page = await client.get("/hq/catalogo/LEC-1")
            assert page.status_code == 200 and 'value="1.150"' in page.text and 'name="version" value="1"' in page.text
            csrf = World.token(page.text)
            form = {"csrf": csrf, "price": "$1.290", "name": "Leche Entera Colun 1 L", "category": "Lácteos",
                    "active": "1", "version": "1"}
            saved = await client.post("/hq/catalogo/LEC-1", data=form)
            assert saved.status_code == 303 and saved.headers["location"] == "/hq/catalogo/LEC-1?guardado=1"
            confirmation = await client.get(saved.headers["location"])
            assert "Cambios guardados" in confirmation.text and 'value="1.290"' in confirmation.text

            # meanwhile someone else saved version 2 -> 3; this form still says version 2
            await world.arun(lambda pool: catalog.upsert_product(pool, 1, product(
                "LEC-1", "Leche Colun Entera 1 L", 1350, "Lácteos", barcodes=["7801234567894"]), expected_version=2))
            stale = await client.post("/hq/catalogo/LEC-1", data={**form, "price": "1.190", "version": "2"})
            assert stale.status_code == 409
            shown = text(stale.text)
            assert "Otra persona modificó este producto" in shown
            assert "$1.350" in shown and "Leche Colun Entera 1 L" in shown and "1.190" in shown
            assert 'name="version" value="3"' in stale.text  # the form now edits the current version

            bad = await client.post("/hq/catalogo/LEC-1", data={**form, "price": "mil", "version": "3"})
            assert bad.status_code == 422 and "solo números" in bad.text

    asyncio.run(scenario())
    assert world.rows("SELECT price, name, version, barcodes FROM products WHERE tenant_id = 1 AND sku = 'LEC-1'"
                      ) == [(1350, "Leche Colun Entera 1 L", 3, ["7801234567894"])]
    # the HQ edit went out on the change feed, which the terminals pull
    changes, _ = world.run(lambda pool: change_feed.pull(pool, 1, "centro", feed_before))
    assert [(c["key"], c["data"]["price"], c["data"]["version"]) for c in changes] == [("LEC-1", 1290, 2),
                                                                                       ("LEC-1", 1350, 3)]


def test_terminals_page_code_quarantine_and_revoke(world: World, served: Served) -> None:
    first, north = world.terminals[1]

    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            page = await client.get("/hq/")
            shown = text(page.text)
            for expected in ("Centro", "Norte", "Caja 1", "Caja Norte", "activa", "20-11-2026 09:05", "n° 412",
                             "+2 min", "1 ver", "nunca"):
                assert expected in shown, expected
            assert "Esquina" not in shown

            code_page = await client.post("/hq/tiendas/norte/codigo",
                                          data={"csrf": World.token(page.text), "nombre": "  Caja   2 "})
            assert code_page.status_code == 200 and code_page.headers["cache-control"] == "no-store"
            code = re.search(r'class="code"[^>]*>([A-Z0-9-]+)<', code_page.text)
            assert code and re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code.group(1))
            expiry = (datetime.now(web.CHILE) + timedelta(hours=24)).strftime("%d-%m-%Y")
            assert f"Vence el {expiry}" in text(code_page.text)
            enrolled = await client.post("/sync/enroll", json={"code": code.group(1), "public_key": "k" * 44,
                                                                "terminal_id": "nueva"})
            assert enrolled.json()["store_id"] == "norte" and enrolled.json()["tenant_id"] == 1
            assert "Caja 2" in text((await client.get("/hq/")).text)

            quarantine = await client.get(f"/hq/terminales/{first}/cuarentena")
            assert quarantine.status_code == 200
            assert "tipo de evento desconocido: promo.applied v1" in quarantine.text and "2x1" in quarantine.text
            empty = await client.get(f"/hq/terminales/{north}/cuarentena")
            assert "no tiene eventos en cuarentena" in empty.text

            confirm = await client.get(f"/hq/terminales/{north}/revocar")
            assert confirm.status_code == 200 and "¿Revocar «Caja Norte»?" in confirm.text
            assert world.rows("SELECT status FROM terminals WHERE terminal_id = %s", north) == [("active",)]
            done = await client.post(f"/hq/terminales/{north}/revocar", data={"csrf": World.token(confirm.text)})
            assert done.status_code == 303 and done.headers["location"] == "/hq/?hecho=revocada"
            after = text((await client.get(done.headers["location"])).text)
            assert "La caja quedó revocada" in after and "revocada" in after
            assert (await client.get("/hq/no-existe")).status_code == 404

    asyncio.run(scenario())
    assert world.rows("SELECT status FROM auth_terminal_keys WHERE terminal_id = %s", north) == [("revoked",)]
    assert world.rows("SELECT status FROM terminals WHERE terminal_id = %s", first) == [("active",)]


def test_sales_of_a_day_per_store_and_tender(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            day = text((await client.get("/hq/ventas?fecha=2026-11-20")).text)
            assert "Ventas del 20-11-2026" in day
            # centro: s1 $1.990 + s2 $4.450 + s5 $800 (23:30 in Chile); norte: s3 $12.500; s4 is the 21st
            assert "Centro 3 $7.240 $3.790 $3.450 $0" in day, day
            assert "Norte 1 $12.500 $0 $0 $12.500" in day
            assert "Total 4 $19.740 $3.790 $3.450 $12.500" in day
            assert "Efectivo" in day and "Débito" in day and "Crédito" in day and "$77.777" not in day
            one = text((await client.get("/hq/ventas?fecha=2026-11-20&tienda=norte")).text)
            assert "Norte 1 $12.500" in one and "Centro 3" not in one
            next_day = text((await client.get("/hq/ventas?fecha=2026-11-21")).text)
            assert "Centro 1 $500" in next_day
            today = text((await client.get("/hq/ventas")).text)
            assert f"Ventas del {datetime.now(web.CHILE):%d-%m-%Y}" in today and "No hay ventas" in today
            assert (await client.get("/hq/ventas?fecha=20-11-2026")).status_code == 400

    asyncio.run(scenario())


def test_catalog_search_and_pages(world: World, served: Served) -> None:
    world.run(lambda pool: asyncio.gather(*[catalog.upsert_product(pool, 1, product(
        f"ARR-{i:02d}", f"Arroz Grado {i:02d} 1 kg", 1000 + i)) for i in range(30)]))

    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            first = text((await client.get("/hq/catalogo")).text)
            assert "33 productos" in first and "Página 1 de 2" in first and "Arroz Grado 00 1 kg" in first
            assert "Arroz Grado 29" not in first
            second = text((await client.get("/hq/catalogo?pagina=2")).text)
            assert "Arroz Grado 29 1 kg Abarrotes $1.029" in second and "Pan Batido Panadería $1.990 /kg" in second
            assert "1 producto para «7801234567894»" in text((await client.get("/hq/catalogo?q=7801234567894")).text)
            assert "Coca-Cola 1,5 L" in text((await client.get("/hq/catalogo?q=coc-15")).text)
            assert "Pan Batido" in text((await client.get("/hq/catalogo?q=1001")).text)  # PLU
            assert "0 productos" in text((await client.get("/hq/catalogo?q=%25")).text)  # % is a letter, not a wildcard
            escaped = await client.get("/hq/catalogo?q=%3Cscript%3Ealert(1)%3C/script%3E")
            assert "<script>alert" not in escaped.text and "&lt;script&gt;" in escaped.text

    asyncio.run(scenario())


def test_behind_tls_the_session_cookie_is_secure(world: World, served: Served) -> None:
    """``hq_secure_cookie``: browsers send HQ's session cookie over HTTPS only (a TLS proxy fronts HQ)."""
    async def scenario() -> None:
        async with served(world.app(hq_secure_cookie=True)) as client:
            page = await client.get("/hq/login")
            cookie = page.headers["set-cookie"].lower()
            assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
            # over plain HTTP the client keeps the cookie to itself, as a browser does: no session, no login
            refused = await client.post("/hq/login", data={"csrf": World.token(page.text), "email": "pepe@donpepe.cl",
                                                           "password": PASSWORD})
            assert refused.status_code == 403
            assert (await client.get("/hq/")).status_code == 303  # to the login page
    asyncio.run(scenario())


def test_a_nul_character_in_an_address_or_a_form_is_no_500(world: World, served: Served) -> None:
    """PostgreSQL text cannot hold U+0000: a query string with one gets a clear 400, and a form's values lose it."""
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            for address in ("/hq/compras?tienda=%00", "/hq/ventas?tienda=cen%00tro", "/hq/catalogo?q=%00",
                            "/hq/documentos?estado=sent%00"):
                refused = await client.get(address)
                assert refused.status_code == 400 and "carácter nulo" in refused.text, address
            assert (await client.get("/hq/compras?tienda=centro")).status_code == 200
            page = await client.get("/hq/catalogo/LEC-1")
            form = {"csrf": World.token(page.text), "price": "1.190", "name": "Leche\x00 Entera Colun 1 L",
                    "category": "Lácteos", "active": "1", "version": "1"}
            saved = await client.post("/hq/catalogo/LEC-1", data=form)
            assert saved.status_code == 303, saved.text

    asyncio.run(scenario())
    assert world.rows("SELECT name, price FROM products WHERE tenant_id = 1 AND sku = 'LEC-1'") == [
        ("Leche Entera Colun 1 L", 1190)]
