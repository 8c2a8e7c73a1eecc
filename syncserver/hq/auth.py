"""HQ logins: argon2id password hashes in ``auth_hq_logins``, rate limits on failures, login and logout."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shared import clock as clock_mod
from shared.errors import PosError
from syncserver import accounts, state
from syncserver.hq import sessions, trail, web
from syncserver.store import audit, db, hq_accounts, throttle

log = logging.getLogger("syncserver.hq.auth")

MIN_PASSWORD = 8
DEFAULT_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) costs


class LoginError(PosError):
    """An HQ login cannot be created (bad e-mail or password, e-mail already in use)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of a login attempt: ``tenant_id`` on success, else ``locked_until`` when locked out (by this
    failure or before), or ``deactivated`` when the password was right but the owner deactivated the account."""

    tenant_id: int | None
    locked_until: datetime | None = None
    deactivated: bool = False




def normalise_email(email: str) -> str:
    """E-mails are compared trimmed and in lower case."""
    return email.strip().lower()


async def create_login(pool: AsyncConnectionPool, tenant_id: int, email: str, name: str, password: str,
                       hasher: PasswordHasher = DEFAULT_HASHER, role: str = "owner") -> None:
    """Add an HQ user of ``tenant_id`` (``hq_users``) and its login (``auth_hq_logins``, argon2id hash).

    Raises:
        LoginError: an e-mail that is not one, a password shorter than 8 characters, an e-mail already in use.
    """
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise LoginError(f"correo inválido: {email!r}")
    if len(password) < MIN_PASSWORD:
        raise LoginError(f"la contraseña debe tener al menos {MIN_PASSWORD} caracteres")
    password_hash = await run_in_threadpool(hasher.hash, password)
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await hq_accounts.email_taken(conn, email):
            raise LoginError(f"el correo {email} ya tiene una cuenta")
        await conn.execute("INSERT INTO hq_users (tenant_id, email, name, role) VALUES (%s, %s, %s, %s)",
                           (tenant_id, email, name.strip(), role))
        await conn.execute("INSERT INTO auth_hq_logins (email, tenant_id, password_hash) VALUES (%s, %s, %s)",
                           (email, tenant_id, password_hash))


async def authenticate(pool: AsyncConnectionPool, email: str, password: str,
                       hasher: PasswordHasher = DEFAULT_HASHER, *, clock: clock_mod.Clock = clock_mod.utc_clock,
                       address: str = "") -> Attempt:
    """Check a password under the rate limits of :mod:`syncserver.store.throttle` (per e-mail, and per
    ``address`` when known): while either is locked the password is not even checked.

    Every failure and lock-out of a login goes to its tenant's audit trail; one for an e-mail no account has goes
    to the server log only, and is answered the same way, in the same time. ``clock`` (the app's injected clock)
    tells when a lock-out ends.
    """
    email = normalise_email(email)
    checks = [(throttle.HQ_ACCOUNT, email)] + ([(throttle.HQ_ADDRESS, address)] if address else [])
    async with db.auth_tx(pool) as conn:
        row = await hq_accounts.login_for_update(conn, email)
        now = clock()
        locked = await throttle.locked_until(conn, checks, now)
        if locked is not None:
            await _trail(conn, row, email, address, now, "login_locked",
                         f"Intento rechazado sin revisar la contraseña: ingreso bloqueado hasta las {_hhmm(locked)}.")
            return Attempt(None, locked)
        right = await run_in_threadpool(_verify, hasher, row.password_hash if row else _dummy_hash(), password)
        if row is None or not right:
            until: datetime | None = None
            for rule, key in checks:
                ends = await throttle.fail(conn, rule, key, now)
                if ends is not None and (until is None or ends > until):
                    until = ends
            await _trail(conn, row, email, address, now, "login_failed", "Contraseña incorrecta.")
            if until is not None:
                await _trail(conn, row, email, address, now, "login_locked",
                             f"Demasiados intentos fallidos: ingreso bloqueado hasta las {_hhmm(until)}.")
            return Attempt(None, until)
        await throttle.clear(conn, throttle.HQ_ACCOUNT, email)
        new_hash = row.password_hash
        if hasher.check_needs_rehash(row.password_hash):
            new_hash = await run_in_threadpool(hasher.hash, password)
        await hq_accounts.record_attempt(conn, email, failures=0, locked_until=None, password_hash=new_hash)
        await db.set_tenant(conn, row.tenant_id)
        if await hq_accounts.session_row(conn, row.tenant_id, email) is None:
            await audit.record(conn, tenant_id=row.tenant_id, kind="login_failed", actor=email, address=address,
                               detail="Contraseña correcta, pero la cuenta está desactivada.", at=now)
            return Attempt(None, deactivated=True)
    return Attempt(int(row.tenant_id))


async def _trail(conn: db.Conn, row: hq_accounts.Login | None, email: str, address: str, now: datetime, kind: str,
                 detail: str) -> None:
    """Audit a refused login in its tenant; one of an e-mail no account has goes to the server log."""
    if row is None:
        log.warning("hq login refused for an unknown e-mail", extra={"kind": kind, "email": email[:254],
                                                                    "address": address})
        return
    await db.set_tenant(conn, row.tenant_id)
    await audit.record(conn, tenant_id=row.tenant_id, kind=kind, actor=email, address=address, detail=detail, at=now)


def _minutes(until: datetime, now: datetime) -> str:
    wait = max(1, -(-max(1, int((until - now).total_seconds())) // 60))
    return f"{wait} minuto{'s' if wait != 1 else ''}"


async def invitation_locked(request: Request) -> str:
    """While the client's address is locked out of invitation codes (:data:`throttle.INVITE_ADDRESS`), the
    Spanish message to show (answer 429); '' otherwise."""
    now = state.clock(request)()
    async with db.auth_tx(request.app.state.pool) as conn:
        until = await throttle.locked_until(conn, [(throttle.INVITE_ADDRESS, trail.address(request))], now)
    return "" if until is None else _invitation_message(until, now)


async def invitation_refused(request: Request) -> str:
    """Count an invitation code that opens no account against the client's address (server log: no tenant);
    the Spanish lock-out message when this refusal starts one, '' otherwise."""
    now, address = state.clock(request)(), trail.address(request)
    async with db.auth_tx(request.app.state.pool) as conn:
        until = await throttle.fail(conn, throttle.INVITE_ADDRESS, address, now)
    log.warning("hq invitation code refused", extra={"address": address, "locked": until is not None})
    return "" if until is None else _invitation_message(until, now)


def _invitation_message(until: datetime, now: datetime) -> str:
    return ("Demasiados códigos de invitación incorrectos desde esta dirección. Por seguridad, intente de nuevo en"
            f" {_minutes(until, now)}.")


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(web.CHILE).strftime("%H:%M")


async def check_password(request: Request, email: str, password: str) -> Attempt:
    """:func:`authenticate` with the app's pool and clock, and its hasher: ``app.state.hq_hasher`` when set (tests
    set a fast one), else :data:`DEFAULT_HASHER`."""
    hasher = getattr(request.app.state, "hq_hasher", DEFAULT_HASHER)
    return await authenticate(request.app.state.pool, email, password, hasher, clock=state.clock(request),
                              address=trail.address(request))


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return bool(hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return DEFAULT_HASHER.hash("almacen-no-such-login")


def _safe_next(target: str | None) -> str:
    """Only a path inside HQ may follow the login (no open redirect to another site); else the dashboard."""
    if target and target.startswith(web.BASE + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return web.BASE + "/panel"


async def login(request: Request) -> Response:
    """``GET /hq/login`` shows the form; ``POST`` checks the password and starts the session (429 with
    ``Retry-After`` while the e-mail or the address is locked out)."""
    following = request.query_params.get("siguiente", "")
    if request.method != "POST":
        if await web.current_user(request) is not None:
            return web.redirect("/panel")
        if await accounts.server_is_empty(request.app.state.pool):
            return web.redirect("/primer-uso")
        notice = "Cerró la sesión. Hasta pronto." if request.query_params.get("salida") else ""
        ended = sessions.take_notice(request)
        return web.render(request, "login.html", email="", error=ended, notice=notice, siguiente=following)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request)
    email, password = str(form.get("email", ""))[:320], str(form.get("password", ""))[:1024]
    following = str(form.get("siguiente", ""))
    attempt = await check_password(request, email, password)
    if attempt.tenant_id is None:
        return _refused(request, attempt, email, following)
    await start_session(request, email, attempt.tenant_id)
    return RedirectResponse(_safe_next(following), status_code=303)


def _refused(request: Request, attempt: Attempt, email: str, following: str) -> HTMLResponse:
    if attempt.locked_until is not None:
        seconds = max(1, int((attempt.locked_until - state.clock(request)()).total_seconds()))
        wait = max(1, -(-seconds // 60))
        error = (f"Demasiados intentos fallidos. Por seguridad, el ingreso quedó bloqueado; intente de nuevo en"
                 f" {wait} minuto{'s' if wait != 1 else ''}.")
        response = web.render(request, "login.html", status=429, email=email, error=error, notice="",
                              siguiente=following)
        response.headers["Retry-After"] = str(seconds)
        return response
    if attempt.deactivated:
        error = "Su cuenta está desactivada. Si necesita entrar, pídale al dueño de la empresa que la reactive."
    else:
        error = "Correo o contraseña incorrectos."
    return web.render(request, "login.html", status=401, email=email, error=error, notice="", siguiente=following)


async def start_session(request: Request, email: str, tenant_id: int) -> None:
    """Sign ``email`` of ``tenant_id`` in: a new server-side session with a new token and a new CSRF token,
    nothing of the cookie before (:func:`syncserver.hq.sessions.start`)."""
    await sessions.start(request, normalise_email(email), tenant_id)


async def logout(request: Request) -> Response:
    """``POST /hq/salir`` (with the CSRF token) ends the session server-side: a copy of the cookie opens nothing."""
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, await web.current_user(request))
    await sessions.end(request)
    return web.redirect("/login?salida=1")
