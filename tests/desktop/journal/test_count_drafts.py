"""Count lines scanned before posting live in the journal file: a till killed between two lines (reopened from
the file) has every line committed before, a rebuild of the read models keeps them, and posting clears them."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from decimal import Decimal

from desktop.journal import count_drafts
from desktop.journal import inventory_queries as iq
from shared.events import inventory as inv

CHILD = textwrap.dedent("""
    import os, signal, sys
    from datetime import datetime
    from decimal import Decimal
    from pathlib import Path
    from desktop.journal import count_drafts
    from desktop.journal.sqlite_store import SqliteJournal
    from shared.events import registry

    journal = SqliteJournal.open(Path(sys.argv[1]), codec=registry.build_codec(), clock=datetime.now,
                                 new_id=lambda: "x")
    conn = journal.conn
    count_drafts.add(conn, "c-1", "LEC-1", "Leche", Decimal(1), "t1")
    count_drafts.add(conn, "c-1", "LEC-1", "Leche", Decimal(1), "t2")
    count_drafts.set_counted(conn, "c-1", "PAN-1", "Pan", Decimal("1.250"), "t3")
    conn.execute("BEGIN IMMEDIATE")
    count_drafts.add(conn, "c-1", "COC-15", "Coca-Cola", Decimal(1), "t4")  # the power goes before its commit
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_lines_scanned_before_a_power_cut_are_there_when_the_till_starts_again(make_terminal, tmp_path):
    data = tmp_path / "caja"
    term = make_terminal(data_dir=data)
    term.journal.append(inv.CountStarted("c-1", "demo-store", "", "ana"))
    term.close()

    child = subprocess.run([sys.executable, "-c", CHILD, str(data / "journal.sqlite3")], capture_output=True,
                           text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr

    term = make_terminal(data_dir=data, fresh=False)
    conn = term.journal.conn
    assert count_drafts.lines(conn, "c-1") == {"LEC-1": ("Leche", Decimal(2)), "PAN-1": ("Pan", Decimal("1.25"))}
    term.journal.rebuild_projections()
    sheet = iq.count_sheet(conn, "c-1")
    assert [(x.sku, x.counted, x.scans) for x in sheet.lines] == [("LEC-1", 2, 2), ("PAN-1", Decimal("1.25"), 1)]

    assert count_drafts.add(conn, "c-1", "LEC-1", "Leche", Decimal(1), "t5") == 3
    count_drafts.remove(conn, "c-1", "PAN-1")
    term.journal.append(inv.CountPosted("c-1", "demo-store", (inv.CountLine("LEC-1", "Leche", Decimal(24),
                                                                            Decimal(3)),), "toma", "ana", "ana"))
    assert count_drafts.lines(conn, "c-1") == {}
    assert iq.on_hand(conn, "LEC-1") == 3


def test_a_discarded_sheet_keeps_nothing(make_terminal):
    term = make_terminal()
    conn = term.journal.conn
    count_drafts.add(conn, "c-2", "LEC-1", "Leche", Decimal(1), "t1")
    count_drafts.discard(conn, "c-2")
    assert count_drafts.lines(conn, "c-2") == {}
