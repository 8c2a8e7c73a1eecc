"""The estado de cuenta PDF (``syncserver.hq.statement_pdf``) read back with pdftotext: the heading, the summary,
every line with its store and running balance, saldo a favor, a period without movements, page numbers on a long
statement, and the same bytes for the same input."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime

import pytest

from shared import fiado
from syncserver.hq import statement_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")

HEADING = statement_pdf.Heading("Almacenes Don Pepe", "76.123.456-0", "Rosa Muñoz", "9.876.543-3", "",
                                date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 1, 9, 30), True, 20_000)


def words(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def line(day: int, document: str, cargo: int, abono: int, balance: int, entry_id: str = "") -> fiado.StatementLine:
    return fiado.StatementLine(date(2026, 11, day), document, cargo, abono, balance, entry_id=entry_id)


def test_lines_stores_and_saldo_a_favor() -> None:
    statement = fiado.Statement(date(2026, 11, 1), date(2026, 11, 30), 2_000, (
        line(3, "Boleta N° 12", 3_500, 0, 5_500, "e1"), line(4, "Abono en efectivo", 0, 7_000, -1_500, "e2")), -1_500)
    shown = words(statement_pdf.render(HEADING, statement, {"e1": "Centro", "e2": "Norte"}))
    assert "Almacenes Don Pepe · RUT 76.123.456-0 Estado de cuenta Rosa Muñoz · RUT 9.876.543-3" in shown
    assert "Período: del 01-11-2026 al 30-11-2026 · emitido el 01-12-2026 09:30" in shown
    assert "Saldo inicial $2.000 Cargos del período $3.500 Abonos y devoluciones del período $7.000" in shown
    assert "Saldo final $1.500 a favor Cupo de crédito $20.000 (disponible $21.500)" in shown  # plus the saldo a favor
    assert "01-11-2026 Saldo inicial $2.000" in shown
    assert "03-11-2026 Boleta N° 12 Centro $3.500 $5.500" in shown
    assert "04-11-2026 Abono en efectivo Norte $7.000 $1.500 a favor" in shown
    assert "30-11-2026 Saldo final $3.500 $7.000 $1.500 a favor" in shown
    assert "Página 1 de 1" in shown


def test_a_period_without_movements_and_no_fiado() -> None:
    heading = statement_pdf.Heading("Don Pepe", "", "Pedro <Soto> & Cía", "", "+56 9 1111 2222", date(2026, 11, 1),
                                    date(2026, 11, 30), datetime(2026, 12, 1, 9, 30), False, 0)
    shown = words(statement_pdf.render(heading, fiado.Statement(date(2026, 11, 1), date(2026, 11, 30), 0, (), 0)))
    assert "Pedro <Soto> & Cía · Teléfono +56 9 1111 2222" in shown
    assert "Sin movimientos en el período" in shown and "Cupo de crédito fiado no habilitado" in shown


def test_a_long_statement_numbers_its_pages_and_is_reproducible() -> None:
    lines, balance = [], 0
    for n in range(120):
        balance += 1_000
        lines.append(line(1 + n // 5, f"Boleta N° {n + 1}", 1_000, 0, balance))
    statement = fiado.Statement(date(2026, 11, 1), date(2026, 11, 30), 0, tuple(lines), balance)
    pdf = statement_pdf.render(HEADING, statement)
    shown = words(pdf)
    assert "Página 1 de 4" in shown and "Página 4 de 4" in shown and "Boleta N° 120" in shown
    assert shown.count("Fecha Documento Tienda Cargo Abono Saldo") == 4  # the header on every page
    assert "30-11-2026 Saldo final $120.000 $0 $120.000" in shown
    assert statement_pdf.render(HEADING, statement) == pdf
