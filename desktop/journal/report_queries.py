"""The back office's report figures for a span of the store's calendar days (Chile), both ends included: plain
queries on the report rollups (``report_projection``), the stock, the mermas and the fiado ledger. The row shapes
are ``shared.reports``' (HQ shows the same), re-exported here.

Money CLP (``total`` IVA included; ``neto``, ``cost`` and ``margin`` without it), quantities Decimal (units, or
kg for goods sold by weight). ``margin`` counts only lines whose cost was recorded (``costed_neto - cost``).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from decimal import Decimal

from desktop.journal import fiado_queries, report_projection
from shared.reports import (
    MILLI,
    UNCATEGORISED,
    CashierSales,
    CategorySales,
    CategoryStock,
    DaySales,
    FiadoOwed,
    HourSales,
    ProductMetric,
    ProductSales,
    ShrinkageReason,
    TenderSales,
)

__all__ = ["MILLI", "UNCATEGORISED", "CashierSales", "CategorySales", "CategoryStock", "DaySales", "FiadoOwed",
           "HourSales", "ProductMetric", "ProductSales", "ShrinkageReason", "TenderSales", "fiado_outstanding",
           "sales_by_cashier", "sales_by_category", "sales_by_day", "sales_by_hour", "sales_by_tender",
           "shrinkage_by_reason", "stock_by_category", "top_products"]


def _q(milli: int) -> Decimal:
    return Decimal(milli) / MILLI


def _iso(day: date) -> str:
    return day.isoformat()


def sales_by_day(conn: sqlite3.Connection, start: date, end: date) -> list[DaySales]:
    """Every day from ``start`` to ``end`` in order, days without sales as zeros."""
    found = {r[0]: r[1:] for r in conn.execute(
        "SELECT day, sum(tickets), sum(total), sum(returns), sum(returned), sum(neto), sum(cost),"
        " sum(costed_neto) - sum(cost) FROM report_sales WHERE day BETWEEN ? AND ? GROUP BY day",
        (_iso(start), _iso(end)))}
    out = []
    day = start
    while day <= end:
        r = found.get(_iso(day), (0, 0, 0, 0, 0, 0, 0))
        out.append(DaySales(day, *(int(x) for x in r)))
        day += timedelta(days=1)
    return out


def sales_by_hour(conn: sqlite3.Connection, start: date, end: date) -> list[HourSales]:
    """The 7 × 24 grid of the week, Monday 00 first, empty cells as zeros."""
    found = {(int(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in conn.execute(
        "SELECT (CAST(strftime('%w', day) AS INTEGER) + 6) % 7, hour, sum(tickets), sum(total) FROM report_sales"
        " WHERE day BETWEEN ? AND ? GROUP BY 1, 2", (_iso(start), _iso(end)))}
    return [HourSales(w, h, *found.get((w, h), (0, 0))) for w in range(7) for h in range(24)]


def sales_by_cashier(conn: sqlite3.Connection, start: date, end: date) -> list[CashierSales]:
    """Cashiers with sales or returns in the span, most sold first."""
    rows = conn.execute(
        "SELECT r.cashier_id, COALESCE(u.name, r.cashier_id), sum(r.tickets), sum(r.total), sum(r.returns),"
        " sum(r.returned) FROM report_sales r LEFT JOIN users u ON u.user_id = r.cashier_id"
        " WHERE r.day BETWEEN ? AND ? GROUP BY r.cashier_id ORDER BY 4 DESC, 2", (_iso(start), _iso(end)))
    return [CashierSales(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]


def sales_by_tender(conn: sqlite3.Connection, start: date, end: date) -> list[TenderSales]:
    """Tender kinds used in the span, most money first."""
    rows = conn.execute("SELECT kind, sum(count), sum(amount) FROM report_tenders WHERE day BETWEEN ? AND ?"
                        " GROUP BY kind ORDER BY 3 DESC, 1", (_iso(start), _iso(end)))
    return [TenderSales(r[0], int(r[1]), int(r[2])) for r in rows]


def _month_spans(start: date, end: date) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """The span as day ranges outside whole months, and the whole months' ``(first, last)`` (``YYYY-MM``)."""
    first = start if start.day == 1 else (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = (end + timedelta(days=1))
    last_excl = after.replace(day=1)  # whole months are [first, last_excl)
    if first >= last_excl:
        return [(_iso(start), _iso(end))], None
    days = []
    if start < first:
        days.append((_iso(start), _iso(first - timedelta(days=1))))
    if last_excl <= end:
        days.append((_iso(last_excl), _iso(end)))
    return days, (first.strftime("%Y-%m"), (last_excl - timedelta(days=1)).strftime("%Y-%m"))


def _product_sums(start: date, end: date) -> tuple[str, list[str]]:
    """A sub-select of per-sku sums over the span: whole months from the month rollup, the rest by day."""
    days, months = _month_spans(start, end)
    parts, params = [], []
    cols = "sku, units, total, neto, costed_neto, cost"
    for low, high in days:
        parts.append(f"SELECT {cols} FROM report_product_days WHERE period BETWEEN ? AND ?")
        params += [low, high]
    if months is not None:
        parts.append(f"SELECT {cols} FROM report_product_months WHERE period BETWEEN ? AND ?")
        params += list(months)
    union = " UNION ALL ".join(parts)
    return (f"SELECT sku, sum(units) AS units, sum(total) AS total, sum(neto) AS neto, sum(costed_neto) AS costed,"
            f" sum(cost) AS cost FROM ({union}) GROUP BY sku"), params


_ORDER = {"units": "s.units", "pesos": "s.total", "margin": "s.costed - s.cost"}


def top_products(conn: sqlite3.Connection, start: date, end: date, by: ProductMetric = "pesos", *,
                 bottom: bool = False, limit: int = 10, skus: list[str] | None = None) -> list[ProductSales]:
    """The ``limit`` products that sold most (``bottom``: least, among those sold) in the span by ``by``: units,
    pesos (IVA incl.) or margin; only ``skus`` when given. Raises: ValueError: an unknown ``by``."""
    if by not in _ORDER:
        raise ValueError(f"orden desconocido {by!r}: use units, pesos o margin")
    sums, params = _product_sums(start, end)
    direction = "ASC" if bottom else "DESC"
    only = f" WHERE s.sku IN ({', '.join('?' * len(skus))})" if skus else ""
    rows = conn.execute(
        f"SELECT s.sku, COALESCE(p.name, s.sku), COALESCE(NULLIF(p.category, ''), ?), s.units, s.total, s.neto,"
        f" s.cost, s.costed - s.cost, s.neto - s.costed FROM ({sums}) s LEFT JOIN products p ON p.sku = s.sku"
        f"{only} ORDER BY {_ORDER[by]} {direction}, s.sku LIMIT ?", (UNCATEGORISED, *params, *(skus or ()), limit))
    return [ProductSales(r[0], r[1], r[2], _q(r[3]), *(int(x) for x in r[4:])) for r in rows]


def sales_by_category(conn: sqlite3.Connection, start: date, end: date) -> list[CategorySales]:
    """Categories that sold in the span, most pesos first."""
    sums, params = _product_sums(start, end)
    rows = conn.execute(
        f"SELECT COALESCE(NULLIF(p.category, ''), ?) AS c, sum(s.units), sum(s.total), sum(s.neto), sum(s.cost),"
        f" sum(s.costed - s.cost) FROM ({sums}) s LEFT JOIN products p ON p.sku = s.sku"
        " GROUP BY c ORDER BY 3 DESC, 1", (UNCATEGORISED, *params))
    return [CategorySales(r[0], _q(r[1]), *(int(x) for x in r[2:])) for r in rows]


def stock_by_category(conn: sqlite3.Connection) -> list[CategoryStock]:
    """Categories by value of their stock today (the sum is ``inventory_queries.stock_value(conn)``)."""
    rows = conn.execute(
        "SELECT COALESCE(NULLIF(p.category, ''), ?) AS c, sum(s.on_hand > 0), sum(s.value) FROM stock_items s"
        " JOIN products p ON p.sku = s.sku GROUP BY c ORDER BY 3 DESC, 1", (UNCATEGORISED,))
    return [CategoryStock(r[0], int(r[1]), int(r[2])) for r in rows]


def shrinkage_by_reason(conn: sqlite3.Connection, start: date, end: date) -> list[ShrinkageReason]:
    """Reasons with mermas recorded in the span (their day in Chile), most value first."""
    sums: dict[str, list[int]] = {}
    for reason, value, at in conn.execute("SELECT reason, value, occurred_at FROM mermas", ()):
        if not start <= _local_date(at) <= end:
            continue
        row = sums.setdefault(reason, [0, 0])
        row[0] += 1
        row[1] += int(value)
    return sorted((ShrinkageReason(k, c, v) for k, (c, v) in sums.items()), key=lambda x: (-x.value, x.reason))


def _local_date(at: str) -> date:
    return date.fromisoformat(report_projection.local_slot(at)[0])


def fiado_outstanding(conn: sqlite3.Connection, at_end_of: date) -> list[FiadoOwed]:
    """Customers whose fiado balance at the end of ``at_end_of`` (Chile) is not zero, most owed first."""
    _, high = fiado_queries.day_bounds(at_end_of, at_end_of)
    rows = conn.execute(
        "SELECT b.who, COALESCE(p.name, b.who), b.balance FROM (SELECT COALESCE(a.customer_id, e.customer_id) AS who,"
        " sum(e.amount) AS balance FROM fiado_entries e LEFT JOIN customer_aliases a ON a.alias_id = e.customer_id"
        " WHERE e.at < ? GROUP BY who) b LEFT JOIN people p ON p.customer_id = b.who WHERE b.balance <> 0"
        " ORDER BY b.balance DESC, 2", (high,))
    return [FiadoOwed(r[0], r[1], int(r[2])) for r in rows]
