"""Fixtures for the HQ pages: a migrated database with two tenants' stores, terminals, products, sales and logins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg_pool
import pytest

from syncserver import bootstrap, catalog, tenancy
from syncserver.hq import auth
from tests.syncserver.hq.hq_support import ARGS, CHROMIUM, FAST, PASSWORD, SHOTS, World, enroll_terminal, product


@pytest.fixture
def world(pg_database: str) -> World:
    """Tenant 1 (Almacenes Don Pepe: stores centro + norte) and tenant 2 (Minimarket La Esquina: store esquina),
    each with an HQ login, products, terminals, sales on 20-11-2026 and a quarantined event."""
    w = World(pg_database, bootstrap.migrate(pg_database))

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe", "76.123.456-0")
        await tenancy.create_store(pool, 1, "centro", "Centro")
        await tenancy.create_store(pool, 1, "norte", "Norte")
        await tenancy.create_tenant(pool, 2, "Minimarket La Esquina", "77.888.999-0")
        await tenancy.create_store(pool, 2, "esquina", "La Esquina")
        await auth.create_login(pool, 1, "pepe@donpepe.cl", "José Pérez", PASSWORD, FAST)
        await auth.create_login(pool, 2, "rosa@esquina.cl", "Rosa Díaz", PASSWORD, FAST)
        await catalog.upsert_product(pool, 1, product("LEC-1", "Leche Entera Colun 1 L", 1150, "Lácteos",
                                                      barcodes=["7801234567894"]))
        await catalog.upsert_product(pool, 1, product("COC-15", "Coca-Cola 1,5 L", 1990, "Bebidas"))
        await catalog.upsert_product(pool, 1, product("PAN-1", "Pan Batido", 1990, "Panadería", sold_by="kg",
                                                      plu="1001"))
        await catalog.upsert_product(pool, 2, product("SECRETO-2", "Pisco Secreto Esquina", 7777, "Licores"))
        await catalog.upsert_product(pool, 2, product("COC-15", "Coca-Cola 1,5 L Esquina", 2222, "Bebidas"))
        w.terminals[1] = [await enroll_terminal(pool, 1, "centro", "Caja 1"),
                          await enroll_terminal(pool, 1, "norte", "Caja Norte")]
        w.terminals[2] = [await enroll_terminal(pool, 2, "esquina", "Caja Esquina")]

    w.run(setup)
    t1, t2 = w.terminals[1][0], w.terminals[2][0]
    w.execute("UPDATE terminals SET last_sync_at = '2026-11-20 12:05:00+00', last_seen_seq = 412,"
              " pending_reported = 3, clock_skew_ms = 125000 WHERE terminal_id = %s", t1)
    for tenant, terminal, reason in ((1, t1, "tipo de evento desconocido: promo.applied v1"),
                                     (2, t2, "SECRETO de la esquina")):
        w.execute("INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
                  " VALUES (%s, %s, 1, 7, 'promo.applied', 1, %s, %s)", tenant, terminal, reason,
                  json.dumps({"promo": "2x1"}))
    w.add_sale(1, "s1", "centro", "2026-11-20T10:15:00-03:00", {"cash": 1990})
    w.add_sale(1, "s2", "centro", "2026-11-20T18:40:00-03:00", {"debit": 3450, "cash": 1000})
    w.add_sale(1, "s3", "norte", "2026-11-20T23:59:00-03:00", {"credit": 12500})
    w.add_sale(1, "s4", "centro", "2026-11-21T00:10:00-03:00", {"cash": 500})  # the next day in Chile
    w.add_sale(1, "s5", "centro", "2026-11-21T02:30:00+00:00", {"cash": 800})  # 23:30 of the 20th in Chile
    w.add_sale(2, "x1", "esquina", "2026-11-20T12:00:00-03:00", {"cash": 77777})
    return w


@pytest.fixture
def server(world: World, serve_in_thread: Any) -> Iterator[str]:
    """The app of ``world`` served by uvicorn in a thread; yields its base URL."""
    with serve_in_thread(world.app()) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Debian Chromium (playwright) in Spanish; screenshots go to ``artifacts/screenshots``."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
