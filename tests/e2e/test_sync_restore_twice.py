"""The same journal backup put back on a till twice: each restore continues as a new epoch and carries over only
what the server never received, so the master holds every sale once and its stock is the journal's."""

from __future__ import annotations

import random
import sqlite3
from decimal import Decimal
from pathlib import Path

from desktop import terminal as terminal_mod
from desktop.services.sync import SyncService
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(5)


def _copy(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def _restore(till, backup: Path) -> None:
    """Close the till, put ``backup`` in place of its journal and open it again."""
    path = till.terminal.journal.path
    till.terminal.close()
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    _copy(backup, path)
    till.terminal = terminal_mod.build(till.terminal.settings, printer=till.terminal.printer, drawer=None,
                                       hasher=till.terminal.auth.hasher)
    till.sync = SyncService(till.terminal.journal, till.client)


def _sales(journal) -> set[str]:
    """The sale ids in the journal's current epoch."""
    return {e.payload["sale_id"] for e in journal.read() if e.type == "sale.completed"}


def test_the_same_backup_restored_twice_sends_nothing_twice(server, make_till, tmp_path):
    sync_kit.setup_tenants(server)
    till = make_till(1, "centro", ROWS)
    sync_kit.sell(till.terminal, 3, random.Random(1), 5)
    backup = tmp_path / "backup.sqlite3"
    _copy(till.terminal.journal.path, backup)  # nothing of it acknowledged yet
    sync_kit.sell(till.terminal, 4, random.Random(2), 5)
    assert till.sync.sync_once(till.terminal.journal.clock()).online
    first = _sales(till.terminal.journal)

    _restore(till, backup)
    status = till.sync.sync_once(till.terminal.journal.clock())
    assert status.online and status.pending == 0 and till.terminal.journal.identity.epoch == 2
    _restore(till, backup)
    sync_kit.sell(till.terminal, 2, random.Random(3), 5)
    status = till.sync.sync_once(till.terminal.journal.clock())
    assert status.online and status.pending == 0 and till.terminal.journal.identity.epoch == 3

    assert sync_kit.master(server, "SELECT reason FROM quarantine", 1) == []
    later = _sales(till.terminal.journal)
    master_sales = [s for (s,) in sync_kit.master(server, "SELECT sale_id FROM sales", 1)]
    assert sorted(master_sales) == sorted(first | later)
    # the opening stock counted once, less every sale's lines once (a re-sent opening count doubled it)
    expected = {row["sku"]: Decimal(row["stock"]) for row in ROWS}
    for sku, quantity in sync_kit.master(server, "SELECT sku, quantity FROM sale_lines", 1):
        expected[sku] -= Decimal(quantity)
    master_stock = dict(sync_kit.master(server, "SELECT sku, quantity FROM stock", 1))
    assert master_stock == expected
