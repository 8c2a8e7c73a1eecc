"""The print worker behind the receipts: nothing waits for the printer, and no printer fault loses a sale."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers import errors as driver_errors
from desktop.drivers.escpos_decode import decode
from desktop.drivers.fakes import FakePrinter
from desktop.drivers.ports import DrawerConfig, PrinterError, PrinterStatus
from desktop.journal import read_models
from desktop.services.printing import PrintJob, PrintWorker
from shared.sale import Tender, TenderKind

ROWS = [
    {"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": "1150", "category": "Lácteos", "sold_by": "unit",
     "barcode": "7801234567894", "plu": "", "brand": "Colun", "iva_exempt": "0", "favourite": "1", "stock": "24"},
    {"sku": "COC-15", "name": "Coca-Cola 1,5 L", "price": "1990", "category": "Bebidas", "sold_by": "unit",
     "barcode": "7801610001196", "plu": "", "brand": "Coca-Cola", "iva_exempt": "0", "favourite": "1",
     "stock": "12"},
]


class SlowPrinter(FakePrinter):
    """Takes ``delay`` seconds per job (a printer on a slow serial line, or one that is off and times out)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.release = threading.Event()

    def send(self, data: bytes) -> None:
        self.release.wait(self.delay)
        super().send(data)


class UnpluggedMidReceipt(FakePrinter):
    """Takes the first ``cut`` bytes of the next job, then the cable is pulled (as python-escpos reports it)."""

    def __init__(self, cut: int = 40) -> None:
        super().__init__("USB 0416:5011")
        self.cut = cut
        self.unplugged = True
        self.partial = b""

    def send(self, data: bytes) -> None:
        if self.unplugged:
            self.partial = data[:self.cut]
            raise driver_errors.translate(BrokenPipeError(32, "Broken pipe"), self.name)
        super().send(data)


def till(tmp_path, fast_hasher, printer, **settings):
    s = replace(settings_mod.TerminalSettings(data_dir=tmp_path / "till"), **settings)
    term = terminal_mod.build(s, create=True, printer=printer, hasher=fast_hasher, status_interval=0.05)
    seed.seed(term, ROWS)
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    return term


@pytest.fixture
def closing():
    opened = []
    yield opened.append
    for term in opened:
        term.close()


def test_a_slow_printer_never_holds_up_the_sale(tmp_path, fast_hasher, closing):
    printer = SlowPrinter(delay=5)
    term = till(tmp_path, fast_hasher, printer)
    closing(term)
    term.checkout.scan("7801234567894")
    started = time.monotonic()
    done = term.checkout.complete((Tender(TenderKind.CASH, 2000),))
    assert time.monotonic() - started < 1  # the commit returned; the printer is still busy
    assert done.printed.pending and read_models.last_sale_number(term.journal.conn) == 1
    assert term.receipts.pending() == []  # on its way: not "to reprint"
    term.checkout.scan("7801234567894")  # the next customer is served meanwhile
    printer.release.set()
    (outcome,) = term.receipts.wait_idle()
    assert outcome.ok and len(printer.jobs) == 1 and term.receipts.pending() == []


def test_printer_unplugged_mid_receipt_keeps_the_sale_and_reprints(tmp_path, fast_hasher, closing):
    printer = UnpluggedMidReceipt()
    term = till(tmp_path, fast_hasher, printer)
    closing(term)
    term.checkout.scan("7801234567894")
    done = term.checkout.complete((Tender(TenderKind.CASH, 1150),))
    (outcome,) = term.receipts.wait_idle()
    assert not outcome.ok and printer.partial and outcome.status is PrinterStatus.OFFLINE
    assert "Se cortó la conexión con la impresora USB 0416:5011" in outcome.message and "Reimprimir" in outcome.message
    assert read_models.last_sale_number(term.journal.conn) == 1
    assert term.receipts.pending()[0][:3] == (done.event.sale_id, "failed", 1)
    printer.unplugged = False  # plugged back in
    term.receipts.print_pending()
    (again,) = term.receipts.wait_idle()
    assert again.ok and again.reprint and term.receipts.pending() == []
    assert "REIMPRESI" in "\n".join(decode(printer.jobs[-1]).lines)


def test_paper_out_fails_the_waiting_jobs_at_once_and_in_order(tmp_path, fast_hasher, closing):
    printer = FakePrinter()
    term = till(tmp_path, fast_hasher, printer)
    closing(term)
    sales = []
    printer.status_value = PrinterStatus.PAPER_OUT
    for _ in range(3):
        term.checkout.scan("7801610001196")
        sales.append(term.checkout.complete((Tender(TenderKind.DEBIT, 1990),)).event.sale_id)
    outcomes = term.receipts.wait_idle()
    assert [o.sale_id for o in outcomes] == sales and not any(o.ok for o in outcomes)
    assert all("no tiene papel" in o.message for o in outcomes)
    assert [row[0] for row in term.receipts.pending()] == sales and term.receipts.last_status is PrinterStatus.PAPER_OUT
    printer.status_value = PrinterStatus.READY
    term.receipts.print_pending()
    assert all(o.ok for o in term.receipts.wait_idle()) and len(printer.jobs) == 3


def test_the_worker_survives_a_driver_bug(tmp_path):
    class Buggy(FakePrinter):
        def send(self, data: bytes) -> None:
            raise KeyError("boom")

    worker = PrintWorker(Buggy(), status_interval=0)
    worker.submit(PrintJob("sale:x", b"x"))
    assert worker.wait_idle(2)
    (done,), _ = worker.take()
    assert done.error is not None and done.error.status is PrinterStatus.UNKNOWN and "KeyError" in done.error.detail
    worker.printer = FakePrinter()
    worker.submit(PrintJob("sale:y", b"y"))
    assert worker.wait_idle(2) and worker.take()[0][0].ok
    worker.stop()


def test_printer_status_is_polled_while_idle_and_reported_on_change(tmp_path, fast_hasher, closing):
    printer = FakePrinter()
    term = till(tmp_path, fast_hasher, printer)
    closing(term)
    told = []
    term.receipts.listen(told.append)
    term.receipts.worker.start()
    for status in (PrinterStatus.READY, PrinterStatus.PAPER_LOW, PrinterStatus.COVER_OPEN, PrinterStatus.OFFLINE):
        printer.status_value = status
        deadline = time.monotonic() + 3
        while term.receipts.last_status is not status and time.monotonic() < deadline:
            time.sleep(0.02)
            term.receipts.collect()
        assert term.receipts.last_status is status
    assert told == [[], [], [], []]  # once per change (UNKNOWN -> READY -> …), not once per poll
    printer.status_value = PrinterStatus.PAPER_LOW
    deadline = time.monotonic() + 3
    while term.receipts.last_status is not PrinterStatus.PAPER_LOW and time.monotonic() < deadline:
        time.sleep(0.02)
        term.receipts.collect()
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.DEBIT, 1150),))
    (outcome,) = term.receipts.wait_idle()
    assert outcome.ok and term.receipts.last_status is PrinterStatus.PAPER_LOW  # printing says nothing of the roll


def test_an_unknown_code_page_character_prints_as_a_question_mark(tmp_path, fast_hasher, closing):
    rows = [dict(ROWS[0], sku="TE-1", name="Té matcha 抹茶 ☕", barcode="7801234500006")]
    printer = FakePrinter()
    term = till(tmp_path, fast_hasher, printer)
    closing(term)
    seed.load_products(term, rows)
    term.checkout.scan("7801234500006")
    term.checkout.complete((Tender(TenderKind.DEBIT, 1150),))
    (outcome,) = term.receipts.wait_idle()
    assert outcome.ok
    assert "Té matcha ?? ?" in "\n".join(decode(printer.jobs[-1]).lines)


def test_the_test_print_has_the_spanish_characters(tmp_path, fast_hasher, closing):
    printer, other = FakePrinter(), FakePrinter("otra impresora")
    term = till(tmp_path, fast_hasher, printer)
    closing(term)
    first = term.receipts.test_print()
    second = term.receipts.test_print(other)
    assert first.key != second.key and first.key.startswith("test:")
    outcomes = term.receipts.wait_idle()
    assert [o.key for o in outcomes] == [first.key, second.key] and all(o.ok for o in outcomes)
    text = "\n".join(decode(printer.jobs[-1]).lines)
    for word in ("PRUEBA", "Señor Ñandú", "¿café?", "¡Sí! Árbol, Éxito", "1234567890"):
        assert word in text
    assert len(other.jobs) == 1 and term.receipts.pending() == []


# -- the cash drawer -------------------------------------------------------------------------------------------------

def test_cash_sale_kicks_the_configured_pin(tmp_path, fast_hasher, closing):
    printer = FakePrinter()
    term = till(tmp_path, fast_hasher, printer, drawer=DrawerConfig(pin=5))
    closing(term)
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.CASH, 2000),))
    term.receipts.wait_idle()
    assert b"\x1bp\x012" in printer.jobs[-1] and decode(printer.jobs[-1]).drawer_kicks == 1


def test_no_kick_in_the_receipt_when_there_is_no_drawer(tmp_path, fast_hasher, closing):
    printer = FakePrinter()
    term = till(tmp_path, fast_hasher, printer, drawer=DrawerConfig(enabled=False))
    closing(term)
    term.checkout.scan("7801234567894")
    term.checkout.complete((Tender(TenderKind.CASH, 2000),))
    term.receipts.wait_idle()
    assert decode(printer.jobs[-1]).drawer_kicks == 0
    session = terminal_mod.session_presenter(term)
    session.sign_in("ana", "1234")
    view = session.open_drawer("9999", "Dar sencillo")
    assert view.error and "no tiene cajón configurado" in view.message and "llave" in view.message
    assert [e.type for e in term.journal.read()][-1] == "drawer.opened"  # the authorisation is kept


def test_supervisor_open_drawer_kicks_pin_5_through_the_worker(tmp_path, fast_hasher, closing):
    printer = FakePrinter()
    term = till(tmp_path, fast_hasher, printer, drawer=DrawerConfig(pin=5))
    closing(term)
    session = terminal_mod.session_presenter(term)
    session.sign_in("ana", "1234")
    assert session.open_drawer("9999", "Dar sencillo").message == "Cajón abierto"
    term.receipts.wait_idle()
    assert printer.jobs == [b"\x1bp\x0122"]


def test_a_drawer_failure_is_told_to_the_cashier_and_nothing_is_lost(tmp_path, fast_hasher, closing):
    printer = FakePrinter()
    term = till(tmp_path, fast_hasher, printer)
    closing(term)
    session = terminal_mod.session_presenter(term)
    session.sign_in("ana", "1234")
    shift = term.shifts.current()
    sale = terminal_mod.sale_presenter(term)
    sale.start(session.user, shift.shift_id, shift.number)
    printer.fail_next(1, PrinterStatus.OFFLINE)
    assert session.cash_move("in", "5000", "Sencillo").message == "Ingreso de $5.000 registrado"
    term.receipts.wait_idle()
    assert sale.view.error and sale.view.message.startswith("No se pudo abrir el cajón (desconectada)")
    assert "llave" in sale.view.message and term.shifts.current().cash_in == 5000
    assert term.receipts.pending() == []  # a drawer kick is not a receipt to reprint


def test_an_injected_drawer_that_fails_says_so(selling):
    selling.shifts.drawer.failing = PrinterStatus.OFFLINE
    session = terminal_mod.session_presenter(selling)
    session.sign_in("ana", "1234")
    view = session.open_drawer("9999", "Dar sencillo")
    assert view.error and view.message == ("Apertura autorizada, pero el cajón no se abrió: No se pudo abrir el "
                                           "cajón. Ábralo con la llave.")
    view = session.cash_move("out", "1000", "Depósito", "9999")
    assert view.error and view.message.startswith("Retiro de $1.000 registrado. No se pudo abrir el cajón")


def test_kick_drawer_without_a_drawer_raises_in_spanish(tmp_path, fast_hasher, closing):
    term = till(tmp_path, fast_hasher, FakePrinter(), drawer=DrawerConfig(enabled=False))
    closing(term)
    with pytest.raises(PrinterError, match="no tiene cajón"):
        term.receipts.kick_drawer()


def test_closing_with_a_dead_printer_does_not_hang_and_keeps_the_receipt(tmp_path, fast_hasher):
    printer = SlowPrinter(delay=30)
    term = till(tmp_path, fast_hasher, printer)
    term.checkout.scan("7801234567894")
    done = term.checkout.complete((Tender(TenderKind.CASH, 2000),))
    term.checkout.scan("7801234567894")
    second = term.checkout.complete((Tender(TenderKind.CASH, 2000),))
    started = time.monotonic()
    term.close()
    assert time.monotonic() - started < 5
    printer.release.set()
    again = terminal_mod.build(term.settings, printer=FakePrinter(), hasher=fast_hasher)
    try:
        assert [row[0] for row in again.receipts.pending()] == [done.event.sale_id, second.event.sale_id]
    finally:
        again.close()
