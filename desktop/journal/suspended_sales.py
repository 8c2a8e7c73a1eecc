"""Sales put aside at this till (``suspended_sales``): working state kept in the journal file, not a projection,
so a restart or a rebuild loses none of them. A suspended sale holds no folio: the document is stamped only when
a recalled sale completes.

Each call is one statement: on its own it commits (and fsyncs, the journal's ``synchronous=FULL``) before it
returns; inside a unit of work it is part of that transaction. ``sale_json`` is the checkout's cart as JSON text
(what its draft keeps), given back unchanged by :func:`take`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Suspended:
    """One sale put aside: its number at this till, the cashier's label, the customer attached ("" for none),
    the total (CLP) and number of lines when suspended, and when (the till's clock, ISO)."""

    suspended_id: int
    label: str
    customer_id: str
    total: int
    lines: int
    suspended_at: str


def suspend(conn: sqlite3.Connection, sale_json: str, label: str, customer_id: str, *, total: int, lines: int,
            at: str) -> int:
    """Put ``sale_json`` aside under ``label`` (spaces trimmed) and return its id (never reused).

    Raises: ValueError when ``sale_json`` is not JSON text."""
    json.loads(sale_json)
    row = conn.execute("INSERT INTO suspended_sales (label, customer_id, total, lines, data, suspended_at)"
                       " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                       (" ".join(label.split()), customer_id, total, lines, sale_json, at)).fetchone()
    return int(row[0])


def listed(conn: sqlite3.Connection) -> list[Suspended]:
    """Every sale put aside at this till, oldest first."""
    return [Suspended(int(r[0]), r[1], r[2], int(r[3]), int(r[4]), r[5]) for r in conn.execute(
        "SELECT id, label, customer_id, total, lines, suspended_at FROM suspended_sales ORDER BY id")]


def take(conn: sqlite3.Connection, suspended_id: int) -> str | None:
    """Remove the suspended sale and return its ``sale_json``, in one statement (two screens recalling it cannot
    both get it); None when it is no longer there (recalled already, or never suspended)."""
    row = conn.execute("DELETE FROM suspended_sales WHERE id = ? RETURNING data", (suspended_id,)).fetchone()
    return None if row is None else str(row[0])


def count(conn: sqlite3.Connection) -> int:
    """How many sales are put aside (the sale screen's «Recuperar (n)»)."""
    return int(conn.execute("SELECT COUNT(*) FROM suspended_sales").fetchone()[0])
