"""A terminal's new epoch (its journal was restored or cloned), its folio leases renewed in the same transaction;
the refusal of a batch of an old epoch, saying how much of it the server holds; the first leases of a newly
enrolled terminal."""

from __future__ import annotations

from shared import clock as clock_mod
from shared import errors, sync
from syncserver.dte import folios
from syncserver.ingest import scope
from syncserver.store import db, events, terminals


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


async def old_epoch(store: events.PostgresEventStore, batch: sync.PushBatch, current_epoch: int) -> sync.SyncError:
    """The ``epoch`` refusal of ``batch``, which is not of the terminal's ``current_epoch`` (its journal was restored
    from a copy, possibly one already restored before); reads only.

    A batch of an older epoch is compared with what the server holds of that epoch, so the till carries into its
    new epoch only what the server never received: ``conflict_seq`` names the first entry that differs from the
    stored one; else ``common_seq`` is the last seq of the batch the server holds the same (``from_seq - 1`` when it
    holds none of it). A batch that does not continue what the server holds (a gap, a broken chain), or of a later
    epoch, gets only ``current_epoch``: the till goes on from what it knows (its acknowledged seq).
    """
    def refusal(**data: int) -> sync.SyncError:
        return sync.SyncError("epoch", f"la época vigente es {current_epoch}", current_epoch=current_epoch, **data)

    if batch.epoch > current_epoch or not batch.events:
        return refusal()
    try:
        pending = await store.check(batch.events)
    except errors.HistoryDiffers as exc:
        return refusal(conflict_seq=exc.seq)
    except (errors.EventError, RecursionError):
        return refusal()
    return refusal(common_seq=pending.new[0].seq - 1 if pending.new else batch.to_seq)


async def first_leases(pool: db.Pool, tenant_id: int, terminal_id: str, store_id: str, epoch: int, *,
                       folio_lease_size: int = folios.DEFAULT_LEASE_SIZE,
                       folio_low_water: int = folios.DEFAULT_LOW_WATER,
                       clock: clock_mod.Clock = clock_mod.utc_clock) -> None:
    """Lease a newly enrolled terminal its first folios of every type the tenant has CAFs for, so its first pull
    brings them and its first sale carries a document (otherwise the first lease waited for its first push)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await folios.refill(conn, tenant_id, terminal_id, store_id, epoch, lease_size=folio_lease_size,
                            low_water=folio_low_water, clock=clock)
