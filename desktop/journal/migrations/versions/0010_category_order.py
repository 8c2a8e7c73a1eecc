"""HQ's tab order of the categories (``category_order``: name → position, the latest
``catalog.categories_ordered``). Filled from the journal's events already there.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.execute("CREATE TABLE IF NOT EXISTS category_order (name TEXT PRIMARY KEY, position INTEGER NOT NULL)")
    op.execute("""INSERT OR IGNORE INTO category_order (name, position)
        SELECT n.value, n.key + 1 FROM (SELECT payload FROM events WHERE type = 'catalog.categories_ordered'
            ORDER BY epoch DESC, seq DESC LIMIT 1) AS e, json_each(e.payload, '$.names') AS n""")


def downgrade() -> None:
    op.execute("DROP TABLE category_order")
