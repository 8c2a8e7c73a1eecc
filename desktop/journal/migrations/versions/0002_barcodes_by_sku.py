"""Index barcodes by SKU: editing a product replaces its barcodes without scanning the whole table.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute("CREATE INDEX barcodes_sku ON barcodes (sku)")
