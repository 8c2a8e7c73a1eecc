"""The report files' writers: the XLSX package read back by openpyxl (sheet names, bold title and header, frozen
header, number formats, widths, text escaped and control characters dropped, empty cells kept) and the CSV."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl

from shared import report_tables as rt
from shared import reports as r


def _reports() -> list[rt.Report[object]]:
    period = rt.Period.custom(date(2026, 12, 1), date(2026, 12, 2))
    days = [r.DaySales(date(2026, 12, 1), 3, 12_345, 1, 990, 9_000, 4_000, 5_000),
            r.DaySales(date(2026, 12, 2), 0, 0, 0, 0, 0, 0, 0)]
    products = [r.ProductSales("P<1>", 'Queso "Chanco" & <b>\x01', "Lácteos", Decimal("1.250"), 4_990, 4_193, 3_000,
                               1_193, 0)]
    return [rt.compare("sales_by_day", rt.TITLES["sales_by_day"], period, rt.DAY, days, days[:1]),
            rt.compare(rt.product_key("units", False), rt.product_title("units", False), period,
                       rt.product_shape("units"), products, []),
            rt.compare("sales_by_day", rt.TITLES["sales_by_day"], period, rt.DAY, days, days)]


def test_the_workbook_reads_back_with_its_layout_and_formats() -> None:
    book = openpyxl.load_workbook(io.BytesIO(rt.to_xlsx(_reports())))
    assert book.sheetnames == ["Ventas por día", "Productos más vendidos por unid", "Ventas por día 2"]
    days = book["Ventas por día"]
    assert days["A1"].value == "Ventas por día" and days["A1"].font.b and days["A1"].font.sz == 14
    assert days["A2"].value == "Período: 01-12-2026 al 02-12-2026 · anterior: 29-11-2026 al 30-11-2026"
    assert [c.value for c in days[3]] == [*rt.DAY.columns, "Venta neta período anterior"]
    assert all(c.font.b for c in days[3]) and days.freeze_panes == "A4"
    assert [c.value for c in days[4]] == [datetime(2026, 12, 1), 3, 12_345, 990, 11_355, 9_000, 4_000, 5_000,
                                          11_355]
    assert days["I5"].value == ""  # the period before had one day only
    assert (days["A4"].number_format, days["C4"].number_format) == ("dd-mm-yyyy", "#,##0")
    assert round(days.column_dimensions["I"].width) - 1 <= len("Venta neta período anterior") + 2  # Excel pads
    products = book["Productos más vendidos por unid"]
    assert [c.value for c in products[4]][:4] == ["P<1>", 'Queso "Chanco" & <b>', "Lácteos", 1.25]
    assert products["D4"].number_format == "#,##0.###"


def test_the_csv_is_for_excel_in_chile() -> None:
    data = rt.to_csv(_reports()[1])
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("Productos más vendidos por unidades;Período: 01-12-2026 al 02-12-2026 · anterior:"
                        " 29-11-2026 al 30-11-2026")
    assert lines[2] == 'P<1>;"Queso ""Chanco"" & <b>\x01";Lácteos;1,250;4990;4193;3000;1193;0;0'
