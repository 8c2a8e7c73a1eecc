"""Fixtures of the till's own tests (the whole suite's are in ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop import settings as settings_mod


@pytest.fixture
def store_journal(make_terminal: Callable[..., Any], tmp_path: Path) -> Callable[[list[dict[str, str]]], Path]:
    """``store_journal(rows)``: the journal of a closed till seeded with ``rows``, whose ``terminal.toml`` says the
    store is RUT 77.447.842-6 (the receptor of the test supplier documents), for commands that open it themselves."""
    def build(rows: list[dict[str, str]]) -> Path:
        data = tmp_path / "caja"
        term = make_terminal(rows=rows, data_dir=data, store=settings_mod.StoreInfo(rut="77.447.842-6"))
        term.close()
        (data / "terminal.toml").write_text('[store]\nrut = "77.447.842-6"\n', "utf-8")
        return data / "journal.sqlite3"
    return build
