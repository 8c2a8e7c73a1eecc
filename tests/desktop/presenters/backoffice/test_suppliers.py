"""The Proveedores page's presenter: the RUT checked as it is typed (a wrong check digit names the right one), a
supplier saved, found and opened with its documents and what was bought from it; a refusal keeps the form; a
supervisor only reads."""

from __future__ import annotations

from desktop.presenters.backoffice.suppliers import READ_ONLY, SuppliersPresenter, check_rut
from tests.desktop.presenters.backoffice.kit import MARTA, ROSA, bought


def _page(terminal, user=ROSA):
    return SuppliersPresenter(terminal.suppliers, terminal.journal.conn, user)


def test_the_rut_is_checked_as_it_is_typed():
    assert check_rut("") == ("", False)
    assert check_rut("76123456-0") == ("RUT 76.123.456-0 ✓", True)
    assert check_rut("76.123.456-5") == ("Dígito verificador incorrecto: para 76123456 es 0", False)
    text, ok = check_rut("7612")
    assert not ok and text.startswith("RUT incompleto o mal escrito")


def test_a_supplier_is_saved_found_and_opened_with_what_was_bought(terminal):
    page = _page(terminal)
    assert page.view.rows == ()
    page.type("rut", "96.505.760-9")
    assert page.view.form.rut_ok and page.view.form.rut_check == "RUT 96.505.760-9 ✓"
    for name, text in (("razon_social", "Agrosuper Comercializadora de Alimentos Ltda."),
                       ("giro", "Venta al por mayor de carnes"), ("contact", "Jorge Muñoz"),
                       ("phone", "+56 9 8765 4321"), ("email", "jorge@correo")):
        page.type(name, text)
    view = page.save()
    assert view.error and "correo" in view.message.lower()
    assert view.form.contact == "Jorge Muñoz" and view.form.email == "jorge@correo"  # nothing lost
    page.type("email", "jorge@agrosuper.cl")
    view = page.save()
    assert view.message == ("Proveedor guardado: Agrosuper Comercializadora de Alimentos Ltda. · RUT 96.505.760-9"), \
        view.message
    assert view.rows == (("96.505.760-9", "Agrosuper Comercializadora de Alimentos Ltda.",
                          "Venta al por mayor de carnes"),)
    assert view.selected == 0 and view.form.editing == "96505760-9"

    bought(terminal, ("LEC-1", "24", 800), ("COC-15", "12", 1100))  # from Distribuidora Andes (76.123.456-0)
    assert len(page.refresh().rows) == 2  # the factura named a new supplier
    page.new()
    assert page.search("andes").rows[0][:2] == ("76.123.456-0", "Distribuidora Andes Ltda.")
    assert page.search("MUÑOZ").rows[0][0] == "96.505.760-9"  # the contact is searched too
    page.search("andes")
    view = page.open(0)
    assert view.supplier == "Distribuidora Andes Ltda." and view.bought == "1 compra · 0 devoluciones"
    assert view.documents == (("15-11-2026", "Factura N° 1", "$38.556", "rosa"),)
    assert [row[:3] for row in view.items] == [("COC-15 · Coca-Cola 1,5 L", "12", "$1.100"),
                                               ("LEC-1 · Leche Entera Colun 1 L", "24", "$800")]


def test_a_bad_rut_is_refused_and_nothing_is_saved(terminal):
    page = _page(terminal)
    page.type("rut", "76.123.456-5")
    page.type("razon_social", "Proveedor con RUT mal escrito")
    view = page.save()
    assert view.error and "verificador" in view.message
    assert view.form.razon_social == "Proveedor con RUT mal escrito"
    assert not [e for e in terminal.journal.read() if e.type == "purchases.supplier_saved"]


def test_a_supervisor_only_reads(terminal):
    page = _page(terminal, MARTA)
    assert page.view.message == READ_ONLY and not page.view.can_edit
    page.type("rut", "76123456-0")
    page.type("razon_social", "X")
    assert page.save().message == READ_ONLY
