"""Transfers of goods: between the store's own warehouses (at once), to another store of the tenant (in transit
until it receives them), and receiving what another store sent, with the differences recorded.

A transfer is received once, and only by the store it was sent to: the check runs inside the unit of work that
journals the receipt, so two tills of the store cannot both receive it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from desktop.journal import inventory_queries, read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import inventory
from desktop.services.auth import User
from shared import catalog, errors
from shared.events import inventory as events
from shared.events import rules

MAX_LINES: Final = rules.TRANSFER_LINES_MAX
"""Most products one transfer carries."""


class TransferRefused(inventory.Refused):
    """A transfer that cannot be sent or received as asked."""


class TransferAlreadyReceived(TransferRefused):
    def __init__(self, transfer_id: str, received_by: str) -> None:
        super().__init__(f"El traslado {transfer_id} ya fue recibido (lo recibió {received_by}); no se recibe dos "
                         "veces.")
        self.transfer_id = transfer_id
        self.received_by = received_by


class TransferNotForThisStore(TransferRefused):
    def __init__(self, transfer_id: str, reason: str) -> None:
        super().__init__(f"El traslado {transfer_id} no es para esta tienda: {reason}.")
        self.transfer_id = transfer_id


class TransferService:
    """Sends and receives transfers at the store."""

    def __init__(self, journal: SqliteJournal, resolve: Callable[[str], catalog.Product],
                 new_id: Callable[[], str], user_name: Callable[[str], str] = lambda user_id: user_id) -> None:
        self.journal = journal
        self.resolve = resolve
        self.new_id = new_id
        self.user_name = user_name

    def line(self, code: str, quantity: str | Decimal) -> events.TransferLine:
        """A line of a transfer: the product of ``code`` (scanned, PLU or SKU), ``quantity`` in its unit, at the
        store's cost now.

        Raises:
            UnknownProduct, InvalidBarcode: no such product.
            InvalidQuantity: zero, negative, decimals on units, absurd.
        """
        product = inventory.product(self.journal, code, self.resolve)
        qty = inventory.parse_quantity(quantity, product.sold_by)
        return events.TransferLine(product.sku, product.name, qty,
                                   inventory.unit_cost(self.journal, product.sku, qty))

    def send(self, actor: User | None, lines: Sequence[tuple[str, str | Decimal]], *, from_warehouse: str,
             to_warehouse: str = "", to_store: str = "", note: str = "") -> events.TransferSent:
        """Journal a transfer of ``lines`` (``(code, quantity)``; one product twice is added up) from one of the
        store's warehouses to another of its own (``to_store`` ``""``), or to ``to_warehouse`` of another store
        (``""``: its sala de ventas).

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            UnknownWarehouse: ``from_warehouse`` (or, within the store, ``to_warehouse``) is not the store's.
            TransferRefused: no lines, too many, the same warehouse at both ends, a warehouse that is not the
                other store's, a note too long; a line with an unknown product or a bad quantity ("Línea 2: ...").
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory.require_admin(actor, "enviar traslados")
        assert actor is not None
        store = self.journal.identity.store_id
        source = inventory.own_warehouse(self.journal, from_warehouse)
        to_store = to_store.strip() or store
        if to_store == store:
            target = inventory.own_warehouse(self.journal, to_warehouse)
            if target == source:
                raise TransferRefused("El origen y el destino del traslado son la misma bodega.")
        else:
            target = to_warehouse.strip() or to_store
            if target not in (to_store, inventory.bodega_of(to_store)):
                raise TransferRefused(f"La bodega {target!r} no es de la tienda {to_store}: use {to_store} (sala de "
                                      f"ventas) o {inventory.bodega_of(to_store)}.")
        if not lines:
            raise TransferRefused("El traslado no tiene productos.")
        if len(lines) > MAX_LINES:
            raise TransferRefused(f"El traslado tiene {len(lines)} líneas; el máximo es {MAX_LINES}.")
        merged: dict[str, events.TransferLine] = {}
        for n, (code, quantity) in enumerate(lines, start=1):
            try:
                line = self.line(code, quantity)
            except errors.PosError as exc:
                raise _at_line(exc, n) from None
            if line.sku in merged:
                total = merged[line.sku].quantity + line.quantity
                line = self.line(line.sku, total)
            merged[line.sku] = line
        event = events.TransferSent(transfer_id=self.new_id(), from_warehouse=source, to_store=to_store,
                                    to_warehouse=target, lines=tuple(merged.values()), sent_by=actor.user_id,
                                    note=inventory.clean_text(note, "la nota"))
        self.journal.append(event)
        return event

    def incoming(self, transfer_id: str) -> inventory_queries.TransferRow:
        """The transfer ``transfer_id`` another store sent to this one, as the master forwarded it.

        Raises:
            TransferNotForThisStore: this store sent it, or it goes to another store's warehouse.
            TransferAlreadyReceived: it was received already.
            TransferRefused: no such transfer has arrived at this till (not synced yet, or a wrong id).
        """
        row = inventory_queries.transfer(self.journal.conn, transfer_id.strip())
        if row is None:
            raise TransferRefused(f"No hay un traslado {transfer_id!r} en camino a esta tienda (si se acaba de "
                                  "enviar, sincronice y vuelva a intentar).")
        if row.direction != "incoming":
            raise TransferNotForThisStore(transfer_id, "lo envió esta misma tienda; lo recibe la de destino")
        known = tuple(w.warehouse_id for w in inventory.warehouses(self.journal))
        if row.to_warehouse not in known:
            raise TransferNotForThisStore(transfer_id, f"va a {row.to_warehouse}, que no es una bodega de esta tienda")
        if row.state == "received":
            raise TransferAlreadyReceived(transfer_id, self.user_name(row.received_by))
        return row

    def receive(self, actor: User | None, transfer_id: str, received: Mapping[str, str | Decimal] | None = None, *,
                note: str = "") -> events.TransferReceived:
        """Journal the receipt of transfer ``transfer_id``: ``received`` maps a SKU to what arrived of it (0 when
        nothing did); a SKU not in it arrived as sent. The differences stay in the event.

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            TransferNotForThisStore, TransferRefused: as :meth:`incoming`; a SKU the transfer does not carry.
            TransferAlreadyReceived: it was received before (at this till or another of the store).
            InvalidQuantity: a negative, fractional (units) or absurd quantity received.
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory.require_admin(actor, "recibir traslados")
        assert actor is not None
        row = self.incoming(transfer_id)
        received = dict(received or {})
        strangers = sorted(set(received) - {x.sku for x in row.lines})
        if strangers:
            raise TransferRefused(f"El traslado {row.transfer_id} no trae {', '.join(strangers)}.")
        lines = []
        for x in row.lines:
            typed = received.get(x.sku)
            got = x.sent
            if typed is not None:
                product = read_models.by_sku(self.journal.conn, x.sku)
                sold_by = product.sold_by if product is not None else (
                    catalog.SoldBy.UNIT if x.sent == x.sent.to_integral_value() else catalog.SoldBy.KG)
                try:
                    got = inventory.parse_quantity(typed, sold_by, zero=True)
                except errors.InvalidQuantity as exc:
                    raise errors.InvalidQuantity(typed, f"{x.name}: {exc.reason}") from None
            lines.append(events.ReceivedLine(x.sku, x.name, x.sent, got, x.unit_cost))
        event = events.TransferReceived(transfer_id=row.transfer_id, from_store=row.from_store,
                                        to_warehouse=row.to_warehouse, lines=tuple(lines),
                                        received_by=actor.user_id, note=inventory.clean_text(note, "la nota"))
        with self.journal.unit_of_work() as uow:
            self.incoming(row.transfer_id)  # again, inside the transaction: another till may have received it
            uow.append(event)
        return event


def _at_line(exc: errors.PosError, n: int) -> inventory.Refused:
    return TransferRefused(f"Línea {n}: {exc}")
