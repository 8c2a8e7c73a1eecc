"""The back office's Transferencias page: goods sent from one of the store's warehouses to another of its own or
to another store (a sheet of lines filled by scanning or searching), what other stores sent received line by line
with the differences recorded, and every transfer with its state (``desktop.services.transfers``).

Plain Python (no Qt): ``desktop.ui.backoffice.transfers_page`` draws ``TransfersView``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from desktop.journal import inventory_queries as queries
from desktop.presenters.backoffice import lines
from desktop.presenters.backoffice.lines import Found, Line
from desktop.services import inventory, transfers
from desktop.services.auth import User
from desktop.services.catalog import CatalogService
from shared import errors, es_cl, money, roles

READ_ONLY = "Sólo lectura: los traslados los envía y recibe un administrador."
SECTIONS = (("send", "Enviar"), ("incoming", "Recibir"), ("history", "Historial"))
SHEET_COLUMNS = ("Producto", "Cantidad", "Unidad")
INCOMING_COLUMNS = ("Enviado el", "Desde", "Hacia", "Líneas")
RECEIPT_COLUMNS = ("Producto", "Enviado", "Recibido", "Diferencia")
HISTORY_COLUMNS = ("Enviado el", "Traslado", "Estado", "Líneas", "Diferencias")
OTHER_STORE = "other"
"""``destination`` when the goods go to another store."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """An incoming transfer being received: what was sent, and what arrived as typed (``received``: SKU → text;
    a line not typed arrived as sent)."""

    transfer_id: str
    title: str
    lines: tuple[queries.TransferLineRow, ...]
    received: tuple[tuple[str, str], ...] = ()
    selected: int | None = None

    def typed(self, sku: str) -> str | None:
        return dict(self.received).get(sku)


@dataclass(frozen=True, slots=True)
class TransfersView:
    """``section`` of :data:`SECTIONS`. Sending: ``source`` and ``destination`` (a warehouse id of
    ``warehouses`` or :data:`OTHER_STORE`, then ``to_store`` as typed and ``to_bodega``), the sheet ``lines``
    (``selected`` one), ``note``. Receiving: ``incoming`` rows (:data:`INCOMING_COLUMNS`) and the ``receipt``
    opened. ``history`` rows follow :data:`HISTORY_COLUMNS`."""

    warehouses: tuple[tuple[str, str], ...]
    source: str
    destination: str
    section: str = "send"
    to_store: str = ""
    to_bodega: bool = False
    found: Found = lines.NOTHING
    lines: tuple[Line, ...] = ()
    selected: int | None = None
    note: str = ""
    incoming: tuple[tuple[str, ...], ...] = ()
    receipt: Receipt | None = None
    history: tuple[tuple[str, ...], ...] = ()
    can_edit: bool = False
    moved: int = 0
    """How many times stock moved on this page (the shell takes the stock alerts again)."""
    message: str = ""
    error: bool = False

    @property
    def sheet(self) -> tuple[tuple[str, ...], ...]:
        return tuple((f"{x.sku} · {x.name}", x.quantity, lines.unit_of(x.sold_by) + (f" · {x.problem}"
                                                                                        if x.problem else ""))
                     for x in self.lines)

    @property
    def quantity(self) -> str:
        """The selected line's quantity as typed ("" with none selected)."""
        return self.lines[self.selected].quantity if self.selected is not None else ""

    @property
    def receipt_rows(self) -> tuple[tuple[str, ...], ...]:
        if self.receipt is None:
            return ()
        rows = []
        for x in self.receipt.lines:
            typed = self.receipt.typed(x.sku)
            got = typed if typed is not None else es_cl.number(x.sent)
            try:
                diff = inventory.parse_quantity(got, zero=True, sold_by="kg") - x.sent
                difference = "—" if diff == 0 else es_cl.number(diff)
            except errors.PosError as exc:
                difference = lines.describe_error(exc)
            rows.append((f"{x.sku} · {x.name}", es_cl.number(x.sent), got, difference))
        return tuple(rows)


def _day(iso: str) -> str:
    parts = iso[:10].split("-")
    return f"{parts[2]}-{parts[1]}-{parts[0]} {iso[11:16]}".strip() if len(parts) == 3 else iso


class TransfersPresenter:
    """The Transferencias page of ``user`` (an administrador sends and receives; a supervisor reads)."""

    def __init__(self, service: transfers.TransferService, products: CatalogService, conn: sqlite3.Connection,
                 user: User, warehouses: list[inventory.Warehouse],
                 on_change: Callable[[TransfersView], None] = lambda v: None) -> None:
        self.service, self.products, self.conn, self.user = service, products, conn, user
        self.on_change = on_change
        self.names = {w.warehouse_id: w.name for w in warehouses}
        choices = tuple((w.warehouse_id, w.name) for w in warehouses)
        can_edit = user.role is roles.Role.ADMIN
        self._incoming: list[str] = []
        self.view = self._lists(TransfersView(
            warehouses=choices, source=choices[0][0] if choices else "",
            destination=choices[1][0] if len(choices) > 1 else OTHER_STORE, can_edit=can_edit,
            message="" if can_edit else READ_ONLY))

    def _emit(self, view: TransfersView) -> TransfersView:
        self.view = view
        self.on_change(view)
        return view

    def _place(self, store: str, warehouse: str) -> str:
        own = queries.store_id(self.conn)
        if store == own or not store:
            return self.names.get(warehouse, warehouse)
        return f"Tienda {store} · {'Bodega' if warehouse.endswith('-bodega') else 'Sala de ventas'}"

    def _lists(self, view: TransfersView) -> TransfersView:
        """``view`` with the incoming transfers and the history read again."""
        waiting = queries.transfers(self.conn, state="in_transit", direction="incoming")
        self._incoming = [t.transfer_id for t in waiting]
        incoming = tuple((_day(t.sent_at), self._place(t.from_store, t.from_warehouse),
                          self._place(t.to_store, t.to_warehouse), str(len(t.lines))) for t in waiting)
        history = []
        for t in queries.transfers(self.conn):
            state = {"in_transit": "En camino", "received": "Recibido"}.get(t.state, t.state)
            if t.direction == "internal":
                state = "Hecho"
            differences = sum(1 for x in t.lines if x.difference not in (None, Decimal(0)))
            history.append((_day(t.sent_at), f"{self._place(t.from_store, t.from_warehouse)} → "
                            f"{self._place(t.to_store, t.to_warehouse)}", state, str(len(t.lines)),
                            str(differences) if t.state == "received" and t.direction != "internal" else "—"))
        return replace(view, incoming=incoming, history=tuple(history))

    def show(self, section: str) -> TransfersView:
        if section not in dict(SECTIONS):
            return self.view
        return self._emit(self._lists(replace(self.view, section=section)))

    def refresh(self) -> TransfersView:
        """Read the transfers again (one may have arrived from the master meanwhile)."""
        return self._emit(self._lists(self.view))

    # --- sending ------------------------------------------------------------------------------------------

    def set_source(self, warehouse: str) -> TransfersView:
        if warehouse not in self.names:
            return self.view
        destination = self.view.destination
        if destination == warehouse:  # never the same at both ends: the other one of the store's
            destination = next((w for w in self.names if w != warehouse), OTHER_STORE)
        return self._emit(replace(self.view, source=warehouse, destination=destination))

    def set_destination(self, destination: str) -> TransfersView:
        if destination != OTHER_STORE and destination not in self.names:
            return self.view
        return self._emit(replace(self.view, destination=destination))

    def set_to_store(self, text: str) -> TransfersView:
        return self._emit(replace(self.view, to_store=text))

    def set_to_bodega(self, bodega: bool) -> TransfersView:
        return self._emit(replace(self.view, to_bodega=bodega))

    def search(self, text: str) -> TransfersView:
        return self._emit(replace(self.view, found=lines.search(self.products, text)))

    def scan(self, code: str) -> TransfersView:
        """A scanned code (or one typed, then Enter): one more of its product on the sheet."""
        try:
            product = lines.scanned(self.products, code)
        except errors.PosError as exc:
            return self._emit(replace(self.view, found=lines.Found(code, (), lines.describe_error(exc))))
        return self._add(product.sku)

    def choose(self, sku: str) -> TransfersView:
        """A product touched among the results: on the sheet."""
        return self._add(sku)

    def _add(self, sku: str) -> TransfersView:
        product = self.products.by_sku(sku)
        if product is None or self.view.section != "send":
            return self.view
        sheet, row = lines.add(self.view.lines, product)
        return self._emit(replace(self.view, lines=sheet, selected=row, found=lines.Found(), message="",
                                  error=False))

    def select(self, row: int) -> TransfersView:
        if not 0 <= row < len(self.view.lines):
            return self.view
        return self._emit(replace(self.view, selected=row))

    def set_quantity(self, text: str) -> TransfersView:
        """The selected line's quantity as typed (checked at once, kept even when wrong)."""
        n = self.view.selected
        if n is None:
            return self.view
        line = replace(self.view.lines[n], quantity=text).checked()
        return self._emit(replace(self.view, lines=lines.put(self.view.lines, n, line)))

    def remove(self) -> TransfersView:
        """Take the selected line off the sheet."""
        n = self.view.selected
        if n is None:
            return self.view
        sheet, selected = lines.drop(self.view.lines, n)
        return self._emit(replace(self.view, lines=sheet, selected=selected))

    def set_note(self, text: str) -> TransfersView:
        return self._emit(replace(self.view, note=text))

    def send(self) -> TransfersView:
        """Send the sheet; a refusal (a bad line, no destination...) keeps it as typed."""
        view = self.view
        if not view.can_edit:
            return self._emit(replace(view, message=READ_ONLY, error=True))
        if view.destination == OTHER_STORE:
            store = view.to_store.strip()
            if not store:
                return self._emit(replace(view, message="Escriba el código de la tienda de destino", error=True))
            to_store, to_warehouse = store, inventory.bodega_of(store) if view.to_bodega else store
        else:
            to_store, to_warehouse = "", view.destination
        try:
            event = self.service.send(self.user, [(x.sku, x.quantity) for x in view.lines],
                                      from_warehouse=view.source, to_warehouse=to_warehouse, to_store=to_store,
                                      note=view.note)
        except errors.PosError as exc:
            return self._emit(replace(view, message=lines.describe_error(exc), error=True))
        n = len(event.lines)
        where = self._place(event.to_store, event.to_warehouse)
        done = "Traslado hecho" if not to_store else "Traslado enviado (queda en camino hasta que lo reciban)"
        return self._emit(self._lists(replace(
            view, lines=(), selected=None, note="", found=lines.Found(), error=False, moved=view.moved + 1,
            message=f"{done}: {lines.plural(n, 'producto', 'productos')} de {self.names.get(view.source, view.source)} "
                    f"a {where}")))

    # --- receiving -----------------------------------------------------------------------------------------

    def open_incoming(self, row: int) -> TransfersView:
        """Open the incoming transfer of ``row`` to receive it."""
        if not 0 <= row < len(self._incoming):
            return self.view
        found = queries.transfer(self.conn, self._incoming[row])
        if found is None:
            return self.view
        title = (f"De {self._place(found.from_store, found.from_warehouse)} a "
                 f"{self._place(found.to_store, found.to_warehouse)} · enviado el {_day(found.sent_at)}"
                 + (f" · {found.note}" if found.note else ""))
        return self._emit(replace(self.view, receipt=Receipt(found.transfer_id, title, found.lines), message="",
                                  error=False))

    def select_received(self, row: int) -> TransfersView:
        receipt = self.view.receipt
        if receipt is None or not 0 <= row < len(receipt.lines):
            return self.view
        return self._emit(replace(self.view, receipt=replace(receipt, selected=row)))

    def set_received(self, text: str) -> TransfersView:
        """What arrived of the selected line, as typed (0 when nothing did)."""
        receipt = self.view.receipt
        if receipt is None or receipt.selected is None:
            return self.view
        sku = receipt.lines[receipt.selected].sku
        typed = (*((s, t) for s, t in receipt.received if s != sku), (sku, text))
        return self._emit(replace(self.view, receipt=replace(receipt, received=typed)))

    def close_receipt(self) -> TransfersView:
        return self._emit(replace(self.view, receipt=None))

    def receive(self) -> TransfersView:
        """Receive the opened transfer with what arrived; the differences are recorded."""
        view, receipt = self.view, self.view.receipt
        if receipt is None:
            return view
        if not view.can_edit:
            return self._emit(replace(view, message=READ_ONLY, error=True))
        try:
            event = self.service.receive(self.user, receipt.transfer_id, dict(receipt.received))
        except errors.PosError as exc:
            return self._emit(replace(view, message=lines.describe_error(exc), error=True))
        short = [x for x in event.lines if x.received != x.sent]
        value = sum(money.line_amount(x.unit_cost, x.received - x.sent) for x in short)
        said = (f"Traslado recibido con {len(short)} diferencia{'s' if len(short) != 1 else ''} "
                f"({money.format_clp(value)} a costo)" if short else "Traslado recibido completo, sin diferencias")
        return self._emit(self._lists(replace(view, receipt=None, message=said, error=False, moved=view.moved + 1)))
