"""A push through the repositories, by the injected clock: the terminal's last sync and clock skew come from
``clock()``, and a replay of the same range is a no-op with the same ack (its tracking head)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import psycopg_pool

from shared import signing, sync
from shared.events import envelope, registry
from syncserver import bootstrap, tenancy
from syncserver.ingest import push as push_mod

RECEIVED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _batch(terminal_id: str, count: int) -> sync.PushBatch:
    entries, prev = [], envelope.GENESIS_HASH
    for seq in range(1, count + 1):
        entry = envelope.seal(event_id=str(uuid.uuid4()), tenant_id=1, store_id="centro", terminal_id=terminal_id,
                              epoch=1, seq=seq, occurred_at="2026-11-20T12:00:00.000-03:00", type="test.noted",
                              version=1, payload={"n": seq}, prev_hash=prev)
        entries.append(entry)
        prev = entry.hash
    return sync.PushBatch(1, "centro", terminal_id, 1, 1, envelope.GENESIS_HASH, tuple(entries))


def test_a_push_records_the_sync_by_the_injected_clock_and_a_replay_changes_nothing(pg_database: str) -> None:
    app_url = bootstrap.migrate(pg_database)
    public_key = signing.public_key(signing.new_private_key())
    body = _batch("caja-1", 3).to_bytes()

    async def scenario() -> tuple[sync.Ack, sync.Ack]:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
            await tenancy.create_store(pool, 1, "centro", "Centro")
            code = await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 1")
            await tenancy.enroll(pool, code, public_key, "caja-1")
            principal = push_mod.Principal("caja-1", 1, "centro", public_key, "active")
            push = push_mod.push(pool, registry.build_codec(), principal, body, max_events=100, pending=5,
                                 terminal_clock=RECEIVED + timedelta(seconds=90), clock=lambda: RECEIVED)
            first = await push
            again = await push_mod.push(pool, registry.build_codec(), principal, body, max_events=100,
                                        clock=lambda: RECEIVED + timedelta(hours=1))
            return first, again

    first, again = asyncio.run(scenario())
    assert (first.acked_seq, first.applied, first.quarantined) == (3, 0, 3)  # test.noted is no event type
    assert (again.epoch, again.acked_seq, again.acked_hash) == (first.epoch, first.acked_seq, first.acked_hash)
    with psycopg.connect(pg_database) as conn:
        terminal = conn.execute("SELECT last_sync_at, last_seen_seq, clock_skew_ms, pending_reported FROM terminals"
                                " WHERE terminal_id = 'caja-1'").fetchone()
        tracking = conn.execute("SELECT acked_seq, acked_hash FROM sync_tracking").fetchall()
    assert terminal == (RECEIVED, 3, 90_000, 2)
    assert tracking == [(3, first.acked_hash)]
