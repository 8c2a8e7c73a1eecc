"""Master read models folded from terminal events: sales with lines and tenders, returns with lines and refunds,
purchases (suppliers' documents) with their lines, stock, shifts, store products.

``fold`` turns a batch of decoded events into row sets; ``write`` applies them with a few bulk statements in the
caller's transaction (the one that stores the events and advances the tracking row).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shared.events import auth, catalog, envelope, purchases, returns, sales, shifts
from syncserver.store import bulk, db

SALE_COLUMNS = [("tenant_id", "bigint"), ("sale_id", "text"), ("store_id", "text"), ("terminal_id", "text"),
                ("epoch", "integer"), ("seq", "bigint"), ("number", "bigint"), ("shift_id", "text"),
                ("cashier_id", "text"), ("occurred_at", "text"), ("total", "bigint"), ("neto", "bigint"),
                ("iva", "bigint"), ("exento", "bigint"), ("discount", "bigint"), ("rounding", "bigint"),
                ("change", "bigint")]
LINE_COLUMNS = [("tenant_id", "bigint"), ("sale_id", "text"), ("line_id", "integer"), ("sku", "text"),
                ("name", "text"), ("quantity", "numeric"), ("unit_price", "bigint"), ("discount", "bigint"),
                ("amount", "bigint")]
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
@dataclass
class Rows:
    """What one batch changes in the master, accumulated before writing."""

    sales: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    tenders: list[tuple[Any, ...]] = field(default_factory=list)
    stock: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    products: list[tuple[Any, ...]] = field(default_factory=list)
    users: list[tuple[Any, ...]] = field(default_factory=list)
    shift_events: list[tuple[Any, envelope.Envelope]] = field(default_factory=list)
    shift_sales: dict[str, list[Any]] = field(default_factory=dict)
    returns: list[tuple[Any, ...]] = field(default_factory=list)
    return_lines: list[tuple[Any, ...]] = field(default_factory=list)
    refunds: list[tuple[Any, ...]] = field(default_factory=list)
    purchases: list[tuple[Any, ...]] = field(default_factory=list)
    purchase_lines: list[tuple[Any, ...]] = field(default_factory=list)


def warehouse_of(store_id: str) -> str:
    """Each store sells from its own default warehouse, named after the store."""
    return store_id


def fold(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: Any) -> None:
    """Add one event's effect to ``rows`` (events without a read model are only stored)."""
    wh = warehouse_of(entry.store_id)
    if isinstance(event, sales.SaleCompleted):
        rows.sales.append((tenant_id, event.sale_id, entry.store_id, entry.terminal_id, entry.epoch, entry.seq,
                           event.number, event.shift_id, event.cashier_id, entry.occurred_at, event.total,
                           event.neto, event.iva, event.exento, event.discount, event.rounding, event.change))
        for x in event.lines:
            rows.lines.append((tenant_id, event.sale_id, x.line_id, x.sku, x.name, x.quantity, x.unit_price,
                               x.discount, x.amount))
            rows.stock[(wh, x.sku)] -= x.quantity
        for t in event.tenders:
            rows.tenders.append((tenant_id, event.sale_id, t.kind, t.amount, t.received))
        totals = rows.shift_sales.setdefault(event.shift_id, [0, 0, defaultdict(int)])
        totals[0] += 1
        totals[1] += event.total
        for t in event.tenders:
            totals[2][t.kind] += t.received
    elif isinstance(event, catalog.StockAdjusted):
        rows.stock[(wh, event.sku)] += event.delta
    elif isinstance(event, purchases.PurchaseReceived):  # goods go where the till said (its store by default)
        for sku, quantity in purchases.stock_moves(event):
            rows.stock[(event.warehouse, sku)] += quantity
        _purchase(rows, tenant_id, entry, event)
    elif isinstance(event, catalog.ProductUpserted):
        rows.products.append((tenant_id, event.sku, event.name, event.price, event.category, event.sold_by,
                               event.plu, event.brand, list(event.barcodes), event.iva_exempt, event.favourite,
                               event.active))
    elif isinstance(event, auth.UserEnrolled):
        rows.users.append((tenant_id, event.user_id, event.name, event.role, event.pin_hash, event.active))
    elif isinstance(event, shifts.ShiftOpened | shifts.CashMoved | shifts.ShiftClosed):
        rows.shift_events.append((event, entry))
    elif isinstance(event, returns.ReturnCompleted):
        _return(rows, tenant_id, entry, event, wh)


def _return(rows: Rows, tenant_id: int, entry: envelope.Envelope, event: returns.ReturnCompleted, wh: str) -> None:
    """The goods come back to the store's warehouse; the refunds leave the shift's tenders (as at the till)."""
    doc = event.document
    rows.returns.append((tenant_id, event.return_id, event.sale_id, entry.store_id, entry.terminal_id, entry.epoch,
                         entry.seq, event.shift_id, event.cashier_id, event.supervisor_id, entry.occurred_at,
                         event.reason, event.total, event.neto, event.iva, event.exento, event.original_tipo,
                         event.original_folio, event.full, doc.tipo if doc else None, doc.folio if doc else None))
    for x in event.lines:
        rows.return_lines.append((tenant_id, event.return_id, x.line_id, x.sku, x.name, x.quantity, x.unit_price,
                                  x.amount))
        rows.stock[(wh, x.sku)] += x.quantity
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


async def write(conn: db.Conn, tenant_id: int, rows: Rows, *, rebuilding: bool = False) -> None:
    """Apply ``rows`` in the caller's transaction. Store-created products and users never overwrite HQ's.
    ``rebuilding``: see :func:`_write_purchases`."""
    async with conn.cursor() as cur:
        if rows.products:
            await cur.executemany(
                "INSERT INTO products (tenant_id, sku, name, price, category, sold_by, plu, brand, barcodes,"
                " iva_exempt, favourite, active) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (tenant_id, sku) DO NOTHING", rows.products)
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
