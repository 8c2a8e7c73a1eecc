"""HQ accounts and roles: the first-run page (only on an empty server), ``admin tenant-create``, invitations with a
one-time code, deactivation and reset, and each role's pages through the ASGI client: dueño everything, contador
documents and purchases (read-only elsewhere), encargado only his stores' data."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from syncserver import accounts, bootstrap, cli
from syncserver.hq import auth
from tests.syncserver.hq.hq_support import CODE, FAST, PASSWORD, World, accept, invite

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
AT = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_first_run_page_creates_the_business_once(pg_database: str, served: Served) -> None:
    world = World(pg_database, bootstrap.migrate(pg_database))

    async def scenario() -> None:
        async with served(world.app()) as client:
            login = await client.get("/hq/login")
            assert (login.status_code, login.headers["location"]) == (303, "/hq/primer-uso")
            page = await client.get("/hq/primer-uso")
            assert page.status_code == 200 and "Bienvenido a Almacén" in page.text
            form = {"csrf": World.token(page.text), "empresa": "Almacenes Don Pepe", "rut": "76.123.456-0",
                    "nombre": "José Pérez", "correo": "Pepe@DonPepe.cl", "clave": PASSWORD, "clave2": PASSWORD}
            mismatch = await client.post("/hq/primer-uso", data={**form, "clave2": "otra-clave-1"})
            assert mismatch.status_code == 422 and "no coinciden" in mismatch.text
            bad_rut = await client.post("/hq/primer-uso", data={**form, "rut": "76.123.456-1"})
            assert bad_rut.status_code == 422 and "El RUT «76.123.456-1» no es válido" in bad_rut.text
            assert 'value="Almacenes Don Pepe"' in bad_rut.text  # what was typed stays
            short = await client.post("/hq/primer-uso", data={**form, "clave": "corta", "clave2": "corta"})
            assert short.status_code == 422 and "al menos 8 caracteres" in short.text
            created = await client.post("/hq/primer-uso", data=form)
            assert (created.status_code, created.headers["location"]) == (303, "/hq/tiendas?aviso=bienvenida")
            welcome = await client.get("/hq/tiendas?aviso=bienvenida")
            assert "Su empresa quedó creada" in welcome.text and "José Pérez · Dueño" in text(welcome.text)
            assert "Todavía no hay tiendas" in welcome.text
            # refused after: the page is gone, for a visitor and for a second post alike
            assert (await client.get("/hq/primer-uso")).status_code == 404
            async with served(world.app()) as other:
                assert (await other.get("/hq/primer-uso")).status_code == 404
                assert (await other.get("/hq/login")).status_code == 200
                again = await other.post("/hq/primer-uso", data={**form, "correo": "otro@x.cl"})
                assert again.status_code in (403, 404)
                assert (await World.login(other, "pepe@donpepe.cl")).status_code == 303

    import asyncio
    asyncio.run(scenario())
    assert world.rows("SELECT tenant_id, name, rut FROM tenants") == [(1, "Almacenes Don Pepe", "76.123.456-0")]
    assert world.rows("SELECT email, role, created_by FROM hq_users") == [("pepe@donpepe.cl", "owner", "primer uso")]


def test_create_business_service_refuses_a_second_one_on_first_run(pg_database: str) -> None:
    world = World(pg_database, bootstrap.migrate(pg_database))

    async def scenario(pool: Any) -> None:
        assert await accounts.server_is_empty(pool)
        done = await accounts.create_business(pool, name="Uno", rut="", owner_email="a@uno.cl", owner_name="A",
                                              password=PASSWORD, hasher=FAST, at=AT, only_if_empty=True)
        assert done == accounts.Business(1, "a@uno.cl")
        with pytest.raises(accounts.AccountError) as exists:
            await accounts.create_business(pool, name="Dos", rut="", owner_email="b@dos.cl", owner_name="B",
                                           password=PASSWORD, hasher=FAST, at=AT, only_if_empty=True)
        assert exists.value.code == "exists"
        with pytest.raises(accounts.AccountError, match="ya tiene una cuenta"):
            await accounts.create_business(pool, name="Dos", rut="", owner_email="A@uno.cl", owner_name="B",
                                           password=PASSWORD, hasher=FAST, at=AT)
        second = await accounts.create_business(pool, name="Dos", rut="", owner_email="b@dos.cl", owner_name="B",
                                                password=PASSWORD, hasher=FAST, at=AT)
        assert second.tenant_id == 2 and not await accounts.server_is_empty(pool)
        assert (await auth.authenticate(pool, "b@dos.cl", PASSWORD, FAST)).tenant_id == 2

    world.run(scenario)


def test_admin_tenant_create(pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "test-secret")
    password = tmp_path / "clave.txt"
    password.write_text(PASSWORD + "\n")

    def admin(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["admin", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = admin("tenant-create", "Almacenes Don Pepe", "--rut", "761234560", "--correo", "pepe@donpepe.cl",
                           "--dueno", "José Pérez", "--password-file", str(password))
    assert (code, out) == (0, "1\n") and "pepe@donpepe.cl" in err
    code, out, err = admin("tenant-create", "Otra", "--correo", "PEPE@donpepe.cl", "--dueno", "X",
                           "--password-file", str(password))
    assert code == 1 and "el correo pepe@donpepe.cl ya tiene una cuenta" in err
    code, out, err = admin("tenant-create", "Otra", "--correo", "ana@otra.cl", "--dueno", "Ana", "--rut", "1-2",
                           "--password-file", str(password))
    assert code == 1 and "no es válido" in err
    code, out, _ = admin("tenant-create", "Otra", "--correo", "ana@otra.cl", "--dueno", "Ana", "--id", "7",
                         "--password-file", str(password))
    assert (code, out) == (0, "7\n")
    code, _, err = admin("tenant-create", "Otra más", "--correo", "b@otra.cl", "--dueno", "B", "--id", "7",
                         "--password-file", str(password))
    assert code == 1 and "el tenant 7 ya existe" in err
    code, _, err = admin("store-add", "1", "centro", "Centro", "--direccion", "Av. Providencia 1234", "--comuna",
                         "Providencia", "--sucursal-sii", "81234567", "--bodega")
    assert code == 0
    assert admin("store-add", "1", "Mal Código", "X")[0] == 1
    code, _, err = admin("store-add", "1", "norte", "Norte", "--sucursal-sii", "12ab")
    assert code == 1 and "no es un número de hasta 9 dígitos" in err
    world = World(pg_database, "")
    assert world.rows("SELECT tenant_id, email, role FROM hq_users ORDER BY tenant_id") == [
        (1, "pepe@donpepe.cl", "owner"), (7, "ana@otra.cl", "owner")]
    assert world.rows("SELECT address, comuna, sucursal_sii FROM stores") == [
        ("Av. Providencia 1234", "Providencia", 81234567)]
    assert world.rows("SELECT warehouse_id, kind FROM warehouses ORDER BY kind DESC") == [
        ("centro", "sala"), ("centro-bodega", "bodega")]


def test_owner_invites_resets_and_deactivates_accounts(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as owner, served(world.app()) as clerk:
            await World.login(owner)
            code = await invite(owner, "conta@donpepe.cl", "Carla Contreras", "accountant")
            listed = text((await owner.get("/hq/cuentas")).text)
            assert "Carla Contreras conta@donpepe.cl Contador invitada" in listed
            # before choosing a password, the account cannot sign in
            assert (await World.login(clerk, "conta@donpepe.cl")).status_code == 401
            greet = await clerk.get(f"/hq/invitacion?codigo={code}")
            assert "conta@donpepe.cl" in greet.text
            assert (await accept(clerk, code)).headers["location"] == "/hq/panel"
            assert "Carla Contreras · Contador" in text((await clerk.get("/hq/")).text)
            # the code is spent
            async with served(world.app()) as third:
                reused = await accept(third, code)
                assert reused.status_code == 422 and "no es válido, ya se usó o venció" in reused.text
            # the same e-mail cannot be invited twice, even as another role
            page = await owner.get("/hq/cuentas")
            taken = await owner.post("/hq/cuentas", data={"csrf": World.token(page.text), "correo": "CONTA@donpepe.cl",
                                                          "nombre": "Otra", "rol": "owner"})
            assert taken.status_code == 422 and "ya tiene una cuenta" in taken.text
            manager = await owner.post("/hq/cuentas", data={"csrf": World.token(page.text), "correo": "e@donpepe.cl",
                                                            "nombre": "Enzo", "rol": "manager"})
            assert manager.status_code == 422 and "al menos una tienda" in manager.text
            # deactivate: the open session ends at once, the login says why; nothing is deleted
            token = World.token(page.text)
            nobody = await owner.post("/hq/cuentas/conta@donpepe.cl/desactivar", data={"csrf": token, "motivo": " "})
            assert nobody.status_code == 422 and "motivo" in nobody.text
            done = await owner.post("/hq/cuentas/conta@donpepe.cl/desactivar",
                                    data={"csrf": token, "motivo": "terminó el contrato"})
            assert done.status_code == 303
            detail = text((await owner.get("/hq/cuentas/conta@donpepe.cl")).text)
            assert "Lo hizo José Pérez" in detail and "Motivo: «terminó el contrato»" in detail
            assert (await clerk.get("/hq/")).headers["location"].startswith("/hq/login")
            refused = await World.login(clerk, "conta@donpepe.cl")
            assert refused.status_code == 401 and "Su cuenta está desactivada" in refused.text
            back = await owner.post("/hq/cuentas/conta@donpepe.cl/desactivar", data={"csrf": token, "reactivar": "1"})
            assert back.status_code == 303
            assert (await World.login(clerk, "conta@donpepe.cl")).status_code == 303
            # reset: the old password stops working, the new code sets another
            reset = await owner.post("/hq/cuentas/conta@donpepe.cl/restablecer", data={"csrf": token})
            assert reset.status_code == 200 and "Contraseña restablecida" in reset.text
            new_code = CODE.search(reset.text)
            assert new_code
            assert (await clerk.get("/hq/")).status_code == 303  # its session ended with the reset
            async with served(world.app()) as fresh:
                assert (await World.login(fresh, "conta@donpepe.cl")).status_code == 401
                assert (await accept(fresh, new_code.group(1), "clave-nueva-22")).status_code == 303
            async with served(world.app()) as fresh:
                assert (await World.login(fresh, "conta@donpepe.cl", PASSWORD)).status_code == 401
                assert (await World.login(fresh, "conta@donpepe.cl", "clave-nueva-22")).status_code == 303
            # the owner cannot lock himself out
            own = await owner.post("/hq/cuentas/pepe@donpepe.cl/desactivar", data={"csrf": token, "motivo": "x"})
            assert own.status_code == 422 and "su propia cuenta" in own.text
            demote = await owner.post("/hq/cuentas/pepe@donpepe.cl", data={"csrf": token, "nombre": "José Pérez",
                                                                             "rol": "accountant"})
            assert demote.status_code == 422 and "No puede quitarse a sí mismo el rol de dueño" in demote.text
            # another tenant's account is not found
            assert (await owner.get("/hq/cuentas/rosa@esquina.cl")).status_code == 404

    import asyncio
    asyncio.run(scenario())
    assert world.rows("SELECT deactivated_at IS NULL, deactivated_by, deactivated_reason FROM hq_users"
                      " WHERE email = 'conta@donpepe.cl'") == [(True, None, None)]


ROLE_PAGES = [  # (method, path, owner, accountant, manager of norte)
    ("GET", "/hq/", 200, 200, 200),
    ("GET", "/hq/ventas?fecha=2026-11-20", 200, 200, 200),
    ("GET", "/hq/compras", 200, 200, 200),
    ("GET", "/hq/documentos", 200, 200, 200),
    ("GET", "/hq/documentos/rvd", 200, 200, 403),
    ("GET", "/hq/catalogo", 200, 200, 200),
    ("GET", "/hq/folios", 200, 200, 403),
    ("GET", "/hq/emisor", 200, 200, 403),
    ("GET", "/hq/usuarios", 200, 200, 403),
    ("GET", "/hq/tiendas", 200, 200, 200),
    ("GET", "/hq/tiendas/centro", 200, 200, 403),
    ("GET", "/hq/cuentas", 200, 403, 403),
    ("POST", "/hq/catalogo/nuevo", 422, 403, 403),
    ("POST", "/hq/emisor", 422, 403, 403),
    ("POST", "/hq/usuarios", 422, 403, 403),
    ("POST", "/hq/tiendas", 422, 403, 403),
    ("POST", "/hq/cuentas", 422, 403, 403),
    ("POST", "/hq/tiendas/centro/codigo", 400, 403, 403),
    ("POST", "/hq/tiendas/norte/codigo", 400, 403, 400),
]


def test_each_role_reaches_only_its_pages(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as owner, served(world.app()) as accountant, \
                served(world.app()) as manager:
            await World.login(owner)
            await accept(accountant, await invite(owner, "conta@donpepe.cl", "Carla", "accountant"))
            await accept(manager, await invite(owner, "enc@donpepe.cl", "Enzo", "manager", ["norte"]))
            for method, path, *expected in ROLE_PAGES:
                for client, status, who in zip((owner, accountant, manager), expected,
                                               ("dueño", "contador", "encargado"), strict=True):
                    token = World.token((await client.get("/hq/")).text)
                    answer = await (client.get(path) if method == "GET"
                                    else client.post(path, data={"csrf": token, "nombre": ""}))
                    assert answer.status_code == status, (who, method, path, answer.status_code, answer.text[-2000:])
                    if status == 403:
                        assert "Sin permiso" in answer.text
            # an encargado sees only his store's tills and sales
            cajas = text((await manager.get("/hq/")).text)
            assert "Caja Norte" in cajas and "Caja 1" not in cajas
            sales = text((await manager.get("/hq/ventas?fecha=2026-11-20")).text)
            assert "Norte" in sales and "Centro" not in sales and "$12.500" in sales and "$5.440" not in sales
            terminal = world.terminals[1][0]  # centro's
            assert (await manager.get(f"/hq/terminales/{terminal}/cuarentena")).status_code == 403
            assert (await owner.get(f"/hq/terminales/{terminal}/cuarentena")).status_code == 200
            stores = text((await manager.get("/hq/tiendas")).text)
            assert "Norte" in stores and "Centro" not in stores and "Nueva tienda" not in stores
            menu = (await accountant.get("/hq/")).text
            assert 'href="/hq/cuentas"' not in menu and 'href="/hq/documentos"' in menu

    import asyncio
    asyncio.run(scenario())
