"""Business customers known at the till, picked when a factura is asked for (a projection of ``customer.saved``).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.execute("""CREATE TABLE customers (
        rut TEXT PRIMARY KEY,
        razon_social TEXT NOT NULL,
        giro TEXT NOT NULL,
        direccion TEXT NOT NULL,
        comuna TEXT NOT NULL,
        updated_seq INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""")
