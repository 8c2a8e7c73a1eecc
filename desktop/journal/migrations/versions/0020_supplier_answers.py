"""HQ's answers to the suppliers' facturas the store registered (``shared.events.purchases.SupplierAnswerReceived``,
Ley 19.983): one row per document, as the master last sent it (``desktop.journal.supplier_answers``). A journal
before this revision holds no such event: nothing to refold.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = "0020"
down_revision = "0019"


def upgrade() -> None:
    op.execute("""CREATE TABLE IF NOT EXISTS supplier_answers (
        supplier_rut TEXT NOT NULL,
        tipo INTEGER NOT NULL,
        folio INTEGER NOT NULL,
        received TEXT NOT NULL,
        taken TEXT NOT NULL,
        action TEXT NOT NULL,
        message TEXT NOT NULL,
        answered_by TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (supplier_rut, tipo, folio)
    ) WITHOUT ROWID""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS supplier_answers")
