"""HQ sign-in: server-side sessions (logout ends them, rotation at login, idle and absolute expiry, revocation on
deactivation and reset) and the rate limits on failed logins, each refusal in the tenant's audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from syncserver import accounts
from syncserver import app as app_mod
from syncserver import settings as settings_mod
from tests.syncserver.hq.hq_support import FAST, PASSWORD, World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
OWNER = "pepe@donpepe.cl"


@dataclass
class Clock:
    """The app's clock, moved by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def app(world: World, clock: Clock, **overrides: Any) -> ASGIApp:
    """The server app with ``clock``; the request header ``X-Test-Address`` plays the client's address."""
    settings = settings_mod.ServerSettings(database_url=world.app_url, secret_key="test-secret", **overrides)
    inner: Starlette = app_mod.create_app(settings, clock=clock)
    inner.state.hq_hasher = FAST

    async def addressed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-address":
                    scope = {**scope, "client": (value.decode(), 50000)}
        await inner(scope, receive, send)

    return addressed


async def login(client: httpx.AsyncClient, email: str = OWNER, password: str = PASSWORD,
                address: str = "10.0.0.1") -> httpx.Response:
    page = await client.get("/hq/login", headers={"x-test-address": address})
    return await client.post("/hq/login", data={"csrf": World.token(page.text), "email": email,
                                                "password": password}, headers={"x-test-address": address})


def cookie(client: httpx.AsyncClient) -> str:
    return client.cookies["almacen_hq"]


def use(client: httpx.AsyncClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set("almacen_hq", value, domain="almacen.test", path="/hq")


def trail(world: World, tenant: int = 1) -> list[tuple[str, str, str]]:
    return [(k, a, ad) for k, a, ad in world.rows("SELECT kind, actor, address FROM audit_log WHERE tenant_id = %s"
                                                  " ORDER BY audit_id", tenant)]


def test_a_cookie_copied_before_logout_opens_nothing_after_it(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(app(world, Clock())) as client:
            assert (await login(client)).status_code == 303
            copied = cookie(client)
            home = await client.get("/hq/")
            assert home.status_code == 200
            out = await client.post("/hq/salir", data={"csrf": World.token(home.text)})
            assert out.headers["location"] == "/hq/login?salida=1"
            use(client, copied)  # the thief's copy, taken while signed in
            refused = await client.get("/hq/catalogo")
            assert refused.status_code == 303 and refused.headers["location"].startswith("/hq/login")
            assert (await client.get("/hq/")).status_code == 303

    asyncio.run(scenario())
    assert world.rows("SELECT revoked_reason FROM hq_sessions") == [("logout",)]
    assert [k for k, _a, _ad in trail(world)] == ["login_ok", "logout"]
    assert world.rows("SELECT count(*) FROM hq_sessions WHERE token_hash LIKE '%%' AND length(token_hash) = 64"
                      ) == [(1,)]  # only the token's SHA-256 is stored


def test_a_new_token_at_every_login_and_a_cookie_from_before_login_never_becomes_a_session(
        world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(app(world, Clock())) as client:
            await client.get("/hq/login")
            planted = cookie(client)  # what an attacker could plant in the victim's browser before login
            assert (await login(client)).status_code == 303
            first = cookie(client)
            assert first != planted
            use(client, planted)
            assert (await client.get("/hq/")).status_code == 303  # the planted cookie opens nothing
            use(client, first)
            home = await client.get("/hq/")
            assert home.status_code == 200
            again = await client.post("/hq/login", data={"csrf": World.token(home.text), "email": OWNER,
                                                         "password": PASSWORD})  # again, in the same browser
            assert again.status_code == 303
            assert cookie(client) not in (first, planted)
            assert (await client.get("/hq/")).status_code == 200
            use(client, first)  # the session before is over
            assert (await client.get("/hq/")).status_code == 303

    asyncio.run(scenario())
    assert world.rows("SELECT revoked_reason FROM hq_sessions ORDER BY session_id") == [("login",), (None,)]
    assert len({h for (h,) in world.rows("SELECT token_hash FROM hq_sessions")}) == 2


def test_idle_sessions_expire_with_a_spanish_notice_and_busy_ones_at_their_maximum(world: World,
                                                                                  served: Served) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with served(app(world, clock, hq_session_idle_minutes=30, hq_session_max_hours=2)) as client:
            await login(client)
            clock.move(minutes=29)
            assert (await client.get("/hq/")).status_code == 200  # 29 minutes idle: still open
            clock.move(minutes=31)
            gone = await client.get("/hq/ventas")
            assert gone.status_code == 303 and gone.headers["location"].startswith("/hq/login")
            page = await client.get(gone.headers["location"])
            assert "Su sesión expiró por inactividad; vuelva a ingresar." in page.text
            assert "expiró" not in (await client.get("/hq/login")).text  # said once

            await login(client)
            for _ in range(4):  # busy: a page every 25 minutes
                clock.move(minutes=25)
                assert (await client.get("/hq/")).status_code == 200
            clock.move(minutes=25)  # 2 h 5 min after the login
            assert (await client.get("/hq/")).status_code == 303
            assert "duración máxima (2 horas)" in (await client.get("/hq/login")).text

    asyncio.run(scenario())
    assert world.rows("SELECT revoked_reason FROM hq_sessions ORDER BY session_id") == [("idle",), ("lifetime",)]
    assert world.rows("SELECT detail FROM audit_log WHERE kind = 'session_expired' ORDER BY audit_id") == [
        ("Sesión vencida: 30 minutos sin uso.",), ("Sesión vencida: duración máxima de 2 horas.",)]


def test_deactivating_or_resetting_an_account_ends_its_sessions_for_good(world: World, served: Served) -> None:
    clock = Clock()

    async def with_pool() -> None:
        async def work(pool: Any) -> None:
            code = await accounts.invite(pool, 1, email="ana@donpepe.cl", name="Ana", role="accountant", stores=[],
                                         by="Pepe", at=START)
            await accounts.accept_invite(pool, code, "clave-de-ana-1", at=START, hasher=FAST)

        await world.arun(work)
        async with served(app(world, clock)) as ana:
            assert (await login(ana, "ana@donpepe.cl", "clave-de-ana-1")).status_code == 303
            kept = cookie(ana)
            await world.arun(lambda pool: accounts.set_active(pool, 1, "ana@donpepe.cl", False, by="Pepe",
                                                              by_email=OWNER, reason="se fue", at=START))
            assert (await ana.get("/hq/")).status_code == 303
            await world.arun(lambda pool: accounts.set_active(pool, 1, "ana@donpepe.cl", True, by="Pepe",
                                                              by_email=OWNER, reason="", at=START))
            use(ana, kept)  # reactivated: her old cookie still opens nothing
            assert (await ana.get("/hq/")).status_code == 303
            assert (await login(ana, "ana@donpepe.cl", "clave-de-ana-1")).status_code == 303
            kept = cookie(ana)
            await world.arun(lambda pool: accounts.reset(pool, 1, "ana@donpepe.cl", at=START))
            use(ana, kept)
            assert (await ana.get("/hq/")).status_code == 303

    asyncio.run(with_pool())
    assert world.rows("SELECT revoked_reason FROM hq_sessions WHERE email = 'ana@donpepe.cl' ORDER BY session_id"
                      ) == [("deactivated",), ("reset",)]


def test_failed_logins_lock_out_with_429_growing_and_the_owner_gets_back_in_from_elsewhere(
        world: World, served: Served) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with served(app(world, clock)) as client:
            for attempt in range(4):
                wrong = await login(client, password=f"mala-{attempt}", address="203.0.113.9")
                assert wrong.status_code == 401 and "Correo o contraseña incorrectos" in wrong.text
            locked = await login(client, password="mala-4", address="203.0.113.9")
            assert locked.status_code == 429 and locked.headers["retry-after"] == "300"
            assert ("Demasiados intentos fallidos. Por seguridad, el ingreso quedó bloqueado; intente de nuevo en 5"
                    " minutos.") in locked.text
            still = await login(client, address="198.51.100.7")  # the right password, from elsewhere, inside the
            assert still.status_code == 429  # account's window: not even checked
            clock.move(minutes=5, seconds=1)
            assert (await login(client, address="198.51.100.7")).status_code == 303  # after it: the owner is in
            client.cookies.clear()
            for attempt in range(5):  # the next lock-out of the account lasts longer, up to 15 minutes
                last = await login(client, password=f"otra-{attempt}", address="203.0.113.9")
            assert last.status_code == 429 and last.headers["retry-after"] == "300"  # success pardoned the account
            clock.move(minutes=5, seconds=1)
            for attempt in range(5):
                last = await login(client, password=f"y-{attempt}", address="203.0.113.10")
            assert last.status_code == 429 and last.headers["retry-after"] == "600"
            clock.move(minutes=10, seconds=1)
            for attempt in range(5):
                last = await login(client, password=f"z-{attempt}", address="203.0.113.11")
            assert last.headers["retry-after"] == "900"
            clock.move(minutes=15, seconds=1)
            for attempt in range(5):
                last = await login(client, password=f"w-{attempt}", address="203.0.113.12")
            assert last.headers["retry-after"] == "900"  # capped: nobody keeps the owner out for longer

    asyncio.run(scenario())
    kinds = [k for k, _a, _ad in trail(world)]
    assert kinds.count("login_failed") == 4 + 1 + 5 * 4 and kinds.count("login_ok") == 1
    assert ("login_locked", OWNER, "198.51.100.7") in trail(world)  # the refused right password, named
    assert ("login_failed", OWNER, "203.0.113.9") in trail(world)


def test_one_address_guessing_many_accounts_is_locked_out_and_unknown_emails_look_the_same(
        world: World, served: Served, caplog: Any) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with served(app(world, clock)) as client:
            known = await login(client, password="mala", address="192.0.2.50")
            unknown = await login(client, email="nadie@ejemplo.cl", password="mala", address="192.0.2.50")
            assert (known.status_code, unknown.status_code) == (401, 401)
            assert known.text.replace(OWNER, "E") == unknown.text.replace("nadie@ejemplo.cl", "E").replace(
                World.token(unknown.text), World.token(known.text))
            for i in range(18):  # 20 failures from one address, over many e-mails, lock the address
                last = await login(client, email=f"x{i}@ejemplo.cl", password="mala", address="192.0.2.50")
            assert last.status_code == 429
            refused = await login(client, email="rosa@esquina.cl", address="192.0.2.50")  # even a right password
            assert refused.status_code == 429
            assert (await login(client, email="rosa@esquina.cl", address="192.0.2.51")).status_code == 303
            client.cookies.clear()
            for _ in range(5):  # an unknown e-mail locks like a known one
                last = await login(client, email="nadie@ejemplo.cl", password="mala", address="192.0.2.52")
            assert last.status_code == 429

    asyncio.run(scenario())
    assert ("login_locked", "rosa@esquina.cl", "192.0.2.50") in trail(world, 2)
    assert all(actor in (OWNER,) for _k, actor, _ad in trail(world, 1))
    unknown_lines = [r for r in caplog.records if r.getMessage() == "hq login refused for an unknown e-mail"]
    assert unknown_lines and all(getattr(r, "address", "") == "192.0.2.50" for r in unknown_lines[:19])
    assert world.rows("SELECT count(*) FROM auth_throttle WHERE key_hash LIKE '%%@%%'") == [(0,)]


def test_guessing_invitation_codes_is_locked_out_per_address(world: World, served: Served, caplog: Any) -> None:
    clock = Clock()

    async def invite(pool: Any) -> str:
        return await accounts.invite(pool, 1, email="ana@donpepe.cl", name="Ana", role="accountant", stores=[],
                                     by="Pepe", at=START)

    code = world.run(invite)

    async def scenario() -> None:
        async with served(app(world, clock)) as client:
            guess = {"x-test-address": "192.0.2.80"}
            for i in range(5):  # the greeting page tells a valid code: each miss counts
                page = await client.get(f"/hq/invitacion?codigo=AAAA-BBBB-CCCC-{i:04d}", headers=guess)
                assert page.status_code == 200 and "Cuenta <strong>" not in page.text
            for i in range(4):
                page = await client.get("/hq/invitacion", headers=guess)
                wrong = await client.post("/hq/invitacion", headers=guess, data={
                    "csrf": World.token(page.text), "codigo": f"DDDD-EEEE-FFFF-{i:04d}", "clave": "clave-nueva-1",
                    "clave2": "clave-nueva-1"})
                assert wrong.status_code == 422 and "no es válido" in wrong.text
            page = await client.get("/hq/invitacion", headers=guess)
            tenth = await client.post("/hq/invitacion", headers=guess, data={
                "csrf": World.token(page.text), "codigo": "GGGG-HHHH-JJJJ-KKKK", "clave": "clave-nueva-1",
                "clave2": "clave-nueva-1"})
            assert tenth.status_code == 429
            assert ("Demasiados códigos de invitación incorrectos desde esta dirección. Por seguridad, intente de"
                    " nuevo en 5 minutos.") in tenth.text
            right = await client.get(f"/hq/invitacion?codigo={code}", headers=guess)  # not even looked up
            assert right.status_code == 429 and "ana@donpepe.cl" not in right.text
            greeted = await client.get(f"/hq/invitacion?codigo={code}", headers={"x-test-address": "192.0.2.81"})
            assert greeted.status_code == 200 and "ana@donpepe.cl" in greeted.text
            clock.move(minutes=5, seconds=1)
            page = await client.get(f"/hq/invitacion?codigo={code}", headers=guess)
            done = await client.post("/hq/invitacion", headers=guess, data={
                "csrf": World.token(page.text), "codigo": code, "clave": "clave-nueva-1", "clave2": "clave-nueva-1"})
            assert done.status_code == 303

    asyncio.run(scenario())
    refused = [r for r in caplog.records if r.getMessage() == "hq invitation code refused"]
    assert len(refused) == 10 and all(getattr(r, "address", "") == "192.0.2.80" for r in refused)
