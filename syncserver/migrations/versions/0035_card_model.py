"""The business's «modelo de emisión» for card sales (``tenant_card_model``, one row per tenant: ``boleta`` or
``voucher``, who chose it and when; docs/card-sales.md). No row reads as the default, ``boleta``. And the index that
finds a sale's document (``dte_documents_by_sale``), and the card vouchers that stand as boletas (the card part of the
sales without a document of their own) summed into ``book_days`` as type 48, back-filled here
(``syncserver.store.books.backfill_vouchers_all``; the ingest and the rebuild keep them).

Revision ID: 0035
Revises: 0034
"""

from __future__ import annotations

from alembic import op

from syncserver.migrations import rls

revision = "0035"
down_revision = "0034"

COLUMNS = """tenant_id bigint NOT NULL PRIMARY KEY, model text NOT NULL CHECK (model IN ('boleta', 'voucher')),
    set_by text NOT NULL, set_at timestamptz NOT NULL"""


def upgrade() -> None:
    rls.create_tenant_table("tenant_card_model", COLUMNS, rls.READ_WRITE)
    op.execute("CREATE INDEX dte_documents_by_sale ON dte_documents (tenant_id, sale_id)")
    from syncserver.store import books  # the sum the ingest keeps them with

    connection = op.get_bind().connection.driver_connection
    assert connection is not None
    books.backfill_vouchers_all(connection)


def downgrade() -> None:
    op.execute("DELETE FROM book_days WHERE tipo = 48")
    op.execute("DROP INDEX IF EXISTS dte_documents_by_sale")
    op.execute("DROP TABLE IF EXISTS tenant_card_model")
