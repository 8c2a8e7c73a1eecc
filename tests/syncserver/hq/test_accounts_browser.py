"""HQ's first-run, accounts and stores pages in a real Chromium (headless) at 1280 and 390 px: an empty server
creates its business, the owner adds a store with its sucursal data and invites an accountant (screenshots)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from syncserver import bootstrap
from tests.syncserver.hq.hq_support import BROWSER_MARKS, PASSWORD, SHOTS, World, open_menu

pytestmark = BROWSER_MARKS


@pytest.fixture
def empty(pg_database: str, serve_in_thread: Any) -> Iterator[tuple[World, str]]:
    """An empty migrated server (no tenant) served by uvicorn in a thread."""
    world = World(pg_database, bootstrap.migrate(pg_database))
    with serve_in_thread(world.app()) as url:
        yield world, url


def test_first_run_then_stores_and_accounts_at_two_widths(empty: tuple[World, str], browser: Any) -> None:
    from playwright.sync_api import expect

    world, server = empty
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="es-CL")
    page.goto(server + "/hq/")
    expect(page.get_by_role("heading", name="Bienvenido a Almacén")).to_be_visible()
    page.screenshot(path=str(SHOTS / "hq_primer_uso.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "hq_primer_uso_390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_label("Nombre de la empresa").fill("Almacenes Don Pepe")
    page.get_by_label("RUT de la empresa").fill("76.123.456-0")
    page.get_by_label("Su nombre").fill("José Pérez")
    page.get_by_label("Correo electrónico").fill("pepe@donpepe.cl")
    page.get_by_label("Contraseña (al menos 8 caracteres)").fill(PASSWORD)
    page.get_by_label("Repita la contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Crear la empresa").click()
    expect(page.get_by_text("Su empresa quedó creada")).to_be_visible()

    page.get_by_label("Nombre", exact=True).fill("Centro")
    page.get_by_label(re.compile("^Código interno")).fill("centro")
    page.get_by_label(re.compile("^Dirección")).fill("Av. Providencia 1234")
    page.get_by_label("Comuna").fill("Providencia")
    page.get_by_label(re.compile("^Ciudad")).fill("Santiago")
    page.get_by_label(re.compile("^Código de sucursal del SII")).fill("81234567")
    page.get_by_role("button", name="Crear tienda").click()
    expect(page.get_by_text("Tienda creada")).to_be_visible()
    page.get_by_role("link", name="← Volver a las tiendas").click()
    page.get_by_label("Nombre", exact=True).fill("Norte")
    page.get_by_label(re.compile("^Código interno")).fill("norte")
    page.get_by_role("button", name="Crear tienda").click()
    page.get_by_role("link", name="Tiendas", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("Centro"))).to_contain_text("81234567")
    page.screenshot(path=str(SHOTS / "hq_tiendas.png"), full_page=True)
    page.get_by_role("link", name="Centro").click()
    page.screenshot(path=str(SHOTS / "hq_tienda.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "hq_tienda_390.png"), full_page=True)
    open_menu(page)
    page.get_by_role("link", name="Tiendas", exact=True).click()
    page.screenshot(path=str(SHOTS / "hq_tiendas_390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})

    page.get_by_role("link", name="Cuentas", exact=True).click()
    page.get_by_label("Nombre", exact=True).fill("Carla Contreras")
    page.get_by_label("Correo electrónico").fill("conta@donpepe.cl")
    page.get_by_label("Contador").check()
    page.get_by_role("button", name="Crear cuenta e invitar").click()
    code = page.get_by_label("Código de invitación")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$"))
    page.screenshot(path=str(SHOTS / "hq_cuenta_codigo.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "hq_cuenta_codigo_390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_role("link", name="Volver a las cuentas").click()
    page.get_by_role("link", name="Cuentas", exact=True).click()
    page.get_by_label("Nombre", exact=True).fill("Enzo Encina")
    page.get_by_label("Correo electrónico").fill("enzo@donpepe.cl")
    page.get_by_label("Encargado").check()
    page.get_by_label("Norte").check()
    page.get_by_role("button", name="Crear cuenta e invitar").click()
    page.get_by_role("link", name="Volver a las cuentas").click()
    expect(page.get_by_role("row", name=re.compile("Enzo Encina"))).to_contain_text("Norte")
    page.screenshot(path=str(SHOTS / "hq_cuentas.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "hq_cuentas_390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll in their card
    assert world.rows("SELECT email, role, stores FROM hq_users ORDER BY email") == [
        ("conta@donpepe.cl", "accountant", []), ("enzo@donpepe.cl", "manager", ["norte"]),
        ("pepe@donpepe.cl", "owner", [])]
