"""The Clientes page by touch at 1024×600 on a real till: customers with balance, limit, use and overdue days
(charges forwarded by the master from other tills), one found by RUT and opened, its movements for last month; a
supervisor reads only."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from desktop.journal import fiado_queries
from desktop.presenters.backoffice.customer_sources import JournalCustomers
from desktop.presenters.backoffice.customers import chile_today, month_range
from shared.events import fiado as fiado_events
from shared.fiado import CHILE
from tests.desktop.ui.backoffice.ops_kit import cells, fits, open_section, touch_row

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def _at(day: date) -> str:
    """Noon of ``day`` in Chile as a UTC journal time."""
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=CHILE).astimezone(UTC).isoformat()


def typed(ui, edit: QLineEdit, text: str) -> None:
    """Type ``text`` into ``edit`` key by key, as a person does (QTest's key clicks take ASCII only: «ñ» and
    accents go as key events that carry the character)."""
    for char in text:
        if char.isascii():
            ui.qtbot.keyClicks(edit, char)
        else:
            QApplication.sendEvent(edit, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_unknown,
                                                   Qt.KeyboardModifier.NoModifier, char))


def customers(terminal) -> tuple[str, str]:
    """Juana (fiado $50.000; charged 40 days ago at another till, paid part, charged again last month) and Pedro
    (fiado $20.000, charged $23.000 today: over his limit), created at this till by Rosa; Luis, no fiado."""
    journal = terminal.journal
    juana, pedro, luis = "0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b", \
        "0190a000-0000-7000-8000-00000000000c"
    journal.append(fiado_events.CustomerProfileSaved(juana, "Juana Pérez Soto", "12345678-5", "+56 9 1234 5678",
                                                     "Pasaje 3", "", "rosa"))
    journal.append(fiado_events.CustomerProfileSaved(pedro, "Pedro Araya", "", "987654321", "", "paga los viernes",
                                                     "rosa"))
    journal.append(fiado_events.CustomerProfileSaved(luis, "Luis Tapia", "", "", "", "", "rosa"))
    journal.append(fiado_events.FiadoAccountSet(juana, True, 50_000, "rosa"))
    journal.append(fiado_events.FiadoAccountSet(pedro, True, 20_000, "rosa"))
    today = chile_today()
    first, last = month_range(today, 1)
    for n, (who, kind, amount, day, document) in enumerate((
            (juana, "cargo", 15_000, min(today - timedelta(days=40), first), "Boleta N° 120 · Local Centro"),
            (juana, "abono", 5_000, first + timedelta(days=2), "Abono en efectivo · Local Centro"),
            (juana, "cargo", 2_300, last, "Boleta N° 131 · Local Centro"),
            (pedro, "cargo", 23_000, today, "Boleta N° 140 · Local Centro"))):
        journal.append(fiado_events.FiadoEntryReceived(
            f"0190a000-0000-7000-8000-0000000001{n:02d}", who, kind, amount, "s2", "t9", document, "", _at(day)))
    return juana, pedro


def test_customers_with_their_fiado_and_the_estado_de_cuenta(ui, terminal, monkeypatch, tmp_path):
    juana, _pedro = customers(terminal)
    page = open_section(ui, "customers")
    rows = cells(ui, "customers-list")
    assert [r[0].split("\n")[0] for r in rows] == ["Pedro Araya", "Juana Pérez Soto", "Luis Tapia"]
    assert rows[0][1:4] == ["$23.000", "$20.000", "115\u00a0%"] and "Sobre el límite" in rows[0][0]
    assert rows[1][1:4] == ["$12.300", "$50.000", "25\u00a0%"] and rows[1][4].endswith("días")
    assert rows[2][1:] == ["$0", "Sin fiado", "", ""]
    assert ui.text("customers-total", page) == "3 clientes · deben $35.300"
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_customers.png")

    ui.type("customers-search", "12345678", enter=True)  # the RUT without dots finds her
    assert [r[0].split("\n")[0] for r in cells(ui, "customers-list")] == ["Juana Pérez Soto"]
    touch_row(ui, "customers-list", 0)
    assert ui.find(QLineEdit, "customers-name", page).text() == "Juana Pérez Soto"
    assert ui.find(QLineEdit, "customers-limit", page).text() == "50.000"
    assert ui.text("customers-account", page).startswith("Debe $12.300 de $50.000 (25\u00a0%)\ndisponible $37.700")
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_customers_profile.png")

    ui.click("customers-section-movements", page)
    ui.click("customers-last-month", page)
    first, last = month_range(chile_today(), 1)
    statement = fiado_queries.statement(terminal.journal.conn, juana, first, last)
    assert len(cells(ui, "customers-movements")) == len(statement.lines) >= 2
    assert cells(ui, "customers-movements")[-1][1:] == ["Boleta N° 131 · Local Centro", "$2.300", "", "$12.300"]
    assert ui.text("customers-closing", page) == f"Saldo al {last:%d-%m-%Y}: $12.300"
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_customers_movements.png")


def test_the_estado_de_cuenta_as_a_pdf(ui, terminal, monkeypatch):
    customers(terminal)
    page = open_section(ui, "customers", user="marta")  # a supervisor reads and prints
    ui.type("customers-search", "juana", enter=True)
    touch_row(ui, "customers-list", 0)
    ui.click("customers-section-movements", page)
    ui.click("customers-last-month", page)
    first, last = month_range(chile_today(), 1)
    opened = []
    monkeypatch.setattr("desktop.ui.backoffice.customers_page.QDesktopServices.openUrl", opened.append)
    ui.click("customers-pdf", page)
    assert ui.text("customers-message", page).startswith("Estado de cuenta guardado: "), \
        ui.text("customers-message", page)
    pdf = terminal.settings.data_dir / "exportes" / (
        f"estado-de-cuenta-juana-perez-soto-{first:%Y%m%d}-{last:%Y%m%d}.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and opened[0].toLocalFile() == str(pdf)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "Juana Pérez Soto" in text and "$12.300" in text and "Boleta N° 131" in text


def test_a_customer_created_with_fiado_by_touch_then_edited(ui, terminal):
    customers(terminal)
    page = open_section(ui, "customers")
    ui.click("customers-new", page)
    typed(ui, ui.find(QLineEdit, "customers-name", page), "Rosa Elena Muñoz")
    rut = ui.find(QLineEdit, "customers-rut", page)
    ui.qtbot.keyClicks(rut, "11.111.111-2")
    assert ui.text("customers-rut-check", page) == "Dígito verificador incorrecto: para 11111111 es 1"
    rut.clear()
    ui.qtbot.keyClicks(rut, "12.345.678-5")  # Juana's
    ui.qtbot.keyClicks(ui.find(QLineEdit, "customers-phone", page), "+56 9 5555 1234")
    ui.click("customers-fiado", page)
    ui.click("customers-save", page)  # fiado without a limit: nothing saved
    assert ui.text("customers-message", page) == "Para habilitar el fiado escriba un límite mayor que $0"
    ui.qtbot.keyClicks(ui.find(QLineEdit, "customers-limit", page), "30000")
    assert ui.find(QLineEdit, "customers-limit", page).text() == "30.000"
    ui.click("customers-save", page)  # the service refuses a RUT another customer has; the form is kept
    assert "ya es de Juana Pérez Soto" in ui.text("customers-message", page)
    assert ui.find(QLineEdit, "customers-name", page).text() == "Rosa Elena Muñoz"
    assert fiado_queries.find_customers(terminal.journal.conn, "muñoz") == []
    rut.clear()
    ui.qtbot.keyClicks(rut, "11.111.111-1")
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_customers_new.png")
    ui.click("customers-save", page)
    assert ui.text("customers-message", page) == "Cliente guardado: Rosa Elena Muñoz · fiado hasta $30.000"
    [found] = fiado_queries.find_customers(terminal.journal.conn, "muñoz")
    assert found.rut == "11111111-1" and found.phone == "+56 9 5555 1234"
    account = fiado_queries.account(terminal.journal.conn, found.customer_id)
    assert (account.enabled, account.limit) == (True, 30_000)

    address = ui.find(QLineEdit, "customers-address", page)
    ui.qtbot.keyClicks(address, "Los Aromos 45")
    ui.click("customers-fiado", page)  # off
    ui.click("customers-save", page)
    assert ui.text("customers-message", page) == "Cliente guardado: Rosa Elena Muñoz · fiado deshabilitado"
    edited = fiado_queries.customer(terminal.journal.conn, found.customer_id)
    assert edited is not None and edited.address == "Los Aromos 45"
    account = fiado_queries.account(terminal.journal.conn, found.customer_id)
    assert (account.enabled, account.limit) == (False, 30_000)
    ui.click("customers-section-list", page)
    assert [r[0].split("\n")[0] for r in cells(ui, "customers-list")].count("Rosa Elena Muñoz") == 1


def test_the_stores_fiado_settings(ui, terminal):
    page = open_section(ui, "customers")
    ui.click("customers-section-settings", page)
    allowance = ui.find(QLineEdit, "customers-allowance", page)
    allowance.selectAll()
    ui.qtbot.keyClicks(allowance, "15000")
    ui.click("customers-overpayment-refuse", page)
    ui.click("customers-save-settings", page)
    assert ui.text("customers-message", page).startswith("Ajustes de fiado guardados: sin conexión hasta $15.000")
    saved = fiado_queries.settings(terminal.journal.conn)
    assert (saved.offline_allowance, saved.overpayment) == (15_000, "refuse")
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_customers_settings.png")


def test_a_supervisor_reads_and_prints_only(ui, terminal):
    customers(terminal)
    page = open_section(ui, "customers", user="marta")
    assert not page.findChild(QPushButton, "customers-new").isVisible()
    touch_row(ui, "customers-list", 1)
    assert ui.find(QLineEdit, "customers-name", page).isReadOnly()
    assert not page.findChild(QPushButton, "customers-save").isVisible()
    assert not ui.find(QPushButton, "customers-fiado", page).isEnabled()
    ui.click("customers-section-movements", page)
    assert ui.find(QPushButton, "customers-pdf", page).isEnabled()
    ui.click("customers-section-settings", page)
    assert not page.findChild(QPushButton, "customers-save-settings").isVisible()
    assert ui.find(QPushButton, "customers-overpayment-refuse", page).isChecked()
    assert not ui.find(QPushButton, "customers-overpayment-credit", page).isEnabled()
    assert ui.find(QLineEdit, "customers-allowance", page).isReadOnly()
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_customers_supervisor.png")


def test_a_flag_raised_by_the_master_is_marked_on_the_row_and_told_in_the_form(ui, terminal):
    juana, _pedro = customers(terminal)
    merged = ("Se unió «Juana Pérez» (RUT 12345678-5, creado en norte) con «Juana Pérez Soto» (creado en centro):"
              " los dos tenían saldo ($2.300 y $10.000); el saldo unido es $12.300. Revise que sean la misma persona.")
    terminal.journal.append(fiado_events.CustomerReceived(
        juana, "Juana Pérez Soto", "12345678-5", "+56 9 1234 5678", "Pasaje 3", "", True, 50_000, flags=(merged,)))
    page = open_section(ui, "customers")
    rows = cells(ui, "customers-list")
    assert [r[0].split("\n")[0] for r in rows] == ["Pedro Araya", "Juana Pérez Soto", "Luis Tapia"]
    # within her limit at this till, but the master flagged her: the row is marked like one over the limit
    assert rows[1][1:4] == ["$12.300", "$50.000", "25\u00a0%"] and "Alerta del servidor" in rows[1][0]
    assert "Alerta" not in rows[2][0]
    ui.screenshot(ui.window, "backoffice_customers_flag_list.png")
    touch_row(ui, "customers-list", 1)
    assert ui.text("customers-account", page).startswith("Debe $12.300 de $50.000 (25\u00a0%)")
    shown = ui.text("customers-flag", page)
    assert shown.startswith("⚑ Alerta del servidor: Se unió «Juana Pérez»") and "Revise que sean la misma" in shown
    fits(ui, page)
    ui.screenshot(ui.window, "backoffice_customers_flag.png")
    # the master closes it: the next customer it forwards carries no flags, and the mark goes
    terminal.journal.append(fiado_events.CustomerReceived(
        juana, "Juana Pérez Soto", "12345678-5", "+56 9 1234 5678", "Pasaje 3", "", True, 50_000))
    closed = JournalCustomers(terminal.journal.conn).customer(juana)
    assert closed is not None and closed.flag == "" and closed.balance == 12_300
