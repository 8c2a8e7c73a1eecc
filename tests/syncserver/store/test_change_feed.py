"""The change feed across a restore of the master: a till's cursor carries the feed's generation, so a till that
pulled past the dump still receives what HQ publishes after the restore (whose ids it had passed in the lost
feed), and a cursor of a generation the feed does not know starts over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg_pool

from syncserver import backups
from syncserver.store import change_feed, db
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, migrated

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def test_a_till_past_the_dump_pulls_what_hq_publishes_after_the_restore(pg_database: str, tmp_path: Path) -> None:
    feed = migrated(pg_database, {1: SAMPLE_RUT})

    def publish(*keys: str) -> None:
        async def go(pool: psycopg_pool.AsyncConnectionPool) -> None:
            async with db.tenant_tx(pool, 1) as conn:
                for key in keys:
                    await change_feed.append_change(conn, 1, "setting", key, {"key": key})
        feed.run(go)

    def pull(cursor: int) -> tuple[list[str], int]:
        changes, new_cursor = feed.run(lambda pool: change_feed.pull(pool, 1, "centro", cursor, 100))
        return [c["key"] for c in changes if c["kind"] == "setting"], new_cursor

    publish("a", "b")
    keys, at_dump = pull(0)
    assert keys == ["a", "b"]
    dump = tmp_path / "master.dump"
    backups.backup(feed.admin_url, dump)
    publish("lost-1", "lost-2")  # pulled by the till, then lost with the disk
    keys, ahead = pull(at_dump)
    assert keys == ["lost-1", "lost-2"] and ahead == at_dump + 2

    backups.restore(feed.admin_url, dump, NOW, replace=True)
    publish("after-1", "after-2")  # ids the till passed in the lost feed (the first is the restore's marker's next)
    keys, cursor = pull(ahead)
    assert keys == ["after-1", "after-2"]  # before generations: only after-2 (its id past the till's cursor)
    assert pull(cursor)[0] == []
    publish("after-3")
    assert pull(cursor)[0] == ["after-3"]
    assert pull(at_dump)[0] == ["after-1", "after-2", "after-3"]  # a till that stopped at the dump: nothing again
    assert pull(0)[0] == ["a", "b", "after-1", "after-2", "after-3"]  # a new till; the marker is never delivered
    stranger = (cursor >> change_feed.ID_BITS) + 1 << change_feed.ID_BITS | 3
    assert pull(stranger)[0] == ["a", "b", "after-1", "after-2", "after-3"]  # unknown generation: from the start

    # the same dump restored again: a new generation, which does not know the previous one (not in the dump)
    backups.restore(feed.admin_url, dump, NOW + timedelta(hours=1), replace=True)
    publish("again")
    keys, again = pull(cursor)
    assert keys == ["a", "b", "again"] and again >> change_feed.ID_BITS > cursor >> change_feed.ID_BITS
