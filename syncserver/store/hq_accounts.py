"""HQ accounts: ``hq_users`` (name, role, assigned stores, deactivation trail) and their ``auth_hq_logins`` row
(password hash, one-time invitation code). The lookups made before a tenant is known (by e-mail at login, by
invitation code, whether an e-mail is taken) go through the SQL functions of migration 0017 (one row or one fact
each); every other read or write of ``auth_hq_logins`` sees only the transaction's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from syncserver.store import db


@dataclass(frozen=True, slots=True)
class Account:
    """An HQ account as the owner sees it; ``pending`` while no password has been set (invited or reset)."""

    email: str
    name: str
    role: str
    stores: list[str]
    created_at: datetime
    created_by: str
    deactivated_at: datetime | None
    deactivated_by: str | None
    deactivated_reason: str | None
    pending: bool
    invite_expires_at: datetime | None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


@dataclass(frozen=True, slots=True)
class Login:
    """The one ``auth_hq_logins`` row of an e-mail: what a login attempt needs."""

    tenant_id: int
    password_hash: str
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True, slots=True)
class Invite:
    """The one login an invitation code opens, with the code's expiry."""

    email: str
    tenant_id: int
    invite_expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRow:
    """What each HQ page needs of the signed-in account and its tenant."""

    name: str
    role: str
    stores: list[str]
    tenant_name: str
    tenant_rut: str


_ACCOUNT = ("SELECT h.email, h.name, h.role, h.stores, h.created_at, h.created_by, h.deactivated_at,"
            " h.deactivated_by, h.deactivated_reason, a.password_hash = '' AS pending, a.invite_expires_at"
            " FROM hq_users h JOIN auth_hq_logins a ON a.email = h.email AND a.tenant_id = h.tenant_id"
            " WHERE h.tenant_id = %s")


async def list_all(conn: db.Conn, tenant_id: int) -> list[Account]:
    """Every account of the tenant, active first, by name."""
    cur = conn.cursor(row_factory=class_row(Account))
    await cur.execute(_ACCOUNT + " ORDER BY h.deactivated_at IS NOT NULL, h.name, h.email", (tenant_id,))
    return await cur.fetchall()


async def get(conn: db.Conn, tenant_id: int, email: str, *, for_update: bool = False) -> Account | None:
    cur = conn.cursor(row_factory=class_row(Account))
    await cur.execute(_ACCOUNT + " AND h.email = %s" + (" FOR UPDATE OF h" if for_update else ""),
                      (tenant_id, email))
    return await cur.fetchone()


async def email_taken(conn: db.Conn, email: str) -> bool:
    """Whether ``email`` logs in (has a password) in any tenant: an e-mail logs in to one business per server
    (function ``auth_hq_email_taken``: yes or no; the unique index ``auth_hq_logins_active_email`` enforces it)."""
    row = await (await conn.execute("SELECT auth_hq_email_taken(%s)", (email,))).fetchone()
    return bool(row and row[0])


async def in_tenant(conn: db.Conn, tenant_id: int, email: str) -> bool:
    """Whether the tenant already has an account with ``email`` (active, deactivated or pending)."""
    cur = await conn.execute("SELECT 1 FROM hq_users WHERE tenant_id = %s AND email = %s", (tenant_id, email))
    return await cur.fetchone() is not None


async def insert(conn: db.Conn, tenant_id: int, email: str, name: str, role: str, stores: Sequence[str], *,
                 password_hash: str, by: str, at: datetime, invite_hash: str | None = None,
                 invite_expires_at: datetime | None = None) -> None:
    """A new account and its login (``password_hash`` ``''`` until the invitee sets one)."""
    await conn.execute("INSERT INTO hq_users (tenant_id, email, name, role, stores, created_at, created_by)"
                       " VALUES (%s, %s, %s, %s, %s, %s, %s)", (tenant_id, email, name, role, list(stores), at, by))
    await conn.execute("INSERT INTO auth_hq_logins (email, tenant_id, password_hash, invite_hash, invite_expires_at)"
                       " VALUES (%s, %s, %s, %s, %s)", (email, tenant_id, password_hash, invite_hash,
                                                         invite_expires_at))


async def update(conn: db.Conn, tenant_id: int, email: str, name: str, role: str, stores: Sequence[str]) -> None:
    await conn.execute("UPDATE hq_users SET name = %s, role = %s, stores = %s WHERE tenant_id = %s AND email = %s",
                       (name, role, list(stores), tenant_id, email))


async def set_invite(conn: db.Conn, tenant_id: int, email: str, invite_hash: str, expires_at: datetime) -> None:
    """A new one-time code for the login; its password stops working until the code is used."""
    await conn.execute("UPDATE auth_hq_logins SET password_hash = '', invite_hash = %s, invite_expires_at = %s,"
                       " failures = 0, locked_until = NULL WHERE email = %s AND tenant_id = %s",
                       (invite_hash, expires_at, email, tenant_id))


async def set_deactivated(conn: db.Conn, tenant_id: int, email: str, *, at: datetime | None, by: str | None,
                          reason: str | None) -> None:
    """Deactivate (``at`` set) or bring back (all ``None``) an account; nothing is deleted."""
    await conn.execute("UPDATE hq_users SET deactivated_at = %s, deactivated_by = %s, deactivated_reason = %s"
                       " WHERE tenant_id = %s AND email = %s", (at, by, reason, tenant_id, email))


async def active_owners(conn: db.Conn, tenant_id: int) -> int:
    cur = await conn.execute("SELECT count(*) FROM hq_users WHERE tenant_id = %s AND role = 'owner'"
                             " AND deactivated_at IS NULL", (tenant_id,))
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def login_for_update(conn: db.Conn, email: str) -> Login | None:
    """The login of ``email`` with a password (locked; pending invitations have none), read before any tenant is
    set (function ``auth_hq_login``); the
    transaction then belongs to the login's tenant (:func:`record_attempt` writes there)."""
    cur = conn.cursor(row_factory=class_row(Login))
    await cur.execute("SELECT tenant_id, password_hash, failures, locked_until FROM auth_hq_login(%s)", (email,))
    found = await cur.fetchone()
    if found is not None:
        await db.set_tenant(conn, found.tenant_id)
    return found


async def record_attempt(conn: db.Conn, email: str, *, failures: int, locked_until: datetime | None,
                         password_hash: str | None = None) -> None:
    """Store a login attempt's outcome (and a rehashed password after a success)."""
    if password_hash is None:
        await conn.execute("UPDATE auth_hq_logins SET failures = %s, locked_until = %s WHERE email = %s",
                           (failures, locked_until, email))
    else:
        await conn.execute("UPDATE auth_hq_logins SET failures = %s, locked_until = %s, password_hash = %s"
                           " WHERE email = %s", (failures, locked_until, password_hash, email))


async def invite_for_update(conn: db.Conn, invite_hash: str) -> Invite | None:
    """The login an invitation code opens (locked), read before any tenant is set (function ``auth_hq_invite``);
    the transaction then belongs to the login's tenant (:func:`set_password` writes there)."""
    cur = conn.cursor(row_factory=class_row(Invite))
    await cur.execute("SELECT email, tenant_id, invite_expires_at FROM auth_hq_invite(%s)", (invite_hash,))
    found = await cur.fetchone()
    if found is not None:
        await db.set_tenant(conn, found.tenant_id)
    return found


async def set_password(conn: db.Conn, email: str, password_hash: str) -> None:
    """The invitee's password; the code is spent. Raises ``psycopg.errors.UniqueViolation``
    (``auth_hq_logins_active_email``) when the e-mail logs in to another tenant (check :func:`email_taken` first)."""
    await conn.execute("UPDATE auth_hq_logins SET password_hash = %s, invite_hash = NULL, invite_expires_at = NULL,"
                       " failures = 0, locked_until = NULL WHERE email = %s", (password_hash, email))


async def session_row(conn: db.Conn, tenant_id: int, email: str) -> SessionRow | None:
    """The signed-in account if it exists in ``tenant_id`` and is active; None otherwise."""
    cur = conn.cursor(row_factory=class_row(SessionRow))
    await cur.execute(
        "SELECT h.name, h.role, h.stores, t.name AS tenant_name, t.rut AS tenant_rut FROM auth_hq_logins a"
        " JOIN hq_users h ON h.tenant_id = a.tenant_id AND h.email = a.email"
        " JOIN tenants t ON t.tenant_id = a.tenant_id"
        " WHERE a.email = %s AND a.tenant_id = %s AND h.deactivated_at IS NULL AND a.password_hash <> ''",
        (email, tenant_id))
    return await cur.fetchone()
