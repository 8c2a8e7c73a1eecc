"""HQ's view of the stores' goods, read from what the ingest folds (``syncserver.ingest.projections``): stock per
store and warehouse with its value at cost, alerts and goods in transit, a product's kardex per store, transfers,
and the tenant's inventory settings (saved here and published to the tills as the ``inventory_settings`` change).

Quantities are Decimal (units or kg), money is int CLP neto (costs: IVA is crédito fiscal, not cost). Every
function runs in the caller's tenant transaction (``db.tenant_tx``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import psycopg
from psycopg.rows import class_row

from shared import catalog_import
from shared.events import codec as codec_mod
from shared.events import inventory as inventory_events
from syncserver.store import change_feed, db

SETTINGS_CHANGE: Final = "inventory_settings"
"""The feed kind of the tenant's inventory settings (tenant-wide; key ``settings``; ``data`` is
``codec.to_payload(InventorySettingsReceived(...))``: ``costing``, ``store_prices``, ``merma_pin_above``)."""
MERMA_PIN_LIMIT: Final = 10**12
"""Largest merma threshold (CLP) HQ accepts."""


@dataclass(frozen=True, slots=True)
class StockRow:
    """One SKU in one warehouse.

    ``quantity``: on hand (negative when more was sold than the master knows came in: flagged, never blocked).
    ``unit_cost``: the store's current cost per unit (CLP neto, ``Decimal`` to 4 places; None: never costed).
    ``value``: ``quantity × unit_cost`` rounded to the peso (0 when never costed; negative stock has negative value).
    ``min_stock``: the store's minimum (the store's own setting, else HQ's per-store one; None: no alert).
    ``store_on_hand``: the SKU's on hand across the store's warehouses, what ``min_stock`` is compared with.
    ``below_min``: ``store_on_hand < min_stock``; ``negative``: ``quantity < 0``.
    ``in_transit``: units sent to this warehouse by another store and not received yet."""

    store_id: str
    store_name: str
    warehouse_id: str
    warehouse_name: str
    sku: str
    name: str
    quantity: Decimal
    unit_cost: Decimal | None
    value: int
    min_stock: Decimal | None
    store_on_hand: Decimal
    below_min: bool
    negative: bool
    in_transit: Decimal

    @property
    def alert(self) -> bool:
        """Below the minimum or negative."""
        return self.below_min or self.negative


@dataclass(frozen=True, slots=True)
class StockPage:
    """One page of :func:`stock`: ``total`` rows match, ``value`` is the value at cost of all of them (CLP),
    ``alerts`` how many of them are alerts."""

    total: int
    value: int
    alerts: int
    rows: list[StockRow]


@dataclass(frozen=True, slots=True)
class KardexRow:
    """One stock movement of a product in a store, as the master folded it.

    ``pos``: its place in the store's kardex (increasing in the order the master folded the store's movements).
    ``kind``: ``shared.inventory.KINDS`` (venta, devolucion, compra, devolucion_proveedor, traslado_salida,
    traslado_entrada, toma, merma, ajuste).
    ``quantity`` signed; ``balance`` the warehouse's on hand after it; ``unit_cost``/``value`` CLP neto the movement
    carried (``value`` signed like the quantity). ``document`` as the kardex shows it ("Boleta N° 123"),
    ``reference`` its id (sale, purchase, transfer...), ``who`` the user, ``occurred_at`` the till's ISO time
    (display only), ``lot`` the FIFO trace of goods bought (``supplier RUT|expiry|purchase_id``, ``""`` when
    none)."""

    pos: int
    warehouse_id: str
    kind: str
    document: str
    reference: str
    who: str
    quantity: Decimal
    balance: Decimal
    unit_cost: int
    value: int
    occurred_at: str
    lot: str


@dataclass(frozen=True, slots=True)
class CostRow:
    """A product's cost in one store: ``on_hand`` (all its warehouses), ``unit_cost`` (CLP neto per unit, 4 places:
    the value at cost of what is on hand over its quantity; with nothing on hand, what a unit would leave at; None:
    never costed), the ``value`` of what is on hand (CLP, rounded; 0 at or below zero) and the cost state as the
    fold keeps it (``shared.inventory.CostState.to_json``)."""

    store_id: str
    sku: str
    on_hand: Decimal
    unit_cost: Decimal | None
    value: int
    state: str


@dataclass(frozen=True, slots=True)
class TransferLineRow:
    """A line of a transfer: ``sent`` (what left), ``received`` (None until received; what arrived), the
    sender's ``unit_cost`` (CLP neto)."""

    sku: str
    name: str
    sent: Decimal
    received: Decimal | None
    unit_cost: int

    @property
    def difference(self) -> Decimal:
        """``received - sent`` once received (0 before)."""
        return Decimal(0) if self.received is None else self.received - self.sent


@dataclass(frozen=True, slots=True)
class TransferRow:
    """A transfer: ``state`` ``in_transit`` (between stores, not received yet) or ``received`` (a transfer within
    a store is received when sent). Times are the tills' ISO texts (display only). ``value`` = Σ sent × unit_cost."""

    transfer_id: str
    from_store: str
    from_warehouse: str
    to_store: str
    to_warehouse: str
    state: str
    sent_by: str
    sent_at: str
    note: str
    received_by: str
    received_at: str
    value: int
    lines: list[TransferLineRow]


@dataclass(frozen=True, slots=True)
class InventorySettings:
    """The tenant's inventory settings: ``costing`` (``ppp`` or ``fifo``), ``store_prices`` (stores may set their
    own price), ``merma_pin_above`` (CLP neto: a merma worth more asks a supervisor's PIN); who saved them and when
    (``updated_by`` ``""`` and ``updated_at`` None while they are the defaults)."""

    costing: str = "ppp"
    store_prices: bool = False
    merma_pin_above: int = 20000
    updated_by: str = ""
    updated_at: datetime | None = None


class SettingsError(ValueError):
    """Inventory settings HQ cannot save: ``field`` names the form field, ``str(error)`` says why in Spanish."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _money(value: Decimal | None) -> int:
    return 0 if value is None else int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_STOCK_SQL = """
WITH near AS (  -- the warehouses of the stores asked (%(near)s; NULL: every store), read before the stock rows
    SELECT unnest(%(near)s::text[]) AS warehouse_id
    UNION SELECT warehouse_id FROM warehouses WHERE tenant_id = %(tenant)s AND store_id = ANY(%(near)s::text[])),
transit AS (
    SELECT t.to_warehouse AS warehouse_id, l.sku, sum(l.quantity) AS quantity
    FROM transfers t JOIN transfer_lines l ON l.tenant_id = t.tenant_id AND l.transfer_id = t.transfer_id
    WHERE t.tenant_id = %(tenant)s AND t.state = 'in_transit'
      AND (%(near)s::text[] IS NULL OR t.to_warehouse IN (SELECT warehouse_id FROM near)){line_skus} GROUP BY 1, 2),
held AS (
    SELECT COALESCE(s.warehouse_id, tr.warehouse_id) AS warehouse_id, COALESCE(s.sku, tr.sku) AS sku,
           COALESCE(s.quantity, 0) AS quantity, COALESCE(tr.quantity, 0) AS in_transit
    FROM (SELECT warehouse_id, sku, quantity FROM stock WHERE tenant_id = %(tenant)s
          AND (%(near)s::text[] IS NULL OR warehouse_id IN (SELECT warehouse_id FROM near)){skus}) s
    FULL JOIN transit tr ON tr.warehouse_id = s.warehouse_id AND tr.sku = s.sku),
placed AS (
    SELECT COALESCE(w.store_id, h.warehouse_id) AS store_id, h.*, COALESCE(w.name, h.warehouse_id) AS warehouse_name
    FROM held h LEFT JOIN warehouses w ON w.tenant_id = %(tenant)s AND w.warehouse_id = h.warehouse_id),
rows AS (
    SELECT p.store_id, COALESCE(st.name, p.store_id) AS store_name, p.warehouse_id, p.warehouse_name, p.sku,
           COALESCE(pr.name, p.sku) AS name, p.quantity, c.unit_cost,
           COALESCE(round(p.quantity * c.unit_cost), 0) AS value,
           COALESCE(sps.min_stock, sp.min_stock) AS min_stock,
           sum(p.quantity) OVER (PARTITION BY p.store_id, p.sku) AS store_on_hand, p.in_transit,
           COALESCE(pr.search_text, ' ' || lower(p.sku) || ' ') AS search_text, pr.sku IS NOT NULL AS listed
    FROM placed p
    LEFT JOIN stores st ON st.tenant_id = %(tenant)s AND st.store_id = p.store_id
    LEFT JOIN products pr ON pr.tenant_id = %(tenant)s AND pr.sku = p.sku
    LEFT JOIN cost_state c ON c.tenant_id = %(tenant)s AND c.store_id = p.store_id AND c.sku = p.sku
    LEFT JOIN store_product_settings sps ON sps.tenant_id = %(tenant)s AND sps.store_id = p.store_id
         AND sps.sku = p.sku
    LEFT JOIN store_products sp ON sp.tenant_id = %(tenant)s AND sp.store_id = p.store_id AND sp.sku = p.sku),
flagged AS (
    SELECT *, (min_stock IS NOT NULL AND store_on_hand < min_stock) AS below_min, (quantity < 0) AS negative
    FROM rows)
"""
_KEYED = {"skus": " AND sku = ANY(%(skus)s::text[])", "line_skus": " AND l.sku = ANY(%(skus)s::text[])"}
"""The stock rows of some SKUs only (``%(skus)s``): what a recount of noted keys reads."""
_STOCK_SQL, _STOCK_KEYED_SQL = _STOCK_SQL.format(skus="", line_skus=""), _STOCK_SQL.format(**_KEYED)


def _stock_filter(tenant_id: int, store_id: str | None, warehouse_id: str | None, search: str,
                  alerts_only: bool) -> tuple[str, dict[str, Any]]:
    where = ["true"]
    params: dict[str, Any] = {"tenant": tenant_id, "near": None}
    if store_id is not None:
        where.append("store_id = %(store)s")
        params["store"] = store_id
        params["near"] = [store_id]
    if warehouse_id is not None:
        where.append("warehouse_id = %(warehouse)s")
        params["warehouse"] = warehouse_id
    if search.strip():
        words = catalog_import.search_words(search)
        likes = [f"search_text LIKE %(w{i})s" for i in range(len(words))]
        params.update({f"w{i}": "% " + _escape(w) + "%" for i, w in enumerate(words)})
        params["exact"] = search.strip()
        where.append(f"(({' AND '.join(likes) if likes else 'false'}) OR lower(sku) = lower(%(exact)s)"
                     " OR EXISTS (SELECT 1 FROM product_barcodes b WHERE b.tenant_id = %(tenant)s"
                     " AND b.code = %(exact)s AND b.sku = flagged.sku))")
    if alerts_only:
        where.append("(below_min OR negative)")
    return " AND ".join(where), params


async def stock(conn: db.Conn, tenant_id: int, *, store_id: str | None = None, warehouse_id: str | None = None,
                search: str = "", alerts_only: bool = False, limit: int = 100, offset: int = 0) -> StockPage:
    """Stock across the tenant's stores, one row per (warehouse, SKU) the master holds stock of or has goods in
    transit to, ordered by store, warehouse id, product name and SKU.

    Filters: one store, one warehouse, a search (every folded word starts a word of the product's name, brand,
    category, SKU, PLU or barcode, as HQ's catalog searches; or the exact SKU or a barcode: a scanned code finds its
    product), only alerts (below the store's minimum or negative). ``limit``/``offset`` page the rows; the page's
    ``total``, ``value`` and ``alerts`` count every matching row."""
    where, params = _stock_filter(tenant_id, store_id, warehouse_id, search, alerts_only)
    row = await (await conn.execute(
        _STOCK_SQL + f"SELECT count(*), COALESCE(sum(value), 0), count(*) FILTER (WHERE below_min OR negative)"
        f" FROM flagged WHERE {where}", params)).fetchone()
    assert row is not None  # an aggregate always answers one row
    cur = conn.cursor(row_factory=class_row(StockRow))
    await cur.execute(
        _STOCK_SQL + "SELECT store_id, store_name, warehouse_id, warehouse_name, sku, name, quantity,"
        " unit_cost, value::bigint AS value, min_stock, store_on_hand, below_min, negative, in_transit"
        f" FROM flagged WHERE {where} ORDER BY store_id, warehouse_id, name, sku LIMIT %(limit)s OFFSET %(offset)s",
        {**params, "limit": limit, "offset": offset})
    return StockPage(int(row[0]), _money(row[1]), int(row[2]), await cur.fetchall())


async def alerts_count(conn: db.Conn, tenant_id: int, store_id: str | None = None) -> int:
    """How many (warehouse, SKU) rows of :func:`stock` are alerts (below the store's minimum or negative)."""
    return (await stock(conn, tenant_id, store_id=store_id, alerts_only=True, limit=0)).total


async def kardex(conn: db.Conn, tenant_id: int, store_id: str, sku: str, *, warehouse_id: str | None = None,
                 before: int | None = None, limit: int = 50) -> list[KardexRow]:
    """A product's kardex in one store (optionally one warehouse), newest first: at most ``limit`` movements
    whose ``pos`` is below ``before`` (None: from the newest). The next page: ``before=rows[-1].pos``."""
    where = "tenant_id = %(tenant)s AND store_id = %(store)s AND sku = %(sku)s"
    params: dict[str, Any] = {"tenant": tenant_id, "store": store_id, "sku": sku, "limit": limit}
    if warehouse_id is not None:
        where += " AND warehouse_id = %(warehouse)s"
        params["warehouse"] = warehouse_id
    if before is not None:
        where += " AND pos < %(before)s"
        params["before"] = before
    cur = conn.cursor(row_factory=class_row(KardexRow))
    await cur.execute(
        "SELECT pos, warehouse_id, kind, document, reference, who, quantity, balance,"
        " round(unit_cost)::bigint AS unit_cost, round(value)::bigint AS value, occurred_at,"
        f" lot FROM kardex WHERE {where} ORDER BY pos DESC LIMIT %(limit)s", params)
    return await cur.fetchall()


async def kardex_count(conn: db.Conn, tenant_id: int, store_id: str, sku: str, *,
                       warehouse_id: str | None = None) -> int:
    """How many movements :func:`kardex` pages through."""
    where = "tenant_id = %s AND store_id = %s AND sku = %s"
    params: tuple[Any, ...] = (tenant_id, store_id, sku)
    if warehouse_id is not None:
        where += " AND warehouse_id = %s"
        params = (*params, warehouse_id)
    row = await (await conn.execute(f"SELECT count(*) FROM kardex WHERE {where}", params)).fetchone()
    return int(row[0]) if row else 0


async def costs(conn: db.Conn, tenant_id: int, *, sku: str | None = None, store_id: str | None = None
                ) -> list[CostRow]:
    """The cost of each product in each store (one SKU and/or one store when given), by store and SKU."""
    where = "tenant_id = %(tenant)s"
    params: dict[str, Any] = {"tenant": tenant_id}
    if sku is not None:
        where += " AND sku = %(sku)s"
        params["sku"] = sku
    if store_id is not None:
        where += " AND store_id = %(store)s"
        params["store"] = store_id
    cur = conn.cursor(row_factory=class_row(CostRow))
    await cur.execute(
        "SELECT store_id, sku, on_hand, unit_cost, CASE WHEN on_hand > 0 THEN COALESCE(round(on_hand * unit_cost),"
        " 0) ELSE 0 END::bigint AS value, state"
        f" FROM cost_state WHERE {where} ORDER BY store_id, sku", params)
    return await cur.fetchall()


async def transfers(conn: db.Conn, tenant_id: int, *, state: str | None = None, store_id: str | None = None,
                    limit: int = 100, offset: int = 0) -> list[TransferRow]:
    """Transfers (``state`` ``in_transit`` or ``received``; None: both) that ``store_id`` sent or receives (None:
    every store), newest sent first, with their lines."""
    where = "t.tenant_id = %(tenant)s"
    params: dict[str, Any] = {"tenant": tenant_id, "limit": limit, "offset": offset}
    if state is not None:
        where += " AND t.state = %(state)s"
        params["state"] = state
    if store_id is not None:
        where += " AND (t.from_store = %(store)s OR t.to_store = %(store)s)"
        params["store"] = store_id
    heads = await (await conn.execute(
        "SELECT transfer_id, from_store, COALESCE(from_warehouse, ''), to_store, to_warehouse, state,"
        " COALESCE(sent_by, ''), COALESCE(sent_at, ''), COALESCE(note, ''), COALESCE(received_by, ''),"
        f" COALESCE(received_at, '') FROM transfers t WHERE {where}"
        " ORDER BY sent_at DESC NULLS LAST, transfer_id LIMIT %(limit)s OFFSET %(offset)s", params)).fetchall()
    ids = [str(h[0]) for h in heads]
    lines: dict[str, list[TransferLineRow]] = {i: [] for i in ids}
    if ids:
        rows = await (await conn.execute(
            "SELECT l.transfer_id, l.sku, l.name, l.quantity, r.received, l.unit_cost FROM transfer_lines l"
            " LEFT JOIN (SELECT transfer_id, sku, sum(received) AS received FROM transfer_received_lines"
            " WHERE tenant_id = %(tenant)s AND transfer_id = ANY(%(ids)s) GROUP BY 1, 2) r"
            " ON r.transfer_id = l.transfer_id AND r.sku = l.sku"
            " WHERE l.tenant_id = %(tenant)s AND l.transfer_id = ANY(%(ids)s) ORDER BY l.transfer_id, l.line_no",
            {"tenant": tenant_id, "ids": ids})).fetchall()
        for r in rows:
            lines[str(r[0])].append(TransferLineRow(str(r[1]), str(r[2]), Decimal(r[3]),
                                                    None if r[4] is None else Decimal(r[4]), int(r[5])))
    return [TransferRow(str(h[0]), str(h[1]), str(h[2]), str(h[3]), str(h[4]), str(h[5]), str(h[6]), str(h[7]),
                        str(h[8]), str(h[9]), str(h[10]),
                        _money(sum((x.sent * x.unit_cost for x in lines[str(h[0])]), Decimal(0))),
                        lines[str(h[0])]) for h in heads]


async def settings(conn: db.Conn, tenant_id: int) -> InventorySettings:
    """The tenant's inventory settings (the defaults until HQ saves them)."""
    row = await (await conn.execute(
        "SELECT costing, store_prices, merma_pin_above, updated_by, updated_at FROM inventory_settings"
        " WHERE tenant_id = %s", (tenant_id,))).fetchone()
    if row is None:
        return InventorySettings()
    return InventorySettings(str(row[0]), bool(row[1]), int(row[2]), str(row[3]), row[4])


async def save_settings(conn: db.Conn, tenant_id: int, *, costing: str, store_prices: bool, merma_pin_above: int,
                        by: str, at: datetime | None = None) -> int:
    """Save the tenant's inventory settings and publish them to every till (tenant-wide change
    :data:`SETTINGS_CHANGE`); returns the change id. The costing method applies to what the master and the tills
    fold from then on (what was folded keeps the cost it had).

    Raises:
        SettingsError: ``costing`` is not ``ppp`` or ``fifo``; ``merma_pin_above`` is not an integer from 0 to
            :data:`MERMA_PIN_LIMIT`.
    """
    if costing not in inventory_events.COSTING_METHODS:
        raise SettingsError("costing", "elija el método de costeo: PPP (promedio ponderado) o FIFO")
    if type(merma_pin_above) is not int or not 0 <= merma_pin_above <= MERMA_PIN_LIMIT:
        raise SettingsError("merma_pin_above", "el monto sobre el que una merma pide el PIN de un supervisor debe ser"
                                               " un número entero de pesos, de 0 a 1.000.000.000.000")
    await conn.execute(
        "INSERT INTO inventory_settings (tenant_id, costing, store_prices, merma_pin_above, updated_by, updated_at)"
        " VALUES (%s, %s, %s, %s, %s, COALESCE(%s, now())) ON CONFLICT (tenant_id) DO UPDATE SET"
        " costing = excluded.costing, store_prices = excluded.store_prices,"
        " merma_pin_above = excluded.merma_pin_above, updated_by = excluded.updated_by,"
        " updated_at = excluded.updated_at", (tenant_id, costing, bool(store_prices), merma_pin_above, by, at))
    event = inventory_events.InventorySettingsReceived(costing, bool(store_prices), merma_pin_above)
    return await change_feed.append_change(conn, tenant_id, SETTINGS_CHANGE, "settings",
                                           codec_mod.to_payload(event))


# -- HQ's Stock page (helper hq-stock): the stores a user sees, one category, alerts first, each store's totals -----


@dataclass(frozen=True, slots=True)
class StoreTotal:
    """A store's share of the rows a filter of :func:`stock_in` selects: their ``value`` at cost (CLP), how many
    are ``alerts``, how many ``rows``."""

    store_id: str
    value: int
    alerts: int
    rows: int


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """What the Stock page shows of a product beside its stock: its ``category`` and how it is sold (``unit`` or
    ``kg``: quantities in kg read with 3 decimals)."""

    category: str
    sold_by: str


FULL_RECOUNT: Final = 5000
"""Noted keys above which a read counts the tenant's stock whole (one pass beats that many keyed lookups)."""
_KEPT = ("store_id, warehouse_id, sku, name, listed, quantity, unit_cost, value, min_stock, store_on_hand,"
         " in_transit, below_min, negative")
_ADD_STORES = """INSERT INTO stock_rows_stores (tenant_id, store_id, rows, value, alerts, alerts_value)
SELECT %(tenant)s, store_id, {sign}count(*), {sign}COALESCE(sum(value), 0), {sign}count(*) FILTER (WHERE alert),
       {sign}COALESCE(sum(value) FILTER (WHERE alert), 0) FROM {rows} GROUP BY store_id ORDER BY store_id
ON CONFLICT (tenant_id, store_id) DO UPDATE SET rows = stock_rows_stores.rows + excluded.rows,
    value = stock_rows_stores.value + excluded.value, alerts = stock_rows_stores.alerts + excluded.alerts,
    alerts_value = stock_rows_stores.alerts_value + excluded.alerts_value"""
"""Add (``sign`` ""), or take away (``sign`` "-"), the sums per store of some kept rows (``rows``: ``store_id``,
``value``, ``alert``) to the stores' kept sums."""
_INSERT_KEPT = (f", added AS (INSERT INTO stock_rows (tenant_id, sku_lower, {_KEPT}) SELECT %(tenant)s, lower(sku),"
                f" {_KEPT} FROM flagged"
                " {where} RETURNING store_id, value, below_min OR negative AS alert) "
                + _ADD_STORES.format(sign="", rows="added"))
_COUNT_ALL = _STOCK_SQL + _INSERT_KEPT.format(where="")
_COUNT_KEYS = _STOCK_KEYED_SQL + _INSERT_KEPT.format(
    where="WHERE (store_id, sku) IN (SELECT * FROM unnest(%(key_stores)s::text[], %(skus)s::text[]))")
_FORGET_KEYS = ("WITH gone AS (DELETE FROM stock_rows s USING unnest(%(key_stores)s::text[], %(skus)s::text[]) AS"
                " k(store_id, sku) WHERE s.tenant_id = %(tenant)s AND s.store_id = k.store_id AND s.sku = k.sku"
                " RETURNING s.store_id, s.value, s.below_min OR s.negative AS alert) "
                + _ADD_STORES.format(sign="-", rows="gone"))


async def keep_rows(conn: db.Conn, tenant_id: int) -> None:
    """Bring the tenant's kept Stock rows (``stock_rows``, migration 0042) up to date, in the caller's transaction:
    the (store, SKU) keys the triggers noted since (``stock_rows_dirty``) counted again as :func:`stock` counts
    them, or the whole tenant when it was never counted (or a warehouse changed: ``stock_rows_marks``) or more
    than :data:`FULL_RECOUNT` keys wait. Readers take turns (a transaction-scoped advisory lock per tenant), so a
    recount never overwrites a newer one; a writer never waits on a reader."""
    ready = await (await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM stock_rows_marks WHERE tenant_id = %(t)s)"
        " AND NOT EXISTS (SELECT 1 FROM stock_rows_dirty WHERE tenant_id = %(t)s)", {"t": tenant_id})).fetchone()
    if ready is not None and ready[0]:
        return
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('almacen.stock_rows'), hashtext(%s))",
                       (str(tenant_id),))
    counted = await (await conn.execute("SELECT 1 FROM stock_rows_marks WHERE tenant_id = %s",
                                        (tenant_id,))).fetchone()
    noted = await (await conn.execute("DELETE FROM stock_rows_dirty WHERE tenant_id = %s RETURNING store_id, sku",
                                      (tenant_id,))).fetchall()
    keys = sorted({(str(r[0]), str(r[1])) for r in noted})
    params: dict[str, Any] = {"tenant": tenant_id, "near": None}
    if counted is None or len(keys) > FULL_RECOUNT:
        for table in ("stock_rows", "stock_rows_stores"):
            await conn.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (tenant_id,))
        await conn.execute(_COUNT_ALL, params)
        await conn.execute("INSERT INTO stock_rows_marks (tenant_id) VALUES (%s) ON CONFLICT (tenant_id)"
                           " DO UPDATE SET counted_at = now()", (tenant_id,))
    elif keys:
        params.update(near=sorted({k[0] for k in keys}), key_stores=[k[0] for k in keys], skus=[k[1] for k in keys])
        await conn.execute(_FORGET_KEYS, params)
        await conn.execute(_COUNT_KEYS, params)


async def alert_rows(conn: db.Conn, tenant_id: int, stores: Sequence[str]) -> int:
    """How many rows of ``stores`` the Stock page flags (``stock_in(..., alerts_only=True)``'s total), without
    writing (a read replica answers it): the stores' kept alert counts, with the keys noted since counted again
    from the fold in place of their kept rows; the fold of the stores' rows when the tenant was never counted.

    Statement by statement: the noted keys first, then the kept sums and those keys' kept rows in one snapshot (a
    recount committed in between has made those rows fresh in both), then the keys' fold."""
    params: dict[str, Any] = {"tenant": tenant_id, "stores": list(stores), "near": list(stores)}
    counted = await (await conn.execute("SELECT 1 FROM stock_rows_marks WHERE tenant_id = %s",
                                        (tenant_id,))).fetchone()
    if counted is None:
        row = await (await conn.execute(
            _STOCK_SQL + "SELECT count(*) FROM flagged WHERE store_id = ANY(%(stores)s) AND (below_min OR negative)",
            params)).fetchone()
        return int(row[0]) if row else 0
    noted = await (await conn.execute(
        "SELECT DISTINCT store_id, sku FROM stock_rows_dirty WHERE tenant_id = %(tenant)s"
        " AND store_id = ANY(%(stores)s) ORDER BY 1, 2", params)).fetchall()
    params.update(key_stores=[str(r[0]) for r in noted], skus=[str(r[1]) for r in noted])
    row = await (await conn.execute(
        "SELECT (SELECT COALESCE(sum(alerts), 0) FROM stock_rows_stores WHERE tenant_id = %(tenant)s"
        " AND store_id = ANY(%(stores)s)) - (SELECT count(*) FROM stock_rows s JOIN unnest(%(key_stores)s::text[],"
        " %(skus)s::text[]) AS k(store_id, sku) ON s.store_id = k.store_id AND s.sku = k.sku"
        " WHERE s.tenant_id = %(tenant)s AND (s.below_min OR s.negative))", params)).fetchone()
    kept = int(row[0]) if row else 0
    if not noted:
        return kept
    params["near"] = sorted(set(params["key_stores"]))
    fresh = await (await conn.execute(
        _STOCK_KEYED_SQL + "SELECT count(*) FROM flagged WHERE (store_id, sku) IN"
        " (SELECT * FROM unnest(%(key_stores)s::text[], %(skus)s::text[])) AND (below_min OR negative)",
        params)).fetchone()
    return kept + (int(fresh[0]) if fresh else 0)


def count_all_tenants(conn: psycopg.Connection[Any]) -> None:
    """Migration 0042's back-fill: every tenant with stock or transfers counted whole into the kept rows (as
    :func:`keep_rows` counts a tenant never counted), on a synchronous connection in its transaction, then the kept
    tables analyzed (their first reads are planned on real figures). A migrating role that row-level security hides
    the rows from counts nothing: each tenant's first read counts it."""
    tenants = [int(r[0]) for r in conn.execute(
        "SELECT tenant_id FROM stock UNION SELECT tenant_id FROM transfers ORDER BY 1").fetchall()]
    for tenant_id in tenants:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
        conn.execute(_COUNT_ALL, {"tenant": tenant_id, "near": None})
        conn.execute("INSERT INTO stock_rows_marks (tenant_id) VALUES (%s)", (tenant_id,))
    conn.execute("SELECT set_config('app.tenant_id', '', true)")
    conn.execute("ANALYZE stock_rows")
    conn.execute("ANALYZE stock_rows_stores")


def _stock_in_filter(tenant_id: int, stores: Sequence[str], warehouse_id: str | None, category: str | None,
                     search: str, alerts_only: bool, sku: str | None) -> tuple[str, dict[str, Any]]:
    """The kept rows (``k``) a filter of :func:`stock_in` selects: the same rows :func:`stock`'s filters select."""
    where = ["k.tenant_id = %(tenant)s", "k.store_id = ANY(%(stores)s)"]
    params: dict[str, Any] = {"tenant": tenant_id, "stores": list(stores)}
    if warehouse_id is not None:
        where.append("k.warehouse_id = %(warehouse)s")
        params["warehouse"] = warehouse_id
    if search.strip():
        words = catalog_import.search_words(search)
        params.update({f"w{i}": "% " + _escape(w) + "%" for i, w in enumerate(words)})
        params["exact"] = search.strip()
        on_product = " AND ".join(f"COALESCE(pr.search_text, ' ' || lower(pr.sku) || ' ') LIKE %(w{i})s"
                                  for i in range(len(words)))
        on_sku = " AND ".join(f"(' ' || lower(u.sku) || ' ') LIKE %(w{i})s" for i in range(len(words)))
        # the SKUs found (a kept row is ``listed`` when HQ's catalog has its SKU: its words are the product's)
        found = [f"SELECT pr.sku FROM products pr WHERE pr.tenant_id = %(tenant)s AND {on_product}",
                 f"SELECT u.sku FROM stock_rows u WHERE u.tenant_id = %(tenant)s AND NOT u.listed AND {on_sku}"
                 ] if words else []
        found += ["SELECT e.sku FROM stock_rows e WHERE e.tenant_id = %(tenant)s AND e.sku_lower = lower(%(exact)s)",
                  "SELECT b.sku FROM product_barcodes b WHERE b.tenant_id = %(tenant)s AND b.code = %(exact)s"]
        where.append(f"k.sku IN ({' UNION '.join(found)})")
    if alerts_only:
        where.append("(k.below_min OR k.negative)")
    if sku is not None:
        where.append("k.sku = %(sku)s")
        params["sku"] = sku
    if category is not None:
        where.append("EXISTS (SELECT 1 FROM products pc WHERE pc.tenant_id = %(tenant)s AND pc.sku = k.sku"
                     " AND pc.category = %(category)s)")
        params["category"] = category
    return " AND ".join(where), params


_PAGE_ORDER = "k.negative DESC, k.below_min DESC, k.name, k.sku, k.store_id, k.warehouse_id"


async def stock_in(conn: db.Conn, tenant_id: int, *, stores: Sequence[str], warehouse_id: str | None = None,
                   category: str | None = None, search: str = "", alerts_only: bool = False, sku: str | None = None,
                   limit: int = 50, offset: int = 0) -> tuple[StockPage, list[StoreTotal]]:
    """:func:`stock` of the ``stores`` a user sees (an encargado: his), optionally of one product ``category`` or one
    ``sku``:
    one page of rows, alerts first (negative, then below the minimum), then by product name, SKU, store and
    warehouse (one product's rows side by side across the stores); and each store's :class:`StoreTotal` of every
    matching row, in the order of ``stores`` (a store without matching rows with zeros).

    Read from the kept rows (:func:`keep_rows` first: the same rows :func:`stock` folds, without folding every
    store's stock on each read; docs/inventory.md)."""
    await keep_rows(conn, tenant_id)
    where, params = _stock_in_filter(tenant_id, stores, warehouse_id, category, search, alerts_only, sku)
    narrowed = warehouse_id is not None or category is not None or bool(search.strip()) or sku is not None
    if not narrowed:  # the stores' kept sums
        sums = "alerts_value, alerts, alerts" if alerts_only else "value, alerts, rows"
        head = await (await conn.execute(
            f"SELECT store_id, {sums} FROM stock_rows_stores WHERE tenant_id = %(tenant)s"
            " AND store_id = ANY(%(stores)s)", params)).fetchall()
    else:
        head = await (await conn.execute(
            "SELECT k.store_id, COALESCE(sum(k.value), 0), count(*) FILTER (WHERE k.below_min OR k.negative),"
            f" count(*) FROM stock_rows k WHERE {where} GROUP BY k.store_id", params)).fetchall()
    per_store = {str(r[0]): StoreTotal(str(r[0]), _money(Decimal(r[1])), int(r[2]), int(r[3])) for r in head}
    # a narrowed filter or one store selects few rows: found first, then sorted (walking the page's order index
    # would read every row named before them); otherwise the first rows in that index are the page
    found = (f"WITH m AS MATERIALIZED (SELECT * FROM stock_rows k WHERE {where}) " if narrowed or len(stores) == 1
             else "")
    cur = conn.cursor(row_factory=class_row(StockRow))
    await cur.execute(
        found + "SELECT k.store_id, COALESCE(st.name, k.store_id) AS store_name, k.warehouse_id,"
        " COALESCE(w.name, k.warehouse_id) AS warehouse_name, k.sku, k.name, k.quantity, k.unit_cost, k.value,"
        " k.min_stock, k.store_on_hand, k.below_min, k.negative, k.in_transit"
        f" FROM (SELECT * FROM {'m k' if found else 'stock_rows k WHERE ' + where} ORDER BY {_PAGE_ORDER}"
        " LIMIT %(limit)s OFFSET %(offset)s) k"
        " LEFT JOIN stores st ON st.tenant_id = %(tenant)s AND st.store_id = k.store_id"
        " LEFT JOIN warehouses w ON w.tenant_id = %(tenant)s AND w.warehouse_id = k.warehouse_id"
        f" ORDER BY {_PAGE_ORDER}", {**params, "limit": limit, "offset": offset})
    totals = [per_store.get(s, StoreTotal(s, 0, 0, 0)) for s in stores]
    page = StockPage(sum(t.rows for t in totals), sum(t.value for t in totals), sum(t.alerts for t in totals),
                     await cur.fetchall())
    return page, totals


async def product_facts(conn: db.Conn, tenant_id: int, skus: Sequence[str]) -> dict[str, ProductFacts]:
    """The :class:`ProductFacts` of the catalog's products among ``skus`` (a SKU HQ's catalog lacks is absent)."""
    cur = await conn.execute("SELECT sku, category, sold_by FROM products WHERE tenant_id = %s AND sku = ANY(%s)",
                             (tenant_id, list(skus)))
    return {str(r[0]): ProductFacts(str(r[1]), str(r[2])) for r in await cur.fetchall()}


async def settings_for_update(conn: db.Conn, tenant_id: int) -> InventorySettings:
    """:func:`settings`, locked until the transaction ends (a save reads what it replaces: two owners saving at
    once are audited one after the other). Writes the defaults' row when there is none, to lock it."""
    await conn.execute("INSERT INTO inventory_settings (tenant_id) VALUES (%s) ON CONFLICT (tenant_id) DO NOTHING",
                       (tenant_id,))
    await conn.execute("SELECT 1 FROM inventory_settings WHERE tenant_id = %s FOR UPDATE", (tenant_id,))
    return await settings(conn, tenant_id)
