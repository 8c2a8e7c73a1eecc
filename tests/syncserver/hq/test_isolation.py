"""HQ tenant isolation: as tenant 1, no URL, form field, header or cookie reads or changes anything of tenant 2."""

from __future__ import annotations

import asyncio
import json
from base64 import b64encode
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
from itsdangerous import TimestampSigner
from starlette.types import ASGIApp

from tests.syncserver.hq.hq_support import World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]

TENANT_2_MARKERS = ("Pisco Secreto", "Minimarket La Esquina", "Caja Esquina", "$77.777", "$7.777", "7.777",
                    "$2.222", "Rosa Díaz", "rosa@esquina.cl", "SECRETO de la esquina", "77.888.999-0",
                    "Coca-Cola 1,5 L Esquina", "La Esquina")
HOSTILE_HEADERS = {"X-Tenant-Id": "2", "X-Tenant": "2", "X-Store": "esquina"}


def snapshot(world: World) -> dict[str, list[str]]:
    """Every row of tenant 2 in every table that has a tenant_id (tenant tables and auth_* credential tables)."""
    tables = [t for (t,) in world.rows("SELECT table_name FROM information_schema.columns WHERE table_schema ="
                                       " 'public' AND column_name = 'tenant_id' ORDER BY table_name")]
    assert {"products", "terminals", "quarantine", "sales", "changes", "auth_hq_logins",
            "auth_enrollment_codes", "auth_terminal_keys"} <= set(tables)
    return {t: sorted(repr(r) for r in world.rows(f"SELECT * FROM {t} WHERE tenant_id = 2")) for t in tables}


def forged_cookie(session: dict[str, Any], secret: str = "test-secret") -> str:
    return TimestampSigner(secret).sign(b64encode(json.dumps(session).encode())).decode()


def test_tenant_1_cannot_read_or_change_anything_of_tenant_2(world: World, served: Served) -> None:
    """Every attempt shows nothing of tenant 2 (404 or empty) and changes nothing (its rows, checked as admin)."""
    other_terminal = world.terminals[2][0]
    own_centro, own_norte = world.terminals[1]
    before = snapshot(world)
    own_products = world.rows("SELECT sku FROM products WHERE tenant_id = 1 ORDER BY sku")
    assert world.rows("SELECT count(*) FROM products WHERE tenant_id = 2 AND sku = 'SECRETO-2'") == [(1,)]

    async def scenario() -> list[httpx.Response]:
        seen: list[httpx.Response] = []
        async with served(world.app()) as client:
            assert (await World.login(client)).status_code == 303
            csrf = World.token((await client.get("/hq/")).text)
            hostile = {"tenant_id": "2", "tenant": "2", "store_id": "esquina", "terminal_id": other_terminal}

            async def get(path: str, status: int) -> httpx.Response:
                for headers in ({}, HOSTILE_HEADERS):
                    for query in ("", ("&" if "?" in path else "?") + "tenant_id=2"):
                        response = await client.get(path + query, headers=headers)
                        assert response.status_code == status, (path + query, headers, response.status_code)
                        seen.append(response)
                return response

            async def post(path: str, data: dict[str, str], status: int) -> httpx.Response:
                response = await client.post(path, data={"csrf": csrf, **data, **hostile}, headers=HOSTILE_HEADERS)
                assert response.status_code == status, (path, response.status_code)
                seen.append(response)
                return response

            # reads by URL
            await get("/hq/catalogo/SECRETO-2", 404)
            await get(f"/hq/terminales/{other_terminal}/cuarentena", 404)
            await get(f"/hq/terminales/{other_terminal}/revocar", 404)
            shared_sku = await get("/hq/catalogo/COC-15", 200)  # tenant 1 has its own COC-15
            assert "$1.990" in shared_sku.text or 'value="1.990"' in shared_sku.text
            for path in ("/hq/", "/hq/catalogo", "/hq/catalogo?q=Pisco", "/hq/catalogo?q=SECRETO-2",
                         "/hq/catalogo?q=Esquina", "/hq/catalogo?q=7777", "/hq/ventas?fecha=2026-11-20",
                         "/hq/ventas?fecha=2026-11-20&tienda=esquina", "/hq/ventas?tienda=esquina",
                         "/hq/documentos", "/hq/documentos/rvd"):
                await get(path, 200)
            none = await get("/hq/ventas?fecha=2026-11-20&tienda=esquina", 200)
            assert "No hay una tienda con ese código" in none.text
            for query in ("Pisco", "SECRETO", "7777"):
                assert "No se encontraron productos" in (await client.get(f"/hq/catalogo?q={query}")).text

            # changes by URL and form field
            edit = {"price": "1", "name": "Robado", "category": "X", "active": "1", "version": "1"}
            await post("/hq/catalogo/SECRETO-2", edit, 404)
            await post(f"/hq/terminales/{other_terminal}/revocar", {}, 404)
            await post("/hq/tiendas/esquina/codigo", {"nombre": "Caja intrusa"}, 404)
            # tenant 1's own things with tenant-2 ids added to the form act on tenant 1 only
            await post("/hq/catalogo/COC-15", {**edit, "name": "Coca-Cola 1,5 L", "price": "2.090"}, 303)
            await post(f"/hq/terminales/{own_norte}/revocar", {}, 303)
            code_page = await post("/hq/tiendas/centro/codigo", {"nombre": "Caja 3"}, 200)
            assert "Tienda Centro" in code_page.text

            # a login form with tenant_id=2 still signs in tenant 1's login
            client.cookies.clear()
            page = await client.get("/hq/login", headers=HOSTILE_HEADERS)
            signed = await client.post("/hq/login", headers=HOSTILE_HEADERS, data={
                "csrf": World.token(page.text), "email": "pepe@donpepe.cl", "password": "clave-segura-1",
                "tenant_id": "2"})
            assert signed.status_code == 303
            home = await client.get("/hq/", headers=HOSTILE_HEADERS)
            assert "Almacenes Don Pepe" in home.text
            seen.append(home)

        # a session that names tenant 2 for tenant 1's login (or a key not ours) is no session at all
        for cookie in (forged_cookie({"email": "pepe@donpepe.cl", "tenant_id": 2, "csrf": "c" * 43}),
                       forged_cookie({"email": "rosa@esquina.cl", "tenant_id": 2}, secret="guessed"),
                       forged_cookie({"email": "pepe@donpepe.cl", "tenant_id": "2"}),
                       forged_cookie({"email": "nadie@x.cl", "tenant_id": 2})):
            async with served(world.app()) as client:
                client.cookies.set("almacen_hq", cookie, domain="almacen.test", path="/hq")
                for path in ("/hq/", "/hq/catalogo/SECRETO-2", f"/hq/terminales/{other_terminal}/cuarentena",
                             "/hq/ventas?tienda=esquina"):
                    response = await client.get(path)
                    assert response.status_code == 303 and response.headers["location"].startswith("/hq/login")
                response = await client.post(f"/hq/terminales/{other_terminal}/revocar", data={"csrf": "c" * 43})
                assert response.status_code == 303 and response.headers["location"].startswith("/hq/login")
        return seen

    responses = asyncio.run(scenario())
    for response in responses:
        for marker in (*TENANT_2_MARKERS, other_terminal):
            assert marker not in response.text, (marker, str(response.request.url))

    # nothing of tenant 2 changed, row by row
    assert snapshot(world) == before
    assert world.rows("SELECT sku FROM products WHERE tenant_id = 1 ORDER BY sku") == own_products  # no SECRETO-2
    assert world.rows("SELECT tenant_id, price FROM products WHERE sku = 'COC-15' ORDER BY tenant_id") == [
        (1, 2090), (2, 2222)]
    assert world.rows("SELECT terminal_id, status FROM terminals WHERE tenant_id = 1 ORDER BY name") == [
        (own_centro, "active"), (own_norte, "revoked")]
    assert world.rows("SELECT tenant_id, store_id, terminal_name FROM auth_enrollment_codes WHERE used_at IS NULL"
                      ) == [(1, "centro", "Caja 3")]
