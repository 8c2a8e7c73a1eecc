"""Queries on the back office's read models (``inventory_projection``): stock, alerts, kardex, cost state, counts,
transfers, suppliers and their documents, the store's product settings, the tenant's inventory settings.

Plain functions on the journal's connection (take ``SqliteJournal.lock`` around them when another thread shares
it); rows are frozen dataclasses. Quantities are Decimal in the product's unit (units, or kg to 3 places), money
int CLP (neto for costs, with IVA for prices), times ISO text of the till's journal (``occurred_at``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from desktop.journal import inventory_projection, read_models
from shared import errors
from shared import inventory as stock
from shared.events import inventory as inv
from shared.text_fold import joined

MILLI: Final = Decimal(1000)
DEFAULT_COSTING: Final = "ppp"
DEFAULT_MERMA_PIN_ABOVE: Final = 20000


def _q(milli: int | None) -> Decimal:
    return Decimal(milli or 0) / MILLI


def _opt(milli: int | None) -> Decimal | None:
    return None if milli is None else Decimal(milli) / MILLI


def store_id(conn: sqlite3.Connection) -> str:
    """This till's store id: the id of its sala de ventas warehouse."""
    return str(conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()[0])


def _matching_skus(conn: sqlite3.Connection, search: str) -> tuple[str, Any] | None:
    """The SQL condition on ``p`` (products) and its parameter for a search: a scanned barcode or an exact SKU
    finds its product; otherwise every typed word starts a word of the name, brand or category (the till's
    product search, ``read_models.fts_query``). None: nothing searchable typed (no filter)."""
    text = search.strip()
    if not text:
        return None
    row = conn.execute("SELECT sku FROM barcodes WHERE code = ?", (text,)).fetchone()
    if row is None:
        row = conn.execute("SELECT sku FROM products WHERE sku = ? COLLATE NOCASE", (text,)).fetchone()
    if row is not None:
        return "p.sku = ?", row[0]
    query = read_models.fts_query(text)
    if query is None:
        return "0", None
    return "p.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?)", query


# --- stock ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StockRow:
    """A product's stock: ``on_hand`` in the warehouse asked for (or in all the store's warehouses), ``per_warehouse``
    ``(warehouse id, on hand)`` of each warehouse it is in (only when no warehouse was asked for), ``unit_cost``
    CLP neto (None: never costed), ``value`` CLP neto at cost of ``on_hand``, ``min_stock`` (None: no alert),
    ``last_at``/``last_kind`` its last movement (``""`` when none), ``below_minimum``/``negative`` the alerts."""

    sku: str
    name: str
    category: str
    sold_by: str
    active: bool
    on_hand: Decimal
    per_warehouse: tuple[tuple[str, Decimal], ...]
    unit_cost: int | None
    value: int
    min_stock: Decimal | None
    location: str
    last_at: str
    last_kind: str
    below_minimum: bool
    negative: bool


def stock_list(conn: sqlite3.Connection, search: str = "", warehouse: str | None = None, alerts_only: bool = False,
               limit: int = 50, offset: int = 0) -> list[StockRow]:
    """Products by name with their stock (every product of the catalog, moved or not), filtered by ``search``
    (accents, case and hyphens ignored; a barcode or SKU finds its product), by ``warehouse`` (its on hand
    only), or to those with an alert (active products below their minimum or with negative stock)."""
    own = store_id(conn)
    where: list[str] = ["1"]
    params: list[Any] = []
    matching = _matching_skus(conn, search)
    if matching is not None:
        where.append(matching[0])
        if matching[1] is not None:
            params.append(matching[1])
    if alerts_only:
        where.append("s.alert > 0 AND p.active")
    join_params: list[str] = []
    if warehouse is None:
        here, join = "s.on_hand", ""
    elif warehouse == own:
        here, join = "w.quantity", "LEFT JOIN stock w ON w.sku = p.sku"
    else:
        here, join = "w.quantity", "LEFT JOIN warehouse_stock w ON w.warehouse_id = ? AND w.sku = p.sku"
        join_params = [warehouse]
    rows = conn.execute(
        f"SELECT p.sku, p.name, p.category, p.sold_by, p.active, {here}, s.on_hand, s.unit_cost, s.value,"
        " s.min_stock, sp.location, lk.occurred_at, lk.kind, s.alert FROM products p"
        f" LEFT JOIN stock_items s ON s.sku = p.sku LEFT JOIN store_products sp ON sp.sku = p.sku {join}"
        " LEFT JOIN kardex lk ON lk.id = s.last_id"
        f" WHERE {' AND '.join(where)} ORDER BY p.name, p.rowid LIMIT ? OFFSET ?",
        (*join_params, *params, limit, offset)).fetchall()
    split = _per_warehouse(conn, own, [r[0] for r in rows]) if warehouse is None else {}
    out = []
    for r in rows:
        on_hand = _q(r[5])
        unit_cost, value = _costed(r[5], r[6], r[7], r[8], whole=warehouse is None)
        out.append(StockRow(sku=r[0], name=r[1], category=r[2], sold_by=r[3], active=bool(r[4]), on_hand=on_hand,
                            per_warehouse=split.get(r[0], ()), unit_cost=unit_cost, value=value,
                            min_stock=_opt(r[9]), location=r[10] or "", last_at=r[11] or "", last_kind=r[12] or "",
                            below_minimum=r[13] == 1, negative=r[13] == 2))
    return out


def _costed(here: int | None, total: int | None, current: int | None, total_value: int | None, whole: bool
            ) -> tuple[int | None, int]:
    """(unit cost, value) CLP neto of a stock row: ``here`` milli-units in the warehouse asked for (``whole``: the
    store's ``total``), ``current`` the next unit's cost and ``total_value`` the value of ``total`` as folded.
    The unit cost is the value over what is on hand rounded half up to the peso, as HQ's Stock page shows it
    (``syncserver.store.inventory``; under FIFO not the oldest layer's cost), ``current`` with nothing on hand;
    a warehouse's share of the value is its quantity at that average, rounded half up (0 at or below zero)."""
    total, total_value = total or 0, int(total_value or 0)
    unit_cost = current
    if current is not None and total > 0:
        unit_cost = inventory_projection.value_of(Decimal(total_value) / _q(total), 1)
    if whole or here == total:
        return unit_cost, total_value
    quantity = _q(here)
    if current is None or quantity <= 0:
        return unit_cost, 0
    if total > 0:
        return unit_cost, inventory_projection.value_of(quantity * total_value / _q(total), 1)
    return unit_cost, inventory_projection.value_of(quantity, current)


def stock_value(conn: sqlite3.Connection, warehouse: str | None = None) -> int:
    """CLP neto at cost of every product's stock in ``warehouse`` (in all the store's warehouses when None): the
    sum of the ``value`` :func:`stock_list` shows for each product."""
    own = store_id(conn)
    if warehouse is None:
        return int(conn.execute("SELECT COALESCE(sum(s.value), 0) FROM stock_items s"
                                " JOIN products p ON p.sku = s.sku").fetchone()[0])
    if warehouse == own:
        rows = conn.execute("SELECT w.quantity, s.on_hand, s.unit_cost, s.value FROM stock w"
                            " JOIN stock_items s ON s.sku = w.sku JOIN products p ON p.sku = w.sku")
    else:
        rows = conn.execute("SELECT w.quantity, s.on_hand, s.unit_cost, s.value FROM warehouse_stock w"
                            " JOIN stock_items s ON s.sku = w.sku JOIN products p ON p.sku = w.sku"
                            " WHERE w.warehouse_id = ?", (warehouse,))
    return sum(_costed(here, total, current, value, whole=False)[1] for here, total, current, value in rows)


def _per_warehouse(conn: sqlite3.Connection, own: str, skus: list[str]) -> dict[str, tuple[tuple[str, Decimal], ...]]:
    if not skus:
        return {}
    marks = ", ".join("?" for _ in skus)
    found: dict[str, list[tuple[str, Decimal]]] = {}
    for sku, quantity in conn.execute(f"SELECT sku, quantity FROM stock WHERE sku IN ({marks})", skus):
        found.setdefault(sku, []).append((own, _q(quantity)))
    for sku, wh, quantity in conn.execute(
            f"SELECT sku, warehouse_id, quantity FROM warehouse_stock WHERE sku IN ({marks}) ORDER BY warehouse_id",
            skus):
        found.setdefault(sku, []).append((wh, _q(quantity)))
    return {sku: tuple(pairs) for sku, pairs in found.items()}


def alerts_count(conn: sqlite3.Connection) -> int:
    """Active products below their minimum or with negative stock in some warehouse (the sale screen's badge)."""
    return int(conn.execute("SELECT count(*) FROM stock_items s JOIN products p ON p.sku = s.sku"
                            " WHERE s.alert > 0 AND p.active").fetchone()[0])


def on_hand(conn: sqlite3.Connection, sku: str, warehouse: str | None = None) -> Decimal:
    """Units or kg of ``sku`` in ``warehouse`` (in all the store's warehouses when None); may be negative."""
    if warehouse is None:
        row = conn.execute("SELECT on_hand FROM stock_items WHERE sku = ?", (sku,)).fetchone()
    elif warehouse == store_id(conn):
        row = conn.execute("SELECT quantity FROM stock WHERE sku = ?", (sku,)).fetchone()
    else:
        row = conn.execute("SELECT quantity FROM warehouse_stock WHERE warehouse_id = ? AND sku = ?",
                           (warehouse, sku)).fetchone()
    return _q(row[0] if row else 0)


def warehouse_quantities(conn: sqlite3.Connection, warehouse: str,
                         skus: Collection[str] | None = None) -> dict[str, Decimal]:
    """``sku → on hand`` of every product that ever moved in ``warehouse`` (what a count expects); of ``skus`` only
    when given (one indexed look-up each, not the whole catalog's stock)."""
    only = "" if skus is None else " AND sku IN (SELECT value FROM json_each(?))"
    given = () if skus is None else (json.dumps(list(skus)),)
    if warehouse == store_id(conn):
        rows = conn.execute(f"SELECT sku, quantity FROM stock WHERE 1{only}", given)
    else:
        rows = conn.execute(f"SELECT sku, quantity FROM warehouse_stock WHERE warehouse_id = ?{only}",
                            (warehouse, *given))
    return {sku: _q(quantity) for sku, quantity in rows}


def warehouses(conn: sqlite3.Connection) -> list[str]:
    """The store's warehouses this till knows: its sala de ventas (the store's id), its bodega (``<store>-bodega``)
    and any other that goods moved in or a count or transfer named, sala first."""
    own = store_id(conn)
    found = {r[0] for r in conn.execute(
        "SELECT DISTINCT warehouse_id FROM warehouse_stock UNION SELECT warehouse FROM counts"
        " UNION SELECT to_warehouse FROM transfers WHERE to_store = ?"
        " UNION SELECT from_warehouse FROM transfers WHERE from_store = ?", (own, own))}
    rest = sorted(found - {own, f"{own}-bodega", ""})
    return [own, f"{own}-bodega", *rest]


# --- kardex and costs ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class KardexRow:
    """One movement of a product: ``id`` (journal order; pass the last row's as ``before`` for the next page),
    the journal entry (``epoch``, ``seq``) and its time, ``kind`` (``shared.inventory.KINDS``), signed
    ``quantity``, ``balance`` after it (in the warehouse asked for, or in all the store's warehouses), the cost it
    carried (``unit_cost`` and signed ``value``, CLP neto), the ``document`` the kardex shows, its ``reference``
    (sale id, purchase id, ...), ``who`` (the user's id as journaled; ``who_name`` their name when the till knows
    them) and the FIFO ``lot`` trace (JSON text: ``supplier_rut``, ``expiry``, ``purchase_id``; ``""`` when none)."""

    id: int
    epoch: int
    seq: int
    occurred_at: str
    warehouse: str
    kind: str
    quantity: Decimal
    balance: Decimal
    unit_cost: int
    value: int
    document: str
    reference: str
    who: str
    lot: str
    who_name: str


def kardex_page(conn: sqlite3.Connection, sku: str, warehouse: str | None = None, before: int | None = None,
                limit: int = 50) -> list[KardexRow]:
    """The movements of ``sku`` newest first (in ``warehouse`` only when given), ``limit`` of them older than the
    row ``before`` (an id of a previous page; None: from the newest)."""
    places = [warehouse] if warehouse is not None else _kardex_warehouses(conn, sku)
    balance = "store_balance" if warehouse is None else "balance"
    rows: list[tuple[Any, ...]] = []
    for place in places:  # each warehouse's newest rows through the (sku, warehouse, id) index, merged
        rows += conn.execute(
            f"SELECT k.id, k.epoch, k.seq, k.occurred_at, k.warehouse, k.kind, k.quantity, k.{balance}, k.unit_cost,"
            " k.value, k.document, k.reference, k.who, k.lot, COALESCE(u.name, k.who) FROM (SELECT * FROM kardex"
            " WHERE sku = ? AND warehouse = ? AND id < ? ORDER BY id DESC LIMIT ?) k"
            " LEFT JOIN users u ON u.user_id = k.who",
            (sku, place, _NO_ID if before is None else before, limit)).fetchall()
    rows.sort(key=lambda r: -int(r[0]))
    return [KardexRow(r[0], r[1], r[2], r[3], r[4], r[5], _q(r[6]), _q(r[7]), r[8], r[9], r[10], r[11], r[12], r[13],
                      r[14]) for r in rows[:limit]]


_NO_ID: Final = 2**62


def _kardex_warehouses(conn: sqlite3.Connection, sku: str) -> list[str]:
    """The warehouses ``sku`` has kardex rows in (the fold leaves a stock row in each)."""
    found = [r[0] for r in conn.execute("SELECT warehouse_id FROM warehouse_stock WHERE sku = ?", (sku,))]
    if conn.execute("SELECT 1 FROM stock WHERE sku = ?", (sku,)).fetchone() is not None:
        found.append(store_id(conn))
    return found


@dataclass(frozen=True, slots=True)
class CostStateRow:
    """The cost state of a product: the ``method`` it was folded by (``ppp``/``fifo``), ``state`` as
    ``shared.inventory.CostState.to_json`` wrote it, ``unit_cost`` CLP neto (None: never costed), ``on_hand`` in
    all the store's warehouses and its ``value`` at cost (CLP neto), ``updated_at`` (journal time)."""

    sku: str
    method: str
    state: str
    unit_cost: int | None
    on_hand: Decimal
    value: int
    updated_at: str


def cost_state(conn: sqlite3.Connection, sku: str) -> stock.CostState:
    """The decoded cost state of ``sku`` (a never-costed one when none is kept)."""
    return inventory_projection.cost_state(conn, sku)


def sale_line_cost(conn: sqlite3.Connection, sku: str, quantity: Decimal) -> int | None:
    """What ``quantity`` of ``sku`` costs if sold now, CLP neto, by the tenant's method
    (``shared.inventory.sale_line_cost``); None when the product was never costed here."""
    return stock.sale_line_cost(cost_state(conn, sku), quantity, inventory_projection.costing_method(conn))


def sale_cost_states(conn: sqlite3.Connection, skus: Collection[str]) -> dict[str, stock.CostState | None]:
    """The cost state of each of ``skus`` that has one, read by one statement (a sale's lines); None for a state
    that cannot be decoded. A sku never costed here is absent."""
    states: dict[str, stock.CostState | None] = {}
    for sku, text in conn.execute("SELECT j.value, c.state FROM json_each(?) j JOIN cost_state c ON c.sku = j.value",
                                  (json.dumps(list(skus)),)):
        try:
            states[sku] = inventory_projection.decoded_cost_state(sku, text)
        except errors.InvalidInput:
            states[sku] = None
    return states


def product_cost_state(conn: sqlite3.Connection, sku: str) -> CostStateRow | None:
    """The cost state of ``sku``; None when no movement of it was ever costed here."""
    row = conn.execute("SELECT c.method, c.state, s.unit_cost, s.on_hand, s.value, c.updated_at FROM cost_state c"
                       " LEFT JOIN stock_items s ON s.sku = c.sku WHERE c.sku = ?", (sku,)).fetchone()
    if row is None:
        return None
    return CostStateRow(sku, row[0], row[1], row[2], _q(row[3]), int(row[4] or 0), row[5])


# --- counts --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CountRow:
    """A count sheet: ``state`` ``open`` or ``posted``; ``lines`` counted so far (drafts while open)."""

    count_id: str
    warehouse: str
    category: str
    state: str
    started_by: str
    started_at: str
    posted_at: str
    reason: str
    counted_by: str
    approved_by: str
    lines: int


@dataclass(frozen=True, slots=True)
class CountSheetLine:
    """A line of a count sheet: ``counted`` on the shelf, ``scans`` how many times it was scanned or typed (a
    draft), ``expected`` on hand when posted (None while open: the count is blind), ``delta`` the adjustment."""

    sku: str
    name: str
    counted: Decimal
    expected: Decimal | None
    scans: int
    updated_at: str

    @property
    def delta(self) -> Decimal | None:
        return None if self.expected is None else self.counted - self.expected


@dataclass(frozen=True, slots=True)
class CountSheet:
    count: CountRow
    lines: tuple[CountSheetLine, ...]


_COUNT_COLUMNS = ("c.count_id, c.warehouse, c.category, c.state, c.started_by, c.started_at, c.posted_at, c.reason,"
                  " c.counted_by, c.approved_by, CASE c.state WHEN 'open' THEN (SELECT count(*) FROM count_drafts d"
                  " WHERE d.count_id = c.count_id) ELSE (SELECT count(*) FROM count_lines l"
                  " WHERE l.count_id = c.count_id) END")


def open_counts(conn: sqlite3.Connection) -> list[CountRow]:
    """Counts started and not posted, oldest first."""
    return [CountRow(*r) for r in conn.execute(
        f"SELECT {_COUNT_COLUMNS} FROM counts c WHERE c.state = 'open' ORDER BY c.started_at, c.count_id")]


def counts(conn: sqlite3.Connection, limit: int = 100) -> list[CountRow]:
    """Every count, newest first (open and posted)."""
    return [CountRow(*r) for r in conn.execute(
        f"SELECT {_COUNT_COLUMNS} FROM counts c ORDER BY c.epoch DESC, c.seq DESC LIMIT ?", (limit,))]


def count_sheet(conn: sqlite3.Connection, count_id: str) -> CountSheet | None:
    """A count and its lines by name: the draft lines while it is open (expected hidden), the posted lines with
    what was expected after. None for an unknown count."""
    row = conn.execute(f"SELECT {_COUNT_COLUMNS} FROM counts c WHERE c.count_id = ?", (count_id,)).fetchone()
    if row is None:
        return None
    count = CountRow(*row)
    if count.state == "open":
        lines = tuple(CountSheetLine(r[0], r[1], _q(r[2]), None, r[3], r[4]) for r in conn.execute(
            "SELECT sku, name, counted, scans, updated_at FROM count_drafts WHERE count_id = ? ORDER BY name, sku",
            (count_id,)))
    else:
        lines = tuple(CountSheetLine(r[0], r[1], _q(r[2]), _q(r[3]), 0, count.posted_at) for r in conn.execute(
            "SELECT sku, name, counted, expected FROM count_lines WHERE count_id = ? ORDER BY name, sku",
            (count_id,)))
    return CountSheet(count, lines)


# --- transfers -----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TransferLineRow:
    """A line: ``sent`` (what the sender wrote), ``received`` (None while in transit) at ``unit_cost`` CLP neto."""

    sku: str
    name: str
    sent: Decimal
    received: Decimal | None
    unit_cost: int

    @property
    def difference(self) -> Decimal | None:
        """What arrived minus what was sent (negative: goods missing); None while in transit."""
        return None if self.received is None else self.received - self.sent


@dataclass(frozen=True, slots=True)
class TransferRow:
    """A transfer: ``direction`` ``internal`` (between the store's warehouses), ``outgoing`` (to another store) or
    ``incoming`` (from another store); ``state`` ``in_transit`` or ``received``."""

    transfer_id: str
    direction: str
    state: str
    from_store: str
    from_warehouse: str
    to_store: str
    to_warehouse: str
    sent_by: str
    sent_at: str
    note: str
    received_by: str
    received_at: str
    received_note: str
    lines: tuple[TransferLineRow, ...]


TRANSFER_STATES: Final = ("in_transit", "received")


def transfers(conn: sqlite3.Connection, state: str | None = None, direction: str | None = None,
              limit: int = 200) -> list[TransferRow]:
    """Transfers newest first, in ``state`` (:data:`TRANSFER_STATES`) and ``direction`` when given."""
    cond, params = ["1"], []
    if state is not None:
        cond.append("state = ?")
        params.append(state)
    if direction is not None:
        cond.append("direction = ?")
        params.append(direction)
    rows = conn.execute(
        "SELECT transfer_id, direction, state, from_store, from_warehouse, to_store, to_warehouse, sent_by, sent_at,"
        f" note, received_by, received_at, received_note FROM transfers WHERE {' AND '.join(cond)}"
        " ORDER BY epoch DESC, seq DESC LIMIT ?", (*params, limit)).fetchall()
    return [_transfer_row(conn, r) for r in rows]


def transfer(conn: sqlite3.Connection, transfer_id: str) -> TransferRow | None:
    row = conn.execute(
        "SELECT transfer_id, direction, state, from_store, from_warehouse, to_store, to_warehouse, sent_by, sent_at,"
        " note, received_by, received_at, received_note FROM transfers WHERE transfer_id = ?",
        (transfer_id,)).fetchone()
    return None if row is None else _transfer_row(conn, row)


def _transfer_row(conn: sqlite3.Connection, r: Any) -> TransferRow:
    return TransferRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
                       _transfer_lines(conn, r[0]))


def _transfer_lines(conn: sqlite3.Connection, transfer_id: str) -> tuple[TransferLineRow, ...]:
    return tuple(TransferLineRow(r[0], r[1], _q(r[2]), _opt(r[3]), r[4]) for r in conn.execute(
        "SELECT sku, name, sent, received, unit_cost FROM transfer_lines WHERE transfer_id = ? ORDER BY line_no",
        (transfer_id,)))


# --- mermas --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MermaRow:
    """A merma: ``quantity`` lost for ``reason`` (``MERMA_REASONS``), at ``unit_cost``, ``value`` CLP neto."""

    merma_id: str
    warehouse: str
    sku: str
    name: str
    quantity: Decimal
    reason: str
    unit_cost: int
    value: int
    recorded_by: str
    authorised_by: str
    note: str
    occurred_at: str


def mermas(conn: sqlite3.Connection, limit: int = 200) -> list[MermaRow]:
    """Mermas newest first."""
    return [MermaRow(r[0], r[1], r[2], r[3], _q(r[4]), *r[5:]) for r in conn.execute(
        "SELECT merma_id, warehouse, sku, name, quantity, reason, unit_cost, value, recorded_by, authorised_by, note,"
        " occurred_at FROM mermas ORDER BY epoch DESC, seq DESC LIMIT ?", (limit,))]


# --- suppliers -----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SupplierRow:
    """A supplier: RUT (compact, ``12345678-5``), razón social, giro, contact; ``active`` False hides it from new
    purchases; ``saved_by``/``saved_at`` who saved it here (``""`` when only its documents named it)."""

    rut: str
    razon_social: str
    giro: str
    contact: str
    phone: str
    email: str
    active: bool
    saved_by: str
    saved_at: str


def suppliers(conn: sqlite3.Connection, search: str = "") -> list[SupplierRow]:
    """Suppliers by razón social whose RUT, razón social, giro or contact contains ``search`` (accents, case,
    dots, hyphens and spaces ignored)."""
    wanted = joined(search)
    rows = conn.execute("SELECT rut, razon_social, giro, contact, phone, email, active, saved_by, saved_at"
                        " FROM suppliers ORDER BY razon_social, rut").fetchall()
    return [SupplierRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8]) for r in rows
            if not wanted or wanted in joined(" ".join((r[0], r[1], r[2], r[3])))]


def supplier(conn: sqlite3.Connection, rut: str) -> SupplierRow | None:
    row = conn.execute("SELECT rut, razon_social, giro, contact, phone, email, active, saved_by, saved_at"
                       " FROM suppliers WHERE rut = ?", (rut,)).fetchone()
    return None if row is None else SupplierRow(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]),
                                                row[7], row[8])


@dataclass(frozen=True, slots=True)
class SupplierDocument:
    """A document of a supplier: ``kind`` ``compra`` (a registered purchase document, ``tipo``/``folio`` its SII
    type and number) or ``devolucion`` (goods returned to it: ``tipo`` 0, ``folio`` 0, ``document`` its paper);
    ``total`` CLP (a purchase's total with IVA; a return's value at cost, neto), when (journal time) and who."""

    kind: str
    id: str
    tipo: int
    folio: int
    document: str
    date: str
    total: int
    at: str
    by: str


def supplier_documents(conn: sqlite3.Connection, rut: str, limit: int = 200) -> list[SupplierDocument]:
    """The supplier's purchases and returns, newest first."""
    rows = conn.execute(
        "SELECT 'compra', purchase_id, tipo, folio, '', fecha_emision, total, registered_at, registered_by, epoch,"
        " seq FROM purchases WHERE supplier_rut = ? UNION ALL SELECT 'devolucion', return_id, 0, 0, document,"
        " substr(occurred_at, 1, 10), value, occurred_at, returned_by, epoch, seq FROM supplier_returns"
        " WHERE supplier_rut = ? ORDER BY 10 DESC, 11 DESC LIMIT ?", (rut, rut, limit)).fetchall()
    return [SupplierDocument(*r[:9]) for r in rows]


@dataclass(frozen=True, slots=True)
class SupplierItem:
    """A product bought from a supplier: ``quantity`` bought in all its documents (store units; notas de crédito
    subtract), the last unit cost CLP neto and when (``fecha_emision`` of the last document)."""

    sku: str
    name: str
    quantity: Decimal
    last_unit_cost: int
    last_date: str


def supplier_items(conn: sqlite3.Connection, rut: str) -> list[SupplierItem]:
    """What was bought from the supplier ``rut``, by product name."""
    rows = conn.execute(
        "SELECT l.sku, COALESCE(p.name, l.name), l.quantity, l.package_factor, l.cost, pu.tipo, pu.fecha_emision"
        " FROM purchase_lines l JOIN purchases pu USING (purchase_id) LEFT JOIN products p ON p.sku = l.sku"
        " WHERE pu.supplier_rut = ? AND l.sku IS NOT NULL ORDER BY pu.epoch, pu.seq, l.line_no", (rut,)).fetchall()
    found: dict[str, SupplierItem] = {}
    for sku, name, quantity, factor, cost, tipo, fecha in rows:
        units = _q(quantity) * Decimal(factor)
        sign = -1 if tipo == 61 else 1
        before = found.get(sku)
        total = (before.quantity if before else Decimal(0)) + sign * units
        last = (int((Decimal(cost) / units).to_integral_value()) if units and sign > 0
                else (before.last_unit_cost if before else 0))
        found[sku] = SupplierItem(sku, name, total, last, fecha if sign > 0 or before is None else before.last_date)
    return sorted(found.values(), key=lambda i: (i.name, i.sku))


# --- the store's product settings ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoreProductRow:
    """A product as the store sees it: HQ's price and active flag, the store's own ``price`` (None: HQ's),
    ``selling_price`` (what the till charges), ``min_stock``, ``location``, ``active`` here, who edited it and when;
    ``crossed``: HQ changed the price after the manager last saw it (``seen_price``; HQ's new one is ``hq_price``,
    changed at ``hq_changed_at``): both are shown, neither overwritten."""

    sku: str
    name: str
    category: str
    sold_by: str
    hq_price: int
    hq_active: bool
    price: int | None
    selling_price: int
    min_stock: Decimal | None
    location: str
    active: bool
    edited_by: str
    edited_at: str
    seen_price: int
    hq_changed_at: str

    @property
    def crossed(self) -> bool:
        return bool(self.edited_at) and self.seen_price != self.hq_price


def store_products(conn: sqlite3.Connection, search: str = "", limit: int = 50, offset: int = 0
                   ) -> list[StoreProductRow]:
    """Every product of the catalog by name with the store's settings, filtered by ``search`` like
    :func:`stock_list`."""
    where: list[str] = ["1"]
    params: list[Any] = []
    matching = _matching_skus(conn, search)
    if matching is not None:
        where.append(matching[0])
        if matching[1] is not None:
            params.append(matching[1])
    rows = conn.execute(
        "SELECT p.sku, p.name, p.category, p.sold_by, COALESCE(sp.hq_price, p.price), COALESCE(sp.hq_active,"
        " p.active), sp.price, p.price, sp.min_stock, COALESCE(sp.location, ''), COALESCE(sp.active, 1),"
        " COALESCE(sp.edited_by, ''), COALESCE(sp.edited_at, ''), COALESCE(sp.seen_price, p.price),"
        " COALESCE(sp.hq_changed_at, '') FROM products p LEFT JOIN store_products sp ON sp.sku = p.sku"
        f" WHERE {' AND '.join(where)} ORDER BY p.name, p.rowid LIMIT ? OFFSET ?", (*params, limit, offset))
    return [StoreProductRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], _opt(r[8]), r[9], bool(r[10]),
                            r[11], r[12], r[13], r[14]) for r in rows]


def store_product(conn: sqlite3.Connection, sku: str) -> StoreProductRow | None:
    found = [r for r in store_products(conn, sku, limit=1) if r.sku == sku]
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class HqChange:
    """HQ's latest change of a product the till received: its feed ``change_id``, HQ's ``price`` and ``active``
    there, and the change that last moved each (its id, who at HQ, when: ISO, ``""`` unknown)."""

    sku: str
    change_id: int
    price: int
    active: bool
    price_change: int
    price_by: str
    price_at: str
    active_change: int
    active_by: str
    active_at: str


def hq_change(conn: sqlite3.Connection, sku: str) -> HqChange | None:
    """HQ's latest change of ``sku`` (None: no HQ change with a feed id received, or a store's own product)."""
    row = conn.execute("SELECT sku, change_id, price, active, price_change, price_by, price_at, active_change,"
                       " active_by, active_at FROM hq_product_changes WHERE sku = ?", (sku,)).fetchone()
    return None if row is None else HqChange(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6], row[7],
                                             row[8], row[9])


# --- the tenant's inventory settings -------------------------------------------------------------------------

def inventory_settings(conn: sqlite3.Connection) -> inv.InventorySettingsReceived:
    """The latest settings HQ published; the defaults (PPP, HQ's prices, a PIN above $20.000) until then."""
    row = conn.execute("SELECT costing, store_prices, merma_pin_above FROM inventory_settings WHERE id = 1").fetchone()
    if row is None:
        return inv.InventorySettingsReceived()
    return inv.InventorySettingsReceived(costing=row[0], store_prices=bool(row[1]), merma_pin_above=int(row[2]))
