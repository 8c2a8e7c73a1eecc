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
