"""``/hq/documentos``: each tax document's way to the SII (issued, signed, sent with track id, accepted, rejected)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from syncserver.hq import web
from syncserver.hq.folios import TIPOS
from syncserver.hq.web import HqUser
from syncserver.store import db

STATES = {"issued": "Emitido en caja", "signed": "Firmado", "sent": "Enviado al SII", "accepted": "Aceptado",
          "rejected": "Rechazado"}
PAGE = 200


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """The latest documents (``?estado=`` one state), with counts by state."""
    state = request.query_params.get("estado") or None
    if state is not None and state not in STATES:
        return web.error_page(request, 400, "Estado desconocido", "Elija un estado de la lista.", user)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        counts = dict(await (await conn.execute(
            "SELECT state, count(*) FROM dte_outbox WHERE tenant_id = %s GROUP BY state",
            (user.tenant_id,))).fetchall())
        cur = await conn.execute(
            "SELECT o.tipo, o.folio, o.state, o.track_id, o.attempts, o.last_error, o.updated_at, d.stamped_at,"
            " t.name AS terminal_name FROM dte_outbox o JOIN dte_documents d ON d.tenant_id = o.tenant_id"
            " AND d.tipo = o.tipo AND d.folio = o.folio LEFT JOIN terminals t ON t.tenant_id = d.tenant_id"
            " AND t.terminal_id = d.terminal_id WHERE o.tenant_id = %s AND (%s::text IS NULL OR o.state = %s::text)"
            " ORDER BY o.updated_at DESC, o.tipo, o.folio DESC LIMIT %s", (user.tenant_id, state, state, PAGE))
        names = [c.name for c in cur.description or ()]
        rows = [dict(zip(names, r, strict=True)) for r in await cur.fetchall()]
    return web.render(request, "documents.html", user=user, section="documentos", rows=rows, counts=counts,
                      states=STATES, state=state, tipos=TIPOS, page_size=PAGE)
