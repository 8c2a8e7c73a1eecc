"""Sales put aside at the till on a real journal file: listed oldest first, taken once, kept through a rebuild of
the read models (working state, not a projection)."""

from __future__ import annotations

import pytest

from desktop.journal import projections, suspended_sales

ROSA = "0190a000-0000-7000-8000-00000000a001"


def test_suspended_sales_survive_a_rebuild_and_are_taken_once(terminal):
    conn = terminal.journal.conn
    first = suspended_sales.suspend(conn, '{"sale": {"lines": []}}', "  Señora   del pan ", ROSA, total=2300,
                                    lines=2, at="2026-11-20T09:31:00-03:00")
    second = suspended_sales.suspend(conn, '{"sale": 2}', "", "", total=100, lines=1, at="2026-11-20T09:32:00-03:00")
    with pytest.raises(ValueError):
        suspended_sales.suspend(conn, "not json", "", "", total=1, lines=1, at="x")
    terminal.journal.rebuild_projections()
    assert [(s.suspended_id, s.label, s.customer_id, s.total) for s in suspended_sales.listed(conn)] == [
        (first, "Señora del pan", ROSA, 2300), (second, "", "", 100)]
    assert suspended_sales.count(conn) == 2
    assert suspended_sales.take(conn, first) == '{"sale": {"lines": []}}'
    assert suspended_sales.take(conn, first) is None
    assert [s.suspended_id for s in suspended_sales.listed(conn)] == [second]
    assert "suspended_sales" not in projections.PROJECTION_TABLES


def test_suspended_sales_survive_a_restart(make_terminal):
    term = make_terminal()
    kept = suspended_sales.suspend(term.journal.conn, '{"sale": {"lines": [1, 2]}}', "Don Lucho", "", total=4500,
                                   lines=2, at="2026-11-20T09:31:00-03:00")
    head = term.journal.head
    term.close()
    again = make_terminal(fresh=False)
    assert again.journal.head == head  # suspending journaled nothing (no folio, no event)
    [listed] = suspended_sales.listed(again.journal.conn)
    assert (listed.suspended_id, listed.label, listed.total, listed.lines) == (kept, "Don Lucho", 4500, 2)
    assert suspended_sales.take(again.journal.conn, kept) == '{"sale": {"lines": [1, 2]}}'
