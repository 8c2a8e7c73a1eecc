"""A product's kardex as files the manager keeps or hands to the accountant: .xlsx (openpyxl), .csv (Excel in
es-CL: semicolons, decimal comma, UTF-8 with BOM) and a printable PDF (reportlab, A4 landscape)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from shared import es_cl, money

COLUMNS: Final = ("Fecha", "Bodega", "Movimiento", "Documento", "Quién", "Cantidad", "Saldo", "Costo unitario",
                  "Valor")
"""The kardex's columns, as every export writes them (pesos CLP neto)."""
KIND_NAMES: Final = {"venta": "Venta", "devolucion": "Devolución", "compra": "Compra",
                     "devolucion_proveedor": "Devolución a proveedor", "traslado_salida": "Traslado (salida)",
                     "traslado_entrada": "Traslado (entrada)", "toma": "Toma de inventario", "merma": "Merma",
                     "ajuste": "Ajuste"}
"""What the manager reads for each movement kind (``shared.inventory.KINDS``)."""


@dataclass(frozen=True, slots=True)
class Heading:
    """What the export says it is: the store, the product, the warehouse (``""``: every one) and when it was made."""

    store: str
    sku: str
    name: str
    warehouse: str
    made_at: datetime

    @property
    def title(self) -> str:
        return f"Kardex de {self.name} ({self.sku})"

    @property
    def subtitle(self) -> str:
        where = self.warehouse or "todas las bodegas"
        return f"{self.store} · {where} · emitido el {self.made_at:%d-%m-%Y %H:%M}"


@dataclass(frozen=True, slots=True)
class Line:
    """One movement as the exports show it: when (journal time), where, what, the signed ``quantity`` and the
    running ``balance`` (units or kg), the ``unit_cost`` and signed ``value`` in CLP neto."""

    at: datetime
    warehouse: str
    kind: str
    document: str
    who: str
    quantity: Decimal
    balance: Decimal
    unit_cost: int
    value: int

    @property
    def movement(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


def _quantity(value: Decimal) -> str:
    places = 0 if value == value.to_integral_value() else 3
    return es_cl.number(value, places=places)


def to_csv(heading: Heading, lines: Iterable[Line]) -> bytes:
    """The kardex as CSV for Excel in Chile: UTF-8 with BOM, ``;`` between fields, a decimal comma; a first row
    with the title. Pesos and quantities are plain numbers (no thousands dots) so a spreadsheet adds them."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([heading.title, heading.subtitle])
    writer.writerow(COLUMNS)
    for x in lines:
        writer.writerow([f"{x.at:%d-%m-%Y %H:%M}", x.warehouse, x.movement, x.document, x.who,
                         _plain(x.quantity), _plain(x.balance), x.unit_cost, x.value])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(value: Decimal) -> str:
    text = format(value.normalize() if value == value.to_integral_value() else value, "f")
    return text.replace(".", ",")


def to_xlsx(heading: Heading, lines: Iterable[Line]) -> bytes:
    """The kardex as an Excel workbook: a title row, the header, one row per movement with real numbers and dates
    (pesos ``#,##0``, quantities to the gram), the header frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Kardex"
    sheet.append([heading.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([heading.subtitle])
    sheet.append(list(COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for x in lines:
        sheet.append([x.at.replace(tzinfo=None), x.warehouse, x.movement, x.document, x.who, x.quantity, x.balance,
                      x.unit_cost, x.value])
        row = sheet.max_row
        sheet.cell(row, 1).number_format = "dd-mm-yyyy hh:mm"
        for col in (6, 7):
            sheet.cell(row, col).number_format = "#,##0.###"
        for col in (8, 9):
            sheet.cell(row, col).number_format = "#,##0"
    for letter, width in zip("ABCDEFGHI", (17, 16, 22, 34, 18, 11, 11, 14, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(heading: Heading, lines: Sequence[Line]) -> bytes:
    """The kardex to print: A4 landscape, the title and store on each page's top, the header repeated on every
    page, page numbers; quantities and pesos as es-CL writes them."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from desktop.drivers.pdf_reportlab import ReportlabBackend

    fonts = ReportlabBackend().fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=24 * mm, bottomMargin=14 * mm, title=heading.title, author=heading.store,
                            invariant=1)
    cell = ParagraphStyle("cell", fontName=fonts.narrow, fontSize=8, leading=9.5)
    rows: list[list[object]] = [list(COLUMNS)]
    for x in lines:
        rows.append([f"{x.at:%d-%m-%Y %H:%M}", Paragraph(x.warehouse, cell), Paragraph(x.movement, cell),
                     Paragraph(x.document, cell), Paragraph(x.who, cell), _quantity(x.quantity),
                     _quantity(x.balance), money.format_clp(x.unit_cost), money.format_clp(x.value)])
    if len(rows) == 1:
        rows.append(["Sin movimientos", "", "", "", "", "", "", "", ""])
    widths = [26 * mm, 30 * mm, 32 * mm, 58 * mm, 30 * mm, 20 * mm, 20 * mm, 27 * mm, 25 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), fonts.narrow_bold, 8.5),
        ("FONT", (0, 1), (-1, -1), fonts.narrow, 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("ALIGN", (5, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))

    def page(c: Any, document: Any) -> None:
        width, height = landscape(A4)
        c.saveState()
        c.setFont(fonts.bold, 14)
        c.drawString(12 * mm, height - 13 * mm, heading.title)
        c.setFont(fonts.regular, 9)
        c.drawString(12 * mm, height - 19 * mm, heading.subtitle)
        c.drawRightString(width - 12 * mm, 8 * mm, f"Página {c.getPageNumber()}")
        c.restoreState()

    doc.build([table], onFirstPage=page, onLaterPages=page)
    return out.getvalue()
