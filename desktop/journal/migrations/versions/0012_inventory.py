"""The back office's read models (issue 12): kardex, stock per product, cost state, transfers, counts, mermas,
supplier returns, the store's product settings and the tenant's inventory settings (``inventory_projection``),
suppliers' contact data, and the count drafts (working state, kept through a rebuild). Quantities are thousandths
(``stock``'s unit), money CLP neto. A journal migrated here is refolded once on open (``meta`` key ``refold``).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"

STATEMENTS = [
    # Every stock movement in journal order (``id``): per (warehouse, sku) running ``balance``, the store's
    # ``store_balance`` of the sku after it, the cost it carried (unit cost and signed value, CLP neto).
    """CREATE TABLE IF NOT EXISTS kardex (
        id INTEGER PRIMARY KEY,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        line INTEGER NOT NULL,
        occurred_at TEXT NOT NULL,
        warehouse TEXT NOT NULL,
        sku TEXT NOT NULL,
        kind TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        balance INTEGER NOT NULL,
        store_balance INTEGER NOT NULL,
        unit_cost INTEGER NOT NULL,
        value INTEGER NOT NULL,
        document TEXT NOT NULL,
        reference TEXT NOT NULL,
        who TEXT NOT NULL,
        lot TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS kardex_sku ON kardex (sku, id)",
    "CREATE INDEX IF NOT EXISTS kardex_sku_warehouse ON kardex (sku, warehouse, id)",
    # One row per sku the store ever moved or set: on hand in all its warehouses, value at cost, last movement,
    # the alert (0 none, 1 below the minimum, 2 negative stock somewhere).
    """CREATE TABLE IF NOT EXISTS stock_items (
        sku TEXT PRIMARY KEY,
        on_hand INTEGER NOT NULL,
        unit_cost INTEGER,
        value INTEGER NOT NULL,
        last_at TEXT NOT NULL,
        last_kind TEXT NOT NULL,
        min_stock INTEGER,
        alert INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS stock_items_alert ON stock_items (alert) WHERE alert > 0",
    # The cost state of each sku (``shared.inventory.CostState.to_json``), with the method it was folded by.
    """CREATE TABLE IF NOT EXISTS cost_state (
        sku TEXT PRIMARY KEY,
        method TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS transfers (
        transfer_id TEXT PRIMARY KEY,
        direction TEXT NOT NULL,
        state TEXT NOT NULL,
        from_store TEXT NOT NULL,
        from_warehouse TEXT NOT NULL,
        to_store TEXT NOT NULL,
        to_warehouse TEXT NOT NULL,
        sent_by TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        note TEXT NOT NULL,
        received_by TEXT NOT NULL,
        received_at TEXT NOT NULL,
        received_note TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS transfers_state ON transfers (state, sent_at)",
    """CREATE TABLE IF NOT EXISTS transfer_lines (
        transfer_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        sent INTEGER NOT NULL,
        received INTEGER,
        unit_cost INTEGER NOT NULL,
        PRIMARY KEY (transfer_id, line_no)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS counts (
        count_id TEXT PRIMARY KEY,
        warehouse TEXT NOT NULL,
        category TEXT NOT NULL,
        state TEXT NOT NULL,
        started_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        posted_at TEXT NOT NULL,
        reason TEXT NOT NULL,
        counted_by TEXT NOT NULL,
        approved_by TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS counts_state ON counts (state, started_at)",
    """CREATE TABLE IF NOT EXISTS count_lines (
        count_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        expected INTEGER NOT NULL,
        counted INTEGER NOT NULL,
        PRIMARY KEY (count_id, sku)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS mermas (
        merma_id TEXT PRIMARY KEY,
        warehouse TEXT NOT NULL,
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        reason TEXT NOT NULL,
        unit_cost INTEGER NOT NULL,
        value INTEGER NOT NULL,
        recorded_by TEXT NOT NULL,
        authorised_by TEXT NOT NULL,
        note TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS mermas_time ON mermas (epoch, seq)",
    """CREATE TABLE IF NOT EXISTS supplier_returns (
        return_id TEXT PRIMARY KEY,
        supplier_rut TEXT NOT NULL,
        warehouse TEXT NOT NULL,
        purchase_id TEXT NOT NULL,
        document TEXT NOT NULL,
        reason TEXT NOT NULL,
        returned_by TEXT NOT NULL,
        value INTEGER NOT NULL,
        occurred_at TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS supplier_returns_rut ON supplier_returns (supplier_rut)",
    """CREATE TABLE IF NOT EXISTS supplier_return_lines (
        return_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        unit_cost INTEGER NOT NULL,
        PRIMARY KEY (return_id, line_no)
    ) WITHOUT ROWID""",
    # The store's settings of a product; ``hq_price``/``hq_active`` are HQ's (``products`` holds what the till
    # sells at: the store's price when it has one and the tenant lets it, and active only when both say so).
    """CREATE TABLE IF NOT EXISTS store_products (
        sku TEXT PRIMARY KEY,
        price INTEGER,
        min_stock INTEGER,
        location TEXT NOT NULL,
        active INTEGER NOT NULL,
        edited_by TEXT NOT NULL,
        edited_at TEXT NOT NULL,
        seen_price INTEGER NOT NULL,
        seen_change INTEGER NOT NULL,
        hq_price INTEGER NOT NULL,
        hq_active INTEGER NOT NULL,
        hq_changed_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS inventory_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        costing TEXT NOT NULL,
        store_prices INTEGER NOT NULL,
        merma_pin_above INTEGER NOT NULL,
        received_at TEXT NOT NULL
    )""",
    # Working state, not a projection (a rebuild keeps it): count lines scanned or typed before posting.
    """CREATE TABLE IF NOT EXISTS count_drafts (
        count_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        counted INTEGER NOT NULL,
        scans INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (count_id, sku)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS products_name ON products (name)",
    "CREATE INDEX IF NOT EXISTS warehouse_stock_sku ON warehouse_stock (sku)",
]
SUPPLIER_COLUMNS = ("contact TEXT NOT NULL DEFAULT ''", "phone TEXT NOT NULL DEFAULT ''",
                    "email TEXT NOT NULL DEFAULT ''", "active INTEGER NOT NULL DEFAULT 1",
                    "saved_by TEXT NOT NULL DEFAULT ''", "saved_at TEXT NOT NULL DEFAULT ''")


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    have = {row[1] for row in op.get_bind().exec_driver_sql("PRAGMA table_info(suppliers)")}
    for column in SUPPLIER_COLUMNS:
        if column.split()[0] not in have:
            op.execute(f"ALTER TABLE suppliers ADD COLUMN {column}")
    op.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('refold', '0012')")


def downgrade() -> None:
    for table in ("kardex", "stock_items", "cost_state", "transfers", "transfer_lines", "counts", "count_lines",
                  "mermas", "supplier_returns", "supplier_return_lines", "store_products", "inventory_settings",
                  "count_drafts"):
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP INDEX products_name")
    op.execute("DROP INDEX warehouse_stock_sku")
    for column in SUPPLIER_COLUMNS:
        op.execute(f"ALTER TABLE suppliers DROP COLUMN {column.split()[0]}")
