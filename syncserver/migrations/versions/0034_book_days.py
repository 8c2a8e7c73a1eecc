"""The libro de ventas' documents summed per store, day (``left(stamped_at, 10)``, FchEmis) and type at ingest
(``syncserver.store.books.add_documents``): ``book_days`` (count, first and last folio, exento, neto, IVA, total) of
the documents the tills issued whose sale the master folded (an HQ nota is read from ``dte_corrections``), so a
month's boleta summaries and every earlier month's débito fiscal (the remanente) read days, not documents. A partial
index finds the month's documents listed one by one (all but the boletas). Back-filled here; the rebuild sums again.

Revision ID: 0034
Revises: 0033
"""

from alembic import op

from syncserver.migrations import rls

revision = "0034"
down_revision = "0033"

TABLE = """tenant_id bigint NOT NULL, day text NOT NULL, store_id text NOT NULL, tipo integer NOT NULL,
    documents bigint NOT NULL, first_folio bigint NOT NULL, last_folio bigint NOT NULL, exento bigint NOT NULL,
    neto bigint NOT NULL, iva bigint NOT NULL, total bigint NOT NULL, PRIMARY KEY (tenant_id, day, store_id, tipo)"""
LISTED = ("CREATE INDEX dte_documents_listed_by_day ON dte_documents (tenant_id, (left(stamped_at, 10)))"
          " WHERE tipo NOT IN (35, 38, 39, 41)")


def upgrade() -> None:
    from syncserver.store import books  # the sum the ingest keeps them with

    rls.create_tenant_table("book_days", TABLE, rls.READ_WRITE_DELETE)
    op.execute(LISTED)
    connection = op.get_bind().connection.driver_connection
    assert connection is not None
    books.backfill_days_all(connection)


def downgrade() -> None:
    op.execute("DROP INDEX dte_documents_listed_by_day")
    op.execute("DROP TABLE book_days")
