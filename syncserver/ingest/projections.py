"""Master read models folded from terminal events: sales with lines and tenders, returns with lines and refunds,
purchases (suppliers' documents) with their lines, stock, the kardex and cost state (``syncserver.ingest.kardex``),
transfers, counts, mermas, suppliers and returns to them, the stores' product settings, shifts, store products,
HQ's report rollups (``syncserver.store.rollups``).

``fold`` turns a batch of decoded events into row sets; ``write`` applies them with a few bulk statements in the
caller's transaction (the one that stores the events and advances the tracking row).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shared import accounting
from shared import inventory as inv
from shared.events import auth, catalog, codec, envelope, inventory, purchases, returns, sales, shifts
from syncserver.ingest import crossings, fiado, journal, kardex
from syncserver.store import bulk, change_feed, db, local_products, rollups

SALE_COLUMNS = [("tenant_id", "bigint"), ("sale_id", "text"), ("store_id", "text"), ("terminal_id", "text"),
                ("epoch", "integer"), ("seq", "bigint"), ("number", "bigint"), ("shift_id", "text"),
                ("cashier_id", "text"), ("occurred_at", "text"), ("total", "bigint"), ("neto", "bigint"),
                ("iva", "bigint"), ("exento", "bigint"), ("discount", "bigint"), ("rounding", "bigint"),
                ("change", "bigint")]
LINE_COLUMNS = [("tenant_id", "bigint"), ("sale_id", "text"), ("line_id", "integer"), ("sku", "text"),
                ("name", "text"), ("quantity", "numeric"), ("unit_price", "bigint"), ("discount", "bigint"),
                ("amount", "bigint"), ("cost", "bigint")]
TENDER_COLUMNS = [("tenant_id", "bigint"), ("sale_id", "text"), ("kind", "text"), ("amount", "bigint"),
                  ("received", "bigint")]
STOCK_COLUMNS = [("tenant_id", "bigint"), ("warehouse_id", "text"), ("sku", "text"), ("quantity", "numeric")]
RETURN_COLUMNS = [("tenant_id", "bigint"), ("return_id", "text"), ("sale_id", "text"), ("store_id", "text"),
                  ("terminal_id", "text"), ("epoch", "integer"), ("seq", "bigint"), ("shift_id", "text"),
                  ("cashier_id", "text"), ("supervisor_id", "text"), ("occurred_at", "text"), ("reason", "text"),
                  ("total", "bigint"), ("neto", "bigint"), ("iva", "bigint"), ("exento", "bigint"),
                  ("original_tipo", "integer"), ("original_folio", "bigint"), ("full_return", "boolean"),
                  ("tipo", "integer"), ("folio", "bigint")]
RETURN_LINE_COLUMNS = [("tenant_id", "bigint"), ("return_id", "text"), ("line_id", "integer"), ("sku", "text"),
                       ("name", "text"), ("quantity", "numeric"), ("unit_price", "bigint"), ("amount", "bigint")]
REFUND_COLUMNS = [("tenant_id", "bigint"), ("return_id", "text"), ("kind", "text"), ("amount", "bigint"),
                  ("received", "bigint")]
PURCHASE_COLUMNS = [("tenant_id", "bigint"), ("supplier_rut", "text"), ("tipo", "integer"), ("folio", "bigint"),
                    ("purchase_id", "text"), ("store_id", "text"), ("terminal_id", "text"), ("epoch", "integer"),
                    ("seq", "bigint"), ("registered_at", "text"), ("supplier_name", "text"),
                    ("supplier_giro", "text"), ("fecha_emision", "date"), ("warehouse", "text"), ("neto", "bigint"),
                    ("exento", "bigint"), ("iva", "bigint"), ("other_taxes", "bigint"), ("total", "bigint")]
PURCHASE_LINE_COLUMNS = [("tenant_id", "bigint"), ("supplier_rut", "text"), ("tipo", "integer"), ("folio", "bigint"),
                         ("line_no", "integer"), ("purchase_id", "text"), ("sku", "text"), ("code", "text"),
                         ("description", "text"), ("quantity", "numeric"), ("unit", "text"),
                         ("unit_cost", "bigint"), ("cost", "bigint"), ("amount", "bigint"), ("exento", "boolean")]
TRANSFER_COLUMNS = [("tenant_id", "bigint"), ("transfer_id", "text"), ("from_store", "text"),
                    ("from_warehouse", "text"), ("to_store", "text"), ("to_warehouse", "text"), ("state", "text"),
                    ("sent_by", "text"), ("sent_at", "text"), ("note", "text"), ("terminal_id", "text"),
                    ("epoch", "integer"), ("seq", "bigint"), ("received_at", "text")]
TRANSFER_LINE_COLUMNS = [("tenant_id", "bigint"), ("transfer_id", "text"), ("line_no", "integer"), ("sku", "text"),
                         ("name", "text"), ("quantity", "numeric"), ("unit_cost", "bigint")]
RECEIVED_COLUMNS = [("tenant_id", "bigint"), ("transfer_id", "text"), ("from_store", "text"), ("to_store", "text"),
                    ("to_warehouse", "text"), ("state", "text"), ("received_by", "text"), ("received_at", "text"),
                    ("received_note", "text"), ("received_terminal_id", "text")]
RECEIVED_LINE_COLUMNS = [("tenant_id", "bigint"), ("transfer_id", "text"), ("line_no", "integer"), ("sku", "text"),
                         ("name", "text"), ("sent", "numeric"), ("received", "numeric"), ("unit_cost", "bigint")]
COUNT_STARTED_COLUMNS = [("tenant_id", "bigint"), ("count_id", "text"), ("store_id", "text"),
                         ("warehouse_id", "text"), ("category", "text"), ("state", "text"), ("started_by", "text"),
                         ("started_at", "text")]
COUNT_POSTED_COLUMNS = [("tenant_id", "bigint"), ("count_id", "text"), ("store_id", "text"), ("warehouse_id", "text"),
                        ("state", "text"), ("reason", "text"), ("counted_by", "text"), ("approved_by", "text"),
                        ("posted_at", "text")]
COUNT_LINE_COLUMNS = [("tenant_id", "bigint"), ("count_id", "text"), ("line_no", "integer"), ("sku", "text"),
                      ("name", "text"), ("expected", "numeric"), ("counted", "numeric")]
MERMA_COLUMNS = [("tenant_id", "bigint"), ("merma_id", "text"), ("store_id", "text"), ("warehouse_id", "text"),
                 ("sku", "text"), ("name", "text"), ("quantity", "numeric"), ("reason", "text"),
                 ("unit_cost", "bigint"), ("recorded_by", "text"), ("authorised_by", "text"), ("note", "text"),
                 ("terminal_id", "text"), ("epoch", "integer"), ("seq", "bigint"), ("occurred_at", "text")]
SUPPLIER_COLUMNS = [("tenant_id", "bigint"), ("store_id", "text"), ("rut", "text"), ("razon_social", "text"),
                    ("giro", "text"), ("contact", "text"), ("phone", "text"), ("email", "text"), ("active", "boolean"),
                    ("saved_by", "text"), ("saved_at", "text")]
SUPPLIER_RETURN_COLUMNS = [("tenant_id", "bigint"), ("return_id", "text"), ("store_id", "text"),
                           ("supplier_rut", "text"), ("warehouse_id", "text"), ("reason", "text"),
                           ("returned_by", "text"), ("purchase_id", "text"), ("document", "text"),
                           ("terminal_id", "text"), ("epoch", "integer"), ("seq", "bigint"), ("occurred_at", "text")]
SUPPLIER_RETURN_LINE_COLUMNS = [("tenant_id", "bigint"), ("return_id", "text"), ("line_no", "integer"),
                                ("sku", "text"), ("name", "text"), ("quantity", "numeric"), ("unit_cost", "bigint")]
PRODUCT_SETTING_COLUMNS = [("tenant_id", "bigint"), ("store_id", "text"), ("sku", "text"), ("price", "bigint"),
                           ("min_stock", "numeric"), ("location", "text"), ("active", "boolean"),
                           ("edited_by", "text"), ("edited_at", "text"), ("seen_price", "bigint"),
                           ("seen_change", "bigint")]
TRANSFER_CHANGE = "transfer"
"""The feed kind of a transfer sent to a store (for that store only; key: the ``transfer_id``; ``data``:
``codec.to_payload`` of its :class:`shared.events.inventory.TransferIncoming`)."""
ORDERED_TYPES = frozenset({
    sales.SaleCompleted.TYPE, returns.ReturnCompleted.TYPE, purchases.PurchaseReceived.TYPE,
    catalog.StockAdjusted.TYPE, inventory.TransferSent.TYPE, inventory.TransferReceived.TYPE,
    inventory.CountPosted.TYPE, inventory.MermaRecorded.TYPE, inventory.SupplierReturned.TYPE,
    inventory.SupplierSaved.TYPE, inventory.StoreProductSet.TYPE, inventory.InventorySettingsReceived.TYPE})
"""Event types whose fold depends on the order of the store's events (stock movements with their cost and running
balances, the latest supplier and product settings saved, the costing method the till journaled): the ingest folds
them under the store's lock and logs the order (``kardex.log_batch``), which the rebuild follows."""


@dataclass
class Rows:
    """What one batch changes in the master, accumulated before writing."""

    sales: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    tenders: list[tuple[Any, ...]] = field(default_factory=list)
    stock: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    products: list[tuple[Any, ...]] = field(default_factory=list)
    store_created: list[tuple[Any, ...]] = field(default_factory=list)
    """Products a store created itself (``syncserver.store.local_products``): kept for HQ, sent to no other store."""
    users: list[tuple[Any, ...]] = field(default_factory=list)
    shift_events: list[tuple[Any, envelope.Envelope]] = field(default_factory=list)
    shift_sales: dict[str, list[Any]] = field(default_factory=dict)
    returns: list[tuple[Any, ...]] = field(default_factory=list)
    return_lines: list[tuple[Any, ...]] = field(default_factory=list)
    refunds: list[tuple[Any, ...]] = field(default_factory=list)
    purchases: list[tuple[Any, ...]] = field(default_factory=list)
    purchase_lines: list[tuple[Any, ...]] = field(default_factory=list)
    moves: list[tuple[envelope.Envelope, inv.Movement]] = field(default_factory=list)
    """Stock movements in fold order, costed at :func:`write` (``syncserver.ingest.kardex``)."""
    ordered: list[envelope.Envelope] = field(default_factory=list)
    """The entries of :data:`ORDERED_TYPES` folded, in order."""
    switches: list[tuple[int, str]] = field(default_factory=list)
    """``(index in moves, costing method)`` where the till journaled HQ's inventory settings."""
    transfers: list[tuple[Any, ...]] = field(default_factory=list)
    transfer_lines: list[tuple[Any, ...]] = field(default_factory=list)
    received: list[tuple[Any, ...]] = field(default_factory=list)
    received_lines: list[tuple[Any, ...]] = field(default_factory=list)
    counts_started: list[tuple[Any, ...]] = field(default_factory=list)
    counts_posted: list[tuple[Any, ...]] = field(default_factory=list)
    count_lines: list[tuple[Any, ...]] = field(default_factory=list)
    mermas: list[tuple[Any, ...]] = field(default_factory=list)
    suppliers: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    supplier_returns: list[tuple[Any, ...]] = field(default_factory=list)
    supplier_return_lines: list[tuple[Any, ...]] = field(default_factory=list)
    product_settings: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    product_seen: dict[tuple[str, str], crossings.Saved] = field(default_factory=dict)
    """What each latest ``StoreProductSet`` saw of HQ's product (``syncserver.ingest.crossings``)."""
    incoming: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    """``(receiving store, transfer_id, TransferIncoming payload)`` of the transfers sent to another store."""
    fiado_events: list[tuple[envelope.Envelope, Any]] = field(default_factory=list)
    """Events that move customers or their fiado (``syncserver.ingest.fiado``), in order."""
    reported: list[tuple[envelope.Envelope, Any]] = field(default_factory=list)
    """Sales and returns for HQ's report rollups (``syncserver.store.rollups``), in order."""
    booked: list[tuple[envelope.Envelope, Any]] = field(default_factory=list)
    """Events the general journal books (``syncserver.ingest.journal``), in order."""
    book_values: dict[str, int] = field(default_factory=dict)
    """The kardex value of the batch's returns and counts, by reference (``journal.batch_values``)."""


def warehouse_of(store_id: str) -> str:
    """Each store sells from its own default warehouse, named after the store."""
    return store_id


def fold(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: Any) -> None:
    """Add one event's effect to ``rows`` (events without a read model are only stored). Stock moves as
    ``shared.inventory.movements`` says, the same movements the kardex costs."""
    if entry.type in ORDERED_TYPES:
        rows.ordered.append(entry)
        moved = inv.movements(entry.store_id, entry, event)
        for m in moved:
            rows.stock[(m.warehouse, m.sku)] += m.quantity
            rows.moves.append((entry, m))
    if isinstance(event, sales.SaleCompleted):
        rows.sales.append((tenant_id, event.sale_id, entry.store_id, entry.terminal_id, entry.epoch, entry.seq,
                           event.number, event.shift_id, event.cashier_id, entry.occurred_at, event.total,
                           event.neto, event.iva, event.exento, event.discount, event.rounding, event.change))
        for x in event.lines:
            rows.lines.append((tenant_id, event.sale_id, x.line_id, x.sku, x.name, x.quantity, x.unit_price,
                               x.discount, x.amount, x.cost))
        for t in event.tenders:
            rows.tenders.append((tenant_id, event.sale_id, t.kind, t.amount, t.received))
        totals = rows.shift_sales.setdefault(event.shift_id, [0, 0, defaultdict(int)])
        totals[0] += 1
        totals[1] += event.total
        for t in event.tenders:
            totals[2][t.kind] += t.received
    elif isinstance(event, purchases.PurchaseReceived):  # goods go where the till said (its store by default)
        _purchase(rows, tenant_id, entry, event)
    elif isinstance(event, catalog.ProductUpserted) and local_products.is_store_created(event):
        rows.store_created.append(local_products.row(tenant_id, entry, event))  # a proposal to HQ, not HQ's
    elif isinstance(event, catalog.ProductUpserted):
        rows.products.append((tenant_id, event.sku, event.name, event.price, event.category, event.sold_by,
                               event.plu, event.brand, list(event.barcodes), event.iva_exempt, event.favourite,
                               event.active))
    elif isinstance(event, auth.UserEnrolled):
        rows.users.append((tenant_id, event.user_id, event.name, event.role, event.pin_hash, event.active))
    elif isinstance(event, shifts.ShiftOpened | shifts.CashMoved | shifts.ShiftClosed):
        rows.shift_events.append((event, entry))
    elif isinstance(event, returns.ReturnCompleted):
        _return(rows, tenant_id, entry, event)
    elif type(event) in _BACK_OFFICE:
        _BACK_OFFICE[type(event)](rows, tenant_id, entry, event)
    elif isinstance(event, inventory.InventorySettingsReceived):  # the till costs what follows with it
        rows.switches.append((len(rows.moves), event.costing))
    if fiado.concerns(event):
        rows.fiado_events.append((entry, event))
    if isinstance(event, sales.SaleCompleted | returns.ReturnCompleted):
        rows.reported.append((entry, event))
    if entry.type in _BOOKED:
        rows.booked.append((entry, event))


_BOOKED = frozenset(accounting.BOOKED_TYPES)


def _transfer_sent(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: inventory.TransferSent) -> None:
    """A transfer within the store arrives at once (state ``received``); one to another store is in transit and
    is forwarded to that store's tills (:data:`TRANSFER_CHANGE`)."""
    within = event.to_store == entry.store_id
    rows.transfers.append((tenant_id, event.transfer_id, entry.store_id, event.from_warehouse, event.to_store,
                           event.to_warehouse, "received" if within else "in_transit", event.sent_by,
                           entry.occurred_at, event.note, entry.terminal_id, entry.epoch, entry.seq,
                           entry.occurred_at if within else None))
    rows.transfer_lines.extend((tenant_id, event.transfer_id, n, x.sku, x.name, x.quantity, x.unit_cost)
                               for n, x in enumerate(event.lines, 1))
    if not within:
        incoming = inventory.TransferIncoming(
            transfer_id=event.transfer_id, from_store=entry.store_id, from_warehouse=event.from_warehouse,
            to_warehouse=event.to_warehouse, lines=event.lines, sent_by=event.sent_by, sent_at=entry.occurred_at,
            note=event.note)
        rows.incoming.append((event.to_store, event.transfer_id, codec.to_payload(incoming)))


def _transfer_received(rows: Rows, tenant_id: int, entry: envelope.Envelope,
                       event: inventory.TransferReceived) -> None:
    rows.received.append((tenant_id, event.transfer_id, event.from_store, entry.store_id, event.to_warehouse,
                          "received", event.received_by, entry.occurred_at, event.note, entry.terminal_id))
    rows.received_lines.extend((tenant_id, event.transfer_id, n, x.sku, x.name, x.sent, x.received, x.unit_cost)
                               for n, x in enumerate(event.lines, 1))


def _count_started(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: inventory.CountStarted) -> None:
    rows.counts_started.append((tenant_id, event.count_id, entry.store_id, event.warehouse, event.category, "open",
                                event.started_by, entry.occurred_at))


def _count_posted(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: inventory.CountPosted) -> None:
    rows.counts_posted.append((tenant_id, event.count_id, entry.store_id, event.warehouse, "posted", event.reason,
                               event.counted_by, event.approved_by, entry.occurred_at))
    rows.count_lines.extend((tenant_id, event.count_id, n, x.sku, x.name, x.expected, x.counted)
                            for n, x in enumerate(event.lines, 1))


def _merma(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: inventory.MermaRecorded) -> None:
    rows.mermas.append((tenant_id, event.merma_id, entry.store_id, event.warehouse, event.sku, event.name,
                        event.quantity, event.reason, event.unit_cost, event.recorded_by, event.authorised_by,
                        event.note, entry.terminal_id, entry.epoch, entry.seq, entry.occurred_at))


def _supplier_returned(rows: Rows, tenant_id: int, entry: envelope.Envelope,
                       event: inventory.SupplierReturned) -> None:
    rows.supplier_returns.append((tenant_id, event.return_id, entry.store_id, event.supplier_rut, event.warehouse,
                                  event.reason, event.returned_by, event.purchase_id, event.document,
                                  entry.terminal_id, entry.epoch, entry.seq, entry.occurred_at))
    rows.supplier_return_lines.extend((tenant_id, event.return_id, n, x.sku, x.name, x.quantity, x.unit_cost)
                                      for n, x in enumerate(event.lines, 1))


def _supplier_saved(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: inventory.SupplierSaved) -> None:
    """The latest saved wins (in the order the master folds the store's events)."""
    rows.suppliers[(entry.store_id, event.rut)] = (
        tenant_id, entry.store_id, event.rut, event.razon_social, event.giro, event.contact, event.phone,
        event.email, event.active, event.saved_by, entry.occurred_at)


def _product_set(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: inventory.StoreProductSet) -> None:
    """The latest saved wins (in the order the master folds the store's events)."""
    rows.product_settings[(entry.store_id, event.sku)] = (
        tenant_id, entry.store_id, event.sku, event.price, event.min_stock, event.location, event.active,
        event.edited_by, entry.occurred_at, event.seen_price, event.seen_change)
    rows.product_seen[(entry.store_id, event.sku)] = crossings.Saved(entry.terminal_id, entry.epoch, entry.seq,
                                                                     event.seen_price, event.seen_change, event.price)


_BACK_OFFICE: dict[type[Any], Callable[[Rows, int, envelope.Envelope, Any], None]] = {
    inventory.TransferSent: _transfer_sent, inventory.TransferReceived: _transfer_received,
    inventory.CountStarted: _count_started, inventory.CountPosted: _count_posted,
    inventory.MermaRecorded: _merma, inventory.SupplierReturned: _supplier_returned,
    inventory.SupplierSaved: _supplier_saved, inventory.StoreProductSet: _product_set}


def _return(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: returns.ReturnCompleted) -> None:
    """The goods come back to the store's warehouse; the refunds leave the shift's tenders (as at the till)."""
    doc = event.document
    rows.returns.append((tenant_id, event.return_id, event.sale_id, entry.store_id, entry.terminal_id, entry.epoch,
                         entry.seq, event.shift_id, event.cashier_id, event.supervisor_id, entry.occurred_at,
                         event.reason, event.total, event.neto, event.iva, event.exento, event.original_tipo,
                         event.original_folio, event.full, doc.tipo if doc else None, doc.folio if doc else None))
    for x in event.lines:
        rows.return_lines.append((tenant_id, event.return_id, x.line_id, x.sku, x.name, x.quantity, x.unit_price,
                                  x.amount))
    refunded: dict[str, list[int]] = {}
    for t in event.refunds:  # one row per means of payment
        pair = refunded.setdefault(t.kind, [0, 0])
        pair[0] += t.amount
        pair[1] += t.received
    rows.refunds.extend((tenant_id, event.return_id, kind, amount, received)
                        for kind, (amount, received) in sorted(refunded.items()))
    received_by_kind = rows.shift_sales.setdefault(event.shift_id, [0, 0, defaultdict(int)])[2]
    for t in event.refunds:
        received_by_kind[t.kind] -= t.received


def _purchase(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: purchases.PurchaseReceived) -> None:
    """The document as the supplier wrote it (amounts positive, also for a nota de crédito) and its lines."""
    doc = (tenant_id, event.supplier.rut, event.tipo, event.folio)
    rows.purchases.append((*doc, event.purchase_id, entry.store_id, entry.terminal_id, entry.epoch, entry.seq,
                           entry.occurred_at, event.supplier.razon_social, event.supplier.giro,
                           date.fromisoformat(event.fecha_emision), event.warehouse, event.neto, event.exento,
                           event.iva, event.other_taxes, event.total))
    rows.purchase_lines.extend((*doc, x.line_no, event.purchase_id, x.sku, x.code, x.name, x.quantity, x.unit,
                                x.unit_cost, x.cost, x.amount, x.exento) for x in event.lines)


async def _write_purchases(cur: db.Cursor, rows: Rows, *, rebuilding: bool) -> None:
    """Insert the documents and their lines. The same supplier document registered again (by another till) or a
    line number repeated in one makes PostgreSQL refuse the write: ``syncserver.ingest.conflicts`` then quarantines
    the later registration (the first one received stays, as for a ``sale_id``). A rebuild (``rebuilding``) keeps
    the first one folded instead: only registrations folded before migration 0011 can still repeat a document."""
    if not rebuilding:
        await bulk.insert(cur, "purchases", PURCHASE_COLUMNS, rows.purchases)
        await bulk.insert(cur, "purchase_lines", PURCHASE_LINE_COLUMNS, rows.purchase_lines)
        return
    await bulk.insert(cur, "purchases", PURCHASE_COLUMNS, rows.purchases,
                      suffix="ON CONFLICT DO NOTHING RETURNING purchase_id")
    kept = {r[0] for r in await cur.fetchall()}
    await bulk.insert(cur, "purchase_lines", PURCHASE_LINE_COLUMNS, [x for x in rows.purchase_lines if x[5] in kept],
                      suffix="ON CONFLICT DO NOTHING")


async def _ledger(conn: db.Conn, cur: db.Cursor, tenant_id: int, rows: Rows) -> None:
    """Live: cost the batch's movements on the store's books (``kardex.Ledger``) before its stock is written, write
    the kardex rows and cost states, and log the batch's place in the store's fold order. A batch is one till's,
    so one store's."""
    first = rows.ordered[0]
    await kardex.lock(conn, tenant_id, first.store_id)
    method = await kardex.terminal_method(conn, tenant_id, first.terminal_id)
    if rows.moves:
        ledger = await kardex.load(conn, tenant_id, first.store_id, sorted({m.sku for _e, m in rows.moves}), method)
        ledger.pos = await kardex.reserve(conn, tenant_id, first.store_id, len(rows.moves))
        ledger.apply_batch(rows.moves, rows.switches)
        rows.book_values = journal.batch_values(ledger.kardex)
        await ledger.flush(cur)
        method = ledger.method
    elif rows.switches:
        method = rows.switches[-1][1]
    await kardex.log_batch(conn, tenant_id, first.store_id, (first, rows.ordered[-1].seq), method)


async def write_ordered(cur: db.Cursor, rows: Rows) -> None:
    """The latest supplier data and product settings each store saved (in fold order, the last one wins)."""
    if rows.suppliers:
        await bulk.insert(cur, "suppliers", SUPPLIER_COLUMNS, [rows.suppliers[k] for k in sorted(rows.suppliers)],
                          suffix="ON CONFLICT (tenant_id, store_id, rut) DO UPDATE SET"
                                 " razon_social = excluded.razon_social, giro = excluded.giro,"
                                 " contact = excluded.contact, phone = excluded.phone, email = excluded.email,"
                                 " active = excluded.active, saved_by = excluded.saved_by,"
                                 " saved_at = excluded.saved_at")
    if rows.product_settings:
        await bulk.insert(cur, "store_product_settings", PRODUCT_SETTING_COLUMNS,
                          [rows.product_settings[k] for k in sorted(rows.product_settings)],
                          suffix="ON CONFLICT (tenant_id, store_id, sku) DO UPDATE SET price = excluded.price,"
                                 " min_stock = excluded.min_stock, location = excluded.location,"
                                 " active = excluded.active, edited_by = excluded.edited_by,"
                                 " edited_at = excluded.edited_at, seen_price = excluded.seen_price,"
                                 " seen_change = excluded.seen_change")
        await crossings.record(cur, rows.product_settings[min(rows.product_settings)][0], rows.product_seen)


async def _back_office(conn: db.Conn, cur: db.Cursor, tenant_id: int, rows: Rows, *, rebuilding: bool) -> None:
    """Transfers, counts, mermas and returns to suppliers. A transfer's sending and receiving, and a count's
    opening and posting, are upserts that give the same row in either order (a rebuild folds terminal by terminal);
    a transfer to another store is forwarded to it (not again when ``rebuilding``)."""
    if rows.transfers:
        await bulk.insert(cur, "transfers", TRANSFER_COLUMNS, rows.transfers,
                          suffix="ON CONFLICT (tenant_id, transfer_id) DO UPDATE SET from_store = excluded.from_store,"
                                 " from_warehouse = excluded.from_warehouse, sent_by = excluded.sent_by,"
                                 " sent_at = excluded.sent_at, note = excluded.note,"
                                 " terminal_id = excluded.terminal_id, epoch = excluded.epoch, seq = excluded.seq")
        await bulk.insert(cur, "transfer_lines", TRANSFER_LINE_COLUMNS, rows.transfer_lines)
    if rows.received:
        await bulk.insert(cur, "transfers", RECEIVED_COLUMNS, rows.received,
                          suffix="ON CONFLICT (tenant_id, transfer_id) DO UPDATE SET state = excluded.state,"
                                 " received_by = excluded.received_by, received_at = excluded.received_at,"
                                 " received_note = excluded.received_note,"
                                 " received_terminal_id = excluded.received_terminal_id")
        await bulk.insert(cur, "transfer_received_lines", RECEIVED_LINE_COLUMNS, rows.received_lines)
    if rows.counts_started:
        await bulk.insert(cur, "counts", COUNT_STARTED_COLUMNS, rows.counts_started,
                          suffix="ON CONFLICT (tenant_id, count_id) DO UPDATE SET category = excluded.category,"
                                 " started_by = excluded.started_by, started_at = excluded.started_at")
    if rows.counts_posted:
        await bulk.insert(cur, "counts", COUNT_POSTED_COLUMNS, rows.counts_posted,
                          suffix="ON CONFLICT (tenant_id, count_id) DO UPDATE SET state = excluded.state,"
                                 " reason = excluded.reason, counted_by = excluded.counted_by,"
                                 " approved_by = excluded.approved_by, posted_at = excluded.posted_at")
        await bulk.insert(cur, "count_lines", COUNT_LINE_COLUMNS, rows.count_lines)
    if rows.mermas:
        await bulk.insert(cur, "mermas", MERMA_COLUMNS, rows.mermas)
    if rows.supplier_returns:
        await bulk.insert(cur, "supplier_returns", SUPPLIER_RETURN_COLUMNS, rows.supplier_returns)
        await bulk.insert(cur, "supplier_return_lines", SUPPLIER_RETURN_LINE_COLUMNS, rows.supplier_return_lines)
    if not rebuilding:
        for to_store, transfer_id, data in rows.incoming:
            await change_feed.append_change(conn, tenant_id, TRANSFER_CHANGE, transfer_id, data, store_id=to_store)


async def write(conn: db.Conn, tenant_id: int, rows: Rows, *, rebuilding: bool = False) -> None:
    """Apply ``rows`` in the caller's transaction. Store-created products and users never overwrite HQ's.
    ``rebuilding``: see :func:`_write_purchases`; the kardex, cost state, suppliers, product settings and fiado are
    then left to the rebuild's ordered passes (``syncserver.ingest.rebuild``), and nothing is forwarded again."""
    async with conn.cursor() as cur:
        if rows.ordered and not rebuilding:
            await _ledger(conn, cur, tenant_id, rows)
            await write_ordered(cur, rows)
        if rows.products:
            await cur.executemany(
                "INSERT INTO products (tenant_id, sku, name, price, category, sold_by, plu, brand, barcodes,"
                " iva_exempt, favourite, active) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (tenant_id, sku) DO NOTHING", rows.products)
        if rows.store_created:
            await local_products.record(cur, rows.store_created)
        if rows.users:
            await cur.executemany(
                "INSERT INTO users (tenant_id, user_id, name, role, pin_hash, active) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (tenant_id, user_id) DO NOTHING", rows.users)
        if rows.sales:
            await bulk.insert(cur, "sales", SALE_COLUMNS, rows.sales)
            await bulk.insert(cur, "sale_lines", LINE_COLUMNS, rows.lines)
            await bulk.insert(cur, "sale_tenders", TENDER_COLUMNS, rows.tenders)
        if rows.returns:
            await bulk.insert(cur, "returns", RETURN_COLUMNS, rows.returns)
            await bulk.insert(cur, "return_lines", RETURN_LINE_COLUMNS, rows.return_lines)
            await bulk.insert(cur, "return_refunds", REFUND_COLUMNS, rows.refunds)
        if rows.purchases:
            await _write_purchases(cur, rows, rebuilding=rebuilding)
        if rows.stock:  # one statement: each (warehouse, sku) appears once, in sorted (lock) order
            await bulk.insert(cur, "stock", STOCK_COLUMNS,
                              [(tenant_id, wh, sku, qty) for (wh, sku), qty in sorted(rows.stock.items())],
                              suffix="ON CONFLICT (tenant_id, warehouse_id, sku)"
                                     " DO UPDATE SET quantity = stock.quantity + excluded.quantity")
            await rollups.stock_moved(cur, tenant_id, sorted(rows.stock))
        await _back_office(conn, cur, tenant_id, rows, rebuilding=rebuilding)
        opened = [(e, x) for e, x in rows.shift_events if isinstance(e, shifts.ShiftOpened)]
        later = [(e, x) for e, x in rows.shift_events if not isinstance(e, shifts.ShiftOpened)]
        for event, entry in opened:
            await _shift(cur, tenant_id, event, entry)
        if rows.shift_sales:
            await cur.executemany(
                "UPDATE shifts SET sales_count = sales_count + %s, sales_total = sales_total + %s,"
                " received = (SELECT COALESCE(jsonb_object_agg(k, COALESCE((received->>k)::bigint, 0)"
                " + COALESCE((%s::jsonb->>k)::bigint, 0)), '{}'::jsonb)"
                " FROM jsonb_object_keys(received || %s::jsonb) AS k)"
                " WHERE tenant_id = %s AND shift_id = %s",
                [(count, total, json.dumps(received), json.dumps(received), tenant_id, shift_id)
                 for shift_id, (count, total, received) in sorted(rows.shift_sales.items())])
        for event, entry in later:
            await _shift(cur, tenant_id, event, entry)
    if rows.fiado_events and not rebuilding:  # a rebuild refolds them in the tenant's fiado order
        await fiado.fold_batch(conn, tenant_id, rows.fiado_events)
    if rows.booked and not rebuilding:  # a rebuild books them again once the kardex is refolded
        async with conn.cursor() as cur:
            await journal.write(cur, tenant_id, journal.book(rows.booked, rows.book_values))
    if rows.reported and not rebuilding:  # last: it waits on other stores' batches (whole-tenant rows); rebuild: all
        async with conn.cursor() as cur:
            await rollups.add(cur, tenant_id, rows.reported)


async def _shift(cur: db.Cursor, tenant_id: int, event: object, entry: envelope.Envelope) -> None:
    if isinstance(event, shifts.ShiftOpened):
        await cur.execute(
            "INSERT INTO shifts (tenant_id, shift_id, store_id, terminal_id, number, cashier_id, state, opening_float)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'open', %s) ON CONFLICT DO NOTHING",
            (tenant_id, event.shift_id, entry.store_id, entry.terminal_id, event.number, event.cashier_id,
             event.opening_float))
    elif isinstance(event, shifts.CashMoved):
        column = "cash_in" if event.direction == "in" else "cash_out"
        await cur.execute(f"UPDATE shifts SET {column} = {column} + %s WHERE tenant_id = %s AND shift_id = %s",
                          (event.amount, tenant_id, event.shift_id))
    elif isinstance(event, shifts.ShiftClosed):
        counted = {c.kind: c.amount for c in event.counted}
        expected = {c.kind: c.amount for c in event.expected}
        await cur.execute(
            "UPDATE shifts SET state = 'closed', counted = %s, expected = %s, cash_difference = %s"
            " WHERE tenant_id = %s AND shift_id = %s",
            (json.dumps(counted), json.dumps(expected), counted.get("cash", 0) - expected.get("cash", 0),
             tenant_id, event.shift_id))
