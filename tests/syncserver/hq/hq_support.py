"""Helpers for the HQ tests: the ``World`` of two tenants, product rows, enrolled terminals, login with CSRF."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from shared import signing
from syncserver import app as app_mod
from syncserver import settings as settings_mod
from syncserver import tenancy

PASSWORD = "clave-segura-1"
ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--lang=es-CL"]
BROWSER_MARKS = [pytest.mark.slow,
                 pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")]
"""``pytestmark`` of a test module that drives HQ in a real Chromium (the ``browser`` fixture of conftest.py)."""
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
WRITTEN_ON_REFUSAL = re.compile(r"session|audit|login|rate|attempt|throttle")
"""Tables a refused request may write: sessions, the audit trail, login failures and rate-limit counters."""
CODE = re.compile(r'aria-label="Código de invitación">([A-Z0-9-]+)<')


def product(sku: str, name: str, price: int, category: str = "Abarrotes", **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "name": name, "price": price, "category": category, "sold_by": "unit", "plu": None,
            "brand": "", "barcodes": [], "iva_exempt": False, "favourite": False, "active": True, **extra}


@dataclass
class World:
    """What ``world`` created; ids of the things of each tenant."""

    admin_url: str
    app_url: str
    terminals: dict[int, list[str]] = field(default_factory=dict)

    def run(self, work: Callable[[psycopg_pool.AsyncConnectionPool], Awaitable[Any]]) -> Any:
        """Run ``work(pool)`` with the application role (RLS applies), as the server does (in a thread of its own
        when this thread runs an event loop, as it does while a browser test's playwright is open)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(work))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self.arun(work)).result()

    async def arun(self, work: Callable[[psycopg_pool.AsyncConnectionPool], Awaitable[Any]]) -> Any:
        """``run`` inside a running event loop."""
        async with psycopg_pool.AsyncConnectionPool(self.app_url, min_size=1, max_size=4, open=False) as pool:
            return await work(pool)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read as the admin role (superuser: sees every tenant) to check what really is in the database."""
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute(sql, params).fetchall()

    def checksum(self, conn: psycopg.Connection[tuple[Any, ...]] | None = None) -> list[tuple[Any, ...]]:
        """One (table, row count, md5 of its rows) per table of the database, but those a refused request may
        write (:data:`WRITTEN_ON_REFUSAL`): equal before and after a refusal means nothing was applied."""
        with contextlib.ExitStack() as stack:
            if conn is None:
                conn = stack.enter_context(psycopg.connect(self.admin_url))
            tables = [t for (t,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_type = 'BASE TABLE' ORDER BY table_name") if not WRITTEN_ON_REFUSAL.search(t)]
            return conn.execute(" UNION ALL ".join(
                f"SELECT '{t}', count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {t} x"
                for t in tables)).fetchall()

    def execute(self, sql: str, *params: Any) -> None:
        with psycopg.connect(self.admin_url) as conn:
            conn.execute(sql, params)

    def app(self, **overrides: Any) -> Starlette:
        settings = settings_mod.ServerSettings(database_url=self.app_url, secret_key="test-secret", **overrides)
        app = app_mod.create_app(settings)
        app.state.hq_hasher = FAST
        return app

    def add_sale(self, tenant: int, sale_id: str, store: str, occurred_at: str, tenders: dict[str, int]) -> None:
        total = sum(tenders.values())
        with psycopg.connect(self.admin_url) as conn:
            conn.execute(
                "INSERT INTO sales (tenant_id, sale_id, store_id, terminal_id, epoch, seq, number, shift_id,"
                " cashier_id, occurred_at, total, neto, iva, exento, discount, rounding, change)"
                " VALUES (%s, %s, %s, 't', 1, 1, 1, 's', 'ana', %s, %s, 0, 0, 0, 0, 0, 0)",
                (tenant, sale_id, store, occurred_at, total))
            for kind, amount in tenders.items():
                conn.execute("INSERT INTO sale_tenders (tenant_id, sale_id, kind, amount, received)"
                             " VALUES (%s, %s, %s, %s, %s)", (tenant, sale_id, kind, amount, amount))

    @staticmethod
    async def login(client: httpx.AsyncClient, email: str = "pepe@donpepe.cl", password: str = PASSWORD
                    ) -> httpx.Response:
        """Open the login page (session + CSRF token), then post the form."""
        page = await client.get("/hq/login")
        return await client.post("/hq/login", data={"csrf": World.token(page.text), "email": email,
                                                    "password": password})

    @staticmethod
    def token(html: str) -> str:
        """The CSRF token of a page's forms."""
        match = CSRF.search(html)
        assert match, "no CSRF field in the page"
        return match.group(1)


async def enroll_terminal(pool: psycopg_pool.AsyncConnectionPool, tenant: int, store: str, name: str) -> str:
    """A terminal enrolled as a real one is: a code from HQ, then the terminal's key."""
    code = await tenancy.issue_enrollment_code(pool, tenant, store, name)
    terminal_id = str(uuid.uuid4())
    await tenancy.enroll(pool, code, signing.public_key(signing.new_private_key()), terminal_id)
    return terminal_id


async def invite(client: httpx.AsyncClient, email: str, name: str, role: str, stores: list[str] | None = None
                 ) -> str:
    """As the signed-in owner: invite an account; returns its one-time code (shown once)."""
    page = await client.get("/hq/cuentas")
    assert page.status_code == 200
    shown = await client.post("/hq/cuentas", data={"csrf": World.token(page.text), "correo": email, "nombre": name,
                                                   "rol": role, "tiendas": stores or []})
    assert shown.status_code == 200, shown.text
    match = CODE.search(shown.text)
    assert match and "/hq/invitacion?codigo=" in shown.text
    return match.group(1)


async def accept(client: httpx.AsyncClient, code: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get(f"/hq/invitacion?codigo={code}")
    return await client.post("/hq/invitacion", data={"csrf": World.token(page.text), "codigo": code,
                                                     "clave": password, "clave2": password})


def sign_in(page: Any, email: str = "pepe@donpepe.cl", password: str = PASSWORD) -> None:
    """In a browser page showing HQ's login form: type the e-mail and password and press Ingresar."""
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()


def open_menu(page: Any) -> None:
    """On a narrow page, unfold HQ's menu (the «Menú» disclosure button) so its links can be clicked; on a wide one
    the menu is already shown and this does nothing."""
    toggle = page.locator("summary.fold-button")
    if toggle.is_visible() and page.locator("details.fold[open]").count() == 0:
        toggle.click()
