"""Customers ordered by when they were last saved across epochs: ``updated_epoch`` beside ``updated_seq``.

A restored journal continues in a new epoch whose seq starts again at 1, so ``updated_seq`` alone ranked a
customer saved after the restore below every one saved before it. Existing rows take the epoch and seq of the
latest ``customer.saved`` entry for their RUT.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.execute("ALTER TABLE customers ADD COLUMN updated_epoch INTEGER NOT NULL DEFAULT 0")
    op.execute("""UPDATE customers SET (updated_epoch, updated_seq) = (
        SELECT e.epoch, e.seq FROM events e
        WHERE e.type = 'customer.saved' AND json_extract(e.payload, '$.rut') = customers.rut
        ORDER BY e.epoch DESC, e.seq DESC LIMIT 1)
        WHERE EXISTS (SELECT 1 FROM events e WHERE e.type = 'customer.saved'
                      AND json_extract(e.payload, '$.rut') = customers.rut)""")
