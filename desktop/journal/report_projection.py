"""Rollups of sales for the back office's reports (issue 14): per Chile day, hour and cashier; tenders per day;
products per day and per month, kept in the unit of work of each sale and return.

Money CLP (``total`` IVA included, ``neto`` without it, ``cost`` neto as recorded on each sale line), quantities
thousandths. The arithmetic (discount shared among lines, each line's neto, a return's cost in proportion to the
sold line's when the sale is in this journal) is ``shared.reports``', the one the master folds too.
Tables: desktop/journal/migrations/versions/0018_report_rollups.py.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

from shared import reports
from shared.events import envelope
from shared.events import returns as returns_events
from shared.events import sales as sales_events
from shared.reports import MILLI, line_neto, local_slot

__all__ = ["MILLI", "PRODUCT_DAYS", "PRODUCT_MONTHS", "TABLES", "line_neto", "local_slot", "returned", "sale"]

TABLES = ("report_sales", "report_tenders", "report_product_days", "report_product_months")
"""Projection tables (cleared and refolded by ``rebuild-projections``)."""

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


def _write(conn: sqlite3.Connection, r: reports.Rollup) -> None:
    """Add one sale's or return's :class:`shared.reports.Rollup` to the four tables."""
    conn.executemany(PRODUCT_DAYS, [(r.day, sku, p.units, p.total, p.neto, p.costed_neto, p.cost)
                                    for sku, p in r.products.items()])
    conn.executemany(PRODUCT_MONTHS, [(r.month, sku, p.units, p.total, p.neto, p.costed_neto, p.cost)
                                      for sku, p in r.products.items()])
    conn.execute(_SALES, (r.day, r.hour, r.cashier_id, r.tickets, r.total, r.neto, r.costed_neto, r.cost, r.returns,
                          r.returned))
    conn.executemany(_TENDERS, [(r.day, kind, count, amount) for kind, count, amount in r.tenders])


def sale(conn: sqlite3.Connection, entry: envelope.Envelope, e: sales_events.SaleCompleted) -> None:
    """Add a completed sale to its day, hour and cashier, its tenders and its products."""
    _write(conn, reports.sale_rollup(entry.occurred_at, e))


def _sold_costs(conn: sqlite3.Connection, sale_id: str) -> dict[int, tuple[Decimal, int | None]]:
    """``{line_id: (quantity, cost)}`` of sale ``sale_id`` as journaled here ({} when it is not in this journal)."""
    found = conn.execute("SELECT e.payload FROM sales s JOIN events e ON e.epoch = s.epoch AND e.seq = s.seq"
                         " WHERE s.sale_id = ?", (sale_id,)).fetchone()
    if found is None:
        return {}
    return {int(x["line_id"]): (Decimal(str(x["quantity"])), x.get("cost")) for x in json.loads(found[0])["lines"]}


def returned(conn: sqlite3.Connection, entry: envelope.Envelope, e: returns_events.ReturnCompleted) -> None:
    """Subtract a return from the day, hour and cashier it was made at, its refunds and its products."""
    _write(conn, reports.return_rollup(entry.occurred_at, e, _sold_costs(conn, e.sale_id)))
