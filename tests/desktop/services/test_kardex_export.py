"""A kardex exported to .xlsx, .csv and PDF reads back with the same rows, numbers as numbers, es-CL text."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.services import kardex_export as kx

CHILE = timezone(timedelta(hours=-3))
HEADING = kx.Heading("Almacén Don Pepe", "LEC-1", "Leche Entera Colun 1 L", "Sala de ventas",
                     datetime(2026, 11, 21, 18, 5, tzinfo=CHILE))
LINES = [
    kx.Line(datetime(2026, 11, 20, 9, 30, tzinfo=CHILE), "Sala de ventas", "compra",
            "Factura 33 N° 5 · 76.123.456-0", "Marta Díaz", Decimal(24), Decimal(24), 800, 19200),
    kx.Line(datetime(2026, 11, 20, 10, 2, tzinfo=CHILE), "Sala de ventas", "venta", "Boleta N° 123", "Ana Pérez",
            Decimal(-2), Decimal(22), 800, -1600),
    kx.Line(datetime(2026, 11, 21, 8, 0, tzinfo=CHILE), "Sala de ventas", "merma", "Merma: vencimiento",
            "Marta Díaz", Decimal("-1.5"), Decimal("20.5"), 800, -1200),
]


def test_xlsx_reads_back_with_real_numbers_and_dates() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(kx.to_xlsx(HEADING, LINES)))
    sheet = book["Kardex"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Kardex de Leche Entera Colun 1 L (LEC-1)"
    assert rows[1][0] == "Almacén Don Pepe · Sala de ventas · emitido el 21-11-2026 18:05"
    assert rows[2] == kx.COLUMNS
    assert rows[3] == (datetime(2026, 11, 20, 9, 30), "Sala de ventas", "Compra", "Factura 33 N° 5 · 76.123.456-0",
                       "Marta Díaz", 24, 24, 800, 19200)
    assert rows[5][2:] == ("Merma", "Merma: vencimiento", "Marta Díaz", -1.5, 20.5, 800, -1200)
    assert len(rows) == 3 + len(LINES)
    assert sheet.freeze_panes == "A4"
    assert sheet.cell(4, 9).number_format == "#,##0"


def test_csv_is_excel_es_cl_and_reads_back() -> None:
    data = kx.to_csv(HEADING, LINES)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [HEADING.title, HEADING.subtitle]
    assert rows[1] == list(kx.COLUMNS)
    assert rows[2] == ["20-11-2026 09:30", "Sala de ventas", "Compra", "Factura 33 N° 5 · 76.123.456-0", "Marta Díaz",
                       "24", "24", "800", "19200"]
    assert rows[3][5:] == ["-2", "22", "800", "-1600"]
    assert rows[4][5:] == ["-1,5", "20,5", "800", "-1200"]
    assert len(rows) == 2 + len(LINES)


def test_pdf_prints_every_row_on_numbered_pages(tmp_path: Path) -> None:
    many = [kx.Line(LINES[1].at + timedelta(minutes=n), "Bodega", "venta", f"Boleta N° {n}", "Ana Pérez",
                    Decimal(-1), Decimal(1000 - n), 812, -812) for n in range(1, 121)]
    data = kx.to_pdf(HEADING, LINES + many)
    assert data.startswith(b"%PDF")
    assert kx.to_pdf(HEADING, LINES + many) == data  # invariant: the same kardex prints the same bytes
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "kardex.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Kardex de Leche Entera Colun 1 L (LEC-1)" in text
    assert "Factura 33 N° 5 · 76.123.456-0" in text and "$19.200" in text and "-$1.200" in text
    assert "-1,500" in text and "20,500" in text
    assert "Boleta N° 120" in text and "Página 3" in text


def test_an_empty_kardex_still_prints() -> None:
    assert kx.to_pdf(HEADING, []).startswith(b"%PDF")
    assert kx.to_csv(HEADING, []).decode("utf-8-sig").count("\r\n") == 2
