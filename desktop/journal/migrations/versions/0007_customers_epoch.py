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
    # one pass over the journal (not one per customer: a year of events and a thousand customers would hold the
    # till's first start for minutes): the latest customer.saved entry of each RUT, then one update from it
    op.execute("CREATE TEMP TABLE latest_customer_saved (rut TEXT PRIMARY KEY, epoch INTEGER, seq INTEGER)")
    op.execute("""INSERT INTO latest_customer_saved (rut, epoch, seq)
        SELECT rut, epoch, seq FROM (
            SELECT json_extract(payload, '$.rut') AS rut, epoch, seq, row_number() OVER (
                PARTITION BY json_extract(payload, '$.rut') ORDER BY epoch DESC, seq DESC) AS n
            FROM events WHERE type = 'customer.saved')
        WHERE n = 1 AND rut IS NOT NULL""")
    op.execute("""UPDATE customers SET updated_epoch = l.epoch, updated_seq = l.seq
        FROM latest_customer_saved AS l WHERE l.rut = customers.rut""")
    op.execute("DROP TABLE latest_customer_saved")
