"""A real sync server (uvicorn in a thread) on a throwaway PostgreSQL cluster, and enrolled terminals."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg_pool
import pytest
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.net.sync_client import SyncClient
from desktop.services.sync import SyncService
from shared import signing
from syncserver import app as app_mod
from syncserver import bootstrap, tenancy
from syncserver import settings as server_settings
from syncserver.pgcluster import LocalCluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    folder = Path(tempfile.mkdtemp(prefix="almacen-e2e-"))
    os.chmod(folder, 0o711)  # the postmaster runs as the postgres user and must reach its data folder
    try:
        with LocalCluster(folder / "data", fast=True) as c:
            yield c
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Server:
    url: str
    admin_url: str
    app_url: str

    def run(self, coro_factory: Callable[[psycopg_pool.AsyncConnectionPool], object]) -> object:
        """Run an async HQ operation with the application role (RLS applies)."""
        async def main() -> object:
            async with psycopg_pool.AsyncConnectionPool(self.app_url, min_size=1, max_size=2, open=False) as pool:
                return await coro_factory(pool)  # type: ignore[misc]
        return asyncio.run(main())


@pytest.fixture
def server(cluster: LocalCluster, serve_in_thread: Any) -> Iterator[Server]:
    name = f"t_{uuid.uuid4().hex[:10]}"
    admin = cluster.create_database(name)
    app_url = bootstrap.migrate(admin)
    settings = server_settings.ServerSettings(database_url=app_url, secret_key="test-secret", max_batch_events=5000)
    with serve_in_thread(app_mod.create_app(settings)) as url:
        yield Server(url, admin, app_url)


@dataclass
class Till:
    terminal: terminal_mod.Terminal
    client: SyncClient
    sync: SyncService


@pytest.fixture
def make_till(server: Server, tmp_path: Path) -> Iterator[Callable[..., Till]]:
    tills: list[Till] = []
    counter = itertools.count(1)
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def factory(tenant_id: int, store_id: str, rows: list[dict[str, str]]) -> Till:
        n = next(counter)
        terminal_id = str(uuid.uuid4())
        code = server.run(lambda pool: tenancy.issue_enrollment_code(pool, tenant_id, store_id, f"Caja {n}"))
        key = signing.new_private_key()
        client = SyncClient(server.url, terminal_id, key)
        enrolled = client.enroll(str(code), signing.public_key(key))
        assert enrolled["tenant_id"] == tenant_id and enrolled["store_id"] == store_id
        s = settings_mod.TerminalSettings(data_dir=tmp_path / f"till{n}", tenant_id=tenant_id, store_id=store_id,
                                          terminal_id=terminal_id)
        term = terminal_mod.build(s, create=True, printer=FakePrinter(), drawer=FakeDrawer(), hasher=hasher)
        seed.seed(term, rows)
        till = Till(term, client, SyncService(term.journal, client))
        tills.append(till)
        return till

    yield factory
    for till in tills:
        till.client.close()
        till.terminal.close()
