"""The till as a new user finds it (issue 10), presenter by presenter, without Qt."""

from __future__ import annotations

import pytest

from desktop import terminal as terminal_mod
from desktop.presenters.sale import trailing_scan


def _selling(terminal):
    session = terminal_mod.session_presenter(terminal)
    assert not session.sign_in("ana", "1234").error
    assert not session.open_shift("20.000").error
    views = []
    presenter = terminal_mod.sale_presenter(terminal, views.append)
    shift = terminal.shifts.current()
    presenter.start(session.user, shift.shift_id, shift.number)
    return presenter, views


@pytest.mark.parametrize(("typed", "code"), [
    ("leche7801234567894", "7801234567894"),
    ("leche 7801234567894", "7801234567894"),
    ("127801234567894", "7801234567894"),
    ("colun7801234567895", "7801234567895"),  # scanned anyway: the cashier hears about the check digit
    ("7801234567894", None), ("1001", None), ("LEC-1", None), ("leche", None), ("coca 1,5", None),
])
def test_a_scan_after_leftover_text_is_found(typed, code):
    assert trailing_scan(typed) == code


def test_leftover_search_words_never_swallow_a_scan(terminal):
    p, _ = _selling(terminal)
    assert p.search("leche").results
    view = p.submit("leche7801234567894")  # "leche" left in the field, then a scan
    assert [x.name for x in view.lines] == ["Leche Entera Colun 1 L"]
    assert not view.error and view.results == () and "Sin resultados" not in view.message
    assert "dígito verificador" in p.submit("leche7801234567895").message


class _Sync:
    """The sync service as the status bar reads it: only its status."""

    def __init__(self, status):
        self.status = status

    def close(self):
        pass


def test_the_connection_is_online_or_not_in_the_view(terminal):
    from desktop.services.sync import SyncStatus

    sync = _Sync(SyncStatus(online=True, pending=0))
    terminal.sync = sync
    p = terminal_mod.sale_presenter(terminal)
    view = p.refresh()
    assert (view.connection, view.online) == ("En línea", True)
    sync.status = SyncStatus(online=False, pending=3)
    view = p.refresh()
    assert (view.connection, view.online) == ("Sin conexión · 3 por enviar", False)


@pytest.mark.parametrize(("due", "offered"), [
    (3_320, (4_000, 5_000, 10_000, 20_000)),
    (1_320, (2_000, 5_000, 10_000, 20_000)),
    (12_350, (13_000, 14_000, 15_000, 20_000)),
    (20_000, ()),  # every bill fits exactly: [Exacto]
    (45_000, (46_000, 50_000, 60_000)),
    (0, (1_000, 2_000, 5_000, 10_000, 20_000)),
])
def test_quick_cash_offers_the_next_bills_up(due, offered):
    from desktop.presenters.payment import quick_amounts

    assert quick_amounts(due) == offered


def test_quick_cash_adds_and_vuelto_shows_once_the_cash_covers(terminal):
    from desktop.presenters.payment import PaymentPresenter

    p, _ = _selling(terminal)
    p.scan("7801234567894")
    p.scan("7801610001196")  # $1.150 + $1.990 = $3.140
    pay = PaymentPresenter(p.checkout)
    assert [a for _, a in pay.view.quick] == [4_000, 5_000, 10_000, 20_000]
    assert (pay.view.change, pay.view.missing) == ("", "")
    view = pay.quick(1_000)
    assert (view.entry, view.change, view.missing) == ("$1.000", "", "$2.140")
    view = pay.quick(4_000)  # added to what was received
    assert (view.entry, view.change, view.missing) == ("$5.000", "$1.860", "")
    assert [a for _, a in view.quick] == [4_000, 5_000, 10_000, 20_000]  # follows the due, not the entry
    assert pay.finish().message.startswith("Venta guardada. Vuelto $1.860")
    assert pay.view.change == "$1.860"


def test_a_cashier_removes_a_line_alone_and_it_is_journaled(terminal):
    from desktop.journal import read_models
    from shared.events import till

    p, _ = _selling(terminal)
    p.scan("7801234567894")
    p.scan("7801610001196")
    view = p.request_void()  # the selected line: the one just added
    assert view.auth_prompt is None and not view.error
    assert view.message == "Línea anulada: Coca-Cola 1,5 L" and [x.name for x in view.lines] == [
        "Leche Entera Colun 1 L"]
    [removed] = [e for e in terminal.journal.read() if e.type == till.LineRemoved.TYPE]
    event = terminal.journal.codec.decode(removed.type, removed.version, removed.payload)
    shift = terminal.shifts.current()
    assert event == till.LineRemoved(p.checkout.sale.sale_id, 2, "COC-15", "Coca-Cola 1,5 L", event.quantity, 1990,
                                     "ana", shift.shift_id, "", "")
    assert read_models.shift(terminal.journal.conn, shift.shift_id).voids == 1  # the Z report counts it


def test_a_store_that_wants_a_pin_for_removals_gets_the_prompt(terminal):
    from shared.events import till

    terminal.checkout.void_needs_pin = True
    p, _ = _selling(terminal)
    p.scan("7801234567894")
    assert p.request_void().auth_prompt is not None
    done = p.authorise("9999", "Cliente desiste")
    assert done.lines == () and done.message == "Línea anulada: Leche Entera Colun 1 L"
    [removed] = [e for e in terminal.journal.read() if e.type == till.LineRemoved.TYPE]
    assert removed.payload["authorised_by"] == "marta" and removed.payload["reason"] == "Cliente desiste"
    assert terminal.shifts.current().voids == 1  # counted once (as the supervisor's authorisation)


def test_void_needs_pin_is_read_from_terminal_toml(tmp_path):
    from desktop import settings

    assert settings.parse("", tmp_path).void_needs_pin is False
    assert settings.parse("void_needs_pin = true\n", tmp_path).void_needs_pin is True


def test_reimprimir_offers_the_last_documents_printed(terminal):
    from pathlib import Path

    from desktop.presenters.payment import PaymentPresenter

    samples = Path(__file__).parents[2] / "data" / "sii" / "samples"
    for tipo in (39, 61):
        terminal.checkout.folios.load_caf((samples / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())
    p, _ = _selling(terminal)
    assert p.reprint().message == "No hay documentos para reimprimir"
    for code in ("7801234567894", "7801610001196"):
        p.scan(code)
        pay = PaymentPresenter(terminal.checkout)
        pay.exact()
        assert pay.finish().done
        pay.close()
    p.request_return("1")
    assert p.authorise("9999", "Producto vencido").message.startswith("Devolución lista: nota de crédito N° 1")
    terminal.receipts.wait_idle()
    printer = terminal.printer
    printed = len(printer.jobs)
    view = p.reprint()
    labels = [text for _key, text in view.reprint_menu]
    assert [x.split(" · ")[:2] for x in labels] == [
        ["Nota de crédito N° 1", "$1.150"], ["Boleta N° 2", "$1.990"], ["Boleta N° 1", "$1.150"]]
    view = p.reprint_document(view.reprint_menu[0][0])
    assert view.reprint_menu == () and view.message == "Reimprimiendo Nota de crédito N° 1…"
    terminal.receipts.wait_idle()
    assert len(printer.jobs) == printed + 1 and p.view.message == "Reimpresión lista (1)"

    session = terminal_mod.session_presenter(terminal)
    session.sign_in("ana", "1234")
    assert session.close_shift({}).z_lines  # the Z prints
    terminal.receipts.wait_idle()
    first = p.reprint().reprint_menu[0]
    assert first[0].startswith("z:") and first[1].startswith("Reporte Z · Turno 1 · ")
    p.reprint_document(first[0])
    terminal.receipts.wait_idle()
    assert p.view.message == "Reimpresión lista (1)"


def test_discounts_per_line_and_per_sale_in_pesos_or_percent_within_the_limit(terminal):
    p, _ = _selling(terminal)
    for _ in range(3):
        p.scan("7801610001196")  # 3 × $1.990 = $5.970
    p.scan("7801234567894")  # $1.150 (selected: the line just added)
    assert p.discount_target(whole_sale=False) == "Línea «Leche Entera Colun 1 L»: $1.150. Hasta 10% sin supervisor."
    view = p.discount("10", whole_sale=False, percent=True)  # 10 % of $1.150 = $115: within the limit
    assert view.message == "Descuento aplicado: $115" and view.lines[1].discount == "Desc. -$115"
    assert p.discount_target(whole_sale=True) == "Toda la venta: $7.005. Hasta 10% sin supervisor."
    view = p.discount("5", whole_sale=True, percent=True)  # 5 % of $7.005 = $350,25 -> $350
    assert view.discount == "-$350" and view.total == "$6.655"
    view = p.discount("1.000")  # pesos on the sale: replaces the 5 %, above 10 % of $7.005: a supervisor
    assert view.auth_prompt is not None and view.auth_prompt.action == "discount"
    assert p.authorise("9999", "Cliente frecuente").discount == "-$1.000"
    p.select(view.lines[0].line_id)
    view = p.discount("12,5", whole_sale=False, percent=True)  # 12,5 % of $5.970 = $746,25: above the limit
    assert view.auth_prompt is not None and "$746" in view.auth_prompt.what
    p.cancel_prompt()
    for bad in ("0", "101", "abc", ""):
        assert p.discount(bad, percent=True).error
    assert "porcentaje" in p.discount("150", percent=True).message


def test_an_unknown_barcode_is_sold_at_an_open_price(terminal):
    p, _ = _selling(terminal)
    view = p.scan("7802000000003")
    assert view.error and view.message == "Producto no encontrado: 7802000000003"
    assert view.open_price == "7802000000003"
    assert p.sell_open_price("0").error and p.view.open_price  # the prompt stays
    assert "no es de un minimarket" in p.sell_open_price("78020000").message
    view = p.sell_open_price("1.490")
    assert view.open_price == "" and view.message == "Vendido sin catálogo: 7802000000003 a $1.490"
    assert [(x.name, x.amount) for x in view.lines] == [("Sin catálogo 7802000000003", "$1.490")]
    line = p.checkout.sale.lines[0]
    assert (line.sku, line.code) == ("SIN-CATALOGO-7802000000003", "7802000000003")
    assert p.scan("LEC-9").open_price == ""  # a typed SKU that does not exist is not a product's barcode
    p.scan("7802000000003")
    assert p.cancel_prompt().open_price == ""


def test_open_price_sales_can_need_a_supervisor(terminal):
    terminal.checkout.open_price_needs_pin = True
    p, _ = _selling(terminal)
    p.scan("7802000000003")
    view = p.sell_open_price("990")
    assert view.open_price == "" and view.auth_prompt.action == "open_price"
    assert view.lines == ()
    view = p.authorise("9999", "Producto nuevo")
    assert view.auth_prompt is None and [x.name for x in view.lines] == ["Sin catálogo 7802000000003"]
    [authorised] = [e for e in terminal.journal.read() if e.type == "auth.authorised"]
    assert authorised.payload["action"] == "open_price" and authorised.payload["detail"] == "7802000000003 = $990"


def test_open_price_needs_pin_is_read_from_terminal_toml(tmp_path):
    from desktop import settings

    assert settings.parse("", tmp_path).open_price_needs_pin is False
    assert settings.parse("open_price_needs_pin = true\n", tmp_path).open_price_needs_pin is True


def test_a_hand_over_closes_the_outgoing_cashiers_shift_and_offers_its_cash(terminal):
    from shared.sale import TenderKind

    session = terminal_mod.session_presenter(terminal)
    assert session.handover_count  # the default: cashier_change = "count"
    session.sign_in("ana", "1234")
    session.open_shift("20.000")
    view = session.hand_over({TenderKind.CASH: "19.990"})
    assert dict(view.z_lines)["Efectivo"] == "Faltante $10" and session.next_float == "19.990"
    session.sign_in("pedro", "2345")
    assert session.current_shift() is None
    assert session.open_shift(session.next_float).message == "Turno 2 abierto con $19.990"
    assert session.next_float == ""
    shifts = [e.payload for e in terminal.journal.read() if e.type == "shift.opened"]
    assert [s["cashier_id"] for s in shifts] == ["ana", "pedro"]


def test_cashier_change_is_read_from_terminal_toml(tmp_path):
    from desktop import settings

    assert settings.parse('cashier_change = "shared"\n', tmp_path).cashier_change == "shared"
    with pytest.raises(ValueError, match="cashier_change"):
        settings.parse('cashier_change = "cajon"\n', tmp_path)


def test_a_drawer_per_cashier_keeps_each_cashiers_shift_and_count_apart(make_terminal, tmp_path):
    from desktop import settings
    from shared.sale import Tender, TenderKind

    terminal = make_terminal(cashier_change="drawer")
    session = terminal_mod.session_presenter(terminal)
    assert terminal.shifts.per_cashier and not session.handover_count

    def sell(user_id, pin, plu_or_code):
        session.sign_in(user_id, pin)
        shift = session.current_shift()
        terminal.checkout.start(session.user, shift.shift_id)
        terminal.checkout.add_match(terminal.catalog.resolve(plu_or_code))
        total = terminal.checkout.sale.totals().total
        terminal.checkout.complete((Tender(TenderKind.CASH, total),))
        return shift

    session.sign_in("ana", "1234")
    assert session.open_shift("10.000").message == "Turno 1 abierto con $10.000"
    ana = sell("ana", "1234", "7801234567894")  # $1.150 into Ana's drawer
    session.sign_in("pedro", "2345")
    assert session.current_shift() is None  # Ana's shift is hers: Pedro opens his own
    assert session.open_shift("5.000").message == "Turno 2 abierto con $5.000"
    pedro = sell("pedro", "2345", "7801610001196")  # $1.990 into Pedro's
    assert sell("ana", "1234", "7801610001196").shift_id == ana.shift_id  # Ana is back on her own shift
    view = session.close_shift({TenderKind.CASH: "13.140"})  # $10.000 + $1.150 + $1.990
    assert dict(view.z_lines)["Ventas"] == "2" and dict(view.z_lines)["Efectivo"] == "Caja cuadrada"
    assert terminal.shifts.current("pedro").shift_id == pedro.shift_id  # Pedro's still open
    assert settings.parse('cashier_change = "drawer"\n', tmp_path).cashier_change == "drawer"
