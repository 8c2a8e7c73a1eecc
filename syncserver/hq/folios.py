"""``/hq/folios``: the tenant's CAFs, the folio ranges leased to each terminal (the used ones summed per terminal and
type), the hold after a restore (the terminals still to report their leases); upload a CAF file."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from shared.dte import caf as caf_mod
from syncserver import state
from syncserver.dte import folios
from syncserver.hq import csrf, params, web
from syncserver.hq.web import HqUser
from syncserver.store import db
from syncserver.store import folios as folio_store

TIPOS = {33: "Factura", 34: "Factura exenta", 39: "Boleta", 41: "Boleta exenta", 56: "Nota de débito",
         61: "Nota de crédito"}


async def _page(request: Request, user: HqUser, *, status: int = 200, error: str | None = None,
                imported: str | None = None) -> Response:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        cafs = await folio_store.caf_rows(conn, user.tenant_id)
        leases = await folio_store.lease_rows(conn, user.tenant_id, current_only=True)
        used = await folio_store.used_leases(conn, user.tenant_id)
        hold = await folio_store.hold_rows(conn, user.tenant_id)  # after a restore (syncserver.dte.folio_hold)
        reported = await folio_store.report_rows(conn, user.tenant_id)
    waiting = [h for h in hold if h["reported_at"] is None and h["released_at"] is None]
    conflicts = [r for r in reported if r["state"] == "conflicto"]
    return web.render(request, "folios.html", status=status, user=user, section="folios", cafs=cafs,
                      leases=leases, used=used, tipos=TIPOS, error=error, imported=imported, waiting=waiting,
                      conflicts=conflicts)


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET`` lists; ``POST`` (multipart, field ``caf``) imports a CAF file and shows the verdict."""
    if request.method != "POST":
        return await _page(request, user, imported=params.text_param(request.query_params, "importado", "Aviso",
                                                                      max_len=60) or None)
    async with request.form(max_files=1, max_fields=5) as form:
        if not csrf.valid(request.session, form.get(csrf.FIELD)):
            return web.csrf_failed(request, user)
        upload = form.get("caf")
        if not isinstance(upload, UploadFile):
            return await _page(request, user, status=422, error="Elija el archivo del CAF (XML descargado del SII).")
        data = await upload.read(caf_mod.MAX_CAF_BYTES + 1)
    settings = state.settings(request)
    try:
        done = await folios.import_caf(request.app.state.pool, user.tenant_id, data,
                                       keys=folios.trusted_keys(settings.standin_caf_key),
                                       lease_size=settings.folio_lease_size, low_water=settings.folio_low_water,
                                       clock=state.clock(request))
    except folios.CafImportError as exc:
        return await _page(request, user, status=422, error=str(exc))
    return web.redirect(f"/folios?importado={done.tipo}:{done.desde}-{done.hasta}")
