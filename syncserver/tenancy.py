"""Tenants, stores, terminals and their enrollment; HQ's catalog with its change feed for terminals to pull.

Enrollment: HQ issues a one-time code (only its SHA-256 is stored, valid for ``ttl``); the terminal sends it
with its new Ed25519 public key and gets its identity back. The change feed never skips a row committed out of
order: each tenant's ``change_counters`` row is locked by the transaction that appends, so change ids commit in
id order per tenant.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared import sync
from syncserver.store import db


class TenancyError(sync.SyncError):
    """An HQ or enrollment operation that cannot be done; ``code`` says which (``enrollment``, ``conflict``...)."""


@dataclass(frozen=True, slots=True)
class Enrolled:
    terminal_id: str
    tenant_id: int
    store_id: str
    epoch: int


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def create_tenant(pool: AsyncConnectionPool, tenant_id: int, name: str, rut: str = "") -> None:
    async with db.tenant_tx(pool, tenant_id) as conn:
        await conn.execute("INSERT INTO tenants (tenant_id, name, rut) VALUES (%s, %s, %s)", (tenant_id, name, rut))


async def create_store(pool: AsyncConnectionPool, tenant_id: int, store_id: str, name: str) -> None:
    """A store and its default warehouse (named after the store)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await conn.execute("INSERT INTO stores (tenant_id, store_id, name) VALUES (%s, %s, %s)",
                           (tenant_id, store_id, name))
        await conn.execute("INSERT INTO warehouses (tenant_id, warehouse_id, store_id, name) VALUES (%s, %s, %s, %s)",
                           (tenant_id, store_id, store_id, f"Bodega {name}"))


async def issue_enrollment_code(pool: AsyncConnectionPool, tenant_id: int, store_id: str, terminal_name: str,
                                ttl: timedelta = timedelta(hours=24)) -> str:
    """A one-time code such as ``K7Q2-9XMD-P4TA`` for a new terminal of ``store_id`` (shown once in HQ)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await (await conn.execute("SELECT 1 FROM stores WHERE tenant_id = %s AND store_id = %s",
                                        (tenant_id, store_id))).fetchone()
        if row is None:
            raise TenancyError("enrollment", f"la tienda {store_id} no existe")
        await conn.execute(
            "INSERT INTO auth_enrollment_codes (code_hash, tenant_id, store_id, terminal_name, expires_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (_code_hash(code), tenant_id, store_id, terminal_name, datetime.now(UTC) + ttl))
    return code


async def enroll(pool: AsyncConnectionPool, code: str, public_key: str, terminal_id: str) -> Enrolled:
    """Register a terminal's public key with a one-time code.

    Raises:
        TenancyError: ``enrollment`` for an unknown, used or expired code, a key or id already registered, or the
            id the server keeps for its own folio leases (``"hq"``).
    """
    if terminal_id.strip().lower() == "hq":
        raise TenancyError("enrollment", "el identificador de caja 'hq' está reservado para el servidor")
    async with db.auth_tx(pool) as conn:
        row = await (await conn.execute(
            "SELECT tenant_id, store_id, terminal_name, expires_at, used_at FROM auth_enrollment_codes"
            " WHERE code_hash = %s FOR UPDATE", (_code_hash(code),))).fetchone()
        if row is None:
            raise TenancyError("enrollment", "código de enrolamiento desconocido")
        tenant_id, store_id, name, expires_at, used_at = row
        if used_at is not None:
            raise TenancyError("enrollment", "este código ya fue usado")
        if expires_at < datetime.now(UTC):
            raise TenancyError("enrollment", "este código expiró: pida uno nuevo en HQ")
        taken = await (await conn.execute(
            "SELECT 1 FROM auth_terminal_keys WHERE terminal_id = %s OR public_key = %s",
            (terminal_id, public_key))).fetchone()
        if taken:
            raise TenancyError("enrollment", "terminal o clave ya registrados")
        await conn.execute("UPDATE auth_enrollment_codes SET used_at = now(), used_by_terminal = %s"
                           " WHERE code_hash = %s", (terminal_id, _code_hash(code)))
        await conn.execute("INSERT INTO auth_terminal_keys (terminal_id, tenant_id, store_id, public_key)"
                           " VALUES (%s, %s, %s, %s)", (terminal_id, tenant_id, store_id, public_key))
        await conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
        await conn.execute("INSERT INTO terminals (tenant_id, terminal_id, store_id, name) VALUES (%s, %s, %s, %s)",
                           (tenant_id, terminal_id, store_id, name))
    return Enrolled(terminal_id, int(tenant_id), store_id, 1)


async def revoke(pool: AsyncConnectionPool, tenant_id: int, terminal_id: str) -> None:
    """After this, the terminal's batches are refused (``revoked``). Raises: TenancyError for another tenant's."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        result = await conn.execute("UPDATE terminals SET status = 'revoked', revoked_at = now()"
                                    " WHERE tenant_id = %s AND terminal_id = %s", (tenant_id, terminal_id))
        if result.rowcount != 1:
            raise TenancyError("not_found", "terminal no encontrado")
        await conn.execute("UPDATE auth_terminal_keys SET status = 'revoked' WHERE terminal_id = %s AND tenant_id = %s",
                           (terminal_id, tenant_id))


async def new_epoch(pool: AsyncConnectionPool, tenant_id: int, terminal_id: str, *, folio_lease_size: int = 100,
                    folio_low_water: int = 20) -> int:
    """Give a restored or cloned journal its own epoch (the old epochs' events stay as they were).

    The terminal's open folio leases are retired (the lost part of its journal may have used some of them) and
    fresh ones leased for the new epoch, in the same transaction.
    """
    from syncserver.dte import folios

    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await (await conn.execute(
            "UPDATE terminals SET current_epoch = current_epoch + 1 WHERE tenant_id = %s AND terminal_id = %s"
            " RETURNING current_epoch, store_id", (tenant_id, terminal_id))).fetchone()
        assert row is not None
        epoch = int(row[0])
        await folios.retire_leases(conn, tenant_id, terminal_id, epoch)
        await folios.refill(conn, tenant_id, terminal_id, str(row[1]), epoch, lease_size=folio_lease_size,
                            low_water=folio_low_water)
    return epoch


async def append_change(conn: AsyncConnection, tenant_id: int, kind: str, key: str, data: dict[str, Any],
                        store_id: str | None = None) -> int:
    """Add a row to the tenant's change feed inside the caller's transaction; returns its change id."""
    row = await (await conn.execute(
        "INSERT INTO change_counters (tenant_id, last_change_id) VALUES (%s, 1) ON CONFLICT (tenant_id)"
        " DO UPDATE SET last_change_id = change_counters.last_change_id + 1 RETURNING last_change_id",
        (tenant_id,))).fetchone()
    assert row is not None
    change_id = int(row[0])
    await conn.execute("INSERT INTO changes (tenant_id, change_id, kind, key, store_id, data)"
                       " VALUES (%s, %s, %s, %s, %s, %s)",
                       (tenant_id, change_id, kind, key, store_id, json.dumps(data, ensure_ascii=False)))
    return change_id


PRODUCT_FIELDS = ("sku", "name", "price", "category", "sold_by", "plu", "brand", "barcodes", "iva_exempt",
                  "favourite", "active")


async def upsert_product(pool: AsyncConnectionPool, tenant_id: int, product: dict[str, Any],
                         expected_version: int | None = None) -> int:
    """Create or edit a product in HQ's catalog and publish it to the terminals; returns its new version.

    Raises:
        TenancyError: ``conflict`` when ``expected_version`` is not the stored version (someone else edited it).
    """
    values = [product[f] for f in PRODUCT_FIELDS]
    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await (await conn.execute("SELECT version FROM products WHERE tenant_id = %s AND sku = %s FOR UPDATE",
                                        (tenant_id, product["sku"]))).fetchone()
        if row is not None and expected_version is not None and row[0] != expected_version:
            raise TenancyError("conflict", f"otra persona modificó {product['sku']} (versión {row[0]})")
        version = 1 if row is None else int(row[0]) + 1
        await conn.execute(
            f"INSERT INTO products (tenant_id, {', '.join(PRODUCT_FIELDS)}, version)"
            f" VALUES (%s, {', '.join(['%s'] * len(PRODUCT_FIELDS))}, %s) ON CONFLICT (tenant_id, sku) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in PRODUCT_FIELDS[1:]) + ", version = excluded.version",
            (tenant_id, *values, version))
        await append_change(conn, tenant_id, "product", product["sku"], {**product, "version": version})
    return version


async def pull(pool: AsyncConnectionPool, tenant_id: int, store_id: str, cursor: int, limit: int = 500
               ) -> tuple[list[dict[str, Any]], int]:
    """Changes after ``cursor`` for a store (tenant-wide ones and the store's own), and the new cursor."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        rows = await (await conn.execute(
            "SELECT change_id, kind, key, data FROM changes WHERE tenant_id = %s AND change_id > %s"
            " AND (store_id IS NULL OR store_id = %s) ORDER BY change_id LIMIT %s",
            (tenant_id, cursor, store_id, limit))).fetchall()
    changes = [{"id": r[0], "kind": r[1], "key": r[2], "data": r[3]} for r in rows]
    return changes, int(rows[-1][0]) if rows else cursor
