"""``GET /health``: is this process up and can it reach PostgreSQL? For load balancers and scripts."""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging

import psycopg
import psycopg_pool
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)


def version() -> str:
    """The installed ``almacen`` distribution's version (``0+unknown`` when running from a bare checkout)."""
    try:
        return importlib.metadata.version("almacen")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


async def database_ok(pool: psycopg_pool.AsyncConnectionPool, timeout: float) -> bool:
    """``SELECT 1`` on a pooled connection within ``timeout`` seconds; ``False`` on any database failure."""
    try:
        async with asyncio.timeout(timeout), pool.connection(timeout=timeout) as conn:
            await conn.execute("SELECT 1")
    except (psycopg.Error, psycopg_pool.PoolTimeout, TimeoutError) as exc:
        log.warning("database unavailable", extra={"error": f"{type(exc).__name__}: {exc}"})
        return False
    return True


async def endpoint(request: Request) -> JSONResponse:
    """200 ``{"status": "ok", "database": "ok", "version"}``; 503 with ``"database": "unavailable"``."""
    state = request.app.state
    ok = await database_ok(state.pool, state.settings.health_timeout)
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unavailable", "version": version()}
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})
