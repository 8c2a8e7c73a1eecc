"""The audit page in a real Chromium on a phone-sized screen: a lock-out after failed logins, the trail filtered by
kind, the open sessions, and the notice when the session expires from inactivity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.syncserver.hq.hq_support import ARGS, CHROMIUM, PASSWORD, SHOTS, World, open_menu
from tests.syncserver.hq.test_auth import Clock, app

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")]


def fits(page: Any) -> bool:
    """No sideways scrolling: the page is as wide as the phone's screen."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_owner_on_a_phone_sees_the_lock_out_in_the_trail_and_the_idle_notice(world: World,
                                                                             serve_in_thread: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    clock = Clock()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve_in_thread(app(world, clock)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="es-CL", is_mobile=True)
            page.goto(server + "/hq/login")
            for attempt in range(5):
                page.get_by_label("Correo electrónico").fill("pepe@donpepe.cl")
                page.get_by_label("Contraseña").fill(f"equivocada-{attempt}")
                page.get_by_role("button", name="Ingresar").click()
            expect(page.get_by_role("alert")).to_contain_text(
                "Demasiados intentos fallidos. Por seguridad, el ingreso quedó bloqueado; intente de nuevo en 5"
                " minutos.")
            clock.move(minutes=5, seconds=1)
            page.get_by_label("Contraseña").fill(PASSWORD)
            page.get_by_role("button", name="Ingresar").click()
            expect(page.get_by_role("heading", name="Panel", exact=True)).to_be_visible()

            open_menu(page)
            page.get_by_role("link", name="Auditoría", exact=True).click()
            expect(page.get_by_role("heading", name="Auditoría")).to_be_visible()
            entries = page.locator(".audit-list li")
            expect(entries).to_have_count(7)  # 5 failures, the lock-out, the login
            expect(entries.first).to_contain_text("Ingreso a HQ")
            assert fits(page)
            page.get_by_label("Tipo").select_option(label="Ingreso bloqueado")
            page.get_by_role("button", name="Filtrar").click()
            expect(entries).to_have_count(1)
            expect(entries.first).to_contain_text("Demasiados intentos fallidos: ingreso bloqueado hasta las")
            expect(entries.first).to_contain_text("desde 127.0.0.1")
            assert fits(page)
            page.screenshot(path=str(SHOTS / "hq_auditoria.png"), full_page=True)

            page.get_by_role("link", name="Sesiones abiertas").click()
            expect(page.get_by_role("heading", name="Sesiones abiertas")).to_be_visible()
            expect(page.get_by_role("button", name="Cerrar")).to_have_count(1)
            page.screenshot(path=str(SHOTS / "hq_sesiones.png"), full_page=True)

            clock.move(minutes=31)
            page.reload()
            expect(page.get_by_role("heading", name="Ingresar a HQ")).to_be_visible()
            expect(page.get_by_role("alert")).to_have_text("Su sesión expiró por inactividad; vuelva a ingresar.")
        finally:
            browser.close()
    assert world.rows("SELECT revoked_reason FROM hq_sessions") == [("idle",)]
    assert timedelta(minutes=31) == clock.now - world.rows("SELECT last_seen_at FROM hq_sessions")[0][0]
