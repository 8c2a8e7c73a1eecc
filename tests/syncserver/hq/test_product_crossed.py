"""HQ's product page and the feed: an edit at /hq/catalogo publishes who (the account's e-mail) and when, and a
store's edit the master recorded as crossing HQ's change is shown on the product's per-store table."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

import httpx
from starlette.types import ASGIApp

from tests.syncserver.hq.hq_support import World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
CROSSED = ("HQ cambió el precio a $1.290 el 07-12-2026 10:31 (pepe@donpepe.cl); la tienda lo vio en $1.150 y"
           " guardó $1.190")


def test_an_hq_edit_says_who_and_when_and_a_crossed_store_edit_is_shown(world: World, served: Served) -> None:
    before = world.rows("SELECT max(change_id) FROM changes WHERE tenant_id = 1")[0][0]
    world.execute("INSERT INTO store_product_settings (tenant_id, store_id, sku, price, min_stock, location, active,"
                  " edited_by, edited_at, seen_price, seen_change, crossed_change, crossed) VALUES (1, 'centro',"
                  " 'LEC-1', 1190, NULL, '', true, 'rosa', '2026-12-07T10:40:00-03:00', 1150, 1, 2, %s)", CROSSED)

    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            page = await client.get("/hq/catalogo/LEC-1")
            assert f"La tienda guardó sin ver un cambio de HQ: {CROSSED}." in page.text.replace("&#36;", "$")
            form = {"csrf": World.token(page.text), "price": "$1.290", "name": "Leche Entera Colun 1 L",
                    "category": "Lácteos", "active": "1", "version": "1"}
            assert (await client.post("/hq/catalogo/LEC-1", data=form)).status_code == 303

    asyncio.run(scenario())
    [(data,)] = world.rows("SELECT data FROM changes WHERE tenant_id = 1 AND change_id > %s AND key = 'LEC-1'"
                           " AND store_id IS NULL", before)
    assert data["price"] == 1290 and data["changed_by"] == "pepe@donpepe.cl"
    assert datetime.fromisoformat(data["changed_at"]).tzinfo is not None
