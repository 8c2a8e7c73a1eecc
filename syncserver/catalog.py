"""HQ's catalog edits: products saved with the version they were read at (barcodes unique per tenant), deactivated
and brought back with who, when and why, categories and store prices, a store's own product adopted; every change
published on the change feed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shared import sync
from syncserver.store import audit, change_feed, db, local_products, products


class CatalogError(sync.SyncError):
    """A catalog edit that cannot be saved: ``conflict`` (someone else saved the product in between), ``barcode``
    (a barcode of another product), ``exists`` (a new product with a SKU in use), ``missing`` (no such product)."""


async def _publish(conn: db.Conn, tenant_id: int, product: dict[str, Any], version: int, by: str = "",
                   at: datetime | None = None) -> None:
    """The product for every store, then its own price for each store that has one (so a later tenant-wide
    change is always followed by the stores' prices again); ``by``/``at``: who changed it at HQ and when."""
    data = products.feed_data(product, version, by, at)
    await change_feed.append_change(conn, tenant_id, "product", product["sku"], data)
    for store_id, price in (await products.store_prices(conn, tenant_id, product["sku"])).items():
        await change_feed.append_change(conn, tenant_id, "product", product["sku"], {**data, "price": price},
                                        store_id=store_id)


async def upsert_product(pool: db.Pool, tenant_id: int, product: dict[str, Any],
                         expected_version: int | None = None, *, create: bool = False,
                         now: datetime | None = None, by: str = "") -> int:
    """Create or edit a product in HQ's catalog and publish it to the terminals; returns its new version.

    ``product`` has every ``store.products.PRODUCT_FIELDS`` (``cost`` optional). Its category is created when
    the tenant has no such category yet. ``by``: the HQ account that changed it (the feed tells the tills).

    Raises:
        CatalogError: ``conflict`` when ``expected_version`` is not the stored version (someone else edited it);
            ``exists`` when ``create`` and the SKU is taken; ``barcode`` when a barcode is another product's.
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        await products.lock_catalog(conn, tenant_id)
        stored = await products.version_for_update(conn, tenant_id, product["sku"])
        if create and stored is not None:
            raise CatalogError("exists", f"ya existe un producto con el código {product['sku']}")
        if stored is not None and expected_version is not None and stored != expected_version:
            raise CatalogError("conflict", f"otra persona modificó {product['sku']} (versión {stored})")
        owners = await products.barcode_owners(conn, tenant_id, list(product["barcodes"]))
        taken = sorted(code for code, sku in owners.items() if sku != product["sku"])
        if taken:
            raise CatalogError("barcode", f"el código de barras {taken[0]} ya es del producto {owners[taken[0]]}")
        version = 1 if stored is None else stored + 1
        try:
            await products.upsert(conn, tenant_id, product, version, now)
        except products.BarcodeTaken as exc:
            raise CatalogError("barcode", f"el código de barras {exc.code} ya es del producto {exc.sku}") from None
        await products.add_categories(conn, tenant_id, [product["category"]])
        await _publish(conn, tenant_id, product, version, by, now)
    return version


async def set_active(pool: db.Pool, tenant_id: int, sku: str, active: bool, *, by: str, reason: str,
                     at: datetime) -> int:
    """Deactivate ``sku`` (the tills stop selling it; who, when and why are kept) or bring it back; returns the
    new version.

    Raises:
        CatalogError: ``missing`` when the tenant has no such product.
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await products.set_active(conn, tenant_id, sku, active, by=by, reason=reason, at=at)
        if row is None:
            raise CatalogError("missing", f"no existe el producto {sku}")
        await _publish(conn, tenant_id, row, int(row["version"]), by, at)
    return int(row["version"])


async def set_store_settings(pool: db.Pool, tenant_id: int, sku: str, settings: dict[str, tuple[int | None,
                             Decimal | None]], *, by: str = "", at: datetime | None = None) -> None:
    """Each store's own price (None: the catalog's) and minimum stock (None: none) for ``sku``; the product is
    published again so every till has its store's price.

    Raises:
        CatalogError: ``missing`` when the tenant has no such product.
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await products.get(conn, tenant_id, sku)
        if row is None:
            raise CatalogError("missing", f"no existe el producto {sku}")
        for store_id, (price, min_stock) in settings.items():
            await products.set_store_settings(conn, tenant_id, sku, store_id, price, min_stock)
        await _publish(conn, tenant_id, row, int(row["version"]), by, at)


async def add_category(pool: db.Pool, tenant_id: int, name: str) -> bool:
    """Create a category after the last tab; False when the tenant has it already."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        return bool(await products.add_categories(conn, tenant_id, [name]))


async def order_categories(pool: db.Pool, tenant_id: int, positions: dict[str, int]) -> None:
    """Put the categories in the till's tab order (``positions``: name → 1, 2, ...) and publish the order."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        await products.set_category_positions(conn, tenant_id, positions)
        ordered = [c["name"] for c in await products.categories(conn, tenant_id)]
        await change_feed.append_change(conn, tenant_id, "categories", "order", {"names": ordered})


async def adopt_store_product(pool: db.Pool, tenant_id: int, store_id: str, sku: str, *, by: str, address: str,
                              now: datetime) -> dict[str, Any]:
    """Make the product store ``store_id`` created itself HQ's: saved in the catalog (version 1) as the store
    journaled it, published to every store like any catalog change, the proposal marked adopted, an audit line
    (``product_adopted``). The store's sales of it are kept (same SKU). Returns the product.

    Raises:
        CatalogError: ``missing`` (no such proposal), ``decided`` (already adopted or set aside), ``exists`` (the
            catalog has that SKU), ``barcode`` (a barcode of it is another product's now).
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        await products.lock_catalog(conn, tenant_id)
        proposal = await _proposal(conn, tenant_id, store_id, sku)
        if await products.version_for_update(conn, tenant_id, sku) is not None:
            raise CatalogError("exists", f"ya existe un producto con el código {sku} en el catálogo")
        product = proposal.product
        owners = await products.barcode_owners(conn, tenant_id, list(product["barcodes"]))
        taken = sorted(code for code, owner in owners.items() if owner != sku)
        if taken:
            raise CatalogError("barcode", f"el código de barras {taken[0]} ya es del producto {owners[taken[0]]}:"
                                          " la tienda debe usar ese producto")
        await products.upsert(conn, tenant_id, product, 1, now)
        await products.add_categories(conn, tenant_id, [product["category"]])
        await _publish(conn, tenant_id, product, 1)
        await local_products.mark_adopted(conn, tenant_id, store_id, sku, by=by, at=now)
        await audit.record(conn, tenant_id=tenant_id, kind="product_adopted", actor=by, address=address, at=now,
                           detail=f"Producto {product['name']} ({sku}), creado en la tienda {store_id} por"
                                  f" {proposal.created_by}, adoptado en el catálogo y publicado a todas las tiendas")
    return product


async def set_aside_store_product(pool: db.Pool, tenant_id: int, store_id: str, sku: str, *, by: str, address: str,
                                  now: datetime) -> None:
    """Take a store's product off HQ's pending list without adopting it: nothing is deleted (the store keeps selling
    it as its own, its sales stay), an audit line (``product_set_aside``).

    Raises:
        CatalogError: ``missing`` (no such proposal), ``decided`` (already adopted or set aside).
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        proposal = await _proposal(conn, tenant_id, store_id, sku)
        await local_products.mark_discarded(conn, tenant_id, store_id, sku, by=by, at=now)
        await audit.record(conn, tenant_id=tenant_id, kind="product_set_aside", actor=by, address=address, at=now,
                           detail=f"Producto {proposal.data.get('name')} ({sku}) de la tienda {store_id} no se"
                                  " adopta: sigue siendo solo de esa tienda")


async def _proposal(conn: db.Conn, tenant_id: int, store_id: str, sku: str) -> local_products.Proposal:
    proposal = await local_products.get_for_update(conn, tenant_id, store_id, sku)
    if proposal is None:
        raise CatalogError("missing", f"la tienda {store_id} no creó el producto {sku}")
    if proposal.adopted_at is not None or proposal.discarded_at is not None:
        raise CatalogError("decided", f"el producto {sku} de la tienda {store_id} ya fue "
                                      + ("adoptado" if proposal.adopted_at is not None else "descartado"))
    return proposal
