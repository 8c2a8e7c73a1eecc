"""HQ's dashboard in a real Chromium (headless) against a real uvicorn server: the owner lands on it after login,
at desktop and phone widths (no sideways scroll; screenshots); a sale a till pushes over HTTP (signed
``/sync/push``) appears on the open page without a reload, through server-sent events and, with them disabled,
through polling; and axe-core finds no accessibility violation, the keyboard reaching every control."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared import money, signing, sync
from shared.events import envelope, sales
from syncserver import tenancy
from syncserver.hq import dashboard
from tests.syncserver.dte.folio_kit import CODEC
from tests.syncserver.hq.hq_support import BROWSER_MARKS, SHOTS, World, sign_in
from tests.syncserver.store import dashboard_kit as kit

pytestmark = BROWSER_MARKS

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class HttpTill:
    """A till enrolled with a key of its own that journals sales and pushes them over HTTP, signed, as a real till's
    sync service does."""

    def __init__(self, world: World, tenant: int, store: str) -> None:
        self.world, self.tenant, self.store = world, tenant, store
        self.key = signing.new_private_key()
        self.terminal_id = str(uuid.uuid4())

        async def enroll(pool: Any) -> None:
            code = await tenancy.issue_enrollment_code(pool, tenant, store, "Caja en vivo")
            await tenancy.enroll(pool, code, signing.public_key(self.key), self.terminal_id)

        world.run(enroll)
        self.journal: list[envelope.Envelope] = []
        self.acked = 0

    def sell(self, amount: int, sku: str = "LEC-1") -> None:
        split = money.split_iva(amount)
        line = sales.LineSold(1, sku, "Leche Entera Colun 1 L", amount, Decimal(1), "unit", False, 0, amount,
                              cost=amount // 2)
        sale = sales.SaleCompleted(str(uuid.uuid4()), len(self.journal) + 1, "s1", "ana", (line,), 0, amount, amount,
                                   0, split.neto, split.iva, (sales.TenderTaken("debit", amount, amount),), 0, 0)
        type_, version, payload = CODEC.encode(sale)
        prev = self.journal[-1].hash if self.journal else envelope.GENESIS_HASH
        self.journal.append(envelope.seal(
            event_id=str(uuid.uuid4()), tenant_id=self.tenant, store_id=self.store, terminal_id=self.terminal_id,
            epoch=1, seq=len(self.journal) + 1, occurred_at=(kit.NOW - timedelta(minutes=1)).isoformat(),
            type=type_, version=version, payload=payload, prev_hash=prev))

    def push(self, url: str) -> None:
        new = tuple(self.journal[self.acked:])
        prev = self.journal[self.acked - 1].hash if self.acked else envelope.GENESIS_HASH
        body = sync.PushBatch(self.tenant, self.store, self.terminal_id, 1, self.acked + 1, prev, new).to_bytes()
        answer = httpx.post(url + "/sync/push", content=body, timeout=30, headers={
            "X-Terminal": self.terminal_id, "X-Signature": signing.sign(self.key, body),
            "Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
        quarantined = self.world.rows("SELECT reason FROM quarantine WHERE terminal_id = %s", self.terminal_id)
        assert not quarantined, quarantined
        self.acked = len(self.journal)


def today_total(world: World) -> int:
    """What tenant 1 sold on :data:`kit.NOW`'s day up to it, as the master stores it."""
    rows = world.rows("SELECT occurred_at, total FROM sales WHERE tenant_id = 1")
    local = [(datetime.fromisoformat(at).astimezone(kit.CHILE), int(t)) for at, t in rows]
    return sum(t for at, t in local if at.date() == kit.NOW.date() and at <= kit.NOW)


@pytest.fixture
def busy(world: World) -> World:
    """``world`` with 500 random sales of tenant 1's stores over the five weeks before :data:`kit.NOW` (a
    Wednesday afternoon), a product with negative stock."""
    world.execute("DELETE FROM sale_tenders WHERE tenant_id = 1")
    world.execute("DELETE FROM sales WHERE tenant_id = 1")
    for sku, (name, price, exempt) in kit.PRODUCTS.items():
        world.execute("INSERT INTO products (tenant_id, sku, name, price, category, sold_by, iva_exempt)"
                      " VALUES (1, %s, %s, %s, 'Abarrotes', 'unit', %s) ON CONFLICT (tenant_id, sku) DO UPDATE"
                      " SET iva_exempt = EXCLUDED.iva_exempt", sku, name, price, exempt)
    kit.write(world.admin_url, 1, kit.generate(5, ["centro", "norte"], 500))
    world.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (1, 'norte', 'COC-15', -4)")
    return world


@pytest.fixture
def server(busy: World, serve_in_thread: Any) -> Iterator[str]:
    """The app of ``busy`` served by uvicorn in a thread, its clock stopped at :data:`kit.NOW`."""
    app = busy.app()
    app.state.clock = lambda: kit.NOW.astimezone(UTC)
    with serve_in_thread(app) as url:
        yield url


def no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_the_dashboard_at_desktop_and_phone_widths_updates_live(busy: World, server: str, browser: Any,
                                                                monkeypatch: Any) -> None:
    from playwright.sync_api import expect

    till = HttpTill(busy, 1, "norte")
    page = browser.new_page(viewport=DESKTOP, locale="es-CL")
    page.goto(server + "/hq/login")
    sign_in(page)
    expect(page).to_have_url(server + "/hq/panel")
    expect(page.get_by_role("heading", name="Panel", exact=True)).to_be_visible()
    shown = page.locator("[data-cifra=hoy]")
    before = today_total(busy)
    expect(shown).to_have_text(money.format_clp(before))
    expect(page.get_by_text("1 evento en cuarentena")).to_be_visible()
    expect(page.get_by_text("bajo el mínimo o con stock negativo")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "hq_dashboard_desktop.png"), full_page=True)

    page.evaluate("window.__notReloaded = true")
    page.wait_for_timeout(1500)  # the event stream is open
    till.sell(12_345)
    till.push(server)
    acked = time.monotonic()
    assert today_total(busy) == before + 12_345
    expect(shown).to_have_text(money.format_clp(today_total(busy)), timeout=10_000)
    live = time.monotonic() - acked
    assert page.evaluate("window.__notReloaded") is True
    expect(page.get_by_role("status")).to_contain_text("Actualizado a las")
    print(f"\nlive update through server-sent events: {live:.2f} s after the push was acknowledged")
    page.screenshot(path=str(SHOTS / "hq_dashboard_live.png"), full_page=True)

    # without EventSource the page polls /panel/datos
    monkeypatch.setattr(dashboard, "POLL_SECONDS", 1)
    polled = browser.new_page(viewport=DESKTOP, locale="es-CL")
    polled.add_init_script("delete window.EventSource")
    polled.goto(server + "/hq/login")
    sign_in(polled)
    expect(polled).to_have_url(server + "/hq/panel")
    till.sell(7_000)
    till.push(server)
    expect(polled.locator("[data-cifra=hoy]")).to_have_text(money.format_clp(today_total(busy)), timeout=10_000)

    phone = browser.new_page(viewport=PHONE, locale="es-CL", device_scale_factor=2)
    phone.goto(server + "/hq/login")
    sign_in(phone)
    expect(phone).to_have_url(server + "/hq/panel")
    no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "hq_dashboard_phone.png"), full_page=True)
    for p in (page, polled, phone):
        p.close()


def test_axe_finds_no_violation_and_the_keyboard_reaches_every_control(busy: World, server: str,
                                                                        browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    axe = Axe()
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = browser.new_page(viewport=viewport, locale="es-CL")
        page.goto(server + "/hq/login")
        sign_in(page)
        expect(page).to_have_url(server + "/hq/panel")
        results = axe.run(page)
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"
        page.close()
    page = browser.new_page(viewport=DESKTOP, locale="es-CL")
    page.goto(server + "/hq/login")
    sign_in(page)
    expect(page).to_have_url(server + "/hq/panel")
    wanted = {"Tienda", "Ver", "ver stock", "ver cajas"}
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("(document.activeElement.labels && document.activeElement.labels[0]"
                                  " ? document.activeElement.labels[0].textContent : document.activeElement"
                                  ".textContent || '').trim()"))
    assert wanted <= reached, wanted - reached
    page.get_by_label("Tienda", exact=True).select_option("norte")
    page.get_by_role("button", name="Ver").press("Enter")
    expect(page).to_have_url(server + "/hq/panel?tienda=norte")
    expect(page.locator("table").first).not_to_contain_text("Centro")
