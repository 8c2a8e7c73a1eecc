"""HQ's Stock page without folding every store's stock on a read (issue 14): ``stock_rows`` keeps each (warehouse,
SKU) row as the page shows it (on hand, unit cost, value, minimum, the store's on hand, in transit, the alert
flags, the product's name), ``stock_rows_stores`` their sums per store (rows, value, alerts, value of the alerts);
triggers on what a row is made of (stock, cost_state, store_products,
store_product_settings, transfers, transfer_lines, products) note its (store, SKU) in ``stock_rows_dirty`` in the
writer's transaction, and one on warehouses forgets the tenant's ``stock_rows_marks`` row (a read counts it all
again). A read counts again only the noted keys (``syncserver.store.inventory``). Back-filled here (each tenant
counted whole, the kept tables analyzed).

Revision ID: 0042
Revises: 0041
"""

from alembic import op

from syncserver.migrations import rls

revision = "0042"
down_revision = "0041"

TABLES = {
    "stock_rows": """tenant_id bigint NOT NULL, store_id text NOT NULL, warehouse_id text NOT NULL, sku text NOT NULL,
        sku_lower text NOT NULL,
        name text NOT NULL, listed boolean NOT NULL, quantity numeric NOT NULL, unit_cost numeric,
        value bigint NOT NULL, min_stock numeric, store_on_hand numeric NOT NULL, in_transit numeric NOT NULL,
        below_min boolean NOT NULL, negative boolean NOT NULL, PRIMARY KEY (tenant_id, store_id, sku, warehouse_id)""",
    "stock_rows_stores": """tenant_id bigint NOT NULL, store_id text NOT NULL, rows bigint NOT NULL,
        value bigint NOT NULL, alerts bigint NOT NULL, alerts_value bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id)""",
    "stock_rows_dirty": "tenant_id bigint NOT NULL, store_id text NOT NULL, sku text NOT NULL",
    "stock_rows_marks": "tenant_id bigint NOT NULL PRIMARY KEY, counted_at timestamptz NOT NULL DEFAULT now()",
}
"""``stock_rows.sku_lower`` is ``lower(sku)`` (an index on an expression is not used under row-level security: a search
by SKU in any case finds its rows by an index). ``stock_rows_dirty`` has no unique key on purpose: noting a key never
waits on another transaction's note of it (two ingests, or an ingest and HQ's minimum,
cannot deadlock on it); a read deletes what it recounts."""

INDEXES = (
    "CREATE INDEX stock_rows_order ON stock_rows (tenant_id, negative DESC, below_min DESC, name, sku, store_id,"
    " warehouse_id)",
    "CREATE INDEX stock_rows_sku ON stock_rows (tenant_id, sku)",
    "CREATE INDEX stock_rows_lower_sku ON stock_rows (tenant_id, sku_lower)",
    "CREATE INDEX stock_rows_unlisted ON stock_rows (tenant_id, sku) WHERE NOT listed",
    "CREATE INDEX stock_rows_dirty_key ON stock_rows_dirty (tenant_id, store_id, sku)",
)

_NOTE = """INSERT INTO stock_rows_dirty (tenant_id, store_id, sku)
    SELECT DISTINCT k.tenant_id, k.store_id, k.sku FROM ({keys}) k WHERE NOT EXISTS (SELECT 1 FROM stock_rows_dirty d
        WHERE d.tenant_id = k.tenant_id AND d.store_id = k.store_id AND d.sku = k.sku)
    ORDER BY 1, 2, 3"""

_KEYS = {
    "store": "SELECT tenant_id, store_id, sku FROM {rows}",
    "warehouse": """SELECT r.tenant_id, COALESCE(w.store_id, r.warehouse_id) AS store_id, r.sku FROM {rows} r
        LEFT JOIN warehouses w ON w.tenant_id = r.tenant_id AND w.warehouse_id = r.warehouse_id""",
    "line": """SELECT r.tenant_id, COALESCE(w.store_id, t.to_warehouse) AS store_id, r.sku FROM {rows} r
        JOIN transfers t ON t.tenant_id = r.tenant_id AND t.transfer_id = r.transfer_id
        LEFT JOIN warehouses w ON w.tenant_id = r.tenant_id AND w.warehouse_id = t.to_warehouse""",
    "transfer": """SELECT r.tenant_id, COALESCE(w.store_id, r.to_warehouse) AS store_id, l.sku FROM {rows} r
        JOIN transfer_lines l ON l.tenant_id = r.tenant_id AND l.transfer_id = r.transfer_id
        LEFT JOIN warehouses w ON w.tenant_id = r.tenant_id AND w.warehouse_id = r.to_warehouse""",
    "product": """SELECT s.tenant_id, s.store_id, s.sku FROM stock_rows s JOIN {rows} r
        ON r.tenant_id = s.tenant_id AND r.sku = s.sku""",
}
"""Per kind of source table: the (tenant, store, SKU) keys its changed rows ({rows}) touch."""

SOURCES = {"stock": "warehouse", "cost_state": "store", "store_products": "store", "store_product_settings": "store",
           "transfer_lines": "line", "transfers": "transfer", "products": "product"}


RENAMED = """(SELECT n.tenant_id, n.sku FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.sku = n.sku
    WHERE o.name IS DISTINCT FROM n.name)"""
"""The products an UPDATE renamed (a price change leaves the kept rows as they are; a SKU is never updated)."""


def _function(kind: str) -> str:
    keys = _KEYS[kind]
    updated = keys.format(rows=RENAMED if kind == "product" else "new_rows")
    also_old = kind == "transfer"  # its state or its destination may change: the old destination's keys too
    return f"""CREATE FUNCTION stock_rows_note_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_NOTE.format(keys=keys.format(rows="new_rows"))};
    ELSIF TG_OP = 'UPDATE' THEN
        {_NOTE.format(keys=updated)};
        {_NOTE.format(keys=keys.format(rows="old_rows")) + ";" if also_old else ""}
    ELSE
        {_NOTE.format(keys=keys.format(rows="old_rows"))};
    END IF;
    RETURN NULL;
END $$"""


def _triggers(table: str, kind: str) -> list[str]:
    return [f"CREATE TRIGGER stock_rows_note_{op_name.lower()} AFTER {op_name} ON {table} REFERENCING {refs}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION stock_rows_note_{kind}()"
            for op_name, refs in (("INSERT", "NEW TABLE AS new_rows"),
                                  ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                  ("DELETE", "OLD TABLE AS old_rows"))]


RECOUNT_TENANT = """CREATE FUNCTION stock_rows_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM stock_rows_marks WHERE tenant_id IN (SELECT tenant_id FROM new_rows);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM stock_rows_marks WHERE tenant_id IN (SELECT tenant_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$"""
"""A warehouse added, moved or removed changes which store rows belong to: the tenant is counted again."""


def upgrade() -> None:
    from syncserver.store import inventory  # the count the reads keep them with

    for table, columns in TABLES.items():
        rls.create_tenant_table(table, columns, rls.READ_WRITE_DELETE)
    for statement in INDEXES:
        op.execute(statement)
    for kind in sorted(set(SOURCES.values())):
        op.execute(_function(kind))
    for table, kind in SOURCES.items():
        for statement in _triggers(table, kind):
            op.execute(statement)
    op.execute(RECOUNT_TENANT)
    for statement in _triggers("warehouses", "forget"):
        op.execute(statement.replace("stock_rows_note_forget", "stock_rows_forget"))
    connection = op.get_bind().connection.driver_connection
    assert connection is not None
    inventory.count_all_tenants(connection)


def downgrade() -> None:
    for table in [*SOURCES, "warehouses"]:
        for op_name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER stock_rows_note_{op_name} ON {table}")
    op.execute("DROP FUNCTION stock_rows_forget()")
    for kind in sorted(set(SOURCES.values())):
        op.execute(f"DROP FUNCTION stock_rows_note_{kind}()")
    for table in reversed(list(TABLES)):
        op.execute(f"DROP TABLE {table}")
