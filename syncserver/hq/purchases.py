"""``/hq/compras``: the suppliers' documents the stores registered (``purchase.received``, folded into ``purchases``
by ``syncserver.ingest.projections``), one month at a time, for the accountant: each document (fecha de emisión,
supplier, type, folio, neto, exento, IVA crédito fiscal, total, the store that registered it) and the month's
totals.

The month is that of the document's fecha de emisión (FchEmis), in Chile's calendar (``?mes=aaaa-mm``, the current
month by default); ``?tienda=ID`` shows one store. A nota de crédito (61) subtracts its amounts from the month's
(the IVA of the notas de crédito received is taken off the crédito fiscal: DL 825, Ley sobre Impuesto a las Ventas
y Servicios, art. 24); a nota de débito (56) adds them, as a factura does. Amounts in CLP; ``other_taxes`` is
ImptoReten (additional taxes), part of the total and shown only in a month that has them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from psycopg.rows import dict_row
from starlette.requests import Request
from starlette.responses import Response

from shared.events import purchases as purchase_events
from syncserver import state
from syncserver.hq import params, web
from syncserver.hq.web import HqUser
from syncserver.store import db

TIPOS: Final = {33: "Factura electrónica", 34: "Factura exenta", 56: "Nota de débito", 61: "Nota de crédito"}
"""The documents a store registers as purchases (``shared.events.purchases.ACCEPTED_TIPOS``): all electronic (DTE)."""
AMOUNTS: Final = ("neto", "exento", "iva", "other_taxes", "total")
MONTHS: Final = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                 "noviembre", "diciembre")

_ROWS = (
    "SELECT p.fecha_emision, p.supplier_rut, p.supplier_name, p.tipo, p.folio, p.neto, p.exento, p.iva,"
    " p.other_taxes, p.total, p.store_id, s.name AS store_name"
    " FROM purchases p LEFT JOIN stores s ON s.tenant_id = p.tenant_id AND s.store_id = p.store_id"
    " WHERE p.tenant_id = %(tenant)s AND p.fecha_emision >= %(low)s AND p.fecha_emision < %(high)s"
    " AND (%(store)s::text IS NULL OR p.store_id = %(store)s::text)"
    " AND (%(scope)s::text[] IS NULL OR p.store_id = ANY(%(scope)s))"
    " ORDER BY p.fecha_emision, p.supplier_name, p.supplier_rut, p.tipo, p.folio")


def month_text(month: date) -> str:
    """``aaaa-mm``, as ``<input type="month">`` reads it."""
    return f"{month.year:04d}-{month.month:02d}"


def _shift(month: date, by: int) -> date:
    n = month.year * 12 + month.month - 1 + by
    return date(n // 12, n % 12 + 1, 1)


def month_name(month: date) -> str:
    """``date(2026, 11, 1) -> "noviembre de 2026"``."""
    return f"{MONTHS[month.month - 1]} de {month.year}"


def signed(row: dict[str, Any]) -> dict[str, int]:
    """The document's amounts as they count in the month: negative for a nota de crédito."""
    sign = -1 if row["tipo"] == purchase_events.NOTA_CREDITO else 1
    return {name: sign * int(row[name]) for name in AMOUNTS}


def summarise(rows: list[dict[str, Any]]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The month's totals (notas de crédito subtracting) and the same per document type, in TIPOS order."""
    totals = dict.fromkeys(AMOUNTS, 0)
    by_tipo: dict[int, dict[str, Any]] = {}
    for r in rows:
        group = by_tipo.setdefault(r["tipo"], {"tipo": r["tipo"], "count": 0, **dict.fromkeys(AMOUNTS, 0)})
        group["count"] += 1
        for name, value in r["amounts"].items():
            totals[name] += value
            group[name] += value
    order = list(TIPOS)
    return totals, sorted(by_tipo.values(), key=lambda g: (order.index(g["tipo"]) if g["tipo"] in order else 99,
                                                           g["tipo"]))


@web.login_required
async def month(request: Request, user: HqUser) -> Response:
    """``?mes=aaaa-mm`` picks the month (of the documents' fecha de emisión), ``?tienda=ID`` one store."""
    today = state.clock(request)().astimezone(web.CHILE).date()
    chosen = params.month_param(request.query_params, "mes", "Mes", default=today.replace(day=1))
    store = params.store_param(user, request.query_params)
    query = {"tenant": user.tenant_id, "low": chosen, "high": _shift(chosen, 1), "store": store,
              "scope": user.store_scope}
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        stores = [s for s in await (await conn.execute(
            "SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name", (user.tenant_id,))).fetchall()
            if user.sees_store(s[0])]
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(_ROWS, query)
        rows = await cur.fetchall()
    for r in rows:
        r["amounts"] = signed(r)
        r["tipo_name"] = TIPOS.get(r["tipo"], f"Documento tipo {r['tipo']}")
        r["credit"] = r["tipo"] == purchase_events.NOTA_CREDITO
    totals, by_tipo = summarise(rows)
    unknown_store = store is not None and all(store_id != store for store_id, _name in stores)
    store_name = next((name for store_id, name in stores if store_id == store), "")
    return web.render(request, "purchases.html", user=user, section="compras", month=chosen, tipos=TIPOS,
                      month_name=month_name(chosen), is_current=chosen == today.replace(day=1), rows=rows,
                      totals=totals, by_tipo=by_tipo, stores=stores, store=store, store_name=store_name,
                      unknown_store=unknown_store, other_taxes=any(r["other_taxes"] for r in rows),
                      month_value=month_text(chosen),
                      previous=month_text(_shift(chosen, -1)) if chosen > params.MIN_DATE else "",
                      following=month_text(_shift(chosen, 1)) if _shift(chosen, 1) <= params.MAX_DATE else "")
