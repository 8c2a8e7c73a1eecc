"""HQ's POS users in a real Chromium (headless): the owner creates a cashier, is refused a PIN already used in the
store (in Spanish, with what was typed kept), creates a supervisor with another PIN, deactivates the cashier with
a reason; screenshots of the list and of a deactivated user."""

from __future__ import annotations

from typing import Any

from tests.syncserver.hq.hq_support import BROWSER_MARKS, SHOTS, World, sign_in

pytestmark = BROWSER_MARKS


def test_owner_creates_pos_users_is_refused_a_repeated_pin_and_deactivates_one(world: World,
                                                                              server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="es-CL")
    page.goto(server + "/hq/login")
    sign_in(page)
    page.get_by_role("link", name="Usuarios", exact=True).click()
    expect(page.get_by_role("heading", name="Usuarios de caja")).to_be_visible()
    expect(page.get_by_text("Todavía no hay usuarios de caja")).to_be_visible()

    def create(name: str, role: str, pin: str, stores: tuple[str, ...]) -> None:
        page.get_by_label("Nombre").fill(name)
        page.get_by_label(role, exact=True).check()
        for store in ("Centro", "Norte"):
            box = page.get_by_label(store, exact=True)
            box.check() if store in stores else box.uncheck()
        page.get_by_label("PIN", exact=False).first.fill(pin)
        page.get_by_label("Repita el PIN").fill(pin)
        page.get_by_role("button", name="Crear usuario").click()

    create("Ana Soto", "Cajero", "1234", ("Centro",))
    expect(page.get_by_role("status")).to_contain_text("Usuario creado")
    page.get_by_role("link", name="Volver a los usuarios").click()
    create("Beto Ruiz", "Supervisor", "1234", ("Centro", "Norte"))
    expect(page.get_by_text("Ese PIN ya lo usa otra persona en la tienda Centro")).to_be_visible()
    expect(page.get_by_label("Nombre")).to_have_value("Beto Ruiz")
    page.screenshot(path=str(SHOTS / "hq_usuarios_pin_repetido.png"), full_page=True)
    create("Beto Ruiz", "Supervisor", "5678", ("Centro", "Norte"))
    expect(page.get_by_role("status")).to_contain_text("Usuario creado")
    page.get_by_role("link", name="Volver a los usuarios").click()
    page.get_by_role("link", name="Ana Soto").click()
    page.get_by_label("Motivo").fill("Dejó de trabajar en la tienda")
    page.get_by_role("button", name="Desactivar usuario").click()
    expect(page.get_by_role("status").first).to_contain_text("Usuario desactivado")
    expect(page.get_by_text("Lo desactivó José Pérez")).to_be_visible()
    page.screenshot(path=str(SHOTS / "hq_usuario_desactivado.png"), full_page=True)
    page.get_by_role("link", name="Volver a los usuarios").click()
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Beto Ruiz")
    expect(rows.nth(0)).to_contain_text("Centro, Norte")
    expect(rows.nth(1)).to_contain_text("desactivado")
    page.screenshot(path=str(SHOTS / "hq_usuarios.png"), full_page=True)
