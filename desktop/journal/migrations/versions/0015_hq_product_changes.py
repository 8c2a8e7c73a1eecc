"""HQ's latest change of each product as the till received it (``hq_product_changes``): the feed's change id, and
which change last moved the price and the active flag, who at HQ and when, so a store edit that crosses one is
caught. Filled by HQ's ``catalog.product_upserted`` v2 events from now on (older ones carry no change id).

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS hq_product_changes (
        sku TEXT PRIMARY KEY,
        change_id INTEGER NOT NULL,
        price INTEGER NOT NULL,
        active INTEGER NOT NULL,
        price_change INTEGER NOT NULL,
        price_by TEXT NOT NULL,
        price_at TEXT NOT NULL,
        active_change INTEGER NOT NULL,
        active_by TEXT NOT NULL,
        active_at TEXT NOT NULL
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE hq_product_changes")
