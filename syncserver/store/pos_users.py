"""The POS users repository: ``users``, the tills' cashiers, supervisors and administrators as HQ keeps them (name,
role, PIN hash, the stores they work in, version, who created and who deactivated them). Only SQL, inside the
caller's transaction; the rules are in ``syncserver.pos_users``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from syncserver.store import db


@dataclass(frozen=True, slots=True)
class PosUserRow:
    """One stored POS user (``pin_hash``: argon2id PHC string; ``stores``: store ids)."""

    user_id: str
    name: str
    role: str
    pin_hash: str
    active: bool
    stores: list[str]
    version: int
    created_by: str
    created_at: datetime | None
    updated_at: datetime | None
    deactivated_at: datetime | None
    deactivated_by: str | None
    deactivated_reason: str | None


_COLUMNS = ("user_id, name, role, pin_hash, active, stores, version, created_by, created_at, updated_at,"
            " deactivated_at, deactivated_by, deactivated_reason")


async def lock(conn: db.Conn, tenant_id: int) -> None:
    """One writer of the tenant's POS users at a time (transaction-scoped advisory lock): two users created at once
    with the same PIN cannot both pass the uniqueness check."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"pos_users:{tenant_id}",))


async def list_all(conn: db.Conn, tenant_id: int) -> list[PosUserRow]:
    """Every POS user of the tenant, active first, by name."""
    async with conn.cursor(row_factory=class_row(PosUserRow)) as cur:
        await cur.execute(f"SELECT {_COLUMNS} FROM users WHERE tenant_id = %s ORDER BY NOT active, name, user_id",
                          (tenant_id,))
        return await cur.fetchall()


async def get(conn: db.Conn, tenant_id: int, user_id: str, *, for_update: bool = False) -> PosUserRow | None:
    """The user ``user_id`` (its row locked until the transaction ends with ``for_update``), or None."""
    async with conn.cursor(row_factory=class_row(PosUserRow)) as cur:
        await cur.execute(f"SELECT {_COLUMNS} FROM users WHERE tenant_id = %s AND user_id = %s"
                          + (" FOR UPDATE" if for_update else ""), (tenant_id, user_id))
        return await cur.fetchone()


async def all_in_stores(conn: db.Conn, tenant_id: int, stores: Sequence[str]) -> list[PosUserRow]:
    """The users, active or not, that work in any of ``stores`` (whose PINs a new PIN there must not repeat), and
    those with no store: users enrolled at a till (the demo's), whose store the master does not know."""
    async with conn.cursor(row_factory=class_row(PosUserRow)) as cur:
        await cur.execute(f"SELECT {_COLUMNS} FROM users WHERE tenant_id = %s AND (stores && %s OR stores = '{{}}')",
                          (tenant_id, list(stores)))
        return await cur.fetchall()


async def insert(conn: db.Conn, tenant_id: int, user_id: str, name: str, role: str, pin_hash: str,
                 stores: Sequence[str], *, by: str, at: datetime) -> None:
    """A new active user, version 1. Raises ``psycopg.errors.UniqueViolation`` for a ``user_id`` in use."""
    await conn.execute(
        "INSERT INTO users (tenant_id, user_id, name, role, pin_hash, active, stores, version, created_by,"
        " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, true, %s, 1, %s, %s, %s)",
        (tenant_id, user_id, name, role, pin_hash, list(stores), by, at, at))


async def update(conn: db.Conn, tenant_id: int, user_id: str, *, name: str, role: str, stores: Sequence[str],
                 pin_hash: str, at: datetime) -> None:
    """New name, role, stores and PIN hash for ``user_id``; its version goes up by one."""
    await conn.execute(
        "UPDATE users SET name = %s, role = %s, stores = %s, pin_hash = %s, version = version + 1, updated_at = %s"
        " WHERE tenant_id = %s AND user_id = %s", (name, role, list(stores), pin_hash, at, tenant_id, user_id))


async def set_active(conn: db.Conn, tenant_id: int, user_id: str, active: bool, *, by: str, reason: str,
                     at: datetime) -> None:
    """Deactivate (keeping who, when and why) or bring back ``user_id``; its version goes up by one. Bringing a
    user back keeps the last deactivation's who, when and why for the record."""
    if active:
        await conn.execute("UPDATE users SET active = true, version = version + 1, updated_at = %s"
                           " WHERE tenant_id = %s AND user_id = %s", (at, tenant_id, user_id))
    else:
        await conn.execute(
            "UPDATE users SET active = false, deactivated_at = %s, deactivated_by = %s, deactivated_reason = %s,"
            " version = version + 1, updated_at = %s WHERE tenant_id = %s AND user_id = %s",
            (at, by, reason, at, tenant_id, user_id))


async def store_names(conn: db.Conn, tenant_id: int) -> dict[str, str]:
    """Store id → name of the tenant's stores, by name."""
    cur = await conn.execute("SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name, store_id",
                             (tenant_id,))
    return {str(sid): str(name) for sid, name in await cur.fetchall()}
