"""What a terminal's events may touch: only folios leased to that terminal, only its own store and that store's
warehouses (the rest is quarantined with the reason), and nothing dated after HQ deactivated its store
(docs/architecture.md, "Ingest checks": scope)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared import sync
from shared.events import envelope, inventory, purchases, returns, sales, shifts, stores
from syncserver.dte import folios
from syncserver.ingest import fiado, kardex, projections
from syncserver.ingest.limits import INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN
from syncserver.store import db
from syncserver.store import fiado as fiado_book
from syncserver.store import folios as folio_store

CHILE = ZoneInfo("America/Santiago")
_DOCUMENTED = (sales.SaleCompleted.TYPE, returns.ReturnCompleted.TYPE)
_BACK_OFFICE = (inventory.TransferSent.TYPE, inventory.TransferReceived.TYPE, inventory.CountStarted.TYPE,
                inventory.CountPosted.TYPE, inventory.MermaRecorded.TYPE, inventory.SupplierReturned.TYPE)
"""The back office's events: each names warehouses, and an id the master holds once."""
_WAREHOUSED = (purchases.PurchaseReceived.TYPE, *_BACK_OFFICE)
_SHIFTED = (sales.SaleCompleted.TYPE, returns.ReturnCompleted.TYPE, shifts.ShiftOpened.TYPE, shifts.CashMoved.TYPE,
            shifts.ShiftClosed.TYPE)
"""The event types the master folds into a shift's row (its sales, refunds, cash movements, closing)."""


@dataclass(slots=True)
class Scope:
    """What one push's terminal holds, read once before the batch is folded (:func:`load`)."""

    tenant_id: int
    terminal_id: str
    store_id: str
    epoch: int
    holders: dict[tuple[int, int], folio_store.Holder] = field(default_factory=dict)
    """The lease that holds each ``(tipo, folio)`` the batch's documents carry (absent: no lease holds it)."""
    own_tipos: dict[int, list[int]] = field(default_factory=dict)
    """For a refused folio, the types under which this terminal holds that number (to say "another type")."""
    warehouses: dict[str, str] = field(default_factory=dict)
    """``{warehouse_id: store_id}`` of every warehouse of the tenant (read when the batch names a warehouse)."""
    shifts: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """``{shift_id: (terminal_id, terminal name, store_id)}`` of the shifts the batch's events name that the master
    holds already."""
    stores: set[str] = field(default_factory=set)
    """The tenant's store ids (read when the batch sends a transfer)."""
    transfers: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """``{transfer_id: (from_store, to_store, state)}`` of the transfers the batch names that the master holds
    (and those the batch sent or received so far)."""
    counts: dict[str, tuple[str, str]] = field(default_factory=dict)
    """``{count_id: (store_id, state)}`` likewise (``open`` or ``posted``)."""
    held: set[tuple[str, str]] = field(default_factory=set)
    """``("merma"|"supplier_return", id)`` the master (or the batch so far) holds."""
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    """``(seq, type, reason)`` of the batch's events the ingest quarantined for :meth:`problem` (for the audit)."""
    ledger: fiado_book.Book | None = None
    """The customers, payments and balances the batch's fiado events name (``syncserver.store.fiado``)."""

    def problem(self, entry: envelope.Envelope, event: Any) -> str | None:
        """:meth:`beyond`, then what the master's fiado refuses (``fiado.Book.problem``: a customer of another
        tenant or unknown, a reversal of an unknown payment, of a reversal, of a payment already reversed)."""
        reason = self.beyond(entry, event)
        if reason is None and self.ledger is not None:
            reason = self.ledger.problem(entry, event)
        return reason

    def beyond(self, entry: envelope.Envelope, event: Any) -> str | None:
        """Why ``event`` (decoded, within its columns' limits) reaches beyond its terminal, in Spanish for HQ's
        quarantine page; None when it stays within: its document's folio is leased to this terminal (for this epoch
        or an earlier one: entries carried into a new epoch); a purchase's goods go to a warehouse HQ lists for its
        store (or the store's own sala de ventas, named as the store); a store's data it journaled are its own
        store's; a sale, return or shift event names a shift of this terminal (or one the master does not hold
        yet: its own, opened in this batch or still to come); a back-office event names its own store's warehouses
        (a transfer to another store, one of that store's), a transfer is sent once and received once, by the
        store it was sent to, a count is posted once (docs/architecture.md, "Ingest checks": scope). Every other
        event acts on its envelope's store, which the push already holds to the terminal's."""
        if isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted, shifts.ShiftOpened, shifts.CashMoved,
                              shifts.ShiftClosed)) and (reason := self._shift(event)) is not None:
            return reason
        if isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted)) and event.document is not None:
            return self._folio(event)
        if isinstance(event, purchases.PurchaseReceived):
            return self._warehouse(event.warehouse, "la compra")
        if type(event) in _CHECKS:
            return _CHECKS[type(event)](self, event)
        if isinstance(event, stores.StoreReceived) and event.store_id != self.store_id:
            return (f"tienda ajena: el evento trae los datos de la tienda «{event.store_id}», y esta caja es de la"
                    f" tienda «{self.store_id}»")
        return None

    def folio_refused(self, tipo: int, folio: int) -> str | None:
        """Why the document ``tipo``/``folio`` is not this terminal's to issue (None: it is)."""
        holder = self.holders.get((tipo, folio))
        if holder is not None and holder.terminal_id == self.terminal_id and 1 <= holder.epoch <= self.epoch:
            return None
        name = folios.named(tipo, folio)
        if holder is None:
            others = [t for t in self.own_tipos.get(folio, []) if t != tipo]
            if others:
                return (f"folio no asignado a esta caja: la {name} usa un número que esta caja tiene solo como"
                        f" {_listed([folios.NAMES.get(t, f'tipo {t}') for t in others])}, no como"
                        f" {folios.NAMES.get(tipo, f'documento tipo {tipo}')}")
            return f"folio no asignado a esta caja: ninguna caja recibió el folio de la {name}"
        if holder.terminal_id == folios.SERVER_TERMINAL:
            return (f"folio no asignado a esta caja: el folio de la {name} es del servidor (documentos que emite"
                    " HQ)")
        if holder.terminal_id != self.terminal_id:
            who = f"«{holder.terminal_name}»" if holder.terminal_name else holder.terminal_id
            return f"folio no asignado a esta caja: el folio de la {name} está asignado a otra caja ({who})"
        return (f"folio no asignado a esta caja: el folio de la {name} se le asignó para la época {holder.epoch},"
                f" y el evento es de la época {self.epoch}")

    def _folio(self, event: sales.SaleCompleted | returns.ReturnCompleted) -> str | None:
        d = event.document
        assert d is not None
        reason = self.folio_refused(d.tipo, d.folio)
        if reason is None:
            return None
        what = "la devolución" if isinstance(event, returns.ReturnCompleted) else "la venta"
        return f"{reason}; {what} no se registró y su documento no se envía al SII"


    def _shift(self, event: Any) -> str | None:
        owner = self.shifts.get(event.shift_id)
        if owner is None or owner[0] == self.terminal_id:
            return None
        what = _SHIFT_WHAT.get(type(event), "el evento")
        terminal_id, name, store_id = owner
        who = f"«{name}»" if name else terminal_id
        return (f"turno ajeno: {what} es del turno {event.shift_id}, que se abrió en otra caja ({who}, tienda"
                f" «{store_id}»); no se aplicó")

    def _warehouse(self, warehouse: str, what: str, does: str = "pone mercadería en") -> str | None:
        owner = self.warehouses.get(warehouse)
        if owner == self.store_id or (owner is None and warehouse == self.store_id):
            return None  # its own (the sala de ventas has the store's id)
        if owner is None:
            return (f"bodega desconocida: {what} {does} la bodega «{warehouse}», que HQ no tiene entre las"
                    f" bodegas de la tienda «{self.store_id}»; no se aplicó (créela en HQ, Tiendas)")
        return (f"bodega ajena: {what} {does} la bodega «{warehouse}» de la tienda «{owner}», y esta"
                f" caja es de la tienda «{self.store_id}»; no se aplicó")

    def _transfer_sent(self, event: inventory.TransferSent) -> str | None:
        """From a warehouse of its own store; to one of its own, or to a warehouse of the store it names (which
        then receives it); a transfer id is sent once."""
        what = f"el traslado {event.transfer_id}"
        reason = self._warehouse(event.from_warehouse, what, "saca mercadería de")
        if reason is not None:
            return reason
        if event.transfer_id in self.transfers:
            return f"traslado repetido: {what} ya se envió antes; la mercadería sale una vez"
        to_store, to_wh = event.to_store, event.to_warehouse
        if to_store == self.store_id:
            reason = self._warehouse(to_wh, what)
        elif to_store not in self.stores:
            reason = (f"tienda desconocida: {what} va a la tienda «{to_store}», que HQ no tiene entre las tiendas"
                      " de la empresa; no se aplicó")
        elif not (self.warehouses.get(to_wh) == to_store or (to_wh == to_store and to_wh not in self.warehouses)):
            owner = self.warehouses.get(to_wh)
            whose = f"es de la tienda «{owner}»" if owner is not None else "HQ no tiene"
            reason = (f"bodega ajena: {what} va a la tienda «{to_store}» pero nombra la bodega «{to_wh}», que"
                      f" {whose}; no se aplicó")
        if reason is None:
            self.transfers[event.transfer_id] = (self.store_id, to_store,
                                                 "received" if to_store == self.store_id else "in_transit")
        return reason

    def _transfer_received(self, event: inventory.TransferReceived) -> str | None:
        """Into a warehouse of its own store, a transfer the master holds as sent to this store from
        ``from_store`` and not received yet."""
        what = f"la recepción del traslado {event.transfer_id}"
        reason = self._warehouse(event.to_warehouse, what)
        if reason is not None:
            return reason
        sent = self.transfers.get(event.transfer_id)
        if sent is None:
            return (f"traslado desconocido: {what} nombra un traslado que ninguna tienda envió; la mercadería no"
                    " entró")
        from_store, to_store, state = sent
        if to_store != self.store_id:
            return (f"traslado de otra tienda: el traslado {event.transfer_id} se envió a la tienda «{to_store}»,"
                    f" y esta caja es de la tienda «{self.store_id}»; la mercadería no entró")
        if state == "received":
            return (f"traslado ya recibido: el traslado {event.transfer_id} se recibió antes; la mercadería entra"
                    " una vez")
        if event.from_store != from_store:
            return (f"traslado mal identificado: el traslado {event.transfer_id} lo envió la tienda «{from_store}»,"
                    f" no «{event.from_store}»; la mercadería no entró")
        self.transfers[event.transfer_id] = (from_store, to_store, "received")
        return None

    def _count(self, event: inventory.CountStarted | inventory.CountPosted) -> str | None:
        """A count of its own store's warehouse, posted once."""
        what = f"la toma de inventario {event.count_id}"
        reason = self._warehouse(event.warehouse, what, "cuenta")
        if reason is not None:
            return reason
        store_id, state = self.counts.get(event.count_id, (self.store_id, "new"))
        if store_id != self.store_id:
            return f"toma de otra tienda: {what} es de la tienda «{store_id}»; no se aplicó"
        if isinstance(event, inventory.CountPosted):
            if state == "posted":
                return f"toma ya registrada: {what} se registró antes; sus ajustes se aplican una vez"
            self.counts[event.count_id] = (store_id, "posted")
        elif state == "new":
            self.counts[event.count_id] = (store_id, "open")
        return None

    def _once(self, kind: str, key: str, what: str, warehouse: str, does: str) -> str | None:
        reason = self._warehouse(warehouse, what, does)
        if reason is not None:
            return reason
        if (kind, key) in self.held:
            return f"{what} ya llegó antes (id repetido); se aplica una vez"
        self.held.add((kind, key))
        return None

    def _merma(self, event: inventory.MermaRecorded) -> str | None:
        return self._once("merma", event.merma_id, f"la merma {event.merma_id}", event.warehouse,
                          "saca mercadería de")

    def _supplier_return(self, event: inventory.SupplierReturned) -> str | None:
        return self._once("supplier_return", event.return_id, f"la devolución al proveedor {event.return_id}",
                          event.warehouse, "saca mercadería de")


_CHECKS: dict[type[Any], Callable[[Scope, Any], str | None]] = {
    inventory.TransferSent: Scope._transfer_sent, inventory.TransferReceived: Scope._transfer_received,
    inventory.CountStarted: Scope._count, inventory.CountPosted: Scope._count,
    inventory.MermaRecorded: Scope._merma, inventory.SupplierReturned: Scope._supplier_return}
_SHIFT_WHAT: dict[type[Any], str] = {sales.SaleCompleted: "la venta", returns.ReturnCompleted: "la devolución",
                                     shifts.ShiftOpened: "la apertura", shifts.CashMoved: "el movimiento de caja",
                                     shifts.ShiftClosed: "el cierre"}


def _listed(names: list[str]) -> str:
    """``"a"``, ``"a y b"``, ``"a, b y c"``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} y {names[-1]}"


def _document_key(payload: Any) -> tuple[int, int] | None:
    """``(tipo, folio)`` of a raw sale or return payload's document, when both are integers their columns hold."""
    doc = payload.get("document") if isinstance(payload, dict) else None
    if not isinstance(doc, dict):
        return None
    tipo, folio = doc.get("tipo"), doc.get("folio")
    if (type(tipo) is not int or type(folio) is not int or not INT4_MIN <= tipo <= INT4_MAX
            or not INT8_MIN <= folio <= INT8_MAX):
        return None
    return tipo, folio


async def load(conn: db.Conn, tenant_id: int, terminal_id: str, store_id: str, epoch: int,
               entries: Sequence[envelope.Envelope]) -> Scope:
    """Read what :meth:`Scope.problem` needs for ``entries`` (the batch's new entries, raw), in the push's
    transaction: the leases holding their documents' folios (one statement, when there are documents), the shifts
    its entries name (one statement, by primary key) and the tenant's warehouses (when an entry names one)."""
    scope = Scope(tenant_id, terminal_id, store_id, epoch)
    keys = {key for e in entries if e.type in _DOCUMENTED and (key := _document_key(e.payload)) is not None}
    if keys:
        scope.holders = await folio_store.holders(conn, tenant_id, sorted(keys))
        for tipo, folio in sorted(keys):
            if scope.folio_refused(tipo, folio) is not None and folio not in scope.own_tipos:  # rare: a refusal
                scope.own_tipos[folio] = await folio_store.own_tipos(conn, tenant_id, terminal_id, folio)
    shift_ids = sorted({shift_id for e in entries if e.type in _SHIFTED and isinstance(e.payload, dict)
                        and isinstance(shift_id := e.payload.get("shift_id"), str)})
    if shift_ids:
        rows = await (await conn.execute(
            "SELECT s.shift_id, s.terminal_id, COALESCE(t.name, ''), s.store_id FROM shifts s LEFT JOIN terminals t"
            " ON t.tenant_id = s.tenant_id AND t.terminal_id = s.terminal_id WHERE s.tenant_id = %s"
            " AND s.shift_id = ANY(%s)", (tenant_id, shift_ids))).fetchall()
        scope.shifts = {str(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in rows}
    if any(e.type in projections.ORDERED_TYPES for e in entries):
        await kardex.lock(conn, tenant_id, store_id)  # before reading what the store's other tills may change
    if any(e.type in _WAREHOUSED for e in entries):
        rows = await (await conn.execute("SELECT warehouse_id, store_id FROM warehouses WHERE tenant_id = %s",
                                         (tenant_id,))).fetchall()
        scope.warehouses = {str(r[0]): str(r[1]) for r in rows}
    if any(e.type in _BACK_OFFICE for e in entries):
        await _load_back_office(conn, scope, entries)
    if any(fiado.concerns_raw(e) for e in entries):
        scope.ledger = await fiado.scoped(conn, tenant_id, [e.payload for e in entries if fiado.concerns_raw(e)])
    return scope


def _ids(entries: Sequence[envelope.Envelope], types: tuple[str, ...], name: str) -> list[str]:
    return sorted({value for e in entries if e.type in types and isinstance(e.payload, dict)
                   and isinstance(value := e.payload.get(name), str)})


async def _load_back_office(conn: db.Conn, scope: Scope, entries: Sequence[envelope.Envelope]) -> None:
    """The stores, and the transfers, counts, mermas and returns to suppliers the batch names, as the master holds
    them (one statement each, by primary key)."""
    tenant_id = scope.tenant_id
    if any(e.type == inventory.TransferSent.TYPE for e in entries):
        rows = await (await conn.execute("SELECT store_id FROM stores WHERE tenant_id = %s", (tenant_id,))).fetchall()
        scope.stores = {str(r[0]) for r in rows}
    if ids := _ids(entries, (inventory.TransferSent.TYPE, inventory.TransferReceived.TYPE), "transfer_id"):
        rows = await (await conn.execute(
            "SELECT transfer_id, from_store, to_store, state FROM transfers WHERE tenant_id = %s"
            " AND transfer_id = ANY(%s)", (tenant_id, ids))).fetchall()
        scope.transfers = {str(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in rows}
    if ids := _ids(entries, (inventory.CountStarted.TYPE, inventory.CountPosted.TYPE), "count_id"):
        rows = await (await conn.execute(
            "SELECT count_id, store_id, state FROM counts WHERE tenant_id = %s AND count_id = ANY(%s)",
            (tenant_id, ids))).fetchall()
        scope.counts = {str(r[0]): (str(r[1]), str(r[2])) for r in rows}
    for kind, table, column, type_ in (("merma", "mermas", "merma_id", inventory.MermaRecorded.TYPE),
                                       ("supplier_return", "supplier_returns", "return_id",
                                        inventory.SupplierReturned.TYPE)):
        if ids := _ids(entries, (type_,), column):
            rows = await (await conn.execute(
                f"SELECT {column} FROM {table} WHERE tenant_id = %s AND {column} = ANY(%s)",
                (tenant_id, ids))).fetchall()
            scope.held |= {(kind, str(r[0])) for r in rows}


@dataclass(frozen=True, slots=True)
class Closed:
    """A store HQ deactivated (Tiendas): its name, since when (aware) and why."""

    name: str
    since: datetime
    reason: str

    def refusal(self) -> sync.SyncError:
        """``store_inactive``: what the terminal shows in its status bar (its entries stay in its journal)."""
        since = self.since.astimezone(CHILE).strftime("%d-%m-%Y a las %H:%M")
        why = f" ({self.reason})" if self.reason else ""
        return sync.SyncError(
            "store_inactive", f"la tienda «{self.name}» está desactivada en HQ desde el {since}{why}: el servidor no"
                              " recibe lo que esta caja registró desde entonces. Lo anterior quedó registrado; lo"
                              " demás queda guardado en esta caja hasta que HQ reactive la tienda",
            deactivated_at=self.since.isoformat())


async def closed_store(conn: db.Conn, tenant_id: int, store_id: str) -> Closed | None:
    """The terminal's store when HQ has deactivated it; None while it is active."""
    row = await (await conn.execute(
        "SELECT name, deactivated_at, COALESCE(deactivated_reason, '') FROM stores WHERE tenant_id = %s"
        " AND store_id = %s AND deactivated_at IS NOT NULL", (tenant_id, store_id))).fetchone()
    return None if row is None else Closed(str(row[0]), row[1], str(row[2]))


def dated_before(entries: Sequence[envelope.Envelope], since: datetime) -> int:
    """How many of ``entries``, from the first, the terminal dated before ``since`` (by its own clock, the only
    date an entry has); one whose ``occurred_at`` is no ISO date-time with its offset ends the count."""
    for n, e in enumerate(entries):
        try:
            at = datetime.fromisoformat(e.occurred_at)
        except ValueError:
            return n
        if at.tzinfo is None or at >= since:
            return n
    return len(entries)
