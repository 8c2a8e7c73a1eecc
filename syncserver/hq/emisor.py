"""``/hq/emisor``: the company's emisor data for its tax documents (razón social, giro, Acteco, dirección, comuna,
ciudad, código de sucursal SII, resolución del SII), its digital certificate (``POST /hq/emisor/certificado``:
the .pfx and its password, checked, stored encrypted, never shown back nor sent to the tills) and the «modelo de
emisión» of card sales (``POST /hq/emisor/modelo``; docs/card-sales.md). Documents are not signed until the data
and the certificate are there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.rows import class_row
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from shared import card_model
from syncserver import state
from syncserver.dte import card_model as card_model_mod
from syncserver.dte import certs
from syncserver.dte import emisor as emisor_mod
from syncserver.hq import csrf, params, trail, web
from syncserver.hq.web import HqUser
from syncserver.store import db

NOTICES = {"1": "Datos del emisor guardados. Los documentos que esperaban estos datos se firmarán en la próxima"
                " pasada, y las cajas los imprimirán en boletas, facturas, notas de crédito y reportes Z desde su"
                " próxima sincronización.",
           "certificado": "Certificado digital guardado (cifrado). El servidor firmará con él desde la próxima pasada.",
           "modelo": "Modelo de emisión guardado. Cada caja lo aplica desde su próxima sincronización.",
           "modelo-igual": "El modelo de emisión ya era ese: nada cambió."}
EXPIRY_WARNING = timedelta(days=30)
"""A certificate expiring sooner than this is flagged on the page."""


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
            "resolucion_numero": "0" if resolution is None else str(resolution.numero),
            "unidad_sii": config.unidad_sii}


async def _page(request: Request, user: HqUser, *, status: int = 200, values: dict[str, Any] | None = None,
                error: str = "", cert_error: str = "", model_error: str = "") -> Response:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        config = await emisor_mod.load_emisor(conn, user.tenant_id)
        choice = await card_model_mod.current(conn, user.tenant_id)
        async with conn.cursor(row_factory=class_row(CertificateRow)) as cur:
            await cur.execute("SELECT subject, holder_rut, not_after, uploaded_at FROM tenant_certificates"
                              " WHERE tenant_id = %s", (user.tenant_id,))
            cert = await cur.fetchone()
        waiting = await (await conn.execute(
            "SELECT count(*) FROM dte_outbox WHERE tenant_id = %s AND state = 'issued' AND last_error LIKE %s",
            (user.tenant_id, emisor_mod.MISSING_PREFIX + "%"))).fetchone()
    missing = emisor_mod.EmisorConfig(rut=user.tenant_rut).missing() if config is None else config.missing()
    return web.render(request, "emisor.html", status=status, user=user, section="emisor",
                      values=values if values is not None else _form_values(config), error=error, missing=missing,
                      waiting=int(waiting[0]) if waiting else 0,
                      certificate=_certificate(cert, state.clock(request)()), cert_error=cert_error,
                      card_model=choice, card_models=card_model.CardModel, model_error=model_error,
                      can_edit=user.can("emisor", write=True),
                      notice=params.choice_param(request.query_params, "guardado", "Aviso", NOTICES, default=""))


@dataclass(frozen=True, slots=True)
class CertificateRow:
    """The stored certificate as the page shows it (never the key)."""

    subject: str
    holder_rut: str | None
    not_after: datetime
    uploaded_at: datetime


def _certificate(row: CertificateRow | None, now: datetime) -> dict[str, Any] | None:
    """What the page says of the stored certificate (never the key): holder, RUT, expiry and whether it is near."""
    if row is None:
        return None
    return {"subject": row.subject, "holder_rut": row.holder_rut, "not_after": row.not_after,
            "uploaded_at": row.uploaded_at, "expired": row.not_after <= now,
            "expiring": now < row.not_after <= now + EXPIRY_WARNING}


@web.login_required
async def certificate(request: Request, user: HqUser) -> Response:
    """``POST`` (multipart, with CSRF): the company's .pfx (field ``pfx``) and its password (``clave``); checked
    (readable with that password, RSA, in force) and stored encrypted, replacing the previous one."""
    async with request.form(max_files=1, max_fields=5) as form:
        if not csrf.valid(request.session, form.get(csrf.FIELD)):
            return web.csrf_failed(request, user)
        upload, password = form.get("pfx"), params.raw(form, "clave", "Contraseña", max_len=1000) or ""
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await _page(request, user, status=422, cert_error="Elija el archivo del certificado (.pfx o .p12).")
        data = await upload.read(certs.MAX_PFX_BYTES + 1)
    try:
        await certs.store(request.app.state.pool, user.tenant_id, data, password, state.settings(request).secret_key,
                          clock=state.clock(request))
    except certs.CertificateUploadError as exc:
        return await _page(request, user, status=422, cert_error=str(exc))
    return web.redirect("/emisor?guardado=certificado")


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET`` shows the form; ``POST`` (with CSRF) validates and saves every field at once."""
    if request.method != "POST":
        return await _page(request, user)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = {name: params.raw(form, name, name, max_len=200) or "" for name in emisor_mod.FIELDS}
    try:
        await emisor_mod.store(request.app.state.pool, user.tenant_id, values, by=user.email, require_complete=True)
    except emisor_mod.EmisorError as exc:
        return await _page(request, user, status=422, values=values, error=str(exc))
    return web.redirect("/emisor?guardado=1")


@web.login_required
async def card_model_page(request: Request, user: HqUser) -> Response:
    """``POST`` (with CSRF; the owner): ``modelo`` ``boleta`` or ``voucher``, the business's «modelo de emisión» of
    card sales: saved, published to every till and audited (:func:`syncserver.dte.card_model.choose`)."""
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    models: dict[str, card_model.CardModel | None] = {m.value: m for m in card_model.CardModel}
    chosen = params.choice_param(form, "modelo", "Modelo de emisión", models, default=None)
    if chosen is None:
        return await _page(request, user, status=422, model_error="Elija uno de los dos modelos de emisión.")
    changed = await card_model_mod.choose(request.app.state.pool, user.tenant_id, chosen, by=user.email,
                                          at=state.clock(request)(), address=trail.address(request))
    return web.redirect("/emisor?guardado=" + ("modelo" if changed else "modelo-igual") + "#modelo")
