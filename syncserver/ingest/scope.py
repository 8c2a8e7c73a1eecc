"""What a terminal's events may touch: only folios leased to that terminal, only its own store and that store's
warehouses (the rest is quarantined with the reason), and nothing dated after HQ deactivated its store
(docs/architecture.md, "Ingest checks": scope)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared import sync
from shared.events import envelope, purchases, returns, sales, shifts, stores
from syncserver.dte import folios
from syncserver.ingest.limits import INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN
from syncserver.store import db
from syncserver.store import folios as folio_store

CHILE = ZoneInfo("America/Santiago")
_DOCUMENTED = (sales.SaleCompleted.TYPE, returns.ReturnCompleted.TYPE)
_WAREHOUSED = (purchases.PurchaseReceived.TYPE,)
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
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    """``(seq, type, reason)`` of the batch's events the ingest quarantined for :meth:`problem` (for the audit)."""

    def problem(self, entry: envelope.Envelope, event: Any) -> str | None:
        """Why ``event`` (decoded, within its columns' limits) reaches beyond its terminal, in Spanish for HQ's
        quarantine page; None when it stays within: its document's folio is leased to this terminal (for this epoch
        or an earlier one: entries carried into a new epoch); a purchase's goods go to a warehouse HQ lists for its
        store (or the store's own sala de ventas, named as the store); a store's data it journaled are its own
        store's; a sale, return or shift event names a shift of this terminal (or one the master does not hold
        yet: its own, opened in this batch or still to come). Every other event acts on its envelope's store,
        which the push already holds to the terminal's. (A transfer between stores, should one exist, names its
        receiving store and is folded there when received.)"""
        if isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted, shifts.ShiftOpened, shifts.CashMoved,
                              shifts.ShiftClosed)) and (reason := self._shift(event)) is not None:
            return reason
        if isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted)) and event.document is not None:
            return self._folio(event)
        if isinstance(event, purchases.PurchaseReceived):
            return self._warehouse(event.warehouse, "la compra")
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

    def _warehouse(self, warehouse: str, what: str) -> str | None:
        owner = self.warehouses.get(warehouse)
        if owner == self.store_id or (owner is None and warehouse == self.store_id):
            return None  # its own (the sala de ventas has the store's id)
        if owner is None:
            return (f"bodega desconocida: {what} pone mercadería en la bodega «{warehouse}», que HQ no tiene entre las"
                    f" bodegas de la tienda «{self.store_id}»; no se aplicó (créela en HQ, Tiendas)")
        return (f"bodega ajena: {what} pone mercadería en la bodega «{warehouse}» de la tienda «{owner}», y esta"
                f" caja es de la tienda «{self.store_id}»; no se aplicó")


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
    if any(e.type in _WAREHOUSED for e in entries):
        rows = await (await conn.execute("SELECT warehouse_id, store_id FROM warehouses WHERE tenant_id = %s",
                                         (tenant_id,))).fetchall()
        scope.warehouses = {str(r[0]): str(r[1]) for r in rows}
    return scope


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
