"""HQ logins: argon2id password hashes in ``auth_hq_logins``, lock-out after repeated failures, login and logout."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from shared import clock as clock_mod
from shared.errors import PosError
from syncserver import accounts, state
from syncserver.hq import csrf, web
from syncserver.store import db, hq_accounts

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
MIN_PASSWORD = 8
DEFAULT_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) costs


class LoginError(PosError):
    """An HQ login cannot be created (bad e-mail or password, e-mail already in use)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of a login attempt: ``tenant_id`` on success, else ``locked_until`` when locked out, or
    ``deactivated`` when the password was right but the owner deactivated the account."""

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
                       hasher: PasswordHasher = DEFAULT_HASHER, *, clock: clock_mod.Clock = clock_mod.utc_clock
                       ) -> Attempt:
    """Check a password; after 5 wrong ones in a row the login is locked for 5 minutes (not even checked).

    ``clock`` tells when a lock-out ends (the app's injected clock, :func:`syncserver.state.clock`).
    """
    email = normalise_email(email)
    async with db.auth_tx(pool) as conn:
        row = await hq_accounts.login_for_update(conn, email)
        now = clock()
        if row is None:
            await run_in_threadpool(_verify, hasher, _dummy_hash(), password)  # same time as a known e-mail
            return Attempt(None)
        if row.locked_until is not None and row.locked_until > now:
            return Attempt(None, row.locked_until)
        if not await run_in_threadpool(_verify, hasher, row.password_hash, password):
            failures = row.failures + 1
            locked = now + LOCKOUT if failures >= MAX_FAILURES else None
            await hq_accounts.record_attempt(conn, email, failures=0 if locked else failures, locked_until=locked)
            return Attempt(None, locked)
        new_hash = row.password_hash
        if hasher.check_needs_rehash(row.password_hash):
            new_hash = await run_in_threadpool(hasher.hash, password)
        await hq_accounts.record_attempt(conn, email, failures=0, locked_until=None, password_hash=new_hash)
        await db.set_tenant(conn, row.tenant_id)
        if await hq_accounts.session_row(conn, row.tenant_id, email) is None:
            return Attempt(None, deactivated=True)
    return Attempt(int(row.tenant_id))


async def check_password(request: Request, email: str, password: str) -> Attempt:
    """:func:`authenticate` with the app's pool and clock, and its hasher: ``app.state.hq_hasher`` when set (tests
    set a fast one), else :data:`DEFAULT_HASHER`."""
    hasher = getattr(request.app.state, "hq_hasher", DEFAULT_HASHER)
    return await authenticate(request.app.state.pool, email, password, hasher, clock=state.clock(request))


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return bool(hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return DEFAULT_HASHER.hash("almacen-no-such-login")


def _safe_next(target: str | None) -> str:
    """Only a path inside HQ may follow the login (no open redirect to another site)."""
    if target and target.startswith(web.BASE + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return web.BASE + "/"


async def login(request: Request) -> Response:
    """``GET /hq/login`` shows the form; ``POST`` checks the password and starts the session."""
    following = request.query_params.get("siguiente", "")
    if request.method != "POST":
        if await web.current_user(request) is not None:
            return web.redirect("/")
        if await accounts.server_is_empty(request.app.state.pool):
            return web.redirect("/primer-uso")
        notice = "Cerró la sesión. Hasta pronto." if request.query_params.get("salida") else ""
        return web.render(request, "login.html", email="", error="", notice=notice, siguiente=following)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    following = str(form.get("siguiente", ""))
    attempt = await check_password(request, email, password)
    if attempt.tenant_id is None:
        if attempt.deactivated:
            error = "Su cuenta está desactivada. Si necesita entrar, pídale al dueño de la empresa que la reactive."
        elif attempt.locked_until is not None:
            wait = max(1, round((attempt.locked_until - state.clock(request)()).total_seconds() / 60))
            error = (f"Demasiados intentos fallidos. Por seguridad, la cuenta quedó bloqueada; "
                     f"intente de nuevo en {wait} minuto{'s' if wait != 1 else ''}.")
        else:
            error = "Correo o contraseña incorrectos."
        return web.render(request, "login.html", status=401, email=email, error=error, notice="",
                          siguiente=following)
    start_session(request, email, attempt.tenant_id)
    return RedirectResponse(_safe_next(following), status_code=303)


def start_session(request: Request, email: str, tenant_id: int) -> None:
    """Sign ``email`` of ``tenant_id`` in: a new session (new CSRF token, nothing of the anonymous one)."""
    request.session.clear()
    request.session.update(email=normalise_email(email), tenant_id=tenant_id)
    csrf.token(request.session)


async def logout(request: Request) -> Response:
    """``POST /hq/salir`` (with the CSRF token) ends the session."""
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, await web.current_user(request))
    request.session.clear()
    return web.redirect("/login?salida=1")
