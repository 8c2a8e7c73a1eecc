"""Receipts and reports from journaled facts, sent to the printer by the print worker; failures wait in the
reprint queue.

The sale is already committed when this runs: a printer that is off, out of paper or unplugged only leaves the
receipt pending, with the reason the cashier sees, until a reprint succeeds. Jobs go to a ``PrintWorker`` thread;
``collect()`` (on the thread that owns the journal: the GUI's, or ``wait_idle()`` in the headless demo and tests)
writes their outcome to the print queue and tells the listeners.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.drivers.ports import DrawerConfig, PrinterError, PrinterStatus, ReceiptPrinter, ReceiptRenderer
from desktop.drivers.receipt import PaperWidth, Receipt, ReceiptLine, ReceiptTender, TextReport
from desktop.journal import fiado_queries, read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import timbre
from desktop.services.printing import JobDone, PrintJob, PrintWorker
from shared import card_model, errors, money, rut, sucursal
from shared import shift as shift_mod
from shared.events import emisor, returns, sales
from shared.events import stores as store_events
from shared.sale import TenderKind

FOOTER = ("¡Gracias por su compra!", "Conserve este comprobante")
VOUCHER_LEGEND = ("Pagado con tarjeta: el comprobante", "de pago (voucher) es su boleta", "(SII, modelo de emisión)")
"""Printed on a sale paid wholly by card that took no boleta (the business's «modelo de emisión» is the voucher:
SII preguntas frecuentes 001.380.7859; docs/card-sales.md); each line fits 32 columns."""
TEST_TEXT = ("Señor Ñandú pidió: ¿café?", "¡Sí! Árbol, Éxito, acción", "áéíóú ÁÉÍÓÚ ñÑ ü ° ¿¡")
NO_DRAWER = "Esta caja no tiene cajón configurado. Ábralo con la llave."
NO_EMISOR = ("Encabezado de terminal.toml: HQ aún no envía los datos del emisor. Complételos en HQ (página Emisor)"
             " y sincronice la caja.")
"""What the till says (test slip, Z report, sign-in screen) while it prints terminal.toml's header."""
Z_COPY_MARK = "*** COPIA - REIMPRESIÓN ***"
"""The line of a Z report printed again (fits the 32 columns of 58 mm paper)."""


@dataclass(frozen=True, slots=True)
class StoreHeader:
    name: str
    rut: str
    giro: str
    address: str
    terminal: str
    logo: Any = None  # a PIL image printed at the top of every receipt (dithered to the paper's width)
    sii_office: str = ""  # the SII unit printed under a tax document's recuadro ("S.I.I. - SANTIAGO NORTE")


def emisor_header(data: emisor.EmisorReceived, local: StoreHeader,
                  store: store_events.StoreReceived | None = None) -> StoreHeader:
    """The header of HQ's emisor as the XML carries it (RznSoc, RUTEmisor, GiroEmis, DirOrigen, CmnaOrigen,
    CdgSIISucur), keeping this till's name, logo and (when HQ has none) its SII unit. The address and sucursal are
    ``store``'s when HQ recorded them (:func:`shared.sucursal.origin`, the rule the server's XML follows)."""
    place = sucursal.origin(
        sucursal.Origin(data.direccion, data.comuna, data.ciudad, data.sucursal_sii),
        None if store is None else sucursal.Origin(store.direccion, store.comuna, store.ciudad, store.sucursal_sii))
    address = f"{place.direccion}, {place.comuna}"
    if place.sucursal_sii is not None:
        address += f" · Sucursal SII {place.sucursal_sii}"
    return StoreHeader(name=data.razon_social, rut=data.rut, giro=data.giro, address=address,
                       terminal=local.terminal, logo=local.logo, sii_office=data.unidad_sii or local.sii_office)


def emisor_resolution(data: emisor.EmisorReceived, local: tuple[int, int]) -> tuple[int, int]:
    """The SII resolution (number, year) of HQ's emisor (FchResol and NroResol of the envelopes' Carátula); the
    local one while HQ has no date."""
    if not data.resolucion_fecha:
        return local
    return data.resolucion_numero, int(data.resolucion_fecha[:4])


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    """What became of a print job. ``pending``: still queued (``ok`` is then ``False`` and ``message`` empty);
    otherwise ``ok`` when the printer took it, else ``message`` says why in words for the cashier. ``key`` names
    the job (``sale:<id>``, ``z:<shift>``, ``drawer``, ``test:<n>``)."""

    ok: bool
    status: PrinterStatus
    message: str = ""
    pending: bool = False
    key: str = ""
    reprint: bool = False

    @property
    def sale_id(self) -> str:
        return self.key.removeprefix("sale:") if self.key.startswith("sale:") else ""


Listener = Callable[[list[PrintOutcome]], None]


@dataclass(frozen=True, slots=True)
class PrintedDocument:
    """A document this till printed, as [Reimprimir] offers it: ``key`` as the print job's (``sale:<id>``,
    ``return:<id>``, ``z:<shift>``), ``label`` in words (``Boleta N° 12 · $3.319 · 10:32``)."""

    key: str
    label: str


class CashDrawerViaPrinter:
    """The ``CashDrawer`` of a terminal: its kick goes to the print worker like any job (never blocks the till);
    a failure comes back as a ``drawer`` outcome to the listeners."""

    def __init__(self, receipts: ReceiptService) -> None:
        self.receipts = receipts

    def open(self) -> None:
        """Queue the kick. Raises: PrinterError when the terminal has no drawer configured."""
        self.receipts.kick_drawer()


class ReceiptService:
    """Builds receipts and the Z report, queues them for printing, and keeps the queue of receipts still to print."""

    def __init__(self, journal: SqliteJournal, worker: PrintWorker, header: StoreHeader, width: PaperWidth,
                 user_name: Callable[[str], str], *, renderer: ReceiptRenderer, drawer: DrawerConfig | None = None,
                 resolution: tuple[int, int] = (0, 2026)) -> None:
        self.journal = journal
        self.worker = worker
        self.renderer = renderer
        self.header = header
        self.width = width
        self.user_name = user_name
        self.drawer = drawer or DrawerConfig()
        self.resolution = resolution
        """terminal.toml's SII resolution (number, year), printed under the timbre until HQ sends the emisor."""
        self.last_status = PrinterStatus.UNKNOWN
        self._listeners: list[Listener] = []
        self._tests = itertools.count(1)

    def current_header(self) -> tuple[StoreHeader, tuple[int, int], bool]:
        """The header and the resolution (number, year) printed now, and whether they are HQ's: the emisor HQ
        published on the feed over this store's sucursal data (what the SII receives in the XML), or terminal.toml's
        while the till has none."""
        data = read_models.emisor(self.journal.conn)
        if data is None:
            return self.header, self.resolution, False
        store = read_models.store(self.journal.conn, self.journal.identity.store_id)
        return emisor_header(data, self.header, store), emisor_resolution(data, self.resolution), True

    @property
    def printer(self) -> ReceiptPrinter:
        return self.worker.printer

    def use(self, printer: ReceiptPrinter, width: PaperWidth, drawer: DrawerConfig) -> None:
        """Print on ``printer`` with ``width`` paper and ``drawer`` from the next job on (the device page)."""
        self.worker.use(printer)
        self.width, self.drawer = width, drawer
        self.last_status = PrinterStatus.UNKNOWN

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with the outcomes of each ``collect()``; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def receipt(self, event: sales.SaleCompleted, issued_at: datetime, *, reprint: bool = False) -> Receipt:
        """The receipt of a completed sale: its boleta (title, folio, timbre as PDF417 and the SII's legends), or a
        non-fiscal comprobante when the sale went out without a document: paid wholly by card under the voucher model
        (:data:`VOUCHER_LEGEND` says the card's voucher is the boleta), or no folio was left."""
        doc = event.document
        header, resolution, _from_hq = self.current_header()
        title, number = "COMPROBANTE DE VENTA", f"N° {event.number}"
        image: Any = None
        legends: tuple[str, ...] = ()
        if doc is not None:
            title, number = timbre.TITLES.get(doc.tipo, f"DOCUMENTO TRIBUTARIO {doc.tipo}"), f"N° {doc.folio}"
            image, legends = timbre.timbre_image(doc.ted, self.width.dots), timbre.legends(*resolution)
        return Receipt(
            store_name=header.name, store_rut=rut.format(header.rut), store_address=header.address,
            store_giro=header.giro, title=title, number=number, timbre=image, timbre_legends=legends,
            boxed=doc is not None, sii_office=header.sii_office if doc is not None else "",
            receptor=receptor_lines(event.customer),
            issued_at=issued_at, cashier=self.user_name(event.cashier_id), terminal=header.terminal,
            lines=tuple(ReceiptLine(x.name, x.quantity, "kg" if x.sold_by == "kg" else "unit", x.unit_price,
                                    x.amount, x.discount) for x in event.lines),
            discount=event.discount, total=event.total, neto=event.neto, iva=event.iva, exento=event.exento,
            rounding=event.rounding,
            tenders=tuple(ReceiptTender(TenderKind(t.kind).label, t.amount) for t in event.tenders),
            change=event.change, reprint=reprint,
            footer=(*VOUCHER_LEGEND, *FOOTER) if doc is None and event.total > 0
            and card_model.split(event).voucher == event.total else FOOTER,
            account=self.account_rows(event.customer_id,
                                      None if event.fiado is None else event.fiado.balance_before + event.fiado.amount))

    def account_rows(self, customer_id: str, balance: int | None) -> tuple[tuple[str, str], ...]:
        """The customer of a sale or return as the receipt prints it after the payments: ``Cliente: <name>`` and,
        when known, ``Saldo fiado: $X`` (CLP; what they owe after it, negative in their favour). Nothing without a
        customer."""
        if not customer_id:
            return ()
        found = fiado_queries.customer(self.journal.conn, customer_id)
        rows = [(f"Cliente: {found.name if found is not None else customer_id}", "")]
        if balance is not None:
            rows.append(("Saldo fiado:", money.format_clp(balance)))
        return tuple(rows)

    def print_return(self, event: returns.ReturnCompleted, *, open_drawer: bool = False,
                     reprint: bool = False) -> PrintOutcome:
        """Queue the nota de crédito of a return (with the drawer kick for a cash refund); ``reprint`` marks the
        paper as a copy."""
        doc = event.document
        header, resolution, _from_hq = self.current_header()
        image: Any = None
        legends: tuple[str, ...] = ()
        original = timbre.NAMES.get(event.original_tipo, f"documento {event.original_tipo}")
        title, number = "DEVOLUCIÓN", f"{original.capitalize()} N° {event.original_folio}"
        if doc is not None:
            title, number = timbre.TITLES[61], f"N° {doc.folio}"
            image, legends = timbre.timbre_image(doc.ted, self.width.dots), timbre.legends(*resolution)
        customer = None
        if event.original_tipo in (33, 34):
            customer = self.sale_event(event.sale_id)[0].customer
        receipt = Receipt(
            store_name=header.name, store_rut=rut.format(header.rut), store_address=header.address,
            store_giro=header.giro, title=title, number=number, issued_at=self.journal.clock(),
            cashier=self.user_name(event.cashier_id), terminal=header.terminal,
            lines=tuple(ReceiptLine(x.name, x.quantity, "kg" if x.sold_by == "kg" else "unit", x.unit_price,
                                    x.amount, max(money.round_half_up(x.unit_price * x.quantity) - x.amount, 0))
                        for x in event.lines),
            discount=0, total=event.total, neto=event.neto, iva=event.iva, exento=event.exento,
            rounding=sum(t.amount for t in event.refunds) - event.total,
            tenders=tuple(ReceiptTender(refund_label(t.kind), t.amount) for t in event.refunds),
            change=0, refund=True,
            footer=(f"{'Anula' if event.full else 'Corrige'} {original} N° {event.original_folio}",
                              f"Motivo: {event.reason}"),
            timbre=image, timbre_legends=legends, boxed=doc is not None,
            sii_office=header.sii_office if doc is not None else "", receptor=receptor_lines(customer),
            reprint=reprint, account=self.account_rows(event.customer_id, None if reprint else self._balance(event)))
        kick = open_drawer and self.drawer.enabled
        data = self.renderer.receipt(receipt, self.width, open_drawer=kick, drawer_pin=self.drawer.pin,
                                     logo=self.header.logo)
        return self._submit(PrintJob(f"return:{event.return_id}", data, reprint=reprint))

    def _balance(self, event: returns.ReturnCompleted) -> int | None:
        """The customer's fiado balance now (just after a return credited it), or None when nothing was credited."""
        if not event.customer_id or not any(t.kind == TenderKind.FIADO.value for t in event.refunds):
            return None
        account = fiado_queries.account(self.journal.conn, event.customer_id)
        return None if account is None else account.balance

    def print_sale(self, event: sales.SaleCompleted, *, open_drawer: bool = False, reprint: bool = False,
                   issued_at: datetime | None = None) -> PrintOutcome:
        """Queue a sale's receipt (with the drawer kick when asked and a drawer is configured); never raises for
        printer faults: the outcome reaches the print queue and the listeners on ``collect()``."""
        receipt = self.receipt(event, issued_at or self.journal.clock(), reprint=reprint)
        kick = open_drawer and self.drawer.enabled
        data = self.renderer.receipt(receipt, self.width, open_drawer=kick, drawer_pin=self.drawer.pin,
                                     logo=self.header.logo)
        return self._submit(PrintJob(f"sale:{event.sale_id}", data, reprint=reprint))

    def _submit(self, job: PrintJob) -> PrintOutcome:
        self.worker.submit(job)
        return PrintOutcome(False, self.last_status, pending=True, key=job.key, reprint=job.reprint)

    def collect(self, *, notify: bool = True) -> list[PrintOutcome]:
        """Apply the worker's finished jobs (print queue, printer status) and tell the listeners; the caller must be
        the journal's thread. Listeners are told even with no outcome when the printer's status changed."""
        done, status = self.worker.take()
        outcomes = [self._outcome(d) for d in done]
        for outcome in outcomes:
            if outcome.sale_id:
                self.journal.record_print(outcome.sale_id, outcome.ok, outcome.message)
        changed = status is not None and status is not self.last_status
        if status is not None:
            self.last_status = status
        if notify and (outcomes or changed):
            for listener in list(self._listeners):
                listener(outcomes)
        return outcomes

    def _outcome(self, done: JobDone) -> PrintOutcome:
        job, error = done.job, done.error
        if error is None:
            return PrintOutcome(True, PrinterStatus.READY, key=job.key, reprint=job.reprint)
        message = error.message
        if job.key == "drawer":
            message = (f"No se pudo abrir el cajón ({error.status.label.lower()}). Ábralo con la llave y revise "
                       "la impresora.")
        elif job.key.startswith("z:"):
            message = f"No se imprimió el reporte Z: {error.message}"
        return PrintOutcome(False, error.status, message, key=job.key, reprint=job.reprint)

    def wait_idle(self, timeout: float = 10.0) -> list[PrintOutcome]:
        """Wait for the worker to finish every queued job (tests, the headless demo), then ``collect()``."""
        self.worker.wait_idle(timeout)
        return self.collect()

    def close(self) -> None:
        """Stop the worker after the job in progress; what did not print stays in the reprint queue."""
        self.worker.stop()
        self.collect(notify=False)

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
        """Queue a journaled sale again, marked as a reprint. Raises: SaleError for an unknown sale."""
        event, issued_at = self.sale_event(sale_id)
        return self.print_sale(event, reprint=True, issued_at=issued_at)

    def pending(self) -> list[tuple[str, str, int, str]]:
        """Receipts that could not print yet and are not on their way: ``(sale_id, state, attempts, error)``."""
        busy = set(self.worker.busy())
        return [row for row in read_models.print_queue(self.journal.conn) if f"sale:{row[0]}" not in busy]

    def print_pending(self) -> list[PrintOutcome]:
        """Queue every waiting receipt again, oldest first (after a failure the rest wait for the next try)."""
        return [self.reprint(sale_id) for sale_id, *_ in self.pending()]

    def last_sale_id(self) -> str | None:
        return read_models.last_sale_id(self.journal.conn)

    def recent_documents(self, limit: int = 5) -> list[PrintedDocument]:
        """The last ``limit`` documents this till printed, newest first: boletas, facturas, sales without a
        document, notas de crédito and Z reports."""
        found = []
        for type_, version, payload, occurred_at in read_models.recent_documents(self.journal.conn, limit):
            event = self.journal.codec.decode(type_, version, payload)
            at = f"{datetime.fromisoformat(occurred_at):%d-%m %H:%M}"
            if isinstance(event, sales.SaleCompleted):
                doc = event.document
                what = (f"{timbre.NAMES.get(doc.tipo, 'documento').capitalize()} N° {doc.folio}" if doc is not None
                        else f"Venta N° {event.number} (sin boleta)")
                found.append(PrintedDocument(f"sale:{event.sale_id}",
                                             f"{what} · {money.format_clp(event.total)} · {at}"))
            elif isinstance(event, returns.ReturnCompleted):
                doc = event.document
                what = f"Nota de crédito N° {doc.folio}" if doc is not None else "Devolución"
                found.append(PrintedDocument(f"return:{event.return_id}",
                                             f"{what} · {money.format_clp(event.total)} · {at}"))
            else:
                shift = read_models.shift(self.journal.conn, event.shift_id)
                number = f" · Turno {shift.number}" if shift is not None else ""
                found.append(PrintedDocument(f"z:{event.shift_id}", f"Reporte Z{number} · {at}"))
        return found

    def reprint_document(self, key: str) -> PrintOutcome:
        """Print again, marked as a copy, a document of :meth:`recent_documents` by its ``key``.

        Raises: SaleError for a key of nothing journaled."""
        kind, _, ident = key.partition(":")
        if kind == "sale":
            return self.reprint(ident)
        if kind == "return":
            found = read_models.find_event(self.journal.conn, returns.ReturnCompleted.TYPE, "return_id", ident)
            if found is not None:
                return self.print_return(self.journal.codec.decode(*found), reprint=True)
        if kind == "z":
            shift = read_models.shift(self.journal.conn, ident)
            if shift is not None and shift.state is shift_mod.ShiftState.CLOSED:
                return self.print_z_report(shift, reprint=True)
        raise errors.SaleError(f"no hay documento {key} para reimprimir")

    def print_z_report(self, shift: shift_mod.Shift, *, reprint: bool = False) -> PrintOutcome:
        """Queue the Z report of a closed shift (its outcome has the key ``z:<shift_id>``); with ``reprint`` the
        paper is marked as a copy (a first attempt may have partly printed). Raises: ShiftError when the shift is
        still open."""
        report = shift_mod.z_report(shift)
        opened_at, closed_at = read_models.shift_times(self.journal.conn, shift.shift_id)
        header, _resolution, from_hq = self.current_header()
        text = z_report_text(report, header, self.user_name, self.journal.clock(), reprint=reprint,
                             opened_at=opened_at, closed_at=closed_at)
        if not from_hq:
            text = dataclasses.replace(text, footer=(*text.footer, NO_EMISOR))
        return self._submit(PrintJob(f"z:{shift.shift_id}", self.renderer.report(text, self.width),
                                     reprint=reprint))

    def kick_drawer(self) -> PrintOutcome:
        """Queue the drawer kick on the configured pin. Raises: PrinterError when there is no drawer."""
        if not self.drawer.enabled:
            raise PrinterError(PrinterStatus.UNKNOWN, NO_DRAWER, detail="drawer disabled in terminal.toml")
        return self._submit(PrintJob("drawer", self.renderer.drawer_pulse(self.drawer.pin)))

    def test_print(self, printer: ReceiptPrinter | None = None, width: PaperWidth | None = None) -> PrintOutcome:
        """Queue a short test slip (ñ, á, É, ¿, ¡ and a ruler as wide as the paper) on ``printer``, or on the
        terminal's printer when ``None``; its outcome has a ``test:<n>`` key."""
        width = width or self.width
        header, _resolution, from_hq = self.current_header()
        ruler = ("1234567890" * 7)[:width.columns]
        report = TextReport(title="PRUEBA", header=(header.name, header.terminal,
                                                    self.journal.clock().strftime("%d-%m-%Y %H:%M")),
                            rows=(("Impresora", (printer or self.printer).name), ("Papel", f"{width.columns} col."),
                                  ("--", ""), *((text, "") for text in TEST_TEXT), ("--", ""), (ruler, "")),
                            footer=("Si lee bien las tildes y la ñ,", "la impresora está lista.",
                                    *(() if from_hq else (NO_EMISOR,))))
        job = PrintJob(f"test:{next(self._tests)}", self.renderer.report(report, width), printer=printer)
        return self._submit(job)


def refund_label(kind: str) -> str:
    """How a return's refund is printed: ``Devolución efectivo``, or ``Abono a cuenta fiado`` when it credits the
    customer's account."""
    if kind == TenderKind.FIADO.value:
        return "Abono a cuenta fiado"
    return f"Devolución {TenderKind(kind).label.lower()}"


def receptor_lines(customer: sales.CustomerData | None) -> tuple[str, ...]:
    """The buyer of a factura as printed under the date (nothing for a boleta's anonymous buyer)."""
    if customer is None:
        return ()
    return (f"Señor(es): {customer.razon_social}", f"RUT: {rut.format(customer.rut)}", f"Giro: {customer.giro}",
            f"Dirección: {customer.direccion}", f"Comuna: {customer.comuna}")


def _fiado_rows(s: shift_mod.Shift) -> tuple[tuple[str, str], ...]:
    """The Z's fiado block when the shift sold on credit or took payments (docs/fiado.md): sales on credit and
    refunds credited to accounts are not in the drawer; payments are, under their tender (net of reversals)."""
    if not (s.fiado_sales or s.fiado_returns or s.fiado_payments_count or s.fiado_reversals):
        return ()
    clp = money.format_clp
    return (("--", ""), ("Fiado", ""), ("Ventas al fiado", clp(s.fiado_sales)),
            ("Devoluciones al fiado", clp(s.fiado_returns)), ("N° de abonos de fiado", str(s.fiado_payments_count)),
            ("Abonos de fiado", clp(s.fiado_payments)), ("Abonos reversados", str(s.fiado_reversals)))


def _document_rows(s: shift_mod.Shift) -> tuple[tuple[str, str], ...]:
    """The Z's documents block: which document the shift's sales stand on (boletas, facturas, card vouchers that
    are the boleta under the voucher «modelo de emisión», and what went out with none); the same split
    (``shared.card_model.split``) the libro de ventas sums (docs/card-sales.md)."""
    clp = money.format_clp
    rows = [("--", ""), ("Documentos", ""), (f"Boletas ({s.boletas})", clp(s.boletas_total))]
    if s.facturas:
        rows.append((f"Facturas ({s.facturas})", clp(s.facturas_total)))
    if s.vouchers:
        rows.append((f"Voucher = boleta ({s.vouchers})", clp(s.vouchers_total)))
    if s.undocumented_total:
        rows.append(("Sin documento", clp(s.undocumented_total)))
    return tuple(rows)


def z_report_text(report: shift_mod.ZReport, header: StoreHeader, user_name: Callable[[str], str],
                  now: datetime, *, reprint: bool = False, opened_at: datetime | None = None,
                  closed_at: datetime | None = None) -> TextReport:
    """The Z report as printed rows: sales, taxes, returns (notas de crédito: how many, what they gave back, sales
    net of them), cash movements and the count per tender with differences (expected is net of refunds); a
    ``reprint`` carries the ``Z_COPY_MARK`` line under the print time (``now``); ``opened_at``/``closed_at`` (the
    journal's times of the shift's opening and close) are printed when known, so a copy still says when the shift
    ran."""
    s = report.shift
    clp = money.format_clp
    rows: list[tuple[str, str]] = [
        ("Turno", str(s.number)),
        *((("Apertura", opened_at.strftime("%d-%m-%Y %H:%M")),) if opened_at else ()),
        *((("Cierre", closed_at.strftime("%d-%m-%Y %H:%M")),) if closed_at else ()),
        ("Cajero", user_name(s.cashier_id)), ("Cerrado por", user_name(s.closed_by)),
        ("--", ""), ("Ventas", ""), ("N° de ventas", str(s.sales_count)), ("Total ventas", clp(s.sales_total)),
        ("Neto", clp(s.neto)), ("IVA 19%", clp(s.iva)), ("Exento", clp(s.exento)),
        ("Descuentos", clp(s.discounts)), ("Redondeo (Ley 20.956)", clp(s.rounding)),
        ("Líneas anuladas", str(s.voids)), *_document_rows(s), ("--", ""), ("Devoluciones", ""),
        ("N° de devoluciones", str(s.returns_count)), ("Total devuelto", clp(s.returns_total)),
        ("Redondeo devoluciones", clp(-s.returns_rounding)),
        ("Ventas netas", clp(s.sales_total - s.returns_total)),
        *_fiado_rows(s), ("--", ""), ("Efectivo", ""),
        ("Fondo inicial", clp(s.opening_float)), ("Ingresos", clp(s.cash_in)), ("Retiros", clp(s.cash_out)),
        ("--", ""), ("Arqueo", ""),
    ]
    for r in report.results:
        rows += [(f"{r.kind.label} esperado", clp(r.expected)), (f"{r.kind.label} contado", clp(r.counted)),
                 (f"{r.kind.label} diferencia", clp(r.difference))]
    verdict = "Cuadrada" if report.cash_difference == 0 else (
        "Sobrante" if report.cash_difference > 0 else "Faltante")
    rows += [("--", ""), ("Caja", verdict)]
    lines = (header.name, f"RUT {rut.format(header.rut)}", header.giro, header.address, header.terminal,
             now.strftime("%d-%m-%Y %H:%M"))
    return TextReport(title="REPORTE Z", header=(*lines, Z_COPY_MARK) if reprint else lines,
                      rows=tuple(rows), footer=("Firma cajero: ____________",))
