"""Presenters without Qt: what the cashier sees after each intent."""

from __future__ import annotations

from pathlib import Path

from desktop import terminal as terminal_mod
from desktop.drivers.ports import PrinterStatus
from desktop.presenters.payment import PaymentPresenter
from shared.sale import TenderKind

CAF39 = Path(__file__).parents[2] / "data" / "sii" / "samples" / "caf_T39_cert_76235291-5_F1-20.xml"


def _selling(terminal, *, folios: bool = True):
    if folios:
        terminal.checkout.folios.load_caf(CAF39.read_bytes())
    session = terminal_mod.session_presenter(terminal)
    assert not session.sign_in("ana", "1234").error
    assert session.open_shift("20.000").message == "Turno 1 abierto con $20.000"
    views = []
    presenter = terminal_mod.sale_presenter(terminal, views.append)
    shift = terminal.shifts.current()
    presenter.start(session.user, shift.shift_id, shift.number)
    return presenter, views


def test_scan_shows_line_total_and_status(terminal):
    p, views = _selling(terminal)
    view = p.scan("7801234567894")
    assert [(x.name, x.quantity, x.unit_price, x.amount) for x in view.lines] == [
        ("Leche Entera Colun 1 L", "x1", "$1.150", "$1.150")]
    assert view.total == "$1.150" and view.can_pay and view.cashier == "Ana Pérez" and view.shift == "Turno 1"
    assert view.connection == "Sin conexión a HQ" and views[-1] is view
    assert p.scan("7801234567894").lines[0].quantity == "x2"


def test_bad_and_unknown_codes_are_explained(terminal):
    p, _ = _selling(terminal)
    p.scan("7801234567894")
    bad = p.scan("7801234567895")
    assert bad.error and "dígito verificador" in bad.message and len(bad.lines) == 1
    unknown = p.scan("7802000000003")
    assert unknown.error and unknown.message == "Producto no encontrado: 7802000000003"


def test_weighed_product_prompts_for_weight_and_rejects_absurd_ones(terminal):
    p, _ = _selling(terminal)
    view = p.scan("1001")
    assert view.weight_prompt is not None and view.weight_prompt.name == "Pan Batido"
    assert p.enter_weight("0").error and p.view.weight_prompt is not None
    assert p.enter_weight("250").error
    view = p.enter_weight("0,512")
    assert view.weight_prompt is None
    assert (view.lines[0].quantity, view.lines[0].unit_price, view.lines[0].amount) == (
        "0,512 kg", "$1.990/kg", "$1.019")


def test_typed_search_and_submit(terminal):
    p, _ = _selling(terminal)
    assert [t.sku for t in p.search("colun").results] == ["LEC-1", "QUE-1"]
    assert p.search("zzz").message == "Sin resultados para «zzz»"
    view = p.submit("coca")  # a single match is added on Enter
    assert view.lines[-1].name == "Coca-Cola 1,5 L"
    view = p.submit("LEC-1")  # a SKU typed
    assert view.lines[-1].name == "Leche Entera Colun 1 L"


def test_void_flow_with_supervisor_pin(terminal):
    terminal.checkout.void_needs_pin = True  # the store asks for a PIN (terminal.toml: void_needs_pin = true)
    p, _ = _selling(terminal)
    p.scan("7801234567894")
    p.scan("7801610001196")
    view = p.request_void()
    assert view.auth_prompt is not None and "Coca-Cola" in view.auth_prompt.what
    wrong = p.authorise("1111", "Cliente desiste")
    assert wrong.error and wrong.auth_prompt is not None and len(wrong.lines) == 2
    done = p.authorise("9999", "Cliente desiste")
    assert done.auth_prompt is None and [x.name for x in done.lines] == ["Leche Entera Colun 1 L"]


def test_cash_payment_with_quick_amount_and_change(terminal):
    p, _ = _selling(terminal)
    p.scan("7801234567894")
    p.scan("1001")
    p.enter_weight("0,512")  # 1.150 + 1.019 = 2.169 -> cash 2.170
    pay = PaymentPresenter(terminal.checkout)
    assert pay.view.total == "$2.169" and pay.view.due == "$2.170"
    assert "Redondeo $1" in pay.view.rounding
    view = pay.quick(5000)
    assert view.change == "$2.830"
    view = pay.finish()
    assert view.done and view.message == "Venta guardada. Vuelto $2.830"


def test_payment_short_keeps_the_sale_open(terminal):
    p, _ = _selling(terminal)
    p.scan("7801610001196")
    pay = PaymentPresenter(terminal.checkout)
    pay.quick(1000)
    view = pay.finish()
    assert view.error and not view.done and "Falta dinero" in view.message
    assert terminal.checkout.sale.lines


def test_mixed_payment_debit_then_cash(terminal):
    p, _ = _selling(terminal)
    p.scan("7801610001196")
    p.scan("7801234567894")  # 3.140
    pay = PaymentPresenter(terminal.checkout)
    pay.set_mode(TenderKind.DEBIT)
    for digit in "2000":
        pay.key(digit)
    view = pay.add_partial()
    assert view.tenders == (("Débito", "$2.000"),) and view.mode is TenderKind.CASH and view.due == "$1.140"
    pay.quick(2000)
    assert pay.finish().message == "Venta guardada. Vuelto $860"


def test_printer_out_of_paper_then_reprint(terminal):
    p, _ = _selling(terminal)
    p.scan("7801234567894")
    terminal.printer.fail_next(1, PrinterStatus.PAPER_OUT)
    pay = PaymentPresenter(terminal.checkout)
    pay.exact()
    view = pay.finish()
    assert view.done and not view.error and view.receipt_problem == ""  # the receipt is on its way
    terminal.receipts.wait_idle()  # the print worker answers; the listeners update both presenters
    view = pay.view
    assert view.done and view.error and "papel" in view.receipt_problem.lower()
    assert "No se imprimió la boleta" in view.message and "Vuelto" in view.message
    assert p.view.pending_prints == 1 and p.view.printer == "Sin papel" and p.view.printer_problem
    assert p.view.error and "papel" in p.view.message
    view = p.reprint()
    assert view.message == "Reimprimiendo 1 boleta…" and view.pending_prints == 0
    terminal.receipts.wait_idle()
    assert not p.view.error and p.view.message == "Reimpresión lista (1)" and p.view.pending_prints == 0
    assert p.view.printer == "Lista" and not p.view.printer_problem
    pay.close()


def test_close_shift_shows_z_summary(terminal):
    p, _ = _selling(terminal)
    p.scan("7801234567894")
    pay = PaymentPresenter(terminal.checkout)
    pay.exact()
    pay.finish()
    session = terminal_mod.session_presenter(terminal)
    session.sign_in("ana", "1234")
    view = session.close_shift({TenderKind.CASH: "21.150"})
    assert view.message == "Turno 1 cerrado." and ("Efectivo", "Caja cuadrada") in view.z_lines


def test_without_folios_the_sale_completes_and_the_cashier_is_told_what_to_do(terminal):
    p, _ = _selling(terminal, folios=False)
    assert p.view.folios == "Sin folios: conecte a HQ"
    p.scan("7801234567894")
    pay = PaymentPresenter(terminal.checkout)
    pay.exact()
    view = pay.finish()
    assert view.done and view.error
    assert view.message == "Venta guardada. Vuelto $0. Sin folios de boleta: conecte la caja a HQ para recibir más"
    assert pay.completed is not None and pay.completed.event.document is None
    pay.close()


def test_a_full_return_by_folio_with_a_supervisor_pin(terminal):
    terminal.checkout.folios.load_caf((CAF39.parent / "caf_T61_cert_76235291-5_F1-20.xml").read_bytes())
    p, _ = _selling(terminal)
    p.scan("7801234567894")
    pay = PaymentPresenter(terminal.checkout)
    pay.exact()
    folio = pay.finish().done and pay.completed.event.document.folio
    pay.close()
    assert p.request_return("abc").message == "Escriba el N° de la boleta"
    assert "no hay una venta" in p.request_return("19").message
    view = p.request_return(str(folio))
    assert view.auth_prompt.action == "return" and "$1.150" in view.auth_prompt.what
    assert p.authorise("1111", "Producto vencido").error  # wrong PIN: the prompt stays
    view = p.authorise("9999", "Producto vencido")
    assert not view.error and view.auth_prompt is None
    assert view.message == "Devolución lista: nota de crédito N° 1. Devuelva $1.150"
    assert p.request_return(str(folio)).message == f"La boleta N° {folio} ya fue devuelta"
