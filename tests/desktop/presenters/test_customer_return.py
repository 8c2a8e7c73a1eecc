"""The customer and return presenters without Qt: what the cashier reads after each intent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from desktop.presenters.customer import CustomerPresenter
from desktop.presenters.payment import PaymentPresenter
from desktop.presenters.returns import CHOOSE, DONE, FIND, ReturnPresenter
from shared.events.sales import CustomerData
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
CLAVO = CustomerData("76123456-0", "Ferretería El Clavo SpA", "Ferretería", "Av. Matta 1020", "Santiago")


def _caf(term, *tipos: int) -> None:
    for tipo in tipos:
        term.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())


def test_the_customer_presenter_finds_fills_and_checks(selling):
    _caf(selling, 33)
    selling.checkout.scan("7801234567894")
    pay = PaymentPresenter(selling.checkout)
    assert not pay.choose_factura().error
    pay.set_customer(CLAVO)
    assert pay.view.factura and pay.view.customer == "Ferretería El Clavo SpA · RUT 76.123.456-0"
    pay.exact()
    assert pay.finish().message == "Venta guardada. Vuelto $0. Factura N° 1"
    pay.close()

    p = CustomerPresenter(selling.checkout.customers)
    assert p.search("clavo").matches == (("76123456-0", "Ferretería El Clavo SpA · 76.123.456-0"),)
    assert p.search("martillo").message == "No hay clientes guardados con «martillo»: escriba sus datos"
    assert p.pick("76123456-0").fill == CLAVO
    assert p.rut_entered("76.123.456-0").fill == CLAVO  # a known RUT typed fills the rest
    assert p.rut_entered("77.777.777-7").message == "Cliente nuevo: complete sus datos"
    wrong = p.rut_entered("76.123.456-9")
    assert wrong.error and wrong.field == "rut" and "dígito verificador" in wrong.message
    missing = p.submit("77.777.777-7", "Almacén Ñuñoa Ltda.", "", "Irarrázaval 100", "Ñuñoa")
    assert missing.field == "giro" and missing.message == "Falta el giro del cliente" and missing.chosen is None
    chosen = p.submit("77.777.777-7", " Almacén  Ñuñoa Ltda. ", "Almacén", "Irarrázaval 100", "Ñuñoa").chosen
    assert chosen == CustomerData("77777777-7", "Almacén Ñuñoa Ltda.", "Almacén", "Irarrázaval 100", "Ñuñoa")


def test_the_return_presenter_caps_quantities_and_refuses_without_nota_folios(selling):
    _caf(selling, 39)
    for _ in range(2):
        selling.checkout.scan("7801234567894")
    selling.checkout.add_product(selling.catalog.resolve("PAN-1").product, "0.500")
    sale = selling.checkout.complete((Tender(TenderKind.DEBIT, 3295),)).event
    selling.checkout.scan("7801610001196")
    selling.checkout.complete((Tender(TenderKind.CASH, 2000),))
    views = []
    p = ReturnPresenter(selling.returns, cashier_id="ana", shift_id=selling.checkout.shift_id, on_change=views.append)
    view = p.open()
    assert view.stage == FIND and [(r.number, r.document, r.total) for r in view.recent] == [
        ("N° 2", "Boleta N° 2", "$1.990"), ("N° 1", "Boleta N° 1", "$3.295")]
    assert p.lookup("abc").error
    view = p.lookup("3.295")  # the total typed: the one sale that matches opens
    assert view.stage == CHOOSE and view.title == "Devolución de la boleta N° 1" and view.selected == 1
    assert p.set_quantity("1,5").message == "Escriba unidades enteras"
    assert p.set_quantity("3").message == "De Leche Entera Colun 1 L quedan 2 por devolver: no se puede devolver 3"
    assert p.set_quantity("1").lines[0].amount == "$1.150"
    p.select(2)
    assert p.set_quantity("0,6").error
    view = p.set_quantity("0,25")
    assert view.lines[1].chosen == "0,250 kg" and view.total == "$1.648"
    assert view.refund == "Devuelva $1.648 por débito"
    assert p.nothing().total == "$0" and p.request().message == "Indique qué se devuelve"
    view = p.everything()
    assert view.total == "$3.295" and view.can_return
    view = p.request()
    assert view.asking_pin and "boleta N° 1" in view.what
    view = p.authorise("9999", "Producto vencido")
    assert view.error and not view.asking_pin and view.stage == CHOOSE
    assert view.message == "Sin folios de nota de crédito: conecte la caja a HQ para recibir más"
    assert selling.returns.find(sale.document.folio).left == {1: Decimal(2), 2: Decimal("0.500")}

    _caf(selling, 61)
    p.request()
    view = p.authorise("9999", "Producto vencido")
    assert view.stage == DONE and view.message == "Devolución lista: nota de crédito N° 1. Devuelva $3.295 por débito"
    assert views[-1] is view
    assert p.open().stage == FIND
    assert p.lookup("1").message == "La boleta N° 1 ya fue devuelta completa"  # sale N° 1, boleta N° 1
    assert p.back().stage == FIND and p.lookup("1.990").title == "Devolución de la boleta N° 2"
    assert p.lookup("99").message == "Ninguna venta reciente con el número o total 99"


def test_the_return_presenter_answers_nonsense_quantities_in_words(selling):
    _caf(selling, 39)
    selling.checkout.scan("7801234567894")
    selling.checkout.add_product(selling.catalog.resolve("PAN-1").product, "0.500")
    selling.checkout.complete((Tender(TenderKind.CASH, 3300),))
    p = ReturnPresenter(selling.returns, cashier_id="ana", shift_id=selling.checkout.shift_id)
    p.open()
    assert p.lookup("1²").error  # typed in the search: not a number, said so (int() would raise)
    assert p.lookup("1").stage == CHOOSE
    for line_id in (1, 2):  # units, then kg (weighed: the quantity is rounded to grams)
        p.select(line_id)
        for text in ("nan", "NaN", "Infinity", "-inf", "1e30"):
            view = p.set_quantity(text)
            assert view.error and view.message == f"Cantidad no válida: {text}"
    assert p.set_quantity("0,25").lines[1].chosen == "0,250 kg"
