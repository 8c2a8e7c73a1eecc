"""HQ sessions kept by the server (``hq_sessions``): started at login, ended by logout, the owner, a deactivation
or a password reset, by ``idle`` time without a request or by their absolute ``lifetime``. Only the SHA-256 of a
session's token is stored; the token itself lives in the browser's signed cookie."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg.rows import class_row

from syncserver.store import db

TOUCH_EVERY = timedelta(seconds=30)
"""``last_seen_at`` is written at most this often (a page with many requests writes once)."""

REASONS = {"logout": "Salida", "idle": "Inactividad", "lifetime": "Duración máxima", "owner": "Cerrada por el dueño",
           "deactivated": "Cuenta desactivada", "reset": "Contraseña restablecida", "login": "Nuevo ingreso"}
"""Why a session ended (``revoked_reason``) -> Spanish label."""


@dataclass(frozen=True, slots=True)
class Session:
    """An HQ session as the owner sees it (``session_id`` is a public number; the token never leaves the cookie)."""

    session_id: int
    email: str
    created_at: datetime
    last_seen_at: datetime
    address: str
    user_agent: str
    revoked_at: datetime | None
    revoked_reason: str | None


@dataclass(frozen=True, slots=True)
class Found:
    """What a token is: ``session`` when alive, else ``None`` with ``ended`` saying why (``unknown``, ``idle``,
    ``lifetime`` or the reason it was revoked) and ``email`` whose session it was ('' when unknown)."""

    session: Session | None
    ended: str = ""
    email: str = ""


def new_token() -> str:
    """A fresh session token: 32 random bytes as URL-safe text."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_COLUMNS = "session_id, email, created_at, last_seen_at, address, user_agent, revoked_at, revoked_reason"


async def start(conn: db.Conn, tenant_id: int, email: str, token: str, *, at: datetime, address: str = "",
                user_agent: str = "") -> int:
    """Store a new session of ``email`` for ``token``; returns its ``session_id``."""
    cur = await conn.execute("INSERT INTO hq_sessions (tenant_id, token_hash, email, created_at, last_seen_at,"
                             " address, user_agent) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING session_id",
                             (tenant_id, token_hash(token), email, at, at, address[:100], user_agent[:300]))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def touch(conn: db.Conn, tenant_id: int, token: str, *, now: datetime, idle: timedelta,
                lifetime: timedelta) -> Found:
    """The live session of ``token`` (its ``last_seen_at`` moved to ``now``), or why there is none: a session
    idle for more than ``idle`` or older than ``lifetime`` is ended here (reason ``idle`` or ``lifetime``)."""
    cur = conn.cursor(row_factory=class_row(Session))
    await cur.execute(f"SELECT {_COLUMNS} FROM hq_sessions WHERE tenant_id = %s AND token_hash = %s",
                      (tenant_id, token_hash(token)))
    found = await cur.fetchone()
    if found is None:
        return Found(None, "unknown")
    if found.revoked_at is not None:
        return Found(None, found.revoked_reason or "revoked", found.email)
    ended = "lifetime" if now - found.created_at > lifetime else "idle" if now - found.last_seen_at > idle else ""
    if ended:
        await _revoke(conn, tenant_id, "session_id = %s", found.session_id, at=now, reason=ended, by="")
        return Found(None, ended, found.email)
    if now - found.last_seen_at >= TOUCH_EVERY:
        await conn.execute("UPDATE hq_sessions SET last_seen_at = %s WHERE tenant_id = %s AND session_id = %s",
                           (now, tenant_id, found.session_id))
    return Found(found)


async def _revoke(conn: db.Conn, tenant_id: int, condition: str, value: object, *, at: datetime, reason: str,
                  by: str) -> list[str]:
    cur = await conn.execute("UPDATE hq_sessions SET revoked_at = %s, revoked_reason = %s, revoked_by = %s"
                             f" WHERE tenant_id = %s AND revoked_at IS NULL AND {condition} RETURNING email",
                             (at, reason, by, tenant_id, value))
    return [str(r[0]) for r in await cur.fetchall()]


async def revoke_token(conn: db.Conn, tenant_id: int, token: str, *, at: datetime, reason: str, by: str = "") -> bool:
    """End the session of ``token`` (logout, or a new login in the same browser); False when it was not alive."""
    return bool(await _revoke(conn, tenant_id, "token_hash = %s", token_hash(token), at=at, reason=reason, by=by))


async def revoke_id(conn: db.Conn, tenant_id: int, session_id: int, *, at: datetime, reason: str,
                    by: str = "") -> str | None:
    """End session ``session_id`` of the tenant; returns its account's e-mail, ``None`` when it was not alive."""
    emails = await _revoke(conn, tenant_id, "session_id = %s", session_id, at=at, reason=reason, by=by)
    return emails[0] if emails else None


async def revoke_all(conn: db.Conn, tenant_id: int, email: str, *, at: datetime, reason: str, by: str = "") -> int:
    """End every open session of ``email`` (deactivation, password reset, the owner); returns how many."""
    return len(await _revoke(conn, tenant_id, "email = %s", email, at=at, reason=reason, by=by))


async def open_sessions(conn: db.Conn, tenant_id: int, *, now: datetime, idle: timedelta, lifetime: timedelta,
                        email: str | None = None) -> list[Session]:
    """The tenant's sessions alive at ``now`` (of ``email`` only, when given), most recently used first."""
    cur = conn.cursor(row_factory=class_row(Session))
    await cur.execute(f"SELECT {_COLUMNS} FROM hq_sessions WHERE tenant_id = %s AND revoked_at IS NULL"
                      " AND last_seen_at >= %s AND created_at >= %s AND (%s::text IS NULL OR email = %s)"
                      " ORDER BY last_seen_at DESC, session_id DESC",
                      (tenant_id, now - idle, now - lifetime, email, email))
    return await cur.fetchall()
