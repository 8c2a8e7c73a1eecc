"""Toma de inventario: a blind count sheet per warehouse (or one category of it), filled by scanning or typing
(each line kept at once, so a power cut loses nothing), posted once as adjustments with a reason and who approved
it. A product HQ deactivated while the count was open is named, and the rest can be posted without it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from desktop.journal import count_drafts, inventory_queries, read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import inventory
from desktop.services.auth import User
from shared import catalog, errors
from shared.events import inventory as events
from shared.events import rules

MAX_LINES: Final = rules.COUNT_LINES_MAX
"""Most products one count posts."""


class CountRefused(inventory.Refused):
    """A count that cannot be started, filled or posted as asked."""


class CountAlreadyPosted(CountRefused):
    def __init__(self, count_id: str, approved_by: str) -> None:
        super().__init__(f"La toma {count_id} ya fue publicada (la aprobó {approved_by}); no se publica dos veces.")
        self.count_id = count_id
        self.approved_by = approved_by


class InactiveProducts(CountRefused):
    """Products of the count HQ deactivated while it was open: ``products`` ``(sku, name)``. Post the rest with
    ``leave_out_inactive``, or count them again once HQ reactivates them."""

    def __init__(self, products: list[tuple[str, str]]) -> None:
        names = ", ".join(f"{name} ({sku})" for sku, name in products)
        super().__init__(f"Casa matriz desactivó {'este producto' if len(products) == 1 else 'estos productos'} "
                         f"mientras la toma estaba abierta: {names}. Publique el resto sin "
                         f"{'él' if len(products) == 1 else 'ellos'}.")
        self.products = products


@dataclass(frozen=True, slots=True)
class Counted:
    """A line of the sheet as the counter left it (blind: no expected quantity)."""

    sku: str
    name: str
    counted: Decimal


class CountService:
    """Opens, fills and posts counts at the store."""

    def __init__(self, journal: SqliteJournal, resolve: Callable[[str], catalog.Product],
                 new_id: Callable[[], str], user_name: Callable[[str], str] = lambda user_id: user_id) -> None:
        self.journal = journal
        self.resolve = resolve
        self.new_id = new_id
        self.user_name = user_name

    def start(self, actor: User | None, warehouse: str = "", category: str = "") -> events.CountStarted:
        """Open a count sheet for ``warehouse`` (``""``: the sala de ventas), for ``category`` or all of it.

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            UnknownWarehouse: not one of the store's warehouses.
            CountRefused: a count of the same warehouse covering the same products is open already.
        """
        inventory.require_admin(actor, "abrir tomas de inventario")
        assert actor is not None
        warehouse = inventory.own_warehouse(self.journal, warehouse)
        category = inventory.clean_text(category, "la categoría", most=60)
        for other in inventory_queries.open_counts(self.journal.conn):
            if other.warehouse == warehouse and (not other.category or not category or other.category == category):
                raise CountRefused(f"Ya hay una toma abierta de {inventory.warehouse_name(self.journal, warehouse)}"
                                   f"{' (' + other.category + ')' if other.category else ''}: publíquela antes de "
                                   "abrir otra.")
        event = events.CountStarted(count_id=self.new_id(), warehouse=warehouse, category=category,
                                    started_by=actor.user_id)
        self.journal.append(event)
        return event

    def started(self, count_id: str) -> inventory_queries.CountRow:
        """The count ``count_id`` (open or posted). Raises: CountRefused (no such count)."""
        wanted = count_id.strip()
        found = next((c for c in inventory_queries.open_counts(self.journal.conn) if c.count_id == wanted), None)
        if found is None:  # posted, or unknown
            sheet = inventory_queries.count_sheet(self.journal.conn, wanted)
            if sheet is None:
                raise CountRefused(f"No hay una toma de inventario {count_id!r} en esta tienda.")
            found = sheet.count
        return found

    def _open(self, count_id: str) -> inventory_queries.CountRow:
        count = self.started(count_id)
        if count.state != "open":
            raise CountAlreadyPosted(count.count_id, self.user_name(count.approved_by))
        return count

    def count(self, actor: User | None, count_id: str, code: str, quantity: str | Decimal, *,
              add: bool = False) -> Counted:
        """Write on the sheet that ``quantity`` of the product of ``code`` is on the shelf (``add``: that much
        more than already written, as when scanning one by one); kept at once (a power cut loses nothing).

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            CountRefused: no such count, or a product of another category than the count's.
            CountAlreadyPosted: the count was posted.
            UnknownProduct, InvalidBarcode: no such product.
            InvalidQuantity: negative, fractional (units), more than 3 decimals (kg), absurd.
        """
        inventory.require_admin(actor, "contar inventario")
        started = self._open(count_id)
        product = inventory.product(self.journal, code, self.resolve)
        if started.category and product.category != started.category:
            raise CountRefused(f"{product.name} es de {product.category}; esta toma cuenta {started.category}.")
        qty = inventory.parse_quantity(quantity, product.sold_by, zero=True)
        at = self.journal.clock().isoformat(timespec="milliseconds")
        with self.journal.lock:
            if add:
                before = count_drafts.lines(self.journal.conn, started.count_id).get(product.sku)
                total = inventory.parse_quantity(qty + (before[1] if before else 0), product.sold_by, zero=True)
                count_drafts.set_counted(self.journal.conn, started.count_id, product.sku, product.name, total, at)
                qty = total
            else:
                count_drafts.set_counted(self.journal.conn, started.count_id, product.sku, product.name, qty, at)
        return Counted(product.sku, product.name, qty)

    def uncount(self, actor: User | None, count_id: str, sku: str) -> None:
        """Take ``sku`` off the sheet (posting leaves its stock as it is). Raises: as :meth:`count`."""
        inventory.require_admin(actor, "contar inventario")
        started = self._open(count_id)
        with self.journal.lock:
            count_drafts.remove(self.journal.conn, started.count_id, sku)

    def sheet(self, count_id: str) -> list[Counted]:
        """What is written on the sheet so far, by name, without the expected quantities (blind)."""
        sheet = inventory_queries.count_sheet(self.journal.conn, count_id)
        return [] if sheet is None else [Counted(x.sku, x.name, x.counted) for x in sheet.lines]

    def post(self, actor: User | None, count_id: str, reason: str, *,
             counted: Mapping[str, str | Decimal] | None = None, leave_out_inactive: bool = False
             ) -> events.CountPosted:
        """Post the count as adjustments: each line's expected quantity is what the warehouse holds now, its
        adjustment ``counted - expected``. ``counted`` (SKU → quantity) replaces the sheet when given; products
        not counted are not adjusted. ``actor`` approves it.

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            CountRefused: no such count, nothing counted, no reason, too many lines, an unknown SKU.
            CountAlreadyPosted: posted before (at this till or another of the store).
            InactiveProducts: products HQ deactivated while the count was open (without ``leave_out_inactive``).
            InvalidQuantity: a bad counted quantity.
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory.require_admin(actor, "publicar tomas de inventario")
        assert actor is not None
        reason = inventory.clean_text(reason, "el motivo de la toma", required=True)
        started = self._open(count_id)
        lines = self._lines(count_id, counted)
        inactive = [(p.sku, p.name) for p, _ in lines if not self._hq_active(p)]
        if inactive and not leave_out_inactive:
            raise InactiveProducts(inactive)
        left_out = {sku for sku, _ in inactive}
        lines = [(p, q) for p, q in lines if p.sku not in left_out]
        if not lines:
            raise CountRefused("La toma no tiene productos contados." if not inactive else
                               "Todos los productos contados fueron desactivados por casa matriz: no hay qué publicar.")
        if len(lines) > MAX_LINES:
            raise CountRefused(f"La toma tiene {len(lines)} productos; el máximo es {MAX_LINES}.")
        with self.journal.unit_of_work() as uow:
            self._open(count_id)  # again, inside the transaction: another till of the store may have posted it
            expected = inventory_queries.warehouse_quantities(self.journal.conn, started.warehouse,
                                                              [p.sku for p, _ in lines])
            event = events.CountPosted(
                count_id=started.count_id, warehouse=started.warehouse,
                lines=tuple(events.CountLine(p.sku, p.name, expected.get(p.sku, Decimal(0)), q) for p, q in lines),
                reason=reason, counted_by=started.started_by, approved_by=actor.user_id)
            uow.append(event)
        return event

    def _hq_active(self, product: catalog.Product) -> bool:
        """Whether HQ keeps ``product`` active (the store may have stopped selling it: it is still counted)."""
        if product.active:  # sold here: HQ and the store both keep it
            return True
        row = inventory_queries.store_product(self.journal.conn, product.sku)
        return row is not None and row.hq_active

    def _lines(self, count_id: str, counted: Mapping[str, str | Decimal] | None
               ) -> list[tuple[catalog.Product, Decimal]]:
        if counted is None:
            counted = {x.sku: x.counted for x in self.sheet(count_id)}
        products = read_models.by_skus(self.journal.conn, list(counted))
        out = []
        for sku, quantity in counted.items():
            product = products.get(sku) or read_models.by_sku(self.journal.conn, sku)
            if product is None:
                raise CountRefused(f"La toma trae {sku!r}, que no es un producto de la tienda.")
            try:
                out.append((product, inventory.parse_quantity(quantity, product.sold_by, zero=True)))
            except errors.InvalidQuantity as exc:
                raise errors.InvalidQuantity(quantity, f"{product.name}: {exc.reason}") from None
        return out
