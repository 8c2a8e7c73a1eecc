"""HQ's catalog: the tenant's products, each with the version an edit must carry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from syncserver.store import db

PRODUCT_FIELDS: Final = ("sku", "name", "price", "category", "sold_by", "plu", "brand", "barcodes", "iva_exempt",
                         "favourite", "active")
"""The fields HQ edits and publishes to the terminals (``shared.events.catalog.ProductUpserted``'s)."""


async def version_for_update(conn: db.Conn, tenant_id: int, sku: str) -> int | None:
    """The stored version of ``sku``, its row locked until the transaction ends; None for a new product."""
    cur = await conn.execute("SELECT version FROM products WHERE tenant_id = %s AND sku = %s FOR UPDATE",
                             (tenant_id, sku))
    row = await cur.fetchone()
    return None if row is None else int(row[0])


async def upsert(conn: db.Conn, tenant_id: int, product: Mapping[str, Any], version: int) -> None:
    """Write ``product`` (every :data:`PRODUCT_FIELDS`) as ``version``, over any stored one."""
    await conn.execute(
        f"INSERT INTO products (tenant_id, {', '.join(PRODUCT_FIELDS)}, version)"
        f" VALUES (%s, {', '.join(['%s'] * len(PRODUCT_FIELDS))}, %s) ON CONFLICT (tenant_id, sku) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in PRODUCT_FIELDS[1:]) + ", version = excluded.version",
        (tenant_id, *[product[f] for f in PRODUCT_FIELDS], version))
