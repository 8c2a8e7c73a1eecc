"""Folio leasing through sync: refill at the low-water mark in the push's transaction, duplicates and strangers
quarantined, a new epoch retires the old leases, and leases stay disjoint across terminals and CAFs."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime
from typing import Any

import psycopg_pool
import pytest

from shared import sync
from syncserver.dte import corrections, folios, pipeline
from syncserver.sii.standin_caf import StandinIssuer
from syncserver.store import general_journal
from tests.syncserver.dte import dte_kit
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, Till, migrated

SIZES = {"folio_lease_size": 5, "folio_low_water": 2}
IMPORT_SIZES = {"lease_size": 5, "low_water": 2}


def test_refill_in_the_push_and_quarantine_of_bad_folios(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    issuer = StandinIssuer.generate()
    keys = {**folios.sii_keys(), **issuer.keys()}
    first = issuer.issue(rut=SAMPLE_RUT, razon_social="X", tipo=39, desde=1, hasta=8, fa=date.today())
    second = issuer.issue(rut=SAMPLE_RUT, razon_social="X", tipo=39, desde=101, hasta=150, fa=date.today())

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
        a, b = await Till.enroll(pool, 1), await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, first, keys=keys, **IMPORT_SIZES)
        await folios.import_caf(pool, 1, second, keys=keys, **IMPORT_SIZES)
        ranges = {t.terminal_id: [(x["desde"], x["hasta"]) for x in await t.leases(pool)] for t in (a, b)}
        assert sorted(ranges.values()) == [[(1, 5)], [(6, 8)]]  # the rest of the first CAF is only 3 folios
        low, high = (a, b) if ranges[a.terminal_id] == [(1, 5)] else (b, a)
        # the 3-folio lease is above the low-water mark until a push shows it used
        for folio in (6, 7):
            high.sell(39, folio)
        ack = await high.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (2, 0)
        assert [(x["desde"], x["hasta"]) for x in await high.leases(pool)] == [(6, 8), (101, 105)]
        # another till's folio and one outside every lease are stored but quarantined whole, with the reason
        low.sell(39, 1)
        low.sell(39, 6)
        low.sell(39, 2)
        low.sell(39, 140)
        ack = await low.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (2, 2)
        # restored journal: a new epoch retires the open leases and leases fresh folios at once
        epoch_before = low.epoch
        await low.restore(pool, keep=0, **SIZES)
        assert low.epoch == epoch_before + 1
        assert [(x["desde"], x["hasta"]) for x in await low.leases(pool)] == [(106, 110)]
        # an entry carried into the new epoch keeps the folio it was stamped with under the retired lease
        low.sell(39, 5)
        low.sell(39, 106)
        ack = await low.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (2, 0)

    db.run(work)
    reasons = [r[0] for r in db.rows("SELECT reason FROM quarantine ORDER BY seq")]
    assert len(reasons) == 2 and "boleta N° 6 está asignado a otra caja" in reasons[0], reasons
    assert "ninguna caja recibió el folio de la boleta N° 140" in reasons[1], reasons
    assert db.rows("SELECT folio, epoch FROM dte_documents ORDER BY folio") == [(1, 1), (2, 1), (5, 2), (6, 1), (7, 1),
                                                                                (106, 2)]
    assert db.rows("SELECT count(*) FROM dte_outbox") == [(6,)]
    retired = db.rows("SELECT desde, hasta, issued FROM folio_leases WHERE retired_at IS NOT NULL")
    assert retired == [(1, 5, 3)]
    leases = db.rows("SELECT tipo, desde, hasta FROM folio_leases ORDER BY tipo, desde")
    assert all(x[2] < y[1] for x, y in itertools.pairwise(leases))  # disjoint


def test_a_till_restored_from_its_copy_gives_up_its_leases_and_is_leased_new_ones(pg_database: str) -> None:
    from shared.events import folios as folio_events

    db = migrated(pg_database, {1: SAMPLE_RUT})
    issuer = StandinIssuer.generate()
    caf = issuer.issue(rut=SAMPLE_RUT, razon_social="X", tipo=39, desde=1, hasta=20, fa=date.today())

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, caf, keys={**folios.sii_keys(), **issuer.keys()}, **IMPORT_SIZES)
        assert [(x["desde"], x["hasta"]) for x in await till.leases(pool)] == [(1, 5)]
        till.sell(39, 1)
        assert (await till.push(pool, **SIZES)).applied == 1
        # `almacen pos restore` put back a copy the server had not passed (the same epoch): the copy gives up its
        # leases, folios 2-5 may be on boletas the lost disk printed
        till.record(folio_events.FolioLeasesRetired(epoch=till.epoch))
        till.sell(39, 2)  # a folio the copy used before it knew (stamped under the retired lease): still its own
        ack = await till.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (2, 0)
        # the feed no longer hands out the retired range (a till behind it, e.g. restored, would take it up again)
        assert [(x["desde"], x["hasta"]) for x in await till.leases(pool)] == [(6, 10)]
        till.sell(39, 6)
        assert (await till.push(pool, **SIZES)).quarantined == 0
        till.record(folio_events.FolioLeasesRetired(epoch=till.epoch, reason="otro"))  # malformed: retires nothing
        assert (await till.push(pool, **SIZES)).quarantined == 1

    db.run(work)
    assert db.rows("SELECT desde, hasta, issued, retired_at IS NOT NULL FROM folio_leases ORDER BY desde") == [
        (1, 5, 2, True), (6, 10, 1, False)]
    assert db.rows("SELECT folio FROM dte_documents ORDER BY folio") == [(1,), (2,), (6,)]


def test_a_push_topping_up_meets_an_hq_nota_holding_the_type_lock_without_a_deadlock(
        pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The interleaving that deadlocked: HQ's nota de crédito takes the 61 lock (its folio), the till's push writes
    the same store's journal rows for the day, then wants the 61 lock to top up its lease, and the nota goes on to
    book its asiento in those rows. Each waited for the other: PostgreSQL aborted one after deadlock_timeout (the
    HQ user got an error). The push now skips a top-up whose type is locked; its next push tops up."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    booked = general_journal.book_hq_nota

    def then() -> datetime:
        return datetime(2025, 5, 2, 22, 0, tzinfo=UTC)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[corrections.Corrected, sync.Ack, list[Any]]:
        till = await Till.enroll(pool, 1)
        till.occurred_at = "2025-05-02T10:00:00-04:00"  # the 61 CAF (authorised 2025-04-11) still valid
        await dte_kit.setup_tenant(pool, tipos=(39, 61), lease_size=5)  # the till holds 39: 1-5, 61: 1-5
        for folio in (1, 2):
            till.record(dte_kit.sale([("Pan Batido", 1990, "1", False)], folio))
        await till.push(pool, folio_lease_size=5, folio_low_water=1, clock=then)
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(2, 0)
        db.rows("UPDATE dte_outbox SET state = 'rejected' WHERE tipo = 39 AND folio = 1 RETURNING folio")  # the SII
        till.record(dte_kit.sale([("Leche Entera 1 L", 1150, "2", False)], 3))  # the same day, the same store
        pushed: asyncio.Task[sync.Ack] | None = None

        async def book_after_the_push(conn: Any, tenant_id: int, tipo: int, folio: int) -> str | None:
            # the nota holds the 61 lock here: the push writes its journal rows and reaches its top-up ...
            nonlocal pushed
            pushed = asyncio.ensure_future(till.push(pool, folio_lease_size=5, folio_low_water=10, clock=then))
            async with pool.connection() as watcher:
                for _ in range(1000):  # ... where it waits for the 61 lock (or, not waiting, has committed)
                    waiting = await (await watcher.execute(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).fetchone()
                    if pushed.done() or (waiting is not None and waiting[0] > 0):
                        break
                    await asyncio.sleep(0.01)
            return await booked(conn, tenant_id, tipo, folio)  # the nota's asiento: the same rows as the push's

        monkeypatch.setattr(general_journal, "book_hq_nota", book_after_the_push)
        nota = await corrections.correct_rejected(pool, 1, 39, 1, by="pepe@donpepe.cl",
                                                  now=datetime(2025, 5, 2, 18, 0), clock=then)
        assert pushed is not None
        ack = await pushed
        skipped = [(x["desde"], x["hasta"]) for x in await till.leases(pool) if x["tipo"] == 61]
        till.record(dte_kit.sale([("Pan Batido", 1990, "1", False)], 4))
        await till.push(pool, folio_lease_size=5, folio_low_water=10, clock=then)
        topped = [(x["desde"], x["hasta"]) for x in await till.leases(pool) if x["tipo"] == 61]
        return nota, ack, [skipped, topped]

    nota, ack, ranges = db.run(work)
    assert (nota.folio, nota.original_folio, ack.applied, ack.quarantined) == (6, 1, 1, 0)
    # the push that met the nota's lock skipped the 61 top-up; the next one leased past the server's 6-15
    assert ranges == [[(1, 5)], [(1, 5), (16, 20)]]
    assert db.rows("SELECT tipo, folio FROM dte_documents ORDER BY tipo, folio") == [
        (39, 1), (39, 2), (39, 3), (39, 4), (61, 6)]
