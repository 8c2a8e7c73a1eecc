"""The products stores created themselves (``store_created_products``): each store's proposal as its tills
journaled it (the latest data while pending), who created it and when, and HQ's adoption (who, when) or its
setting aside (who, when). Kept through ``rebuild-projections``: adoption is HQ's decision, not an event.

Revision ID: 0025
Revises: 0024
"""

from alembic import op

from syncserver.migrations import rls

revision = "0025"
down_revision = "0024"


def upgrade() -> None:
    rls.create_tenant_table("store_created_products", """tenant_id bigint NOT NULL, store_id text NOT NULL,
        sku text NOT NULL, data jsonb NOT NULL, created_by text NOT NULL, created_at text NOT NULL,
        terminal_id text NOT NULL, updated_at text NOT NULL, adopted_at timestamptz, adopted_by text,
        discarded_at timestamptz, discarded_by text, PRIMARY KEY (tenant_id, store_id, sku)""")
    op.execute("CREATE INDEX store_created_products_pending ON store_created_products (tenant_id, created_at)"
               " WHERE adopted_at IS NULL AND discarded_at IS NULL")


def downgrade() -> None:
    op.execute("DROP TABLE store_created_products")
