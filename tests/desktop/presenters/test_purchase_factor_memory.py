"""The units per package a manager set on a supplier's line are remembered: next week's factura of the same item,
matched automatically, comes in by the box again ("5 × 12 = 60", marked as taken from the previous purchase and
editable), and a nota de crédito returning one box takes back the 12 units of the factura it references. A factor
on a line without a product, an es-CL "1.000" and a quantity the master could not store are handled at the till."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from desktop import settings as settings_mod
from desktop.journal import purchases_projection as pp
from desktop.journal import read_models
from desktop.presenters.purchase import NO_MATCH, PurchasePresenter
from desktop.services import purchase_matching, purchases
from shared.dte.documents import CodRef
from tests import supplier_dte as sd

STORE = "77447842-6"
PRODUCTS = [
    {"sku": sku, "name": name, "price": price, "category": "Almacén", "sold_by": sold_by, "barcode": code, "plu": "",
     "brand": "", "iva_exempt": "0", "favourite": "0", "stock": "0"}
    for sku, name, price, sold_by, code in (
        ("LEC-1", "Leche Entera Colun 1 L", "1150", "unit", "7801234567894"),
        ("JUG-1", "Nectar durazno 1.5L PAQ 6", "1690", "unit", ""),
        ("QUE-1", "Queso Gouda Laminado", "12990", "kg", ""))]
LECHE = ("Leche Entera Colun CJ 12 x 1 L", "5", "6000", "7801234567894", False)
NECTAR = ("Nectar durazno 1.5L PAQ 6", "10", "5400", "", False)


@pytest.fixture
def store(make_terminal):
    return make_terminal(rows=PRODUCTS, store=settings_mod.StoreInfo(rut="77.447.842-6"))


def _file(tmp_path: Path, name: str, dte) -> str:
    path = tmp_path / f"{name}.xml"
    path.write_bytes(sd.envio([dte], STORE))
    return str(path)


def _presenter(store, path: str) -> PurchasePresenter:
    p = PurchasePresenter(store.purchases, store.auth, store.catalog, "ana")
    assert p.authorise("9999") == ""
    p.load(path)
    return p


def _register_boxes(store, tmp_path: Path, folio: int, leche: int, nectar: int | None = None) -> None:
    """Register factura ``folio`` with the leche (matched by EAN) by boxes of ``leche``."""
    lines = [LECHE] if nectar is None else [LECHE, NECTAR]
    p = _presenter(store, _file(tmp_path, f"f{folio}", sd.dte(33, folio, lines, STORE)))
    for row, factor in enumerate((leche, nectar)[:len(lines)]):
        p.edit_line(row)
        p.set_factor(str(factor))
        p.apply_line()
    assert p.confirm().stage == "done", p.view.message


def _stock(store, sku: str) -> Decimal:
    return read_models.stock_on_hand(store.journal.conn, sku)


def test_next_factura_of_the_same_item_comes_in_by_the_box_again(store, tmp_path):
    _register_boxes(store, tmp_path, 9, 12, 6)
    assert (_stock(store, "LEC-1"), _stock(store, "JUG-1")) == (60, 60)
    assert store.journal.conn.execute("SELECT line_no, package_factor FROM purchase_lines ORDER BY line_no"
                                      ).fetchall() == [(1, "12"), (2, "6")]

    p = _presenter(store, _file(tmp_path, "f10", sd.dte(33, 10, [LECHE, NECTAR], STORE)))
    view = p.view
    assert view.can_confirm, view.verdict
    # matched automatically (EAN; name), the factor of factura 9 shown as a hand one would be, and marked
    assert view.rows[0][3] == "5 × 12 = 60 (como en factura N° 9)"
    assert view.rows[1][3] == "10 × 6 = 60 (como en factura N° 9)"
    assert view.rows[0][6] == "LEC-1 · Leche Entera Colun 1 L"
    assert "2 líneas traen las unidades por bulto de la compra anterior" in view.message
    summary = purchases.summary(store.purchases.preview(Path(p.view.file).read_bytes()), imported=False)
    assert [(x["sku"], x["package_factor"], x["package_factor_from"]) for x in summary["documents"][0]["matched"]
            ] == [("LEC-1", "12", "factura N° 9"), ("JUG-1", "6", "factura N° 9")]
    editor = p.edit_line(0).editor
    assert (editor.factor, editor.factor_label) == ("12", "Unidades por bulto (como en factura N° 9)")
    p.close_line()
    assert p.confirm().stage == "done"
    assert (_stock(store, "LEC-1"), _stock(store, "JUG-1")) == (120, 120)
    # the PPP stays per unit: $6.000 a box of 12 is $500, not $6.000
    assert pp.product_cost(store.journal.conn, "LEC-1") == (Decimal("500.0000"), 500)


def test_an_inherited_factor_is_editable_and_the_hand_one_wins(store, tmp_path):
    _register_boxes(store, tmp_path, 9, 12)
    p = _presenter(store, _file(tmp_path, "f10", sd.dte(33, 10, [LECHE], STORE)))
    p.edit_line(0)
    p.set_factor("6")
    view = p.apply_line()
    assert view.rows[0][3] == "5 × 6 = 30"
    assert view.rows[0][6].endswith("(a mano)")
    assert "compra anterior" not in view.message
    assert p.confirm().stage == "done"
    assert _stock(store, "LEC-1") == 60 + 30


def test_another_suppliers_item_does_not_inherit(store, tmp_path):
    _register_boxes(store, tmp_path, 9, 12)
    store.journal.conn.execute("UPDATE purchases SET supplier_rut = '11111111-1'")  # the projection as if it were
    p = _presenter(store, _file(tmp_path, "f10", sd.dte(33, 10, [LECHE], STORE)))
    assert p.view.rows[0][3] == "5"


def test_a_nota_de_credito_returning_a_box_takes_back_the_units_of_the_factura_it_references(store, tmp_path):
    _register_boxes(store, tmp_path, 9, 12)
    _register_boxes(store, tmp_path, 10, 6)  # a later factura of the same item, by 6
    assert _stock(store, "LEC-1") == 60 + 30
    # a nota referencing a document not registered here takes the latest registration's factor
    nc = sd.nota(61, 2, [(LECHE[0], "1", "3000", LECHE[3], False)], STORE, 15, CodRef.CORRIGE_MONTOS)
    assert _presenter(store, _file(tmp_path, "nc2", nc)).view.rows[0][3] == "1 × 6 = 6 (como en factura N° 10)"

    nc = sd.nota(61, 1, [(LECHE[0], "1", "6000", LECHE[3], False)], STORE, 9, CodRef.CORRIGE_MONTOS)
    p = _presenter(store, _file(tmp_path, "nc1", nc))
    assert p.view.rows[0][3] == "1 × 12 = 12 (como en factura N° 9)"  # the referenced one, not the latest (×6)
    assert p.confirm().stage == "done"
    assert _stock(store, "LEC-1") == 90 - 12
    # 12 units go back at the box's $6.000: ($30.000 + $30.000 − $6.000) / 78 units
    assert pp.product_cost(store.journal.conn, "LEC-1")[0] == Decimal("692.3077")


def test_a_factor_on_a_line_without_product_is_refused(store, tmp_path):
    p = _presenter(store, _file(tmp_path, "f9", sd.dte(33, 9, [LECHE, ("Flete", "1", "4000", "", False)], STORE)))
    p.edit_line(1)
    p.set_factor("12")
    view = p.apply_line()
    assert view.editor.error == ("Una línea sin producto no lleva unidades por bulto: elija primero el producto "
                                 "(o deje 1)")
    p.close_line()
    p.edit_line(0)
    p.set_factor("12")
    view = p.clear_line()  # taking the product away also takes the factor
    assert view.editor is None and view.rows[0][3] == "5" and view.rows[0][6] == f"{NO_MATCH} (a mano)"
    with pytest.raises(purchase_matching.MappingRefused, match="sin producto no lleva unidades por bulto"):
        store.purchases.assign(p._preview, 2, None, "12")


def test_thousands_typed_as_in_chile_are_a_thousand(store, tmp_path):
    p = _presenter(store, _file(tmp_path, "f9", sd.dte(33, 9, [LECHE], STORE)))
    p.edit_line(0)
    p.set_factor("1.000")
    assert p.apply_line().rows[0][3] == "5 × 1000 = 5000"
    p.edit_line(0)
    p.set_factor("1.5")
    assert p.apply_line().editor.error == ("Unidades por bulto no válidas (1.5): escriba un número entero, p. ej. 12; "
                                           "el punto separa los miles (1.000 es mil)")


@pytest.mark.parametrize(("typed", "by_weight", "factor"), [
    ("1.000", False, Decimal(1000)), ("10.000", False, Decimal(10000)), ("12", False, Decimal(12)),
    ("12,0", False, Decimal(12)), ("2,5", True, Decimal("2.5")), ("2.5", True, Decimal("2.5")),
    ("1.000,5", True, Decimal("1000.5")), (" 6 ", False, Decimal(6))])
def test_parse_factor_reads_es_cl_numbers(typed, by_weight, factor):
    assert purchase_matching.parse_factor(typed, by_weight=by_weight) == factor


@pytest.mark.parametrize("typed", ["1.5", "1.00", "12.0", "1,000.5", "1,000", "1.000,000"])
def test_parse_factor_refuses_an_ambiguous_dot_for_a_unit_product(typed):
    with pytest.raises(purchase_matching.MappingRefused):
        purchase_matching.parse_factor(typed)


def test_a_quantity_the_master_cannot_store_is_refused_at_the_till(store, tmp_path):
    big = (LECHE[0], "200000", "1", LECHE[3], False)
    p = _presenter(store, _file(tmp_path, "f9", sd.dte(33, 9, [big], STORE)))
    assert p.view.can_confirm
    p.edit_line(0)
    p.set_factor("5.000")  # 200.000 × 5.000 = 1.000.000.000: one too many for the master's stock column
    view = p.apply_line()
    assert view.editor.error == ("La línea 1 suma 1.000.000.000 unidades (200.000 × 5.000): el máximo que la tienda "
                                 "puede registrar es 999.999.999,999; revise las unidades por bulto")
    p.set_factor("4.999")
    assert p.apply_line().rows[0][3] == "200000 × 4999 = 999800000"


def test_a_document_whose_quantity_cannot_be_stored_is_refused(store, tmp_path):
    huge = (LECHE[0], "1000000000", "1", LECHE[3], False)
    preview = store.purchases.preview(sd.envio([sd.dte(33, 9, [huge], STORE)], STORE))
    assert not preview.importable
    assert any("la línea 1 suma 1.000.000.000 unidades" in r for r in preview.refusals), preview.refusals


def test_loose_units_of_the_same_ean_do_not_inherit_the_boxes_factor(store, tmp_path):
    """A box and its units carry the unit's GTIN: only the same description (and code) is the same item."""
    _register_boxes(store, tmp_path, 9, 12)
    units = ("Leche Entera Colun 1 L", "24", "500", "7801234567894", False)
    p = _presenter(store, _file(tmp_path, "f10", sd.dte(33, 10, [units], STORE)))
    assert p.view.rows[0][3] == "24" and p.view.rows[0][6] == "LEC-1 · Leche Entera Colun 1 L", p.view.rows[0]
    assert p.confirm().stage == "done", p.view.message
    assert _stock(store, "LEC-1") == 60 + 24
    again = ("  leche entera colun CJ 12 x 1 l ", "2", "6000", "7801234567894", False)  # spacing and case aside
    p = _presenter(store, _file(tmp_path, "f11", sd.dte(33, 11, [again], STORE)))
    assert p.view.rows[0][3] == "2 × 12 = 24 (como en factura N° 9)"
