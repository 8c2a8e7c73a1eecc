"""A PostgreSQL cluster with a migrated template and a server zygote, shared by the fault proofs of the session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from proofs.server import Masters, Zygote
from syncserver.pgcluster import LocalCluster


@pytest.fixture(scope="session")
def masters() -> Iterator[Masters]:
    folder = Path(tempfile.mkdtemp(prefix="almacen-proofs-"))
    os.chmod(folder, 0o711)  # the postmaster runs as the postgres user and must reach its data folder
    try:
        with LocalCluster(folder / "data", fast=True) as cluster:
            yield Masters(cluster)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    yield z
    z.close()
