"""HQ «Compras» as the owner sees it in a real Chromium (headless) against uvicorn and the SII stand-in: each
factura's deadline and state, «Responder» opened (a disclosure, no script) and a claim sent with its reason; at
desktop and phone (390 px) widths with no sideways scroll and nothing axe-core finds; screenshots
hq_purchases_{desktop,phone}.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from syncserver import sii_standin
from syncserver.hq import web
from tests.syncserver.dte.sii_kit import standin_url
from tests.syncserver.hq.hq_support import BROWSER_MARKS, SHOTS, World, sign_in
from tests.syncserver.hq.purchases_kit import COLUN, LIDER, register

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_the_owner_claims_a_factura_on_desktop_and_phone(world: World, serve_in_thread: Any, browser: Any) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(web.CHILE).date()
    issued = today - timedelta(days=6)
    register(world, [("centro", LIDER, 33, 500, issued), ("norte", COLUN, 34, 600, issued),
                     ("centro", LIDER, 61, 501, issued)])
    standin = sii_standin.StandIn()
    standin.reclamos.receive("96542180-7", 33, 500, "76123456-0", now - timedelta(days=6))
    with standin_url(serve_in_thread, standin) as sii, \
            serve_in_thread(world.app(sii_environment="standin", sii_url=sii, dte_interval=0)) as url:
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page = browser.new_page(viewport=size, locale="es-CL")
            page.goto(f"{url}/hq/login")
            sign_in(page)
            page.goto(f"{url}/hq/compras?mes={issued:%Y-%m}")
            row = page.locator("#doc-33-500" if name == "desktop" else "#doc-34-600")
            assert "quedan 2 días" in row.inner_text() and "Por responder" in row.inner_text()
            if name == "desktop":
                row.get_by_text("Responder", exact=True).click()
                row.get_by_label("Respuesta").select_option("RFP")
                row.get_by_label("Motivo").fill("Faltaron 4 cajas de arroz")
                row.get_by_role("button", name="Enviar al SII").click()
                page.wait_for_url("**aviso=tomada**")
                assert "El SII registró la respuesta." in page.inner_text("body")
                done = page.locator("#doc-33-500").inner_text()
                assert "Reclamado" in done and "Faltaron 4 cajas de arroz" in done and "SII 0" in done
            else:
                row.get_by_text("Responder", exact=True).click()
            page.screenshot(path=str(SHOTS / f"hq_purchases_{name}.png"), full_page=True)
            wide = page.evaluate("""() => {
                const limit = document.documentElement.clientWidth;
                const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
                    if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
                return [document.documentElement.scrollWidth, limit, ...[...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > limit + 1 && !clipped(e)).slice(-8)
                    .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)
                         + ' ' + e.textContent.slice(0, 30))]; }""")
            assert wide[0] <= wide[1], (name, wide)  # no sideways scroll; else the elements that stick out
            page.screenshot(path=str(SHOTS / f"hq_purchases_{name}.png"), full_page=True)
            results = Axe().run(page)
            assert results.violations_count == 0, f"{name}: {results.generate_report()}"
            page.close()
    assert [e.code for e in standin.reclamos.documents[("96542180-7", 33, 500)].events] == ["RFP"]
