"""Receipts and reports from journaled facts, sent to the printer; failures wait in the reprint queue.

The sale is already committed when this runs: a printer that is off, out of paper or unplugged only leaves the
receipt pending, with the reason the cashier sees, until a reprint succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from desktop.drivers import escpos_render
from desktop.drivers.ports import PrinterError, PrinterStatus, ReceiptPrinter
from desktop.drivers.receipt import PaperWidth, Receipt, ReceiptLine, ReceiptTender, TextReport
from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from shared import errors, money, rut
from shared import shift as shift_mod
from shared.events import sales
from shared.sale import TenderKind

FOOTER = ("¡Gracias por su compra!", "Conserve este comprobante")


@dataclass(frozen=True, slots=True)
class StoreHeader:
    name: str
    rut: str
    giro: str
    address: str
    terminal: str


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    """``ok`` when the printer took the job; otherwise ``message`` says why in words for the cashier."""

    ok: bool
    status: PrinterStatus
    message: str = ""


class ReceiptService:
    """Builds receipts and the Z report, prints them, and keeps the queue of receipts still to print."""

    def __init__(self, journal: SqliteJournal, printer: ReceiptPrinter, header: StoreHeader, width: PaperWidth,
                 user_name: Callable[[str], str]) -> None:
        self.journal = journal
        self.printer = printer
        self.header = header
        self.width = width
        self.user_name = user_name
        self.last_status = PrinterStatus.UNKNOWN
        self.last_bytes = b""

    def receipt(self, event: sales.SaleCompleted, issued_at: datetime, *, reprint: bool = False) -> Receipt:
        """The receipt of a completed sale (a non-fiscal comprobante until DTEs arrive)."""
        return Receipt(
            store_name=self.header.name, store_rut=rut.format(self.header.rut), store_address=self.header.address,
            store_giro=self.header.giro, title="COMPROBANTE DE VENTA", number=f"N° {event.number}",
            issued_at=issued_at, cashier=self.user_name(event.cashier_id), terminal=self.header.terminal,
            lines=tuple(ReceiptLine(x.name, x.quantity, "kg" if x.sold_by == "kg" else "unit", x.unit_price,
                                    x.amount, x.discount) for x in event.lines),
            discount=event.discount, total=event.total, neto=event.neto, iva=event.iva, exento=event.exento,
            rounding=event.rounding,
            tenders=tuple(ReceiptTender(TenderKind(t.kind).label, t.amount) for t in event.tenders),
            change=event.change, footer=FOOTER, reprint=reprint)

    def print_sale(self, event: sales.SaleCompleted, *, open_drawer: bool = False, reprint: bool = False,
                   issued_at: datetime | None = None) -> PrintOutcome:
        """Print a sale's receipt and record the outcome in the print queue; never raises for printer faults."""
        receipt = self.receipt(event, issued_at or self.journal.clock(), reprint=reprint)
        data = escpos_render.render_receipt(receipt, self.width, open_drawer=open_drawer)
        outcome = self._send(data)
        state = "printed" if outcome.ok else "failed"
        self.journal.conn.execute(
            "INSERT INTO print_queue (sale_id, state, attempts, error) VALUES (?, ?, 1, ?) ON CONFLICT (sale_id)"
            " DO UPDATE SET state = excluded.state, attempts = attempts + 1, error = excluded.error",
            (event.sale_id, state, outcome.message))
        return outcome

    def _send(self, data: bytes) -> PrintOutcome:
        self.last_bytes = data
        try:
            self.printer.send(data)
        except PrinterError as exc:
            self.last_status = exc.status
            return PrintOutcome(False, exc.status, str(exc))
        self.last_status = PrinterStatus.READY
        return PrintOutcome(True, PrinterStatus.READY)

    def sale_event(self, sale_id: str) -> tuple[sales.SaleCompleted, datetime]:
        """The journaled sale and when it happened. Raises: SaleError for an unknown sale."""
        where = read_models.sale_event_seq(self.journal.conn, sale_id)
        if where is None:
            raise errors.SaleError(f"venta {sale_id} no existe")
        epoch, seq = where
        entry = next(self.journal.read(seq, epoch))
        event = self.journal.codec.decode(entry.type, entry.version, entry.payload)
        return event, datetime.fromisoformat(entry.occurred_at)

    def reprint(self, sale_id: str) -> PrintOutcome:
        """Print a journaled sale again, marked as a reprint. Raises: SaleError for an unknown sale."""
        event, issued_at = self.sale_event(sale_id)
        return self.print_sale(event, reprint=True, issued_at=issued_at)

    def pending(self) -> list[tuple[str, str, int, str]]:
        """Receipts that could not print yet: ``(sale_id, state, attempts, error)``."""
        return read_models.print_queue(self.journal.conn)

    def print_pending(self) -> list[PrintOutcome]:
        """Try every waiting receipt again, oldest first; stops at the first failure."""
        results = []
        for sale_id, *_ in self.pending():
            outcome = self.reprint(sale_id)
            results.append(outcome)
            if not outcome.ok:
                break
        return results

    def last_sale_id(self) -> str | None:
        row = self.journal.conn.execute("SELECT sale_id FROM sales ORDER BY number DESC LIMIT 1").fetchone()
        return None if row is None else str(row[0])

    def print_z_report(self, shift: shift_mod.Shift) -> PrintOutcome:
        """Print the Z report of a closed shift. Raises: ShiftError when the shift is still open."""
        report = shift_mod.z_report(shift)
        return self._send(escpos_render.render_report(z_report_text(report, self.header, self.user_name,
                                                                    self.journal.clock()), self.width))

    def printer_status(self) -> PrinterStatus:
        try:
            self.last_status = self.printer.status()
        except PrinterError as exc:
            self.last_status = exc.status
        return self.last_status


def z_report_text(report: shift_mod.ZReport, header: StoreHeader, user_name: Callable[[str], str],
                  now: datetime) -> TextReport:
    """The Z report as printed rows: sales, taxes, tenders, cash movements and the count with differences."""
    s = report.shift
    clp = money.format_clp
    rows: list[tuple[str, str]] = [
        ("Turno", str(s.number)), ("Cajero", user_name(s.cashier_id)), ("Cerrado por", user_name(s.closed_by)),
        ("--", ""), ("Ventas", ""), ("N° de ventas", str(s.sales_count)), ("Total ventas", clp(s.sales_total)),
        ("Neto", clp(s.neto)), ("IVA 19%", clp(s.iva)), ("Exento", clp(s.exento)),
        ("Descuentos", clp(s.discounts)), ("Redondeo (Ley 20.956)", clp(s.rounding)),
        ("Líneas anuladas", str(s.voids)), ("--", ""), ("Efectivo", ""),
        ("Fondo inicial", clp(s.opening_float)), ("Ingresos", clp(s.cash_in)), ("Retiros", clp(s.cash_out)),
        ("--", ""), ("Arqueo", ""),
    ]
    for r in report.results:
        rows += [(f"{r.kind.label} esperado", clp(r.expected)), (f"{r.kind.label} contado", clp(r.counted)),
                 (f"{r.kind.label} diferencia", clp(r.difference))]
    verdict = "Cuadrada" if report.cash_difference == 0 else (
        "Sobrante" if report.cash_difference > 0 else "Faltante")
    rows += [("--", ""), ("Caja", verdict)]
    return TextReport(title="REPORTE Z", header=(header.name, f"RUT {rut.format(header.rut)}", header.terminal,
                                                 now.strftime("%d-%m-%Y %H:%M")),
                      rows=tuple(rows), footer=("Firma cajero: ____________",))
