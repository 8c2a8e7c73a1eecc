"""The master's open flags on a customer (``shared.events.fiado.CustomerReceived.flags``, v2): over the limit
because of charges from different terminals, a merge of two cards that both had balances; one row per flagged
customer, ``flags`` a JSON list of the Spanish texts (``desktop.journal.fiado_projection``). A journal before this
revision holds only v1 customers, which carry no flags: nothing to refold.

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS customer_flags (
        customer_id TEXT PRIMARY KEY,
        flags TEXT NOT NULL
    ) WITHOUT ROWID""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS customer_flags")
