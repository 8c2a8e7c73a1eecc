"""Read models of the back office (issue 12): stock per warehouse and per product, transfers, counts, mermas,
supplier returns, suppliers' contact data, the store's product settings and the tenant's inventory settings.

Each handler runs inside the unit of work that appends its event (``desktop.journal.projections`` registers them),
so a rebuild folds the same rows again. Quantities are thousandths (``projections.to_milli``), money CLP neto.
Tables: desktop/journal/migrations/versions/0012_inventory.py.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared import inventory as stock
from shared.events import catalog, envelope
from shared.events import inventory as inv

TABLES = ("kardex", "stock_items", "cost_state", "transfers", "transfer_lines", "counts", "count_lines", "mermas",
          "supplier_returns", "supplier_return_lines", "store_products", "inventory_settings", "hq_product_changes")
"""Projection tables of the back office (cleared and refolded by ``rebuild-projections``, covered by its digest).
``count_drafts`` is working state and is not among them."""

MILLI = Decimal(1000)
NO_ALERT, BELOW_MINIMUM, NEGATIVE = 0, 1, 2
"""``stock_items.alert``: none, on hand below the store's minimum, negative stock in some warehouse."""


def milli(quantity: Decimal) -> int:
    """Units or kg as integer thousandths (how every stock table keeps them)."""
    return int(quantity * MILLI)


def value_of(quantity: Decimal, unit_cost: int) -> int:
    """CLP of ``quantity`` at ``unit_cost`` per unit, rounded half up."""
    return int((quantity * unit_cost).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- stock ---------------------------------------------------------------------------------------------------

def _set_alert(conn: sqlite3.Connection, store_id: str, sku: str, on_hand: int, min_stock: int | None,
               negative: bool | None = None) -> None:
    """Recompute the alert of ``sku``: negative stock in any warehouse, else below the minimum, else none.
    ``negative`` True: a warehouse just went below zero (no need to look)."""
    if not negative:
        negative = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM stock WHERE sku = ? AND quantity < 0) OR EXISTS (SELECT 1 FROM"
            " warehouse_stock WHERE sku = ? AND quantity < 0)", (sku, sku)).fetchone()[0] == 1
    if negative:
        alert = NEGATIVE
    elif min_stock is not None and on_hand < min_stock:
        alert = BELOW_MINIMUM
    else:
        alert = NO_ALERT
    conn.execute("UPDATE stock_items SET alert = ? WHERE sku = ? AND alert != ?", (alert, sku, alert))


# --- transfers -----------------------------------------------------------------------------------------------

def transfer_sent(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.TransferSent) -> None:
    """A transfer out: between the store's own warehouses it is received at once; to another store it stays in
    transit (the sending till never sees the other store's receipt)."""
    internal = e.to_store == entry.store_id
    conn.execute("INSERT INTO transfers (transfer_id, direction, state, from_store, from_warehouse, to_store,"
                 " to_warehouse, sent_by, sent_at, note, received_by, received_at, received_note, epoch, seq)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
                 (e.transfer_id, "internal" if internal else "outgoing", "received" if internal else "in_transit",
                  entry.store_id, e.from_warehouse, e.to_store, e.to_warehouse, e.sent_by, entry.occurred_at, e.note,
                  e.sent_by if internal else "", entry.occurred_at if internal else "", entry.epoch, entry.seq))
    conn.executemany("INSERT INTO transfer_lines (transfer_id, line_no, sku, name, sent, received, unit_cost)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(e.transfer_id, i, x.sku, x.name, milli(x.quantity), milli(x.quantity) if internal else None,
                       x.unit_cost) for i, x in enumerate(e.lines, start=1)])


def transfer_incoming(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.TransferIncoming) -> None:
    """A transfer another store sent here, in transit until received. Delivered again (or after its receipt was
    journaled) it changes nothing but the sender's data of a row that lacked it."""
    seen = conn.execute("SELECT state FROM transfers WHERE transfer_id = ?", (e.transfer_id,)).fetchone()
    if seen is not None:
        conn.execute("UPDATE transfers SET from_warehouse = ?, sent_by = ?, sent_at = ?, note = ?"
                     " WHERE transfer_id = ? AND sent_at = ''",
                     (e.from_warehouse, e.sent_by, e.sent_at, e.note, e.transfer_id))
        return
    conn.execute("INSERT INTO transfers (transfer_id, direction, state, from_store, from_warehouse, to_store,"
                 " to_warehouse, sent_by, sent_at, note, received_by, received_at, received_note, epoch, seq)"
                 " VALUES (?, 'incoming', 'in_transit', ?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?)",
                 (e.transfer_id, e.from_store, e.from_warehouse, entry.store_id, e.to_warehouse, e.sent_by,
                  e.sent_at, e.note, entry.epoch, entry.seq))
    conn.executemany("INSERT INTO transfer_lines (transfer_id, line_no, sku, name, sent, received, unit_cost)"
                     " VALUES (?, ?, ?, ?, ?, NULL, ?)",
                     [(e.transfer_id, i, x.sku, x.name, milli(x.quantity), x.unit_cost)
                      for i, x in enumerate(e.lines, start=1)])


def transfer_received(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.TransferReceived) -> None:
    """A transfer from another store received here: its lines become what was sent and what arrived (the
    differences stay visible); a receipt without the incoming transfer (never delivered by the feed) makes the
    row from the receipt itself."""
    seen = conn.execute("SELECT 1 FROM transfers WHERE transfer_id = ?", (e.transfer_id,)).fetchone()
    if seen is None:
        conn.execute("INSERT INTO transfers (transfer_id, direction, state, from_store, from_warehouse, to_store,"
                     " to_warehouse, sent_by, sent_at, note, received_by, received_at, received_note, epoch, seq)"
                     " VALUES (?, 'incoming', 'received', ?, '', ?, ?, '', '', '', ?, ?, ?, ?, ?)",
                     (e.transfer_id, e.from_store, entry.store_id, e.to_warehouse, e.received_by,
                      entry.occurred_at, e.note, entry.epoch, entry.seq))
    else:
        conn.execute("UPDATE transfers SET state = 'received', to_warehouse = ?, received_by = ?, received_at = ?,"
                     " received_note = ? WHERE transfer_id = ?",
                     (e.to_warehouse, e.received_by, entry.occurred_at, e.note, e.transfer_id))
    conn.execute("DELETE FROM transfer_lines WHERE transfer_id = ?", (e.transfer_id,))
    conn.executemany("INSERT INTO transfer_lines (transfer_id, line_no, sku, name, sent, received, unit_cost)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(e.transfer_id, i, x.sku, x.name, milli(x.sent), milli(x.received), x.unit_cost)
                      for i, x in enumerate(e.lines, start=1)])


# --- counts, mermas, supplier returns ------------------------------------------------------------------------

def count_started(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.CountStarted) -> None:
    conn.execute("INSERT INTO counts (count_id, warehouse, category, state, started_by, started_at, posted_at,"
                 " reason, counted_by, approved_by, epoch, seq) VALUES (?, ?, ?, 'open', ?, ?, '', '', '', '', ?, ?)"
                 " ON CONFLICT (count_id) DO NOTHING",
                 (e.count_id, e.warehouse, e.category, e.started_by, entry.occurred_at, entry.epoch, entry.seq))


def count_posted(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.CountPosted) -> None:
    """The count posted (started here or not), its lines with what was expected and counted; its draft lines go
    in the same transaction (posting them is what keeps them)."""
    conn.execute("INSERT INTO counts (count_id, warehouse, category, state, started_by, started_at, posted_at,"
                 " reason, counted_by, approved_by, epoch, seq) VALUES (?, ?, '', 'posted', ?, ?, ?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT (count_id) DO UPDATE SET state = 'posted', posted_at = excluded.posted_at,"
                 " reason = excluded.reason, counted_by = excluded.counted_by, approved_by = excluded.approved_by",
                 (e.count_id, e.warehouse, e.counted_by, entry.occurred_at, entry.occurred_at, e.reason,
                  e.counted_by, e.approved_by, entry.epoch, entry.seq))
    conn.executemany("INSERT OR REPLACE INTO count_lines (count_id, sku, name, expected, counted)"
                     " VALUES (?, ?, ?, ?, ?)",
                     [(e.count_id, x.sku, x.name, milli(x.expected), milli(x.counted)) for x in e.lines])
    conn.execute("DELETE FROM count_drafts WHERE count_id = ?", (e.count_id,))


def merma_recorded(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.MermaRecorded) -> None:
    conn.execute("INSERT INTO mermas (merma_id, warehouse, sku, name, quantity, reason, unit_cost, value,"
                 " recorded_by, authorised_by, note, occurred_at, epoch, seq)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.merma_id, e.warehouse, e.sku, e.name, milli(e.quantity), e.reason, e.unit_cost,
                  value_of(e.quantity, e.unit_cost), e.recorded_by, e.authorised_by, e.note, entry.occurred_at,
                  entry.epoch, entry.seq))


def supplier_returned(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.SupplierReturned) -> None:
    conn.execute("INSERT INTO supplier_returns (return_id, supplier_rut, warehouse, purchase_id, document, reason,"
                 " returned_by, value, occurred_at, epoch, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.return_id, e.supplier_rut, e.warehouse, e.purchase_id, e.document, e.reason, e.returned_by,
                  sum(value_of(x.quantity, x.unit_cost) for x in e.lines), entry.occurred_at, entry.epoch,
                  entry.seq))
    conn.executemany("INSERT INTO supplier_return_lines (return_id, line_no, sku, name, quantity, unit_cost)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     [(e.return_id, i, x.sku, x.name, milli(x.quantity), x.unit_cost)
                      for i, x in enumerate(e.lines, start=1)])


def supplier_saved(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.SupplierSaved) -> None:
    """The latest saved data of a RUT wins (a purchase's document later updates only razón social and giro)."""
    conn.execute("INSERT INTO suppliers (rut, razon_social, giro, contact, phone, email, active, saved_by, saved_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rut) DO UPDATE SET"
                 " razon_social = excluded.razon_social, giro = excluded.giro, contact = excluded.contact,"
                 " phone = excluded.phone, email = excluded.email, active = excluded.active,"
                 " saved_by = excluded.saved_by, saved_at = excluded.saved_at",
                 (e.rut, e.razon_social, e.giro, e.contact, e.phone, e.email, e.active, e.saved_by,
                  entry.occurred_at))


# --- the store's product settings, HQ's product data, the tenant's settings ----------------------------------

def store_product_set(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.StoreProductSet) -> None:
    """The store's settings of a product; the till sells at the store's price (when the tenant lets stores set
    prices) and only while both HQ and the store keep the product active. HQ's own values are kept beside."""
    hq = conn.execute("SELECT hq_price, hq_active, hq_changed_at FROM store_products WHERE sku = ?",
                      (e.sku,)).fetchone()
    if hq is None:
        product = conn.execute("SELECT price, active FROM products WHERE sku = ?", (e.sku,)).fetchone()
        hq = (product[0], product[1], "") if product else (e.seen_price, 1, "")
    minimum = None if e.min_stock is None else milli(e.min_stock)
    conn.execute("INSERT OR REPLACE INTO store_products (sku, price, min_stock, location, active, edited_by,"
                 " edited_at, seen_price, seen_change, hq_price, hq_active, hq_changed_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.sku, e.price, minimum, e.location, e.active, e.edited_by, entry.occurred_at, e.seen_price,
                  e.seen_change, hq[0], hq[1], hq[2]))
    _sell_as_set(conn, e.sku)
    item = conn.execute("INSERT INTO stock_items (sku, on_hand, unit_cost, value, last_id, min_stock, alert)"
                        " VALUES (?, 0, NULL, 0, NULL, ?, 0) ON CONFLICT (sku) DO UPDATE"
                        " SET min_stock = excluded.min_stock RETURNING on_hand",
                        (e.sku, minimum)).fetchone()
    _set_alert(conn, entry.store_id, e.sku, int(item[0]), minimum)


def product_upserted(conn: sqlite3.Connection, entry: envelope.Envelope, e: catalog.ProductUpserted) -> None:
    """After ``products`` took HQ's data: a product the store has settings for keeps HQ's price and active flag
    beside them (and when HQ's price changed), and the till goes on selling at the store's."""
    if e.source == "hq" and e.change_id:
        hq_change(conn, e)
    row = conn.execute("SELECT hq_price FROM store_products WHERE sku = ?", (e.sku,)).fetchone()
    if row is None:
        return
    changed = ", hq_changed_at = ?" if row[0] != e.price else ""
    conn.execute(f"UPDATE store_products SET hq_price = ?, hq_active = ?{changed} WHERE sku = ?",
                 (e.price, e.active, *((entry.occurred_at,) if changed else ()), e.sku))
    _sell_as_set(conn, e.sku)


def hq_change(conn: sqlite3.Connection, e: catalog.ProductUpserted) -> None:
    """HQ's latest change of the product: its feed change id, and the change (with who and when) that last moved
    its price and its active flag (the first change received sets both)."""
    row = conn.execute("SELECT price, active, price_change, price_by, price_at, active_change, active_by, active_at"
                       " FROM hq_product_changes WHERE sku = ?", (e.sku,)).fetchone()
    price = (row[2], row[3], row[4]) if row is not None and row[0] == e.price else (e.change_id, e.changed_by,
                                                                                      e.changed_at)
    active = (row[5], row[6], row[7]) if row is not None and bool(row[1]) == e.active else (
        e.change_id, e.changed_by, e.changed_at)
    conn.execute("INSERT OR REPLACE INTO hq_product_changes (sku, change_id, price, active, price_change, price_by,"
                 " price_at, active_change, active_by, active_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.sku, e.change_id, e.price, e.active, *price, *active))


def _sell_as_set(conn: sqlite3.Connection, sku: str | None) -> None:
    """``products`` (what the sale screen reads) takes the store's price when the tenant allows it and the active
    flag both HQ and the store agree on, for ``sku`` (every product with settings when None)."""
    allowed = conn.execute("SELECT store_prices FROM inventory_settings WHERE id = 1").fetchone()
    store_prices = bool(allowed[0]) if allowed else False
    where = "" if sku is None else " AND sp.sku = ?"
    conn.execute("UPDATE products SET (price, active) = (SELECT CASE WHEN ? AND sp.price IS NOT NULL THEN sp.price"
                 " ELSE sp.hq_price END, sp.hq_active AND sp.active FROM store_products sp WHERE sp.sku ="
                 f" products.sku) WHERE sku IN (SELECT sp.sku FROM store_products sp WHERE 1{where})",
                 (store_prices, *(() if sku is None else (sku,))))


def inventory_settings(conn: sqlite3.Connection, entry: envelope.Envelope, e: inv.InventorySettingsReceived) -> None:
    """HQ's latest inventory settings replace the ones before; store prices apply or stop applying at once."""
    conn.execute("INSERT OR REPLACE INTO inventory_settings (id, costing, store_prices, merma_pin_above,"
                 " received_at) VALUES (1, ?, ?, ?, ?)",
                 (e.costing, e.store_prices, e.merma_pin_above, entry.occurred_at))
    _sell_as_set(conn, None)


# --- the stock and cost fold --------------------------------------------------------------------------------

_decoded_costs: dict[str, tuple[str, stock.CostState]] = {}
_DECODED_MAX = 20_000
"""Cost states decoded before, by sku and the exact stored text (the row is read every time, so a rolled-back
transaction is never trusted, but decoded only when its text changed)."""


def costing_method(conn: sqlite3.Connection) -> str:
    """The tenant's costing method as HQ last published it (``ppp`` until then)."""
    row = conn.execute("SELECT costing FROM inventory_settings WHERE id = 1").fetchone()
    return str(row[0]) if row else "ppp"


def cost_state(conn: sqlite3.Connection, sku: str) -> stock.CostState:
    """The cost state of ``sku`` (an empty, never costed one when none is kept)."""
    row = conn.execute("SELECT state FROM cost_state WHERE sku = ?", (sku,)).fetchone()
    return stock.CostState() if row is None else _decoded(sku, row[0])


def decoded_cost_state(sku: str, text: str) -> stock.CostState:
    """``text`` (``cost_state.state`` of ``sku``) decoded, once per distinct text (kept for the next sale).

    Raises:
        InvalidInput: text that is not a cost state (``shared.inventory.CostState.from_json``).
    """
    return _decoded(sku, text)


def _decoded(sku: str, text: str) -> stock.CostState:
    cached = _decoded_costs.get(sku)
    if cached is not None and cached[0] == text:
        return cached[1]
    decoded = stock.CostState.from_json(text)
    _remember(sku, text, decoded)
    return decoded


def _remember(sku: str, text: str, state: stock.CostState) -> None:
    if len(_decoded_costs) >= _DECODED_MAX and sku not in _decoded_costs:
        _decoded_costs.clear()  # a rebuild of a big catalog: keep memory bounded, decode again as needed
    _decoded_costs[sku] = (text, state)


@dataclass(slots=True)
class _Item:
    """A sku's stock row while an event is folded (thousandths)."""

    on_hand: int = 0
    min_stock: int | None = None
    alert: int = NO_ALERT
    last_in: int | None = None
    valued: bool = False


def fold(conn: sqlite3.Connection, entry: envelope.Envelope, event: object) -> None:
    """Fold every stock movement of ``event`` (``shared.inventory.movements``, in order) through the sku's cost
    (``shared.inventory.step``, the tenant's method): one kardex row each, the warehouses' stock (a row for every
    warehouse the sku has a kardex row in), each product's stock row (on hand, value at cost, its last kardex row,
    alert), its cost state and ``product_costs``.

    What the event touches is read once and written once (a count of thousands of lines is a few statements)."""
    moves = stock.movements(entry.store_id, entry, event)
    if not moves:
        return
    method = costing_method(conn)
    store_id = entry.store_id
    skus = list(dict.fromkeys(m.sku for m in moves))
    items: dict[str, _Item] = {}
    before: dict[str, stock.CostState] = {}
    balances: dict[tuple[str, str], int] = {}
    # one statement reads the three rows of each sku keyed by it (a statement per table cost a quarter of a sale)
    for sku, on_hand, min_stock, alert, text, quantity in conn.execute(
            "SELECT j.value, i.on_hand, i.min_stock, i.alert, c.state, s.quantity FROM json_each(?) j"
            " LEFT JOIN stock_items i ON i.sku = j.value LEFT JOIN cost_state c ON c.sku = j.value"
            " LEFT JOIN stock s ON s.sku = j.value", (json.dumps(skus),)):
        items[sku] = _Item() if on_hand is None else _Item(int(on_hand), min_stock, int(alert))
        if text is not None:
            before[sku] = _decoded(sku, text)
        if quantity is not None:
            balances[(store_id, sku)] = int(quantity)
    states = dict(before)
    for sku, warehouse, quantity in _rows_of(conn, "SELECT sku, warehouse_id, quantity FROM warehouse_stock"
                                             " WHERE sku IN ({})", skus):
        balances[(warehouse, sku)] = int(quantity)
    moved: set[tuple[str, str]] = set()
    kardex = []
    next_id = int(conn.execute("SELECT COALESCE(max(id), 0) FROM kardex").fetchone()[0]) + 1
    last_id: dict[str, int] = {}
    for line, m in enumerate(moves, start=1):
        item = items[m.sku]
        state, costed = stock.step(states.get(m.sku, _NEVER), m, Decimal(item.on_hand) / MILLI, method)
        states[m.sku] = state
        quantity = milli(m.quantity)
        place = (m.warehouse, m.sku)
        balance = balances[place] = balances.get(place, 0) + quantity
        moved.add(place)  # even by nothing (a value alone): the warehouse's row says the sku has a kardex there
        last_id[m.sku] = next_id + line - 1
        item.on_hand += quantity
        if m.value is not None:
            item.valued = True
            if m.quantity > 0:
                item.last_in = costed.unit_cost
        kardex.append((entry.epoch, entry.seq, line, entry.occurred_at, m.warehouse, m.sku, m.kind, quantity, balance,
                       item.on_hand, costed.unit_cost, costed.value, m.document, m.reference, m.who, _lot(m.lot)))
    conn.executemany("INSERT INTO kardex (epoch, seq, line, occurred_at, warehouse, sku, kind, quantity, balance,"
                     " store_balance, unit_cost, value, document, reference, who, lot)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kardex)
    own = [(sku, balances[(w, sku)]) for w, sku in moved if w == store_id]
    others = [(w, sku, balances[(w, sku)]) for w, sku in moved if w != store_id]
    conn.executemany("INSERT INTO stock (sku, quantity) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE"
                     " SET quantity = excluded.quantity", own)
    if others:
        conn.executemany("INSERT INTO warehouse_stock (warehouse_id, sku, quantity) VALUES (?, ?, ?) ON CONFLICT"
                         " (warehouse_id, sku) DO UPDATE SET quantity = excluded.quantity", others)
    negative = {sku for (_, sku), quantity in balances.items() if quantity < 0}
    stock_rows, alerts, costs, product_costs = [], [], [], []
    for sku in skus:
        item, state = items[sku], states.get(sku, _NEVER)
        current = stock.current_cost(state, method)
        unit_cost = None if current is None else int(current.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        value = stock.stock_value(state, Decimal(item.on_hand) / MILLI, method)
        stock_rows.append((sku, item.on_hand, unit_cost, value, last_id[sku]))
        alert = (NEGATIVE if sku in negative else BELOW_MINIMUM if item.min_stock is not None
                 and item.on_hand < item.min_stock else NO_ALERT)
        if alert != item.alert:
            alerts.append((alert, sku))
        changed = state != before.get(sku, _NEVER)
        if changed:
            text = state.to_json()
            costs.append((sku, method, text, entry.occurred_at))
            _remember(sku, text, state)
        if (changed or item.valued) and current is not None:
            product_costs.append((sku, str(current), item.last_in, entry.occurred_at))
    conn.executemany("INSERT INTO stock_items (sku, on_hand, unit_cost, value, last_id, min_stock, alert)"
                     " VALUES (?, ?, ?, ?, ?, NULL, 0) ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand,"
                     " unit_cost = excluded.unit_cost, value = excluded.value, last_id = excluded.last_id", stock_rows)
    if alerts:  # a sale mostly changes no alert, cost state or cost: no statement prepared for nothing
        conn.executemany("UPDATE stock_items SET alert = ? WHERE sku = ?", alerts)
    if costs:
        conn.executemany("INSERT INTO cost_state (sku, method, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT"
                         " (sku) DO UPDATE SET method = excluded.method, state = excluded.state,"
                         " updated_at = excluded.updated_at", costs)
    if product_costs:
        conn.executemany("INSERT INTO product_costs (sku, avg_cost, last_cost, updated_at) VALUES (?1, ?2,"
                         " COALESCE(?3, 0), ?4) ON CONFLICT (sku) DO UPDATE SET avg_cost = excluded.avg_cost,"
                         " last_cost = CASE WHEN ?3 IS NULL THEN product_costs.last_cost ELSE excluded.last_cost END,"
                         " updated_at = excluded.updated_at", product_costs)


_NEVER = stock.CostState()
_CHUNK = 500


def _rows_of(conn: sqlite3.Connection, sql: str, keys: list[str]) -> list[tuple[Any, ...]]:
    """``sql`` with ``IN ({})`` filled by ``keys``, in chunks (SQLite's limit on parameters)."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        rows += conn.execute(sql.format(", ".join("?" for _ in chunk)), chunk).fetchall()
    return rows


def _lot(lot: stock.Lot | None) -> str:
    if lot is None:
        return ""
    return json.dumps({"supplier_rut": lot.supplier_rut, "expiry": lot.expiry, "purchase_id": lot.purchase_id},
                      ensure_ascii=False, sort_keys=True)
