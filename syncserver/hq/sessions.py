"""The server-side session behind HQ's signed cookie: a new token at each login, looked up on every request (idle
and absolute expiry), ended at logout; the cookie holds only the tenant, the token and the CSRF token."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request

from syncserver import state
from syncserver.hq import csrf
from syncserver.hq.trail import address
from syncserver.store import audit, db, hq_accounts
from syncserver.store import sessions as stored

TOKEN_KEY = "sid"
TENANT_KEY = "tenant_id"
ENDED_KEY = "vencida"


def limits(request: Request) -> tuple[timedelta, timedelta]:
    """(idle, lifetime) from the settings ``hq_session_idle_minutes`` and ``hq_session_max_hours``."""
    settings = state.settings(request)
    return timedelta(minutes=settings.hq_session_idle_minutes), timedelta(hours=settings.hq_session_max_hours)


def _cookie(request: Request) -> tuple[int, str] | None:
    tenant_id, token = request.session.get(TENANT_KEY), request.session.get(TOKEN_KEY)
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or not isinstance(token, str) or not token:
        return None
    return tenant_id, token


async def start(request: Request, email: str, tenant_id: int) -> None:
    """Sign ``email`` of ``tenant_id`` in: a new random token stored server-side (only its hash), a new CSRF token,
    nothing kept of the cookie before (a session started by someone else's cookie never becomes this one); the
    browser's previous session, if any, ends."""
    now, pool = state.clock(request)(), request.app.state.pool
    previous = _cookie(request)
    request.session.clear()
    if previous is not None:
        async with db.tenant_tx(pool, previous[0]) as conn:
            await stored.revoke_token(conn, previous[0], previous[1], at=now, reason="login")
    token = stored.new_token()
    async with db.tenant_tx(pool, tenant_id) as conn:
        await stored.start(conn, tenant_id, email, token, at=now, address=address(request),
                           user_agent=request.headers.get("user-agent", ""))
        await audit.record(conn, tenant_id=tenant_id, kind="login_ok", actor=email, address=address(request),
                           detail="Inició una sesión en HQ.", at=now)
    request.session.update({TENANT_KEY: tenant_id, TOKEN_KEY: token})
    csrf.token(request.session)


async def current(request: Request) -> tuple[int, str, hq_accounts.SessionRow] | None:
    """(tenant, e-mail, account) of the cookie's live session; ``None`` (and the cookie emptied) when there is none,
    it expired or was ended, or its account is deactivated or awaiting a new password. When it expired or was
    ended, the cookie keeps why, for the login page's notice (:func:`take_notice`)."""
    found = _cookie(request)
    if found is None:
        if request.session.get("email") is not None:  # a cookie from before server-side sessions
            request.session.clear()
        return None
    tenant_id, token = found
    idle, lifetime = limits(request)
    async with db.tenant_tx(request.app.state.pool, tenant_id) as conn:
        now = state.clock(request)()
        looked = await stored.touch(conn, tenant_id, token, now=now, idle=idle, lifetime=lifetime)
        row = None
        if looked.session is not None:
            row = await hq_accounts.session_row(conn, tenant_id, looked.session.email)
        elif looked.ended in ("idle", "lifetime"):  # it ended just now
            why = (f"{int(idle.total_seconds() // 60)} minutos sin uso" if looked.ended == "idle"
                   else f"duración máxima de {int(lifetime.total_seconds() // 3600)} horas")
            await audit.record(conn, tenant_id=tenant_id, kind="session_expired", actor=looked.email,
                               address=address(request), detail=f"Sesión vencida: {why}.", at=now)
    if looked.session is None or row is None:
        request.session.clear()
        if looked.ended not in ("", "unknown", "logout"):
            request.session[ENDED_KEY] = looked.ended
        return None
    return tenant_id, looked.session.email, row


def take_notice(request: Request) -> str:
    """Why the browser's last session ended, in Spanish, once ('' when it did not end on its own or by others)."""
    ended = request.session.pop(ENDED_KEY, "")
    if ended == "idle":
        return "Su sesión expiró por inactividad; vuelva a ingresar."
    if ended == "lifetime":
        hours = state.settings(request).hq_session_max_hours
        return f"Su sesión llegó a su duración máxima ({hours} horas); vuelva a ingresar."
    if ended:
        return "Su sesión fue cerrada; vuelva a ingresar."
    return ""


async def end(request: Request) -> None:
    """Logout: the cookie's session ends server-side (a copy of the cookie opens nothing) and the cookie empties."""
    found = _cookie(request)
    request.session.clear()
    if found is None:
        return
    tenant_id, token = found
    now = state.clock(request)()
    async with db.tenant_tx(request.app.state.pool, tenant_id) as conn:
        looked = await stored.touch(conn, tenant_id, token, now=now, idle=timedelta.max, lifetime=timedelta.max)
        if looked.session is not None and await stored.revoke_token(conn, tenant_id, token, at=now, reason="logout"):
            await audit.record(conn, tenant_id=tenant_id, kind="logout", actor=looked.session.email,
                               address=address(request), detail="Cerró su sesión.", at=now)
