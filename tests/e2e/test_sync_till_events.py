"""What a cashier does before payment that HQ sees (issue 10) reaches the master through a real sync: the lines
removed (``sale.line_removed``) are stored as events, and codes sold at an open price as sale lines of their own
SKU, none quarantined."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from desktop.journal import read_models
from shared.sale import Tender, TenderKind
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(5)
CHROMIUM = Path("/usr/bin/chromium")


def test_lines_removed_before_payment_are_stored_at_the_master(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    term = till.terminal
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    for plu in ("4001", "4002", "4003"):
        term.checkout.add_product(read_models.by_plu(term.journal.conn, plu), Decimal(1))
    term.checkout.remove_line(2, "cliente desiste")  # no PIN: the store's default
    term.checkout.void_needs_pin = True
    term.checkout.void_line(3, "9999", "error de digitación")  # with a supervisor's PIN
    total = term.checkout.sale.totals().total
    sale = term.checkout.complete((Tender(TenderKind.DEBIT, total),)).event
    assert till.sync.sync_once(term.journal.clock()).online
    rows = sync_kit.master(server, "SELECT payload->>'line_id', payload->>'authorised_by', payload->>'reason'"
                                   " FROM events WHERE type = 'sale.line_removed' ORDER BY seq", 1)
    assert rows == [("2", "", "cliente desiste"), ("3", "marta", "error de digitación")]
    assert sync_kit.admin(server, "SELECT count(*) FROM quarantine") == [(0,)]
    assert sync_kit.master(server, "SELECT total FROM sales WHERE sale_id = %s", 1, (sale.sale_id,)) == [(total,)]


def test_codes_sold_at_an_open_price_reach_the_master_with_their_code(server, make_till):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    term = till.terminal
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    term.checkout.add_open_price("7802000000003", 1490)
    sale = term.checkout.complete((Tender(TenderKind.CASH, 1490),)).event
    assert till.sync.sync_once(term.journal.clock()).online
    assert sync_kit.master(server, "SELECT sku, name, unit_price FROM sale_lines WHERE sale_id = %s", 1,
                           (sale.sale_id,)) == [("SIN-CATALOGO-7802000000003", "Sin catálogo 7802000000003", 1490)]
    assert sync_kit.admin(server, "SELECT count(*) FROM quarantine") == [(0,)]


def test_hq_lists_the_codes_sold_without_a_product_until_one_is_created(server, make_till):
    from syncserver import catalog
    from tests.syncserver.hq.hq_support import product

    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    term = till.terminal
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 10_000).shift_id)
    for code, price in (("7802000000003", 1490), ("7802000000003", 1590), ("7801234560003", 990)):
        term.checkout.add_open_price(code, price)
        term.checkout.complete((Tender(TenderKind.CASH, price),))
    assert till.sync.sync_once(term.journal.clock()).online
    with sync_kit.hq_owner(server) as hq:
        page = hq.get("/hq/codigos-nuevos")
        assert page.status_code == 200, page.text
        text = " ".join(page.text.split())
        assert text.index("7801234560003") < text.index("7802000000003")  # the most recent first
        assert "/catalogo/nuevo?codigo=7802000000003" in text and "$1.590" in text
        server.run(lambda pool: catalog.upsert_product(pool, 1, product(
            "GAL-1", "Galletas Tritón 126 g", 1590, barcodes=["7802000000003"]), create=True))
        text = hq.get("/hq/codigos-nuevos").text
        assert "7802000000003" not in text and "7801234560003" in text
        form = hq.get("/hq/catalogo/nuevo?codigo=7801234560003").text
        assert 'inputmode="numeric">7801234560003</textarea>' in form  # the product form starts with the code
    if CHROMIUM.exists():
        _screenshot(server.url, "hq_codigos_nuevos.png")


def _screenshot(base: str, name: str) -> None:
    """HQ's page of codes without a product in headless Chromium, signed in as the owner (for people to see)."""
    from playwright.sync_api import sync_playwright

    shots = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--lang=es-CL"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="es-CL")
            page.goto(base + "/hq/login")
            page.get_by_label("Correo electrónico").fill(sync_kit.OWNER_EMAIL)
            page.get_by_label("Contraseña").fill(sync_kit.OWNER_PASSWORD)
            page.get_by_role("button", name="Ingresar").click()
            page.goto(base + "/hq/codigos-nuevos")
            page.get_by_role("heading", name="Códigos sin producto").wait_for()
            page.screenshot(path=str(shots / name), full_page=True)
        finally:
            browser.close()
