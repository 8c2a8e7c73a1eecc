"""Terminals of a tenant: their signing keys, one-time enrolment codes, revocation, epochs and sync status.

Before a tenant is known (an ``auth_tx``), a key or a code is found only through the lookup functions of migration
0017 (one row each); everything else, ``auth_*`` rows included, is read and written in the tenant's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from syncserver.store import db


@dataclass(frozen=True, slots=True)
class TerminalKey:
    """A terminal's registered Ed25519 public key and its status (``active`` or ``revoked``)."""

    terminal_id: str
    tenant_id: int
    store_id: str
    public_key: str
    status: str


@dataclass(frozen=True, slots=True)
class EnrolmentCode:
    """What a one-time code (stored as its SHA-256) was issued for."""

    tenant_id: int
    store_id: str
    terminal_name: str
    expires_at: datetime
    used_at: datetime | None


async def key(conn: db.Conn, terminal_id: str) -> TerminalKey | None:
    """The terminal's key row (function ``auth_terminal_key``: no tenant needed); None for an unknown id."""
    cur = conn.cursor(row_factory=class_row(TerminalKey))
    await cur.execute("SELECT terminal_id, tenant_id, store_id, public_key, status FROM auth_terminal_key(%s)",
                      (terminal_id,))
    return await cur.fetchone()


async def add_code(conn: db.Conn, code_hash: str, tenant_id: int, store_id: str, terminal_name: str,
                   expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO auth_enrollment_codes (code_hash, tenant_id, store_id, terminal_name, expires_at)"
        " VALUES (%s, %s, %s, %s, %s)", (code_hash, tenant_id, store_id, terminal_name, expires_at))


async def code_for_update(conn: db.Conn, code_hash: str) -> EnrolmentCode | None:
    """The code's row, locked until the end of the transaction (two terminals cannot use one code), found with
    no tenant set (function ``auth_enrolment_code``); the transaction then belongs to the code's tenant."""
    cur = conn.cursor(row_factory=class_row(EnrolmentCode))
    await cur.execute("SELECT tenant_id, store_id, terminal_name, expires_at, used_at FROM auth_enrolment_code(%s)",
                      (code_hash,))
    found = await cur.fetchone()
    if found is not None:
        await db.set_tenant(conn, found.tenant_id)
    return found


async def key_taken(conn: db.Conn, terminal_id: str, public_key: str) -> bool:
    """Whether any tenant registered ``terminal_id`` or ``public_key`` (yes or no: function
    ``auth_terminal_key_taken``)."""
    row = await (await conn.execute("SELECT auth_terminal_key_taken(%s, %s)", (terminal_id, public_key))).fetchone()
    return bool(row and row[0])


async def register(conn: db.Conn, code_hash: str, key: TerminalKey, name: str) -> None:
    """Use the code, register the key and create the terminal (epoch 1), in the caller's ``auth_tx`` (switched to
    the key's tenant)."""
    await db.set_tenant(conn, key.tenant_id)
    await conn.execute("UPDATE auth_enrollment_codes SET used_at = now(), used_by_terminal = %s WHERE code_hash = %s",
                       (key.terminal_id, code_hash))
    await conn.execute("INSERT INTO auth_terminal_keys (terminal_id, tenant_id, store_id, public_key)"
                       " VALUES (%s, %s, %s, %s)", (key.terminal_id, key.tenant_id, key.store_id, key.public_key))
    await conn.execute("INSERT INTO terminals (tenant_id, terminal_id, store_id, name) VALUES (%s, %s, %s, %s)",
                       (key.tenant_id, key.terminal_id, key.store_id, name))


async def revoke(conn: db.Conn, tenant_id: int, terminal_id: str) -> bool:
    """Mark the terminal and its key revoked; False when the tenant has no such terminal."""
    result = await conn.execute("UPDATE terminals SET status = 'revoked', revoked_at = now()"
                                " WHERE tenant_id = %s AND terminal_id = %s", (tenant_id, terminal_id))
    if result.rowcount != 1:
        return False
    await conn.execute("UPDATE auth_terminal_keys SET status = 'revoked' WHERE terminal_id = %s AND tenant_id = %s",
                       (terminal_id, tenant_id))
    return True


async def lock(conn: db.Conn, tenant_id: int, terminal_id: str) -> int | None:
    """Lock the terminal's row until the end of the transaction (pushes of one terminal run one at a time) and
    return its current epoch; None when the tenant has no such terminal."""
    cur = await conn.execute("SELECT current_epoch FROM terminals WHERE tenant_id = %s AND terminal_id = %s"
                             " FOR UPDATE", (tenant_id, terminal_id))
    row = await cur.fetchone()
    return None if row is None else int(row[0])


@dataclass(frozen=True, slots=True)
class NewEpoch:
    epoch: int
    store_id: str


async def next_epoch(conn: db.Conn, tenant_id: int, terminal_id: str) -> NewEpoch | None:
    """Advance the terminal's epoch by one; None when the tenant has no such terminal."""
    cur = conn.cursor(row_factory=class_row(NewEpoch))
    await cur.execute("UPDATE terminals SET current_epoch = current_epoch + 1 WHERE tenant_id = %s AND terminal_id = %s"
                      " RETURNING current_epoch AS epoch, store_id", (tenant_id, terminal_id))
    return await cur.fetchone()


async def record_sync(conn: db.Conn, tenant_id: int, terminal_id: str, *, at: datetime, last_seq: int,
                      clock_skew_ms: int, pending: int) -> None:
    """What HQ shows of a terminal's last push: when, up to which seq, its clock skew, what it still holds."""
    await conn.execute(
        "UPDATE terminals SET last_sync_at = %s, last_seen_seq = %s, clock_skew_ms = %s, pending_reported = %s"
        " WHERE tenant_id = %s AND terminal_id = %s", (at, last_seq, clock_skew_ms, pending, tenant_id, terminal_id))
