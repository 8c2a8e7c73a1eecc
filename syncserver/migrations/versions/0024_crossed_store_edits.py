"""A store's product settings that crossed an HQ change: ``store_product_settings.crossed_change`` is HQ's change
of the product the store had not seen when it saved (NULL: none) and ``crossed`` says it in Spanish (both values,
who at HQ and when), so HQ sees the crossing; HQ's product is never overwritten. Existing rows read as not crossed
until ``almacen server admin rebuild-projections`` refolds them.

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"


def upgrade() -> None:
    op.execute("ALTER TABLE store_product_settings ADD COLUMN crossed_change bigint,"
               " ADD COLUMN crossed text NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.execute("ALTER TABLE store_product_settings DROP COLUMN crossed_change, DROP COLUMN crossed")
