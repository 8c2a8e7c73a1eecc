"""HQ «Emisor»'s card-sales section in a real Chromium at 1280 and 390 px: the SII's explanation, the model in force,
the owner switching to the voucher and the notice; no sideways scroll, nothing axe-core finds; screenshots
``hq_card_model_{desktop,phone}.png``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.syncserver.dte.folio_kit import HQ_PASSWORD, SAMPLE_RUT, hq_app, migrated
from tests.syncserver.hq.hq_support import ARGS, BROWSER_MARKS, CHROMIUM, SHOTS, sign_in

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_the_owner_switches_to_the_voucher_in_chromium(pg_database: str, serve_in_thread: Any, width: int,
                                                       height: int, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    data = migrated(pg_database, {1: SAMPLE_RUT})
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve_in_thread(hq_app(data)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="es-CL")
            page.goto(server + "/hq/emisor")
            sign_in(page, password=HQ_PASSWORD)
            page.goto(server + "/hq/emisor#modelo")
            section = page.locator("#modelo")
            expect(section.get_by_role("heading", name="Ventas con tarjeta: boleta o voucher")).to_be_visible()
            expect(section.get_by_text("el predeterminado")).to_be_visible()
            expect(section.get_by_label("Boleta electrónica también en ventas con tarjeta")).to_be_checked()
            assert Axe().run(page).violations_count == 0
            section.get_by_label("El comprobante de la tarjeta (voucher) es la boleta").check()
            section.get_by_role("button", name="Guardar modelo de emisión").click()
            expect(page.get_by_role("status").filter(has_text="Modelo de emisión guardado")).to_be_visible()
            expect(section.get_by_label("El comprobante de la tarjeta (voucher) es la boleta")).to_be_checked()
            expect(section.get_by_text("elegido por pepe@donpepe.cl")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scroll"
            results = Axe().run(page)
            assert results.violations_count == 0, f"{name}: {results.generate_report()}"
            section.scroll_into_view_if_needed()
            section.screenshot(path=str(SHOTS / f"hq_card_model_{name}.png"))
        finally:
            browser.close()
