"""``/hq/emisor``: the company's emisor data for its tax documents (razón social, giro, Acteco, dirección, comuna,
ciudad, código de sucursal SII, resolución del SII). Documents are not signed until it is complete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from syncserver.dte import emisor as emisor_mod
from syncserver.hq import web
from syncserver.hq.web import HqUser
from syncserver.store import db

NOTICES = {"1": "Datos del emisor guardados. Los documentos que esperaban estos datos se firmarán en la próxima"
                " pasada."}


def _form_values(config: emisor_mod.EmisorConfig | None) -> dict[str, str]:
    """The form's fields as text, from the stored data."""
    if config is None:
        return {name: "" for name in emisor_mod.FIELDS} | {"resolucion_numero": "0"}
    resolution = config.resolution
    return {"razon_social": config.razon_social, "giro": config.giro,
            "acteco": ", ".join(str(a) for a in config.acteco), "direccion": config.direccion,
            "comuna": config.comuna, "ciudad": config.ciudad,
            "sucursal_sii": "" if config.sucursal_sii is None else str(config.sucursal_sii),
            "resolucion_fecha": "" if resolution is None else resolution.fecha.isoformat(),
            "resolucion_numero": "0" if resolution is None else str(resolution.numero)}


async def _page(request: Request, user: HqUser, *, status: int = 200, values: dict[str, Any] | None = None,
                error: str = "") -> Response:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        config = await emisor_mod.load_emisor(conn, user.tenant_id)
        waiting = await (await conn.execute(
            "SELECT count(*) FROM dte_outbox WHERE tenant_id = %s AND state = 'issued' AND last_error LIKE %s",
            (user.tenant_id, emisor_mod.MISSING_PREFIX + "%"))).fetchone()
    missing = emisor_mod.EmisorConfig(rut=user.tenant_rut).missing() if config is None else config.missing()
    return web.render(request, "emisor.html", status=status, user=user, section="emisor",
                      values=values if values is not None else _form_values(config), error=error, missing=missing,
                      waiting=int(waiting[0]) if waiting else 0,
                      notice=NOTICES.get(request.query_params.get("guardado", ""), ""))


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET`` shows the form; ``POST`` (with CSRF) validates and saves every field at once."""
    if request.method != "POST":
        return await _page(request, user)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = {name: str(form.get(name, "")) for name in emisor_mod.FIELDS}
    try:
        await emisor_mod.store(request.app.state.pool, user.tenant_id, values, by=user.email, require_complete=True)
    except emisor_mod.EmisorError as exc:
        return await _page(request, user, status=422, values=values, error=str(exc))
    return web.redirect("/emisor?guardado=1")
