"""Fiado on paper without a till: the estado de cuenta over several A4 pages (read back with pdftotext, the pages
drawn with pdftoppm), long documents cut to their column, and the roll's rows within the paper's width."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

from PIL import Image

from desktop.drivers.escpos_decode import decode
from desktop.drivers.escpos_render import render_report
from desktop.drivers.receipt import PaperWidth
from desktop.services import fiado_print
from desktop.services.receipts import StoreHeader
from shared import fiado as ledger
from shared.events import fiado as events

START = date(2026, 1, 1)
LONG = "Reversa de abono: el cliente reclamó que el pago se registró dos veces en la caja del turno de la mañana"


def _sheet(count: int, opening: int = 5_000) -> ledger.Statement:
    """``count`` movements: two charges of $1.990 for each abono of $3.000, the third of each is a long reversal."""
    lines, balance = [], opening
    for n in range(count):
        if n % 3 == 2:
            balance -= 3_000
            lines.append(ledger.StatementLine(START + timedelta(days=n // 4), "Abono en efectivo", 0, 3_000, balance))
        else:
            balance += 1_990
            document = LONG if n % 30 == 1 else f"Boleta N° {1000 + n}"
            lines.append(ledger.StatementLine(START + timedelta(days=n // 4), document, 1_990, 0, balance))
    return ledger.Statement(START, START + timedelta(days=count // 4), opening, tuple(lines), balance)


def _heading(sheet: ledger.Statement) -> fiado_print.Heading:
    return fiado_print.Heading("Almacén Don Pepe", "76235291-5", "Av. Independencia 1234", "caja-1", "Juana Soto",
                               "12345678-5", "+56 9 8765 4321", sheet.start, sheet.end, datetime(2026, 2, 10, 18, 5),
                               credit_limit=100_000)


def test_a_long_statement_runs_over_pages_with_every_movement_and_the_right_closing(tmp_path: Path) -> None:
    sheet = _sheet(130)
    path = tmp_path / "estado.pdf"
    path.write_bytes(fiado_print.statement_pdf(_heading(sheet), sheet))
    assert fiado_print.statement_pdf(_heading(sheet), sheet) == path.read_bytes()  # deterministic
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) == 3 and all(f"Página {n} de 3" in page for n, page in enumerate(pages, start=1))
    assert all("Fecha" in page and "Saldo" in page for page in pages)  # the titles on every page of the table
    assert sum(len(re.findall(r"Boleta N° \d+", page)) for page in pages) == 82
    assert text.count("Abono en efectivo") == 43 and text.count("Reversa de abono: el cliente") == 5
    assert "…" in text and LONG not in text
    charged, paid = 87 * 1_990, 43 * 3_000
    closing = 5_000 + charged - paid
    assert sheet.closing == closing
    assert f"Saldo adeudado: ${closing:,}".replace(",", ".") in pages[-1]
    assert f"${charged:,}".replace(",", ".") in text and f"${paid:,}".replace(",", ".") in text
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "estado")], check=True)
    drawn = sorted(tmp_path.glob("estado-*.png"))
    assert len(drawn) == 3
    with Image.open(drawn[1]) as page:
        assert page.getbbox() is not None


def test_a_statement_with_no_movements_says_so_and_a_credit_balance_is_in_favour(tmp_path: Path) -> None:
    sheet = ledger.Statement(START, START + timedelta(days=30), -2_500, (), -2_500)
    path = tmp_path / "vacio.pdf"
    path.write_bytes(fiado_print.statement_pdf(_heading(sheet), sheet))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Sin movimientos en el período" in text and "Saldo a favor: $2.500" in text
    assert "Página 1 de 1" in text


def test_the_roll_keeps_every_row_within_the_paper_and_cuts_long_documents() -> None:
    sheet = _sheet(6)
    for width in PaperWidth:
        lines = decode(render_report(fiado_print.statement_report(_heading(sheet), sheet, width), width)).lines
        assert all(len(line) <= width.columns for line in lines)
        assert sum(line.startswith("01-01 Reversa de abono") for line in lines) == 1
        assert any(line.endswith("+$1.990") for line in lines)


def test_a_payment_receipt_of_an_abono_beyond_the_debt_shows_the_saldo_a_favor() -> None:
    header = StoreHeader("Almacén Don Pepe", "76235291-5", "abarrotes", "Av. Independencia 1234", "caja-1")
    paid = events.FiadoPaid("00000000-0000-7000-8000-0000000000aa", "c-1", "s-1", "ana", "transfer", 12_000, 12_000,
                            10_000)
    report = fiado_print.payment_report(header, paid, "Juana Soto", "", "Ana Pérez", datetime(2026, 2, 10, 18, 5),
                                        reprint=True)
    rows = dict(report.rows)
    assert rows["Saldo anterior"] == "$10.000" and rows["Abono transferencia"] == "$12.000"
    assert rows["Saldo a favor"] == "$2.000" and "Vuelto" not in rows and "RUT" not in rows
    assert fiado_print.COPY_MARK in report.header


def test_a_reversal_slip_on_58_mm_keeps_its_labels_and_the_whole_reason() -> None:
    header = StoreHeader("Almacén Don Pepe", "76235291-5", "abarrotes", "Av. Independencia 1234", "caja-1")
    reason = "el cliente pagó con una transferencia que el banco rechazó al día siguiente"
    reversed_ = events.FiadoPaymentReversed("r-1", "00000000-0000-7000-8000-0000000000aa", "c-1", "s-1", "marta",
                                            reason, "cash", 125_000)
    report = fiado_print.reversal_report(header, reversed_, "Juana Soto", 140_000, "Marta Rojas",
                                         datetime(2026, 2, 10, 18, 5))
    lines = decode(render_report(report, PaperWidth.MM58)).lines
    assert all(len(line) <= 32 for line in lines)
    for label, value in (("Abono reversado", "$125.000"), ("Medio de pago", "Efectivo"),
                         ("Devuelto en efectivo", "$125.000"), ("Saldo adeudado", "$140.000")):
        assert any(line.startswith(label) and line.endswith(value) for line in lines), label
    assert " ".join(line.strip() for line in lines).count(f"Motivo: {reason}") == 1
