"""Fiado at the till on a real journal file: customers, accounts and settings, abonos counted in the shift with a
printed receipt, reversals with a supervisor's PIN, statements on the roll and as a PDF; every bad input refused
in Spanish with nothing journaled."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date
from pathlib import Path

import pytest
from PIL import Image

from desktop.drivers.escpos_decode import decode, to_image
from desktop.drivers.receipt import PaperWidth
from desktop.services import fiado, inventory
from desktop.services.auth import User
from shared import errors, roles
from shared.events import fiado as events
from shared.sale import TenderKind

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
"""Where the printed paper is drawn for people to look at (not compared)."""
ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)
ANA = User("ana", "Ana Pérez", roles.Role.CASHIER)


def _service(terminal):
    assert terminal.fiado is not None
    return terminal.fiado


def _printed(terminal) -> list[str]:
    terminal.receipts.wait_idle()
    return list(decode(terminal.printer.jobs[-1]).lines)


def _charge(terminal, customer_id: str, amount: int, document: str = "Boleta N° 77") -> None:
    """A sale on credit made at another till, as the master forwards it."""
    terminal.journal.append(events.FiadoEntryReceived(
        entry_id=terminal.journal.new_id(), customer_id=customer_id, kind="cargo", amount=amount,
        store_id=terminal.journal.identity.store_id, terminal_id="otra-caja", document=document, reference="v-1",
        at=terminal.journal.clock().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")))


@pytest.fixture
def juana(selling):
    """Juana, with fiado up to $50.000 and $18.500 owed."""
    service = _service(selling)
    customer_id = service.save_customer("Juana  Soto", "12.345.678-5", "+56 9 8765 4321", "Pasaje 3 #45", "", ANA)
    service.set_account(customer_id, True, 50_000, ROSA)
    _charge(selling, customer_id, 18_500)
    return customer_id


def _types(terminal, since: int) -> list[str]:
    return [e.type for e in terminal.journal.read(since + 1)]


# -- customers, accounts and settings ---------------------------------------------------------------------------


def test_a_customer_is_saved_found_by_name_rut_or_phone_and_edited(terminal) -> None:
    service = _service(terminal)
    customer_id = service.save_customer(" Juana   Soto ", "12345678-5", "+56 9 8765 4321", "Pasaje 3", "vecina\n"
                                        "paga los viernes", ANA)
    found = service.customer(customer_id)
    assert (found.name, found.rut, found.phone, found.notes) == (
        "Juana Soto", "12345678-5", "+56 9 8765 4321", "vecina\npaga los viernes")
    for text in ("juana", "SOTO", "12.345.678", "87654321", "8765 4321"):
        assert [c.customer_id for c in service.find(text)] == [customer_id], text
    assert service.save_customer("Juana Soto Paz", "", "", "", "", ANA, customer_id=customer_id) == customer_id
    assert service.customer(customer_id).name == "Juana Soto Paz" and service.customer(customer_id).rut == ""


@pytest.mark.parametrize(("fields", "field", "words"), [
    (("", "", "", "", ""), "name", "Escriba el nombre"),
    (("Pedro", "12.345.678-4", "", "", ""), "rut", "dígito verificador"),
    (("Pedro", "12.345", "", "", ""), "rut", "escríbalo como 12.345.678-5"),
    (("Pedro", "66.666.666-6", "", "", ""), "rut", "consumidor final"),
    (("Pedro", "", "nueve uno dos", "", ""), "phone", "solo puede tener números"),
    (("Pedro", "", "12 34", "", ""), "phone", "muy corto"),
    (("P" * 101, "", "", "", ""), "name", "el máximo es 100"),
    (("Pedro", "", "", "x" * 121, ""), "address", "el máximo es 120"),
])
def test_a_bad_profile_is_refused_in_spanish_and_nothing_is_journaled(terminal, fields, field, words) -> None:
    head = terminal.journal.head
    with pytest.raises(fiado.CustomerInvalid, match=words) as caught:
        _service(terminal).save_customer(*fields, ANA)
    assert caught.value.field == field and isinstance(caught.value, errors.PosError)
    assert terminal.journal.head == head


def test_a_rut_already_known_and_an_unknown_customer_are_refused(terminal) -> None:
    service = _service(terminal)
    service.save_customer("Juana Soto", "12.345.678-5", "", "", "", ANA)
    head = terminal.journal.head
    with pytest.raises(fiado.CustomerInvalid, match=r"El RUT 12\.345\.678-5 ya es de Juana Soto"):
        service.save_customer("Otra Juana", "123456785", "", "", "", ANA)
    with pytest.raises(fiado.UnknownCustomer, match="no está registrado"):
        service.save_customer("Nadie", "", "", "", "", ANA, customer_id="no-existe")
    assert terminal.journal.head == head


def test_only_an_administrador_enables_fiado_and_a_zero_limit_is_refused(terminal) -> None:
    service = _service(terminal)
    customer_id = service.save_customer("Juana Soto", "", "", "", "", ANA)
    head = terminal.journal.head
    for user in (ANA, MARTA, None):
        with pytest.raises(inventory.NotAdministrator, match="Solo un administrador"):
            service.set_account(customer_id, True, 30_000, user)
    with pytest.raises(errors.InvalidAmount, match=r"un cupo de \$0 no permite fiar"):
        service.set_account(customer_id, True, 0, ROSA)
    with pytest.raises(errors.InvalidAmount, match="mayor que"):
        service.set_account(customer_id, True, -5, ROSA)
    with pytest.raises(errors.InvalidAmount, match="no es un monto"):
        service.set_account(customer_id, True, "mucho", ROSA)
    with pytest.raises(fiado.UnknownCustomer):
        service.set_account("no-existe", True, 30_000, ROSA)
    assert terminal.journal.head == head
    service.set_account(customer_id, True, "$30.000", ROSA)
    account = service.account(customer_id)
    assert (account.enabled, account.limit, account.balance, account.headroom) == (True, 30_000, 0, 30_000)
    service.set_account(customer_id, False, 30_000, ROSA)
    assert service.account(customer_id).enabled is False


def test_the_stores_settings_are_set_by_an_administrador(terminal) -> None:
    service = _service(terminal)
    head = terminal.journal.head
    with pytest.raises(inventory.NotAdministrator):
        service.set_settings(5_000, "credit", MARTA)
    with pytest.raises(errors.InvalidAmount, match="negativo"):
        service.set_settings(-1, "credit", ROSA)
    with pytest.raises(fiado.FiadoRefused, match="desconocida"):
        service.set_settings(5_000, "regalar", ROSA)
    assert terminal.journal.head == head
    service.set_settings("$5.000", "credit", ROSA)
    assert (service.settings().offline_allowance, service.settings().overpayment) == (5_000, "credit")


# -- payments ---------------------------------------------------------------------------------------------------


def test_a_cash_payment_is_counted_in_the_shift_printed_with_the_balance_after_and_opens_the_drawer(
        selling, juana) -> None:
    service = _service(selling)
    shift = selling.shifts.current("ana")
    done = service.pay(juana, "cash", 10_000, 20_000, shift, ANA)
    assert (done.amount, done.received, done.change, done.balance_before, done.balance_after) == (
        10_000, 20_000, 10_000, 18_500, 8_500)
    assert service.account(juana).balance == 8_500
    after = selling.shifts.current("ana")
    assert after.received.get("cash", 0) == shift.received.get("cash", 0) + 10_000
    assert after.fiado_payments == 10_000
    assert selling.shifts.drawer.opens == 1
    text = "\n".join(_printed(selling))
    for words in ("ABONO FIADO", "Juana Soto", "12.345.678-5", "Saldo anterior", "$18.500", "Abono efectivo",
                  "$10.000", "Recibido", "$20.000", "Vuelto", "Saldo adeudado", "$8.500", "Cajero", "Ana"):
        assert words in text, words
    paper = to_image(selling.printer.jobs[-1], PaperWidth.MM80.dots)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paper.save(SCREENSHOTS / "fiado_abono_receipt.png")
    assert paper.width == PaperWidth.MM80.dots
    paid = [e for e in selling.journal.read(1) if e.type == events.FiadoPaid.TYPE]
    assert len(paid) == 1 and paid[0].payload["balance_before"] == 18_500
    copy = service.reprint_payment(done.payment_id)
    assert copy.reprint and "COPIA" in "\n".join(_printed(selling))


def test_the_close_expects_the_abonos_in_the_drawer_and_the_z_report_lists_them(selling, juana) -> None:
    service = _service(selling)
    service.pay(juana, "cash", 10_000, 15_000, selling.shifts.current("ana"), ANA)
    paid = service.pay(juana, "debit", 3_000, None, selling.shifts.current("ana"), ANA)
    service.reverse(paid.payment_id, "9999", "cobro duplicado", cashier=ANA)
    closed = selling.shifts.close(ANA, {TenderKind.CASH: 30_000})
    assert closed.report.cash_difference == 0
    text = "\n".join(_printed(selling))
    assert "REPORTE Z" in text and "Abonos de fiado" in text and "N° de abonos de fiado" in text
    assert re.search(r"Abonos de fiado +\$10\.000", text), text


def test_a_card_payment_takes_exactly_the_amount_and_leaves_the_drawer_shut(selling, juana) -> None:
    service = _service(selling)
    done = service.pay(juana, "debit", 18_500, 0, selling.shifts.current("ana"), ANA)  # 0: nothing typed
    assert (done.change, done.balance_after) == (0, 0)
    assert selling.shifts.drawer.opens == 0
    assert "Saldo " in "\n".join(_printed(selling))


def test_a_payment_over_the_debt_is_refused_or_kept_in_favour_as_the_store_says(selling, juana) -> None:
    service = _service(selling)
    shift = selling.shifts.current("ana")
    service.set_settings(0, "refuse", ROSA)
    head = selling.journal.head
    with pytest.raises(fiado.Overpayment, match=r"supera la deuda de \$18.500") as caught:
        service.pay(juana, "cash", 20_000, 20_000, shift, ANA)
    assert (caught.value.amount, caught.value.balance) == (20_000, 18_500)
    assert selling.journal.head == head
    service.set_settings(0, "credit", ROSA)
    done = service.pay(juana, "transfer", 20_000, 20_000, shift, ANA)
    assert done.balance_after == -1_500 and service.account(juana).balance == -1_500
    assert "Saldo a favor" in "\n".join(_printed(selling))


@pytest.mark.parametrize(("kind", "amount", "received", "error", "words"), [
    ("fiado", 1_000, 1_000, fiado.FiadoRefused, "efectivo, débito, crédito o transferencia"),
    ("cheque", 1_000, 1_000, fiado.FiadoRefused, "efectivo, débito"),
    ("cash", 0, 0, errors.InvalidAmount, "mayor que"),
    ("cash", -500, None, errors.InvalidAmount, "mayor que"),
    ("cash", "diez", None, errors.InvalidAmount, "no es un monto"),
    ("cash", 5_000, 4_000, errors.InvalidAmount, "no alcanza"),
    ("credit", 5_000, 6_000, errors.InvalidAmount, "el vuelto es solo en efectivo"),
])
def test_bad_payments_are_refused_and_nothing_is_journaled(selling, juana, kind, amount, received, error,
                                                           words) -> None:
    head = selling.journal.head
    with pytest.raises(error, match=words):
        _service(selling).pay(juana, kind, amount, received, selling.shifts.current("ana"), ANA)
    assert selling.journal.head == head and selling.printer.jobs == []


def test_a_payment_needs_an_open_shift_a_known_customer_and_fiado_or_a_debt(selling, juana) -> None:
    service = _service(selling)
    shift = selling.shifts.current("ana")
    nobody = service.save_customer("Pedro Sin Fiado", "", "", "", "", ANA)
    head = selling.journal.head
    with pytest.raises(fiado.UnknownCustomer):
        service.pay("no-existe", "cash", 1_000, 1_000, shift, ANA)
    with pytest.raises(fiado.FiadoRefused, match="no tiene fiado habilitado ni deuda"):
        service.pay(nobody, "cash", 1_000, 1_000, shift, ANA)
    with pytest.raises(errors.ShiftError, match="no hay un turno abierto"):
        service.pay(juana, "cash", 1_000, 1_000, None, ANA)
    assert selling.journal.head == head
    selling.shifts.close(ANA, {})
    with pytest.raises(errors.ShiftError, match="no hay un turno abierto"):
        service.pay(juana, "cash", 1_000, 1_000, shift, ANA)


def test_a_customer_whose_fiado_was_disabled_still_pays_the_debt(selling, juana) -> None:
    service = _service(selling)
    service.set_account(juana, False, 50_000, ROSA)
    assert service.pay(juana, "cash", 8_500, 10_000, selling.shifts.current("ana"), ANA).balance_after == 10_000


# -- reversals --------------------------------------------------------------------------------------------------


def test_a_supervisor_reverses_a_payment_once_and_the_shift_gives_the_cash_back(selling, juana) -> None:
    service = _service(selling)
    paid = service.pay(juana, "cash", 10_000, 10_000, selling.shifts.current("ana"), ANA)
    before = selling.shifts.current("ana")
    head = selling.journal.head
    with pytest.raises(errors.WrongPin):
        service.reverse(paid.payment_id, "1234", "cobro duplicado", cashier=ANA)  # Ana is a cashier
    assert _types(selling, head[0]) == ["auth.pin_rejected"]
    head = selling.journal.head
    with pytest.raises(errors.InvalidInput, match="Indique el motivo"):
        service.reverse(paid.payment_id, "9999", "   ", cashier=ANA)
    assert selling.journal.head == head
    done = service.reverse(paid.payment_id, "9999", "cobro duplicado", cashier=ANA)
    assert (done.amount, done.kind, done.supervisor_id, done.balance_after) == (10_000, "cash", "marta", 18_500)
    assert _types(selling, head[0]) == ["auth.authorised", events.FiadoPaymentReversed.TYPE]
    authorised = next(iter(selling.journal.read(head[0] + 1)))
    assert authorised.payload["action"] == "fiado_reversal" and authorised.payload["cashier_id"] == "ana"
    after = selling.shifts.current("ana")
    assert after.received["cash"] == before.received["cash"] - 10_000 and after.fiado_payments == 0
    text = "\n".join(_printed(selling))
    assert "REVERSA DE ABONO" in text and "cobro duplicado" in text and "Marta" in text and "$18.500" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    to_image(selling.printer.jobs[-1], PaperWidth.MM80.dots).save(SCREENSHOTS / "fiado_reversal_slip.png")
    head = selling.journal.head
    with pytest.raises(errors.PaymentAlreadyReversed, match="ya fue reversado"):
        service.reverse(paid.payment_id, "9999", "otra vez", cashier=ANA)
    with pytest.raises(errors.ReversalOfReversal, match="una reversa no se revierte"):
        service.reverse(done.reversal_id, "9999", "deshacer", cashier=ANA)
    with pytest.raises(errors.UnknownPayment, match="no existe"):
        service.reverse("no-existe", "9999", "nada", cashier=ANA)
    assert selling.journal.head == head
    assert service.account(juana).balance == 18_500
    [listed] = service.payments(juana)
    assert (listed.payment_id, listed.amount, listed.reversed, listed.reversal_id) == (
        paid.payment_id, 10_000, True, done.reversal_id)


# -- statements -------------------------------------------------------------------------------------------------


def _history(selling, juana, clock):
    """Juana's November: $18.500 owed on the 20th, a $10.000 abono, $4.990 more on the 22nd, then $3.000 on the
    23rd."""
    service = _service(selling)
    shift = selling.shifts.current("ana")
    paid = service.pay(juana, "cash", 10_000, 10_000, shift, ANA)
    clock.advance(days=2)
    _charge(selling, juana, 4_990, "Boleta N° 81")
    clock.advance(days=1)
    service.pay(juana, "debit", 3_000, None, shift, ANA)
    return paid


def test_a_statement_has_the_opening_each_movement_with_its_balance_and_the_closing(selling, juana, clock) -> None:
    _history(selling, juana, clock)
    service = _service(selling)
    whole = service.statement(juana, date(2026, 11, 1), date(2026, 11, 30))
    assert (whole.opening, whole.closing) == (0, 10_490)
    assert [(x.cargo, x.abono, x.balance) for x in whole.lines] == [
        (18_500, 0, 18_500), (0, 10_000, 8_500), (4_990, 0, 13_490), (0, 3_000, 10_490)]
    page = service.statement_page(juana, date(2026, 11, 1), date(2026, 11, 30), limit=3)
    assert [x.balance for x in page.rows] == [18_500, 8_500, 13_490] and page.more
    [row] = service.balances(only_with_balance=True)
    assert (row.customer_id, row.balance, row.limit, row.headroom) == (juana, 10_490, 50_000, 39_510)
    late = service.statement(juana, date(2026, 11, 22), date(2026, 11, 30))
    assert (late.opening, len(late.lines), late.closing) == (8_500, 2, 10_490)
    with pytest.raises(fiado.FiadoRefused, match="posterior a la final"):
        service.statement(juana, date(2026, 11, 30), date(2026, 11, 1))
    with pytest.raises(fiado.UnknownCustomer):
        service.statement("no-existe", date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize("width", [PaperWidth.MM58, PaperWidth.MM80])
def test_the_statement_prints_on_the_roll_and_reads_right(make_terminal, clock, width) -> None:
    terminal = make_terminal()
    terminal.receipts.width = width
    ana = terminal.auth.sign_in("ana", "1234")
    terminal.shifts.open(ana, 20_000)
    service = _service(terminal)
    juana = service.save_customer("Juana Soto", "12.345.678-5", "", "", "", ANA)
    service.set_account(juana, True, 50_000, ROSA)
    _charge(terminal, juana, 18_500)
    _history(terminal, juana, clock)
    service.print_statement(juana, date(2026, 11, 1), date(2026, 11, 30))
    lines = _printed(terminal)
    assert all(len(x) <= width.columns for x in lines)
    text = "\n".join(lines)
    for words in ("ESTADO DE CUENTA", "Juana Soto", "12.345.678-5", "01-11-2026 al 30-11-2026", "Saldo inicial",
                  "20-11 Boleta N° 77", "+$18.500", "-$10.000", "22-11 Boleta N° 81", "+$4.990", "Saldo $13.490",
                  "Total cargos", "$23.490", "Total abonos", "$13.000", "Saldo final", "$10.490", "Cupo",
                  "$50.000", "Disponible", "$39.510", "Saldo adeudado: $10.490"):
        assert words in text, words
    paper = to_image(terminal.printer.jobs[-1], width.dots)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paper.save(SCREENSHOTS / f"fiado_statement_roll_{width.columns}.png")
    assert paper.width == width.dots and paper.height > 600


def test_a_statement_too_long_for_the_roll_is_refused(selling, juana, clock, monkeypatch) -> None:
    monkeypatch.setattr(fiado, "MAX_THERMAL_LINES", 3)
    _history(selling, juana, clock)
    with pytest.raises(fiado.FiadoRefused, match="4 movimientos, demasiados para el papel"):
        _service(selling).print_statement(juana, date(2026, 11, 1), date(2026, 11, 30))


def test_the_statement_pdf_shows_the_figures(selling, juana, clock, tmp_path) -> None:
    _history(selling, juana, clock)
    path = _service(selling).statement_pdf(juana, date(2026, 11, 1), date(2026, 11, 30), tmp_path / "estado.pdf")
    assert path == tmp_path / "estado.pdf" and path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    for words in ("Estado de cuenta", "Juana Soto", "RUT 12.345.678-5", "Período: 01-11-2026 al 30-11-2026",
                  "Saldo inicial", "Boleta N° 77", "Boleta N° 81", "$18.500", "$10.000", "$13.490", "saldo final",
                  "$23.490", "$13.000", "Saldo adeudado: $10.490", "Cupo $50.000"):
        assert words in text, words
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(path), str(SCREENSHOTS / "fiado_statement_pdf")],
                   check=True)
    with Image.open(SCREENSHOTS / "fiado_statement_pdf.png") as page:
        assert page.size[0] > page.size[1] * 0.6


def test_a_statement_pdf_to_a_folder_that_cannot_be_written_is_refused(selling, juana, tmp_path: Path) -> None:
    with pytest.raises(fiado.FiadoRefused, match="No se pudo guardar el PDF"):
        _service(selling).statement_pdf(juana, date(2026, 11, 1), date(2026, 11, 30),
                                        tmp_path / "no-existe" / "estado.pdf")


def test_after_a_merge_at_the_master_an_old_id_pays_and_edits_the_survivor(selling, juana) -> None:
    service = _service(selling)
    survivor = "0190b000-0000-7000-8000-00000000aaaa"
    selling.journal.append(events.CustomerReceived(survivor, "Juana Soto", "12345678-5", "", "", "", True, 50_000,
                                                   aliases=(juana,)))
    _charge(selling, survivor, 1_500, "Boleta N° 5 · Local Norte")
    assert service.customer(juana).customer_id == survivor and service.account(juana).balance == 20_000
    done = service.pay(juana, "cash", 5_000, 5_000, selling.shifts.current("ana"), ANA)
    assert (done.customer_id, done.balance_before, done.balance_after) == (survivor, 20_000, 15_000)
    paid = [e for e in selling.journal.read(1) if e.type == events.FiadoPaid.TYPE]
    assert paid[-1].payload["customer_id"] == survivor
    assert service.save_customer("Juana Soto Paz", "12.345.678-5", "", "", "", ANA, customer_id=juana) == survivor
    assert service.customer(survivor).name == "Juana Soto Paz"
