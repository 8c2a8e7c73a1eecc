"""HQ's report figures for one store or several over a span of Chile days, both ends included: the back office's
reports (``shared.reports`` rows) read from the rollups kept at ingest (``syncserver.store.rollups``), the stock, the
mermas and the fiado ledger. Every function runs in the caller's ``db.tenant_tx``.

``stores`` is a non-empty sequence of store ids (one store, or every store the user may see). Money CLP (``total``
IVA included; ``neto``, ``cost`` and ``margin`` without it), quantities Decimal. A span reads whole months from the
month rows and the days either side from the day rows (or a month row less its days outside the span, when fewer);
when ``stores`` holds every store with sales, the tenant's rows (store ``''``). Definitions: docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from typing import Any, Final

from shared import fiado as fiado_mod
from shared.reports import (
    PRODUCT_METRICS,
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
    units_of,
)
from syncserver.store import db
from syncserver.store.rollups import ALL_STORES

__all__ = ["CashierSales", "CategorySales", "CategoryStock", "DaySales", "FiadoOwed", "HourSales", "ProductMetric",
           "ProductSales", "ShrinkageReason", "TenderSales", "fiado_outstanding", "margin_over_time",
           "sales_by_cashier", "sales_by_category", "sales_by_day", "sales_by_hour", "sales_by_tender",
           "shrinkage_by_reason", "stock_by_category", "top_products"]

MAX_LIMIT: Final = 1000
"""The most products a top (or bottom) list returns."""


def _check(stores: Sequence[str], start: date, end: date) -> list[str]:
    """The store ids as a list. Raises: ValueError: no store, an empty id, or ``end`` before ``start``."""
    ids = [str(s) for s in stores]
    if not ids or any(not s for s in ids):
        raise ValueError("Elija al menos un local.")
    if end < start:
        raise ValueError(f"El período termina ({end:%d-%m-%Y}) antes de empezar ({start:%d-%m-%Y}).")
    return ids


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _spans(start: date, end: date) -> tuple[list[tuple[date, date]], list[tuple[date, date, int]]]:
    """How to add up ``[start, end]``: month rows ``(first month, last month)`` ranges and day rows ``(first day,
    last day, sign)``. A whole month is its month row; a part of a month, its days, unless the month's other days
    are fewer: then the month row less those days (this month so far is its month row less the days to come, which
    hold nothing yet)."""
    months: list[date] = []
    days: list[tuple[date, date, int]] = []
    day = start
    while day <= end:
        first = day.replace(day=1)
        after = _next_month(first)
        high = min(end, after - timedelta(days=1))
        inside = (high - day).days + 1
        if inside * 2 > (after - first).days:
            months.append(first)
            if day > first:
                days.append((first, day - timedelta(days=1), -1))
            if high < after - timedelta(days=1):
                days.append((high + timedelta(days=1), after - timedelta(days=1), -1))
        else:
            days.append((day, high, 1))
        day = high + timedelta(days=1)
    ranges: list[tuple[date, date]] = []
    for month in months:
        if ranges and _next_month(ranges[-1][1]) == month:
            ranges[-1] = (ranges[-1][0], month)
        else:
            ranges.append((month, month))
    return ranges, days


def _union(day_sql: str, month_sql: str, start: date, end: date, params: dict[str, Any]) -> tuple[str, bool]:
    """``day_sql`` per day range and ``month_sql`` per month range of :func:`_spans` (each with ``{low}``,
    ``{high}`` and ``{sign}``, 1 or -1, to multiply its figures by), UNION ALL, and whether a part is subtracted
    (then a key whose figures all add up to zero had nothing in the span); adds the bounds to ``params``."""
    months, days = _spans(start, end)
    parts = []
    for n, (low, high, sign) in enumerate(days):
        parts.append(day_sql.format(low=f"%(low{n})s", high=f"%(high{n})s", sign=sign))
        params[f"low{n}"], params[f"high{n}"] = low, high
    for n, (low, high) in enumerate(months):
        parts.append(month_sql.format(low=f"%(mlow{n})s", high=f"%(mhigh{n})s", sign=1))
        params[f"mlow{n}"], params[f"mhigh{n}"] = low, high
    return " UNION ALL ".join(parts), any(sign < 0 for _l, _h, sign in days)


_WHERE = "tenant_id = %(t)s AND store_id = ANY(%(stores)s)"


async def _source(conn: db.Conn, tenant_id: int, ids: list[str]) -> list[str]:
    """``[ALL_STORES]`` when ``ids`` hold every store with rollups (the tenant's rows sum them), else ``ids``."""
    row = await (await conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM report_stores WHERE tenant_id = %s AND NOT store_id = ANY(%s))",
        (tenant_id, ids))).fetchone()
    return [ALL_STORES] if row is not None and row[0] else ids


async def _days(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date) -> list[DaySales]:
    ids = await _source(conn, tenant_id, _check(stores, start, end))
    rows = await (await conn.execute(
        "SELECT day, sum(tickets), sum(total), sum(returns), sum(returned), sum(neto), sum(cost),"
        f" sum(costed_neto) - sum(cost) FROM report_days WHERE {_WHERE} AND day BETWEEN %(start)s AND %(end)s"
        " GROUP BY day", {"t": tenant_id, "stores": ids, "start": start, "end": end})).fetchall()
    found = {r[0]: [int(x) for x in r[1:]] for r in rows}
    out = []
    day = start
    while day <= end:
        out.append(DaySales(day, *found.get(day, [0] * 7)))
        day += timedelta(days=1)
    return out


async def sales_by_day(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                       ) -> list[DaySales]:
    """Every day from ``start`` to ``end`` in order (days without sales as zeros), ``stores`` summed.

    Raises: ValueError: no store, or ``end`` before ``start``."""
    return await _days(conn, tenant_id, stores, start, end)


async def margin_over_time(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                           ) -> list[DaySales]:
    """The days of :func:`sales_by_day`, read for their ``neto``, ``cost`` and ``margin`` (costed lines).

    Raises: ValueError: no store, or ``end`` before ``start``."""
    return await _days(conn, tenant_id, stores, start, end)


async def sales_by_hour(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                        ) -> list[HourSales]:
    """The 7 × 24 grid of the week (weekday 0 Monday, hour 0-23 Chile), Monday 00 first, empty cells as zeros.

    Raises: ValueError: no store, or ``end`` before ``start``."""
    params: dict[str, Any] = {"t": tenant_id, "stores": await _source(conn, tenant_id, _check(stores, start, end))}
    union, _ = _union(
        "SELECT (extract(isodow FROM day)::int - 1) AS weekday, hour, {sign} * tickets AS tickets,"
        f" {{sign}} * total AS total FROM report_sales WHERE {_WHERE} AND day BETWEEN {{low}} AND {{high}}",
        f"SELECT weekday, hour, tickets, total FROM report_hour_months WHERE {_WHERE}"
        " AND month BETWEEN {low} AND {high}", start, end, params)
    rows = await (await conn.execute(
        f"SELECT weekday, hour, sum(tickets), sum(total) FROM ({union}) u GROUP BY 1, 2", params)).fetchall()
    found = {(int(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in rows}
    return [HourSales(w, h, *found.get((w, h), (0, 0))) for w in range(7) for h in range(24)]


async def sales_by_cashier(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                           ) -> list[CashierSales]:
    """Cashiers with sales or returns in the span (names as the tills enrolled them, the id when unknown), most
    sold first, then by name.

    Raises: ValueError: no store, or ``end`` before ``start``."""
    params: dict[str, Any] = {"t": tenant_id, "stores": _check(stores, start, end)}
    cols = ("cashier_id, {sign} * tickets AS tickets, {sign} * total AS total, {sign} * returns AS returns,"
            " {sign} * returned AS returned")
    union, subtracted = _union(
        f"SELECT {cols} FROM report_days WHERE {_WHERE} AND day BETWEEN {{low}} AND {{high}}",
        f"SELECT {cols} FROM report_cashier_months WHERE {_WHERE} AND month BETWEEN {{low}} AND {{high}}",
        start, end, params)
    having = " HAVING sum(tickets) <> 0 OR sum(total) <> 0 OR sum(returns) <> 0 OR sum(returned) <> 0"
    rows = await (await conn.execute(
        "SELECT r.cashier_id, COALESCE(u.name, r.cashier_id), r.tickets, r.total, r.returns, r.returned"
        " FROM (SELECT cashier_id, sum(tickets) AS tickets, sum(total) AS total, sum(returns) AS returns,"
        f" sum(returned) AS returned FROM ({union}) u GROUP BY cashier_id{having if subtracted else ''}) r"
        " LEFT JOIN users u ON u.tenant_id = %(t)s AND u.user_id = r.cashier_id ORDER BY 4 DESC, 2, 1",
        params)).fetchall()
    return [CashierSales(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]


async def sales_by_tender(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                          ) -> list[TenderSales]:
    """Money taken per tender kind (cash net of change, after refunds) and in how many sales, most money first.

    Raises: ValueError: no store, or ``end`` before ``start``."""
    params: dict[str, Any] = {"t": tenant_id, "stores": await _source(conn, tenant_id, _check(stores, start, end))}
    cols = "kind, {sign} * count AS count, {sign} * amount AS amount"
    union, subtracted = _union(
        f"SELECT {cols} FROM report_tenders WHERE {_WHERE} AND day BETWEEN {{low}} AND {{high}}",
        f"SELECT {cols} FROM report_tender_months WHERE {_WHERE} AND month BETWEEN {{low}} AND {{high}}",
        start, end, params)
    having = " HAVING sum(count) <> 0 OR sum(amount) <> 0" if subtracted else ""
    rows = await (await conn.execute(
        f"SELECT kind, sum(count), sum(amount) FROM ({union}) u GROUP BY kind{having} ORDER BY 3 DESC, 1",
        params)).fetchall()
    return [TenderSales(str(r[0]), int(r[1]), int(r[2])) for r in rows]


async def _product_sums(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                        ) -> tuple[str, dict[str, Any]]:
    """A sub-select of per-SKU sums (``sku, units, total, neto, costed, cost``) over the span, and its params."""
    params: dict[str, Any] = {"t": tenant_id}
    params["stores"] = await _source(conn, tenant_id, _check(stores, start, end))
    cols = ("sku, {sign} * units AS units, {sign} * total AS total, {sign} * neto AS neto,"
            " {sign} * costed_neto AS costed_neto, {sign} * cost AS cost")
    union, subtracted = _union(
        f"SELECT {cols} FROM report_product_days WHERE {_WHERE} AND day BETWEEN {{low}} AND {{high}}",
        f"SELECT {cols} FROM report_product_months WHERE {_WHERE} AND month BETWEEN {{low}} AND {{high}}",
        start, end, params)
    having = (" HAVING sum(units) <> 0 OR sum(total) <> 0 OR sum(neto) <> 0 OR sum(costed_neto) <> 0"
              " OR sum(cost) <> 0") if subtracted else ""
    return ("SELECT sku, sum(units) AS units, sum(total) AS total, sum(neto) AS neto, sum(costed_neto) AS costed,"
            f" sum(cost) AS cost FROM ({union}) u GROUP BY sku{having}"), params


_ORDER: Final = {"units": "s.units", "pesos": "s.total", "margin": "s.costed - s.cost"}


async def top_products(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date,
                       by: ProductMetric = "units", bottom: bool = False, limit: int = 20,
                       skus: Sequence[str] | None = None) -> list[ProductSales]:
    """The ``limit`` products that sold most (``bottom``: least, among those sold) in the span by ``by``: units,
    pesos (IVA incl.) or margin (costed lines), then by SKU; name and category as HQ's catalog has them today.
    ``skus``: only those products (the period before's figures of a list).

    Raises: ValueError: an unknown ``by``, a ``limit`` outside 1..:data:`MAX_LIMIT`, no store, or ``end`` before
    ``start``."""
    if by not in PRODUCT_METRICS:
        raise ValueError(f"Orden desconocido «{by}»: use unidades, pesos o margen.")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"Se pueden listar de 1 a {MAX_LIMIT} productos.")
    sums, params = await _product_sums(conn, tenant_id, stores, start, end)
    params.update(none=UNCATEGORISED, limit=limit, skus=None if skus is None else list(skus))
    rows = await (await conn.execute(
        "SELECT s.sku, COALESCE(p.name, s.sku), COALESCE(NULLIF(p.category, ''), %(none)s), s.units, s.total,"
        f" s.neto, s.cost, s.costed - s.cost, s.neto - s.costed FROM ({sums}) s"
        " LEFT JOIN products p ON p.tenant_id = %(t)s AND p.sku = s.sku"
        + ("" if skus is None else " WHERE s.sku = ANY(%(skus)s)") +
        f" ORDER BY {_ORDER[by]} {'ASC' if bottom else 'DESC'}, s.sku LIMIT %(limit)s", params)).fetchall()
    return [ProductSales(str(r[0]), str(r[1]), str(r[2]), units_of(int(r[3])), *(int(x) for x in r[4:]))
            for r in rows]


async def top_product_lists(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date,
                            lists: Sequence[tuple[ProductMetric, bool]], limit: int = 20,
                            skus: Sequence[Sequence[str]] | None = None
                            ) -> tuple[list[CategorySales], list[list[ProductSales]]]:
    """:func:`sales_by_category` and :func:`top_products` of each ``(by, bottom)`` of ``lists`` from one reading of
    the span's product sums (HQ's «Todo» workbook asks for the categories and six lists of each period): each
    exactly as those functions give it, ordered by the database (``row_number`` over their ``ORDER BY``). ``skus``:
    one SKU list per list (the period before's figures of each), each list then has only those products.

    Raises: ValueError: as :func:`top_products`, or ``skus`` not one per list."""
    unknown = [by for by, _ in lists if by not in PRODUCT_METRICS]
    if unknown:
        raise ValueError(f"Orden desconocido «{unknown[0]}»: use unidades, pesos o margen.")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"Se pueden listar de 1 a {MAX_LIMIT} productos.")
    if skus is not None and len(skus) != len(lists):
        raise ValueError("Una lista de productos por cada orden.")
    sums, params = await _product_sums(conn, tenant_id, stores, start, end)
    params.update(none=UNCATEGORISED, limit=limit, skus=None if skus is None else sorted({s for k in skus for s in k}))
    ranks = "".join(f", row_number() OVER (ORDER BY {_ORDER[by]} {'ASC' if bottom else 'DESC'}, s.sku) AS r{i}"
                    for i, (by, bottom) in enumerate(lists))
    ranked = " OR ".join(f"r{i} <= %(limit)s" for i in range(len(lists))) if skus is None else "true"
    no_ranks = ", NULL::bigint" * len(lists)
    rows = await (await conn.execute(
        f"WITH s AS MATERIALIZED (SELECT s.*, COALESCE(p.name, s.sku) AS name,"
        f" COALESCE(NULLIF(p.category, ''), %(none)s) AS c FROM ({sums}) s"
        " LEFT JOIN products p ON p.tenant_id = %(t)s AND p.sku = s.sku)"
        " SELECT 0, row_number() OVER (ORDER BY sum(s.total) DESC, s.c), NULL, NULL, s.c, sum(s.units),"
        f" sum(s.total), sum(s.neto), sum(s.cost), sum(s.costed - s.cost), NULL{no_ranks} FROM s GROUP BY s.c"
        " UNION ALL SELECT * FROM (SELECT 1, 0::bigint, s.sku, s.name, s.c, s.units, s.total, s.neto, s.cost,"
        f" s.costed - s.cost, s.neto - s.costed{ranks} FROM s"
        + ("" if skus is None else " WHERE s.sku = ANY(%(skus)s)") + f") x WHERE {ranked}", params)).fetchall()
    categories = [CategorySales(str(r[4]), units_of(int(r[5])), *(int(x) for x in r[6:10]))
                  for r in sorted((r for r in rows if r[0] == 0), key=lambda r: int(r[1]))]
    found = [(ProductSales(str(r[2]), str(r[3]), str(r[4]), units_of(int(r[5])), *(int(x) for x in r[6:11])),
              [int(n) for n in r[11:]]) for r in rows if r[0] == 1]
    out = []
    for i in range(len(lists)):
        wanted = None if skus is None else set(skus[i])
        chosen = sorted((rank[i], row) for row, rank in found if (rank[i] <= limit if wanted is None
                                                                   else row.sku in wanted))
        out.append([row for _, row in chosen[:limit]])
    return categories, out


async def sales_by_category(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                            ) -> list[CategorySales]:
    """Categories (each product's category in HQ's catalog today; :data:`shared.reports.UNCATEGORISED` for none)
    that sold in the span, most pesos first.

    Raises: ValueError: no store, or ``end`` before ``start``."""
    sums, params = await _product_sums(conn, tenant_id, stores, start, end)
    params["none"] = UNCATEGORISED
    rows = await (await conn.execute(
        "SELECT COALESCE(NULLIF(p.category, ''), %(none)s) AS c, sum(s.units), sum(s.total), sum(s.neto),"
        f" sum(s.cost), sum(s.costed - s.cost) FROM ({sums}) s"
        " LEFT JOIN products p ON p.tenant_id = %(t)s AND p.sku = s.sku GROUP BY c ORDER BY 3 DESC, 1",
        params)).fetchall()
    return [CategorySales(str(r[0]), units_of(int(r[1])), *(int(x) for x in r[2:])) for r in rows]


_CATALOG_SIGNATURE = ("SELECT count(*)::text || ':' || COALESCE(sum(hashtext(sku || '|' || category)), 0)::text"
                      " FROM products WHERE tenant_id = %(t)s")
"""Changes when a product's category does (or a product comes or goes); not with a price."""
_WAREHOUSES = """w AS (SELECT warehouse_id, store_id FROM warehouses
           WHERE tenant_id = %(t)s AND store_id = ANY(%(stores)s)
           UNION SELECT s, s FROM unnest(%(stores)s::text[]) AS s WHERE NOT EXISTS
               (SELECT 1 FROM warehouses x WHERE x.tenant_id = %(t)s AND x.warehouse_id = s))"""
_HELD = """held AS (SELECT w.store_id, s.sku, sum(s.quantity) AS quantity
           FROM stock s JOIN w ON w.warehouse_id = s.warehouse_id
           JOIN keys k ON k.store_id = w.store_id AND k.sku = s.sku WHERE s.tenant_id = %(t)s GROUP BY 1, 2),
items AS (SELECT k.store_id, k.sku, COALESCE(NULLIF(p.category, ''), %(none)s) AS category,
                 COALESCE(h.quantity, 0) > 0 AS held, COALESCE(round(h.quantity * c.unit_cost), 0)::bigint AS value
          FROM keys k LEFT JOIN held h ON h.store_id = k.store_id AND h.sku = k.sku
          LEFT JOIN cost_state c ON c.tenant_id = %(t)s AND c.store_id = k.store_id AND c.sku = k.sku
          LEFT JOIN products p ON p.tenant_id = %(t)s AND p.sku = k.sku)"""
_COUNT_STORES = f"""
WITH {_WAREHOUSES},
keys AS (SELECT DISTINCT w.store_id, s.sku FROM stock s JOIN w ON w.warehouse_id = s.warehouse_id
         WHERE s.tenant_id = %(t)s),
{_HELD},
kept AS (INSERT INTO report_stock_items (tenant_id, store_id, sku, category, held, value)
         SELECT %(t)s, store_id, sku, category, held, value FROM items)
INSERT INTO report_stock_categories (tenant_id, store_id, category, products, value)
SELECT %(t)s, store_id, category, count(*) FILTER (WHERE held), sum(value) FROM items GROUP BY 2, 3"""
"""Every product of ``stores`` counted (their kept rows deleted before)."""
_RECOUNT_MOVED = f"""
WITH keys AS (DELETE FROM report_stock_dirty WHERE tenant_id = %(t)s AND store_id = ANY(%(stores)s)
              RETURNING store_id, sku),
{_WAREHOUSES},
{_HELD},
old AS (SELECT i.store_id, i.category, i.held, i.value FROM report_stock_items i
        JOIN keys k ON k.store_id = i.store_id AND k.sku = i.sku WHERE i.tenant_id = %(t)s),
kept AS (INSERT INTO report_stock_items (tenant_id, store_id, sku, category, held, value)
         SELECT %(t)s, store_id, sku, category, held, value FROM items ON CONFLICT (tenant_id, store_id, sku)
         DO UPDATE SET category = excluded.category, held = excluded.held, value = excluded.value),
delta AS (SELECT store_id, category, sum(products) AS products, sum(value) AS value FROM
          (SELECT store_id, category, held::int AS products, value FROM items
           UNION ALL SELECT store_id, category, -held::int, -value FROM old) x GROUP BY 1, 2)
INSERT INTO report_stock_categories (tenant_id, store_id, category, products, value)
SELECT %(t)s, store_id, category, products, value FROM delta ORDER BY 2, 3
ON CONFLICT (tenant_id, store_id, category) DO UPDATE SET
    products = report_stock_categories.products + excluded.products,
    value = report_stock_categories.value + excluded.value"""
"""The products the ingest moved since the last read (``report_stock_dirty``) counted again, their difference
added to their stores' categories."""


async def stock_by_category(conn: db.Conn, tenant_id: int, stores: Sequence[str]) -> list[CategoryStock]:
    """The stock of ``stores`` now by category (HQ's catalog's; :data:`shared.reports.UNCATEGORISED` for none), most
    value first: ``products`` held above zero in a store (all its warehouses), counted in each store that holds
    them; ``value`` at each store's current unit cost (``round(quantity × unit cost)`` per store and product, as the
    till values its stock; 0 when never costed, negative stock negative).

    Kept per store and product (``report_stock_items``) and per category: a read counts again only the products
    whose stock the ingest moved since the last read (``syncserver.store.rollups.stock_moved``), and a whole store
    when it was never counted or the catalog's categories changed since.

    Raises: ValueError: no store."""
    ids = _check(stores, date.min, date.min)
    params: dict[str, Any] = {"t": tenant_id, "stores": ids, "none": UNCATEGORISED}
    signature = await (await conn.execute(_CATALOG_SIGNATURE, params)).fetchone()
    mark = "" if signature is None else str(signature[0])
    marks = await (await conn.execute(
        "SELECT s.id, m.mark FROM unnest(%(stores)s::text[]) AS s(id) LEFT JOIN report_stock_marks m"
        " ON m.tenant_id = %(t)s AND m.store_id = s.id", params)).fetchall()
    stale = sorted(str(store) for store, kept in marks if kept != mark)
    if stale:
        await conn.execute(  # holds each store's mark row: a concurrent read waits, then finds it counted
            "INSERT INTO report_stock_marks (tenant_id, store_id, mark) SELECT %s, unnest(%s::text[]), %s"
            " ON CONFLICT (tenant_id, store_id) DO UPDATE SET mark = excluded.mark", (tenant_id, stale, mark))
        for table in ("report_stock_categories", "report_stock_items", "report_stock_dirty"):
            await conn.execute(f"DELETE FROM {table} WHERE tenant_id = %s AND store_id = ANY(%s)", (tenant_id, stale))
        await conn.execute(_COUNT_STORES, {**params, "stores": stale})
    counted = [s for s in ids if s not in set(stale)]
    if counted:
        await conn.execute(_RECOUNT_MOVED, {**params, "stores": counted})
    rows = await (await conn.execute(
        "SELECT category, sum(products), sum(value) FROM report_stock_categories WHERE tenant_id = %(t)s"
        " AND store_id = ANY(%(stores)s) GROUP BY category ORDER BY 3 DESC, 1", params)).fetchall()
    return [CategoryStock(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def _local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The aware instants of Chile's ``start`` 00:00 and the day after ``end`` 00:00."""
    return (datetime.combine(start, time(), fiado_mod.CHILE),
            datetime.combine(end + timedelta(days=1), time(), fiado_mod.CHILE))


async def shrinkage_by_reason(conn: db.Conn, tenant_id: int, stores: Sequence[str], start: date, end: date
                              ) -> list[ShrinkageReason]:
    """Mermas the stores recorded in the span (their Chile day), per reason code
    (``shared.events.inventory.MERMA_REASONS``): how many, value at the unit cost recorded (rounded half up per
    merma, as the till values it), most value first. A time written on a day strictly inside the span is inside
    whatever its offset (offsets differ by less than a day); only those written on the edge days are converted.

    Raises: ValueError: no store, or ``end`` before ``start``."""
    low, high = _local_bounds(start, end)
    rows = await (await conn.execute(
        "SELECT reason, count(*), sum(round(quantity * unit_cost)) FROM mermas WHERE tenant_id = %(t)s"
        " AND store_id IN (SELECT unnest(%(stores)s::text[])) AND occurred_at >= %(tlow)s AND occurred_at < %(thigh)s"
        " AND ((occurred_at >= %(slow)s AND occurred_at < %(shigh)s)"
        " OR (occurred_at::timestamptz >= %(low)s AND occurred_at::timestamptz < %(high)s))"
        " GROUP BY reason ORDER BY 3 DESC, 1",
        {"t": tenant_id, "stores": _check(stores, start, end), "low": low, "high": high,
         "tlow": (start - timedelta(days=1)).isoformat(), "thigh": (end + timedelta(days=2)).isoformat(),
         "slow": (start + timedelta(days=1)).isoformat(), "shigh": end.isoformat()}
    )).fetchall()
    return [ShrinkageReason(str(r[0]), int(r[1]), int(r[2])) for r in rows]


async def fiado_outstanding(conn: db.Conn, tenant_id: int, at_end_of: date) -> list[FiadoOwed]:
    """The tenant's customers (merged aliases counted with their survivor) whose fiado balance at the end of
    ``at_end_of`` (Chile) is not zero (+ owes; − saldo a favor), most owed first, then by name. Tenant-wide: a
    customer's account is one across stores. Read as today's balance (``fiado_balances``: each survivor's entries
    summed at ingest) less the entries after that day (few for a recent day)."""
    _low, high = _local_bounds(at_end_of, at_end_of)
    rows = await (await conn.execute(
        "WITH later AS (SELECT COALESCE(a.customer_id, e.customer_id) AS who, sum(e.amount) AS amount"
        " FROM fiado_entries e LEFT JOIN customer_aliases a ON a.tenant_id = e.tenant_id AND a.alias_id = e.customer_id"
        " WHERE e.tenant_id = %(t)s AND e.at >= %(high)s GROUP BY 1),"
        " now AS (SELECT customer_id AS who, balance FROM fiado_balances WHERE tenant_id = %(t)s),"
        " b AS (SELECT who, COALESCE(now.balance, 0) - COALESCE(later.amount, 0) AS balance"
        " FROM now FULL JOIN later USING (who))"
        " SELECT b.who, COALESCE(p.name, b.who), b.balance FROM b"
        " LEFT JOIN people p ON p.tenant_id = %(t)s AND p.customer_id = b.who WHERE b.balance <> 0"
        " ORDER BY b.balance DESC, 2, 1", {"t": tenant_id, "high": high})).fetchall()
    return [FiadoOwed(str(r[0]), str(r[1]), int(r[2])) for r in rows]


async def fiado_outstanding_at(conn: db.Conn, tenant_id: int, days: Sequence[date]) -> list[list[FiadoOwed]]:
    """:func:`fiado_outstanding` at the end of each of ``days`` from one reading of the balances (a report's period
    and the period before's), each list exactly as that function gives it (ordered by the database)."""
    if not days:
        return []
    highs = {f"high{i}": _local_bounds(day, day)[1] for i, day in enumerate(days)}
    n = range(len(days))
    rows = await (await conn.execute(
        "WITH later AS (SELECT COALESCE(a.customer_id, e.customer_id) AS who, "
        + ", ".join(f"sum(e.amount) FILTER (WHERE e.at >= %(high{i})s) AS a{i}" for i in n)
        + " FROM fiado_entries e LEFT JOIN customer_aliases a ON a.tenant_id = e.tenant_id"
        " AND a.alias_id = e.customer_id WHERE e.tenant_id = %(t)s AND e.at >= %(first)s GROUP BY 1),"
        " now AS (SELECT customer_id AS who, balance FROM fiado_balances WHERE tenant_id = %(t)s),"
        " b AS (SELECT who, " + ", ".join(f"COALESCE(now.balance, 0) - COALESCE(later.a{i}, 0) AS b{i}" for i in n)
        + " FROM now FULL JOIN later USING (who)),"
        " named AS (SELECT b.*, COALESCE(p.name, b.who) AS name FROM b"
        " LEFT JOIN people p ON p.tenant_id = %(t)s AND p.customer_id = b.who)"
        " SELECT who, name, " + ", ".join(f"b{i}" for i in n) + ", "
        + ", ".join(f"row_number() OVER (ORDER BY b{i} DESC, name, who)" for i in n)
        + " FROM named WHERE " + " OR ".join(f"b{i} <> 0" for i in n),
        {"t": tenant_id, "first": min(highs.values()), **highs})).fetchall()
    out: list[list[FiadoOwed]] = []
    for i in n:  # each day's order is its row_number (unique): sorted on it alone, with no tuple built per row
        owed = sorted((r for r in rows if r[2 + i] != 0), key=itemgetter(2 + len(days) + i))
        out.append([FiadoOwed(str(r[0]), str(r[1]), int(r[2 + i])) for r in owed])
    return out
