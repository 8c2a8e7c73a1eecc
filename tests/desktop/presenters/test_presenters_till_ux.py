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
