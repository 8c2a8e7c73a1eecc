"""Businesses and their accounts across tenants: one RUT is one tenant (checked through a yes/no SQL function and
enforced by a unique index), and what an invitation tells about an e-mail held by another tenant."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import argon2
import psycopg
import psycopg_pool
import pytest

from syncserver import accounts, bootstrap, tenancy
from syncserver.store import db, hq_accounts

T = TypeVar("T")
AT = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
FAST = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def run(app_url: str, work: Callable[[db.Pool], Awaitable[T]]) -> T:
    async def main() -> T:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            return await work(pool)
    return asyncio.run(main())


async def business(pool: db.Pool, name: str, rut: str, email: str) -> accounts.Business:
    return await accounts.create_business(pool, name=name, rut=rut, owner_email=email, owner_name="Dueño",
                                          password="secreto-largo", hasher=FAST, at=AT)


def test_one_rut_is_one_tenant_however_it_is_written(pg_database: str) -> None:
    app_url = bootstrap.migrate(pg_database)

    async def scenario(pool: db.Pool) -> list[str]:
        await business(pool, "Almacenes Don Pepe", "76.086.428-5", "pepe@donpepe.cl")
        refusals = []
        for written in ("76086428-5", "76.086.428-5", " 760864285 "):
            with pytest.raises(accounts.AccountError) as refused:
                await business(pool, "Otra Empresa", written, "otro@otra.cl")
            assert refused.value.code == "rut"
            refusals.append(refused.value.detail)
        with pytest.raises(tenancy.TenancyError) as by_admin:
            await tenancy.create_tenant(pool, 7, "Otra Empresa", "76.086.428-5")
        assert by_admin.value.code == "rut"
        refusals.append(by_admin.value.detail)
        await business(pool, "Sin RUT Uno", "", "uno@sinrut.cl")  # a business without RUT yet: any number of them
        await business(pool, "Sin RUT Dos", "", "dos@sinrut.cl")
        await business(pool, "Minimarket La Esquina", "77.312.645-3", "esquina@laesquina.cl")
        return refusals

    refusals = run(app_url, scenario)
    assert set(refusals) == {"el RUT 76.086.428-5 ya es de otra empresa de este servidor (cada RUT es una sola"
                             " empresa): revise el RUT"}
    with psycopg.connect(pg_database) as admin:
        assert admin.execute("SELECT tenant_id, name, rut FROM tenants ORDER BY tenant_id").fetchall() == [
            (1, "Almacenes Don Pepe", "76.086.428-5"), (2, "Sin RUT Uno", ""), (3, "Sin RUT Dos", ""),
            (4, "Minimarket La Esquina", "77.312.645-3")]
    with psycopg.connect(app_url, autocommit=True) as conn:  # the index holds even for a writer that skips the check
        conn.execute("SELECT set_config('app.tenant_id', '9', false)")
        with pytest.raises(psycopg.errors.UniqueViolation) as clash:
            conn.execute("INSERT INTO tenants (tenant_id, name, rut) VALUES (9, 'Colada', '76086428-5')")
        assert clash.value.diag.constraint_name == "tenants_rut_unique"
        # the app role learns yes or no, nothing of the tenant that holds it
        assert conn.execute("SELECT tenant_rut_taken('76086428-5'), tenant_rut_taken('77.888.999-0')"
                            ).fetchone() == (True, False)
        assert conn.execute("SELECT count(*) FROM tenants").fetchone() == (0,)


def test_inviting_an_e_mail_another_tenant_uses_answers_as_for_a_new_one(pg_database: str) -> None:
    """E-mails log in to one business per server; an owner inviting one that logs in elsewhere learns nothing at
    the invitation (same answer, same pending account), and the code's holder is told only on accepting it."""
    app_url = bootstrap.migrate(pg_database)

    async def scenario(pool: db.Pool) -> None:
        await business(pool, "Almacenes Don Pepe", "76.086.428-5", "pepe@donpepe.cl")
        esquina = await business(pool, "Minimarket La Esquina", "77.312.645-3", "esquina@laesquina.cl")
        invited = {}
        for email in ("pepe@donpepe.cl", "nueva@correo.cl"):  # one logs in to tenant 1, one is new
            code = await accounts.invite(pool, esquina.tenant_id, email=email, name="Contadora", role="accountant",
                                         stores=[], by="Dueño", at=AT)
            assert len(code) == len("Q4TE-YEM3-FWJH-SG76")
            invited[email] = code
        listed = {a.email: (a.name, a.role, a.pending, a.invite_expires_at)
                  for a in await accounts.list_accounts(pool, esquina.tenant_id)}
        assert listed["pepe@donpepe.cl"] == listed["nueva@correo.cl"] == (
            "Contadora", "accountant", True, AT + accounts.INVITE_TTL)
        with pytest.raises(accounts.AccountError) as again:  # the inviter's own accounts are its own to see
            await accounts.invite(pool, esquina.tenant_id, email="nueva@correo.cl", name="Otra", role="accountant",
                                  stores=[], by="Dueño", at=AT)
        assert (again.value.code, again.value.detail) == ("taken", "el correo nueva@correo.cl ya tiene una cuenta"
                                                                   " en esta empresa")
        opened = await accounts.accept_invite(pool, invited["nueva@correo.cl"], "secreto-largo", at=AT, hasher=FAST)
        assert (opened.email, opened.tenant_id) == ("nueva@correo.cl", esquina.tenant_id)
        with pytest.raises(accounts.AccountError) as elsewhere:
            await accounts.accept_invite(pool, invited["pepe@donpepe.cl"], "otro-secreto", at=AT, hasher=FAST)
        assert (elsewhere.value.code, elsewhere.value.detail) == (
            "elsewhere", "el correo pepe@donpepe.cl ya entra a HQ de otra empresa en este servidor, y cada correo"
                         " entra a una sola: pídale al dueño que lo invite con otro correo")
        # nothing changed for the login that was there first
        async with db.auth_tx(pool) as conn:
            login = await hq_accounts.login_for_update(conn, "pepe@donpepe.cl")
        assert login is not None and login.tenant_id == 1 and FAST.verify(login.password_hash, "secreto-largo")

    run(app_url, scenario)
