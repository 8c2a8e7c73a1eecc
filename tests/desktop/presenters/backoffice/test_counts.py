"""The Toma de inventario page's presenter: a blind sheet opened for a warehouse, filled by scanning (one more
each time) and typing, every line kept at once so a sheet left open is there when the app opens again; posted
with a reason by the administradora, and only then the expected quantities and adjustments shown."""

from __future__ import annotations

from desktop.presenters.backoffice.counts import READ_ONLY, CountsPresenter
from shared.events import catalog as catalog_events
from tests.desktop.presenters.backoffice.kit import MARTA, ROSA, bought, warehouses


def _page(terminal, user=ROSA):
    return CountsPresenter(terminal.counts, terminal.catalog, terminal.journal.conn, user, warehouses(terminal),
                           {"rosa": "Rosa Díaz"}.get)


def test_a_blind_count_is_filled_survives_closing_and_is_posted(make_terminal, tmp_path):
    terminal = make_terminal(data_dir=tmp_path / "caja")
    bought(terminal, ("LEC-1", "24", 800), ("COC-15", "12", 1100))
    page = _page(terminal)
    assert page.view.section == "new" and page.view.categories[0] == ""
    page.set_category("Lácteos")
    view = page.start()
    assert view.section == "sheet" and view.title.startswith("Sala de ventas · Lácteos · abierta el")
    page.scan("7801234567894")
    view = page.scan("7801234567894")
    assert view.sheet == (("LEC-1 · Leche Entera Colun 1 L", "2"),)  # blind: no expected quantity
    assert view.selected == 0 and view.quantity == "2"
    view = page.scan("COC-15")  # Bebidas: not this count's category
    assert view.error and "Bebidas" in view.message and len(view.sheet) == 1
    page.set_quantity("2,5")
    assert page.view.error and page.view.quantity == "2,5" and page.view.sheet[0][1] == "2"  # the last good one
    page.set_quantity("21")
    assert page.view.sheet[0][1] == "21" and not page.view.error
    terminal.close()  # the app closes (or the power goes) with the sheet open

    terminal = make_terminal(data_dir=tmp_path / "caja", fresh=False)
    page = _page(terminal)
    assert page.view.section == "sheet" and page.view.sheet == (("LEC-1 · Leche Entera Colun 1 L", "21"),)
    assert page.post().error and "motivo" in page.view.message  # no reason yet
    page.set_reason("Toma mensual")
    view = page.post()
    assert view.message == "Toma publicada: 1 producto, 1 con ajuste", view.message
    assert view.result == (("LEC-1 · Leche Entera Colun 1 L", "48", "21", "-27"),)  # 24 seeded, 24 bought
    assert view.result_title == "Sala de ventas · Toma mensual · aprobó Rosa Díaz"
    assert view.history[0][1:] == ("Sala de ventas", "Lácteos", "1", "Toma mensual", "Rosa Díaz")
    assert view.count_id == "" and view.moved == 1
    assert page.open_posted(0).result == view.result


def test_a_product_hq_deactivated_meanwhile_is_named_and_the_rest_posted(terminal):
    page = _page(terminal)
    page.start()
    page.scan("LEC-1")
    page.scan("7801610001196")
    terminal.journal.append(catalog_events.ProductUpserted(  # HQ deactivates the Coca-Cola while counting
        "COC-15", "Coca-Cola 1,5 L", 1990, "Bebidas", "unit", ("7801610001196",), None, "Coca-Cola", False, True,
        active=False, source="hq"))
    page.set_reason("Toma mensual")
    view = page.post()
    assert view.error and view.inactive == "Coca-Cola 1,5 L" and "Coca-Cola 1,5 L (COC-15)" in view.message
    assert len(view.sheet) == 2 and view.reason == "Toma mensual"  # nothing lost
    view = page.post(leave_out_inactive=True)
    assert view.result == (("LEC-1 · Leche Entera Colun 1 L", "24", "1", "-23"),)
    assert view.inactive == "" and not view.error


def test_a_second_count_of_the_same_warehouse_is_refused(terminal):
    page = _page(terminal)
    page.start()
    page.show("new")
    view = page.start()
    assert view.error and "Ya hay una toma abierta" in view.message
    assert page.resume(0).section == "sheet"


def test_a_supervisor_only_reads(terminal):
    page = _page(terminal, MARTA)
    assert page.view.message == READ_ONLY and not page.view.can_edit
    assert page.start().error
    assert not [e for e in terminal.journal.read() if e.type == "inventory.count_started"]
