"""Read model of the products the store created itself (``local_products``): a ``ProductUpserted`` the store
journaled with ``created_by`` makes its SKU local; HQ's of the same SKU (its adoption) makes it HQ's again.
Table: desktop/journal/migrations/versions/0013_local_products.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from shared.events import catalog, envelope

TABLES = ("local_products",)
"""Projection tables (cleared and refolded by ``rebuild-projections``)."""


def product_upserted(conn: sqlite3.Connection, entry: envelope.Envelope, e: catalog.ProductUpserted) -> None:
    """The store's own product stays local (its first creation's who and when kept); HQ's takes it over."""
    if e.source == "hq":
        conn.execute("DELETE FROM local_products WHERE sku = ?", (e.sku,))
    elif e.created_by:
        conn.execute("INSERT OR IGNORE INTO local_products (sku, created_by, created_at) VALUES (?, ?, ?)",
                     (e.sku, e.created_by, entry.occurred_at))


def local_skus(conn: sqlite3.Connection, skus: Iterable[str]) -> set[str]:
    """Which of ``skus`` are the store's own products not yet adopted by HQ."""
    wanted = list(dict.fromkeys(skus))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        rows = conn.execute(f"SELECT sku FROM local_products WHERE sku IN ({', '.join('?' * len(part))})", part)
        found.update(str(r[0]) for r in rows)
    return found
