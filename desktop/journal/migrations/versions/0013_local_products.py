"""The products the store created itself (``local_products``): local until HQ adopts them, when HQ's
``catalog.product_upserted`` of the same SKU removes the row (``desktop.journal.local_products_projection``).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS local_products (sku TEXT PRIMARY KEY, created_by TEXT NOT NULL,
        created_at TEXT NOT NULL) WITHOUT ROWID""")


def downgrade() -> None:
    op.execute("DROP TABLE local_products")
