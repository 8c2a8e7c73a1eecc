"""Products the stores created themselves (``store_created_products``): each store's proposal as its tills
journaled it, pending until HQ adopts it into the catalog (or sets it aside); never published to other stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from shared.events import catalog, envelope
from syncserver.store import db

DATA_FIELDS: Final = ("name", "price", "category", "sold_by", "plu", "brand", "barcodes", "iva_exempt", "favourite",
                      "active")
"""What a proposal keeps of the store's ``ProductUpserted`` (beside its SKU)."""


def is_store_created(event: catalog.ProductUpserted) -> bool:
    """A product a store created itself (``desktop.services.local_products``), not HQ's nor a seeded catalog's."""
    return event.source == "store" and bool(event.created_by)


def row(tenant_id: int, entry: envelope.Envelope, event: catalog.ProductUpserted) -> tuple[Any, ...]:
    """The row :func:`record` writes for a store-created ``event`` journaled in ``entry``."""
    data = {f: list(event.barcodes) if f == "barcodes" else getattr(event, f) for f in DATA_FIELDS}
    return (tenant_id, entry.store_id, event.sku, Jsonb(data), event.created_by, entry.occurred_at,
            entry.terminal_id, entry.occurred_at)


async def record(cur: db.Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
    """Keep each store's proposal: the first creation's who and when, the latest data while pending (an adopted or
    set-aside proposal stays as HQ decided it). Idempotent: a rebuild writes the same rows again."""
    await cur.executemany(
        "INSERT INTO store_created_products (tenant_id, store_id, sku, data, created_by, created_at, terminal_id,"
        " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, store_id, sku) DO UPDATE"
        " SET data = excluded.data, updated_at = excluded.updated_at"
        " WHERE store_created_products.adopted_at IS NULL AND store_created_products.discarded_at IS NULL",
        rows)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A store's own product: its SKU, data (:data:`DATA_FIELDS`), who created it (the till user's id) and when
    (the till's journal time, ISO), and HQ's decision."""

    store_id: str
    sku: str
    data: dict[str, Any]
    created_by: str
    created_at: str
    terminal_id: str
    adopted_at: datetime | None
    adopted_by: str | None
    discarded_at: datetime | None
    discarded_by: str | None
    created_by_name: str = ""
    """The till user's name (``users``, as the store's tills enrolled them); ``""`` when the master lacks it."""

    @property
    def product(self) -> dict[str, Any]:
        """The product as HQ's catalog stores it (``store.products.PRODUCT_FIELDS``)."""
        return {"sku": self.sku, **{f: self.data.get(f) for f in DATA_FIELDS},
                "barcodes": list(self.data.get("barcodes") or ()), "plu": self.data.get("plu") or None,
                "brand": self.data.get("brand") or "", "active": bool(self.data.get("active", True))}


_COLUMNS = ("store_id, sku, data, created_by, created_at, terminal_id, adopted_at, adopted_by, discarded_at,"
            " discarded_by")


async def pending(conn: db.Conn, tenant_id: int, stores: Sequence[str] | None = None) -> list[Proposal]:
    """The proposals HQ has not decided on, oldest first, of ``stores`` (every store when None)."""
    cur = conn.cursor(row_factory=dict_row)
    where = "" if stores is None else " AND p.store_id = ANY(%s)"
    columns = ", ".join(f"p.{c.strip()}" for c in _COLUMNS.split(","))
    await cur.execute(f"SELECT {columns}, COALESCE(u.name, '') AS created_by_name FROM store_created_products p"
                      " LEFT JOIN users u ON u.tenant_id = p.tenant_id AND u.user_id = p.created_by"
                      " WHERE p.tenant_id = %s AND p.adopted_at IS NULL AND p.discarded_at IS NULL"
                      f"{where} ORDER BY p.created_at, p.store_id, p.sku",
                      (tenant_id, *(() if stores is None else (list(stores),))))
    return [Proposal(**r) for r in await cur.fetchall()]


async def get_for_update(conn: db.Conn, tenant_id: int, store_id: str, sku: str) -> Proposal | None:
    """The proposal, its row locked until the transaction ends; None when there is none."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT {_COLUMNS} FROM store_created_products WHERE tenant_id = %s AND store_id = %s"
                      " AND sku = %s FOR UPDATE", (tenant_id, store_id, sku))
    found = await cur.fetchone()
    return None if found is None else Proposal(**found)


async def mark_adopted(conn: db.Conn, tenant_id: int, store_id: str, sku: str, *, by: str, at: datetime) -> None:
    await conn.execute("UPDATE store_created_products SET adopted_at = %s, adopted_by = %s WHERE tenant_id = %s"
                       " AND store_id = %s AND sku = %s", (at, by, tenant_id, store_id, sku))


async def mark_discarded(conn: db.Conn, tenant_id: int, store_id: str, sku: str, *, by: str, at: datetime
                         ) -> None:
    await conn.execute("UPDATE store_created_products SET discarded_at = %s, discarded_by = %s WHERE tenant_id = %s"
                       " AND store_id = %s AND sku = %s", (at, by, tenant_id, store_id, sku))
