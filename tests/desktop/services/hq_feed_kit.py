"""HQ's change feed for till tests: product changes in the wire shape ``GET /sync/pull`` gives, made by the
server's own code (``syncserver.store.products.feed_data``, ``change_feed.Change``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syncserver.store import change_feed, products

LECHE = {"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": 1150, "category": "Lácteos", "sold_by": "unit",
         "plu": None, "brand": "Colun", "barcodes": ["7801234567894"], "iva_exempt": False, "favourite": False,
         "active": True}


class Feed:
    """HQ's change feed as ``GET /sync/pull`` gives it: the rows ``syncserver.store.change_feed`` reads, in order."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []

    def publish(self, change_id: int, product: dict[str, Any], version: int, by: str, at: datetime) -> None:
        data = products.feed_data(product, version, by, at)
        self.changes.append(change_feed.Change(change_id, "product", product["sku"], data).to_dict())

    def pull(self, cursor: int, limit: int = 500) -> tuple[list[dict[str, Any]], int, bool]:
        rows = [c for c in self.changes if c["id"] > cursor][:limit]
        return rows, (rows[-1]["id"] if rows else cursor), len(rows) == limit
