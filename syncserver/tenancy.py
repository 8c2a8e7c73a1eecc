"""Who belongs to a tenant: creating tenants and stores, enrolling terminals with one-time codes, revoking them.

Enrolment: HQ issues a one-time code (only its SHA-256 is stored, valid for ``ttl``); the terminal sends it with its
new Ed25519 public key and gets its identity back (epoch 1). A terminal's later epochs: ``syncserver.ingest.epoch``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from shared import clock as clock_mod
from shared import sync
from syncserver.store import db, tenants, terminals


class TenancyError(sync.SyncError):
    """An HQ or enrollment operation that cannot be done; ``code`` says which (``enrollment``, ``not_found``)."""


@dataclass(frozen=True, slots=True)
class Enrolled:
    terminal_id: str
    tenant_id: int
    store_id: str
    epoch: int


RESERVED_TERMINAL = "hq"
"""The ``terminal_id`` the server keeps for its own folio leases (``syncserver.dte.folios.SERVER_TERMINAL``)."""


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def create_tenant(pool: db.Pool, tenant_id: int, name: str, rut: str = "") -> None:
    async with db.tenant_tx(pool, tenant_id) as conn:
        await tenants.add(conn, tenant_id, name, rut)


async def create_store(pool: db.Pool, tenant_id: int, store_id: str, name: str) -> None:
    """A store and its default warehouse (named after the store)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await tenants.add_store(conn, tenant_id, store_id, name)


async def issue_enrollment_code(pool: db.Pool, tenant_id: int, store_id: str, terminal_name: str,
                                ttl: timedelta = timedelta(hours=24), *,
                                clock: clock_mod.Clock = clock_mod.utc_clock) -> str:
    """A one-time code such as ``K7Q2-9XMD-P4TA`` for a new terminal of ``store_id`` (shown once in HQ), valid
    for ``ttl`` from ``clock()``.

    Raises:
        TenancyError: ``enrollment`` when the tenant has no such store.
    """
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
    async with db.tenant_tx(pool, tenant_id) as conn:
        if not await tenants.store_exists(conn, tenant_id, store_id):
            raise TenancyError("enrollment", f"la tienda {store_id} no existe")
        await terminals.add_code(conn, _code_hash(code), tenant_id, store_id, terminal_name, clock() + ttl)
    return code


async def enroll(pool: db.Pool, code: str, public_key: str, terminal_id: str, *,
                 clock: clock_mod.Clock = clock_mod.utc_clock) -> Enrolled:
    """Register a terminal's public key with a one-time code.

    Raises:
        TenancyError: ``enrollment`` for an unknown, used or expired code (at ``clock()``), a key or id already
            registered, or the id the server keeps for its own folio leases (``"hq"``).
    """
    if terminal_id.strip().lower() == RESERVED_TERMINAL:
        raise TenancyError("enrollment", "el identificador de caja 'hq' está reservado para el servidor")
    code_hash = _code_hash(code)
    async with db.auth_tx(pool) as conn:
        issued = await terminals.code_for_update(conn, code_hash)
        if issued is None:
            raise TenancyError("enrollment", "código de enrolamiento desconocido")
        if issued.used_at is not None:
            raise TenancyError("enrollment", "este código ya fue usado")
        if issued.expires_at < clock():
            raise TenancyError("enrollment", "este código expiró: pida uno nuevo en HQ")
        if await terminals.key_taken(conn, terminal_id, public_key):
            raise TenancyError("enrollment", "terminal o clave ya registrados")
        key = terminals.TerminalKey(terminal_id, int(issued.tenant_id), issued.store_id, public_key, "active")
        await terminals.register(conn, code_hash, key, issued.terminal_name)
    return Enrolled(terminal_id, key.tenant_id, key.store_id, 1)


async def revoke(pool: db.Pool, tenant_id: int, terminal_id: str) -> None:
    """After this, the terminal's batches are refused (``revoked``). Raises: TenancyError for another tenant's."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        if not await terminals.revoke(conn, tenant_id, terminal_id):
            raise TenancyError("not_found", "terminal no encontrado")
