"""``/hq/auditoria``: the owner reads the trail (filters, pages, strict parameters) and closes open sessions; other
roles are refused, and their refusal is itself in the trail."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.types import ASGIApp

from syncserver import accounts
from syncserver.store import audit
from tests.syncserver.hq.hq_support import FAST, World
from tests.syncserver.hq.test_auth import OWNER, Clock, app, cookie, login, trail, use

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
ANA, ANA_PASSWORD = "ana@donpepe.cl", "clave-de-ana-1"


def lines(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in re.findall(r"<li>(.*?)</li>", html, re.S)]


def add_accountant(world: World) -> None:
    async def work(pool: Any) -> None:
        code = await accounts.invite(pool, 1, email=ANA, name="Ana", role="accountant", stores=[], by="Pepe",
                                     at=datetime.now(UTC))
        await accounts.accept_invite(pool, code, ANA_PASSWORD, at=datetime.now(UTC), hasher=FAST)

    world.run(work)


def test_the_owner_reads_the_trail_filtered_and_paged_and_bad_filters_are_a_spanish_400(
        world: World, served: Served) -> None:
    clock = Clock(now=datetime(2026, 12, 1, 15, 0, tzinfo=UTC))

    async def fill(pool: Any) -> None:
        for i in range(60):
            await audit.record_tx(pool, tenant_id=1, kind="enrolment_refused", actor=f"caja-{i % 3}",
                                  address="10.9.9.9", detail=f"código desconocido n.º {i}",
                                  at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC) + timedelta(minutes=i))
        await audit.record_tx(pool, tenant_id=2, kind="login_failed", actor="rosa@esquina.cl", detail="SECRETO-2",
                              at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))

    world.run(fill)

    async def scenario() -> None:
        async with served(app(world, clock)) as client:
            await login(client, password="mala", address="10.1.1.1")
            await login(client, address="10.1.1.2")
            first = await client.get("/hq/auditoria")
            assert first.status_code == 200 and "Auditoría" in first.text and "SECRETO" not in first.text
            shown = lines(first.text)
            assert len(shown) == 50
            assert shown[0].startswith("01-12-2026 12:00 Ingreso a HQ pepe@donpepe.cl desde 10.1.1.2")
            assert "Ingreso fallido pepe@donpepe.cl desde 10.1.1.1 Contraseña incorrecta." in shown[1]
            assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
            second = await client.get("/hq/auditoria?pagina=2")
            assert len(lines(second.text)) == 12 and 'rel="prev"' in second.text and 'rel="next"' not in second.text
            refused = await client.get("/hq/auditoria?tipo=enrolment_refused&quien=CAJA-1&desde=2026-11-20"
                                       "&hasta=2026-11-20")
            assert [line.split(" código")[0] for line in lines(refused.text)][:1] == [
                "20-11-2026 09:58 Enrolamiento rechazado caja-1 desde 10.9.9.9"]
            assert len(lines(refused.text)) == 20
            assert lines((await client.get("/hq/auditoria?hasta=2026-11-19")).text) == []
            for bad, words in (("?desde=9999-12-31", "aaaa-mm-dd"), ("?hasta=2026-13-01", "aaaa-mm-dd"),
                               ("?desde=２０２６-11-20", "aaaa-mm-dd"), ("?pagina=²", "número"),
                               ("?pagina=0", "número"), ("?tipo=drop", "tipo")):
                response = await client.get("/hq/auditoria" + bad)
                assert response.status_code == 400 and words in response.text, bad

    asyncio.run(scenario())
    assert ("request_refused", OWNER, "127.0.0.1") in trail(world)


def test_other_roles_are_refused_and_the_refusal_is_audited(world: World, served: Served) -> None:
    add_accountant(world)

    async def scenario() -> None:
        async with served(app(world, Clock())) as client:
            assert (await login(client, ANA, ANA_PASSWORD, address="10.2.2.2")).status_code == 303
            client.headers["x-test-address"] = "10.2.2.2"
            home = await client.get("/hq/")
            assert "/hq/auditoria" not in home.text
            assert (await client.get("/hq/auditoria")).status_code == 403
            assert (await client.get("/hq/auditoria/sesiones")).status_code == 403
            assert (await client.post("/hq/catalogo/LEC-1", data={"price": "1"})).status_code == 403
            forged = await client.post("/hq/salir", data={"csrf": "x" * 43})
            assert forged.status_code == 403 and (await client.get("/hq/")).status_code == 200
        async with served(app(world, Clock())) as owner:
            await login(owner)
            shown = lines((await owner.get("/hq/auditoria?tipo=request_refused")).text)
            assert len(shown) == 4 and all(f"Solicitud rechazada {ANA} desde 10.2.2.2 403" in line for line in shown)
            assert "403 POST /hq/salir: formulario sin el código de seguridad (CSRF) de la sesión" in shown[0]

    asyncio.run(scenario())
    refusals = world.rows("SELECT actor, address, detail FROM audit_log WHERE kind = 'request_refused'"
                          " ORDER BY audit_id")
    assert [(a, ad) for a, ad, _d in refusals] == [(ANA, "10.2.2.2")] * 4
    assert refusals[0][2] == "403 GET /hq/auditoria: su rol (Contador) no tiene acceso"
    assert refusals[2][2] == "403 POST /hq/catalogo/LEC-1: su rol (Contador) no tiene acceso"
    assert refusals[3][2].startswith("403 POST /hq/salir:") and "CSRF" in refusals[3][2]


def test_the_owner_sees_and_closes_open_sessions(world: World, served: Served) -> None:
    add_accountant(world)
    clock = Clock()

    async def scenario() -> None:
        async with served(app(world, clock)) as owner, served(app(world, clock)) as ana:
            await login(owner, address="10.0.0.1")
            await login(ana, ANA, ANA_PASSWORD, address="10.3.3.3")
            first_ana = cookie(ana)
            ana.cookies.clear()
            await login(ana, ANA, ANA_PASSWORD, address="10.3.3.4")
            listed = await owner.get("/hq/auditoria/sesiones")
            assert listed.text.count(ANA) == 2 and "10.3.3.3" in listed.text and "10.3.3.4" in listed.text
            ids = [int(i) for i in re.findall(r"/sesiones/(\d+)/cerrar", listed.text)]
            assert len(ids) == 3
            token = World.token(listed.text)
            [(one,)] = world.rows("SELECT session_id FROM hq_sessions WHERE address = '10.3.3.3'")
            closed = await owner.post(f"/hq/auditoria/sesiones/{one}/cerrar", data={"csrf": token})
            assert closed.headers["location"] == "/hq/auditoria/sesiones?aviso=cerrada"
            use(ana, first_ana)
            gone = await ana.get("/hq/")
            assert gone.status_code == 303
            assert "Su sesión fue cerrada" in (await ana.get("/hq/login")).text
            assert (await owner.post(f"/hq/auditoria/sesiones/{one}/cerrar", data={"csrf": token})).status_code == 404
            assert (await owner.post("/hq/auditoria/sesiones/9x/cerrar", data={"csrf": token})).status_code == 404
            account = await owner.get(f"/hq/cuentas/{ANA}")
            assert '/hq/auditoria/sesiones?cuenta=ana%40donpepe.cl"' in account.text
            only_ana = await owner.get("/hq/auditoria/sesiones?cuenta=ana%40donpepe.cl")
            assert only_ana.text.count("/cerrar\"") == 1 and OWNER not in only_ana.text.split("<main")[1].split(
                "Sesiones abiertas")[1].split("</table>")[0]
            every = await owner.post("/hq/auditoria/sesiones/cerrar-cuenta", data={"csrf": token, "cuenta": ANA})
            assert every.headers["location"] == "/hq/auditoria/sesiones?aviso=cerradas"
            assert "No hay sesiones abiertas" in (await owner.get(f"/hq/auditoria/sesiones?cuenta={ANA}")).text
            assert (await owner.get("/hq/")).status_code == 200  # the owner's own session is untouched

    asyncio.run(scenario())
    assert [k for k, a, _ad in trail(world) if a == ANA and k == "session_revoked"] == ["session_revoked"] * 2
    assert world.rows("SELECT count(*) FROM hq_sessions WHERE email = %s AND revoked_reason = 'owner'", ANA) == [(2,)]


def test_account_changes_made_in_hq_are_in_the_trail_and_end_the_sessions(world: World, served: Served) -> None:
    add_accountant(world)

    async def scenario() -> None:
        async with served(app(world, Clock())) as owner, served(app(world, Clock())) as ana:
            await login(owner)
            await login(ana, ANA, ANA_PASSWORD)
            token = World.token((await owner.get("/hq/cuentas")).text)
            edited = await owner.post(f"/hq/cuentas/{ANA}", data={"csrf": token, "nombre": "Ana María",
                                                                 "rol": "accountant"})
            assert edited.status_code == 303
            off = await owner.post(f"/hq/cuentas/{ANA}/desactivar", data={"csrf": token, "motivo": "dejó la empresa"})
            assert off.status_code == 303
            assert (await ana.get("/hq/")).status_code == 303
            back = await owner.post(f"/hq/cuentas/{ANA}/desactivar", data={"csrf": token, "reactivar": "1"})
            assert back.status_code == 303
            assert (await ana.get("/hq/")).status_code == 303  # back, but her old session stays closed
            shown = lines((await owner.get("/hq/auditoria?tipo=account_changed")).text)
            assert len(shown) == 3
            assert "Reactivada por pepe@donpepe.cl." in shown[0]
            assert "Desactivada por pepe@donpepe.cl: sus sesiones se cerraron." in shown[1]
            assert "Nombre, rol (Contador) o tiendas guardados por pepe@donpepe.cl." in shown[2]

    asyncio.run(scenario())
