"""Returns with a nota de crédito: full and partial, from the sale picked by its folio, with a supervisor PIN;
the stock and the cash come back, and nothing is given back twice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp

from desktop.drivers.escpos_decode import decode, to_image
from desktop.journal import read_models
from shared import errors
from shared.dte import ted
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
SUPERVISOR_PIN = "9999"


def _caf(term, tipo: int) -> None:
    term.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())


def _sell(term, *codes: str, tender: TenderKind = TenderKind.CASH):
    for code in codes:
        term.checkout.scan(code)
    total = term.checkout.sale.totals().total
    return term.checkout.complete((Tender(tender, total + 10),) if tender is TenderKind.CASH
                                  else (Tender(tender, total),)).event


def _drawer(term) -> int:
    shift = read_models.shift(term.journal.conn, term.checkout.shift_id)
    return shift.expected()[TenderKind.CASH]


def test_a_full_return_annuls_the_boleta_and_moves_stock_and_cash_back(selling):
    _caf(selling, 39)
    _caf(selling, 61)
    sale = _sell(selling, "7801234567894", "7801610001196")
    stock = read_models.stock_on_hand(selling.journal.conn, "LEC-1")
    cash = _drawer(selling)
    found = selling.returns.find(sale.document.folio)
    assert found.sale.sale_id == sale.sale_id and found.left == {1: 1, 2: 1}
    with pytest.raises(errors.WrongPin):
        selling.returns.complete(found, None, "1111", "cliente arrepentido", cashier_id="ana",
                                 shift_id=selling.checkout.shift_id)
    done = selling.returns.complete(found, None, SUPERVISOR_PIN, "cliente arrepentido", cashier_id="ana",
                                    shift_id=selling.checkout.shift_id)
    event = done.event
    assert event.full and event.total == sale.total == 3140 and event.refunds[0].amount == 3140
    assert (event.document.tipo, event.document.folio) == (61, 1)
    data = ted.verify_ted(event.document.ted.encode("latin-1"))
    assert (data.tipo_dte, data.monto_total) == (61, 3140)
    assert read_models.stock_on_hand(selling.journal.conn, "LEC-1") == stock + 1
    assert _drawer(selling) == cash - 3140
    with pytest.raises(errors.SaleError, match="indique qué se devuelve"):
        selling.returns.complete(selling.returns.find(sale.document.folio), None, SUPERVISOR_PIN, "otra vez",
                                 cashier_id="ana", shift_id=selling.checkout.shift_id)
    selling.receipts.wait_idle()
    job = selling.printer.jobs[-1]
    text = "\n".join(decode(job).lines)
    assert "NOTA DE CRÉDITO ELECTRÓNICA" in text and "N° 1" in text and f"boleta N° {sale.document.folio}" in text
    assert "Total a pagar" not in text and "Vuelto" not in text  # money goes back: nothing to pay, no change
    assert "Devolución efectivo" in text
    found_codes = zxingcpp.read_barcodes(to_image(job, 576), formats=zxingcpp.BarcodeFormat.PDF417)
    assert [f.bytes for f in found_codes] == [event.document.ted.encode("latin-1")]
    # the facts survive a rebuild: nothing more to give back, the folio 61/1 is used
    selling.journal.rebuild_projections()
    assert selling.returns.find(sale.document.folio).left == {1: 0, 2: 0}
    assert read_models.folio_used(selling.journal.conn, 61, 1) == event.return_id


def test_partial_returns_never_exceed_what_was_sold(selling):
    _caf(selling, 39)
    _caf(selling, 61)
    selling.checkout.scan("7801234567894")
    selling.checkout.set_quantity(1, "3")
    sale = selling.checkout.complete((Tender(TenderKind.DEBIT, 3450),)).event
    found = selling.returns.find(sale.document.folio)
    with pytest.raises(errors.SaleError, match="quedan 3"):
        selling.returns.complete(found, {1: Decimal(4)}, SUPERVISOR_PIN, "vencida", cashier_id="ana",
                                 shift_id=selling.checkout.shift_id)
    first = selling.returns.complete(found, {1: Decimal(1)}, SUPERVISOR_PIN, "vencida", cashier_id="ana",
                                     shift_id=selling.checkout.shift_id).event
    assert not first.full and first.total == 1150 and first.refunds[0].kind == "debit"
    found = selling.returns.find(sale.document.folio)
    assert found.left == {1: 2}
    second = selling.returns.complete(found, {1: Decimal(2)}, SUPERVISOR_PIN, "vencida", cashier_id="ana",
                                      shift_id=selling.checkout.shift_id).event
    assert second.total == 2300 and second.document.folio == 2
    shift = read_models.shift(selling.journal.conn, selling.checkout.shift_id)
    assert shift.returns_count == 2 and shift.returns_total == 3450 and shift.expected()[TenderKind.DEBIT] == 0


def test_without_nota_folios_or_an_unknown_folio_the_return_is_refused(selling):
    _caf(selling, 39)
    sale = _sell(selling, "7801234567894")
    with pytest.raises(errors.SaleError, match="no hay una venta"):
        selling.returns.find(19)
    found = selling.returns.find(sale.document.folio)
    with pytest.raises(errors.SaleError, match="Sin folios de nota de crédito"):
        selling.returns.complete(found, None, SUPERVISOR_PIN, "cambio", cashier_id="ana",
                                 shift_id=selling.checkout.shift_id)
    assert selling.returns.find(sale.document.folio).left == {1: 1}


def test_partial_returns_never_credit_more_than_the_line_was_paid(selling):
    """Two units paid $2.201 together (a $99 discount on 2 × $1.150): returning them one at a time credits $1.101
    and then the $1.100 left, never $1.101 twice (the notas would add up to more than the boleta)."""
    _caf(selling, 39)
    _caf(selling, 61)
    selling.checkout.scan("7801234567894")
    selling.checkout.set_quantity(1, "2")
    selling.checkout.discount_sale(99, SUPERVISOR_PIN, "Cliente frecuente")
    sale = selling.checkout.complete((Tender(TenderKind.DEBIT, 2201),)).event
    credited = []
    for _ in range(2):
        found = selling.returns.find(sale.document.folio)
        done = selling.returns.complete(found, {1: Decimal(1)}, SUPERVISOR_PIN, "Vencido", cashier_id="ana",
                                        shift_id=selling.checkout.shift_id).event
        credited.append(done.total)
    assert credited == [1101, 1100] and sum(credited) == sale.total


def test_a_weighed_return_whose_share_rounds_up_still_gets_its_nota(selling):
    """0,102 kg of bread at $1.990/kg is paid $203; giving back 0,051 kg credits $102 (half of 203, rounded up),
    a peso above 0,051 × 1.990 = $101. The nota de crédito carries that line at the price that gives $102 instead
    of a negative discount, so it is valid (the SII schema and our checks) and the return goes through."""
    from datetime import date, datetime

    from shared.dte import documents, schema, signature, verdict, xml
    from syncserver.sii.standin_caf import demo_certificate

    _caf(selling, 39)
    _caf(selling, 61)
    bread = selling.checkout.catalog.search("Pan Batido")[0]
    selling.checkout.add_product(bread, Decimal("0.102"))
    sale = selling.checkout.complete((Tender(TenderKind.CASH, 210),)).event
    assert sale.total == 203
    found = selling.returns.find(sale.document.folio)
    done = selling.returns.complete(found, {1: Decimal("0.051")}, SUPERVISOR_PIN, "Pan duro", cashier_id="ana",
                                    shift_id=selling.checkout.shift_id).event
    assert done.total == 102 and done.document.tipo == 61
    linea = documents.linea_acreditada(done.lines[0])
    assert (linea.descuento, linea.monto) == (0, 102) and linea.precio == Decimal("2000")
    # the server builds the same nota from the event: it follows the SII schema
    emisor = selling.checkout.folios.emisor
    day = date.fromisoformat(done.document.stamped_at[:10])
    nota = documents.nota_credito_desde_devolucion(done, folio=done.document.folio, fecha_emision=day,
                                                    emisor=emisor, receptor=documents.RECEPTOR_ANONIMO,
                                                    fecha_original=day)
    signer = signature.load_pfx(demo_certificate("13.185.095-6", "clave"), "clave")
    schema.validate(xml.build_dte(nota, done.document.ted.encode("iso-8859-1"), signer, datetime.now()),
                    verdict.XSD_DIR)


def test_the_z_report_shows_the_shifts_returns_and_its_net_sales(selling):
    """The drawer holds less cash after a refund: the Z says why (how many returns, what they gave back, net sales)."""
    _caf(selling, 39)
    _caf(selling, 61)
    sale = _sell(selling, "7801234567894", "7801610001196")  # 1.150 + 1.990, cash
    _sell(selling, "7801234567894")
    found = selling.returns.find(sale.document.folio)
    selling.returns.complete(found, {2: Decimal(1)}, SUPERVISOR_PIN, "vencido", cashier_id="ana",
                             shift_id=selling.checkout.shift_id)
    # bread by weight: $1.001 credited, $1.000 handed back in cash (Ley 20.956)
    selling.checkout.add_product(read_models.by_plu(selling.journal.conn, "1001"), Decimal("0.503"))
    bread = selling.checkout.complete((Tender(TenderKind.CASH, 1010),)).event
    assert bread.total == 1001
    selling.returns.complete(selling.returns.find(bread.document.folio), None, SUPERVISOR_PIN, "duro",
                             cashier_id="ana", shift_id=selling.checkout.shift_id)
    cash = _drawer(selling)
    closed = selling.shifts.close(selling.checkout.cashier, {TenderKind.CASH: cash})
    assert closed.report.cash_difference == 0 and closed.report.shift.returns_total == 1990 + 1001
    selling.receipts.wait_idle()
    rows = [" ".join(line.split()) for line in decode(selling.printer.jobs[-1]).lines]
    for expected in ("REPORTE Z", "N° de ventas 3", "Total ventas $5.291", "N° de devoluciones 2",
                     "Total devuelto $2.991", "Redondeo devoluciones -$1", "Ventas netas $2.300", "Caja Cuadrada"):
        assert expected in rows, (expected, rows)
