"""The ingest's scope rules at the push, against the throwaway PostgreSQL: the server's own folios (HQ's notas de
crédito) are no till's to issue; a lease counts for its epoch and the later ones; an entry's date against a
store's deactivation (``syncserver.ingest.scope``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg_pool

from shared.events import envelope
from syncserver.dte import folios
from syncserver.ingest import scope
from syncserver.store import db
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, TODAY, Till, migrated, sample_caf

SIZES = {"folio_lease_size": 5, "folio_low_water": 2}


def _entry(occurred_at: str) -> envelope.Envelope:
    return envelope.seal(event_id=str(uuid.uuid4()), tenant_id=1, store_id="centro", terminal_id="t", epoch=1, seq=1,
                         occurred_at=occurred_at, type="shift.opened", version=1, payload={},
                         prev_hash=envelope.GENESIS_HASH)


def test_an_entry_counts_as_before_a_deactivation_only_with_a_date_and_offset_before_it() -> None:
    since = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # 10:00 in Santiago (UTC-3)
    dates = ["2026-11-22T09:59:59.999-03:00", "2026-11-22T12:59:00Z", "2026-11-22T10:00:00-03:00",
             "2026-11-22T09:00:00"]
    assert scope.dated_before([_entry(d) for d in dates], since) == 2  # the third is at the deactivation itself
    assert scope.dated_before([_entry("2026-11-22T09:00:00"), _entry(dates[0])], since) == 0  # no offset: after
    assert scope.dated_before([_entry("ayer"), _entry(dates[0])], since) == 0
    assert scope.dated_before([_entry(dates[0])], since) == 1


def test_the_servers_own_folio_and_an_old_epochs_lease_at_the_push(pg_database: str) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[int, int]:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        async with db.tenant_tx(pool, 1) as conn:  # HQ stamps a document with a folio of its own lease
            taken = await folios.take_server_folio(conn, 1, 39, today=TODAY)
        assert taken is not None
        server_folio = taken[0]
        till.sell(39, 1)
        till.sell(39, server_folio)
        ack = await till.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (1, 1)
        # a new epoch: an entry carried over keeps its folio of the retired lease; the new lease is usable too
        await till.restore(pool, keep=0, **SIZES)
        fresh = (await till.leases(pool))[0]["desde"]
        till.sell(39, 2)
        till.sell(39, fresh)
        ack = await till.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (2, 0)
        return server_folio, fresh

    server_folio, fresh = data.run(work)
    assert data.rows("SELECT seq, reason FROM quarantine") == [
        (2, f"folio no asignado a esta caja: el folio de la boleta N° {server_folio} es del servidor (documentos que"
            " emite HQ); la venta no se registró y su documento no se envía al SII")]
    assert data.rows("SELECT folio, epoch FROM dte_documents ORDER BY folio") == [(1, 1), (2, 2), (fresh, 2)]
    assert data.rows("SELECT folio FROM dte_outbox ORDER BY folio") == [(1,), (2,), (fresh,)]
    assert data.rows("SELECT count(*) FROM sales") == [(3,)]
