"""The purchase preview lets a manager assign a supplier's line to a product by hand and say how many units a
package holds: 5 boxes "CJ 12 x 1 L" enter stock as 60 units at the box's cost / 12, a line the supplier sends
without barcode gets its product, a wrong match is taken away, and a bad "unidades por bulto" is refused in Spanish
without changing anything."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from desktop import settings as settings_mod
from desktop.journal import purchases_projection as pp
from desktop.journal import read_models
from desktop.presenters.purchase import NO_MATCH, PurchasePresenter
from tests import supplier_dte as sd

STORE = "77447842-6"
PRODUCTS = [
    {"sku": sku, "name": name, "price": price, "category": "Almacén", "sold_by": sold_by, "barcode": code, "plu": "",
     "brand": "", "iva_exempt": "0", "favourite": "0", "stock": stock}
    for sku, name, price, sold_by, code, stock in (
        ("LEC-1", "Leche Entera Colun 1 L", "1150", "unit", "7801234567894", "12"),
        ("JUG-1", "Néctar Watts Durazno 1,5 L", "1690", "unit", "", "0"),
        ("QUE-1", "Queso Gouda Laminado", "12990", "kg", "", "1.5"))]
LINES = [("Leche Entera Colun CJ 12 x 1 L", "5", "6000", "7801234567894", False),
         ("Nectar durazno 1.5L PAQ 6", "10", "5400", "", False),
         ("Queso gouda bolsa 2,5 kg", "4", "20000", "", False),
         ("Flete", "1", "4000", "", False)]


@pytest.fixture
def store(make_terminal):
    return make_terminal(rows=PRODUCTS, store=settings_mod.StoreInfo(rut="77.447.842-6"))


@pytest.fixture
def factura(tmp_path: Path) -> Path:
    path = tmp_path / "factura_cajas.xml"
    path.write_bytes(sd.envio([sd.dte(33, 9, LINES, STORE)], STORE))
    return path


@pytest.fixture
def presenter(store, factura) -> PurchasePresenter:
    p = PurchasePresenter(store.purchases, store.auth, store.catalog, "ana")
    assert p.authorise("9999") == ""
    p.load(str(factura))
    assert p.view.can_confirm, p.view.verdict
    return p


def _product(view, row: int) -> str:
    return view.rows[row][6]


def test_boxes_and_a_hand_assignment_enter_stock_in_units_at_the_cost_per_unit(presenter, store):
    view = presenter.view
    assert _product(view, 0) == "LEC-1 · Leche Entera Colun 1 L"
    assert [_product(view, r) for r in (1, 2, 3)] == [NO_MATCH] * 3
    assert view.unmatched_rows == (1, 2, 3)

    # the leche came by the box: 12 a box
    editor = presenter.edit_line(0).editor
    assert editor is not None and editor.chosen == "LEC-1" and editor.factor == "1"
    assert editor.title == "Línea 1: Leche Entera Colun CJ 12 x 1 L · 5 · código 7801234567894"
    presenter.set_factor("12")
    view = presenter.apply_line()
    assert view.editor is None
    assert view.rows[0][3] == "5 × 12 = 60"
    assert _product(view, 0) == "LEC-1 · Leche Entera Colun 1 L (a mano)"

    # the néctar has no barcode on the factura: found by name, 6 a pack
    presenter.edit_line(1)
    editor = presenter.search_products("watts dur").editor
    assert editor.results == (("JUG-1", "JUG-1 · Néctar Watts Durazno 1,5 L"),)
    presenter.choose_product("JUG-1")
    presenter.set_factor("6")
    view = presenter.apply_line()
    assert _product(view, 1) == "JUG-1 · Néctar Watts Durazno 1,5 L (a mano)"
    assert view.unmatched_rows == (2, 3)

    # the cheese is sold by kg: found by its SKU, 2,5 kg a bag
    presenter.edit_line(2)
    assert presenter.search_products("que-1").editor.results[0][0] == "QUE-1"
    editor = presenter.choose_product("QUE-1").editor
    assert editor.factor_label == "Kg por bulto"
    presenter.set_factor("2,5")
    view = presenter.apply_line()
    assert view.rows[2][3] == "4 × 2,5 = 10"
    assert "3 de 4 líneas reconocidas" in view.message

    done = presenter.confirm()
    assert done.stage == "done", done.message
    conn = store.journal.conn
    assert read_models.stock_on_hand(conn, "LEC-1") == 12 + 60
    assert read_models.stock_on_hand(conn, "JUG-1") == 60
    assert read_models.stock_on_hand(conn, "QUE-1") == Decimal("11.5")
    # PPP per unit: the opening stock had no cost, so it takes this receipt's; a box of 12 at $6.000 is $500
    assert pp.product_cost(conn, "LEC-1") == (Decimal("500.0000"), 500)
    assert pp.product_cost(conn, "JUG-1") == (Decimal("900.0000"), 900)
    assert pp.product_cost(conn, "QUE-1") == (Decimal("8000.0000"), 8000)
    [event] = [e for e in store.journal.read() if e.type == "purchase.received"]
    lines = event.payload["lines"]
    assert [(x["sku"], x["matched_by"], x["package_factor"]) for x in lines] == [
        ("LEC-1", "manual", "12"), ("JUG-1", "manual", "6"), ("QUE-1", "manual", "2.5"), (None, "", "1")]


def test_a_wrong_match_is_taken_away_and_moves_no_stock(presenter, store):
    presenter.edit_line(0)
    view = presenter.clear_line()
    assert view.editor is None
    assert _product(view, 0) == f"{NO_MATCH} (a mano)"
    assert view.unmatched_rows == (0, 1, 2, 3)
    assert presenter.confirm().stage == "done"
    assert read_models.stock_on_hand(store.journal.conn, "LEC-1") == 12
    [event] = [e for e in store.journal.read() if e.type == "purchase.received"]
    assert (event.payload["lines"][0]["sku"], event.payload["lines"][0]["matched_by"]) == (None, "manual")


@pytest.mark.parametrize(("typed", "reason"), [
    ("0", "Las unidades por bulto deben ser mayores que cero"),
    ("-3", "Las unidades por bulto deben ser mayores que cero"),
    ("doce", "Unidades por bulto no válidas (doce): escriba un número, p. ej. 12"),
    ("", "Unidades por bulto no válidas (vacío): escriba un número, p. ej. 12"),
    ("10001", "Unidades por bulto demasiado grandes (10001): el máximo es 10.000"),
    ("2,5", "Unidades por bulto deben ser un número entero (2,5); sólo un producto por kg admite decimales"),
])
def test_a_bad_package_factor_is_refused_in_spanish_and_changes_nothing(presenter, typed, reason):
    before = presenter.view.rows
    presenter.edit_line(0)
    presenter.set_factor(typed)
    view = presenter.apply_line()
    assert view.editor is not None and view.editor.error == reason
    assert presenter.confirm().stage == "preview"  # cannot register with the editor open
    view = presenter.close_line()
    assert view.editor is None and view.rows == before


def test_a_search_without_results_says_so_and_the_line_keeps_its_match(presenter):
    presenter.edit_line(3)
    editor = presenter.search_products("cemento").editor
    assert editor.results == () and editor.error == "Ningún producto coincide con «cemento»"
    assert presenter.search_products("7801234567894").editor.results[0][0] == "LEC-1"  # by barcode
    assert presenter.close_line().rows[3][6] == NO_MATCH
