"""What each sold line cost the store (``sale_lines.cost``, CLP neto, as the till recorded it at checkout from its
cost state: ``shared.events.sales.LineSold.cost``), so HQ has margins from the day of the sale; NULL when the till
did not record it (a product never costed, or a sale journaled before it recorded costs).

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"


def upgrade() -> None:
    op.execute("ALTER TABLE sale_lines ADD COLUMN cost bigint")


def downgrade() -> None:
    op.execute("ALTER TABLE sale_lines DROP COLUMN cost")
