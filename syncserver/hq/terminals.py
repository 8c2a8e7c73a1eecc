"""``/hq/``: the stores and their terminals (sync state, quarantine), enrollment codes and revocation."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from psycopg.rows import dict_row
from starlette.requests import Request
from starlette.responses import Response

from syncserver import state, tenancy
from syncserver.dte import folios
from syncserver.hq import params, web
from syncserver.hq.web import HqUser
from syncserver.store import db

ENROLLMENT_TTL = timedelta(hours=24)
SKEW_WARNING_MS = 5 * 60 * 1000
NOTICES = {"revocada": "La caja quedó revocada: ya no puede sincronizar."}
EVENT_NAMES = {"sale.completed": "Venta", "sale.returned": "Devolución", "purchase.received": "Compra",
               "stock.adjusted": "Ajuste de stock", "store.received": "Datos de la tienda",
               "shift.opened": "Apertura de turno", "shift.closed": "Cierre de turno",
               "shift.cash_moved": "Movimiento de caja", "catalog.product_upserted": "Producto"}
"""How the quarantine page names the event types an owner meets there (others show only their code)."""
NOT_SENT = "no se envía al SII"
"""What the reason of a quarantined event whose document is not sent to the SII says (``ingest.scope``)."""


def _document(payload: Any) -> str:
    """``"boleta N° 12"`` for a payload that carries a stamped document (a sale's or return's, or the ``{tipo,
    folio}`` of a refused document), else ``""``."""
    if not isinstance(payload, dict):
        return ""
    inner = payload.get("document")
    doc: dict[str, Any] = inner if isinstance(inner, dict) else payload
    tipo, folio = doc.get("tipo"), doc.get("folio")
    if type(tipo) is not int or type(folio) is not int:
        return ""
    return folios.named(tipo, folio)


async def _terminal(request: Request, user: HqUser, terminal_id: str) -> dict[str, Any] | None:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            "SELECT t.terminal_id, t.name, t.status, t.store_id, s.name AS store_name FROM terminals t"
            " JOIN stores s ON s.tenant_id = t.tenant_id AND s.store_id = t.store_id"
            " WHERE t.tenant_id = %s AND t.terminal_id = %s", (user.tenant_id, terminal_id))
        found = await cur.fetchone()
    if found is not None:
        user.require_store(found["store_id"])  # another store's till: 403
    return found


@web.login_required
async def index(request: Request, user: HqUser) -> Response:
    """Every store of the tenant with its terminals: status, last sync, events, clock skew, quarantine."""
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        stores = await (await conn.execute("SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name",
                                           (user.tenant_id,))).fetchall()
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            "SELECT t.terminal_id, t.store_id, t.name, t.status, t.last_sync_at, t.last_seen_seq,"
            " t.pending_reported, t.clock_skew_ms, t.current_epoch,"
            " (SELECT count(*) FROM quarantine q WHERE q.tenant_id = t.tenant_id AND q.terminal_id = t.terminal_id)"
            " AS quarantined FROM terminals t WHERE t.tenant_id = %s ORDER BY t.status, t.name, t.terminal_id",
            (user.tenant_id,))
        terminals = await cur.fetchall()
    stores = [s for s in stores if user.sees_store(s[0])]
    terminals = [t for t in terminals if user.sees_store(t["store_id"])]
    by_store: dict[str, list[dict[str, Any]]] = {store_id: [] for store_id, _ in stores}
    for t in terminals:
        t["skew_warning"] = abs(t["clock_skew_ms"]) >= SKEW_WARNING_MS
        by_store.setdefault(t["store_id"], []).append(t)
    groups = [{"store_id": store_id, "name": name, "terminals": by_store[store_id]} for store_id, name in stores]
    notice = params.choice_param(request.query_params, "hecho", "Aviso", NOTICES, default="")
    return web.render(request, "terminals.html", user=user, section="terminales", stores=groups, notice=notice)


@web.login_required
async def new_code(request: Request, user: HqUser) -> Response:
    """``POST /hq/tiendas/{store_id}/codigo``: a one-time enrollment code for a new terminal, shown once."""
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    store_id = params.id_param(params.path(request.path_params), "store_id", "Tienda")
    user.require_store(store_id)
    name = " ".join(params.text_param(form, "nombre", "Nombre de la caja", max_len=60).split())
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        store = await (await conn.execute("SELECT name FROM stores WHERE tenant_id = %s AND store_id = %s",
                                          (user.tenant_id, store_id))).fetchone()
    if store is None or not user.sees_store(store_id):
        return web.not_found(request, user, "La tienda")
    if not name:
        return web.error_page(request, 400, "Falta el nombre de la caja",
                              "Escriba un nombre para la caja nueva (por ejemplo «Caja 2») e intente de nuevo.", user)
    clock = state.clock(request)
    expires = clock() + ENROLLMENT_TTL
    try:
        code = await tenancy.issue_enrollment_code(request.app.state.pool, user.tenant_id, store_id, name,
                                                   ttl=ENROLLMENT_TTL, clock=clock)
    except tenancy.TenancyError as exc:
        if exc.code == "store_inactive":
            return web.error_page(request, 409, "Tienda desactivada", web.sentence(exc),
                                  user)
        return web.not_found(request, user, "La tienda")
    return web.render(request, "code.html", user=user, section="terminales", code=code, expires=expires,
                      store_name=store[0], terminal_name=name)


@web.login_required
async def revoke(request: Request, user: HqUser) -> Response:
    """``GET`` asks for confirmation; ``POST /hq/terminales/{terminal_id}/revocar`` revokes the terminal."""
    terminal = await _terminal(request, user, params.id_param(params.path(request.path_params), "terminal_id", "Caja"))
    if terminal is None:
        return web.not_found(request, user, "La caja")
    if request.method != "POST":
        return web.render(request, "revoke.html", user=user, section="terminales", terminal=terminal)
    if await web.read_form(request) is None:
        return web.csrf_failed(request, user)
    try:
        await tenancy.revoke(request.app.state.pool, user.tenant_id, terminal["terminal_id"])
    except tenancy.TenancyError:
        return web.not_found(request, user, "La caja")
    return web.redirect("/?hecho=revocada")


@web.login_required
async def quarantine(request: Request, user: HqUser) -> Response:
    """``/hq/terminales/{terminal_id}/cuarentena``: the terminal's events the server could not use, and why."""
    terminal = await _terminal(request, user, params.id_param(params.path(request.path_params), "terminal_id", "Caja"))
    if terminal is None:
        return web.not_found(request, user, "La caja")
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        rows = await (await conn.execute(
            "SELECT epoch, seq, type, version, reason, payload, received_at FROM quarantine"
            " WHERE tenant_id = %s AND terminal_id = %s ORDER BY epoch, seq LIMIT 500",
            (user.tenant_id, terminal["terminal_id"]))).fetchall()
    events = [{"epoch": r[0], "seq": r[1], "type": r[2], "version": r[3], "reason": r[4],
               "what": EVENT_NAMES.get(r[2], ""), "document": _document(r[5]), "not_sent": NOT_SENT in r[4],
               "payload": json.dumps(r[5], ensure_ascii=False, indent=2, sort_keys=True), "received_at": r[6]}
              for r in rows]
    return web.render(request, "quarantine.html", user=user, section="terminales", terminal=terminal, events=events)
