"""Returns of sales on fiado on a real journal: the customer's account is credited first (a ``fiado`` refund and
the sale's customer on the return), what is left goes back as the sale was paid, across partial returns."""

from __future__ import annotations

from decimal import Decimal

from desktop.drivers.escpos_decode import decode
from desktop.journal import fiado_queries, read_models
from desktop.services import returns as returns_mod
from shared.events import sales
from shared.sale import Tender, TenderKind
from tests.desktop.services import fiado_kit
from tests.desktop.services.fiado_kit import JUANA, SUPERVISOR_PIN

LECHE, COCA = "7801234567894", "7801610001196"  # $1.150, $1.990


def _fiado_sale(term, tenders):
    fiado_kit.caf(term, 39)
    fiado_kit.caf(term, 61)
    fiado_kit.customer(term)
    fiado_kit.online(term)
    term.checkout.scan(LECHE)
    term.checkout.scan(COCA)
    term.checkout.attach_customer(JUANA)
    return term.checkout.complete(tenders).event


def _return(term, sale, quantities=None):
    found = term.returns.find(sale.document.folio)
    return term.returns.complete(found, quantities, SUPERVISOR_PIN, "no le gustó", cashier_id="ana",
                                 shift_id=term.checkout.shift_id).event


def test_a_full_return_of_a_fiado_sale_credits_the_account(selling):
    sale = _fiado_sale(selling, (Tender(TenderKind.FIADO, 3140),))
    cash = read_models.shift(selling.journal.conn, selling.checkout.shift_id).expected()[TenderKind.CASH]
    event = _return(selling, sale)
    assert event.customer_id == JUANA
    assert [(t.kind, t.amount) for t in event.refunds] == [("fiado", 3140)]
    assert fiado_queries.account(selling.journal.conn, JUANA).balance == 0
    assert read_models.shift(selling.journal.conn, selling.checkout.shift_id).expected()[TenderKind.CASH] == cash
    selling.receipts.wait_idle()
    text = "\n".join(decode(selling.printer.jobs[-1]).lines)
    assert "Abono a cuenta fiado" in text and "Cliente: Juana Soto" in text and "Saldo fiado:" in text


def test_partial_returns_of_a_mixed_sale_credit_the_fiado_part_first(selling):
    sale = _fiado_sale(selling, (Tender(TenderKind.FIADO, 2000), Tender(TenderKind.CASH, 2000)))
    first = _return(selling, sale, {2: Decimal(1)})  # the Coca-Cola, $1.990: within the $2.000 on fiado
    assert [(t.kind, t.amount) for t in first.refunds] == [("fiado", 1990)]
    second = _return(selling, sale, {1: Decimal(1)})  # the milk, $1.150: $10 to the account, $1.140 in cash
    assert [(t.kind, t.amount) for t in second.refunds] == [("fiado", 10), ("cash", 1140)]
    assert fiado_queries.account(selling.journal.conn, JUANA).balance == 0


def test_refunds_for_a_sale_without_fiado_are_as_before():
    sale = sales.SaleCompleted("s", 1, "t", "ana", (), 0, 1150, 1150, 0, 966, 184,
                               (sales.TenderTaken("debit", 1150, 1150),), 0, 0)
    assert returns_mod.refunds_for(sale, 1150) == (sales.TenderTaken("debit", 1150, 1150),)
    assert returns_mod.refund_words(returns_mod.refunds_for(sale, 1150)) == "Devuelva $1.150 por débito"
