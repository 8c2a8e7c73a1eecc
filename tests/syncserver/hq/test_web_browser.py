"""Every main HQ page in a real Chromium at a phone's width (390 px): no page scrolls sideways, and the menu folds
behind a «Menú» disclosure button that opens and closes without JavaScript; at desktop width the menu is all there.
Screenshots of the folded and the open menu."""

from __future__ import annotations

from typing import Any

from tests.syncserver.hq.hq_support import BROWSER_MARKS, SHOTS, World, sign_in

pytestmark = BROWSER_MARKS

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGES = ("/hq/panel", "/hq/", "/hq/ventas?fecha=2026-11-20", "/hq/compras", "/hq/libros", "/hq/libros/diario",
         "/hq/reportes", "/hq/stock", "/hq/clientes", "/hq/catalogo", "/hq/codigos-nuevos", "/hq/usuarios",
         "/hq/tiendas", "/hq/folios", "/hq/documentos", "/hq/documentos/rvd", "/hq/emisor", "/hq/cuentas",
         "/hq/auditoria")
"""HQ's pages reached from the menu (and the two under Libros and Documentos)."""


def widths(page: Any) -> tuple[int, int]:
    found = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    return int(found[0]), int(found[1])


def test_no_main_page_scrolls_sideways_on_a_phone_and_the_menu_folds(world: World, server: str,
                                                                       browser: Any) -> None:
    from playwright.sync_api import expect

    for js in (True, False):
        context = browser.new_context(viewport=PHONE, locale="es-CL", device_scale_factor=2, java_script_enabled=js)
        page = context.new_page()
        page.goto(server + "/hq/login")
        sign_in(page)
        expect(page).to_have_url(server + "/hq/panel")
        menu = page.get_by_role("navigation", name="Secciones")
        toggle = page.locator("summary", has_text="Menú")
        expect(toggle).to_be_visible()
        expect(menu.get_by_role("link", name="Ventas")).to_be_hidden()
        if js:
            page.screenshot(path=str(SHOTS / "hq_menu_phone_folded.png"))
        toggle.click()
        expect(menu.get_by_role("link", name="Ventas")).to_be_visible()
        if js:
            page.screenshot(path=str(SHOTS / "hq_menu_phone_open.png"), full_page=True)
        menu.get_by_role("link", name="Ventas").click()
        expect(page).to_have_url(server + "/hq/ventas")
        expect(page.get_by_role("navigation", name="Secciones").get_by_role("link", name="Ventas")).to_be_hidden()
        if js:
            wide = []
            for path in PAGES:
                answer = page.goto(server + path)
                assert answer is not None and answer.status == 200, path
                if widths(page)[0] > widths(page)[1]:
                    wide.append((path, widths(page)))
            assert not wide, f"pages that scroll sideways at 390 px: {wide}"
        context.close()

    page = browser.new_page(viewport=DESKTOP, locale="es-CL")
    page.goto(server + "/hq/login")
    sign_in(page)
    expect(page.locator("summary", has_text="Menú")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "hq_menu_desktop.png"))
    for name in ("Panel", "Ventas", "Reportes", "Libros", "Auditoría"):
        expect(page.get_by_role("navigation", name="Secciones").get_by_role("link", name=name)).to_be_visible()
    page.close()
