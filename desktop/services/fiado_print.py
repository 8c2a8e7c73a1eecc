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
                      footer=(f"{words}: {value}", "Cargo: compra al fiado. Abono: pago."))


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
    """A reversal's slip: the abono put back on the account, why, who authorised it and the balance after it."""
    clp = money.format_clp
    kind = TenderKind(reversed_.kind)
    rows: list[tuple[str, str]] = [
        ("Cliente", customer), ("--", ""), (f"Abono reversado ({kind.label.lower()})", clp(reversed_.amount)),
        ("Abono N°", reversed_.payment_id[-12:].upper()), ("Motivo", reversed_.reason[:60]),
        ("Autorizó", supervisor), ("--", ""), balance_words(balance_after)]
    if kind is TenderKind.CASH:
        rows.insert(3, ("Devuelto en efectivo", clp(reversed_.amount)))
    lines = (header.name, f"RUT {rut.format(header.rut)}", header.address,
             f"Caja {short_id(header.terminal)} · {now:%d-%m-%Y %H:%M}")
    return TextReport(title="REVERSA DE ABONO", header=lines, rows=tuple(rows),
                      footer=("Firma cliente: ____________", "Firma supervisor: ____________"))


def statement_pdf(heading: Heading, sheet: ledger.Statement) -> bytes:
    """The estado de cuenta to print or send: A4 portrait; the store and customer on the first page, the title and
    page number on every page; the opening balance, one row per movement with its running balance, the totals
    and the closing balance, pesos as es-CL writes them. The same input gives the same bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from desktop.drivers.pdf_reportlab import ReportlabBackend

    clp = money.format_clp
    fonts = ReportlabBackend().fonts()
    out = io.BytesIO()
    title = f"Estado de cuenta de {heading.customer}"
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=22 * mm,
                            bottomMargin=16 * mm, title=title, author=heading.store, invariant=1)
    text = ParagraphStyle("text", fontName=fonts.regular, fontSize=9.5, leading=12.5)
    cell = ParagraphStyle("cell", fontName=fonts.narrow, fontSize=8.5, leading=10)
    name = ParagraphStyle("name", parent=text, fontName=fonts.bold, fontSize=11, leading=14)
    who = []
    if heading.customer_rut:
        who.append(f"RUT {rut.format(heading.customer_rut)}")
    if heading.phone:
        who.append(f"Teléfono {_escape(heading.phone)}")
    facts = [f"Período: {heading.period}", f"Emitido el {heading.made_at:%d-%m-%Y %H:%M}"]
    if heading.credit_limit is not None:
        facts.append(f"Cupo {clp(heading.credit_limit)} · disponible "
                     f"{clp(max(heading.credit_limit - sheet.closing, 0))}")
    story: list[Any] = [Paragraph(_escape(heading.customer), name)]
    if who:
        story.append(Paragraph(" · ".join(who), text))
    story += [Paragraph(" · ".join(facts), text), Spacer(1, 5 * mm)]
    rows: list[list[Any]] = [list(PDF_COLUMNS), [f"{heading.start:%d-%m-%Y}", "Saldo inicial", "", "",
                                                 clp(sheet.opening)]]
    charged = paid = 0
    for line in sheet.lines:
        rows.append([f"{line.date:%d-%m-%Y}", Paragraph(_escape(line.document), cell),
                     clp(line.cargo) if line.cargo else "", clp(line.abono) if line.abono else "",
                     clp(line.balance)])
        charged += line.cargo
        paid += line.abono
    if not sheet.lines:
        rows.append(["", "Sin movimientos en el período", "", "", ""])
    rows.append([f"{heading.end:%d-%m-%Y}", "Totales y saldo final", clp(charged), clp(paid), clp(sheet.closing)])
    table = Table(rows, colWidths=[24 * mm, 84 * mm, 24 * mm, 24 * mm, 22 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), fonts.narrow_bold, 9),
        ("FONT", (0, 1), (-1, -1), fonts.narrow, 8.5),
        ("FONT", (0, 1), (-1, 1), fonts.narrow_bold, 8.5),
        ("FONT", (0, -1), (-1, -1), fonts.narrow_bold, 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.HexColor("#bbbbbb")),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    words, value = balance_words(sheet.closing)
    story += [table, Spacer(1, 6 * mm), Paragraph(f"<b>{words}: {value}</b>", ParagraphStyle(
        "total", parent=text, fontName=fonts.bold, fontSize=12, leading=15)),
              Paragraph("Cargo: compra al fiado (aumenta la deuda). Abono: pago o devolución (la disminuye).",
                        text)]

    def page(c: Any, document: Any) -> None:
        width, height = A4
        c.saveState()
        c.setFont(fonts.bold, 14)
        c.drawString(16 * mm, height - 12 * mm, "Estado de cuenta")
        c.setFont(fonts.regular, 9)
        c.drawRightString(width - 16 * mm, height - 10 * mm, heading.store)
        c.drawRightString(width - 16 * mm, height - 14.5 * mm, f"RUT {rut.format(heading.store_rut)}")
        c.drawString(16 * mm, height - 17.5 * mm, heading.store_address)
        c.drawRightString(width - 16 * mm, 9 * mm, f"Página {c.getPageNumber()}")
        c.drawString(16 * mm, 9 * mm, f"{heading.customer} · {heading.period}")
        c.restoreState()

    doc.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


def _escape(text: str) -> str:
    """Text for a reportlab Paragraph (its mini-markup reads < > & as tags)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
