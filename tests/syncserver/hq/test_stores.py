"""Stores in HQ: created with their SII sucursal data and a bodega, edited (published to the store's tills),
warehouses added, deactivated with a reason and brought back (nothing deleted); and a reused enrolment code
refused with a clear message in Spanish."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from shared import signing
from syncserver import tenancy
from syncserver.store import change_feed
from tests.syncserver.hq.hq_support import World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def store_changes(world: World, store: str) -> list[dict[str, Any]]:
    async def pull(pool: Any) -> list[dict[str, Any]]:
        changes, _ = await change_feed.pull(pool, 1, store, 0, 1000)
        return [c["data"] for c in changes if c["kind"] == "store"]
    return list(world.run(pull))


def test_owner_creates_edits_and_deactivates_stores_and_warehouses(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            page = await client.get("/hq/tiendas")
            assert "Centro" in page.text and "Nueva tienda" in page.text
            token = World.token(page.text)
            form = {"csrf": token, "codigo": "sur", "nombre": "Sur", "direccion": "Gran Avenida 5000",
                    "comuna": "San Miguel", "ciudad": "Santiago", "sucursal_sii": "8123", "bodega": "1"}
            bad = await client.post("/hq/tiendas", data={**form, "sucursal_sii": "81-23"})
            assert bad.status_code == 422
            assert "Código de sucursal SII: «81-23» no es un número de hasta 9 dígitos." in text(bad.text)
            assert 'value="Gran Avenida 5000"' in bad.text
            taken = await client.post("/hq/tiendas", data={**form, "codigo": "centro"})
            assert taken.status_code == 422 and "Ya existe una tienda o bodega con el código «centro»" in taken.text
            slug = await client.post("/hq/tiendas", data={**form, "codigo": "Sur 2"})
            assert slug.status_code == 422 and "sin espacios" in slug.text
            long = await client.post("/hq/tiendas", data={**form, "comuna": "x" * 21})
            assert long.status_code == 422 and "la comuna puede tener hasta 20 caracteres" in long.text.lower()
            created = await client.post("/hq/tiendas", data=form)
            assert (created.status_code, created.headers["location"]) == (303, "/hq/tiendas/sur?aviso=creada")
            detail = text((await client.get("/hq/tiendas/sur")).text)
            assert "Sala de ventas Sur Sala de ventas activa principal" in detail
            assert "Bodega Sur Bodega activa" in detail
            edited = await client.post("/hq/tiendas/sur", data={**form, "direccion": "Gran Avenida 5100"})
            assert edited.status_code == 303
            added = await client.post("/hq/tiendas/sur/bodegas", data={"csrf": token, "nombre": "Bodega patio",
                                                                       "tipo": "bodega"})
            assert added.status_code == 303
            main = await client.post("/hq/tiendas/sur/bodegas/sur/desactivar", data={"csrf": token, "motivo": "x"})
            assert main.status_code == 422 and "no se desactiva" in main.text
            other = await client.post("/hq/tiendas/norte/bodegas/sur-bodega-1/desactivar",
                                      data={"csrf": token, "motivo": "x"})
            assert other.status_code == 404  # a warehouse is reached only through its own store
            gone = await client.post("/hq/tiendas/sur/bodegas/sur-bodega-1/desactivar",
                                     data={"csrf": token, "motivo": "se inundó"})
            assert gone.status_code == 303
            assert "se inundó" in text((await client.get("/hq/tiendas/sur")).text)
            no_reason = await client.post("/hq/tiendas/sur/desactivar", data={"csrf": token, "motivo": ""})
            assert no_reason.status_code == 422 and "motivo" in no_reason.text
            closed = await client.post("/hq/tiendas/sur/desactivar", data={"csrf": token, "motivo": "cerró el local"})
            assert closed.status_code == 303
            shown = text((await client.get("/hq/tiendas/sur")).text)
            assert "Tienda desactivada . La desactivó José Pérez" in shown and "«cerró el local»" in shown
            assert "Reactivar tienda" in shown
            no_code = await client.post("/hq/tiendas/sur/codigo", data={"csrf": token, "nombre": "Caja 1"})
            assert no_code.status_code == 409
            assert ("La tienda Sur está desactivada: reactívela en HQ (Tiendas) antes de enrolar una caja"
                    in no_code.text)
            back = await client.post("/hq/tiendas/sur/desactivar", data={"csrf": token, "reactivar": "1"})
            assert back.status_code == 303
            code = await client.post("/hq/tiendas/sur/codigo", data={"csrf": token, "nombre": "Caja 1"})
            assert code.status_code == 200 and "Código para «Caja 1»" in code.text
            assert (await client.get("/hq/tiendas/esquina")).status_code == 404  # another tenant's

    asyncio.run(scenario())
    feed = store_changes(world, "sur")
    assert [(c["direccion"], c["active"]) for c in feed] == [
        ("Gran Avenida 5000", True), ("Gran Avenida 5100", True), ("Gran Avenida 5100", False),
        ("Gran Avenida 5100", True)]
    assert feed[0] == {"store_id": "sur", "name": "Sur", "direccion": "Gran Avenida 5000", "comuna": "San Miguel",
                       "ciudad": "Santiago", "sucursal_sii": 8123, "active": True}
    assert store_changes(world, "centro") == []  # each store's change reaches only its own tills
    assert world.rows("SELECT warehouse_id, kind, deactivated_reason FROM warehouses WHERE store_id = 'sur'"
                      " ORDER BY warehouse_id") == [("sur", "sala", None), ("sur-bodega", "bodega", None),
                                                    ("sur-bodega-1", "bodega", "se inundó")]
    assert world.rows("SELECT deactivated_at, deactivated_reason FROM stores WHERE store_id = 'sur'") == [
        (None, None)]


def test_a_reused_enrolment_code_is_refused_in_spanish(world: World) -> None:
    async def scenario(pool: Any) -> None:
        code = await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 9")
        await tenancy.enroll(pool, code, signing.public_key(signing.new_private_key()), str(uuid.uuid4()))
        with pytest.raises(tenancy.TenancyError) as reused:
            await tenancy.enroll(pool, code.lower(), signing.public_key(signing.new_private_key()),
                                 str(uuid.uuid4()))
        assert reused.value.code == "enrollment"
        assert re.fullmatch(r"este código de enrolamiento ya fue usado el \d\d-\d\d-\d{4} a las \d\d:\d\d para"
                            r" enrolar otra caja, y cada código sirve una sola vez: pida uno nuevo en HQ \(Cajas,"
                            r" «Nuevo código de enrolamiento»\) o con 'almacen server admin enroll-code'",
                            reused.value.detail), reused.value.detail

    world.run(scenario)
