"""A Z report that did not print can be printed again, from its summary or later from the shift menu, as a copy."""

from __future__ import annotations

from desktop import terminal as terminal_mod
from desktop.drivers.escpos_decode import decode
from desktop.drivers.ports import PrinterStatus
from desktop.journal import read_models
from desktop.services.receipts import Z_COPY_MARK
from shared.sale import TenderKind


def _open(terminal, float_text="20.000"):
    session = terminal_mod.session_presenter(terminal)
    assert not session.sign_in("ana", "1234").error
    assert not session.open_shift(float_text).error
    return session


def _close(session, cash="20.000"):
    return session.close_shift({TenderKind.CASH: cash})


def _z_text(job: bytes) -> str:
    return "\n".join(decode(job).lines)


def test_a_z_that_did_not_print_is_printed_again_from_its_summary_as_a_copy(terminal):
    session = _open(terminal)
    terminal.printer.fail_next(1, PrinterStatus.PAPER_OUT)
    view = _close(session)
    assert view.message == "Turno 1 cerrado." and view.z_reprint == ""  # on its way: no button yet
    terminal.receipts.wait_idle()
    view = session.view
    assert view.error and view.z_reprint == "failed" and view.z_lines
    assert view.message.startswith("Turno 1 cerrado. No se imprimió el reporte Z:") and "papel" in view.message
    assert terminal.printer.jobs == []

    view = session.reprint_z()
    assert not view.error and view.z_reprint == "printing" and "Imprimiendo de nuevo el reporte Z" in view.message
    assert session.reprint_z() is view  # the button is busy: no second copy
    terminal.receipts.wait_idle()
    view = session.view
    assert not view.error and view.z_reprint == "" and view.message == "Turno 1 cerrado. Reporte Z impreso."
    assert view.z_lines and ("Efectivo", "Caja cuadrada") in view.z_lines
    [job] = terminal.printer.jobs
    text = _z_text(job)
    assert "REPORTE Z" in text and Z_COPY_MARK in text and "Caja" in text
    assert any(line.startswith("Turno") and line.rstrip().endswith(" 1") for line in decode(job).lines)


def test_a_reprint_that_fails_again_keeps_the_button_and_says_why(terminal):
    session = _open(terminal)
    terminal.printer.fail_next(2, PrinterStatus.OFFLINE)
    _close(session)
    terminal.receipts.wait_idle()
    assert session.view.z_reprint == "failed"
    session.reprint_z()
    terminal.receipts.wait_idle()
    view = session.view
    assert view.error and view.z_reprint == "failed" and view.z_lines
    assert view.message.startswith("Turno 1 cerrado. No se imprimió el reporte Z:")
    assert terminal.printer.jobs == []
    session.reprint_z()  # the printer is back
    terminal.receipts.wait_idle()
    assert not session.view.error and "Reporte Z impreso" in session.view.message
    assert len(terminal.printer.jobs) == 1


def test_a_z_that_printed_offers_no_reprint(terminal):
    session = _open(terminal)
    _close(session)
    terminal.receipts.wait_idle()
    assert session.view.message == "Turno 1 cerrado." and session.view.z_reprint == "" and not session.view.error
    assert session.reprint_z().message == "Turno 1 cerrado."
    assert len(terminal.printer.jobs) == 1 and Z_COPY_MARK not in _z_text(terminal.printer.jobs[0])


def test_the_shift_menu_prints_a_copy_of_the_last_closed_shifts_z(terminal):
    session = _open(terminal)
    view = session.reprint_last_z()
    assert view.error and view.for_sale and view.message == "Aún no hay turnos cerrados"
    _close(session)
    terminal.receipts.wait_idle()
    original = terminal.printer.jobs[-1]
    assert Z_COPY_MARK not in _z_text(original)

    session = _open(terminal, "15.000")  # the next shift
    assert read_models.last_closed_shift(terminal.journal.conn).number == 1
    view = session.reprint_last_z()
    assert not view.error and view.for_sale and view.message == "Imprimiendo copia del reporte Z del turno 1…"
    terminal.receipts.wait_idle()
    view = session.view
    assert not view.error and view.for_sale and view.message == "Reporte Z del turno 1 impreso (copia)"
    copy = _z_text(terminal.printer.jobs[-1])
    assert "REPORTE Z" in copy and Z_COPY_MARK in copy and "$20.000" in copy  # shift 1's float, not shift 2's
    assert copy.replace(Z_COPY_MARK + "\n", "") == _z_text(original)  # the same Z apart from the mark

    terminal.printer.fail_next(1, PrinterStatus.PAPER_OUT)
    session.reprint_last_z()
    terminal.receipts.wait_idle()
    view = session.view
    assert view.error and view.for_sale and view.message.startswith("No se imprimió el reporte Z:")


def test_the_last_closed_shift_is_the_highest_closed_number(terminal):
    assert read_models.last_closed_shift(terminal.journal.conn) is None
    for _ in range(2):
        _close(_open(terminal))
    _open(terminal)
    last = read_models.last_closed_shift(terminal.journal.conn)
    assert last is not None and last.number == 2 and terminal.shifts.current().number == 3


def test_the_z_and_its_copy_say_when_the_shift_opened_and_closed(terminal, clock):
    """The copy printed the next morning still carries the shift's own opening and close times (from the journal),
    beside the time it was printed."""
    session = _open(terminal)
    clock.advance(hours=8, minutes=45)  # 09:30 → 18:15
    _close(session)
    terminal.receipts.wait_idle()
    first = _z_text(terminal.printer.jobs[-1])
    assert "Apertura 20-11-2026 09:30" in " ".join(first.split()) and "Cierre 20-11-2026 18:15" in " ".join(
        first.split())
    clock.advance(hours=15)  # the next morning
    assert not _open(terminal).reprint_last_z().error
    terminal.receipts.wait_idle()
    copy = " ".join(_z_text(terminal.printer.jobs[-1]).split())
    assert "Apertura 20-11-2026 09:30" in copy and "Cierre 20-11-2026 18:15" in copy and "21-11-2026 09:15" in copy
    assert Z_COPY_MARK in _z_text(terminal.printer.jobs[-1])
    assert read_models.shift_times(terminal.journal.conn, "no-such-shift") == (None, None)


def test_the_z_times_survive_a_restore_that_carried_the_close_over(terminal, clock):
    """A restored journal re-seals what the server never received in a new epoch: the shift's close may be there
    while its opening stayed in the old epoch; the copy still says both."""
    session = _open(terminal)
    opened_seq = terminal.journal.head[0]
    clock.advance(hours=9)
    _close(session)
    terminal.receipts.wait_idle()
    journal = terminal.journal
    journal.begin_epoch(journal.identity.epoch + 1, opened_seq)  # the server had everything up to the opening
    opened, closed = read_models.shift_times(journal.conn, read_models.last_closed_shift(journal.conn).shift_id)
    assert (opened.strftime("%H:%M"), closed.strftime("%H:%M")) == ("09:30", "18:30")
