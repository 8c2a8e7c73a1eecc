"""The lines of an open count sheet scanned or typed before it is posted (``count_drafts``): working state kept
in the journal file, not a projection, so a power cut or a rebuild loses none of them.

Each call is one statement: on its own it commits (and fsyncs, the journal's ``synchronous=FULL``) before it
returns; inside a unit of work it is part of that transaction. Posting the count (``CountPosted``) clears its
drafts in the transaction that journals it (``inventory_projection.count_posted``). Quantities are Decimal in
the product's unit (kept in thousandths); ``at`` is the till's time, ISO.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

MILLI = Decimal(1000)


def add(conn: sqlite3.Connection, count_id: str, sku: str, name: str, quantity: Decimal, at: str) -> Decimal:
    """A scan: ``quantity`` more of ``sku`` on the sheet (1 for a unit, the weight for kg goods); returns the
    product's count now."""
    row = conn.execute("INSERT INTO count_drafts (count_id, sku, name, counted, scans, updated_at)"
                       " VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (count_id, sku) DO UPDATE"
                       " SET counted = counted + excluded.counted, scans = scans + 1, updated_at = excluded.updated_at"
                       " RETURNING counted", (count_id, sku, name, int(quantity * MILLI), at)).fetchone()
    return Decimal(row[0]) / MILLI


def set_counted(conn: sqlite3.Connection, count_id: str, sku: str, name: str, counted: Decimal, at: str) -> None:
    """A typed count: ``sku`` has ``counted`` on the shelf (replaces what was scanned)."""
    conn.execute("INSERT INTO count_drafts (count_id, sku, name, counted, scans, updated_at) VALUES (?, ?, ?, ?, 1, ?)"
                 " ON CONFLICT (count_id, sku) DO UPDATE SET counted = excluded.counted, scans = scans + 1,"
                 " updated_at = excluded.updated_at", (count_id, sku, name, int(counted * MILLI), at))


def remove(conn: sqlite3.Connection, count_id: str, sku: str) -> None:
    """Take ``sku`` off the sheet (not counted: posting leaves its stock as it is)."""
    conn.execute("DELETE FROM count_drafts WHERE count_id = ? AND sku = ?", (count_id, sku))


def lines(conn: sqlite3.Connection, count_id: str) -> dict[str, tuple[str, Decimal]]:
    """``sku → (name, counted)`` of every line on the sheet."""
    return {r[0]: (r[1], Decimal(r[2]) / MILLI) for r in conn.execute(
        "SELECT sku, name, counted FROM count_drafts WHERE count_id = ? ORDER BY name, sku", (count_id,))}


def discard(conn: sqlite3.Connection, count_id: str) -> None:
    """Forget every line of the sheet."""
    conn.execute("DELETE FROM count_drafts WHERE count_id = ?", (count_id,))
