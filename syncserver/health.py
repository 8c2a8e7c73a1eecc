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


async def replica_lag(pool: psycopg_pool.AsyncConnectionPool, timeout: float) -> dict[str, object]:
    """HQ's read replica: ``{"status": "ok", "lag_seconds": s}`` where ``s`` is the time since the last transaction
    it replayed was committed on the primary (``pg_last_xact_replay_timestamp``; it grows while the primary is idle,
    ``None`` before the first replay); ``"not_a_replica"`` when the URL names a primary; ``"unavailable"``."""
    try:
        async with asyncio.timeout(timeout), pool.connection(timeout=timeout) as conn:
            row = await (await conn.execute(
                "SELECT pg_is_in_recovery(), EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
            )).fetchone()
    except (psycopg.Error, psycopg_pool.PoolTimeout, TimeoutError) as exc:
        log.warning("HQ read replica unavailable", extra={"error": f"{type(exc).__name__}: {exc}"})
        return {"status": "unavailable", "lag_seconds": None}
    assert row is not None
    in_recovery, lag = row
    if not in_recovery:
        return {"status": "not_a_replica", "lag_seconds": None}
    return {"status": "ok", "lag_seconds": None if lag is None else round(max(float(lag), 0.0), 3)}


async def endpoint(request: Request) -> JSONResponse:
    """200 ``{"status": "ok", "database": "ok", "version"}``; 503 with ``"database": "unavailable"``. With
    ``hq_read_url`` set it adds ``"hq_replica": {"status", "lag_seconds"}`` (:func:`replica_lag`); a replica that is
    down does not make the server unhealthy (the tills' sync does not use it)."""
    state = request.app.state
    ok = await database_ok(state.pool, state.settings.health_timeout)
    body: dict[str, object] = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unavailable",
                               "version": version()}
    if state.settings.hq_read_url:
        body["hq_replica"] = await replica_lag(state.read_pool, state.settings.health_timeout)
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})
