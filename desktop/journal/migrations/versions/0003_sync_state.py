"""Sync state of the terminal (server acks, pull cursor) and an index of receipts waiting to print.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # receipts waiting to print are few; finding them must not walk a year of sales on every screen update
    op.execute("CREATE INDEX print_queue_waiting ON print_queue (sale_id) WHERE state != 'printed'")
