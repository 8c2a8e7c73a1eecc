"""Fixtures for server tests: a throwaway PostgreSQL per session, a fresh database per test, an ASGI client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp, Message, Scope

from syncserver import pgcluster


def reachable_tmpdir() -> Path:
    """A new folder under the system tmp (0711) that the ``postgres`` OS user can traverse.

    pytest's ``tmp_path`` lives under a 0700 folder of root's, which the postmaster (run as ``postgres``) cannot
    enter when the suite runs as root.
    """
    folder = Path(tempfile.mkdtemp(prefix="almacen-test-"))
    os.chmod(folder, 0o711)
    return folder


@pytest.fixture
def pg_tmp() -> Iterator[Path]:
    """A folder for a test's own cluster or server data dir; removed (with any cluster files) afterwards."""
    folder = reachable_tmpdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.LocalCluster]:
    """A started ``LocalCluster(fast=True)`` shared by the session; stopped and deleted at the end."""
    folder = reachable_tmpdir()
    cluster = pgcluster.LocalCluster(folder / "pg", fast=True)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_database(pg_cluster: pgcluster.LocalCluster) -> Iterator[str]:
    """The superuser URL of a new, empty database (random name), dropped after the test."""
    name = f"test_{secrets.token_hex(6)}"
    url = pg_cluster.create_database(name)
    yield url
    pg_cluster.drop_database(name)


@contextlib.asynccontextmanager
async def _served(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task: asyncio.Task[None] = asyncio.create_task(app(scope, to_app.get, from_app.put))  # type: ignore[arg-type]
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://almacen.test") as client:
            yield client
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        stopped = await from_app.get()
        await task
        assert stopped["type"] == "lifespan.shutdown.complete", stopped


@pytest.fixture
def served() -> Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]:
    """``async with served(app) as client:`` runs the app's lifespan as uvicorn does (startup … shutdown) around
    an ``httpx.AsyncClient`` on ``httpx.ASGITransport``; app exceptions become 500 responses.

    (starlette's TestClient cannot be used: without the ``httpx2`` package it warns, and warnings are errors.)
    """
    return _served
