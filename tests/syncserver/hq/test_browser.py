"""HQ in a real Chromium (headless) against a real uvicorn server: log in, terminals, edit a price, log out."""

from __future__ import annotations

import re
from typing import Any

from syncserver.store import change_feed
from tests.syncserver.hq.hq_support import BROWSER_MARKS, PASSWORD, SHOTS, World

pytestmark = BROWSER_MARKS


def test_owner_logs_in_sees_terminals_edits_a_price_and_logs_out(world: World, server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="es-CL")
    page.goto(server + "/hq/")
    expect(page).to_have_url(server + "/hq/login?siguiente=%2Fhq%2F")
    page.get_by_label("Correo electrónico").fill("pepe@donpepe.cl")
    page.get_by_label("Contraseña").fill("equivocada")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("alert")).to_contain_text("Correo o contraseña incorrectos")
    page.screenshot(path=str(SHOTS / "hq_login.png"), full_page=True)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()

    expect(page.get_by_role("heading", name="Tiendas y cajas")).to_be_visible()
    expect(page.get_by_text("Caja Norte")).to_be_visible()
    expect(page.get_by_text("+2 min")).to_be_visible()
    page.screenshot(path=str(SHOTS / "hq_terminales.png"), full_page=True)

    north = page.locator("section", has=page.get_by_role("heading", name="Norte"))
    north.get_by_role("button", name="Nuevo código de enrolamiento").click()
    expect(page.get_by_role("heading", name="Código para «Caja 2»")).to_be_visible()
    code = page.get_by_label("Código de enrolamiento")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){2}$"))
    page.screenshot(path=str(SHOTS / "hq_codigo.png"), full_page=True)
    page.get_by_role("link", name="Volver a las cajas").click()

    north.get_by_role("link", name="Revocar").click()
    expect(page.get_by_role("heading", name="¿Revocar «Caja Norte»?")).to_be_visible()
    page.get_by_role("button", name="Sí, revocar la caja").click()
    expect(page.get_by_role("status")).to_contain_text("La caja quedó revocada")
    expect(north.get_by_text("revocada", exact=True)).to_be_visible()

    page.get_by_role("link", name="Catálogo", exact=True).click()
    page.get_by_label("Buscar").fill("leche")
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_text("1 producto para «leche»")).to_be_visible()
    page.get_by_role("link", name="Editar").click()
    price = page.get_by_label("Precio (con IVA)")
    expect(price).to_have_value("1.150")
    price.fill("1.290")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("status")).to_contain_text("Cambios guardados")
    expect(price).to_have_value("1.290")
    page.screenshot(path=str(SHOTS / "hq_producto.png"), full_page=True)

    page.get_by_role("link", name="Catálogo", exact=True).click()
    expect(page.get_by_role("row", name="Leche Entera Colun")).to_contain_text("$1.290")
    page.screenshot(path=str(SHOTS / "hq_catalogo.png"), full_page=True)

    page.get_by_role("link", name="Ventas", exact=True).click()
    page.get_by_label("Fecha").fill("2026-11-20")
    page.get_by_role("button", name="Ver").click()
    expect(page.get_by_role("heading", name="Ventas del 20-11-2026")).to_be_visible()
    page.screenshot(path=str(SHOTS / "hq_ventas.png"), full_page=True)

    page.get_by_role("button", name="Salir").click()
    expect(page.get_by_role("heading", name="Ingresar a HQ")).to_be_visible()
    page.goto(server + "/hq/catalogo")
    expect(page.get_by_role("heading", name="Ingresar a HQ")).to_be_visible()
    assert world.rows("SELECT price, version FROM products WHERE tenant_id = 1 AND sku = 'LEC-1'") == [(1290, 2)]
    assert world.rows("SELECT status FROM terminals WHERE terminal_id = %s", world.terminals[1][1]) == [("revoked",)]
    assert world.rows("SELECT store_id, terminal_name FROM auth_enrollment_codes WHERE used_at IS NULL") == [
        ("norte", "Caja 2")]
    changes, _ = world.run(lambda pool: change_feed.pull(pool, 1, "centro", 0))
    assert changes[-1]["key"] == "LEC-1" and changes[-1]["data"]["price"] == 1290
