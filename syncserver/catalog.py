"""HQ's catalog edits: a product saved with the version it was read at, and published on the change feed."""

from __future__ import annotations

from typing import Any

from shared import sync
from syncserver.store import change_feed, db, products


class CatalogError(sync.SyncError):
    """A catalog edit that cannot be saved; ``code`` ``conflict``: someone else saved the product in between."""


async def upsert_product(pool: db.Pool, tenant_id: int, product: dict[str, Any],
                         expected_version: int | None = None) -> int:
    """Create or edit a product in HQ's catalog and publish it to the terminals; returns its new version.

    ``product`` has every ``store.products.PRODUCT_FIELDS``.

    Raises:
        CatalogError: ``conflict`` when ``expected_version`` is not the stored version (someone else edited it).
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        stored = await products.version_for_update(conn, tenant_id, product["sku"])
        if stored is not None and expected_version is not None and stored != expected_version:
            raise CatalogError("conflict", f"otra persona modificó {product['sku']} (versión {stored})")
        version = 1 if stored is None else stored + 1
        await products.upsert(conn, tenant_id, product, version)
        await change_feed.append_change(conn, tenant_id, "product", product["sku"], {**product, "version": version})
    return version
