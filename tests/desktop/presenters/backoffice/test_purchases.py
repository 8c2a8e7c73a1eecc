"""The Compras page's presenter: a paper factura typed in by scanning its lines with their cost (the supplier's
RUT checked as typed, a new one named), a total that does not add up refused with everything kept; goods returned
to the supplier; the supplier's XML registered by the administradora as herself, without a PIN; a supervisor reads
and registers nothing."""

from __future__ import annotations

from pathlib import Path

from desktop import settings as settings_mod
from desktop.journal import inventory_queries
from desktop.presenters.backoffice.purchases import READ_ONLY, PurchasesPresenter
from tests import supplier_dte as sd
from tests.desktop.presenters.backoffice.kit import MARTA, ROSA, bought, warehouses

STORE = "77447842-6"
ROWS = [{"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": "1150", "category": "Lácteos",
         "sold_by": "unit", "barcode": "7801234567894", "plu": "", "brand": "", "iva_exempt": "0",
         "favourite": "0", "stock": "12"},
        {"sku": "PAN-1", "name": "Pan Batido", "price": "1990", "category": "Panadería", "sold_by": "kg",
         "barcode": "", "plu": "1001", "brand": "", "iva_exempt": "0", "favourite": "0", "stock": "3"}]


def _page(terminal, user=ROSA):
    def purchases_of(rut):
        documents = inventory_queries.supplier_documents(terminal.journal.conn, rut)
        return [(d.id, f"{d.tipo} N° {d.folio}") for d in documents if d.kind == "compra"]

    return PurchasesPresenter(terminal.purchases, terminal.auth, terminal.catalog, user, warehouses(terminal),
                              lambda rut: "Distribuidora Andes Ltda." if rut == "76123456-0" else "",
                              today=terminal.journal.clock().date(), bought=purchases_of)


def test_a_paper_factura_is_typed_in_line_by_line(make_terminal):
    store = make_terminal(rows=ROWS)
    page = _page(store)
    assert page.view.section == "manual" and page.view.manual.fecha == "20-11-2026"
    page.set_rut("76.123.456-5")
    assert page.view.manual.rut_check.startswith("Dígito verificador incorrecto")
    page.set_rut("77.888.999-4")
    assert page.view.manual.rut_check == "RUT 77.888.999-4 ✓ · proveedor nuevo: escriba su razón social"
    page.type("razon_social", "Panificadora del Sur SpA")
    page.type("folio", "5521")
    page.scan("7801234567894")
    page.set_quantity("24")
    page.set_cost("790")
    page.scan("1001")  # the PLU of the pan batido: sold by kg, its weight typed
    page.set_quantity("5,5")
    page.set_cost("1.200,5")
    assert page.view.manual.lines[1].problem.startswith("Monto no válido")
    assert page.register().error  # the peso with decimals is refused, nothing lost
    page.set_cost("1200")
    assert page.view.manual.rows == (("LEC-1 · Leche Entera Colun 1 L", "24 un", "790", "$18.960"),
                                     ("PAN-1 · Pan Batido", "5,5 kg", "1200", "$6.600"))
    assert page.view.totals == "Neto $25.560 · IVA $4.856 · Total $30.416"
    page.type("total", "30.000")
    view = page.register()
    assert view.error and "no cuadra" in view.message and view.manual.folio == "5521"
    page.type("total", "30.416")
    view = page.register()
    assert view.message == ("Compra registrada: Factura N° 5521 de Panificadora del Sur SpA · 2 líneas · total "
                            "$30.416"), view.message
    assert view.manual.lines == () and view.moved == 1
    [row] = store.journal.conn.execute("SELECT tipo, folio, registered_by FROM purchases").fetchall()
    assert row == (33, 5521, "rosa")
    page.set_rut("77.888.999-4")
    page.type("folio", "5521")
    page.type("razon_social", "Panificadora del Sur SpA")
    page.scan("LEC-1")
    page.set_cost("790")
    assert "ya registrado" in page.register().message  # the same document twice


def test_goods_go_back_to_the_supplier(make_terminal):
    store = make_terminal(rows=ROWS)
    page = _page(store)
    page.show("return")
    page.set_rut("76123456-0")
    assert page.view.back.rut_check == "RUT 76.123.456-0 ✓ · Distribuidora Andes Ltda."
    page.scan("LEC-1")
    page.set_quantity("6")
    page.set_cost("800")
    view = page.give_back()
    assert view.error and "motivo" in view.message.lower() and len(view.back.lines) == 1
    page.type("reason", "Producto vencido")
    page.type("paper", "Guía 52 N° 1234")
    view = page.give_back()
    assert view.message.startswith("Devolución registrada a Distribuidora Andes Ltda.: 1 producto · $4.800"), \
        view.message
    [ret] = [e for e in store.journal.read() if e.type == "purchases.supplier_returned"]
    assert (ret.payload["reason"], ret.payload["document"]) == ("Producto vencido", "Guía 52 N° 1234")


def test_the_administradora_registers_the_xml_as_herself(make_terminal, tmp_path: Path):
    store = make_terminal(rows=ROWS, store=settings_mod.StoreInfo(rut="77.447.842-6"))
    path = tmp_path / "f.xml"
    path.write_bytes(sd.envio([sd.dte(33, 4, [("Leche Entera Colun 1 L", "6", "820", "7801234567894", False)],
                                      STORE)], STORE))
    page = _page(store)
    xml = page.xml()
    assert xml is not None
    assert xml.load(str(path)).can_confirm
    assert xml.confirm().stage == "done"
    assert page.registered(xml.view.message).message.startswith("Compra registrada: factura N° 4")
    assert store.journal.conn.execute("SELECT registered_by FROM purchases").fetchall() == [("rosa",)]
    assert not [e for e in store.journal.read() if e.type == "auth.authorised"]  # she is signed in: no PIN


def test_goods_go_back_against_the_purchase_they_came_in(make_terminal):
    store = make_terminal(rows=ROWS)
    bought(store, ("LEC-1", "24", 790), folio=77)
    page = _page(store)
    page.show("return")
    page.set_rut("76.123.456-0")
    [(purchase_id, label)] = page.view.back.purchases
    assert label == "33 N° 77"
    page.set_purchase(purchase_id)
    page.scan("LEC-1")
    page.set_quantity("30")  # more than the factura brought
    page.type("reason", "Producto vencido")
    view = page.give_back()
    assert view.error and "24" in view.message and view.back.purchase == purchase_id  # kept as typed
    page.set_quantity("6")
    view = page.give_back()
    assert view.message.endswith("1 producto · $4.740 a costo"), view.message  # the factura's cost, $790
    [ret] = [e for e in store.journal.read() if e.type == "purchases.supplier_returned"]
    assert ret.payload["purchase_id"] == purchase_id


def test_a_supervisor_reads_compras_and_registers_nothing(make_terminal):
    store = make_terminal(rows=ROWS)
    page = _page(store, MARTA)
    assert not page.view.can_edit and page.view.message == READ_ONLY
    assert page.xml() is None
    page.scan("LEC-1")
    page.set_cost("1")
    assert page.register().message == READ_ONLY
    assert page.show("nada").section == "manual"
