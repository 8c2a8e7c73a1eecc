"""``/hq/ventas``: a day's sales per store (count, total, by means of payment), today by default, with the day's
returns (devoluciones: the notas de crédito's totals, by the day of the return) and the net sales (total less
returns)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from syncserver import state
from syncserver.hq import params, web
from syncserver.hq.web import HqUser
from syncserver.store import db

TENDER_ORDER = ("cash", "debit", "credit", "transfer", "fiado")

# ``occurred_at`` is the terminal's ISO text with its offset: a text range (one day either side) narrows the rows,
# the cast to Chile's time zone decides the day.
DAY_SALES = """
    WITH day_sales AS (
        SELECT sale_id, store_id, total FROM sales
        WHERE tenant_id = %(tenant)s AND occurred_at >= %(low)s AND occurred_at < %(high)s
          AND (occurred_at::timestamptz AT TIME ZONE 'America/Santiago')::date = %(day)s
          AND (%(store)s::text IS NULL OR store_id = %(store)s::text)
          AND (%(scope)s::text[] IS NULL OR store_id = ANY(%(scope)s)))
"""

DAY_RETURNS = """
    WITH day_returns AS (
        SELECT store_id, total FROM returns
        WHERE tenant_id = %(tenant)s AND occurred_at >= %(low)s AND occurred_at < %(high)s
          AND (occurred_at::timestamptz AT TIME ZONE 'America/Santiago')::date = %(day)s
          AND (%(store)s::text IS NULL OR store_id = %(store)s::text)
          AND (%(scope)s::text[] IS NULL OR store_id = ANY(%(scope)s)))
"""


@web.login_required
async def day(request: Request, user: HqUser) -> Response:
    """``?fecha=aaaa-mm-dd`` picks the day (Chile's calendar), ``?tienda=ID`` one store."""
    today = state.clock(request)().astimezone(web.CHILE).date()
    chosen = params.date_param(request.query_params, "fecha", "Fecha", default=today)
    store = params.store_param(user, request.query_params)
    query = {"tenant": user.tenant_id, "day": chosen, "store": store, "scope": user.store_scope,
              "low": (chosen - timedelta(days=1)).isoformat(), "high": (chosen + timedelta(days=2)).isoformat()}
    async with db.tenant_tx(state.read_pool(request), user.tenant_id) as conn:  # reads only: the replica if set
        all_stores = [s for s in await (await conn.execute(
            "SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name", (user.tenant_id,))).fetchall()
            if user.sees_store(s[0])]
        totals = await (await conn.execute(
            DAY_SALES + "SELECT s.store_id, s.name, count(d.sale_id), COALESCE(sum(d.total), 0) FROM stores s"
            " LEFT JOIN day_sales d ON d.store_id = s.store_id WHERE s.tenant_id = %(tenant)s"
            " AND (%(store)s::text IS NULL OR s.store_id = %(store)s::text)"
            " AND (%(scope)s::text[] IS NULL OR s.store_id = ANY(%(scope)s)) GROUP BY s.store_id, s.name"
            " ORDER BY s.name", query)).fetchall()
        tenders = await (await conn.execute(
            DAY_SALES + "SELECT d.store_id, t.kind, sum(t.received) FROM day_sales d JOIN sale_tenders t"
            " ON t.tenant_id = %(tenant)s AND t.sale_id = d.sale_id GROUP BY d.store_id, t.kind", query)).fetchall()
        returned = await (await conn.execute(
            DAY_RETURNS + "SELECT store_id, count(*), sum(total) FROM day_returns GROUP BY store_id",
            query)).fetchall()
    by_store: dict[str, dict[str, int]] = defaultdict(dict)
    for store_id, kind, amount in tenders:
        by_store[store_id][kind] = int(amount)
    kinds = [k for k in TENDER_ORDER if any(k in t for t in by_store.values())]
    kinds += sorted({k for t in by_store.values() for k in t} - set(kinds))
    refunds = {store_id: (int(count), int(amount)) for store_id, count, amount in returned}
    rows: list[dict[str, Any]] = []
    for store_id, name, count, total in totals:
        returns_count, returned_total = refunds.get(store_id, (0, 0))
        rows.append({"store_id": store_id, "name": name, "count": count, "total": int(total),
                     "tenders": by_store.get(store_id, {}), "returns_count": returns_count, "returns": returned_total,
                     "net": int(total) - returned_total})
    grand = {"count": sum(r["count"] for r in rows), "total": sum(r["total"] for r in rows),
             "returns_count": sum(r["returns_count"] for r in rows), "returns": sum(r["returns"] for r in rows),
             "net": sum(r["net"] for r in rows),
             "tenders": {k: sum(r["tenders"].get(k, 0) for r in rows) for k in kinds}}
    return web.render(request, "sales.html", user=user, section="ventas", day=chosen, today=today, rows=rows,
                      grand=grand, kinds=kinds, stores=all_stores, store=store,
                      unknown_store=store is not None and not rows,
                      previous=(chosen - timedelta(days=1)).isoformat(),
                      following=(chosen + timedelta(days=1)).isoformat())
