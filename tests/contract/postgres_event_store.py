"""The master's PostgreSQL event store (``syncserver.store.events.PostgresEventStore``) for the event-store contract
suite: one throwaway cluster and migrated master per session, and per test a connection of the application role
(row-level security on) with the tenant set; the tables are emptied after each test."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from syncserver import pgcluster
from syncserver.store import events, schema


@dataclass(frozen=True)
class _Master:
    admin_url: str
    app_url: str


_STASH_KEY = pytest.StashKey[_Master]()


def _master(config: pytest.Config) -> _Master:
    """The session's migrated master, started on first use and removed when the session ends."""
    if _STASH_KEY in config.stash:
        return config.stash[_STASH_KEY]
    folder = Path(tempfile.mkdtemp(prefix="almacen-contract-"))
    os.chmod(folder, 0o711)  # the postmaster runs as the postgres OS user and must reach its data folder
    cluster = pgcluster.LocalCluster(folder / "pg", fast=True)

    def remove() -> None:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)

    config.add_cleanup(remove)
    cluster.start()
    admin_url = cluster.create_database("contract")
    schema.migrate(admin_url)
    config.stash[_STASH_KEY] = _Master(admin_url, schema.app_url(admin_url))
    return config.stash[_STASH_KEY]


@contextlib.asynccontextmanager
async def open_store(request: pytest.FixtureRequest, tenant_id: int) -> AsyncIterator[events.PostgresEventStore]:
    master = _master(request.config)
    try:
        async with await psycopg.AsyncConnection.connect(master.app_url, autocommit=True) as conn:
            await conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(tenant_id),))
            yield events.PostgresEventStore(conn, tenant_id)
    finally:
        with psycopg.connect(master.admin_url, autocommit=True) as admin:
            admin.execute("TRUNCATE events, sync_tracking, quarantine")
