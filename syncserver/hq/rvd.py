"""``/hq/documentos/rvd``: the daily sales reports (RVD, ``ConsumoFolios``) the server built for the tenant, one row
per day and SecEnvio (``rvd_reports``), with the way of its envelope to the SII (``dte_envelopes``): built, sent with
its track id, accepted (``EPR``) or rejected with the SII's text; an earlier SecEnvio of a day sent again is marked
as replaced. Says so when the server setting ``rvd_enabled`` is off (nothing new is built) and when the emisor data
the RVD's Carátula needs is incomplete. A day whose last report the SII rejected can be sent again
(``POST /hq/documentos/rvd/{día}/reenviar``: built anew with the next SecEnvio, sent in the next pass). RVD rules:
sii.md §7, :mod:`syncserver.dte.rvd`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from psycopg.rows import dict_row
from starlette.requests import Request
from starlette.responses import Response

from syncserver import state
from syncserver.dte import certs
from syncserver.dte import emisor as emisor_mod
from syncserver.dte import rvd as rvd_mod
from syncserver.hq import params, web
from syncserver.hq.documents import explanations
from syncserver.hq.web import HqUser
from syncserver.store import db

PAGE: Final = 120
"""Rows shown (about four months of days)."""
ACCEPTED: Final = "EPR"
DISABLED: Final = "El envío del RVD está desactivado en la configuración (rvd_enabled)"

_ROWS = (
    "SELECT r.day, r.sec_envio, r.documents, r.total, r.created_at, e.state, e.track_id, e.attempts, e.last_error,"
    " e.next_attempt_at, e.sii_estado, e.sii_glosa, e.sent_at, e.updated_at,"
    " max(r.sec_envio) OVER (PARTITION BY r.day) AS latest_sec"
    " FROM rvd_reports r LEFT JOIN dte_envelopes e ON e.tenant_id = r.tenant_id AND e.envelope_id = r.envelope_id"
    " WHERE r.tenant_id = %s ORDER BY r.day DESC, r.sec_envio DESC LIMIT %s")


def status(row: dict[str, Any]) -> tuple[str, str, str, list[str]]:
    """``(key, label, badge class, texts)`` of one report: ``built`` (Construido), ``retry`` (construido, the last
    upload failed), ``sent`` (Enviado al SII, in process), ``accepted`` (Aceptado), ``received`` (STATUS 99 without a
    track id) or ``rejected`` (Rechazado); the texts explain it (the SII's glosa, the last error)."""
    state, estado = row["state"], row["sii_estado"]
    if state == "done" and estado == ACCEPTED:
        return "accepted", "Aceptado", "ok", []
    if state == "done" and estado == "STATUS 99":
        return "received", "Recibido por el SII", "warn", explanations(row["sii_glosa"])
    if state == "done":
        return "rejected", "Rechazado", "bad", explanations(row["sii_glosa"], row["last_error"])
    if state == "sent":
        texts = explanations(row["sii_glosa"], row["last_error"])
        return "sent", "Enviado al SII", "warn" if row["last_error"] else "off", texts
    if row["last_error"]:
        return "retry", "Construido, envío pendiente", "warn", explanations(row["last_error"])
    return "built", "Construido", "off", []


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """The tenant's latest :data:`PAGE` reports, newest day first."""
    return await _render(request, user)


async def _render(request: Request, user: HqUser, *, error: str = "", code: int = 200) -> Response:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(_ROWS, (user.tenant_id, PAGE))
            rows = await cur.fetchall()
        config = await emisor_mod.load_emisor(conn, user.tenant_id)
    for r in rows:
        r["key"], r["label"], r["badge"], r["texts"] = status(r)
        r["replaced"] = r["sec_envio"] < r["latest_sec"]
        r["resendable"] = r["key"] == "rejected" and not r["replaced"]
    enabled = state.settings(request).rvd_enabled
    missing = (config or emisor_mod.EmisorConfig(rut=user.tenant_rut)).missing()
    return web.render(request, "rvd.html", status=code, user=user, section="documentos", rows=rows, enabled=enabled,
                      disabled_note=DISABLED, missing=missing, page_size=PAGE,
                      notice=_notice(params.text_param(request.query_params, "reenviado", "Aviso", max_len=40)),
                      error=error)


def _notice(resent: str) -> str:
    """``2025-05-02:2`` (after "Enviar de nuevo") → the sentence shown on top of the list."""
    day, _, sec = resent.partition(":")
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return ""
    if not (sec.isascii() and sec.isdigit()):
        return ""
    return (f"RVD del {when:%d-%m-%Y} construido de nuevo (envío N° {sec}): se enviará al SII en la próxima pasada"
            " del servidor.")


@web.login_required
async def resend(request: Request, user: HqUser) -> Response:
    """``POST``: build again the RVD of ``{dia}`` (``AAAA-MM-DD``) whose last report the SII rejected."""
    day = params.parse_date(str(request.path_params["dia"])[:20], "dia", "Día")
    if await web.read_form(request) is None:
        return web.csrf_failed(request, user)
    try:
        sec = await rvd_mod.resend_rejected(request.app.state.pool, user.tenant_id,
                                            state.settings(request).secret_key, day, clock=state.clock(request))
    except (rvd_mod.RvdResendError, certs.CertificateUploadError) as exc:
        return await _render(request, user, error=str(exc), code=409)
    return web.redirect(f"/documentos/rvd?reenviado={day.isoformat()}:{sec}")
