"""The DTE scheduler: inside the server process, every ``dte_interval`` seconds, one pass of
:func:`syncserver.sii.worker.run_once` for every tenant with a certificate, one process per tenant at a time.

How it shares the work and survives failures: docs/architecture.md#5-the-dte-state-machine (the scheduler).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from shared import clock as clock_mod
from syncserver.dte import emisor as emisor_mod
from syncserver.settings import ServerSettings
from syncserver.sii import forwarder, worker, ws
from syncserver.store import certificates, db, outbox

log = logging.getLogger("syncserver.sii.scheduler")

ResolutionLookup = Callable[[db.Pool, int], Awaitable[forwarder.Resolution | None]]


async def tenants(pool: db.Pool) -> list[int]:
    """The tenants with an uploaded certificate, in id order."""
    async with db.auth_tx(pool) as conn:
        return await certificates.dte_tenants(conn)


async def emisor_resolution(pool: db.Pool, tenant_id: int) -> forwarder.Resolution | None:
    """The tenant's SII resolution from its emisor data; None when not entered yet."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        config = await emisor_mod.load_emisor(conn, tenant_id)
    return None if config is None else config.resolution


def tenant_lock(pool: db.Pool, tenant_id: int) -> contextlib.AbstractAsyncContextManager[bool]:
    """Yields whether this process got the tenant's pass lock (:func:`syncserver.store.outbox.pass_lock`); the
    scheduler and ``admin dte-send`` both take it, so the SII sees one client per tenant."""
    return outbox.pass_lock(pool, tenant_id)


async def run_pass(pool: db.Pool, secret_key: str, client: ws.SiiClient, *,
                   resolution_for: ResolutionLookup = emisor_resolution, now: datetime | None = None,
                   build_rvd: bool = False,
                   clock: clock_mod.Clock = clock_mod.utc_clock) -> dict[int, worker.PassResult | str]:
    """One pass over every tenant; per tenant its :class:`~syncserver.sii.worker.PassResult`, or the error text
    (``"ocupado"`` when another process holds the tenant). ``build_rvd``, ``now`` and ``clock``: see
    :func:`worker.run_once`."""
    results: dict[int, worker.PassResult | str] = {}
    for tenant_id in await tenants(pool):
        async with tenant_lock(pool, tenant_id) as got:
            if not got:
                results[tenant_id] = "ocupado"
                continue
            try:
                resolution = await resolution_for(pool, tenant_id)
                if resolution is None:
                    log.warning("dte pass without resolution: nothing new is packed", extra={"tenant_id": tenant_id})
                result = await worker.run_once(pool, tenant_id, secret_key, client, resolution, now=now,
                                               build_rvd=build_rvd, clock=clock)
            except Exception as exc:  # one tenant's failure must not stop the others
                log.exception("dte pass failed", extra={"tenant_id": tenant_id, "error": str(exc)})
                results[tenant_id] = f"{type(exc).__name__}: {exc}"
                continue
            results[tenant_id] = result
            if any(result.to_dict().values()):
                log.info("dte pass", extra={"tenant_id": tenant_id, **result.to_dict()})
    return results


async def run_forever(pool: db.Pool, secret_key: str, client: ws.SiiClient, interval: float, *,
                      resolution_for: ResolutionLookup = emisor_resolution, build_rvd: bool = False,
                      clock: clock_mod.Clock = clock_mod.utc_clock) -> None:
    """:func:`run_pass` now and then every ``interval`` seconds, until cancelled; errors are logged, never raised."""
    while True:
        try:
            await run_pass(pool, secret_key, client, resolution_for=resolution_for, build_rvd=build_rvd, clock=clock)
        except Exception as exc:  # the database down, …: try again next time
            log.exception("dte scheduler pass failed", extra={"error": f"{type(exc).__name__}: {exc}"})
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running(pool: db.Pool, settings: ServerSettings, *, client: ws.SiiClient | None = None,
                  resolution_for: ResolutionLookup = emisor_resolution,
                  clock: clock_mod.Clock = clock_mod.utc_clock) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run the scheduler for the block when ``settings.dte_interval > 0`` (yields the task, or None when off); each
    pass builds the due RVDs too when ``settings.rvd_enabled``, and reads the time from ``clock`` (the app's).

    ``client`` defaults to one for ``settings.sii_environment`` / ``sii_url`` (closed at the end).

    Raises:
        SiiConfigError: the environment setting cannot be used (at start, not later).
    """
    if settings.dte_interval <= 0:
        yield None
        return
    own = client is None
    sii = ws.client_for(settings.sii_environment, settings.sii_url, clock=clock) if client is None else client
    build_rvd = settings.rvd_enabled
    task = asyncio.create_task(run_forever(pool, settings.secret_key, sii, settings.dte_interval,
                                           resolution_for=resolution_for, build_rvd=build_rvd, clock=clock),
                               name="dte-scheduler")
    log.info("dte scheduler started", extra={"interval": settings.dte_interval,
                                             "sii_environment": settings.sii_environment, "rvd_enabled": build_rvd})
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if own:
            await sii.http.aclose()
