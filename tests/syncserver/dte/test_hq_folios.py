"""``/hq/folios``: upload a CAF with the session's CSRF token, see CAFs and leases; refusals shown with the reason."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import psycopg_pool
from argon2 import PasswordHasher
from starlette.types import ASGIApp

from syncserver import app as app_mod
from syncserver import settings as settings_mod
from syncserver.hq import auth
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, Db, Till, migrated, sample_caf

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def test_hq_folios_page_imports_and_lists(pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    asyncio.run(_scenario(db, served))
    assert len(db.rows("SELECT 1 FROM folio_leases WHERE desde = 1 AND hasta = 7")) == 1


async def _scenario(db: Db, served: Served) -> None:
    async with psycopg_pool.AsyncConnectionPool(db.app_url, min_size=1, max_size=2, open=False) as pool:
        await auth.create_login(pool, 1, "pepe@donpepe.cl", "Pepe", "clave-segura-1", FAST)
        till = await Till.enroll(pool, 1)
    settings = settings_mod.ServerSettings(database_url=db.app_url, secret_key="test-secret", folio_lease_size=7,
                                           folio_low_water=2)
    app = app_mod.create_app(settings)
    app.state.hq_hasher = FAST
    async with served(app) as client:
        assert (await client.get("/hq/folios")).status_code == 303
        login = await client.get("/hq/login")
        token = CSRF.search(login.text)
        assert token
        await client.post("/hq/login", data={"csrf": token.group(1), "email": "pepe@donpepe.cl",
                                             "password": "clave-segura-1"})
        page = await client.get("/hq/folios")
        assert page.status_code == 200 and "Aún no hay CAF" in page.text
        token = CSRF.search(page.text)
        assert token
        files = {"caf": ("caf.xml", sample_caf(39), "text/xml")}
        assert (await client.post("/hq/folios", files=files)).status_code == 403  # no token
        done = await client.post("/hq/folios", data={"csrf": token.group(1)}, files=files)
        assert done.status_code == 303 and done.headers["location"] == "/hq/folios?importado=39:1-20"
        page = await client.get(done.headers["location"])
        assert "CAF importado: 39:1-20" in page.text and "certificación" in page.text
        assert "Caja" in page.text and "vigente" in page.text
        again = await client.post("/hq/folios", data={"csrf": token.group(1)}, files=files)
        assert again.status_code == 422 and "duplicado" in again.text
        tampered = {"caf": ("caf.xml", sample_caf(41).replace(b"<H>20</H>", b"<H>21</H>"), "text/xml")}
        bad = await client.post("/hq/folios", data={"csrf": token.group(1)}, files=tampered)
        assert bad.status_code == 422 and "No se importó el CAF" in bad.text
        assert "Rangos ya emitidos" not in page.text
        async with psycopg_pool.AsyncConnectionPool(db.app_url, min_size=1, max_size=2, open=False) as pool:
            for folio in range(1, 8):  # every folio of the first lease (1-7): the master leases 8-14 after it
                till.sell(39, folio)
            await till.push(pool, folio_lease_size=7, folio_low_water=2)
        used = (await client.get("/hq/folios")).text
        summed = re.search(r"<h2>Rangos ya emitidos</h2>.*?<tbody>(.*?)</tbody>", used, re.S)
        current = re.search(r"<h2>Folios asignados a las cajas</h2>.*?<tbody>(.*?)</tbody>", used, re.S)
        assert summed and current, used  # the used lease summed (one range, 7 folios), the new one listed
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", summed.group(1), re.S)]
        assert cells[1:6] == ["Boleta", "1", "7", "1", "7"], cells
        assert ">8<" in current.group(1) and ">14<" in current.group(1) and "usado" not in current.group(1)
    assert till.terminal_id in page.text or "Caja" in page.text
