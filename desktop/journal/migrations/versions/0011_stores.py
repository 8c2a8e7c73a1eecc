"""The till's store as HQ published it (``stores``: one row per store, the latest ``store.received``), whose
sucursal data the printed header takes over the emisor's. Filled from the journal's events already there.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS stores (store_id TEXT PRIMARY KEY, name TEXT NOT NULL,
        direccion TEXT NOT NULL, comuna TEXT NOT NULL, ciudad TEXT NOT NULL, sucursal_sii INTEGER,
        active INTEGER NOT NULL)""")
    op.execute("""INSERT OR REPLACE INTO stores (store_id, name, direccion, comuna, ciudad, sucursal_sii, active)
        SELECT json_extract(payload, '$.store_id'), json_extract(payload, '$.name'),
            coalesce(json_extract(payload, '$.direccion'), ''), coalesce(json_extract(payload, '$.comuna'), ''),
            coalesce(json_extract(payload, '$.ciudad'), ''), json_extract(payload, '$.sucursal_sii'),
            coalesce(json_extract(payload, '$.active'), 1)
        FROM events WHERE type = 'store.received' ORDER BY epoch, seq""")


def downgrade() -> None:
    op.execute("DROP TABLE stores")
