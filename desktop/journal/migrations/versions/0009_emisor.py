"""The emisor HQ published (``emisor``: one row, the latest ``emisor.received``), printed on every receipt header
and under the timbre instead of terminal.toml's. Filled from the journal's events already there.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.execute("""CREATE TABLE emisor (id INTEGER PRIMARY KEY CHECK (id = 1), rut TEXT NOT NULL,
        razon_social TEXT NOT NULL, giro TEXT NOT NULL, direccion TEXT NOT NULL, comuna TEXT NOT NULL,
        ciudad TEXT NOT NULL, sucursal_sii INTEGER, resolucion_fecha TEXT NOT NULL,
        resolucion_numero INTEGER NOT NULL, unidad_sii TEXT NOT NULL)""")
    op.execute("""INSERT INTO emisor (id, rut, razon_social, giro, direccion, comuna, ciudad, sucursal_sii,
            resolucion_fecha, resolucion_numero, unidad_sii)
        SELECT 1, json_extract(payload, '$.rut'), json_extract(payload, '$.razon_social'),
            json_extract(payload, '$.giro'), json_extract(payload, '$.direccion'), json_extract(payload, '$.comuna'),
            coalesce(json_extract(payload, '$.ciudad'), ''), json_extract(payload, '$.sucursal_sii'),
            coalesce(json_extract(payload, '$.resolucion_fecha'), ''),
            coalesce(json_extract(payload, '$.resolucion_numero'), 0), coalesce(json_extract(payload, '$.unidad_sii'), '')
        FROM events WHERE type = 'emisor.received' ORDER BY epoch DESC, seq DESC LIMIT 1""")


def downgrade() -> None:
    op.execute("DROP TABLE emisor")
