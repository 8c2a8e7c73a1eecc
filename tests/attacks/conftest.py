"""The attack suite's world, one per test module (``attack_kit.built``), on a throwaway PostgreSQL of its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from syncserver import pgcluster
from tests.attacks.attack_kit import Attack, built
from tests.syncserver.conftest import _served, reachable_tmpdir


@pytest.fixture(scope="session")
def attack_cluster() -> Iterator[pgcluster.LocalCluster]:
    """A started ``LocalCluster(fast=True)`` for the suite; stopped and deleted at the end."""
    folder = reachable_tmpdir()
    cluster = pgcluster.LocalCluster(folder / "pg", fast=True)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def attack(attack_cluster: pgcluster.LocalCluster, request: pytest.FixtureRequest) -> Iterator[Attack]:
    with built(attack_cluster, _served, request.module.__name__.rsplit(".", 1)[-1]) as world:
        yield world
