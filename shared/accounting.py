"""The general journal in double entry: a small chart of accounts and the journal lines (asiento) every money- or
stock-moving event makes, their trial balance and their CSV; the till's events as an accountant books them.

Accounts, each event's entries and their sources: docs/accounting.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from shared import errors, fiado, inventory
from shared import rut as rut_mod
from shared.events import catalog, purchases, returns, sales, shifts
from shared.events import fiado as fiado_events
from shared.events import inventory as inventory_events
from shared.events.envelope import Envelope

DEBE: Final = "debe"
HABER: Final = "haber"


@dataclass(frozen=True, slots=True)
class Account:
    """One account of the chart: ``code`` (``"1.1.01"``: group, subgroup, account), its Spanish ``name``, its
    ``group`` (activo, pasivo, resultado) and ``nature``: the side its balance normally sits on (``"debe"`` or
    ``"haber"``)."""

    code: str
    name: str
    group: str
    nature: str


CAJA: Final = Account("1.1.01", "Caja", "activo", DEBE)
BANCO: Final = Account("1.1.02", "Banco (transferencias)", "activo", DEBE)
TARJETAS_DEBITO: Final = Account("1.1.03", "Tarjetas por cobrar (débito)", "activo", DEBE)
TARJETAS_CREDITO: Final = Account("1.1.04", "Tarjetas por cobrar (crédito)", "activo", DEBE)
CLIENTES_FIADO: Final = Account("1.1.05", "Clientes fiado", "activo", DEBE)
MERCADERIAS: Final = Account("1.1.06", "Mercaderías", "activo", DEBE)
EN_TRANSITO: Final = Account("1.1.07", "Mercaderías en tránsito", "activo", DEBE)
IVA_CREDITO: Final = Account("1.1.08", "IVA crédito fiscal", "activo", DEBE)
TRASPASOS_CAJA: Final = Account("1.1.09", "Traspasos de caja por aclarar", "activo", DEBE)
CLIENTES_NOTAS: Final = Account("1.1.10", "Clientes por notas emitidas en HQ", "activo", DEBE)
PROVEEDORES: Final = Account("2.1.01", "Proveedores", "pasivo", HABER)
IVA_DEBITO: Final = Account("2.1.02", "IVA débito fiscal", "pasivo", HABER)
VENTAS_AFECTAS: Final = Account("4.1.01", "Ventas afectas", "resultado", HABER)
VENTAS_EXENTAS: Final = Account("4.1.02", "Ventas exentas", "resultado", HABER)
REDONDEO: Final = Account("4.1.03", "Redondeo Ley 20.956", "resultado", HABER)
COSTO_VENTAS: Final = Account("5.1.01", "Costo de ventas", "resultado", DEBE)
MERMAS: Final = Account("5.1.02", "Mermas", "resultado", DEBE)
DIFERENCIAS_CAJA: Final = Account("5.1.03", "Diferencias de caja", "resultado", DEBE)

CHART: Final = (CAJA, BANCO, TARJETAS_DEBITO, TARJETAS_CREDITO, CLIENTES_FIADO, MERCADERIAS, EN_TRANSITO,
                IVA_CREDITO, TRASPASOS_CAJA, CLIENTES_NOTAS, PROVEEDORES, IVA_DEBITO, VENTAS_AFECTAS,
                VENTAS_EXENTAS, REDONDEO, COSTO_VENTAS, MERMAS, DIFERENCIAS_CAJA)
"""The chart of accounts, in code order."""
BY_CODE: Final = {a.code: a for a in CHART}

TENDER_ACCOUNTS: Final = {"cash": CAJA, "debit": TARJETAS_DEBITO, "credit": TARJETAS_CREDITO, "transfer": BANCO,
                          "fiado": CLIENTES_FIADO}
"""Where each tender (``shared.sale.TenderKind``) is kept: fiado is the customer's account (docs/fiado.md)."""

VAT_CREDIT_TIPOS: Final = frozenset({30, 33, 46, 55, 56, 60, 61})
"""Purchase documents whose IVA is crédito fiscal (facturas, factura de compra, notas de débito y crédito; DL 825
art. 23). A boleta's or a guía's IVA is not: it stays in the goods' cost."""

BOOK_VALUED: Final = frozenset({returns.ReturnCompleted.TYPE, inventory_events.CountPosted.TYPE,
                                catalog.StockAdjusted.TYPE})
"""Events that carry no cost of their own: their cost legs take ``book_value``, the value the inventory book (the
kardex) gave their stock movements (:func:`journal_lines`)."""
BOOKED_TYPES: Final = (
    sales.SaleCompleted.TYPE, returns.ReturnCompleted.TYPE, purchases.PurchaseReceived.TYPE,
    fiado_events.FiadoPaid.TYPE, fiado_events.FiadoPaymentReversed.TYPE, shifts.CashMoved.TYPE,
    shifts.ShiftClosed.TYPE, inventory_events.MermaRecorded.TYPE, inventory_events.SupplierReturned.TYPE,
    inventory_events.TransferSent.TYPE, inventory_events.TransferReceived.TYPE, inventory_events.CountPosted.TYPE,
    catalog.StockAdjusted.TYPE)
"""The event types that make journal lines (:func:`journal_lines`); the others book nothing."""
_BOOK_VALUED_EVENTS: Final = (returns.ReturnCompleted, inventory_events.CountPosted, catalog.StockAdjusted)
CSV_HEADER: Final = ("Fecha", "Hora", "Tienda", "Asiento", "Cuenta", "Nombre de la cuenta", "Auxiliar", "Documento",
                     "Referencia", "Glosa", "Debe", "Haber")


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One line of the journal: ``debit`` or ``credit`` (CLP ≥ 0, exactly one of them > 0) of account ``account``
    (an :class:`Account` code), ``auxiliary`` the subsidiary account when it has one (a customer's
    ``shared.fiado.customer_account``, a supplier's RUT; ``""`` otherwise). ``document`` is the Spanish text of the
    document behind it ("Boleta N° 123"), ``at`` the event's journal time as ISO 8601 in UTC (``fiado.utc_at``),
    ``reference`` the id of what made it (sale, return, purchase, payment...), ``event_id`` the journaled event's
    id (one asiento per event), ``store_id`` the store, ``memo`` the glosa."""

    account: str
    debit: int
    credit: int
    document: str
    at: str
    reference: str
    auxiliary: str = ""
    event_id: str = ""
    store_id: str = ""
    memo: str = ""

    @property
    def account_name(self) -> str:
        """The account's Spanish name."""
        return BY_CODE[self.account].name


class _Entry:
    """An asiento under construction: lines of one event (or of an HQ nota: ``entry`` None and ``at``, ``event_id``,
    ``store_id`` given), each amount signed (+ debit, − credit), zero skipped."""

    def __init__(self, entry: Envelope | None, document: str, reference: str, memo: str, *, at: str = "",
                 event_id: str = "", store_id: str = "") -> None:
        if entry is not None:
            at, event_id, store_id = fiado.utc_at(entry.occurred_at), entry.event_id, entry.store_id
        self.at = at
        self.event_id = event_id
        self.store_id = store_id
        self.document = document
        self.reference = reference
        self.memo = memo
        self.lines: list[JournalLine] = []

    def post(self, account: Account, amount: int, auxiliary: str = "") -> None:
        """Debit ``account`` by ``amount`` (credit it when negative); nothing for 0."""
        if amount == 0:
            return
        self.lines.append(JournalLine(account.code, max(amount, 0), max(-amount, 0), self.document, self.at,
                                      self.reference, auxiliary, self.event_id, self.store_id, self.memo))

    def done(self) -> list[JournalLine]:
        if sum(x.debit - x.credit for x in self.lines):  # every rule below balances by construction
            raise AssertionError(f"asiento descuadrado: {self.reference}")
        return self.lines


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _tender_account(kind: str) -> Account:
    try:
        return TENDER_ACCOUNTS[kind]
    except KeyError:
        raise errors.InvalidInput(f"medio de pago desconocido para la contabilidad: {kind!r}") from None


def _sale_document(tipo: int | None, folio: int | None, fallback: str) -> str:
    return fiado.document_name(tipo, folio) or fallback


def journal_lines(entry: Envelope, event: Any, book_value: int | None = None) -> list[JournalLine]:
    """The journal lines (one asiento, debits equal to credits) ``event`` journaled as ``entry`` makes; ``[]`` for
    an event that moves no money and no goods (and for ``fiado.entry_received``: the master's copy of an entry whose
    own event is booked where it was journaled).

    ``book_value`` is the signed CLP neto value the inventory book gave the event's stock movements (the sum of their
    kardex values, ``shared.inventory``; + goods in), used by the events of :data:`BOOK_VALUED`, which carry no
    cost of their own; None: their cost legs are left out. docs/accounting.md lists each event's entries.

    Raises:
        InvalidInput: an ``occurred_at`` that is not ISO 8601, a tender kind without an account, or a sale or
            return whose parts do not add up to its total (``neto + iva + exento``, tenders and rounding).
    """
    if isinstance(event, sales.SaleCompleted):
        return _sale(entry, event)
    if isinstance(event, returns.ReturnCompleted):
        return _return(entry, event, book_value)
    if isinstance(event, purchases.PurchaseReceived):
        return _purchase(entry, event)
    if isinstance(event, fiado_events.FiadoPaid | fiado_events.FiadoPaymentReversed):
        return _fiado_payment(entry, event)
    if isinstance(event, shifts.CashMoved):
        word = "Ingreso" if event.direction == "in" else "Retiro"
        a = _Entry(entry, f"{word} de caja", event.shift_id, event.reason)
        amount = event.amount if event.direction == "in" else -event.amount
        a.post(CAJA, amount)
        a.post(TRASPASOS_CAJA, -amount)
        return a.done()
    if isinstance(event, shifts.ShiftClosed):
        return _shift_closed(entry, event)
    if isinstance(event, inventory_events.MermaRecorded):
        label = inventory.MERMA_LABELS.get(event.reason, event.reason)
        a = _Entry(entry, f"Merma: {label}", event.merma_id, f"{event.name} × {event.quantity}")
        value = _round(Decimal(event.unit_cost) * event.quantity)
        a.post(MERMAS, value)
        a.post(MERCADERIAS, -value)
        return a.done()
    if isinstance(event, inventory_events.SupplierReturned):
        a = _Entry(entry, "Devolución a proveedor" + (f" · {event.document}" if event.document else ""),
                   event.return_id, event.reason)
        value = sum(_round(Decimal(x.unit_cost) * x.quantity) for x in event.lines)
        a.post(PROVEEDORES, value, event.supplier_rut)
        a.post(MERCADERIAS, -value)
        return a.done()
    if isinstance(event, inventory_events.TransferSent):
        if event.to_store == entry.store_id:  # between warehouses of one store: no account moves
            return []
        a = _Entry(entry, f"Traslado a tienda {event.to_store}", event.transfer_id, event.note)
        value = sum(_round(Decimal(x.unit_cost) * x.quantity) for x in event.lines)
        a.post(EN_TRANSITO, value)
        a.post(MERCADERIAS, -value)
        return a.done()
    if isinstance(event, inventory_events.TransferReceived):
        a = _Entry(entry, f"Traslado desde tienda {event.from_store}", event.transfer_id, event.note)
        sent = sum(_round(Decimal(x.unit_cost) * x.sent) for x in event.lines)
        arrived = sum(_round(Decimal(x.unit_cost) * x.received) for x in event.lines)
        a.post(MERCADERIAS, arrived)
        a.post(MERMAS, sent - arrived)  # what did not arrive (or, negative, arrived beyond what was sent)
        a.post(EN_TRANSITO, -sent)
        return a.done()
    if isinstance(event, inventory_events.CountPosted):
        return _stock_difference(entry, "Toma de inventario", event.count_id, event.reason, book_value)
    if isinstance(event, catalog.StockAdjusted):
        return _stock_difference(entry, f"Ajuste: {event.reason}", "", event.sku, book_value)
    return []


def _sale(entry: Envelope, e: sales.SaleCompleted) -> list[JournalLine]:
    doc = e.document
    a = _Entry(entry, _sale_document(doc.tipo if doc else None, doc.folio if doc else None, f"Venta N° {e.number}"),
               e.sale_id, "Venta")
    kept = 0
    for t in e.tenders:
        account = _tender_account(t.kind)
        a.post(account, t.received, fiado.customer_account(e.customer_id) if account is CLIENTES_FIADO else "")
        kept += t.received
    parts = e.neto + e.iva + e.exento
    if parts != e.total or kept - parts != e.rounding:
        raise errors.InvalidInput(
            f"la venta N° {e.number} no cuadra: neto {e.neto} + IVA {e.iva} + exento {e.exento} ≠ total {e.total}, "
            f"o lo recibido ({kept}) ≠ total + redondeo ({e.total + e.rounding})")
    a.post(VENTAS_AFECTAS, -e.neto)
    a.post(VENTAS_EXENTAS, -e.exento)
    a.post(IVA_DEBITO, -e.iva)
    a.post(REDONDEO, -e.rounding)
    cost = sum(x.cost for x in e.lines if x.cost is not None)
    a.post(COSTO_VENTAS, cost)
    a.post(MERCADERIAS, -cost)
    return a.done()


def _return(entry: Envelope, e: returns.ReturnCompleted, book_value: int | None) -> list[JournalLine]:
    if e.document is not None:
        document = fiado.document_name(e.document.tipo, e.document.folio)
    else:
        document = f"Devolución de {fiado.document_name(e.original_tipo, e.original_folio)}"
    a = _Entry(entry, document, e.return_id, e.reason)
    if e.neto + e.iva + e.exento != e.total:
        raise errors.InvalidInput(f"la devolución {e.return_id} no cuadra: neto {e.neto} + IVA {e.iva} + exento "
                                  f"{e.exento} ≠ total {e.total}")
    a.post(VENTAS_AFECTAS, e.neto)
    a.post(VENTAS_EXENTAS, e.exento)
    a.post(IVA_DEBITO, e.iva)
    handed_back = 0
    for t in e.refunds:
        account = _tender_account(t.kind)
        a.post(account, -t.received, fiado.customer_account(e.customer_id) if account is CLIENTES_FIADO else "")
        handed_back += t.received
    a.post(REDONDEO, handed_back - e.total)  # a cash refund rounded down (Ley 20.956): the store keeps the rest
    if book_value:
        a.post(MERCADERIAS, book_value)
        a.post(COSTO_VENTAS, -book_value)
    return a.done()


def _purchase(entry: Envelope, e: purchases.PurchaseReceived) -> list[JournalLine]:
    name = inventory.TIPO_NAMES.get(e.tipo, f"Documento {e.tipo}")
    a = _Entry(entry, f"{name} {e.tipo} N° {e.folio}", e.purchase_id, e.supplier.razon_social)
    credit = e.iva if e.tipo in VAT_CREDIT_TIPOS else 0
    a.post(MERCADERIAS, e.sign * (e.total - credit))
    a.post(IVA_CREDITO, e.sign * credit)
    a.post(PROVEEDORES, -e.sign * e.total, e.supplier.rut)
    return a.done()


_PAYMENT_DOCUMENTS: Final = {fiado.ABONO: "Abono de fiado", fiado.REVERSO: "Reversa de abono de fiado"}


def _fiado_payment(entry: Envelope, event: fiado_events.FiadoPaid | fiado_events.FiadoPaymentReversed
                   ) -> list[JournalLine]:
    """A payment or its reversal: ``shared.fiado``'s own postings, its accounts named in the chart (``cliente:<id>``
    is Clientes fiado with the customer as auxiliary, ``caja:<kind>`` the tender's account)."""
    lines: list[JournalLine] = []
    for item in fiado.entries(entry, event):
        a = _Entry(entry, _PAYMENT_DOCUMENTS.get(item.kind, item.document), item.reference, item.document)
        for posting in fiado.postings(item):
            account, auxiliary = chart_account(posting.account)
            a.post(account, posting.signed, auxiliary)
        lines.extend(a.done())
    return lines


def chart_account(ledger_account: str) -> tuple[Account, str]:
    """A ``shared.fiado`` ledger account as ``(account of the chart, auxiliary)``: ``cliente:<id>`` is Clientes fiado
    with that auxiliary, ``caja:<kind>`` the tender's account, ``ventas_fiado`` and ``devoluciones`` (the legs a
    sale's or a return's asiento books itself) Ventas afectas.

    Raises:
        InvalidInput: any other name.
    """
    if ledger_account.startswith("cliente:"):
        return CLIENTES_FIADO, ledger_account
    if ledger_account.startswith(f"{fiado.DRAWER_ACCOUNT}:"):
        return _tender_account(ledger_account.split(":", 1)[1]), ""
    if ledger_account in (fiado.SALES_ACCOUNT, fiado.RETURNS_ACCOUNT):
        return VENTAS_AFECTAS, ""
    raise errors.InvalidInput(f"cuenta de fiado desconocida para la contabilidad: {ledger_account!r}")


def _shift_closed(entry: Envelope, e: shifts.ShiftClosed) -> list[JournalLine]:
    a = _Entry(entry, "Cierre de turno", e.shift_id, "Diferencia de arqueo")
    expected = {x.kind: x.amount for x in e.expected}
    counted = {x.kind: x.amount for x in e.counted}
    total = 0
    for kind in sorted(set(expected) | set(counted)):
        difference = counted.get(kind, 0) - expected.get(kind, 0)
        a.post(_tender_account(kind), difference)
        total += difference
    a.post(DIFERENCIAS_CAJA, -total)
    return a.done()


def _stock_difference(entry: Envelope, document: str, reference: str, memo: str, book_value: int | None
                      ) -> list[JournalLine]:
    if not book_value:
        return []
    a = _Entry(entry, document, reference, memo)
    a.post(MERCADERIAS, book_value)
    a.post(MERMAS, -book_value)
    return a.done()


HQ_TERMINAL: Final = "hq"
"""The terminal an HQ nota's asiento is keyed under: the server's own (``syncserver.dte.folios.SERVER_TERMINAL``),
epoch :data:`HQ_EPOCH`, seq :attr:`HqNota.seq`."""
HQ_EPOCH: Final = 0
HQ_NOTA_TYPE: Final = "hq.nota"
"""The type a :data:`PROBLEM` note of an HQ nota carries (it is no event)."""
_HQ_NOTA_NAMES: Final = {56: "Nota de débito", 61: "Nota de crédito"}
_FOLIO_SPAN: Final = 10_000_000_000
"""More than any folio (10 digits, the CAF's range)."""


def hq_seq(tipo: int, folio: int) -> int:
    """The seq an HQ nota's asiento (or note) is keyed under beside :data:`HQ_TERMINAL`: one per type and folio."""
    return tipo * _FOLIO_SPAN + folio


@dataclass(frozen=True, slots=True)
class HqNota:
    """A nota de débito (56) or de crédito (61) HQ issued (``syncserver.dte.corrections``: annulling a document the
    SII rejected, charging a factura, annulling such a 56), as the journal books it: ``at`` when it was stamped
    (aware; its FchEmis is that day in Chile), the document it modifies (``original_tipo``/``original_folio``), its
    totals in CLP (``neto + iva + exento == total``), ``razon`` its RazonRef, ``receptor_rut``; ``store_id`` the
    store of the sale behind the modified document, ``customer_id`` that sale's fiado customer and ``fiado`` the
    part of it the sale left on fiado (CLP; 0: none)."""

    tipo: int
    folio: int
    at: datetime
    original_tipo: int
    original_folio: int
    neto: int
    iva: int
    exento: int
    total: int
    razon: str
    receptor_rut: str
    store_id: str
    customer_id: str | None = None
    fiado: int = 0

    @property
    def event_id(self) -> str:
        """The asiento's id (``hq-61-12``): an HQ nota is no event."""
        return f"hq-{self.tipo}-{self.folio}"

    @property
    def seq(self) -> int:
        """Its key under :data:`HQ_TERMINAL` (:func:`hq_seq`)."""
        return hq_seq(self.tipo, self.folio)

    @property
    def document(self) -> str:
        """«Nota de crédito N° 12»."""
        return f"{_HQ_NOTA_NAMES.get(self.tipo, f'Documento {self.tipo}')} N° {self.folio}"


def hq_nota(tipo: int, folio: int, content: dict[str, Any], stamped_at: str, store_id: str, sale: object
            ) -> HqNota:
    """The :class:`HqNota` of a nota HQ stored (``dte_corrections.content``: its totals, reference and receptor),
    stamped at ``stamped_at`` (ISO 8601; naive is Chile's wall time, as the server stamps), on the sale ``sale``
    of store ``store_id`` (its fiado customer and fiado part, when it is a ``sale.completed``).

    Raises:
        InvalidInput: the content lacks its totals, reference or receptor (or its RUT is invalid), or
            ``stamped_at`` is no date and time.
    """
    try:
        totals, ref = content["totales"], content["referencia"]
        moment = datetime.fromisoformat(stamped_at)
        nota = HqNota(tipo, folio, moment if moment.tzinfo else moment.replace(tzinfo=fiado.CHILE),
                      int(ref["tipo"]), int(ref["folio"]), int(totals["neto"]), int(totals["iva"]),
                      int(totals["exento"]), int(totals["total"]), str(ref["razon"]),
                      rut_mod.parse(str(content["receptor"]["rut"])).compact, store_id)
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.InvalidInput(f"la nota {tipo} N° {folio} guardada está incompleta ({exc!r})") from None
    if isinstance(sale, sales.SaleCompleted) and sale.customer_id:
        owed = sum(t.received for t in sale.tenders if t.kind == "fiado")
        return replace(nota, customer_id=sale.customer_id, fiado=owed)
    return nota


def hq_nota_lines(nota: HqNota) -> list[JournalLine]:
    """The asiento of a nota HQ issued (debits equal to credits), as the till's return notas book theirs: a 61 D
    Ventas afectas ``neto``, D Ventas exentas ``exento``, D IVA débito fiscal ``iva``; the counterpart H Clientes
    fiado (the customer's auxiliary) up to what the sale left on fiado, the rest H Clientes por notas emitidas en HQ
    (auxiliary the receptor's RUT), the account the accountant clears against the refund, the new document or the
    customer's payment. A 56 books the same the other way (it charges the customer). Rules: docs/accounting.md.

    Raises:
        InvalidInput: not a 56 or 61, a negative amount, or ``neto + iva + exento ≠ total``.
    """
    if nota.tipo not in _HQ_NOTA_NAMES:
        raise errors.InvalidInput(f"HQ emite notas de crédito (61) y de débito (56), no el tipo {nota.tipo}")
    if min(nota.neto, nota.iva, nota.exento, nota.fiado) < 0 or nota.neto + nota.iva + nota.exento != nota.total:
        raise errors.InvalidInput(f"la {nota.document.lower()} no cuadra: neto {nota.neto} + IVA {nota.iva} + exento "
                                  f"{nota.exento} ≠ total {nota.total}")
    sign = 1 if nota.tipo == 56 else -1
    original = fiado.document_name(nota.original_tipo, nota.original_folio)
    if nota.original_tipo == 56:
        original = f"Nota de débito N° {nota.original_folio}"
    a = _Entry(None, nota.document, original, nota.razon,
               at=nota.at.astimezone(UTC).isoformat(timespec="microseconds"), event_id=nota.event_id,
               store_id=nota.store_id)
    on_account = min(nota.total, nota.fiado) if nota.customer_id else 0
    if nota.customer_id:
        a.post(CLIENTES_FIADO, sign * on_account, fiado.customer_account(nota.customer_id))
    a.post(CLIENTES_NOTAS, sign * (nota.total - on_account), nota.receptor_rut)
    a.post(VENTAS_AFECTAS, -sign * nota.neto)
    a.post(VENTAS_EXENTAS, -sign * nota.exento)
    a.post(IVA_DEBITO, -sign * nota.iva)
    return a.done()


def fold(store_id: str, entries_and_events: Iterable[tuple[Envelope, object]], method: str = "ppp"
         ) -> list[JournalLine]:
    """The journal of one store's events in journal order, the events of :data:`BOOK_VALUED` valued by the
    inventory book folded alongside (``shared.inventory.fold``: the reference the master's journal is compared
    with).

    Raises:
        ValueError: an unknown costing ``method``. InvalidInput: as :func:`journal_lines`.
    """
    if method not in inventory.METHODS:
        raise ValueError(f"método de costeo desconocido: {method!r}")
    book = inventory.Book(store_id, method)
    lines: list[JournalLine] = []
    for entry, event in entries_and_events:
        rows = book.apply(entry, event)
        value = sum(r.value for r in rows if not r.movement.internal) \
            if isinstance(event, _BOOK_VALUED_EVENTS) else None
        lines.extend(journal_lines(entry, event, value))
    return lines


@dataclass(frozen=True, slots=True)
class Balance:
    """An account's sums over some lines: ``debit`` and ``credit`` (CLP ≥ 0); ``balance`` on its normal side
    (positive: debtor for a "debe" account, creditor for a "haber" one)."""

    account: Account
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        return self.debit - self.credit if self.account.nature == DEBE else self.credit - self.debit


def trial_balance(lines: Iterable[JournalLine]) -> list[Balance]:
    """The balance de comprobación: every account that has lines, in chart order, with its sums."""
    sums: dict[str, list[int]] = {}
    for x in lines:
        pair = sums.setdefault(x.account, [0, 0])
        pair[0] += x.debit
        pair[1] += x.credit
    return [Balance(a, *sums[a.code]) for a in CHART if a.code in sums]


def totals(lines: Iterable[JournalLine]) -> tuple[int, int]:
    """``(total debits, total credits)`` of ``lines`` (equal for whole asientos)."""
    debit = credit = 0
    for x in lines:
        debit += x.debit
        credit += x.credit
    return debit, credit


def csv_bytes(lines: Iterable[JournalLine]) -> bytes:
    """The journal as the accountant opens it in a spreadsheet: UTF-8 with BOM, ``;``-separated, one row per line
    (:data:`CSV_HEADER`), the date and time in Chile's calendar (dd-mm-aaaa, hh:mm:ss), pesos as plain integers,
    and a last row "Totales" with the sums of Debe and Haber (:class:`CsvWriter` in one piece)."""
    writer = CsvWriter()
    return writer.header() + writer.rows(lines) + writer.totals()


class CsvWriter:
    """:func:`csv_bytes` in pieces, for a journal streamed in chunks: :meth:`header`, :meth:`rows` of each chunk in
    order, :meth:`totals` (the sums of every row written)."""

    def __init__(self) -> None:
        self.debit = 0
        self.credit = 0

    def header(self) -> bytes:
        """The BOM and the header row."""
        return self._encode([CSV_HEADER], bom=True)

    def rows(self, lines: Iterable[JournalLine]) -> bytes:
        """One row per line, added to the totals."""
        found = []
        at, day, hour = "", "", ""
        for x in lines:
            if x.at != at:  # an asiento's lines share their time
                at = x.at
                local = datetime.fromisoformat(at).astimezone(fiado.CHILE)
                day, hour = f"{local:%d-%m-%Y}", f"{local:%H:%M:%S}"
            found.append((day, hour, x.store_id, x.event_id, x.account, BY_CODE[x.account].name, x.auxiliary,
                          x.document, x.reference, x.memo, x.debit, x.credit))
            self.debit += x.debit
            self.credit += x.credit
        return self._encode(found)

    def stored_rows(self, entries: Iterable[tuple[str, str, datetime, list[list[Any]]]]) -> bytes:
        """:meth:`rows` of asientos as :class:`Booking` keeps them: ``(store_id, event_id, at, lines)`` (the lines
        decoded from its JSON), without building a :class:`JournalLine` for each (a month's CSV has 100,000s)."""
        found = []
        debit = credit = 0
        for store_id, event_id, at, lines in entries:
            local = at.astimezone(fiado.CHILE)
            day, hour = f"{local:%d-%m-%Y}", f"{local:%H:%M:%S}"
            for account, d, c, auxiliary, document, reference, memo in lines:
                found.append((day, hour, store_id, event_id, account, BY_CODE[account].name, auxiliary, document,
                              reference, memo, d, c))
                debit += d
                credit += c
        self.debit += debit
        self.credit += credit
        return self._encode(found)

    def totals(self) -> bytes:
        """The last row: "Totales" with the sums of Debe and Haber."""
        return self._encode([("Totales", "", "", "", "", "", "", "", "", "", self.debit, self.credit)])

    @staticmethod
    def _encode(rows: Iterable[Iterable[object]], bom: bool = False) -> bytes:
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
        return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


PROBLEM: Final = "problema"
"""A note of :class:`Booking`: the event could not be booked (``detail``: the Spanish reason)."""
UNVALUED: Final = "sin_valor"
"""A note of :class:`Booking`: an event of :data:`BOOK_VALUED` booked without its cost legs (``detail``: its
reference), the inventory book having no value for it."""


@dataclass
class Booking:
    """Events booked as the master keeps its journal (``syncserver.ingest.journal``): per event its lines, per
    store, Chile day and account the sums (the trial balance of any run of days), per store and day how many events
    were booked and how many made an asiento, and the notes (:data:`PROBLEM`, :data:`UNVALUED`).

    ``entries``: ``(store_id, terminal_id, epoch, seq, at (aware, UTC), event_id, lines)``, ``lines`` a JSON list of
    ``[account, debit, credit, auxiliary, document, reference, memo]`` (:func:`stored_lines` reads it back).
    ``days``: ``(store_id, day, account) -> [debit, credit]``. ``counts``: ``(store_id, day) -> [events booked,
    asientos, lines]``. ``notes``: ``(store_id, terminal_id, epoch, seq, at or None, type, kind, detail)``."""

    entries: list[tuple[str, str, int, int, datetime, str, str]] = field(default_factory=list)
    days: dict[tuple[str, date, str], list[int]] = field(default_factory=dict)
    counts: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    notes: list[tuple[str, str, int, int, datetime | None, str, str, str]] = field(default_factory=list)

    def note(self, entry: Envelope, kind: str, detail: str) -> None:
        """Keep a note (:data:`PROBLEM` or :data:`UNVALUED`) about ``entry``."""
        try:
            moment: datetime | None = _moment(entry.occurred_at)
        except errors.InvalidInput:
            moment = None
        self.notes.append((entry.store_id, entry.terminal_id, entry.epoch, entry.seq, moment, entry.type, kind,
                           detail))

    def add(self, entry: Envelope, event: Any, book_value: int | None = None) -> None:
        """Book ``event`` journaled as ``entry`` (:func:`journal_lines` with ``book_value``); an event it refuses
        is kept as a :data:`PROBLEM`, an event of :data:`BOOK_VALUED` without ``book_value`` noted
        :data:`UNVALUED` (its reference, or its event id)."""
        if entry.type in BOOK_VALUED and book_value is None:
            self.note(entry, UNVALUED, book_reference(event) or entry.event_id)
        try:
            lines = journal_lines(entry, event, book_value)
            moment = _moment(entry.occurred_at)
        except errors.InvalidInput as exc:
            self.note(entry, PROBLEM, str(exc))
            return
        self._keep(entry.store_id, entry.terminal_id, entry.epoch, entry.seq, moment, entry.event_id, lines)

    def add_hq_nota(self, nota: HqNota) -> None:
        """Book a nota HQ issued (:func:`hq_nota_lines`, keyed under :data:`HQ_TERMINAL`); one it refuses is kept as
        a :data:`PROBLEM` of type :data:`HQ_NOTA_TYPE`."""
        try:
            lines = hq_nota_lines(nota)
        except errors.InvalidInput as exc:
            self.notes.append((nota.store_id, HQ_TERMINAL, HQ_EPOCH, nota.seq, nota.at, HQ_NOTA_TYPE, PROBLEM,
                               str(exc)))
            return
        self._keep(nota.store_id, HQ_TERMINAL, HQ_EPOCH, nota.seq, nota.at, nota.event_id, lines)

    def _keep(self, store_id: str, terminal_id: str, epoch: int, seq: int, moment: datetime, event_id: str,
              lines: list[JournalLine]) -> None:
        day = moment.astimezone(fiado.CHILE).date()
        count = self.counts.setdefault((store_id, day), [0, 0, 0])
        count[0] += 1
        if not lines:
            return
        count[1] += 1
        count[2] += len(lines)
        for x in lines:
            pair = self.days.setdefault((store_id, day, x.account), [0, 0])
            pair[0] += x.debit
            pair[1] += x.credit
        self.entries.append((store_id, terminal_id, epoch, seq, moment, event_id,
                             json.dumps([[x.account, x.debit, x.credit, x.auxiliary, x.document, x.reference, x.memo]
                                         for x in lines], ensure_ascii=False, separators=(",", ":"))))


def _moment(occurred_at: str) -> datetime:
    """A journal time as an aware datetime (naive read as UTC, as ``fiado.utc_at``).

    Raises:
        InvalidInput: not an ISO 8601 date and time (``fiado.utc_at``'s message).
    """
    try:
        moment = datetime.fromisoformat(occurred_at)
    except (TypeError, ValueError):
        return datetime.fromisoformat(fiado.utc_at(occurred_at))  # raises InvalidInput with its message
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def book_reference(event: Any) -> str:
    """The reference under which the inventory book keeps the stock movements of an event of :data:`BOOK_VALUED`
    (a return's ``return_id``, a count's ``count_id``; ``""`` for ``stock.adjusted``, which has none)."""
    if isinstance(event, returns.ReturnCompleted):
        return event.return_id
    if isinstance(event, inventory_events.CountPosted):
        return event.count_id
    return ""


def stored_lines(store_id: str, event_id: str, at: datetime, lines: list[list[Any]]) -> list[JournalLine]:
    """The journal lines of one event as :class:`Booking` keeps them (``lines`` decoded from its JSON)."""
    moment = at.astimezone(UTC).isoformat(timespec="microseconds")
    return [JournalLine(str(a), int(d), int(c), str(doc), moment, str(ref), str(aux), event_id, store_id, str(memo))
            for a, d, c, aux, doc, ref, memo in lines]
