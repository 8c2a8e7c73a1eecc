"""A customer's estado de cuenta (fiado) as an A4 PDF (reportlab): who, the period, opening balance, each charge
and payment with its running balance, closing balance; HQ's download of ``/hq/clientes/{id}/estado.pdf``."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared import fiado, money
from syncserver.hq import pdf_reportlab


@dataclass(frozen=True, slots=True)
class Heading:
    """What the statement's top says: the business, the customer, the period and the account as it is now."""

    business: str
    business_rut: str
    customer: str
    customer_rut: str
    phone: str
    start: date
    end: date
    printed_at: datetime
    fiado_enabled: bool
    credit_limit: int


def _clp(amount: int) -> str:
    return money.format_clp(amount)


def _balance(amount: int) -> str:
    """A balance as the customer reads it: ``$12.000`` owed, ``$500 a favor`` when negative."""
    return _clp(amount) if amount >= 0 else f"{_clp(-amount)} a favor"


def render(heading: Heading, statement: fiado.Statement, stores: Mapping[str, str] | None = None) -> bytes:
    """The statement as PDF bytes: A4 portrait, the business and the customer on the first page, a summary (opening,
    charges, credits, closing, limit), then a table Fecha · Documento · Tienda · Cargo · Abono · Saldo whose header
    repeats on every page, opening and closing as its first and last rows; page numbers ``Página n de m``.
    ``stores`` names the store of each line by its entry id (blank when absent). The same input gives the same
    bytes (reportlab's invariant mode)."""
    stores = stores or {}
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    fonts = pdf_reportlab.ReportlabBackend().fonts()
    out = io.BytesIO()
    title = f"Estado de cuenta de {heading.customer}"
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=title, author=heading.business, subject="Estado de cuenta",
                            creator="Almacén HQ", invariant=1)
    normal = ParagraphStyle("normal", fontName=fonts.regular, fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=normal, fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
    big = ParagraphStyle("big", parent=normal, fontName=fonts.bold, fontSize=16, leading=20)
    cell = ParagraphStyle("cell", fontName=fonts.narrow, fontSize=8.5, leading=10.5)

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    business = esc(heading.business) + (f" · RUT {esc(heading.business_rut)}" if heading.business_rut else "")
    who = f"<b>{esc(heading.customer)}</b>"
    if heading.customer_rut:
        who += f" · RUT {esc(heading.customer_rut)}"
    if heading.phone:
        who += f" · Teléfono {esc(heading.phone)}"
    period = (f"Período: del {heading.start:%d-%m-%Y} al {heading.end:%d-%m-%Y} · emitido el"
              f" {heading.printed_at:%d-%m-%Y %H:%M}")
    story: list[Any] = [Paragraph(business, normal), Spacer(1, 3 * mm), Paragraph("Estado de cuenta", big),
                        Paragraph(who, normal), Paragraph(period, normal), Spacer(1, 5 * mm)]

    charges = sum(line.cargo for line in statement.lines)
    credits = sum(line.abono for line in statement.lines)
    limit = (f"{_clp(heading.credit_limit)} (disponible {_clp(max(0, heading.credit_limit - statement.closing))})"
             if heading.fiado_enabled else "fiado no habilitado")
    summary = Table([["Saldo inicial", _balance(statement.opening)], ["Cargos del período", _clp(charges)],
                     ["Abonos y devoluciones del período", _clp(credits)],
                     ["Saldo final", _balance(statement.closing)], ["Cupo de crédito", limit]],
                    colWidths=[70 * mm, 60 * mm], hAlign="LEFT")
    summary.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.regular, 9.5),
        ("FONT", (0, 3), (-1, 3), fonts.bold, 10.5),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEABOVE", (0, 3), (-1, 3), 0.8, colors.black),
        ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 3), (-1, 3), colors.HexColor("#eeeeee")),
    ]))
    story += [summary, Spacer(1, 6 * mm)]

    rows: list[list[Any]] = [["Fecha", "Documento", "Tienda", "Cargo", "Abono", "Saldo"],
                             [f"{heading.start:%d-%m-%Y}", "Saldo inicial", "", "", "", _balance(statement.opening)]]
    for line in statement.lines:
        rows.append([f"{line.date:%d-%m-%Y}", Paragraph(esc(line.document), cell),
                     Paragraph(esc(stores.get(line.entry_id, "")), cell), _clp(line.cargo) if line.cargo else "",
                     _clp(line.abono) if line.abono else "", _balance(line.balance)])
    if not statement.lines:
        rows.append(["", "Sin movimientos en el período", "", "", "", ""])
    rows.append([f"{heading.end:%d-%m-%Y}", "Saldo final", "", _clp(charges), _clp(credits),
                 _balance(statement.closing)])
    table = Table(rows, colWidths=[21 * mm, 59 * mm, 28 * mm, 22 * mm, 22 * mm, 26 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), fonts.narrow_bold, 9),
        ("FONT", (0, 1), (-1, -1), fonts.narrow, 8.5),
        ("FONT", (0, 1), (-1, 1), fonts.narrow_bold, 8.5),
        ("FONT", (0, -1), (-1, -1), fonts.narrow_bold, 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eeeeee")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.HexColor("#bbbbbb")),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story += [table, Spacer(1, 4 * mm),
              Paragraph("Saldo: lo que el cliente debe a la fecha; «a favor» es lo que la tienda le debe a él. Cada"
                        " venta al fiado, abono, devolución y reversa es un movimiento; ninguno se borra.", small)]

    class Numbered(Canvas):  # type: ignore[misc]  # reportlab has no types
        """A canvas that waits for the last page to write ``Página n de m`` on each."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self.pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self.pages)
            for state in self.pages:
                self.__dict__.update(state)
                self.setFont(fonts.regular, 8)
                self.setFillColorRGB(0.33, 0.33, 0.33)
                self.drawString(16 * mm, 9 * mm, title[:90])
                self.drawRightString(A4[0] - 16 * mm, 9 * mm, f"Página {self._pageNumber} de {total}")
                super().showPage()
            super().save()

    doc.build(story, canvasmaker=Numbered)
    return out.getvalue()

