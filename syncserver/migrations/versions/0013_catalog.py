"""HQ's catalog as a business keeps it: barcodes unique per tenant, categories in the till's tab order, a price
and a minimum stock per store, who deactivated a product (when, why), the folded text HQ searches, and the
catalog imports HQ previews before it commits them.

``product_barcodes`` holds one row per barcode (``code`` unique per tenant: the primary key is the rule); the
``products.barcodes`` array stays as the product's own list, kept equal by ``syncserver.store.products``.
``products.search_text`` is name, brand, category, SKU, PLU and barcodes folded as the till folds them (lower case,
no accents, words split on anything that is not a letter or digit: ``shared.catalog_import.fold``), filled here for
the products there are. ``categories`` (``position``: the order of the till's tabs). ``store_products``: a store's
own ``price`` (NULL: the catalog's) and ``min_stock`` (NULL: none). ``catalog_imports``: an uploaded file with
the column mapping chosen, its state (``preview``, ``running``, ``done``, ``failed``) and progress.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

from syncserver.migrations import rls

revision = "0013"
down_revision = "0012"

TENANT_TABLES = {
    "product_barcodes": """tenant_id bigint NOT NULL, code text NOT NULL, sku text NOT NULL,
        PRIMARY KEY (tenant_id, code)""",
    "categories": """tenant_id bigint NOT NULL, name text NOT NULL, position integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, name)""",
    "store_products": """tenant_id bigint NOT NULL, store_id text NOT NULL, sku text NOT NULL, price bigint,
        min_stock numeric(14,3), PRIMARY KEY (tenant_id, store_id, sku)""",
    "catalog_imports": """tenant_id bigint NOT NULL, import_id text NOT NULL, filename text NOT NULL,
        content bytea NOT NULL, encoding text NOT NULL DEFAULT 'utf-8', mapping jsonb NOT NULL DEFAULT '{}',
        create_categories boolean NOT NULL DEFAULT true, state text NOT NULL DEFAULT 'preview',
        total integer NOT NULL DEFAULT 0, done integer NOT NULL DEFAULT 0, result jsonb,
        created_by text NOT NULL DEFAULT '', created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, import_id)""",
}


def upgrade() -> None:
    op.execute("ALTER TABLE products ADD COLUMN search_text text NOT NULL DEFAULT '',"
               " ADD COLUMN deactivated_at timestamptz, ADD COLUMN deactivated_by text,"
               " ADD COLUMN deactivated_reason text, ADD COLUMN updated_at timestamptz")
    for name, columns in TENANT_TABLES.items():
        op.execute(f"CREATE TABLE {name} ({columns})")
    op.execute("CREATE INDEX product_barcodes_by_sku ON product_barcodes (tenant_id, sku)")
    op.execute("CREATE INDEX products_by_name ON products (tenant_id, name, sku)")
    for name in TENANT_TABLES:
        rls.enable_tenant_rls(name, rls.READ_WRITE_DELETE)
    op.execute("""INSERT INTO product_barcodes (tenant_id, code, sku)
        SELECT DISTINCT ON (p.tenant_id, b.code) p.tenant_id, b.code, p.sku
        FROM products p, unnest(p.barcodes) AS b(code) ORDER BY p.tenant_id, b.code, p.sku""")
    op.execute("""INSERT INTO categories (tenant_id, name, position)
        SELECT tenant_id, category, (row_number() OVER (PARTITION BY tenant_id ORDER BY category))::integer
        FROM (SELECT DISTINCT tenant_id, category FROM products) c""")
    # the fold of shared.catalog_import.fold, in SQL for the rows there are (the app refreshes it on every save)
    op.execute("""UPDATE products SET search_text = ' ' || trim(regexp_replace(lower(translate(
        concat_ws(' ', name, brand, category, sku, plu, array_to_string(barcodes, ' ')),
        'ÁÉÍÓÚÜÑáéíóúüñÀÈÌÒÙàèìòù', 'AEIOUUNaeiouunAEIOUaeiou')), '[^[:alnum:]]+', ' ', 'g')) || ' '""")


def downgrade() -> None:
    for name in reversed(list(TENANT_TABLES)):
        op.execute(f"DROP TABLE {name}")
    op.execute("DROP INDEX products_by_name")
    op.execute("ALTER TABLE products DROP COLUMN search_text, DROP COLUMN deactivated_at,"
               " DROP COLUMN deactivated_by, DROP COLUMN deactivated_reason, DROP COLUMN updated_at")
