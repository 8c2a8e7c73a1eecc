"""HQ's catalog page with the products stores created themselves, over ASGI on a migrated database: listed under
«Creados en tiendas (pendientes)» to whoever sees the store, adopted by the owner (in the catalog, published,
audited) or set aside (nothing deleted), each once; an encargado reads his store's, adopts nothing."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
from starlette.types import ASGIApp

from syncserver.store import change_feed
from tests.syncserver.hq.hq_support import World, accept, invite

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
PENDING = "Creados en tiendas (pendientes)"


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def propose(world: World, store: str, sku: str, name: str, price: int, barcodes: list[str]) -> None:
    """What the ingest keeps of a till's store-created product (``syncserver.store.local_products.record``)."""
    data = {"name": name, "price": price, "category": "Panadería", "sold_by": "unit", "plu": None, "brand": "",
            "barcodes": barcodes, "iva_exempt": False, "favourite": False, "active": True}
    world.execute("INSERT INTO store_created_products (tenant_id, store_id, sku, data, created_by, created_at,"
                  " terminal_id, updated_at) VALUES (1, %s, %s, %s, 'rosa', '2026-12-07T10:15:00-03:00', 't',"
                  " '2026-12-07T10:15:00-03:00')", store, sku, json.dumps(data))


def test_the_owner_adopts_or_sets_aside_a_store_s_product(world: World, served: Served) -> None:
    propose(world, "centro", "centro-L1-AB12", "Empanada de Pino", 2500, ["7800000000023"])
    propose(world, "norte", "norte-L1-CD34", "Sopaipilla", 300, [])
    world.execute("INSERT INTO users (tenant_id, user_id, name, role, pin_hash, active) VALUES (1, 'rosa',"
                  " 'Rosa Díaz', 'admin', 'x', true)")  # as the store's till enrolled her
    feed_before = world.rows("SELECT max(change_id) FROM changes WHERE tenant_id = 1")[0][0]

    async def scenario() -> None:
        async with served(world.app()) as owner, served(world.app()) as manager:
            await World.login(owner)
            page = await owner.get("/hq/catalogo")
            shown = text(page.text)
            assert PENDING in shown and "Centro centro-L1-AB12 Empanada de Pino" in shown
            assert "$2.500" in shown and "07-12-2026 10:15 por Rosa Díaz" in shown and "Sopaipilla" in shown
            token = World.token(page.text)
            adopted = await owner.post("/hq/catalogo/de-tiendas/adoptar",
                                       data={"csrf": token, "tienda": "centro", "sku": "centro-L1-AB12"})
            assert adopted.status_code == 303
            after = text((await owner.get(adopted.headers["location"])).text)
            assert "Producto centro-L1-AB12 adoptado" in after and "Empanada de Pino" in after
            assert "Sopaipilla" in after  # still pending
            edit = await owner.get("/hq/catalogo/centro-L1-AB12")
            assert edit.status_code == 200 and "Empanada de Pino" in edit.text
            again = await owner.post("/hq/catalogo/de-tiendas/adoptar",
                                     data={"csrf": token, "tienda": "centro", "sku": "centro-L1-AB12"})
            assert again.status_code == 409 and "No se pudo adoptar centro-L1-AB12" in text(again.text)
            assert "ya fue adoptado" in again.text
            unknown = await owner.post("/hq/catalogo/de-tiendas/adoptar",
                                       data={"csrf": token, "tienda": "norte", "sku": "centro-L1-AB12"})
            assert unknown.status_code == 404
            wrong = await owner.post("/hq/catalogo/de-tiendas/borrar",
                                     data={"csrf": token, "tienda": "norte", "sku": "norte-L1-CD34"})
            assert wrong.status_code == 404

            await accept(manager, await invite(owner, "enc@donpepe.cl", "Enzo", "manager", ["norte"]))
            seen = text((await manager.get("/hq/catalogo")).text)
            assert "Sopaipilla" in seen and "Lo adopta el dueño" in seen and "Empanada de Pino" in seen  # HQ's now
            assert "Adoptar" not in seen
            refused = await manager.post("/hq/catalogo/de-tiendas/adoptar", data={
                "csrf": World.token((await manager.get("/hq/catalogo")).text), "tienda": "norte",
                "sku": "norte-L1-CD34"})
            assert refused.status_code == 403

            set_aside = await owner.post("/hq/catalogo/de-tiendas/descartar",
                                         data={"csrf": token, "tienda": "norte", "sku": "norte-L1-CD34"})
            assert set_aside.status_code == 303
            final = text((await owner.get(set_aside.headers["location"])).text)
            assert "Producto norte-L1-CD34 descartado" in final and PENDING not in final

    asyncio.run(scenario())
    assert world.rows("SELECT sku, name, price, version, barcodes FROM products WHERE tenant_id = 1 AND sku LIKE"
                      " 'centro-%%'") == [("centro-L1-AB12", "Empanada de Pino", 2500, 1, ["7800000000023"])]
    assert world.rows("SELECT sku, adopted_by, discarded_by FROM store_created_products ORDER BY sku") == [
        ("centro-L1-AB12", "José Pérez", None), ("norte-L1-CD34", None, "José Pérez")]
    assert world.rows("SELECT kind FROM audit_log WHERE tenant_id = 1 AND kind LIKE 'product_%%' ORDER BY at, kind"
                      ) == [("product_adopted",), ("product_set_aside",)]
    for store in ("centro", "norte"):
        changes, _ = world.run(lambda pool, s=store: change_feed.pull(pool, 1, s, feed_before))
        assert [(c["kind"], c["key"]) for c in changes if c["kind"] == "product"] == [("product", "centro-L1-AB12")]
