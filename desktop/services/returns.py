"""Returns (devoluciones): goods given back from a sale picked by its boleta's folio, with a supervisor's PIN and a
nota de crédito (61) stamped at the till; the stock comes back and the money leaves the till.

The nota references the original boleta: code 1 (anula) for a full return, 3 (corrige montos) for a partial one.
Each line is credited at what the customer paid for it (its share of the sale's discount taken off), in
proportion to the quantity returned; a line is never given back beyond what was sold, across several returns.
Unlike a sale, a return needs a folio: without one the nota cannot be issued and the return is refused, saying
what to do.
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
from shared import errors, money, roles
from shared.dte import documents, ted
from shared.dte import errors as dte_errors
from shared.events import returns, sales
from shared.sale import TenderKind

NO_NC_FOLIOS = "Sin folios de nota de crédito: conecte la caja a HQ para recibir más"


@dataclass(frozen=True, slots=True)
class Returnable:
    """A sale found by its folio and what can still be given back of each line."""

    sale: sales.SaleCompleted
    left: dict[int, Decimal]
    credit: dict[int, int]
    """What each whole line is credited (its amount after its share of the sale's discount)."""


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
        """The sale of boleta ``folio`` (``tipo`` 39 or 41).

        Raises:
            SaleError: no sale of this terminal has that document.
        """
        conn = self.journal.conn
        sale_id = read_models.sale_by_folio(conn, tipo, folio)
        where = None if sale_id is None else read_models.sale_event_seq(conn, sale_id)
        if where is None:
            raise errors.SaleError(f"no hay una venta con la boleta N° {folio} en esta caja")
        entry = next(self.journal.read(from_seq=where[1], epoch=where[0], limit=1))
        sale: sales.SaleCompleted = self.journal.codec.decode(entry.type, entry.version, entry.payload)
        done = read_models.returned(conn, sale_id or "")
        left = {x.line_id: x.quantity - done.get(x.line_id, Decimal(0)) for x in sale.lines}
        lineas = documents.lineas_desde_venta(sale)
        credit = {x.line_id: linea.monto for x, linea in zip(sale.lines, lineas, strict=True)}
        return Returnable(sale, left, credit)

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
            raise errors.SaleError("la venta no tiene boleta: no se puede emitir una nota de crédito")
        wanted = dict(found.left) if quantities is None else dict(quantities)
        lines = self._lines(found, wanted)
        full = all(found.left[x.line_id] == x.quantity for x in sale.lines) and all(
            wanted.get(x.line_id, Decimal(0)) == x.quantity for x in sale.lines)
        total = sum(x.amount for x in lines)
        _user, authorised = self.auth.authorise(
            supervisor_pin, roles.Action.RETURN, cashier_id, reason, sale_id=sale.sale_id, shift_id=shift_id,
            detail=f"boleta {sale.document.folio}: {money.format_clp(total)}")
        cash = any(t.kind == TenderKind.CASH.value for t in sale.tenders)
        kind = TenderKind.CASH.value if cash else sale.tenders[0].kind
        refund = money.round_cash(total) if cash else total
        now = self.journal.clock()
        with self.journal.unit_of_work() as uow:
            took = self.folios.take(self.journal.conn, int(documents.TipoDTE.NOTA_CREDITO))
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
                refunds=(sales.TenderTaken(kind, refund, refund),), original_tipo=sale.document.tipo,
                original_folio=sale.document.folio, full=full,
                document=sales.DocumentStamped(61, folio, stamped.decode("latin-1"),
                                               now.replace(tzinfo=None).isoformat(timespec="seconds")))
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
            credit = found.credit[line_id]
            amount = credit if quantity == line.quantity else money.round_half_up(credit * quantity / line.quantity)
            out.append(returns.LineReturned(line_id, line.sku, line.name, line.unit_price, quantity, line.sold_by,
                                            line.iva_exempt, amount))
        if not out:
            raise errors.SaleError("indique qué se devuelve")
        return tuple(out)

    def _nota(self, sale: sales.SaleCompleted, lines: tuple[returns.LineReturned, ...], folio: int,
              now: datetime, full: bool, reason: str) -> documents.Documento:
        assert sale.document is not None and self.folios.emisor is not None
        lineas = tuple(documents.Linea(
            nombre=x.name, cantidad=x.quantity, precio=Decimal(x.unit_price), monto=x.amount, exento=x.iva_exempt,
            descuento=money.round_half_up(Decimal(x.unit_price) * x.quantity) - x.amount, codigo=x.sku,
            unidad="KG" if x.sold_by == "kg" else "") for x in lines)
        original_day = date.fromisoformat(sale.document.stamped_at[:10])
        code = documents.CodRef.ANULA if full else documents.CodRef.CORRIGE_MONTOS
        referencia = documents.Referencia(str(sale.document.tipo), str(sale.document.folio), original_day, code,
                                          (reason.strip() or "Devolución")[:90])
        try:
            return documents.nota_credito(folio=folio, fecha_emision=now.date(), emisor=self.folios.emisor,
                                          receptor=documents.RECEPTOR_ANONIMO, lineas=lineas, referencia=referencia)
        except dte_errors.DteError as exc:
            raise errors.SaleError(f"la nota de crédito no es válida: {exc}") from None
