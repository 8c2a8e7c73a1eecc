"""Returns (devoluciones): goods given back from a sale picked by its document's folio, by the timbre scanned from its
receipt, or from the recent sales, with a supervisor's PIN and a nota de crédito (61) stamped at the till; the stock
comes back and the money leaves the till.

The nota references the original boleta or factura: code 1 (anula) for a full return, 3 (corrige montos) for a
partial one; a factura's nota carries the factura's receptor, a boleta's the anonymous buyer.
Each line is credited at what the customer paid for it (its share of the sale's discount taken off), in
proportion to the quantity returned; a line is never given back beyond what was sold, across several returns.
Unlike a sale, a return needs a folio: without one the nota cannot be issued and the return is refused, saying
what to do. A return of a sale on fiado credits the customer's account first (:func:`refunds_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import receipts as receipts_mod
from desktop.services.auth import AuthService
from desktop.services.folios import FolioService
from desktop.services.timbre import NAMES
from shared import errors, money, roles
from shared import rut as rut_mod
from shared.dte import documents, ted, xmlcore
from shared.dte import errors as dte_errors
from shared.events import returns, sales
from shared.sale import TenderKind

NO_NC_FOLIOS = "Sin folios de nota de crédito: conecte la caja a HQ para recibir más"
RETURNABLE_TYPES = (33, 34, 39, 41)
"""Documents a return can start from: facturas and boletas (a nota is not returned again)."""
NOT_A_TIMBRE = ("El código leído no es un timbre del SII. Escanee el código grande (PDF417) al pie de la boleta o "
                "factura, o elija la venta de la lista.")


@dataclass(frozen=True, slots=True)
class RecentSale:
    """A sale in the list a return is picked from; ``tipo``/``folio`` are 0 when it went out without a document."""

    sale_id: str
    number: int
    total: int
    occurred_at: str
    tipo: int
    folio: int

    @property
    def document(self) -> str:
        """``Boleta N° 12``, ``Factura N° 3``, or ``Sin documento``."""
        return f"{NAMES.get(self.tipo, str(self.tipo)).capitalize()} N° {self.folio}" if self.tipo else "Sin documento"


@dataclass(frozen=True, slots=True)
class Returnable:
    """A sale found by its folio and what can still be given back of each line."""

    sale: sales.SaleCompleted
    left: dict[int, Decimal]
    credit: dict[int, int]
    """What each whole line is credited (its amount after its share of the sale's discount)."""
    occurred_at: str = ""
    """When the sale was journaled (ISO 8601, the terminal's clock)."""

    @property
    def document(self) -> str:
        """The sale's document in words: ``boleta N° 12``, ``factura N° 3``, or ``venta N° 40`` without one."""
        doc = self.sale.document
        if doc is None:
            return f"venta N° {self.sale.number}"
        return f"{NAMES.get(doc.tipo, f'documento {doc.tipo}')} N° {doc.folio}"

    def amount(self, line_id: int, quantity: Decimal) -> int:
        """What ``quantity`` of line ``line_id`` is credited (CLP, its share of the sale's discount taken off): the
        rounded credit of everything returned so far with it, minus that of what was returned before, so that
        several partial returns of a line add up to exactly its credit (never $1 more)."""
        line = next(x for x in self.sale.lines if x.line_id == line_id)
        credit = self.credit[line_id]
        before = line.quantity - self.left[line_id]

        def upto(returned: Decimal) -> int:
            return credit if returned == line.quantity else money.round_half_up(credit * returned / line.quantity)

        return upto(before + quantity) - upto(before)

    def credited(self) -> int:
        """What earlier returns of this sale credited, CLP (the sum of :meth:`amount` of what was given back)."""
        total = 0
        for line in self.sale.lines:
            before = line.quantity - self.left[line.line_id]
            if before:
                total += (self.credit[line.line_id] if before == line.quantity
                          else money.round_half_up(self.credit[line.line_id] * before / line.quantity))
        return total


@dataclass(frozen=True, slots=True)
class ReturnDone:
    event: returns.ReturnCompleted
    printed: receipts_mod.PrintOutcome


class ReturnService:
    def __init__(self, journal: SqliteJournal, auth: AuthService, folios: FolioService,
                 receipts: receipts_mod.ReceiptService, new_id: Callable[[], str]) -> None:
        self.journal = journal
        self.auth = auth
        self.folios = folios
        self.receipts = receipts
        self.new_id = new_id

    def find(self, folio: int, tipo: int = int(documents.TipoDTE.BOLETA)) -> Returnable:
        """The sale of the boleta or factura ``folio`` of ``tipo`` (33, 34, 39 or 41).

        Raises:
            SaleError: no sale of this terminal has that document.
        """
        sale_id = read_models.sale_by_folio(self.journal.conn, tipo, folio)
        if sale_id is None:
            raise errors.SaleError(f"no hay una venta con la {NAMES.get(tipo, f'documento {tipo}')} N° {folio} en "
                                   "esta caja")
        return self.find_sale(sale_id)

    def find_sale(self, sale_id: str) -> Returnable:
        """A sale of this terminal by its id (picked from :meth:`recent`).

        Raises:
            SaleError: no such sale here.
        """
        conn = self.journal.conn
        where = read_models.sale_event_seq(conn, sale_id)
        if where is None:
            raise errors.SaleError("esa venta no se hizo en esta caja")
        entry = next(self.journal.read(from_seq=where[1], epoch=where[0], limit=1))
        sale: sales.SaleCompleted = self.journal.codec.decode(entry.type, entry.version, entry.payload)
        done = read_models.returned(conn, sale_id)
        left = {x.line_id: x.quantity - done.get(x.line_id, Decimal(0)) for x in sale.lines}
        lineas = documents.lineas_desde_venta(sale)
        credit = {x.line_id: linea.monto for x, linea in zip(sale.lines, lineas, strict=True)}
        return Returnable(sale, left, credit, entry.occurred_at)

    def find_by_timbre(self, text: str) -> Returnable:
        """The sale whose receipt's timbre was scanned: ``text`` is what a 2D scanner types from the PDF417, the
        ``<TED version="1.0">…</TED>`` XML (SII §3). It is parsed with the hardened parser (no DTD, size-limited);
        TD and F name the document, RE must be this store's RUT, and the scanned DD (fecha, monto, receptor) must
        match the timbre this terminal stamped for that document. The FRMT is not re-verified: a keyboard-wedge
        scanner may mangle accented letters of the texts, and the stamped copy in the journal is the reference.

        Raises:
            SaleError: not a timbre (garbage, hostile XML, fields missing), another emisor's, a nota de crédito, a
                document this terminal did not issue, or one whose data differ from what was stamped here.
        """
        scanned = _dd_fields(text)
        if scanned is None:
            raise errors.SaleError(NOT_A_TIMBRE)
        emisor, tipo, folio = scanned["RE"], int(scanned["TD"]), int(scanned["F"])
        if _compact(emisor) != _compact(self.folios.store_rut):
            raise errors.SaleError(f"El timbre es de otro emisor (RUT {emisor}): no es una venta de este almacén")
        if tipo not in RETURNABLE_TYPES:
            name = NAMES.get(tipo, f"documento tipo {tipo}")
            raise errors.SaleError(f"El timbre es de una {name} N° {folio}: escanee la boleta o factura de la venta")
        found = self.find(folio, tipo)
        assert found.sale.document is not None
        stamped = _dd_fields(found.sale.document.ted)
        if stamped is None or any(scanned[k] != stamped[k] for k in ("FE", "MNT", "RR")):
            raise errors.SaleError(f"El timbre leído no coincide con la {found.document} emitida en esta caja: "
                                   "revise el documento")
        return found

    def recent(self, limit: int = 30) -> list[RecentSale]:
        """The last ``limit`` sales of this terminal, newest first, to pick one for a return."""
        return [RecentSale(sale_id, number, total, at, tipo or 0, folio or 0)
                for sale_id, number, total, at, tipo, folio in read_models.recent_sales(self.journal.conn, limit)]

    def complete(self, found: Returnable, quantities: dict[int, Decimal] | None, supervisor_pin: str, reason: str,
                 *, cashier_id: str, shift_id: str) -> ReturnDone:
        """Give back ``quantities`` by line id (None: everything still returnable), journal the return with its
        authorisation and nota de crédito, and print the nota.

        Raises:
            SaleError: nothing to return, a quantity beyond what is left, or no folio for the nota.
            ShiftError: no open shift.
            WrongPin, LockedOut, InvalidInput: as ``AuthService.authorise``.
        """
        if not shift_id:
            raise errors.ShiftError("abra un turno antes de devolver", "closed")
        sale = found.sale
        if sale.document is None:
            raise errors.SaleError("la venta salió sin boleta ni factura: no se puede emitir una nota de crédito")
        if sale.document.tipo not in RETURNABLE_TYPES:
            raise errors.SaleError(f"una {found.document} no se devuelve")
        wanted = dict(found.left) if quantities is None else dict(quantities)
        lines = self._lines(found, wanted)
        full = all(found.left[x.line_id] == x.quantity for x in sale.lines) and all(
            wanted.get(x.line_id, Decimal(0)) == x.quantity for x in sale.lines)
        total = sum(x.amount for x in lines)
        _user, authorised = self.auth.authorise(
            supervisor_pin, roles.Action.RETURN, cashier_id, reason, sale_id=sale.sale_id, shift_id=shift_id,
            detail=f"{found.document}: {money.format_clp(total)}")
        refunds = refunds_for(sale, total, found.credited())
        cash = any(t.kind == TenderKind.CASH.value for t in refunds)
        now = self.journal.clock()
        with self.journal.unit_of_work() as uow:
            took = self.folios.take(uow, int(documents.TipoDTE.NOTA_CREDITO))
            if took is None or self.folios.emisor is None:
                raise errors.SaleError(NO_NC_FOLIOS)
            folio, caf = took
            doc = self._nota(sale, lines, folio, now, full, reason)
            try:
                stamped = ted.stamp(caf, doc, now)
            except dte_errors.DteError as exc:
                raise errors.SaleError(f"no se pudo timbrar la nota de crédito: {exc}") from None
            event = returns.ReturnCompleted(
                return_id=self.new_id(), sale_id=sale.sale_id, shift_id=shift_id, cashier_id=cashier_id,
                supervisor_id=authorised.supervisor_id, reason=reason.strip(), lines=lines,
                total=doc.totales.total, neto=doc.totales.neto, iva=doc.totales.iva, exento=doc.totales.exento,
                refunds=refunds, original_tipo=sale.document.tipo,
                original_folio=sale.document.folio, full=full,
                document=sales.DocumentStamped(61, folio, stamped.decode("latin-1"),
                                               now.replace(tzinfo=None).isoformat(timespec="seconds")),
                customer_id=sale.customer_id)
            uow.append(authorised)
            uow.append(event)
        printed = self.receipts.print_return(event, open_drawer=cash)
        return ReturnDone(event, printed)

    def _lines(self, found: Returnable, wanted: dict[int, Decimal]) -> tuple[returns.LineReturned, ...]:
        out = []
        by_id = {x.line_id: x for x in found.sale.lines}
        for line_id, quantity in sorted(wanted.items()):
            line = by_id.get(line_id)
            if line is None:
                raise errors.SaleError(f"la venta no tiene la línea {line_id}")
            if quantity <= 0:
                continue
            if quantity > found.left[line_id]:
                raise errors.SaleError(f"de {line.name} quedan {found.left[line_id]} por devolver, no {quantity}")
            amount = found.amount(line_id, quantity)
            out.append(returns.LineReturned(line_id, line.sku, line.name, line.unit_price, quantity, line.sold_by,
                                            line.iva_exempt, amount))
        if not out:
            raise errors.SaleError("indique qué se devuelve")
        return tuple(out)

    def _nota(self, sale: sales.SaleCompleted, lines: tuple[returns.LineReturned, ...], folio: int,
              now: datetime, full: bool, reason: str) -> documents.Documento:
        assert sale.document is not None and self.folios.emisor is not None
        lineas = tuple(documents.linea_acreditada(x) for x in lines)
        original_day = date.fromisoformat(sale.document.stamped_at[:10])
        code = documents.CodRef.ANULA if full else documents.CodRef.CORRIGE_MONTOS
        referencia = documents.Referencia(str(sale.document.tipo), str(sale.document.folio), original_day, code,
                                          (reason.strip() or "Devolución")[:90])
        try:
            return documents.nota_credito(folio=folio, fecha_emision=now.date(), emisor=self.folios.emisor,
                                          receptor=_receptor(sale), lineas=lineas, referencia=referencia)
        except dte_errors.DteError as exc:
            raise errors.SaleError(f"la nota de crédito no es válida: {exc}") from None


def refund_for(sale: sales.SaleCompleted, total: int) -> tuple[str, int]:
    """How ``total`` (CLP credited) leaves the till: ``(tender kind, amount)``. In cash, rounded per Ley 20.956, if
    the sale had any cash; otherwise by the sale's first tender other than fiado."""
    if any(t.kind == TenderKind.CASH.value for t in sale.tenders) or not sale.tenders:
        return TenderKind.CASH.value, money.round_cash(total)
    paid = [t.kind for t in sale.tenders if t.kind != TenderKind.FIADO.value]
    return (paid[0] if paid else TenderKind.CASH.value), total


def refunds_for(sale: sales.SaleCompleted, total: int, credited_before: int = 0) -> tuple[sales.TenderTaken, ...]:
    """The refunds of a return crediting ``total`` CLP of ``sale``, after earlier returns of it credited
    ``credited_before``. A sale on fiado credits its customer's account first (kind ``fiado``, a ``devolucion``
    entry: the debt of that sale goes before any money leaves the till), up to its fiado part not yet credited;
    what is left leaves the till as :func:`refund_for` says."""
    on_credit = 0 if sale.fiado is None else sale.fiado.amount
    fiado_part = min(credited_before + total, on_credit) - min(credited_before, on_credit)
    rest = total - fiado_part
    out = []
    if fiado_part:
        out.append(sales.TenderTaken(TenderKind.FIADO.value, fiado_part, fiado_part))
    if rest or not out:
        kind, amount = refund_for(sale, rest)
        out.append(sales.TenderTaken(kind, amount, amount))
    return tuple(out)


def refund_words(refunds: tuple[sales.TenderTaken, ...]) -> str:
    """What the cashier does with a return's refunds, in words: ``Devuelva $3.000 en efectivo``, ``Abone $5.000 a
    la cuenta fiado del cliente``, or both joined by ``y``."""
    parts = []
    for t in refunds:
        if t.kind == TenderKind.FIADO.value:
            parts.append(f"abone {money.format_clp(t.amount)} a la cuenta fiado del cliente")
        else:
            how = "en efectivo" if t.kind == TenderKind.CASH.value else f"por {TenderKind(t.kind).label.lower()}"
            parts.append(f"devuelva {money.format_clp(t.amount)} {how}")
    text = " y ".join(parts)
    return text[:1].upper() + text[1:]


def _receptor(sale: sales.SaleCompleted) -> documents.Receptor:
    """The nota's receptor: the factura's customer, or the anonymous buyer of a boleta."""
    return documents.RECEPTOR_ANONIMO if sale.customer is None else documents.receptor_desde_cliente(sale.customer)


def _compact(value: str) -> str:
    try:
        return rut_mod.parse(value).compact
    except errors.InvalidRut:
        return value.strip().upper()


_DD_FIELDS = ("RE", "TD", "F", "FE", "RR", "MNT")


def _integer(text: str) -> bool:
    """ASCII digits that fit a SQLite INTEGER (at most 18): ``"²"`` is a digit to ``isdigit`` but not to ``int``,
    and a 30-digit folio would overflow the journal's query."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def looks_like_timbre(text: str) -> bool:
    """True for what a 2D scanner types from a timbre (``<TED …``), so the sale screen can start a return."""
    return text.lstrip().upper().startswith(("<TED", "<?XML"))


def _dd_fields(text: str) -> dict[str, str] | None:
    """RE, TD, F, FE, RR and MNT of a TED's DD (TD, F and MNT as integers' text), or None when ``text`` is not a
    readable timbre. Parsed only with the hardened parser (``shared.dte.ted.parse_ted``)."""
    data = text.strip().encode("latin-1", errors="replace")
    try:
        root = ted.parse_ted(data)
    except (dte_errors.HostileXml, dte_errors.TedMalformed):
        return None
    dd = xmlcore.child(root, "DD")
    if dd is None:
        return None
    values = {name: (xmlcore.text(dd, name) or "").strip() for name in _DD_FIELDS}
    if not all(values.values()) or not all(_integer(values[k]) for k in ("TD", "F", "MNT")):
        return None
    values["RR"] = _compact(values["RR"])
    return values
