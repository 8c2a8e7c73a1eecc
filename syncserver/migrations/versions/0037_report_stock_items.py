"""Stock by category without counting every store's stock on a read (issue 14): ``report_stock_items`` keeps each
store's products' share (category, held above zero, value at the store's unit cost), ``report_stock_dirty`` the
products whose stock the ingest moved since (a read recounts only those and adds the difference to
``report_stock_categories``); ``report_stock_marks.mark`` is now the catalog's categories signature (a category
edit recounts the stores). The kept figures are cleared: the next read counts each store once.

Revision ID: 0037
Revises: 0036
"""

from alembic import op

from syncserver.migrations import rls

revision = "0037"
down_revision = "0036"

TABLES = {
    "report_stock_items": """tenant_id bigint NOT NULL, store_id text NOT NULL, sku text NOT NULL,
        category text NOT NULL, held boolean NOT NULL, value bigint NOT NULL, PRIMARY KEY (tenant_id, store_id, sku)""",
    "report_stock_dirty": """tenant_id bigint NOT NULL, store_id text NOT NULL, sku text NOT NULL,
        PRIMARY KEY (tenant_id, store_id, sku)""",
}


def upgrade() -> None:
    for table, columns in TABLES.items():
        rls.create_tenant_table(table, columns, rls.READ_WRITE_DELETE)
    op.execute("DELETE FROM report_stock_categories")
    op.execute("DELETE FROM report_stock_marks")


def downgrade() -> None:
    for table in reversed(list(TABLES)):
        op.execute(f"DROP TABLE {table}")
    op.execute("DELETE FROM report_stock_categories")
    op.execute("DELETE FROM report_stock_marks")
