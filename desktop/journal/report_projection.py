"""Rollups of sales for the back office's reports (issue 14): per Chile day, hour and cashier; tenders per day;
products per day and per month, kept in the unit of work of each sale and return.

Money CLP (``total`` IVA included, ``neto`` without it, ``cost`` neto as recorded on each sale line), quantities
thousandths. A sale's discount is shared among its lines as ``shared.sale.Sale.totals`` shares it; a line's neto is
``shared.money.split_iva`` of its share (exempt lines: their amount). A return subtracts its lines on the day it is
made (its cost: the sold line's, in proportion to the quantity given back, when the sale is in this journal).
Tables: desktop/journal/migrations/versions/0018_report_rollups.py.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

from shared import fiado as fiado_mod
from shared.events import envelope
from shared.events import returns as returns_events
from shared.events import sales as sales_events
from shared.sale import allocate

TABLES = ("report_sales", "report_tenders", "report_product_days", "report_product_months")
"""Projection tables (cleared and refolded by ``rebuild-projections``)."""

MILLI = Decimal(1000)
_SALES = ("INSERT INTO report_sales (day, hour, cashier_id, tickets, total, neto, costed_neto, cost, returns, returned)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, hour, cashier_id) DO UPDATE SET"
          " tickets = tickets + excluded.tickets, total = total + excluded.total, neto = neto + excluded.neto,"
          " costed_neto = costed_neto + excluded.costed_neto, cost = cost + excluded.cost,"
          " returns = returns + excluded.returns, returned = returned + excluded.returned")
_TENDERS = ("INSERT INTO report_tenders (day, kind, count, amount) VALUES (?, ?, ?, ?) ON CONFLICT (day, kind)"
            " DO UPDATE SET count = count + excluded.count, amount = amount + excluded.amount")
_PRODUCTS = (" (period, sku, units, total, neto, costed_neto, cost) VALUES (?, ?, ?, ?, ?, ?, ?)"
             " ON CONFLICT (period, sku) DO UPDATE SET units = units + excluded.units, total = total + excluded.total,"
             " neto = neto + excluded.neto, costed_neto = costed_neto + excluded.costed_neto,"
             " cost = cost + excluded.cost")
PRODUCT_DAYS = "INSERT INTO report_product_days" + _PRODUCTS
PRODUCT_MONTHS = "INSERT INTO report_product_months" + _PRODUCTS


def local_slot(occurred_at: str) -> tuple[str, int]:
    """``("YYYY-MM-DD", hour)`` of a journal time in the store's clock (Chile); a naive time is read as UTC.

    Raises: ValueError: not an ISO 8601 date and time."""
    moment = datetime.fromisoformat(occurred_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(fiado_mod.CHILE)
    return local.date().isoformat(), local.hour


def line_neto(gross: int, exempt: bool) -> int:
    """The neto of a line's IVA-included ``gross`` (an exempt line's is its amount; a negative one mirrors):
    ``shared.money.split_iva``'s ``round(gross / 1.19)`` half up, in integers (``gross * 100 / 119`` is never a
    tie, so this is exactly its Decimal result)."""
    if exempt:
        return gross
    if gross < 0:
        return -((-gross * 200 + 119) // 238)
    return (gross * 200 + 119) // 238


def _add(rows: dict[str, list[int]], sku: str, units: int, total: int, neto: int, cost: int | None) -> None:
    row = rows.get(sku)
    if row is None:
        row = rows[sku] = [0, 0, 0, 0, 0]
    row[0] += units
    row[1] += total
    row[2] += neto
    if cost is not None:
        row[3] += neto
        row[4] += cost


def _products(conn: sqlite3.Connection, day: str, rows: dict[str, list[int]]) -> tuple[int, int]:
    """Write the per-product sums of one sale or return; ``(costed_neto, cost)`` of them all."""
    month = day[:7]
    conn.executemany(PRODUCT_DAYS, [(day, sku, *r) for sku, r in rows.items()])
    conn.executemany(PRODUCT_MONTHS, [(month, sku, *r) for sku, r in rows.items()])
    return sum(r[3] for r in rows.values()), sum(r[4] for r in rows.values())


def sale(conn: sqlite3.Connection, entry: envelope.Envelope, e: sales_events.SaleCompleted) -> None:
    """Add a completed sale to its day, hour and cashier, its tenders and its products."""
    day, hour = local_slot(entry.occurred_at)
    shares = allocate(e.discount, [x.amount for x in e.lines]) if e.discount else [0] * len(e.lines)
    rows: dict[str, list[int]] = {}
    for line, share in zip(e.lines, shares, strict=True):
        gross = line.amount - share
        _add(rows, line.sku, int(line.quantity * MILLI), gross, line_neto(gross, line.iva_exempt), line.cost)
    costed, cost = _products(conn, day, rows)
    conn.execute(_SALES, (day, hour, e.cashier_id, 1, e.total, e.neto + e.exento, costed, cost, 0, 0))
    conn.executemany(_TENDERS, [(day, t.kind, 1, t.received) for t in e.tenders])


def _sold_costs(conn: sqlite3.Connection, sale_id: str) -> dict[int, tuple[Decimal, int | None]]:
    """``{line_id: (quantity, cost)}`` of sale ``sale_id`` as journaled here ({} when it is not in this journal)."""
    found = conn.execute("SELECT e.payload FROM sales s JOIN events e ON e.epoch = s.epoch AND e.seq = s.seq"
                         " WHERE s.sale_id = ?", (sale_id,)).fetchone()
    if found is None:
        return {}
    return {int(x["line_id"]): (Decimal(str(x["quantity"])), x.get("cost")) for x in json.loads(found[0])["lines"]}


def returned(conn: sqlite3.Connection, entry: envelope.Envelope, e: returns_events.ReturnCompleted) -> None:
    """Subtract a return from the day, hour and cashier it was made at, its refunds and its products."""
    day, hour = local_slot(entry.occurred_at)
    sold = _sold_costs(conn, e.sale_id)
    rows: dict[str, list[int]] = {}
    for line in e.lines:
        quantity, cost = sold.get(line.line_id, (Decimal(0), None))
        part = None
        if cost is not None and quantity > 0:
            part = int((Decimal(cost) * line.quantity / quantity).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        _add(rows, line.sku, -int(line.quantity * MILLI), -line.amount, -line_neto(line.amount, line.iva_exempt),
             None if part is None else -part)
    costed, cost = _products(conn, day, rows)
    conn.execute(_SALES, (day, hour, e.cashier_id, 0, 0, -(e.neto + e.exento), costed, cost, 1, e.total))
    conn.executemany(_TENDERS, [(day, t.kind, 0, -t.amount) for t in e.refunds])
