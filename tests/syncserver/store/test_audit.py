"""The audit trail: lines are appended in the tenant's transaction, read back filtered and paged, confined to their
tenant by row-level security, and never changed afterwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import psycopg
import psycopg_pool
import pytest

from syncserver import bootstrap, tenancy
from syncserver.store import audit, db

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def urls(pg_database: str) -> tuple[str, str]:
    app_url = bootstrap.migrate(pg_database)

    async def setup() -> None:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            await tenancy.create_tenant(pool, 1, "Uno", "76.123.456-0")
            await tenancy.create_tenant(pool, 2, "Dos", "77.888.999-0")

    asyncio.run(setup())
    return pg_database, app_url


def test_lines_are_kept_per_tenant_filtered_newest_first_and_paged(urls: tuple[str, str]) -> None:
    admin_url, app_url = urls

    async def work() -> None:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            for i in range(5):
                await audit.record_tx(pool, tenant_id=1, kind="login_failed", actor="pepe@donpepe.cl",
                                      address="10.0.0.9", detail=f"intento {i}", at=AT + timedelta(minutes=i))
            await audit.record_tx(pool, tenant_id=1, kind="enrolment_refused", actor="caja-9", address="10.0.0.7",
                                  detail="código vencido\x00", at=AT + timedelta(hours=1))
            await audit.record_tx(pool, tenant_id=2, kind="login_failed", actor="rosa@esquina.cl", at=AT)
            async with db.tenant_tx(pool, 1) as conn:
                every = await audit.search(conn, 1)
                assert [e.kind for e in every] == ["enrolment_refused"] + ["login_failed"] * 5
                assert every[0].detail == "código vencido" and every[0].label == "Enrolamiento rechazado"
                assert [e.detail for e in await audit.search(conn, 1, kinds=["login_failed"], limit=2,
                                                             offset=1)] == ["intento 3", "intento 2"]
                assert [e.actor for e in await audit.search(conn, 1, actor="CAJA")] == ["caja-9"]
                window = await audit.search(conn, 1, since=AT + timedelta(minutes=1),
                                            until=AT + timedelta(minutes=3))
                assert [e.detail for e in window] == ["intento 2", "intento 1"]
                assert all(e.actor != "rosa@esquina.cl" for e in every)
                with pytest.raises(psycopg.errors.InsufficientPrivilege):  # RLS: not another tenant's trail
                    await audit.record(conn, tenant_id=2, kind="logout", at=AT)
            async with db.tenant_tx(pool, 1) as conn:
                with pytest.raises(ValueError):
                    await audit.record(conn, tenant_id=1, kind="Login Failed; DROP", at=AT)

    asyncio.run(work())
    with psycopg.connect(admin_url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("UPDATE audit_log SET detail = 'borrado'")
    with psycopg.connect(admin_url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("DELETE FROM audit_log")
    with psycopg.connect(admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (7,)
