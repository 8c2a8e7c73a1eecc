"""``/hq/codigos-nuevos``: the barcodes the tills sold at an open price because the catalog did not have them
(sale lines of SKU ``SIN-CATALOGO-<code>``, ``desktop.services.checkout.add_open_price``), for the owner to create
the products: each code with how often and where it was sold, its last price and when; codes that a product has
since been given are left out."""

from __future__ import annotations

from typing import Final

from psycopg.rows import dict_row
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncserver.hq import web
from syncserver.hq.web import HqUser
from syncserver.store import db

PREFIX: Final = "SIN-CATALOGO-"
"""The SKU prefix of a line sold at an open price (the till's ``OPEN_PRICE_SKU``)."""
LIMIT: Final = 500

_CODES = (
    "SELECT substr(l.sku, %(start)s) AS code, count(*) AS times, sum(l.quantity) AS quantity,"
    " (array_agg(l.unit_price ORDER BY s.occurred_at DESC))[1] AS last_price, max(s.occurred_at) AS last_seen,"
    " array_agg(DISTINCT coalesce(st.name, s.store_id)) AS stores"
    " FROM sale_lines l JOIN sales s ON s.tenant_id = l.tenant_id AND s.sale_id = l.sale_id"
    " LEFT JOIN stores st ON st.tenant_id = s.tenant_id AND st.store_id = s.store_id"
    " WHERE l.tenant_id = %(tenant)s AND starts_with(l.sku, %(prefix)s)"
    " AND (%(scope)s::text[] IS NULL OR s.store_id = ANY(%(scope)s))"
    " AND NOT EXISTS (SELECT 1 FROM product_barcodes b WHERE b.tenant_id = l.tenant_id"
    "                 AND b.code = substr(l.sku, %(start)s))"
    " GROUP BY l.sku ORDER BY max(s.occurred_at) DESC LIMIT %(limit)s")


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """The codes sold without a product (in the user's stores), the most recent first (at most ``LIMIT``)."""
    params = {"tenant": user.tenant_id, "prefix": PREFIX, "start": len(PREFIX) + 1, "limit": LIMIT,
              "scope": user.store_scope}  # an encargado: what his stores sold
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(_CODES, params)
        rows = await cur.fetchall()
    return web.render(request, "unknown_codes.html", user=user, section="catalogo", rows=rows, limit=LIMIT)


ROUTES = [Route("/codigos-nuevos", page, methods=["GET"], name="unknown_codes")]
