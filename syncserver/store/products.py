"""HQ's catalog: the tenant's products (each with the version an edit must carry), their barcodes (unique per
tenant), categories in the till's tab order, and each store's own price and minimum stock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from psycopg.rows import dict_row

from shared import catalog_import
from syncserver.store import db

PRODUCT_FIELDS: Final = ("sku", "name", "price", "category", "sold_by", "plu", "brand", "barcodes", "iva_exempt",
                         "favourite", "active")
"""The fields HQ edits and publishes to the terminals (``shared.events.catalog.ProductUpserted``'s)."""

STORED_FIELDS: Final = (*PRODUCT_FIELDS, "cost")
"""What HQ keeps of a product: :data:`PRODUCT_FIELDS` and ``cost`` (CLP neto; 0 when the product dict has none)."""

READ_COLUMNS: Final = (", ".join(STORED_FIELDS) + ", version, deactivated_at, deactivated_by, deactivated_reason,"
                       " updated_at")


async def lock_catalog(conn: db.Conn, tenant_id: int) -> None:
    """Hold the tenant's catalog-writer lock until the transaction ends: barcode checks and writes of one edit or
    import never interleave with another's."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('almacen.catalog'), %s::integer)",
                       (tenant_id % 2_000_000_000,))


async def version_for_update(conn: db.Conn, tenant_id: int, sku: str) -> int | None:
    """The stored version of ``sku``, its row locked until the transaction ends; None for a new product."""
    cur = await conn.execute("SELECT version FROM products WHERE tenant_id = %s AND sku = %s FOR UPDATE",
                             (tenant_id, sku))
    row = await cur.fetchone()
    return None if row is None else int(row[0])


async def get(conn: db.Conn, tenant_id: int, sku: str) -> dict[str, Any] | None:
    """The product ``sku`` (:data:`READ_COLUMNS`), or None."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT {READ_COLUMNS} FROM products WHERE tenant_id = %s AND sku = %s", (tenant_id, sku))
    return await cur.fetchone()


async def barcode_owners(conn: db.Conn, tenant_id: int, codes: Sequence[str] | None = None) -> dict[str, str]:
    """Barcode → SKU of the tenant's products, for ``codes`` (every barcode when None)."""
    if codes is None:
        cur = await conn.execute("SELECT code, sku FROM product_barcodes WHERE tenant_id = %s", (tenant_id,))
    else:
        cur = await conn.execute("SELECT code, sku FROM product_barcodes WHERE tenant_id = %s AND code = ANY(%s)",
                                 (tenant_id, list(codes)))
    return {str(code): str(sku) for code, sku in await cur.fetchall()}


async def upsert(conn: db.Conn, tenant_id: int, product: Mapping[str, Any], version: int,
                 now: datetime | None = None) -> None:
    """Write ``product`` (every :data:`PRODUCT_FIELDS`, ``cost`` optional) as ``version``, over any stored one, and
    make its barcodes its own in ``product_barcodes`` (the caller checked no other product has them: a barcode of
    another product raises ``psycopg.errors.UniqueViolation``)."""
    values = [product.get(f, 0) if f == "cost" else product[f] for f in STORED_FIELDS]
    await conn.execute(
        f"INSERT INTO products (tenant_id, {', '.join(STORED_FIELDS)}, version, search_text, updated_at)"
        f" VALUES (%s, {', '.join(['%s'] * len(STORED_FIELDS))}, %s, %s, %s) ON CONFLICT (tenant_id, sku) DO UPDATE"
        " SET " + ", ".join(f"{f} = excluded.{f}" for f in STORED_FIELDS[1:])
        + ", version = excluded.version, search_text = excluded.search_text, updated_at = excluded.updated_at",
        (tenant_id, *values, version, catalog_import.search_text(product), now))
    await conn.execute("DELETE FROM product_barcodes WHERE tenant_id = %s AND sku = %s AND NOT code = ANY(%s)",
                       (tenant_id, product["sku"], list(product["barcodes"])))
    if product["barcodes"]:
        await conn.execute("INSERT INTO product_barcodes (tenant_id, code, sku) SELECT %s, code, %s"
                           " FROM unnest(%s::text[]) AS c(code) ON CONFLICT (tenant_id, code) DO NOTHING",
                           (tenant_id, product["sku"], list(product["barcodes"])))
        owners = await barcode_owners(conn, tenant_id, list(product["barcodes"]))
        taken = sorted(c for c, sku in owners.items() if sku != product["sku"])
        if taken:
            raise BarcodeTaken(taken[0], owners[taken[0]])


class BarcodeTaken(Exception):
    """A barcode already belongs to another product of the tenant."""

    def __init__(self, code: str, sku: str) -> None:
        super().__init__(code, sku)
        self.code, self.sku = code, sku


async def set_active(conn: db.Conn, tenant_id: int, sku: str, active: bool, *, by: str, reason: str,
                     at: datetime) -> dict[str, Any] | None:
    """Deactivate (keeping who, when and why) or bring back ``sku``; bumps its version. Returns the product as
    stored after, or None when there is no such product."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        f"UPDATE products SET active = %s, version = version + 1, updated_at = %s, deactivated_at = %s,"
        f" deactivated_by = %s, deactivated_reason = %s WHERE tenant_id = %s AND sku = %s RETURNING {READ_COLUMNS}",
        (active, at, None if active else at, None if active else by, None if active else reason, tenant_id, sku))
    return await cur.fetchone()


async def search(conn: db.Conn, tenant_id: int, query: str, limit: int, offset: int
                 ) -> tuple[int, list[dict[str, Any]]]:
    """Products whose words start with every word of ``query`` (accents, hyphens and case ignored, as the till
    searches), or whose SKU, PLU or a barcode is ``query``; the count and one page ordered by name."""
    words = catalog_import.search_words(query)
    where = "tenant_id = %(tenant)s"
    params: dict[str, Any] = {"tenant": tenant_id, "exact": query.strip()}
    if query.strip():
        likes = [f"search_text LIKE %(w{i})s" for i in range(len(words))]
        params.update({f"w{i}": "% " + _escape(w) + "%" for i, w in enumerate(words)})
        word_match = " AND ".join(likes) if likes else "false"
        where += (f" AND (({word_match}) OR lower(sku) = lower(%(exact)s) OR plu = %(exact)s"
                  " OR EXISTS (SELECT 1 FROM product_barcodes b WHERE b.tenant_id = products.tenant_id"
                  " AND b.code = %(exact)s AND b.sku = products.sku))")
    row = await (await conn.execute(f"SELECT count(*) FROM products WHERE {where}", params)).fetchone()
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT sku, name, brand, category, price, sold_by, active, barcodes, favourite FROM products"
                      f" WHERE {where} ORDER BY name, sku LIMIT %(limit)s OFFSET %(offset)s",
                      {**params, "limit": limit, "offset": offset})
    return (int(row[0]) if row else 0), await cur.fetchall()


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def categories(conn: db.Conn, tenant_id: int) -> list[dict[str, Any]]:
    """The tenant's categories in tab order: ``name``, ``position``, ``products`` (active ones in it)."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT c.name, c.position, (SELECT count(*) FROM products p WHERE p.tenant_id = c.tenant_id"
        " AND p.category = c.name AND p.active) AS products FROM categories c WHERE c.tenant_id = %s"
        " ORDER BY c.position, c.name", (tenant_id,))
    return await cur.fetchall()


async def category_names(conn: db.Conn, tenant_id: int) -> set[str]:
    """The names of the tenant's categories."""
    cur = await conn.execute("SELECT name FROM categories WHERE tenant_id = %s", (tenant_id,))
    return {str(r[0]) for r in await cur.fetchall()}


async def add_categories(conn: db.Conn, tenant_id: int, names: Iterable[str]) -> list[str]:
    """Create the categories of ``names`` the tenant lacks (after the last tab, in the order given); returns them."""
    wanted = list(dict.fromkeys(names))
    cur = await conn.execute(
        "INSERT INTO categories (tenant_id, name, position) SELECT %(t)s, n, (SELECT COALESCE(max(position), 0)"
        " FROM categories WHERE tenant_id = %(t)s) + o::integer FROM unnest(%(names)s::text[]) WITH ORDINALITY"
        " AS u(n, o) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING name", {"t": tenant_id, "names": wanted})
    return [str(r[0]) for r in await cur.fetchall()]


async def set_category_positions(conn: db.Conn, tenant_id: int, positions: Mapping[str, int]) -> None:
    """Put each category of ``positions`` at its tab position (1 first)."""
    await conn.cursor().executemany("UPDATE categories SET position = %s WHERE tenant_id = %s AND name = %s",
                                    [(p, tenant_id, n) for n, p in positions.items()])


async def store_settings(conn: db.Conn, tenant_id: int, sku: str) -> list[dict[str, Any]]:
    """Every store of the tenant with ``sku``'s own ``price`` and ``min_stock`` there (None: not set), and
    ``crossed``: the store's last edit of it crossed an HQ change it had not seen (Spanish, ``""`` none;
    ``syncserver.ingest.crossings``)."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "SELECT s.store_id, s.name, sp.price, sp.min_stock, COALESCE(ps.crossed, '') AS crossed FROM stores s"
        " LEFT JOIN store_products sp ON sp.tenant_id = s.tenant_id AND sp.store_id = s.store_id AND sp.sku = %s"
        " LEFT JOIN store_product_settings ps ON ps.tenant_id = s.tenant_id AND ps.store_id = s.store_id"
        " AND ps.sku = %s WHERE s.tenant_id = %s ORDER BY s.name, s.store_id", (sku, sku, tenant_id))
    return await cur.fetchall()


async def set_store_settings(conn: db.Conn, tenant_id: int, sku: str, store_id: str, price: int | None,
                             min_stock: Decimal | None) -> None:
    """Set (or clear, with None) ``sku``'s own price and minimum stock in ``store_id``."""
    await conn.execute(
        "INSERT INTO store_products (tenant_id, store_id, sku, price, min_stock) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (tenant_id, store_id, sku) DO UPDATE SET price = excluded.price,"
        " min_stock = excluded.min_stock", (tenant_id, store_id, sku, price, min_stock))


async def store_prices(conn: db.Conn, tenant_id: int, sku: str) -> dict[str, int]:
    """Store → ``sku``'s own price there, for the stores that have one."""
    cur = await conn.execute("SELECT store_id, price FROM store_products WHERE tenant_id = %s AND sku = %s"
                             " AND price IS NOT NULL", (tenant_id, sku))
    return {str(s): int(p) for s, p in await cur.fetchall()}


async def all_products(conn: db.Conn, tenant_id: int) -> list[dict[str, Any]]:
    """Every product of the tenant (:data:`STORED_FIELDS`), by SKU: what an export writes."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT {', '.join(STORED_FIELDS)} FROM products WHERE tenant_id = %s ORDER BY sku",
                      (tenant_id,))
    return await cur.fetchall()


async def bulk_upsert(conn: db.Conn, tenant_id: int, items: Sequence[Mapping[str, Any]], now: datetime
                      ) -> list[tuple[str, int]]:
    """Write many products in the caller's transaction (COPY into a staging table, then one statement each for
    products and barcodes); each new product gets version 1, each stored one its version + 1. Returns (sku, version)
    in the order of ``items``.

    Raises:
        BarcodeTaken: a barcode of ``items`` belongs to another product (the caller's transaction must roll back).
    """
    await conn.execute("CREATE TEMP TABLE catalog_staging (ord integer, sku text, name text, price bigint,"
                       " category text, sold_by text, plu text, brand text, barcodes text[], iva_exempt boolean,"
                       " favourite boolean, active boolean, cost bigint, search_text text) ON COMMIT DROP")
    cur = conn.cursor()
    async with cur.copy("COPY catalog_staging FROM STDIN") as copy:
        for ord_, p in enumerate(items):
            await copy.write_row((ord_, p["sku"], p["name"], p["price"], p["category"], p["sold_by"], p["plu"],
                                  p["brand"], list(p["barcodes"]), p["iva_exempt"], p["favourite"], p["active"],
                                  p.get("cost", 0), catalog_import.search_text(p)))
    await conn.execute("ANALYZE catalog_staging")  # a temp table has no statistics: plan the joins below on its size
    await conn.execute(
        "INSERT INTO products (tenant_id, sku, name, price, category, sold_by, plu, brand, barcodes, iva_exempt,"
        " favourite, active, cost, search_text, version, updated_at)"
        " SELECT %(t)s, sku, name, price, category, sold_by, plu, brand, barcodes, iva_exempt, favourite, active,"
        " cost, search_text, 1, %(now)s FROM catalog_staging ORDER BY ord"
        " ON CONFLICT (tenant_id, sku) DO UPDATE SET name = excluded.name, price = excluded.price,"
        " category = excluded.category, sold_by = excluded.sold_by, plu = excluded.plu, brand = excluded.brand,"
        " barcodes = excluded.barcodes, iva_exempt = excluded.iva_exempt, favourite = excluded.favourite,"
        " active = excluded.active, cost = excluded.cost, search_text = excluded.search_text,"
        " version = products.version + 1, updated_at = excluded.updated_at,"
        " deactivated_at = CASE WHEN excluded.active THEN NULL ELSE products.deactivated_at END,"
        " deactivated_by = CASE WHEN excluded.active THEN NULL ELSE products.deactivated_by END,"
        " deactivated_reason = CASE WHEN excluded.active THEN NULL ELSE products.deactivated_reason END",
        {"t": tenant_id, "now": now})
    await conn.execute("DELETE FROM product_barcodes b USING catalog_staging s WHERE b.tenant_id = %s"
                       " AND b.sku = s.sku AND NOT b.code = ANY(s.barcodes)", (tenant_id,))
    cur = await conn.execute("INSERT INTO product_barcodes (tenant_id, code, sku) SELECT %s, c.code, s.sku"
                             " FROM catalog_staging s, unnest(s.barcodes) AS c(code)"
                             " ON CONFLICT (tenant_id, code) DO NOTHING RETURNING code", (tenant_id,))
    inserted = {str(r[0]) for r in await cur.fetchall()}
    wanted = {code: p["sku"] for p in items for code in p["barcodes"]}
    kept = [code for code in wanted if code not in inserted]  # already there: must be the same product's
    if kept:
        owners = await barcode_owners(conn, tenant_id, kept)
        taken = sorted(code for code in kept if owners.get(code) != wanted[code])
        if taken:
            raise BarcodeTaken(taken[0], owners.get(taken[0], "?"))
    cur = await conn.execute("SELECT s.sku, p.version FROM catalog_staging s JOIN products p ON p.tenant_id = %s"
                             " AND p.sku = s.sku ORDER BY s.ord", (tenant_id,))
    return [(str(sku), int(v)) for sku, v in await cur.fetchall()]


STAGED_FEED_SQL: Final = (
    "SELECT s.ord, s.sku AS key, jsonb_build_object('sku', s.sku, 'name', s.name, 'price', s.price,"
    " 'category', s.category, 'sold_by', s.sold_by, 'plu', s.plu, 'brand', s.brand, 'barcodes', to_jsonb(s.barcodes),"
    " 'iva_exempt', s.iva_exempt, 'favourite', s.favourite, 'active', s.active, 'version', p.version,"
    " 'changed_by', %(staged_by)s::text, 'changed_at', %(staged_at)s::text) AS data"
    " FROM catalog_staging s JOIN products p ON p.tenant_id = %(staged_tenant)s AND p.sku = s.sku")
"""What :func:`bulk_upsert` just wrote, as ``(ord, key, data)`` rows of :func:`feed_data`'s shape, for
``change_feed.append_selected`` in the same transaction (``staged_tenant``: the tenant)."""


def feed_data(product: Mapping[str, Any], version: int, by: str = "", at: datetime | None = None) -> dict[str, Any]:
    """A product as the change feed carries it (:data:`PRODUCT_FIELDS` and its version), with who changed it at HQ
    (``changed_by``: the HQ account's name or email, ``""`` unknown) and when (``changed_at``, ISO 8601)."""
    return {**{f: product[f] for f in PRODUCT_FIELDS}, "barcodes": list(product["barcodes"]), "version": version,
            "changed_by": by, "changed_at": at.isoformat() if at is not None else ""}

