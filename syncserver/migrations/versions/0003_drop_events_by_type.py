"""Drop the ``events (tenant_id, type)`` index: nothing queries events by type (read models serve every page),
and keeping it up to date costs every ingested event.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS events_by_type")
