"""Tenant-scoped transactions: the tenant comes from the authenticated principal and is set per transaction."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


@contextlib.asynccontextmanager
async def tenant_tx(pool: AsyncConnectionPool, tenant_id: int) -> AsyncIterator[AsyncConnection]:
    """A transaction that sees only ``tenant_id``'s rows (``SET LOCAL app.tenant_id``; RLS does the rest)."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(int(tenant_id)),))
        yield conn


@contextlib.asynccontextmanager
async def auth_tx(pool: AsyncConnectionPool) -> AsyncIterator[AsyncConnection]:
    """A transaction with no tenant: it can read only the ``auth_*`` credential tables (every other is empty)."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', '', true)")
        yield conn
