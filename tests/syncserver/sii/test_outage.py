"""A day-long SII outage, driven hour by hour with the passes' ``now`` and the stand-in's clock (no real waiting):
boletas and facturas keep coming, nothing reaches the SII while it is down, and once it is back every envelope is
uploaded exactly once and every document accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg_pool

from shared.dte import signature
from syncserver import sii_standin
from syncserver.dte import certs, folios
from syncserver.sii import forwarder, worker
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, TODAY, Till, boleta_sale, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, factura, holder_pfx, put_signed, sii_client, standin_url

RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)


def test_a_day_long_outage_loses_nothing_and_sends_nothing_twice(pg_database: str, serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    standin.register_caf(sample_caf(33))
    pfx = holder_pfx()
    signer = signature.load_pfx(pfx, PFX_PASSWORD)
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    standin.outage_until = t0 + timedelta(hours=24)
    during: list[int] = []

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> list[worker.PassResult]:
            till = await Till.enroll(pool, 1)
            await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=10, low_water=2)
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            for folio in (1, 2, 3):
                till.record(boleta_sale(folio))
            await till.push(pool)
            put_signed(db.admin_url, 1, 33, 1, factura(1, signer))
            results = []
            async with sii_client(url) as client:
                for hour in range(27):
                    now = t0 + timedelta(hours=hour)
                    standin.at(now)
                    if hour == 6:  # the shop keeps selling during the outage
                        for folio in (4, 5):
                            till.record(boleta_sale(folio))
                        await till.push(pool)
                    if hour == 12:
                        put_signed(db.admin_url, 1, 33, 2, factura(2, signer, amount=5990))
                    results.append(await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=now))
                    if hour < 24:
                        during.append(len(standin.bodies))
            return results

        results = db.run(work)
    assert set(during) == {0}  # nothing reached the SII during the outage
    assert sum(r.sent for r in results[:24]) == 0 and sum(r.packed for r in results[:24]) == 7
    envelopes = db.rows("SELECT kind, state, sii_estado, track_id, sent_at FROM dte_envelopes ORDER BY envelope_id")
    assert [(k, s, e) for k, s, e, _, _ in envelopes] == [("EnvioBOLETA", "done", "EPR"), ("EnvioDTE", "done", "EPR"),
                                                          ("EnvioBOLETA", "done", "EPR"), ("EnvioDTE", "done", "EPR")]
    assert all(sent >= t0 + timedelta(hours=24) for *_, sent in envelopes)
    assert len(standin.bodies) == len(set(standin.bodies)) == 4  # each envelope uploaded exactly once
    assert len({track for _, _, _, track, _ in envelopes}) == 4
    assert db.rows("SELECT tipo, folio, state FROM dte_outbox ORDER BY tipo, folio") == [
        (33, 1, "accepted"), (33, 2, "accepted"),
        (39, 1, "accepted"), (39, 2, "accepted"), (39, 3, "accepted"), (39, 4, "accepted"), (39, 5, "accepted")]


def test_after_an_outage_an_answering_sii_is_polled_again_within_a_minute(pg_database: str,
                                                                          serve_in_thread: Any) -> None:
    """An envelope sent just before the outage fails its status queries all day (backoff grows to an hour); the
    first "en proceso" answer after the outage starts the count again, so its verdict comes minutes later."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn(pending_polls=2)  # one "en proceso" before the outage, one after
    standin.register_caf(sample_caf(39))
    pfx = holder_pfx()
    t0 = datetime.now(UTC) + timedelta(seconds=5)
    standin.at(t0 - timedelta(seconds=1))
    waits: list[timedelta] = []

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
            till = await Till.enroll(pool, 1)
            await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=10, low_water=2)
            await certs.store(pool, 1, pfx, PFX_PASSWORD, SECRET)
            till.record(boleta_sale(1))
            await till.push(pool)
            async with sii_client(url) as client:
                first = await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=t0 - timedelta(seconds=1))
                assert first.sent == 1  # uploaded just before the outage
                standin.outage_until = t0 + timedelta(hours=24)
                now = t0
                while True:
                    standin.at(now)
                    await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=now)
                    async with pool.connection() as conn, conn.transaction():
                        await conn.execute("SELECT set_config('app.tenant_id', '1', true)")
                        state, due = await (await conn.execute(
                            "SELECT state, next_attempt_at FROM dte_envelopes")).fetchone()  # type: ignore[misc]
                    if state == "done":
                        return
                    waits.append(due - now)
                    now = max(due, now + timedelta(minutes=1))

        db.run(work)
    during, after = waits[:-1], waits[-1]
    assert max(during) == timedelta(hours=1)  # the failed polls backed off to the hour
    assert after <= timedelta(minutes=1)  # "en proceso" after the outage: asked again within a minute
    assert db.rows("SELECT state FROM dte_outbox") == [("accepted",)]
