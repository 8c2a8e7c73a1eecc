"""The back office's common ground: who may act, how quantities and costs typed by a manager are read (es-CL), the
store's warehouses, and the store's own product settings (price, minimum stock, location, active).

Every action of the back-office services is an administrador's; a supervisor only reads (``require_admin``).
docs/inventory.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from desktop.journal import inventory_queries, read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import kardex_export
from desktop.services.auth import User
from shared import catalog, errors, money, roles
from shared import inventory as shared_inventory
from shared.events import inventory as events

MAX_QUANTITY: Final = Decimal(100_000)
"""Most units (or kg) one line of a back-office action moves: more is a typo (a scanned EAN in the quantity)."""
MAX_UNIT_COST: Final = 100_000_000
"""Most CLP neto one unit may cost: more is a typo."""
MAX_TEXT: Final = 200
"""Longest reason, note or location a manager types (``shared.events.rules.REASON_MAX``)."""
KG_PLACES: Final = Decimal("0.001")
_GROUPED: Final = re.compile(r"\d{1,3}(\.\d{3})+")


class NotAdministrator(errors.AuthError):
    """Only an administrador acts in the back office; ``user`` (a supervisor or cashier) may only look."""

    def __init__(self, user: User, what: str) -> None:
        super().__init__(f"Solo un administrador puede {what}; {user.name} ({user.role.label.lower()}) puede "
                         "consultar, no modificar.")
        self.user = user
        self.what = what


class Refused(errors.InvalidInput):
    """A back-office action that cannot be done as asked; the message (Spanish) says why and what to do."""


class UnknownWarehouse(Refused):
    def __init__(self, warehouse: str, known: tuple[str, ...]) -> None:
        super().__init__(f"La tienda no tiene la bodega {warehouse!r}; tiene: {', '.join(known)}.")
        self.warehouse = warehouse
        self.known = known


def require_admin(user: User | None, what: str) -> User:
    """``user`` when an administrador. Raises: NotAdministrator (a supervisor or cashier; nobody signed in)."""
    if user is None:
        raise NotAdministrator(User("", "Nadie", roles.Role.CASHIER), what)
    if user.role is not roles.Role.ADMIN:
        raise NotAdministrator(user, what)
    return user


def require_reader(user: User | None) -> User:
    """``user`` when an administrador or a supervisor (who see the back office). Raises: NotAdministrator."""
    if user is None or user.role not in (roles.Role.ADMIN, roles.Role.SUPERVISOR):
        return require_admin(user, "ver el back office")
    return user


# --- what a manager types ---------------------------------------------------------------------------------------


def parse_quantity(text: str | Decimal | int, sold_by: catalog.SoldBy | str = catalog.SoldBy.UNIT, *,
                   zero: bool = False) -> Decimal:
    """A quantity typed or scanned in the back office, in the product's unit.

    es-CL: a comma is the decimal mark ("0,512"); for goods counted by units a dot groups thousands ("1.000" is a
    thousand), for weighed goods a lone dot is the decimal mark as the scale writes it ("0.512"). ``zero``
    accepts 0 (a count that found nothing, a transfer line that did not arrive).

    Raises:
        InvalidQuantity: not a number, negative, zero (without ``zero``), decimals on a product sold by units,
            more than 3 decimals of kg, or above :data:`MAX_QUANTITY`.
    """
    weighed = catalog.SoldBy(sold_by) is catalog.SoldBy.KG
    if isinstance(text, bool):
        raise errors.InvalidQuantity(text, "no es una cantidad")
    if isinstance(text, int | Decimal):
        value = Decimal(text)
    else:
        value = _read_number(text, weighed)
    if not value.is_finite():
        raise errors.InvalidQuantity(text, "no es una cantidad")
    if value < 0:
        raise errors.InvalidQuantity(text, "la cantidad no puede ser negativa")
    if value == 0 and not zero:
        raise errors.InvalidQuantity(text, "la cantidad debe ser mayor que cero")
    if value > MAX_QUANTITY:
        raise errors.InvalidQuantity(text, f"cantidad fuera de rango: el máximo es {MAX_QUANTITY:,}".replace(",", "."))
    if weighed:
        if value != value.quantize(KG_PLACES):
            raise errors.InvalidQuantity(text, "máximo 3 decimales (gramos)")
        return value.quantize(KG_PLACES)
    if value != value.to_integral_value():
        raise errors.InvalidQuantity(text, "este producto se cuenta por unidades: sin decimales")
    return value.quantize(Decimal(1))


def _read_number(text: str, weighed: bool) -> Decimal:
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise errors.InvalidQuantity(text, "escriba una cantidad")
    body = cleaned.lstrip("-")
    if "," in body:
        whole, _, decimals = body.partition(",")
        if not weighed and len(decimals) == 3:
            raise errors.InvalidQuantity(text, "ambigua: para unidades escriba 2000 o 2.000 (el punto separa los "
                                               "miles)")
        if "." in whole:
            if not _GROUPED.fullmatch(whole):
                raise errors.InvalidQuantity(text, "no es una cantidad válida")
            whole = whole.replace(".", "")
        body = f"{whole}.{decimals}"
    elif not weighed and _GROUPED.fullmatch(body):
        body = body.replace(".", "")
    if not body.replace(".", "", 1).isdigit() or not body.isascii():
        raise errors.InvalidQuantity(text, "no es una cantidad válida")
    try:
        value = Decimal(body)
    except InvalidOperation:
        raise errors.InvalidQuantity(text, "no es una cantidad válida") from None
    return -value if cleaned.startswith("-") else value


def parse_cost(text: str | int, *, zero: bool = True) -> int:
    """A cost in CLP typed as es-CL writes pesos: ``"1.990"``, ``"$1.990"`` and ``"1990"`` are 1990.

    Pesos have no decimals: ``"12,5"`` is refused, never rounded. ``zero`` False refuses $0.

    Raises:
        InvalidAmount: empty, negative, with decimals, not a number, $0 (without ``zero``) or above
            :data:`MAX_UNIT_COST`.
    """
    if isinstance(text, bool):
        raise errors.InvalidAmount(text, "no es un monto")
    if isinstance(text, int):
        value = text
    else:
        cleaned = text.strip().replace("$", "").replace(" ", "")
        if not cleaned:
            raise errors.InvalidAmount(text, "escriba el costo en pesos")
        if cleaned.startswith("-"):
            raise errors.InvalidAmount(text, "el costo no puede ser negativo")
        if "," in cleaned:
            raise errors.InvalidAmount(text, "los pesos no llevan decimales: escriba un número entero, como 1.990")
        if not cleaned.isascii() or not (cleaned.isdigit() or _GROUPED.fullmatch(cleaned)):
            raise errors.InvalidAmount(text, "escriba el costo en pesos enteros, como 1.990")
        value = int(cleaned.replace(".", ""))
    if value < 0:
        raise errors.InvalidAmount(text, "el costo no puede ser negativo")
    if value == 0 and not zero:
        raise errors.InvalidAmount(text, "el costo debe ser mayor que $0")
    if value > MAX_UNIT_COST:
        raise errors.InvalidAmount(text, f"costo fuera de rango: el máximo es {money.format_clp(MAX_UNIT_COST)}")
    return value


def clean_text(value: str, what: str, *, required: bool = False, most: int = MAX_TEXT) -> str:
    """``value`` stripped. Raises: Refused (empty when ``required``, longer than ``most``)."""
    text = " ".join(value.split())
    if required and not text:
        raise Refused(f"Indique {what}.")
    if len(text) > most:
        raise Refused(f"{what[0].upper()}{what[1:]} es demasiado largo: máximo {most} caracteres.")
    return text


# --- warehouses ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A place of the store holding stock: its id (HQ's) and the name the manager reads."""

    warehouse_id: str
    name: str


def bodega_of(store_id: str) -> str:
    """The id of a store's bodega (its sala de ventas has the store's own id)."""
    return f"{store_id}-bodega"


def warehouses(journal: SqliteJournal) -> tuple[Warehouse, ...]:
    """The store's warehouses: its sala de ventas and bodega, then any other of the store this till knows of (HQ
    names a store's warehouses ``<store>-…``; a warehouse of another id is never the store's)."""
    store = journal.identity.store_id
    names = {store: "Sala de ventas", bodega_of(store): "Bodega"}
    known = [store, bodega_of(store)]
    known += [w for w in inventory_queries.warehouses(journal.conn)
              if w not in known and w.startswith(f"{store}-")]
    return tuple(Warehouse(w, names.get(w, w)) for w in known)


def own_warehouse(journal: SqliteJournal, warehouse: str) -> str:
    """``warehouse`` when it is one of the store's (``""``: the sala de ventas). Raises: UnknownWarehouse."""
    warehouse = warehouse.strip() or journal.identity.store_id
    known = tuple(w.warehouse_id for w in warehouses(journal))
    if warehouse not in known:
        raise UnknownWarehouse(warehouse, known)
    return warehouse


def warehouse_name(journal: SqliteJournal, warehouse: str) -> str:
    """"Sala de ventas", "Bodega", or the id of another warehouse."""
    return next((w.name for w in warehouses(journal) if w.warehouse_id == warehouse), warehouse)


# --- products, costs and the tenant's settings -------------------------------------------------------------------


def product(journal: SqliteJournal, code: str, resolve: Callable[[str], catalog.Product]) -> catalog.Product:
    """The product of a scanned code, typed PLU or SKU (``resolve``: ``CatalogService``'s), inactive ones too
    when named by SKU. Raises: UnknownProduct, InvalidBarcode."""
    code = code.strip()
    found = read_models.by_sku(journal.conn, code) if code else None
    return found if found is not None else resolve(code)


def settings(journal: SqliteJournal) -> events.InventorySettingsReceived:
    """The tenant's inventory settings HQ published last (the defaults until it publishes any)."""
    return inventory_queries.inventory_settings(journal.conn)


def unit_cost(journal: SqliteJournal, sku: str, quantity: Decimal) -> int:
    """What a unit of ``sku`` costs the store now when ``quantity`` of it leaves (CLP neto, rounded half up, by
    the tenant's method: ``shared.inventory.sale_line_cost``); 0 when it was never costed."""
    row = inventory_queries.product_cost_state(journal.conn, sku)
    if row is None:
        return 0
    cost = shared_inventory.sale_line_cost(shared_inventory.CostState.from_json(row.state), quantity,
                                           settings(journal).costing)
    if cost is None:
        return 0
    return money.round_half_up(Decimal(cost) / quantity) if quantity else cost


# --- the store's own product settings ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Crossing:
    """One HQ-owned field HQ changed after the manager saw it: ``field`` (``"precio"`` or ``"activo"``), HQ's value
    now and the one the manager saw (as people read them), who at HQ (``""`` unknown) and when (``"07-12-2026
    10:31"``, ``""`` unknown)."""

    field: str
    hq: str
    seen: str
    who: str
    when: str

    def text(self) -> str:
        """"HQ cambió el precio a $2.490 el 07-12-2026 10:31 (pepe@donpepe.cl); usted lo vio en $2.290"."""
        at = f"el {self.when}" if self.when else "en fecha desconocida"
        by = f" ({self.who})" if self.who else ""
        if self.field == "precio":
            return f"HQ cambió el precio a {self.hq} {at}{by}; usted lo vio en {self.seen}"
        done = "desactivó el producto" if self.hq == "desactivado" else "volvió a activar el producto"
        return f"HQ {done} {at}{by}; usted lo vio {self.seen}"


class CrossedEdit(Refused):
    """HQ changed the product after the manager opened it (a change of an HQ-owned field the store's edit depends
    on, after ``seen_change``): nothing is saved; the message names both values, who changed it at HQ and when.
    ``change_id`` is HQ's latest change: saving again with it as ``seen_change`` is the manager's explicit
    choice."""

    def __init__(self, sku: str, name: str, crossings: tuple[Crossing, ...], mine: str, change_id: int) -> None:
        super().__init__(f"{name} ({sku}): " + "; ".join(c.text() for c in crossings) + f". Su cambio: {mine}. "
                         "No se guardó nada: mantenga el de HQ o guarde el suyo de nuevo.")
        self.sku, self.name, self.crossings, self.mine, self.change_id = sku, name, crossings, mine, change_id


class InventoryService:
    """The back office's reads (warehouses, stock, kardex and its exports) and the store's product settings."""

    def __init__(self, journal: SqliteJournal, user_name: Callable[[str], str] = lambda user_id: user_id,
                 store_name: str = "") -> None:
        self.journal = journal
        self.user_name = user_name
        self.store_name = store_name

    def warehouses(self) -> tuple[Warehouse, ...]:
        return warehouses(self.journal)

    def settings(self) -> events.InventorySettingsReceived:
        return settings(self.journal)

    def set_product(self, actor: User | None, sku: str, *, price: str | int | None, min_stock: str | Decimal | None,
                    location: str, active: bool, seen_price: int, seen_change: int) -> events.StoreProductSet:
        """Journal the store's settings of product ``sku``: its own ``price`` (CLP with IVA, typed es-CL; None:
        HQ's), ``min_stock`` (None or ``""``: no alert), ``location`` and ``active``. ``seen_price`` and
        ``seen_change`` are HQ's price and change id shown when the manager opened the product.

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            UnknownProduct: no such product.
            Refused: a price when the tenant does not let stores set prices; a location too long.
            InvalidAmount, InvalidQuantity: a bad price or minimum stock.
            CrossedEdit: HQ changed the product after ``seen_change``; nothing journaled.
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory_actor = require_admin(actor, "cambiar productos")
        found = read_models.by_sku(self.journal.conn, sku)
        if found is None:
            raise errors.UnknownProduct(sku)
        own_price: int | None = None
        if price is not None and str(price).strip() != "":
            if not self.settings().store_prices:
                raise Refused("Casa matriz fija los precios: esta tienda no puede cambiar el precio de "
                              f"{found.name}.")
            own_price = parse_cost(price, zero=False)
        minimum = None
        if min_stock is not None and str(min_stock).strip() != "":
            minimum = parse_quantity(min_stock, found.sold_by, zero=True)
        place = clean_text(location, "la ubicación", most=60)
        crossings = self._crossings(found.sku, seen_price, seen_change)
        if crossings:
            mine = money.format_clp(own_price) if own_price is not None else "el precio de HQ"
            hq = inventory_queries.hq_change(self.journal.conn, found.sku)
            raise CrossedEdit(found.sku, found.name, crossings,
                              f"precio {mine}, {'se vende' if active else 'no se vende'}",
                              hq.change_id if hq is not None else seen_change)
        event = events.StoreProductSet(sku=found.sku, price=own_price, min_stock=minimum, location=place,
                                       active=active, edited_by=inventory_actor.user_id, seen_price=seen_price,
                                       seen_change=seen_change)
        self.journal.append(event)
        return event

    def _crossings(self, sku: str, seen_price: int, seen_change: int) -> tuple[Crossing, ...]:
        """The HQ-owned fields the store's edit depends on that HQ changed after ``seen_change``: the price when
        the tenant lets stores set theirs (and HQ's differs from ``seen_price``), the active flag. A product with
        no HQ change id received (older feed) is crossed when HQ's price is not ``seen_price``."""
        hq = inventory_queries.hq_change(self.journal.conn, sku)
        if hq is None:
            row = inventory_queries.store_product(self.journal.conn, sku)
            if row is None or row.hq_price == seen_price:
                return ()
            return (Crossing("precio", money.format_clp(row.hq_price), money.format_clp(seen_price), "",
                             self._when(row.hq_changed_at)),)
        found: list[Crossing] = []
        if self.settings().store_prices and hq.price_change > seen_change and hq.price != seen_price:
            found.append(Crossing("precio", money.format_clp(hq.price), money.format_clp(seen_price), hq.price_by,
                                  self._when(hq.price_at)))
        if hq.active_change > seen_change:
            found.append(Crossing("activo", "activo" if hq.active else "desactivado",
                                  "desactivado" if hq.active else "activo", hq.active_by, self._when(hq.active_at)))
        return tuple(found)

    def _when(self, iso: str) -> str:
        """An ISO time as the manager reads it in the till's time zone: ``"07-12-2026 10:31"`` (``""`` unknown)."""
        if not iso:
            return ""
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            return iso
        if moment.tzinfo is not None:
            moment = moment.astimezone(self.journal.clock().tzinfo)
        return f"{moment:%d-%m-%Y %H:%M}"

    def kardex_lines(self, sku: str, warehouse: str = "") -> list[kardex_export.Line]:
        """Every movement of ``sku`` (in ``warehouse``, or all), oldest first, as the exports show them."""
        rows: list[inventory_queries.KardexRow] = []
        before = None
        while True:
            page = inventory_queries.kardex_page(self.journal.conn, sku, warehouse or None, before, 1000)
            rows.extend(page)
            if len(page) < 1000:
                break
            before = page[-1].id
        names = {w.warehouse_id: w.name for w in self.warehouses()}
        who: dict[str, str] = {}
        return [kardex_export.Line(datetime.fromisoformat(r.occurred_at), names.get(r.warehouse, r.warehouse), r.kind,
                                   r.document, who.setdefault(r.who, self.user_name(r.who)) if r.who else "",
                                   r.quantity, r.balance, r.unit_cost, r.value) for r in reversed(rows)]

    def export_kardex(self, sku: str, kind: str, warehouse: str = "") -> bytes:
        """The kardex of ``sku`` as ``kind`` ``xlsx``, ``csv`` or ``pdf`` bytes.

        Raises:
            UnknownProduct: no such product.
            Refused: an unknown ``kind``.
        """
        found = read_models.by_sku(self.journal.conn, sku)
        if found is None:
            raise errors.UnknownProduct(sku)
        writers = {"xlsx": kardex_export.to_xlsx, "csv": kardex_export.to_csv, "pdf": kardex_export.to_pdf}
        if kind not in writers:
            raise Refused(f"Formato {kind!r} desconocido: use xlsx, csv o pdf.")
        heading = kardex_export.Heading(self.store_name or self.journal.identity.store_id, found.sku, found.name,
                                        warehouse_name(self.journal, warehouse) if warehouse else "",
                                        self.journal.clock())
        return writers[kind](heading, self.kardex_lines(found.sku, warehouse))

