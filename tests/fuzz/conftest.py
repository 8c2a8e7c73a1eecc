"""Fuzz fixtures: the ``fuzz`` hypothesis profile (``HYPOTHESIS_PROFILE=fuzz``, as ``scripts/fuzz`` sets it) and a
real till's journal, the corpus the batch targets mutate."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from shared.events import envelope
from shared.sale import TenderKind
from tests.conftest import Clock
from tests.e2e import sync_kit

settings.register_profile("fuzz", max_examples=10_000, deadline=None, derandomize=False, database=None,
                          suppress_health_check=list(HealthCheck))
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


class Journal(list[envelope.Envelope]):
    """A till's entries (a list), shown by its size in hypothesis' reports."""

    def __repr__(self) -> str:
        return f"<journal of {len(self)} entries>"


@pytest.fixture(scope="session")
def till_journal() -> Iterator[list[envelope.Envelope]]:
    """Every entry of a real till's journal after it opened a shift and rang up 12 sales (cash, debit, credit)."""
    folder = Path(tempfile.mkdtemp(prefix="almacen-fuzz-"))
    ids = iter(range(1, 10**9))
    s = settings_mod.TerminalSettings(data_dir=folder / "terminal")  # type: ignore[call-arg]
    term = terminal_mod.build(s, create=True, clock=Clock(), new_id=lambda: f"00000000-0000-7000-8000-{next(ids):012d}",
                              printer=FakePrinter(), drawer=FakeDrawer(),
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    try:
        seed.seed(term, sync_kit.catalog_rows(8))
        sync_kit.sell(term, 12, random.Random(11), 8, tenders=(TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT))
        yield Journal(term.journal.read())
    finally:
        term.close()
        shutil.rmtree(folder, ignore_errors=True)


# the server's throwaway PostgreSQL (one cluster per session, a database per test) and uvicorn in a thread
from tests.conftest import serve_in_thread  # noqa: E402, F401
from tests.syncserver.conftest import pg_cluster, pg_database  # noqa: E402, F401
