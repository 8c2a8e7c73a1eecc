"""Finding a sale to return by its receipt's scanned timbre: only a timbre this till stamped opens a sale; foreign,
altered, nota de crédito and hostile ones are refused in words. A factura's nota names the factura's customer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.settings import StoreInfo
from shared import errors
from shared.dte import caf as caf_mod
from shared.dte import ted
from shared.events.sales import CustomerData
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
PIN = "9999"


def _caf(term, *tipos: int) -> None:
    for tipo in tipos:
        term.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())


def _stamp(tipo: int, folio: int, monto: int, fecha: date) -> str:
    caf = caf_mod.parse_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())
    return ted.build_ted(caf, folio=folio, fecha_emision=fecha, rut_receptor="66666666-6",
                         razon_social_receptor="CONSUMIDOR FINAL", monto_total=monto, item1="Leche",
                         timestamp=datetime(2026, 11, 20, 9, 30)).decode("latin-1")


def test_the_timbre_of_a_sale_opens_it_and_others_are_refused(selling, clock):
    _caf(selling, 39, 61)
    selling.checkout.scan("7801234567894")
    sale = selling.checkout.complete((Tender(TenderKind.CASH, 2000),)).event
    returns = selling.returns
    found = returns.find_by_timbre("  " + sale.document.ted + "\r\n")
    assert found.sale.sale_id == sale.sale_id and found.document == "boleta N° 1"

    today = clock().date()
    with pytest.raises(errors.SaleError, match="no hay una venta con la boleta N° 7 en esta caja"):
        returns.find_by_timbre(_stamp(39, 7, 1150, today))
    with pytest.raises(errors.SaleError, match="no coincide con la boleta N° 1 emitida en esta caja"):
        returns.find_by_timbre(_stamp(39, 1, 99_000, today))
    with pytest.raises(errors.SaleError, match="El timbre es de una nota de crédito N° 3"):
        returns.find_by_timbre(_stamp(61, 3, 1150, today))
    for garbage in ("", "hola", "<TED>", "<TED version='1.0'><DD><TD>39</TD></DD></TED>",
                    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><TED/>', "<TED>" + "x" * 20_000 + "</TED>"):
        with pytest.raises(errors.SaleError, match="El código leído no es un timbre del SII"):
            returns.find_by_timbre(garbage)


def test_another_emisors_timbre_is_refused(make_terminal, clock):
    other = make_terminal(store=StoreInfo(rut="77.777.777-7"))
    with pytest.raises(errors.SaleError, match=r"otro emisor \(RUT 76235291-5\)"):
        other.returns.find_by_timbre(_stamp(39, 1, 1150, clock().date()))


def test_a_partial_return_of_a_factura_names_its_customer(selling):
    _caf(selling, 33, 61)
    customer = CustomerData("76123456-0", "Ferretería El Clavo SpA", "Ferretería", "Av. Matta 1020", "Santiago")
    selling.checkout.scan("7801234567894")
    selling.checkout.set_quantity(1, "2")
    sale = selling.checkout.complete((Tender(TenderKind.DEBIT, 2300),), customer=customer).event
    found = selling.returns.find_by_timbre(sale.document.ted)
    assert found.document == "factura N° 1"
    done = selling.returns.complete(found, {1: Decimal(1)}, PIN, "Producto defectuoso", cashier_id="ana",
                                    shift_id=selling.checkout.shift_id).event
    assert (done.original_tipo, done.original_folio, done.full, done.total) == (33, 1, False, 1150)
    assert done.refunds[0].kind == "debit" and done.refunds[0].amount == 1150
    data = ted.verify_ted(done.document.ted.encode("latin-1"))
    assert (data.tipo_dte, data.rut_receptor, data.razon_social_receptor) == (61, "76123456-0",
                                                                              "Ferretería El Clavo SpA")
    recent = selling.returns.recent()
    assert [(r.number, r.document, r.total) for r in recent] == [(1, "Factura N° 1", 2300)]


def test_a_timbre_with_numbers_no_folio_can_have_is_refused_in_words(selling):
    """A garbled or forged timbre whose TD/F/MNT are not plain folio-sized numbers is not a timbre (it used to
    crash the till: a 30-digit folio overflowed the journal's query; "²" passed isdigit() but not int())."""
    for td, folio, monto in (("39", "9" * 30, "100"), ("9" * 30, "1", "100"), ("39", "²", "100"),
                             ("39", "1", "9" * 30)):
        text = (f"<TED version='1.0'><DD><RE>76235291-5</RE><TD>{td}</TD><F>{folio}</F><FE>2026-11-20</FE>"
                f"<RR>66666666-6</RR><RSR>X</RSR><MNT>{monto}</MNT></DD></TED>")
        with pytest.raises(errors.SaleError, match="El código leído no es un timbre del SII"):
            selling.returns.find_by_timbre(text)
