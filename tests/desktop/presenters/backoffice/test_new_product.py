"""«Nuevo producto»'s presenter on a real till: codes gathered from either scanner (an EAN with a wrong check digit
or another product's refused, named), the field to fix named for each bad input, nothing typed lost, and the
product created local and sellable; a supervisor cannot create."""

from __future__ import annotations

from desktop.journal import local_products_projection, read_models
from desktop.presenters.backoffice.new_product import LOCAL_NOTE, NewProductPresenter
from desktop.services.auth import User
from shared import roles

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)
NEW_CODE = "7800000000023"


def test_codes_from_the_scanners(terminal) -> None:
    views = []
    presenter = NewProductPresenter(terminal.local_products, ROSA, code=NEW_CODE, on_change=views.append)
    assert presenter.view.codes == (NEW_CODE,) and "Lácteos" in presenter.view.categories
    assert presenter.scanned(NEW_CODE).message == f"El código {NEW_CODE} ya está agregado."
    view = presenter.scanned("7801234567894")
    assert (view.error, view.problem, view.codes) == (True, "barcodes", (NEW_CODE,))
    assert "ya es del producto «Leche Entera Colun 1 L» (LEC-1)" in view.message
    view = presenter.scanned("7800000000024")
    assert view.error and "dígito verificador incorrecto" in view.message
    assert presenter.scanned("7800000000030").codes == (NEW_CODE, "7800000000030")
    assert presenter.clear_codes().codes == ()
    assert views and views[-1] is presenter.view


def test_each_bad_field_is_named_and_a_good_product_is_created(terminal) -> None:
    presenter = NewProductPresenter(terminal.local_products, ROSA)
    head = terminal.journal.head
    assert presenter.create("", "1000", "Varios").problem == "name"
    assert presenter.create("Empanada", "mil", "Varios").problem == "price"
    assert "Precio no válido" in presenter.view.message
    assert presenter.create("Empanada", "1000", "").problem == "category"
    assert presenter.create("Leche entera colun 1 L", "1000", "Varios").problem == "name"
    assert presenter.create("Empanada", "1000", "Varios", pending_code="123").problem == "barcodes"
    assert terminal.journal.head == head
    presenter.choose_sold_by("kg")
    presenter.toggle_iva_exempt()
    view = presenter.create("Empanada", "$2.500", "Panadería", pending_code=NEW_CODE)
    assert view.created and not view.error and LOCAL_NOTE in view.message
    product = read_models.by_barcode(terminal.journal.conn, NEW_CODE)
    assert product is not None and product.sku == view.created and product.price == 2500
    assert product.sold_by.value == "kg" and product.iva_exempt
    assert local_products_projection.local_skus(terminal.journal.conn, [view.created]) == {view.created}


def test_a_supervisor_cannot_create(terminal) -> None:
    head = terminal.journal.head
    view = NewProductPresenter(terminal.local_products, MARTA).create("Empanada", "2500", "Panadería")
    assert view.error and "Solo un administrador puede crear productos" in view.message and not view.created
    assert terminal.journal.head == head
