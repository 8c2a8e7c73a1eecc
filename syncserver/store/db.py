"""Tenant-scoped transactions: the tenant comes from the authenticated principal and is set per transaction."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypeAlias

from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool, PoolTimeout

Conn: TypeAlias = AsyncConnection[TupleRow]
"""A connection of the server's pool (rows as tuples unless a cursor asks for another row factory)."""
Cursor: TypeAlias = AsyncCursor[TupleRow]
Pool: TypeAlias = AsyncConnectionPool[Conn]


@contextlib.asynccontextmanager
async def tenant_tx(pool: Pool, tenant_id: int) -> AsyncIterator[Conn]:
    """A transaction that sees only ``tenant_id``'s rows (``SET LOCAL app.tenant_id``; RLS does the rest)."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(int(tenant_id)),))
        yield conn


HELPER_WAIT_S = 0.02
"""How long :func:`tenant_helpers` waits for each connection before doing without it."""


@contextlib.asynccontextmanager
async def tenant_helpers(pool: Pool, tenant_id: int, count: int) -> AsyncIterator[list[Conn]]:
    """Up to ``count`` more transactions of ``tenant_id`` (as :func:`tenant_tx`), for a request that runs several
    readings at once (each statement sees the database as it is when it starts, as in one READ COMMITTED
    transaction). A connection the pool cannot give within :data:`HELPER_WAIT_S` is done without, so two busy
    requests never each hold one connection waiting for another: the list may be shorter, even empty, and the
    caller then reads more on fewer connections."""
    async with contextlib.AsyncExitStack() as stack:
        conns: list[Conn] = []
        for _ in range(count):
            try:
                conn = await stack.enter_async_context(pool.connection(timeout=HELPER_WAIT_S))
            except PoolTimeout:
                break
            await stack.enter_async_context(conn.transaction())
            await conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(int(tenant_id)),))
            conns.append(conn)
        yield conns


@contextlib.asynccontextmanager
async def auth_tx(pool: Pool) -> AsyncIterator[Conn]:
    """A transaction with no tenant: every table reads empty; it may only call the lookup functions
    (``syncserver.migrations.rls.LOOKUP_FUNCTIONS``: one row or one fact each), then :func:`set_tenant`."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', '', true)")
        yield conn


async def set_tenant(conn: Conn, tenant_id: int) -> None:
    """Switch the caller's transaction to ``tenant_id`` (after an ``auth_tx`` found which tenant it is)."""
    await conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(int(tenant_id)),))
