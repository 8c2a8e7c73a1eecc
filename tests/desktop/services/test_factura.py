"""Facturas (33/34) at the till: the customer is checked, saved with the sale and found again; the TED names the
customer; without factura folios nothing is sold and a boleta still works."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp

from desktop.drivers.escpos_decode import decode, to_image
from desktop.journal import read_models
from desktop.services.customers import CustomerInvalid, check
from desktop.services.folios import FacturaUnavailable
from desktop.settings import DocumentSettings
from shared.dte import ted
from shared.events.sales import CustomerData
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
LONG_NAME = "Comercializadora y Distribuidora Ferretera El Ñandú del Sur SpA"
CUSTOMER = CustomerData("76.123.456-0", LONG_NAME, "Ferretería", "Av. Matta 1020", "Santiago")


def _caf(term, tipo: int) -> None:
    term.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())


def _events(term, type_: str) -> list:
    return [term.journal.codec.decode(e.type, e.version, e.payload) for e in term.journal.read(1)
            if e.type == type_]


def test_a_factura_names_the_customer_in_the_event_the_timbre_and_the_receipt(selling):
    _caf(selling, 33)
    selling.checkout.scan("7801234567894")
    selling.checkout.scan("7801610001196")
    done = selling.checkout.complete((Tender(TenderKind.DEBIT, 3140),), customer=CUSTOMER)
    event = done.event
    assert (event.document.tipo, event.document.folio) == (33, 1)
    assert event.customer == CustomerData("76123456-0", LONG_NAME, "Ferretería", "Av. Matta 1020", "Santiago")
    saved = _events(selling, "customer.saved")
    assert [(c.rut, c.razon_social) for c in saved] == [("76123456-0", LONG_NAME)]

    selling.receipts.wait_idle()
    job = selling.printer.jobs[-1]
    text = "\n".join(decode(job).lines)
    for expected in ("FACTURA ELECTRÓNICA", "R.U.T.: 76.235.291-5", "N° 1", f"Señor(es): {LONG_NAME[:30]}",
                     "RUT: 76.123.456-0", "Giro: Ferretería", "Dirección: Av. Matta 1020", "Comuna: Santiago",
                     "Neto", "$2.639", "IVA 19%", "$501", "TOTAL", "$3.140", "Timbre Electrónico SII"):
        assert expected in text, expected
    assert "BOLETA" not in text
    found = zxingcpp.read_barcodes(to_image(job, 576), formats=zxingcpp.BarcodeFormat.PDF417)
    assert [f.bytes for f in found] == [event.document.ted.encode("latin-1")]
    data = ted.verify_ted(found[0].bytes)
    assert (data.tipo_dte, data.folio, data.monto_total) == (33, 1, 3140)
    assert data.rut_receptor == "76123456-0"
    assert data.razon_social_receptor == LONG_NAME[:40] and len(LONG_NAME) > 40

    # next time the customer is found by part of its RUT or its name (accents and case aside)
    customers = selling.checkout.customers
    assert [m.customer.rut for m in customers.search("76.123")] == ["76123456-0"]
    assert [m.label for m in customers.search("ñandu del")] == [f"{LONG_NAME} · 76.123.456-0"]
    assert customers.search("ferreteria ñandú norte") == []
    # the same data again journal no second customer.saved; changed data do, and the projection keeps the last
    selling.checkout.scan("7801234567894")
    selling.checkout.complete((Tender(TenderKind.CASH, 1150),), customer=CUSTOMER)
    moved = CustomerData("76123456-0", LONG_NAME, "Ferretería", "Av. Matta 2000", "Santiago")
    selling.checkout.scan("7801234567894")
    selling.checkout.complete((Tender(TenderKind.CASH, 1150),), customer=moved)
    assert len(_events(selling, "customer.saved")) == 2
    selling.journal.rebuild_projections()
    assert customers.get("76123456-0") == moved


def test_without_factura_folios_nothing_is_sold_and_a_boleta_still_works(selling):
    _caf(selling, 39)
    selling.checkout.scan("7801234567894")
    assert selling.checkout.factura_problem() == ("Sin folios de factura: conecte la caja a HQ para recibir más. "
                                                  "Puede emitir una boleta en su lugar.")
    head = selling.journal.head
    with pytest.raises(FacturaUnavailable, match="Sin folios de factura"):
        selling.checkout.complete((Tender(TenderKind.CASH, 2000),), customer=CUSTOMER)
    assert selling.journal.head == head and len(selling.checkout.sale.lines) == 1
    assert read_models.draft(selling.journal.conn)["sale"]["lines"]
    assert selling.checkout.customers.get(CUSTOMER.rut) is None
    done = selling.checkout.complete((Tender(TenderKind.CASH, 2000),))
    assert done.event.document.tipo == 39 and done.event.customer is None


def test_an_exempt_sale_gets_a_factura_exenta_even_paid_by_card(make_terminal):
    term = make_terminal(documents=DocumentSettings(boleta_for_cards=False))
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    _caf(term, 33)
    term.checkout.scan("7800000000016")  # Carga Bip!, exento
    assert term.checkout.factura_problem().startswith("Sin folios de factura exenta")
    _caf(term, 34)
    assert term.checkout.factura_problem() == ""
    event = term.checkout.complete((Tender(TenderKind.CREDIT, 2000),), customer=CUSTOMER).event
    assert event.document.tipo == 34 and event.customer.rut == "76123456-0"
    assert ted.verify_ted(event.document.ted.encode("latin-1")).rut_receptor == "76123456-0"
    # a card sale without a customer gets no boleta on this store (boleta_for_cards = false)
    term.checkout.scan("7801234567894")
    assert term.checkout.complete((Tender(TenderKind.DEBIT, 1150),)).event.document is None


@pytest.mark.parametrize(("rut", "message"), [
    ("76.123.456-1", "El RUT 76.123.456-1 no es válido: el dígito verificador no corresponde"),
    ("76123456", "el dígito verificador no corresponde"),
    ("hola", "El RUT «hola» no es válido: escríbalo como 76.123.456-0"),
    ("", "Escriba el RUT del cliente"),
    ("66.666.666-6", "RUT de consumidor final"),
])
def test_a_wrong_rut_is_refused_in_words_for_the_cashier(rut, message):
    with pytest.raises(CustomerInvalid, match=message) as caught:
        check(rut, "Ferretería El Clavo SpA", "Ferretería", "Av. Matta 1020", "Santiago")
    assert caught.value.field == "rut"


def test_missing_or_too_long_data_are_refused_and_nothing_is_journaled(selling):
    with pytest.raises(CustomerInvalid, match="Falta la comuna del cliente"):
        check("76123456-0", "Ferretería El Clavo SpA", "Ferretería", "Av. Matta 1020", "  ")
    with pytest.raises(CustomerInvalid, match="Giro: 41 caracteres; el SII admite hasta 40"):
        check("76123456-0", "Ferretería El Clavo SpA", "x" * 41, "Av. Matta 1020", "Santiago")
    _caf(selling, 33)
    selling.checkout.scan("7801234567894")
    head = selling.journal.head
    with pytest.raises(CustomerInvalid, match="Falta la dirección"):
        selling.checkout.complete((Tender(TenderKind.CASH, 2000),),
                                  customer=CustomerData("76123456-0", "Ferretería El Clavo SpA", "Ferretería", "",
                                                        "Santiago"))
    assert selling.journal.head == head


def test_the_recuadro_names_the_sii_office_when_the_store_sets_it(make_terminal):
    from desktop.settings import StoreInfo

    term = make_terminal(store=StoreInfo(sii_office="Santiago Oriente"))
    _caf(term, 39)
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.CASH, 2000),))
    term.receipts.wait_idle()
    lines = decode(term.printer.jobs[-1]).lines
    office = next(i for i, line in enumerate(lines) if "S.I.I. - SANTIAGO ORIENTE" in line)
    assert any("BOLETA ELECTR" in line for line in lines[:office])  # right under the recuadro


def test_a_customer_saved_after_a_restore_is_offered_first(selling):
    """A restored journal starts a new epoch whose seqs begin again at 1; the newest customer still comes first."""
    _caf(selling, 33)
    names = ["Ferretería Uno SpA", "Ferretería Dos SpA", "Ferretería Tres SpA"]
    ruts = ["76123456-0", "77777777-7", "96874030-K"]
    for rut, name in zip(ruts[:2], names[:2], strict=True):
        selling.checkout.scan("7801234567894")
        selling.checkout.complete((Tender(TenderKind.CASH, 1150),),
                                  customer=CustomerData(rut, name, "Ferretería", "Av. Matta 1020", "Santiago"))
    journal = selling.journal
    old_seq = journal.head[0]
    journal.begin_epoch(journal.identity.epoch + 1, old_seq)
    selling.checkout.scan("7801234567894")
    selling.checkout.complete((Tender(TenderKind.CASH, 1150),),
                              customer=CustomerData(ruts[2], names[2], "Ferretería", "Av. Matta 1020", "Santiago"))
    assert journal.head[0] < old_seq  # the new epoch's seqs are below the old ones
    expected = [names[2], names[1], names[0]]
    assert [m.customer.razon_social for m in selling.checkout.customers.search("ferreteria")] == expected
    journal.rebuild_projections()
    assert [m.customer.razon_social for m in selling.checkout.customers.search("ferreteria")] == expected
