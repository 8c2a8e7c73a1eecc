"""HQ roles per store (``syncserver.hq.web.ACCESS``, ``HqUser.sees_store``): an encargado sees and touches only his
stores (another store's id in a path, a filter or a form is a 403 that changes nothing and is audited); a contador
reads but changes nothing except what an accountant does (resending a rejected RVD)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
from starlette.types import ASGIApp

from tests.syncserver.hq.hq_support import World, accept, invite

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def add_open_price_line(world: World, sale_id: str, code: str) -> None:
    world.execute("INSERT INTO sale_lines (tenant_id, sale_id, line_id, sku, name, quantity, unit_price, discount,"
                  " amount) VALUES (1, %s, 1, %s, 'Sin catálogo', 1, 990, 0, 990)", sale_id, f"SIN-CATALOGO-{code}")


def test_an_encargado_sees_and_touches_only_his_stores(world: World, served: Served) -> None:
    centro_till, norte_till = world.terminals[1]
    add_open_price_line(world, "s1", "7800000000999")  # sold in centro
    add_open_price_line(world, "s3", "7800000000888")  # sold in norte

    async def scenario() -> None:
        async with served(world.app()) as owner, served(world.app()) as manager:
            await World.login(owner)
            token = World.token((await owner.get("/hq/catalogo/LEC-1")).text)
            prices = await owner.post("/hq/catalogo/LEC-1/tiendas", data={"csrf": token, "precio_centro": "1.300",
                                                                          "precio_norte": "1.250"})
            assert prices.status_code == 303
            await accept(manager, await invite(owner, "enc@donpepe.cl", "Enzo", "manager", ["norte"]))
            before = world.checksum(), world.rows("SELECT * FROM terminals ORDER BY terminal_id"), world.rows(
                "SELECT * FROM auth_enrollment_codes ORDER BY code_hash")
            mine = World.token((await manager.get("/hq/")).text)

            # his own store's data
            product = await manager.get("/hq/catalogo/LEC-1")
            assert 'aria-label="Precio en Norte"' in product.text and 'value="1.250"' in product.text
            assert "Centro" not in text(product.text) and "1.300" not in product.text
            codes = text((await manager.get("/hq/codigos-nuevos")).text)
            assert "7800000000888" in codes and "7800000000999" not in codes
            assert (await manager.get("/hq/ventas?fecha=2026-11-20&tienda=norte")).status_code == 200
            assert (await manager.get(f"/hq/terminales/{norte_till}/cuarentena")).status_code == 200

            # another store of the same tenant: read or written by path, filter or form, refused with 403
            for path in ("/hq/ventas?fecha=2026-11-20&tienda=centro", "/hq/compras?tienda=centro", "/hq/tiendas/centro",
                         f"/hq/terminales/{centro_till}/cuarentena", f"/hq/terminales/{centro_till}/revocar"):
                refused = await manager.get(path)
                assert refused.status_code == 403 and "Sin permiso" in refused.text, path
                assert "$5.440" not in refused.text and "Caja 1" not in refused.text
            for path, form in ((f"/hq/terminales/{centro_till}/revocar", {}),
                               ("/hq/tiendas/centro/codigo", {"nombre": "Caja intrusa"}),
                               ("/hq/tiendas/centro/desactivar", {"motivo": "x"}),
                               ("/hq/tiendas/centro", {"nombre": "Robada"}),
                               ("/hq/catalogo/LEC-1/tiendas", {"precio_centro": "1"}),
                               ("/hq/usuarios", {"nombre": "Intruso", "rol": "cashier", "tiendas": "centro",
                                                 "pin": "1234", "pin2": "1234"})):
                refused = await manager.post(path, data={"csrf": mine, **form})
                assert refused.status_code == 403 and "Sin permiso" in refused.text, path
            # a store of another tenant is just as refused, and says nothing of it
            other = await manager.get("/hq/ventas?tienda=esquina")
            assert other.status_code == 403 and "La Esquina" not in other.text
            assert (world.checksum(), world.rows("SELECT * FROM terminals ORDER BY terminal_id"), world.rows(
                "SELECT * FROM auth_enrollment_codes ORDER BY code_hash")) == before

    asyncio.run(scenario())
    refusals = [detail for (detail,) in world.rows(
        "SELECT detail FROM audit_log WHERE tenant_id = 1 AND kind = 'request_refused' AND actor = 'enc@donpepe.cl'")]
    assert any("403 POST /hq/tiendas/centro/codigo" in d for d in refusals), refusals
    assert any("403 GET /hq/ventas" in d and "centro" in d for d in refusals), refusals
    assert world.rows("SELECT price FROM store_products WHERE tenant_id = 1 AND sku = 'LEC-1' ORDER BY store_id") == [
        (1300,), (1250,)]


def test_a_contador_reads_but_changes_only_what_an_accountant_does(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as owner, served(world.app()) as accountant:
            await World.login(owner)
            await accept(accountant, await invite(owner, "conta@donpepe.cl", "Carla", "accountant"))
            before = world.checksum()
            token = World.token((await accountant.get("/hq/")).text)
            for path in ("/hq/folios", "/hq/documentos", "/hq/documentos/rvd", "/hq/compras", "/hq/emisor",
                         "/hq/catalogo/LEC-1", "/hq/usuarios", "/hq/tiendas/centro"):
                assert (await accountant.get(path)).status_code == 200, path
            assert "Importar un CAF" not in (await accountant.get("/hq/folios")).text  # the owner's
            assert "Importar un CAF" in (await owner.get("/hq/folios")).text
            for path in ("/hq/folios", "/hq/documentos/39/1/corregir", "/hq/emisor", "/hq/catalogo/LEC-1",
                         "/hq/tiendas/centro/codigo", "/hq/usuarios", "/hq/cuentas"):
                refused = await accountant.post(path, data={"csrf": token, "motivo": "x", "password": "x"})
                assert refused.status_code == 403 and "Sin permiso" in refused.text, path
            resend = await accountant.post("/hq/documentos/rvd/2026-11-20/reenviar", data={"csrf": token})
            assert resend.status_code == 409, resend.text  # allowed to her; there is no rejected RVD that day
            assert world.checksum() == before

    asyncio.run(scenario())


def test_every_button_of_the_hq_templates_wears_the_house_style() -> None:
    """A bare <button> renders as the browser's tiny native control (HQ Folios' «Importar» did): every button
    carries the ``button`` class (hq.css), so it has the size a finger and an older eye need."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[3] / "syncserver" / "hq" / "templates"
    bare = [f"{page.name}: {tag}" for page in sorted(templates.glob("*.html"))
            for tag in re.findall(r"<button\b[^>]*>", page.read_text("utf-8"))
            if not re.search(r'class="[^"]*\b(button|fold-button)\b', tag)]
    assert bare == []
