"""Who belongs to a tenant: creating tenants, stores (with the SII's sucursal data, published on the change feed)
and their warehouses, enrolling terminals with one-time codes, revoking them.

Enrolment: HQ issues a one-time code (only its SHA-256 is stored, valid for ``ttl``); the terminal sends it with its
new Ed25519 public key and gets its identity back (epoch 1). A terminal's later epochs: ``syncserver.ingest.epoch``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from shared import clock as clock_mod
from shared import sync
from syncserver.store import change_feed, db, tenants, terminals
from syncserver.store import folios as folios_store


class TenancyError(sync.SyncError):
    """An HQ or enrollment operation that cannot be done; ``code`` says which (``enrollment``, ``not_found``)."""


@dataclass(frozen=True, slots=True)
class Enrolled:
    terminal_id: str
    tenant_id: int
    store_id: str
    epoch: int


CHILE: Final = ZoneInfo("America/Santiago")
RESERVED_TERMINAL = "hq"
"""The ``terminal_id`` the server keeps for its own folio leases (``syncserver.dte.folios.SERVER_TERMINAL``)."""


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def create_tenant(pool: db.Pool, tenant_id: int, name: str, rut: str = "") -> None:
    """A tenant (``admin tenant-add``; HQ's first run and ``tenant-create`` use ``accounts.create_business``).

    Raises: TenancyError ``rut`` when another tenant holds ``rut`` (one RUT is one tenant)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await tenants.lock_creation(conn)
        if rut.strip() and await tenants.rut_taken(conn, rut):
            raise TenancyError("rut", tenants.RUT_TAKEN.format(rut=rut.strip()))
        await tenants.add(conn, tenant_id, name, rut)


STORE_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,29}")
LIMITS: Final = {"name": 60, "address": 70, "comuna": 20, "ciudad": 20}
"""Lengths of a store's fields: the address, comuna and ciudad as the SII's DirOrigen, CmnaOrigen, CiudadOrigen."""
WAREHOUSE_KINDS: Final = {"sala": "Sala de ventas", "bodega": "Bodega"}


class StoreError(sync.SyncError):
    """A store or warehouse change that cannot be made; ``detail`` says why in Spanish. Codes: ``store_id``,
    ``name``, ``address``, ``comuna``, ``ciudad``, ``sucursal_sii``, ``kind``, ``reason``, ``taken``,
    ``missing``."""


@dataclass(frozen=True, slots=True)
class StoreData:
    """A store's editable data, checked (:func:`check_store`)."""

    name: str
    address: str = ""
    comuna: str = ""
    ciudad: str = ""
    sucursal_sii: int | None = None


def check_store(name: str, address: str = "", comuna: str = "", ciudad: str = "",
                sucursal_sii: str | int | None = None) -> StoreData:
    """Trimmed fields within the SII's lengths; ``sucursal_sii`` a number of up to 9 digits or empty.

    Raises: StoreError ``name``, ``address``, ``comuna``, ``ciudad``, ``sucursal_sii``."""
    values = {key: " ".join(str(v).split()) for key, v in
              (("name", name), ("address", address), ("comuna", comuna), ("ciudad", ciudad))}
    labels = {"name": "el nombre", "address": "la dirección", "comuna": "la comuna", "ciudad": "la ciudad"}
    if not values["name"]:
        raise StoreError("name", "escriba el nombre de la tienda")
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            raise StoreError(key, f"{labels[key]} puede tener hasta {limit} caracteres (como la pide el SII)")
    code: int | None = None
    text = "" if sucursal_sii is None else str(sucursal_sii).strip()
    if text:
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            raise StoreError("sucursal_sii", f"código de sucursal SII: «{text}» no es un número de hasta 9 dígitos")
        code = int(text)
    return StoreData(values["name"], values["address"], values["comuna"], values["ciudad"], code)


def feed_data(store: tenants.StoreRow) -> dict[str, Any]:
    """The store as its tills receive it (change kind ``store``): what the printed header takes from the store."""
    return {"store_id": store.store_id, "name": store.name, "direccion": store.address, "comuna": store.comuna,
            "ciudad": store.ciudad, "sucursal_sii": store.sucursal_sii, "active": store.active}


async def _publish_store(conn: db.Conn, tenant_id: int, store_id: str) -> tenants.StoreRow:
    row = await tenants.store(conn, tenant_id, store_id)
    assert row is not None  # written in this transaction
    await change_feed.append_change(conn, tenant_id, "store", store_id, feed_data(row), store_id=store_id)
    return row


async def create_store(pool: db.Pool, tenant_id: int, store_id: str, name: str, *, address: str = "",
                       comuna: str = "", ciudad: str = "", sucursal_sii: str | int | None = None,
                       bodega: bool = False) -> tenants.StoreRow:
    """A store with its sala de ventas (and a bodega when ``bodega``); published to its tills' feed when it has
    sucursal data (an address or a código de sucursal: otherwise its documents carry the emisor's).

    Raises: StoreError ``store_id`` (not a short slug), ``taken`` (the id exists), or as :func:`check_store`."""
    store_id = store_id.strip().lower()
    if not STORE_ID.fullmatch(store_id):
        raise StoreError("store_id", "el código de la tienda: de 1 a 30 letras minúsculas, números o guiones, sin"
                                     " espacios (p. ej. «centro» o «local-2»)")
    data = check_store(name, address, comuna, ciudad, sucursal_sii)
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await tenants.store_exists(conn, tenant_id, store_id) or await tenants.warehouse(conn, tenant_id,
                                                                                            store_id):
            raise StoreError("taken", f"ya existe una tienda o bodega con el código «{store_id}»")
        await tenants.add_store(conn, tenant_id, store_id, data.name, address=data.address, comuna=data.comuna,
                                ciudad=data.ciudad, sucursal_sii=data.sucursal_sii)
        if bodega:
            await tenants.add_warehouse(conn, tenant_id, store_id, f"{store_id}-bodega", f"Bodega {data.name}",
                                        "bodega")
        if data.address or data.sucursal_sii is not None:
            return await _publish_store(conn, tenant_id, store_id)
        row = await tenants.store(conn, tenant_id, store_id)  # no sucursal data: its tills print the emisor's
        assert row is not None
        return row


async def edit_store(pool: db.Pool, tenant_id: int, store_id: str, data: StoreData) -> tenants.StoreRow:
    """Save a store's name and sucursal data (checked with :func:`check_store`) and publish it to its tills.

    Raises: StoreError ``missing``."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await tenants.store(conn, tenant_id, store_id, for_update=True) is None:
            raise StoreError("missing", "la tienda no existe")
        await tenants.update_store(conn, tenant_id, store_id, name=data.name, address=data.address,
                                   comuna=data.comuna, ciudad=data.ciudad, sucursal_sii=data.sucursal_sii)
        return await _publish_store(conn, tenant_id, store_id)


async def set_store_active(pool: db.Pool, tenant_id: int, store_id: str, active: bool, *, by: str, reason: str,
                           at: datetime) -> None:
    """Deactivate a store (kept with who, when and why; nothing deleted) or bring it back; published to its tills.

    Raises: StoreError ``missing``, ``reason`` (deactivating without one)."""
    why = " ".join(reason.split())[:200]
    if not active and not why:
        raise StoreError("reason", "escriba el motivo de la desactivación")
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await tenants.store(conn, tenant_id, store_id, for_update=True) is None:
            raise StoreError("missing", "la tienda no existe")
        if active:
            await tenants.set_store_deactivated(conn, tenant_id, store_id, at=None, by=None, reason=None)
        else:
            await tenants.set_store_deactivated(conn, tenant_id, store_id, at=at, by=by, reason=why)
        await _publish_store(conn, tenant_id, store_id)


async def add_warehouse(pool: db.Pool, tenant_id: int, store_id: str, name: str, kind: str) -> str:
    """A new warehouse of ``store_id`` (``kind`` ``sala`` or ``bodega``); returns its id (``<store>-<kind>-<n>``).

    Raises: StoreError ``missing``, ``name``, ``kind``."""
    clean = " ".join(name.split())
    if not clean or len(clean) > LIMITS["name"]:
        raise StoreError("name", f"escriba el nombre de la bodega (hasta {LIMITS['name']} caracteres)")
    if kind not in WAREHOUSE_KINDS:
        raise StoreError("kind", "elija el tipo: sala de ventas o bodega")
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await tenants.store(conn, tenant_id, store_id, for_update=True) is None:
            raise StoreError("missing", "la tienda no existe")
        existing = {w.warehouse_id for w in await tenants.warehouses(conn, tenant_id, store_id)}
        number = 1
        while f"{store_id}-{kind}-{number}" in existing:
            number += 1
        warehouse_id = f"{store_id}-{kind}-{number}"
        await tenants.add_warehouse(conn, tenant_id, store_id, warehouse_id, clean, kind)
    return warehouse_id


async def set_warehouse_active(pool: db.Pool, tenant_id: int, warehouse_id: str, active: bool, *, by: str,
                               reason: str, at: datetime) -> str:
    """Deactivate (with who, when, why) or bring back a warehouse; returns its store. A store's sala de ventas
    (the warehouse the tills sell from: same id as the store) cannot be deactivated apart from its store.

    Raises: StoreError ``missing``, ``reason``, ``kind``."""
    why = " ".join(reason.split())[:200]
    async with db.tenant_tx(pool, tenant_id) as conn:
        found = await tenants.warehouse(conn, tenant_id, warehouse_id)
        if found is None:
            raise StoreError("missing", "la bodega no existe")
        if not active:
            if found.warehouse_id == found.store_id:
                raise StoreError("kind", "la sala de ventas principal de la tienda no se desactiva: desactive la"
                                         " tienda")
            if not why:
                raise StoreError("reason", "escriba el motivo de la desactivación")
        await tenants.set_warehouse_deactivated(conn, tenant_id, warehouse_id, at=None if active else at,
                                                by=None if active else by, reason=None if active else why)
    return found.store_id


async def issue_enrollment_code(pool: db.Pool, tenant_id: int, store_id: str, terminal_name: str,
                                ttl: timedelta = timedelta(hours=24), *,
                                clock: clock_mod.Clock = clock_mod.utc_clock) -> str:
    """A one-time code such as ``K7Q2-9XMD-P4TA`` for a new terminal of ``store_id`` (shown once in HQ), valid
    for ``ttl`` from ``clock()``.

    Raises:
        TenancyError: ``enrollment`` when the tenant has no such store, ``store_inactive`` when it is deactivated.
    """
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
    async with db.tenant_tx(pool, tenant_id) as conn:
        store = await tenants.store(conn, tenant_id, store_id)
        if store is None:
            raise TenancyError("enrollment", f"la tienda {store_id} no existe")
        if not store.active:
            raise TenancyError("store_inactive", f"la tienda {store.name} está desactivada: reactívela en HQ"
                                                 " (Tiendas) antes de enrolar una caja")
        await terminals.add_code(conn, _code_hash(code), tenant_id, store_id, terminal_name, clock() + ttl)
    return code


async def enroll(pool: db.Pool, code: str, public_key: str, terminal_id: str, *,
                 clock: clock_mod.Clock = clock_mod.utc_clock) -> Enrolled:
    """Register a terminal's public key with a one-time code. While a restore's folio hold is on, the terminal
    joins the terminals asked to report their leases, and the hold waits for it too (``store.folios.join_hold``).

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
            used = issued.used_at.astimezone(CHILE).strftime("%d-%m-%Y a las %H:%M")
            raise TenancyError("enrollment", f"este código de enrolamiento ya fue usado el {used} para enrolar"
                                             " otra caja, y cada código sirve una sola vez: pida uno nuevo en HQ"
                                             " (Cajas, «Nuevo código de enrolamiento») o con 'almacen server"
                                             " admin enroll-code'")
        if issued.expires_at < clock():
            raise TenancyError("enrollment", "este código expiró: pida uno nuevo en HQ")
        if await terminals.key_taken(conn, terminal_id, public_key):
            raise TenancyError("enrollment", "terminal o clave ya registrados")
        key = terminals.TerminalKey(terminal_id, int(issued.tenant_id), issued.store_id, public_key, "active")
        await terminals.register(conn, code_hash, key, issued.terminal_name)
        # during a restore's folio hold: asked to report like the rest (it may be a till enrolled after the dump,
        # enrolled again, holding leases the restored master never saw: docs/backups.md «Folios after a restore»)
        await folios_store.join_hold(conn, key.tenant_id, terminal_id)
    return Enrolled(terminal_id, key.tenant_id, key.store_id, 1)


async def revoke(pool: db.Pool, tenant_id: int, terminal_id: str) -> None:
    """After this, the terminal's batches are refused (``revoked``). Raises: TenancyError for another tenant's."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        if not await terminals.revoke(conn, tenant_id, terminal_id):
            raise TenancyError("not_found", "terminal no encontrado")


async def code_tenant(pool: db.Pool, code: str) -> int | None:
    """The tenant that issued enrolment ``code`` (used, expired or not), to audit a refused enrolment there;
    ``None`` for a code never issued."""
    async with db.auth_tx(pool) as conn:
        issued = await terminals.code_for_update(conn, _code_hash(code))
    return None if issued is None else int(issued.tenant_id)
