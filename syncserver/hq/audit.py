"""``/hq/auditoria`` (owner only): the audit trail, filtered by kind, dates and account or terminal, by pages; and
the open HQ sessions, each of which the owner can close."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncserver import state
from syncserver.hq import sessions, trail, web
from syncserver.hq.web import HqUser
from syncserver.store import audit, db
from syncserver.store import sessions as stored

PAGE_SIZE = 50
MAX_PAGE = 10_000
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DIGITS = re.compile(r"[0-9]{1,6}")


class BadFilter(ValueError):
    """A filter of the audit page that cannot be read; the message says which, in Spanish."""


def _day(raw: str, label: str) -> date | None:
    """``aaaa-mm-dd`` (years 2000 to 2999) or empty; anything else is a :class:`BadFilter`."""
    raw = raw.strip()
    if not raw:
        return None
    if _DAY.fullmatch(raw) and raw.isascii():
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is not None and 2000 <= day.year <= 2999:
            return day
    raise BadFilter(f"La fecha «{label}» debe tener la forma aaaa-mm-dd (entre 2000 y 2999).")


def _page(raw: str) -> int:
    raw = raw.strip() or "1"
    if not (_DIGITS.fullmatch(raw) and raw.isascii()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadFilter(f"La página debe ser un número entre 1 y {MAX_PAGE}.")
    return int(raw)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=web.CHILE)


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET ?tipo=&desde=aaaa-mm-dd&hasta=aaaa-mm-dd&quien=&pagina=``: the trail, newest first, 50 lines a page
    (dates are days in Chile, both included); a filter that does not read is a 400 saying which."""
    query = request.query_params
    kind, who = query.get("tipo", "").strip(), query.get("quien", "").strip()[:200]
    filters = {"tipo": kind, "desde": query.get("desde", "").strip()[:20],
               "hasta": query.get("hasta", "").strip()[:20], "quien": who}
    try:
        if kind and kind not in audit.KINDS:
            raise BadFilter("Ese tipo de registro no existe; elija uno de la lista.")
        since, until = _day(filters["desde"], "desde"), _day(filters["hasta"], "hasta")
        number = _page(query.get("pagina", ""))
    except BadFilter as exc:
        await trail.refused(request, tenant_id=user.tenant_id, actor=user.email, status=400, detail=str(exc))
        return web.render(request, "audit.html", status=400, user=user, section="auditoria", error=str(exc),
                          entries=[], filters=filters, kinds=audit.KINDS, number=1, more=False,
                          links={"previous": "", "next": ""})
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        rows = await audit.search(conn, user.tenant_id, kinds=[kind] if kind else [], actor=who,
                                  since=_start_of(since) if since else None,
                                  until=_start_of(until + timedelta(days=1)) if until else None,
                                  limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    kept = {k: v for k, v in filters.items() if v}
    links = {"previous": f"?{urlencode({**kept, 'pagina': number - 1})}" if number > 1 else "",
             "next": f"?{urlencode({**kept, 'pagina': number + 1})}" if len(rows) > PAGE_SIZE else ""}
    return web.render(request, "audit.html", user=user, section="auditoria", error="", entries=rows[:PAGE_SIZE],
                      filters=filters, kinds=audit.KINDS, number=number, more=len(rows) > PAGE_SIZE, links=links)


@web.login_required
async def open_sessions(request: Request, user: HqUser) -> Response:
    """``GET ?cuenta=``: the HQ sessions open now (of one account when given), with where and when they were last
    used; each can be closed."""
    idle, lifetime = sessions.limits(request)
    email = request.query_params.get("cuenta", "").strip().lower()[:254] or None
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        rows = await stored.open_sessions(conn, user.tenant_id, now=state.clock(request)(), idle=idle,
                                          lifetime=lifetime, email=email)
    notice = {"cerrada": "Sesión cerrada: quien la usaba deberá ingresar de nuevo.",
              "cerradas": "Se cerraron todas las sesiones de la cuenta."}.get(request.query_params.get("aviso", ""), "")
    return web.render(request, "audit_sessions.html", user=user, section="auditoria", rows=rows, account=email or "",
                      notice=notice, idle_minutes=int(idle.total_seconds() // 60))


@web.login_required
async def close_session(request: Request, user: HqUser) -> Response:
    """``POST /hq/auditoria/sesiones/{id}/cerrar``: end one session of the tenant; ``POST
    /hq/auditoria/sesiones/cerrar-cuenta`` (``cuenta``): end every session of an account."""
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    now, raw = state.clock(request)(), str(request.path_params.get("session_id", ""))
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        if raw:
            if not (_DIGITS.fullmatch(raw) and raw.isascii()):
                return web.not_found(request, user, "La sesión")
            email = await stored.revoke_id(conn, user.tenant_id, int(raw), at=now, reason="owner", by=user.email)
            if email is None:
                return web.not_found(request, user, "La sesión")
            closed, notice = f"Cerró una sesión de {email}.", "cerrada"
        else:
            email = str(form.get("cuenta", "")).strip().lower()[:254]
            count = await stored.revoke_all(conn, user.tenant_id, email, at=now, reason="owner", by=user.email)
            closed, notice = f"Cerró {count} sesión(es) de {email}.", "cerradas"
        await audit.record(conn, tenant_id=user.tenant_id, kind="session_revoked", actor=email,
                           address=trail.address(request), detail=f"{closed} (por {user.email})", at=now)
    return web.redirect(f"/auditoria/sesiones?aviso={notice}")


ROUTES = [
    Route("/auditoria", page, methods=["GET"], name="audit"),
    Route("/auditoria/sesiones", open_sessions, methods=["GET"], name="open_sessions"),
    Route("/auditoria/sesiones/cerrar-cuenta", close_session, methods=["POST"], name="close_account_sessions"),
    Route("/auditoria/sesiones/{session_id}/cerrar", close_session, methods=["POST"], name="close_session"),
]
"""The audit pages, in match order."""
