"""The business's «modelo de emisión» for card sales as HQ last published it (``shared.events.emisor.
CardModelReceived``, feed change ``card_model``): one row, ``model`` ``boleta`` or ``voucher``. A journal before this
revision holds no such event: nothing to refold.

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS card_model (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        model TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS card_model")
