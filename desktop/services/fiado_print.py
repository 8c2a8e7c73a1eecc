"""What fiado prints: an abono's receipt, a reversal's slip and the estado de cuenta on the thermal roll (as
``TextReport``s the till's renderer turns into ESC/POS), and the estado de cuenta as an A4 PDF (reportlab)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from desktop.drivers.escpos_render import short_id
from desktop.drivers.receipt import PaperWidth, TextReport
from desktop.services.receipts import StoreHeader
from shared import fiado as ledger
from shared import money, rut
from shared.events import fiado as events
from shared.sale import TenderKind

COPY_MARK: Final = "*** COPIA - REIMPRESIÓN ***"
PDF_COLUMNS: Final = ("Fecha", "Documento", "Cargo", "Abono", "Saldo")
"""The statement's columns: a cargo raises what the customer owes, an abono lowers it (pesos CLP)."""


@dataclass(frozen=True, slots=True)
class Heading:
    """Who the statement is of and from: the store (name, RUT, address, till), the customer (name, compact RUT or
    "", phone), the period (local dates, both included), when it was made, and the credit limit (None: fiado not
    enabled)."""

    store: str
    store_rut: str
    store_address: str
    terminal: str
    customer: str
    customer_rut: str
    phone: str
    start: date
    end: date
    made_at: datetime
    credit_limit: int | None = None

    @property
    def period(self) -> str:
        return f"{self.start:%d-%m-%Y} al {self.end:%d-%m-%Y}"


def balance_words(balance: int) -> tuple[str, str]:
    """``("Saldo adeudado", "$12.990")``, ``("Saldo a favor", "$500")`` or ``("Saldo", "$0")``."""
    if balance > 0:
        return "Saldo adeudado", money.format_clp(balance)
    if balance < 0:
        return "Saldo a favor", money.format_clp(-balance)
    return "Saldo", money.format_clp(0)


def _day(at: date, short: bool) -> str:
    return f"{at:%d-%m}" if short else f"{at:%d-%m-%y}"


def statement_report(heading: Heading, sheet: ledger.Statement, width: PaperWidth) -> TextReport:
    """The estado de cuenta on the roll: the customer and period, the opening balance, each movement (date,
    document and signed amount; the running balance right under it), the totals and the closing balance.
    Dates print as dd-mm when the period lies within one year, else dd-mm-aa."""
    del width  # every row is a label/value pair the renderer fits to the paper
    clp = money.format_clp
    short = heading.start.year == heading.end.year
    rows: list[tuple[str, str]] = [("Cliente", heading.customer)]
    if heading.customer_rut:
        rows.append(("RUT", rut.format(heading.customer_rut)))
    rows += [("Período", heading.period), ("--", ""), ("Saldo inicial", clp(sheet.opening)), ("--", "")]
    charged = paid = 0
    for line in sheet.lines:
        amount = f"+{clp(line.cargo)}" if line.cargo else f"-{clp(line.abono)}"
        rows += [(f"{_day(line.date, short)} {line.document}", amount), ("", f"Saldo {clp(line.balance)}")]
        charged += line.cargo
        paid += line.abono
    if not sheet.lines:
        rows.append(("Sin movimientos en el período", ""))
    rows += [("--", ""), ("Total cargos", clp(charged)), ("Total abonos", clp(paid)), ("Saldo final",
                                                                                        clp(sheet.closing))]
    if heading.credit_limit is not None:
        rows += [("Cupo", clp(heading.credit_limit)),
                 ("Disponible", clp(max(heading.credit_limit - sheet.closing, 0)))]
    words, value = balance_words(sheet.closing)
    header = (heading.store, f"RUT {rut.format(heading.store_rut)}", heading.store_address,
              f"Caja {short_id(heading.terminal)} · {heading.made_at:%d-%m-%Y %H:%M}")
    return TextReport(title="ESTADO DE CUENTA", header=header, rows=tuple(rows),
                      footer=(f"{words}: {value}", "Cargo: compra al fiado. Abono: pago o devolución."))


def payment_report(header: StoreHeader, paid: events.FiadoPaid, customer: str, customer_rut: str, cashier: str,
                   now: datetime, *, reprint: bool = False) -> TextReport:
    """An abono's receipt: the customer, the balance before, the amount and tender (cash: received and change)
    and the balance after it."""
    clp = money.format_clp
    after = paid.balance_before - paid.amount
    rows: list[tuple[str, str]] = [("Cliente", customer)]
    if customer_rut:
        rows.append(("RUT", rut.format(customer_rut)))
    rows += [("--", ""), ("Saldo anterior", clp(paid.balance_before)),
             (f"Abono {TenderKind(paid.kind).label.lower()}", clp(paid.amount))]
    if paid.kind == TenderKind.CASH.value:
        rows += [("Recibido", clp(paid.received)), ("Vuelto", clp(paid.received - paid.amount))]
    rows += [("--", ""), balance_words(after), ("--", ""), ("Cajero", cashier),
             ("Comprobante", paid.payment_id[-12:].upper())]
    lines = (header.name, f"RUT {rut.format(header.rut)}", header.address,
             f"Caja {short_id(header.terminal)} · {now:%d-%m-%Y %H:%M}")
    return TextReport(title="ABONO FIADO", header=(*lines, COPY_MARK) if reprint else lines, rows=tuple(rows),
                      footer=("Gracias por su pago", "Conserve este comprobante"))


def reversal_report(header: StoreHeader, reversed_: events.FiadoPaymentReversed, customer: str, balance_after: int,
                    supervisor: str, now: datetime) -> TextReport:
    """A reversal's slip: the abono put back on the account, who authorised it, the balance after it and why (the
    reason wrapped under the figures, whole)."""
    clp = money.format_clp
    kind = TenderKind(reversed_.kind)
    rows: list[tuple[str, str]] = [
        ("Cliente", customer), ("--", ""), ("Abono reversado", clp(reversed_.amount)), ("Medio de pago", kind.label),
        ("Abono N°", reversed_.payment_id[-12:].upper()), ("Autorizó", supervisor), ("--", ""),
        balance_words(balance_after)]
    if kind is TenderKind.CASH:
        rows.insert(4, ("Devuelto en efectivo", clp(reversed_.amount)))
    lines = (header.name, f"RUT {rut.format(header.rut)}", header.address,
             f"Caja {short_id(header.terminal)} · {now:%d-%m-%Y %H:%M}")
    return TextReport(title="REVERSA DE ABONO", header=lines, rows=tuple(rows),
                      footer=(f"Motivo: {reversed_.reason}", "Firma cliente: ____________",
                              "Firma supervisor: ____________"))


PAGE_MARGIN_MM: Final = 16
ROW_MM: Final = 5.2
"""Height of one movement's row: fixed (documents are cut to their column), so pages are known before drawing."""
_COLUMN_MM: Final = ((0, "left"), (24, "left"), (130, "right"), (154, "right"), (178, "right"))
"""Each column's left edge from the margin, and how its text sits (pesos right-aligned at the column's end)."""
_TABLE_MM: Final = 178


def statement_pdf(heading: Heading, sheet: ledger.Statement) -> bytes:
    """The estado de cuenta to print or send: A4 portrait; the title, store and page number on every page and the
    customer on the first; the column titles on every page; the opening balance, one row per movement with its
    running balance, the period's totals and the closing balance, pesos as es-CL writes them. Drawn straight on
    the canvas with fixed rows (10,000 movements in about a second); the same input gives the same bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    from desktop.drivers.pdf_reportlab import ReportlabBackend

    clp = money.format_clp
    fonts = ReportlabBackend().fonts()
    width, height = A4
    left, row = PAGE_MARGIN_MM * mm, ROW_MM * mm
    doc_room = (_COLUMN_MM[2][0] - _COLUMN_MM[1][0] - 26) * mm

    def cut(text: str) -> str:
        if pdfmetrics.stringWidth(text, fonts.narrow, 8.5) <= doc_room:
            return text
        while text and pdfmetrics.stringWidth(text + "…", fonts.narrow, 8.5) > doc_room:
            text = text[:-1]
        return text + "…"

    charged = sum(x.cargo for x in sheet.lines)
    paid = sum(x.abono for x in sheet.lines)
    rows: list[tuple[tuple[str, str, str, str, str], bool]] = [
        ((f"{heading.start:%d-%m-%Y}", "Saldo inicial", "", "", clp(sheet.opening)), True)]
    rows += [((f"{x.date:%d-%m-%Y}", cut(x.document), clp(x.cargo) if x.cargo else "",
               clp(x.abono) if x.abono else "", clp(x.balance)), False) for x in sheet.lines]
    if not sheet.lines:
        rows.append((("", "Sin movimientos en el período", "", "", ""), False))
    rows.append(((f"{heading.end:%d-%m-%Y}", "Totales y saldo final", clp(charged), clp(paid), clp(sheet.closing)),
                 True))
    first_top, top, bottom = height - 48 * mm, height - 26 * mm, 18 * mm
    per_first, per_page = int((first_top - row - bottom) // row), int((top - row - bottom) // row)
    pages = [rows[:per_first]]
    for at in range(per_first, len(rows), per_page):
        pages.append(rows[at:at + per_page])
    if (first_top if len(pages) == 1 else top) - row * (len(pages[-1]) + 1) - 16 * mm < bottom:
        pages.append([])  # the closing words need their own room
    title = f"Estado de cuenta de {heading.customer}"
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(heading.store)
    c.setCreator("Almacén")
    for number, chunk in enumerate(pages, start=1):
        c.setFont(fonts.bold, 14)
        c.drawString(left, height - 14 * mm, "Estado de cuenta")
        c.setFont(fonts.regular, 9)
        c.drawRightString(width - left, height - 12 * mm, heading.store)
        c.drawRightString(width - left, height - 16.5 * mm, f"RUT {rut.format(heading.store_rut)}")
        c.drawString(left, height - 19.5 * mm, heading.store_address)
        c.drawString(left, 9 * mm, f"{heading.customer} · {heading.period}")
        c.drawRightString(width - left, 9 * mm, f"Página {number} de {len(pages)}")
        y = top
        if number == 1:
            y = _customer_block(c, heading, sheet.closing, fonts, left, height - 28 * mm)
            y = first_top
        if chunk:
            y = _table(c, chunk, fonts, left, y, row)
        if number == len(pages):
            words, value = balance_words(sheet.closing)
            c.setFont(fonts.bold, 12)
            c.drawString(left, y - 9 * mm, f"{words}: {value}")
            c.setFont(fonts.regular, 9)
            c.drawString(left, y - 14 * mm, "Cargo: compra al fiado (aumenta la deuda). Abono: pago o devolución "
                                            "(la disminuye).")
        c.showPage()
    c.save()
    return out.getvalue()


def _customer_block(c: Any, heading: Heading, closing: int, fonts: Any, left: float, y: float) -> float:
    from reportlab.lib.units import mm

    clp = money.format_clp
    c.setFont(fonts.bold, 11)
    c.drawString(left, y, heading.customer)
    c.setFont(fonts.regular, 9.5)
    who = [f"RUT {rut.format(heading.customer_rut)}"] if heading.customer_rut else []
    if heading.phone:
        who.append(f"Teléfono {heading.phone}")
    facts = [f"Período: {heading.period}", f"Emitido el {heading.made_at:%d-%m-%Y %H:%M}"]
    if heading.credit_limit is not None:
        facts.append(f"Cupo {clp(heading.credit_limit)} · disponible {clp(max(heading.credit_limit - closing, 0))}")
    for line in ((" · ".join(who),) if who else ()) + (" · ".join(facts),):
        y -= 5 * mm
        c.drawString(left, y, line)
    return y


def _table(c: Any, chunk: list[tuple[tuple[str, str, str, str, str], bool]], fonts: Any, left: float, y: float,
           row: float) -> float:
    """The column titles on a grey band, then ``chunk``'s rows (bold ones for the opening and closing); returns the
    y under the last row."""
    from reportlab.lib.units import mm

    full = _TABLE_MM * mm
    c.setFillColorRGB(0.9, 0.9, 0.9)
    c.rect(left, y - row, full, row, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    _cells(c, PDF_COLUMNS, fonts.narrow_bold, 9, left, y - row + 1.6 * mm)
    c.setLineWidth(0.8)
    c.line(left, y - row, left + full, y - row)
    y -= row
    c.setLineWidth(0.25)
    c.setStrokeColorRGB(0.73, 0.73, 0.73)
    for cells, bold in chunk:
        if bold and cells[1].startswith("Totales"):
            c.setStrokeColorRGB(0, 0, 0)
            c.setLineWidth(0.8)
            c.line(left, y, left + full, y)
        _cells(c, cells, fonts.narrow_bold if bold else fonts.narrow, 8.5, left, y - row + 1.6 * mm)
        y -= row
        if not bold:
            c.line(left, y, left + full, y)
    c.setStrokeColorRGB(0, 0, 0)
    return y


def _cells(c: Any, cells: tuple[str, ...], font: str, size: float, left: float, baseline: float) -> None:
    from reportlab.lib.units import mm

    c.setFont(font, size)
    for n, text in enumerate(cells):
        if not text:
            continue
        offset, align = _COLUMN_MM[n]
        if align == "left":
            c.drawString(left + offset * mm + 1.5 * mm, baseline, text)
        else:
            c.drawRightString(left + offset * mm - 1.5 * mm, baseline, text)
