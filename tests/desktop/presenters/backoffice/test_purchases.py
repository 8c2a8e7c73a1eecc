"""The Compras page's presenter: the administradora registers a supplier's XML as herself, without a PIN; a
supervisor reads the page and registers nothing."""

from __future__ import annotations

from pathlib import Path

from desktop import settings as settings_mod
from desktop.presenters.backoffice.purchases import READ_ONLY, PurchasesPresenter
from tests import supplier_dte as sd

STORE = "77447842-6"
ROWS = [{"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": "1150", "category": "Lácteos",
         "sold_by": "unit", "barcode": "7801234567894", "plu": "", "brand": "", "iva_exempt": "0",
         "favourite": "0", "stock": "12"}]


def _user(terminal, user_id):
    [user] = [u for u in terminal.auth.users() if u.user_id == user_id]
    return user


def test_the_administradora_registers_the_xml_as_herself(make_terminal, tmp_path: Path):
    store = make_terminal(rows=ROWS, store=settings_mod.StoreInfo(rut="77.447.842-6"))
    path = tmp_path / "f.xml"
    path.write_bytes(sd.envio([sd.dte(33, 4, [("Leche Entera Colun 1 L", "6", "820", "7801234567894", False)],
                                      STORE)], STORE))
    page = PurchasesPresenter(store.purchases, store.auth, store.catalog, _user(store, "rosa"))
    assert page.view.can_edit and page.view.message == ""
    xml = page.xml()
    assert xml is not None
    assert xml.load(str(path)).can_confirm
    assert xml.confirm().stage == "done"
    assert page.registered(xml.view.message).message.startswith("Compra registrada: factura N° 4")
    assert store.journal.conn.execute("SELECT registered_by FROM purchases").fetchall() == [("rosa",)]
    assert not [e for e in store.journal.read() if e.type == "auth.authorised"]  # she is signed in: no PIN


def test_a_supervisor_reads_compras_and_registers_nothing(make_terminal):
    store = make_terminal(rows=ROWS)
    page = PurchasesPresenter(store.purchases, store.auth, store.catalog, _user(store, "marta"))
    assert not page.view.can_edit and page.view.message == READ_ONLY
    assert page.xml() is None
    assert page.view.error
    assert page.show("nada").section == "xml"
