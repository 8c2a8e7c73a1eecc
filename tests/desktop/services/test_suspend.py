"""Suspender / Recuperar on a real journal: several sales put aside with their customer, kept across a restart,
recalled one at a time, and never holding a folio."""

from __future__ import annotations

import pytest

from desktop.journal import read_models
from desktop.services import suspend
from shared import errors
from shared.sale import Tender, TenderKind
from tests.desktop.services import fiado_kit
from tests.desktop.services.fiado_kit import JUANA

LECHE, COCA = "7801234567894", "7801610001196"  # $1.150, $1.990


def _open(term):
    ana = term.auth.sign_in("ana", "1234")
    shift = read_models.open_shift(term.journal.conn) or term.shifts.open(ana, 20_000)
    term.checkout.start(ana, shift.shift_id)
    return term


def test_suspended_sales_survive_a_restart_and_come_back_with_their_customer(make_terminal, tmp_path):
    data = tmp_path / "caja"
    term = _open(make_terminal(data_dir=data))
    fiado_kit.caf(term, 39)
    fiado_kit.customer(term)
    folios = read_models.folios_left(term.journal.conn, 39)
    term.checkout.scan(LECHE)
    term.checkout.scan(COCA)
    term.checkout.attach_customer(JUANA)
    first_sale = term.checkout.sale.sale_id
    first = term.checkout.suspend()
    assert term.checkout.sale.lines == () and term.checkout.customer_id == ""
    assert term.checkout.sale.sale_id != first_sale
    term.checkout.scan(LECHE)
    second = term.checkout.suspend("  señora   del pan ")
    assert read_models.folios_left(term.journal.conn, 39) == folios  # no folio held
    term.close()

    again = _open(make_terminal(data_dir=data, fresh=False))
    listed = again.checkout.suspended()
    assert [(s.suspended_id, s.label, s.total, s.lines, s.customer_id, s.customer_name) for s in listed] == [
        (first, listed[0].label, 3140, 2, JUANA, "Juana Soto"), (second, "señora del pan", 1150, 1, "", "")]
    assert listed[0].label.startswith("Juana Soto · ")
    sale = again.checkout.recall(first)
    assert sale.sale_id == first_sale and [x.sku for x in sale.lines] == ["LEC-1", "COC-15"]
    assert again.checkout.customer_id == JUANA
    assert [s.suspended_id for s in again.checkout.suspended()] == [second]
    done = again.checkout.complete((Tender(TenderKind.CASH, 3140),))
    assert done.event.customer_id == JUANA and done.event.document.folio == 1
    # the recalled cart is the draft too: a crash after recall loses nothing
    again.checkout.recall(second)
    again.close()
    third = _open(make_terminal(data_dir=data, fresh=False))
    assert [x.sku for x in third.checkout.sale.lines] == ["LEC-1"] and third.checkout.suspended() == []


def test_recall_refuses_over_a_cart_with_lines_and_a_sale_recalled_twice(selling):
    selling.checkout.scan(LECHE)
    put = selling.checkout.suspend("uno")
    selling.checkout.scan(COCA)
    with pytest.raises(errors.SaleError, match="suspéndala"):
        selling.checkout.recall(put)
    assert [x.sku for x in selling.checkout.sale.lines] == ["COC-15"]
    other = selling.checkout.suspend("dos")
    selling.checkout.recall(put)
    selling.checkout.suspend("uno otra vez")
    with pytest.raises(errors.SaleError, match="ya no está"):
        selling.checkout.recall(put)
    assert {s.label for s in selling.checkout.suspended()} == {"dos", "uno otra vez"}
    assert selling.checkout.suspended_count() == 2
    assert other in {s.suspended_id for s in selling.checkout.suspended()}


def test_an_empty_cart_or_a_long_label_is_not_suspended(selling):
    with pytest.raises(errors.EmptySale):
        selling.checkout.suspend()
    selling.checkout.scan(LECHE)
    with pytest.raises(errors.InvalidInput, match="hasta 40"):
        selling.checkout.suspend("x" * (suspend.LABEL_MAX + 1))
    assert selling.checkout.suspended() == [] and len(selling.checkout.sale.lines) == 1
