"""HQ's POS users: cashiers, supervisors and store administrators created, edited, given a new PIN, deactivated
(who, when, why) and brought back; every change published on the change feed to the tills of the user's stores.

A PIN is 4 to 6 digits and travels only as its argon2id hash (as the tills hash it). A PIN must not repeat within
a store: the till's supervisor authorisation and the administrator's screens find the user by the PIN alone, so two
users with one PIN would be one person to the till (and a cashier sharing a supervisor's PIN could authorise as
them). Hashes cannot be compared with each other, so a new PIN is verified against the hash of every user of the
same stores (active or not, so that bringing a user back never creates a clash; and of the users enrolled at a till,
whose store the master does not know, as if in every store): one argon2 verification per user,
some 50 ms each at the default cost, a second or two for a store of a few dozen users, done off the event loop
while the tenant's POS users are locked (``store.pos_users.lock``) so two equal PINs cannot slip in together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from argon2 import PasswordHasher
from argon2 import exceptions as argon2_errors

from shared import roles, sync
from syncserver.store import change_feed, db
from syncserver.store import pos_users as users_store

MIN_PIN, MAX_PIN = 4, 6
MAX_NAME: Final = 60


class PosUserError(sync.SyncError):
    """A POS user change that cannot be made; ``detail`` says why in Spanish. Codes: ``name``, ``role``,
    ``stores``, ``pin`` (not 4 to 6 digits, or needed to add stores), ``pin_taken`` (another user of one of the
    stores has it), ``reason`` (deactivation without one), ``missing`` (no such user)."""


def check_pin(pin: str) -> str:
    """``pin`` when it is 4 to 6 digits. Raises: PosUserError ``pin``."""
    if not (pin.isdigit() and pin.isascii() and MIN_PIN <= len(pin) <= MAX_PIN):
        raise PosUserError("pin", f"el PIN debe tener entre {MIN_PIN} y {MAX_PIN} dígitos (solo números)")
    return pin


def _check(name: str, role: str, stores: Sequence[str], known: dict[str, str]) -> tuple[str, roles.Role, list[str]]:
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise PosUserError("name", f"escriba el nombre (hasta {MAX_NAME} caracteres)")
    try:
        role_value = roles.Role(role)
    except ValueError:
        raise PosUserError("role", "elija el rol: cajero, supervisor o administrador") from None
    chosen = sorted(set(stores))
    if not chosen:
        raise PosUserError("stores", "elija al menos una tienda donde trabaja")
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise PosUserError("stores", f"la tienda {unknown[0]} no existe")
    return clean, role_value, chosen


def _matches(hasher: PasswordHasher, pin_hash: str, pin: str) -> bool:
    try:
        return bool(hasher.verify(pin_hash, pin))
    except (argon2_errors.VerifyMismatchError, argon2_errors.InvalidHashError, argon2_errors.VerificationError):
        return False


async def _pin_free(conn: db.Conn, tenant_id: int, pin: str, stores: Sequence[str], hasher: PasswordHasher,
                    known: dict[str, str], exclude: str = "") -> None:
    """Raises PosUserError ``pin_taken`` when a user of ``stores`` (other than ``exclude``) has ``pin``."""
    others = [u for u in await users_store.all_in_stores(conn, tenant_id, stores) if u.user_id != exclude]

    def clash() -> users_store.PosUserRow | None:
        return next((u for u in others if _matches(hasher, u.pin_hash, pin)), None)

    taken = await asyncio.to_thread(clash)
    if taken is not None:
        shared_store = next((s for s in stores if s in taken.stores), "")
        where = f"en la tienda {known.get(shared_store, shared_store)}" if shared_store else "en una caja"
        raise PosUserError("pin_taken", f"ese PIN ya lo usa otra persona {where} (la caja reconoce a cada persona"
                           f" por su PIN): elija otro", store=shared_store)


def feed_data(row: users_store.PosUserRow, active: bool | None = None) -> dict[str, Any]:
    """What the tills apply (``shared.events.auth.UserEnrolled``'s fields): never the PIN, only its hash."""
    return {"user_id": row.user_id, "name": row.name, "role": row.role, "pin_hash": row.pin_hash,
            "active": row.active if active is None else active}


async def _publish(conn: db.Conn, tenant_id: int, user_id: str, left: Sequence[str] = ()) -> users_store.PosUserRow:
    """The user as stored now to each of its stores, and as inactive to the stores it no longer works in."""
    row = await users_store.get(conn, tenant_id, user_id)
    assert row is not None  # written in this transaction
    for store_id in row.stores:
        await change_feed.append_change(conn, tenant_id, "user", user_id, feed_data(row), store_id=store_id)
    for store_id in left:
        await change_feed.append_change(conn, tenant_id, "user", user_id, feed_data(row, False), store_id=store_id)
    return row


async def create(pool: db.Pool, tenant_id: int, *, user_id: str, name: str, role: str, stores: Sequence[str],
                 pin: str, by: str, at: datetime, hasher: PasswordHasher) -> users_store.PosUserRow:
    """A new active user with ``pin`` (hashed) for ``stores``, published to their tills.

    Raises:
        PosUserError: an invalid name, role, store or PIN, or a PIN another user of those stores has.
    """
    check_pin(pin)
    async with db.tenant_tx(pool, tenant_id) as conn:
        known = await users_store.store_names(conn, tenant_id)
        clean, role_value, chosen = _check(name, role, stores, known)
        await users_store.lock(conn, tenant_id)
        await _pin_free(conn, tenant_id, pin, chosen, hasher, known)
        pin_hash = await asyncio.to_thread(hasher.hash, pin)
        await users_store.insert(conn, tenant_id, user_id, clean, role_value.value, pin_hash, chosen, by=by, at=at)
        return await _publish(conn, tenant_id, user_id)


async def edit(pool: db.Pool, tenant_id: int, user_id: str, *, name: str, role: str, stores: Sequence[str],
               pin: str = "", at: datetime, hasher: PasswordHasher) -> users_store.PosUserRow:
    """New name, role and stores (and PIN when ``pin`` is given) for ``user_id``, published to its old and new
    stores' tills. Adding a store needs the PIN (the current one or a new one): it must be free there.

    Raises:
        PosUserError: ``missing`` for an unknown user; an invalid value; ``pin`` when stores are added without a
            PIN; ``pin_taken``.
    """
    if pin:
        check_pin(pin)
    async with db.tenant_tx(pool, tenant_id) as conn:
        known = await users_store.store_names(conn, tenant_id)
        clean, role_value, chosen = _check(name, role, stores, known)
        await users_store.lock(conn, tenant_id)
        current = await users_store.get(conn, tenant_id, user_id, for_update=True)
        if current is None:
            raise PosUserError("missing", f"no existe el usuario {user_id}")
        added = [s for s in chosen if s not in current.stores]
        if added and not pin:
            raise PosUserError("pin", "para agregar una tienda escriba el PIN (el actual u otro): debe ser único en"
                                      " cada tienda")
        pin_hash = current.pin_hash
        if pin:
            await _pin_free(conn, tenant_id, pin, chosen, hasher, known, exclude=user_id)
            pin_hash = await asyncio.to_thread(hasher.hash, pin)
        await users_store.update(conn, tenant_id, user_id, name=clean, role=role_value.value, stores=chosen,
                                 pin_hash=pin_hash, at=at)
        return await _publish(conn, tenant_id, user_id, [s for s in current.stores if s not in chosen])


async def reset_pin(pool: db.Pool, tenant_id: int, user_id: str, pin: str, *, at: datetime,
                    hasher: PasswordHasher) -> users_store.PosUserRow:
    """A new PIN for ``user_id`` (free in its stores), published to its tills.

    Raises:
        PosUserError: ``missing``, ``pin``, ``pin_taken``.
    """
    check_pin(pin)
    async with db.tenant_tx(pool, tenant_id) as conn:
        await users_store.lock(conn, tenant_id)
        current = await users_store.get(conn, tenant_id, user_id, for_update=True)
        if current is None:
            raise PosUserError("missing", f"no existe el usuario {user_id}")
        known = await users_store.store_names(conn, tenant_id)
        await _pin_free(conn, tenant_id, pin, current.stores, hasher, known, exclude=user_id)
        pin_hash = await asyncio.to_thread(hasher.hash, pin)
        await users_store.update(conn, tenant_id, user_id, name=current.name, role=current.role,
                                 stores=current.stores, pin_hash=pin_hash, at=at)
        return await _publish(conn, tenant_id, user_id)


async def set_active(pool: db.Pool, tenant_id: int, user_id: str, active: bool, *, by: str, reason: str,
                     at: datetime) -> users_store.PosUserRow:
    """Deactivate ``user_id`` (its tills stop accepting its PIN; who, when and ``reason`` are kept) or bring it
    back; published to its stores' tills.

    Raises:
        PosUserError: ``missing`` for an unknown user, ``reason`` when deactivating without one.
    """
    reason = " ".join(reason.split())
    if not active and not reason:
        raise PosUserError("reason", "escriba el motivo para desactivar al usuario")
    async with db.tenant_tx(pool, tenant_id) as conn:
        await users_store.lock(conn, tenant_id)
        current = await users_store.get(conn, tenant_id, user_id, for_update=True)
        if current is None:
            raise PosUserError("missing", f"no existe el usuario {user_id}")
        await users_store.set_active(conn, tenant_id, user_id, active, by=by, reason=reason, at=at)
        return await _publish(conn, tenant_id, user_id)


async def list_users(pool: db.Pool, tenant_id: int) -> tuple[list[users_store.PosUserRow], dict[str, str]]:
    """Every POS user of the tenant (active first, by name) and the tenant's store names by id."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        return await users_store.list_all(conn, tenant_id), await users_store.store_names(conn, tenant_id)


async def get(pool: db.Pool, tenant_id: int, user_id: str) -> users_store.PosUserRow | None:
    """The user ``user_id``, or None."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        return await users_store.get(conn, tenant_id, user_id)
