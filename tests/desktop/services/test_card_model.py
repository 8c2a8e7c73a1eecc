"""The «modelo de emisión» at the till: HQ's choice (pulled as a ``card_model`` change) decides whether a sale paid
wholly by card takes a boleta; cash, transfer and fiado parts always do; the receipt of a voucher sale says the voucher
is the boleta; the Z report's documents block splits the shift's pesos the same way the libro de ventas does."""

from __future__ import annotations

from pathlib import Path

from desktop.drivers.escpos_decode import decode, to_image
from desktop.drivers.receipt import PaperWidth
from desktop.presenters.returns import ReturnPresenter
from desktop.services import receipts, sync
from desktop.settings import DocumentSettings
from shared import card_model
from shared.events import emisor
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
"""Where the printed paper is drawn for people to look at (not compared)."""
MILK = "7801234567894"  # $1.150
"""A product of the demo catalog the till fixtures load."""


def _start(term) -> None:
    term.checkout.folios.load_caf((SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml").read_bytes())
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)


def _publish(term, model: str) -> None:
    """What a pull of HQ's ``card_model`` change journals."""
    change = {"id": 9, "kind": "card_model", "key": "card_model",
              "data": {"model": model, "set_by": "duena@almacen.cl", "set_at": "2026-12-07T09:30:00+00:00"}}
    event = sync._event(change)
    assert event == emisor.CardModelReceived(model, "duena@almacen.cl", "2026-12-07T09:30:00+00:00")
    term.journal.append(event)


def _sell(term, *tenders: Tender):
    term.checkout.scan(MILK)
    return term.checkout.complete(tenders).event


def test_hq_s_voucher_model_leaves_card_only_sales_without_a_boleta_and_says_so_on_the_receipt(make_terminal):
    term = make_terminal()  # terminal.toml says boleta for cards (the default) until HQ says otherwise
    _start(term)
    assert term.checkout.card_model() is card_model.CardModel.BOLETA
    assert _sell(term, Tender(TenderKind.DEBIT, 1150)).document.folio == 1
    _publish(term, "voucher")
    assert term.checkout.card_model() is card_model.CardModel.VOUCHER
    card = _sell(term, Tender(TenderKind.CREDIT, 1150))
    assert card.document is None
    term.receipts.wait_idle()
    text = "\n".join(decode(term.printer.jobs[-1]).lines)
    assert "COMPROBANTE DE VENTA" in text and "BOLETA ELECTRÓNICA" not in text
    assert " ".join(receipts.VOUCHER_LEGEND) in " ".join(line.strip() for line in text.splitlines())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    to_image(term.printer.jobs[-1], PaperWidth.MM80.dots).save(SCREENSHOTS / "receipt_card_voucher.png")
    # anything not paid by card gets its boleta: cash, transfer (SII 001.380.7869), a mixed sale
    assert _sell(term, Tender(TenderKind.CASH, 2000)).document.folio == 2
    assert _sell(term, Tender(TenderKind.TRANSFER, 1150)).document.folio == 3
    mixed = _sell(term, Tender(TenderKind.DEBIT, 1000), Tender(TenderKind.CASH, 150))
    assert mixed.document.folio == 4
    term.receipts.wait_idle()
    assert receipts.VOUCHER_LEGEND[0] not in "\n".join(decode(term.printer.jobs[-1]).lines)
    _publish(term, "boleta")
    assert _sell(term, Tender(TenderKind.DEBIT, 1150)).document.folio == 5


def test_hq_s_choice_overrides_terminal_toml_and_survives_a_rebuild(make_terminal):
    term = make_terminal(documents=DocumentSettings(boleta_for_cards=False))
    _start(term)
    assert term.checkout.card_model() is card_model.CardModel.VOUCHER
    assert _sell(term, Tender(TenderKind.DEBIT, 1150)).document is None
    _publish(term, "boleta")
    term.journal.rebuild_projections()
    assert term.checkout.card_model() is card_model.CardModel.BOLETA
    assert _sell(term, Tender(TenderKind.DEBIT, 1150)).document is not None


def test_the_z_report_splits_the_shift_into_boletas_and_vouchers(make_terminal):
    term = make_terminal()
    _start(term)
    _publish(term, "voucher")
    ana = term.checkout.cashier
    _sell(term, Tender(TenderKind.DEBIT, 1150))
    _sell(term, Tender(TenderKind.CREDIT, 1150))
    _sell(term, Tender(TenderKind.CASH, 1150))
    _sell(term, Tender(TenderKind.DEBIT, 1000), Tender(TenderKind.CASH, 150))
    closed = term.shifts.close(ana, {TenderKind.CASH: 1150 + 150, TenderKind.DEBIT: 1150 + 1000,
                                     TenderKind.CREDIT: 1150})
    assert closed.report.cash_difference == 0
    s = closed.report.shift
    assert (s.boletas, s.boletas_total, s.vouchers, s.vouchers_total, s.undocumented_total) == (2, 2300, 2, 2300, 0)
    assert s.boletas_total + s.vouchers_total + s.facturas_total + s.undocumented_total == s.sales_total
    term.receipts.wait_idle()
    lines = [" ".join(line.split()) for line in decode(term.printer.jobs[-1]).lines]
    assert "Boletas (2) $2.300" in lines and "Voucher = boleta (2) $2.300" in lines
    to_image(term.printer.jobs[-1], PaperWidth.MM80.dots).save(SCREENSHOTS / "z_report_card_model.png")


def test_a_voucher_sale_s_return_says_to_reverse_the_card_payment(make_terminal):
    term = make_terminal()
    _start(term)
    _publish(term, "voucher")
    card = _sell(term, Tender(TenderKind.DEBIT, 1150))
    p = ReturnPresenter(term.returns, cashier_id="ana", shift_id=term.checkout.shift_id, on_change=lambda _: None)
    p.open()
    view = p.pick(card.sale_id)
    assert view.error and "su voucher es la boleta" in view.message and "terminal de la tarjeta" in view.message
