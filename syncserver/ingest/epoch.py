"""A terminal's new epoch (its journal was restored or cloned), its folio leases renewed in the same transaction;
the first leases of a newly enrolled terminal."""

from __future__ import annotations

from shared import clock as clock_mod
from shared import sync
from syncserver.dte import folios
from syncserver.ingest import scope
from syncserver.store import db, terminals


async def new_epoch(pool: db.Pool, tenant_id: int, terminal_id: str, *,
                    folio_lease_size: int = folios.DEFAULT_LEASE_SIZE,
                    folio_low_water: int = folios.DEFAULT_LOW_WATER) -> int:
    """Give the terminal's journal its own epoch (the old epochs' events stay as they were); returns it.

    The terminal's open folio leases are retired (the lost part of its journal may have used some of them) and
    fresh ones leased for the new epoch (``syncserver.dte.folios``), unless HQ deactivated its store.

    Raises:
        SyncError: ``unauthenticated`` when the tenant has no such terminal.
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        moved = await terminals.next_epoch(conn, tenant_id, terminal_id)
        if moved is None:
            raise sync.SyncError("unauthenticated", "terminal sin registro en su tenant")
        await folios.retire_leases(conn, tenant_id, terminal_id, moved.epoch)
        if await scope.closed_store(conn, tenant_id, moved.store_id) is not None:
            return moved.epoch  # a deactivated store's till gets no new folios
        await folios.refill(conn, tenant_id, terminal_id, moved.store_id, moved.epoch, lease_size=folio_lease_size,
                            low_water=folio_low_water)
    return moved.epoch


async def first_leases(pool: db.Pool, tenant_id: int, terminal_id: str, store_id: str, epoch: int, *,
                       folio_lease_size: int = folios.DEFAULT_LEASE_SIZE,
                       folio_low_water: int = folios.DEFAULT_LOW_WATER,
                       clock: clock_mod.Clock = clock_mod.utc_clock) -> None:
    """Lease a newly enrolled terminal its first folios of every type the tenant has CAFs for, so its first pull
    brings them and its first sale carries a document (otherwise the first lease waited for its first push)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await folios.refill(conn, tenant_id, terminal_id, store_id, epoch, lease_size=folio_lease_size,
                            low_water=folio_low_water, clock=clock)
