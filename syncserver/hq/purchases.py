"""``/hq/compras``: the suppliers' documents the stores registered (``purchase.received``, folded into ``purchases``
by ``syncserver.ingest.projections``), one month at a time, for the accountant: each document (fecha de emisión,
supplier, type, folio, neto, exento, IVA crédito fiscal, total, the store that registered it) and the month's
totals.

The month is that of the document's fecha de emisión (FchEmis), in Chile's calendar (``?mes=aaaa-mm``, the current
month by default); ``?tienda=ID`` shows one store. A nota de crédito (61) subtracts its amounts from the month's
(the IVA of the notas de crédito received is taken off the crédito fiscal: DL 825, Ley sobre Impuesto a las Ventas
y Servicios, art. 24); a nota de débito (56) adds them, as a factura does. Amounts in CLP; ``other_taxes`` is
ImptoReten (additional taxes), part of the total and shown only in a month that has them.

Each factura (33, 34) shows its answer to the supplier under Ley 19.983: the deadline (8 calendar days from the
SII's reception; estimated from the fecha de emisión until the SII was asked), its state, and for the owner and the
accountant the actions (accept, acknowledge the goods, claim: ``POST /hq/compras/respuesta``, with a reason) sent
to the SII's Registro de Reclamos (:mod:`syncserver.sii.acceptance`); docs/supplier-answers.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from psycopg.rows import dict_row
from starlette.requests import Request
from starlette.responses import Response

from shared.events import purchases as purchase_events
from syncserver import state
from syncserver.hq import params, trail, web
from syncserver.hq.web import HqUser
from syncserver.sii import acceptance, ws
from syncserver.store import db
from syncserver.store import supplier_answers as answers_store

TIPOS: Final = {33: "Factura electrónica", 34: "Factura exenta", 56: "Nota de débito", 61: "Nota de crédito"}
"""The documents a store registers as purchases (``shared.events.purchases.ACCEPTED_TIPOS``): all electronic (DTE)."""
AMOUNTS: Final = ("neto", "exento", "iva", "other_taxes", "total")
ACTIONS: Final = answers_store.ACTION_LABELS
NOTICES: Final = {"tomada": "El SII registró la respuesta.",
                  "rechazada": "El SII no aceptó la respuesta: vea su motivo en el documento.",
                  "sin_sii": "No se pudo consultar al SII: la respuesta no quedó registrada; intente más tarde."}
MONTHS: Final = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                 "noviembre", "diciembre")

_ROWS = (
    "SELECT p.fecha_emision, p.supplier_rut, p.supplier_name, p.tipo, p.folio, p.neto, p.exento, p.iva,"
    " p.other_taxes, p.total, p.store_id, s.name AS store_name, p.tipo = ANY(%(answerable)s) AS answerable"
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
             "scope": user.store_scope, "answerable": sorted(answers_store.ANSWERABLE_TIPOS)}
    notice = params.choice_param(request.query_params, "aviso", "Aviso", NOTICES, default="")
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        stores = [s for s in await (await conn.execute(
            "SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name", (user.tenant_id,))).fetchall()
            if user.sees_store(s[0])]
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(_ROWS, query)
        rows = await cur.fetchall()
        answers = await answers_store.standings(
            conn, user.tenant_id, [(r["supplier_rut"], r["tipo"], r["folio"], r["fecha_emision"]) for r in rows
                                   if r["answerable"]], today)
    for r in rows:
        r["amounts"] = signed(r)
        r["tipo_name"] = TIPOS.get(r["tipo"], f"Documento tipo {r['tipo']}")
        r["credit"] = r["tipo"] == purchase_events.NOTA_CREDITO
        r["answer"] = answers.get((r["supplier_rut"], r["tipo"], r["folio"]))
    totals, by_tipo = summarise(rows)
    unknown_store = store is not None and all(store_id != store for store_id, _name in stores)
    store_name = next((name for store_id, name in stores if store_id == store), "")
    return web.render(request, "purchases.html", user=user, section="compras", month=chosen, tipos=TIPOS,
                      month_name=month_name(chosen), is_current=chosen == today.replace(day=1), rows=rows,
                      totals=totals, by_tipo=by_tipo, stores=stores, store=store, store_name=store_name,
                      unknown_store=unknown_store, other_taxes=any(r["other_taxes"] for r in rows),
                      can_answer=user.can("compras", write=True), actions=ACTIONS, notice=notice,
                      due=sum(1 for r in rows if r["answer"] is not None and r["answer"].open),
                      month_value=month_text(chosen),
                      previous=month_text(_shift(chosen, -1)) if chosen > params.MIN_DATE else "",
                      following=month_text(_shift(chosen, 1)) if _shift(chosen, 1) <= params.MAX_DATE else "")


@web.login_required
async def answer(request: Request, user: HqUser) -> Response:
    """``POST /hq/compras/respuesta``: ``rut``, ``tipo``, ``folio`` of a purchase, ``accion`` (ACD, ERM, RCD, RFP,
    RFT), ``motivo`` (required for a claim), ``mes`` and ``tienda`` to come back to. Sends it to the SII and keeps
    the answer (:func:`syncserver.sii.acceptance.answer`); back to the month with ``aviso``."""
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    rut = params.text_param(form, "rut", "RUT del proveedor", max_len=20)
    tipo = params.int_param(form, "tipo", "Tipo de documento", low=1, high=999)
    folio = params.int_param(form, "folio", "Folio", low=1, high=10**12)
    action = params.choice_param(form, "accion", "Acción", {k: k for k in ACTIONS}, default="")
    if not action:
        raise params.BadInput("accion", "Acción", "elija aceptar, dar recibo de mercaderías o reclamar")
    reason = params.text_param(form, "motivo", "Motivo", max_len=acceptance.MAX_REASON)
    month_value = params.month_param(form, "mes", "Mes", default=state.clock(request)().astimezone(web.CHILE).date()
                                     .replace(day=1))
    store = params.store_param(user, form)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        owner = await (await conn.execute(
            "SELECT store_id FROM purchases WHERE tenant_id = %s AND supplier_rut = %s AND tipo = %s AND folio = %s",
            (user.tenant_id, rut, tipo, folio))).fetchone()
    if owner is None:
        return web.not_found(request, user, "Ese documento de proveedor")
    user.require_store(str(owner[0]))
    settings = state.settings(request)
    client = ws.client_for(settings.sii_environment, settings.sii_url, clock=state.clock(request))
    try:
        sent = await acceptance.answer(request.app.state.pool, user.tenant_id, settings.secret_key, client,
                                       (rut, tipo, folio), action=action, reason=reason, actor=user.email,
                                       now=state.clock(request)())
    except acceptance.AnswerRefused as exc:
        raise params.BadInput("accion", "Respuesta al proveedor", str(exc)) from None
    finally:
        await client.http.aclose()
    await trail.record(request, tenant_id=user.tenant_id, kind="supplier_answer", actor=user.email,
                       detail=f"{action} a {rut} tipo {tipo} folio {folio}: código SII {sent.code}, {sent.message}"
                              f"{'; motivo: ' + reason if reason else ''}")
    notice = "sin_sii" if sent.code is None else "tomada" if sent.ok else "rechazada"
    back = f"/compras?mes={month_text(month_value)}&aviso={notice}"
    if store:
        back += f"&tienda={web.url_part(store)}"
    return web.redirect(back + f"#doc-{tipo}-{folio}")
