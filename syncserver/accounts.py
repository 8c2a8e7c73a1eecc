"""HQ accounts: a new business with its owner, invitations (a one-time code shown once; the invitee sets the
password), roles (dueño, contador, encargado of some stores), deactivation (who, when, why) and its undoing, and
password resets (a new one-time code). Passwords are argon2id hashes, as HQ's login checks them."""

from __future__ import annotations

import asyncio
import enum
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import psycopg
from argon2 import PasswordHasher

from shared import errors, sync
from shared import rut as rut_mod
from syncserver.store import db, hq_accounts, sessions, tenants

INVITE_TTL: Final = timedelta(days=7)
MIN_PASSWORD: Final = 8
MAX_NAME: Final = 80


class Role(enum.StrEnum):
    """An HQ account's role (stored in ``hq_users.role``)."""

    OWNER = "owner"
    ACCOUNTANT = "accountant"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return {"owner": "Dueño", "accountant": "Contador", "manager": "Encargado"}[self.value]


class AccountError(sync.SyncError):
    """An account change that cannot be made; ``detail`` says why in Spanish. Codes: ``email``, ``name``,
    ``password``, ``role``, ``stores``, ``taken`` (e-mail in use), ``tenant`` (business data), ``exists`` (the
    server already holds a business), ``code`` (unknown, used or expired invitation), ``last_owner``, ``self``,
    ``reason``, ``missing``."""


@dataclass(frozen=True, slots=True)
class Business:
    """A business just created: its tenant id and its owner's e-mail."""

    tenant_id: int
    owner_email: str


def normalise_email(email: str) -> str:
    """E-mails are compared trimmed and in lower case."""
    return email.strip().lower()


def check_email(email: str) -> str:
    clean = normalise_email(email)
    local, _, domain = clean.partition("@")
    if not local or "." not in domain or len(clean) > 254 or any(c.isspace() for c in clean):
        raise AccountError("email", f"el correo «{email.strip()}» no es válido")
    return clean


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", f"la contraseña debe tener al menos {MIN_PASSWORD} caracteres")
    return password


def _name(name: str, what: str = "nombre") -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise AccountError("name", f"escriba el {what} (hasta {MAX_NAME} caracteres)")
    return clean


def _code() -> tuple[str, str]:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
    return code, code_hash(code)


def code_hash(code: str) -> str:
    """Only the SHA-256 of an invitation code is stored (the code is shown once)."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def _role_and_stores(conn: db.Conn, tenant_id: int, role: str, stores: Sequence[str]) -> tuple[Role, list[str]]:
    try:
        chosen = Role(role)
    except ValueError:
        raise AccountError("role", "elija el rol: dueño, contador o encargado") from None
    if chosen is not Role.MANAGER:
        return chosen, []
    picked = sorted(set(stores))
    if not picked:
        raise AccountError("stores", "elija al menos una tienda para el encargado")
    known = {s.store_id for s in await tenants.stores(conn, tenant_id)}
    unknown = [s for s in picked if s not in known]
    if unknown:
        raise AccountError("stores", f"la tienda {unknown[0]} no existe")
    return chosen, picked


async def create_business(pool: db.Pool, *, name: str, rut: str, owner_email: str, owner_name: str,
                          password: str, hasher: PasswordHasher, at: datetime, tenant_id: int | None = None,
                          only_if_empty: bool = False) -> Business:
    """A tenant (next free id unless ``tenant_id``) and its owner's account, with ``password`` (argon2id).

    ``only_if_empty`` (HQ's first-run page) refuses when the server already holds a tenant.

    Raises:
        AccountError: ``exists`` (a tenant exists and ``only_if_empty``, or ``tenant_id`` is taken), ``tenant``
            (no name, an invalid RUT), ``rut`` (another tenant holds the RUT), ``email``, ``name``, ``password``,
            ``taken``.
    """
    business = _name(name, "nombre de la empresa")
    try:
        rut_text = rut_mod.format(rut) if rut.strip() else ""
    except errors.InvalidRut:
        raise AccountError("tenant", f"el RUT «{rut.strip()}» no es válido (revise el dígito verificador)") from None
    email, owner, secret = check_email(owner_email), _name(owner_name), check_password(password)
    password_hash = await asyncio.to_thread(hasher.hash, secret)
    async with db.auth_tx(pool) as conn:
        await tenants.lock_creation(conn)
        if only_if_empty and await tenants.any_tenant(conn):
            raise AccountError("exists", "este servidor ya tiene una empresa: ingrese con su cuenta")
        if await hq_accounts.email_taken(conn, email):
            raise AccountError("taken", f"el correo {email} ya tiene una cuenta")
        if rut_text and await tenants.rut_taken(conn, rut_text):
            raise AccountError("rut", tenants.RUT_TAKEN.format(rut=rut_text))
        chosen = tenant_id if tenant_id is not None else await tenants.next_tenant_id(conn)
        if await tenants.id_taken(conn, chosen):
            raise AccountError("exists", f"el tenant {chosen} ya existe")
        await db.set_tenant(conn, chosen)
        await tenants.add(conn, chosen, business, rut_text)
        await hq_accounts.insert(conn, chosen, email, owner, Role.OWNER.value, [], password_hash=password_hash,
                                 by="primer uso", at=at)
    return Business(chosen, email)


async def list_accounts(pool: db.Pool, tenant_id: int) -> list[hq_accounts.Account]:
    async with db.tenant_tx(pool, tenant_id) as conn:
        return await hq_accounts.list_all(conn, tenant_id)


async def get(pool: db.Pool, tenant_id: int, email: str) -> hq_accounts.Account | None:
    async with db.tenant_tx(pool, tenant_id) as conn:
        return await hq_accounts.get(conn, tenant_id, normalise_email(email))


async def invite(pool: db.Pool, tenant_id: int, *, email: str, name: str, role: str, stores: Sequence[str],
                 by: str, at: datetime) -> str:
    """A new account with no password and a one-time code (valid :data:`INVITE_TTL`) with which the invitee
    sets it; returns the code (shown once: only its hash is kept).

    Raises:
        AccountError: ``email``, ``name``, ``role``, ``stores``, ``taken`` (the tenant has an account with that
            e-mail). Whether another tenant uses the e-mail is not said: the answer is the same
            (:func:`accept_invite` refuses such a code).
    """
    clean, person = check_email(email), _name(name)
    code, hashed = _code()
    async with db.tenant_tx(pool, tenant_id) as conn:
        chosen, picked = await _role_and_stores(conn, tenant_id, role, stores)
        if await hq_accounts.in_tenant(conn, tenant_id, clean):
            raise AccountError("taken", f"el correo {clean} ya tiene una cuenta en esta empresa")
        await hq_accounts.insert(conn, tenant_id, clean, person, chosen.value, picked, password_hash="", by=by,
                                 at=at, invite_hash=hashed, invite_expires_at=at + INVITE_TTL)
    return code


async def edit(pool: db.Pool, tenant_id: int, email: str, *, name: str, role: str, stores: Sequence[str],
               by_email: str) -> None:
    """New name, role and stores. Raises: AccountError ``missing``, ``name``, ``role``, ``stores``,
    ``last_owner`` (the tenant's last active owner would lose the role), ``self`` (one's own role)."""
    person = _name(name)
    async with db.tenant_tx(pool, tenant_id) as conn:
        account = await hq_accounts.get(conn, tenant_id, email, for_update=True)
        if account is None:
            raise AccountError("missing", "la cuenta no existe")
        chosen, picked = await _role_and_stores(conn, tenant_id, role, stores)
        if account.role == Role.OWNER and chosen is not Role.OWNER:
            if account.email == by_email:
                raise AccountError("self", "no puede quitarse a sí mismo el rol de dueño")
            if account.active and await hq_accounts.active_owners(conn, tenant_id) <= 1:
                raise AccountError("last_owner", "la empresa necesita al menos un dueño activo")
        await hq_accounts.update(conn, tenant_id, account.email, person, chosen.value, picked)


async def reset(pool: db.Pool, tenant_id: int, email: str, *, at: datetime) -> str:
    """A new one-time code for the account (its password stops working); returns the code, shown once.

    Raises: AccountError ``missing``."""
    code, hashed = _code()
    async with db.tenant_tx(pool, tenant_id) as conn:
        account = await hq_accounts.get(conn, tenant_id, email, for_update=True)
        if account is None:
            raise AccountError("missing", "la cuenta no existe")
        await hq_accounts.set_invite(conn, tenant_id, account.email, hashed, at + INVITE_TTL)
        await sessions.revoke_all(conn, tenant_id, account.email, at=at, reason="reset")
    return code


async def set_active(pool: db.Pool, tenant_id: int, email: str, active: bool, *, by: str, by_email: str,
                     reason: str, at: datetime) -> None:
    """Deactivate (with ``reason``, kept with ``by`` and ``at``) or bring back an account; its sessions end at once.

    Raises: AccountError ``missing``, ``reason``, ``self``, ``last_owner``."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        account = await hq_accounts.get(conn, tenant_id, email, for_update=True)
        if account is None:
            raise AccountError("missing", "la cuenta no existe")
        if active:
            await hq_accounts.set_deactivated(conn, tenant_id, account.email, at=None, by=None, reason=None)
            return
        why = " ".join(reason.split())[:200]
        if not why:
            raise AccountError("reason", "escriba el motivo de la desactivación")
        if account.email == by_email:
            raise AccountError("self", "no puede desactivar su propia cuenta")
        if account.role == Role.OWNER and account.active and await hq_accounts.active_owners(conn, tenant_id) <= 1:
            raise AccountError("last_owner", "la empresa necesita al menos un dueño activo")
        await hq_accounts.set_deactivated(conn, tenant_id, account.email, at=at, by=by, reason=why)
        await sessions.revoke_all(conn, tenant_id, account.email, at=at, reason="deactivated", by=by)


async def accept_invite(pool: db.Pool, code: str, password: str, *, at: datetime,
                        hasher: PasswordHasher) -> hq_accounts.Invite:
    """Set the password of the account an invitation (or reset) code opens; the code is spent. Returns the
    account's e-mail and tenant.

    Raises: AccountError ``code`` (unknown, used or expired: the same message), ``password``, ``elsewhere`` (the
    e-mail logs in to another business of this server: one per e-mail)."""
    secret = check_password(password)
    email = ""
    try:
        async with db.auth_tx(pool) as conn:
            found = await hq_accounts.invite_for_update(conn, code_hash(code))
            if found is None or found.invite_expires_at < at:
                raise AccountError("code", "el código de invitación no es válido, ya se usó o venció: pida uno"
                                           " nuevo al dueño de la empresa")
            email = found.email
            if await hq_accounts.email_taken(conn, email):
                raise _elsewhere(found.email)
            password_hash = await asyncio.to_thread(hasher.hash, secret)
            await hq_accounts.set_password(conn, found.email, password_hash)
    except psycopg.errors.UniqueViolation as exc:  # accepted elsewhere at the same moment
        if exc.diag.constraint_name != "auth_hq_logins_active_email":
            raise
        raise _elsewhere(email) from None
    return found


def _elsewhere(email: str) -> AccountError:
    return AccountError("elsewhere", f"el correo {email} ya entra a HQ de otra empresa en este servidor, y cada"
                                     " correo entra a una sola: pídale al dueño que lo invite con otro correo")


async def invite_email(pool: db.Pool, code: str, *, at: datetime) -> str | None:
    """The e-mail of the account a valid code opens (to greet the invitee); None for a bad code."""
    async with db.auth_tx(pool) as conn:
        found = await hq_accounts.invite_for_update(conn, code_hash(code))
    return None if found is None or found.invite_expires_at < at else found.email


async def server_is_empty(pool: db.Pool) -> bool:
    """Whether the server holds no tenant yet (HQ then offers its first-run page)."""
    async with db.auth_tx(pool) as conn:
        return not await tenants.any_tenant(conn)
