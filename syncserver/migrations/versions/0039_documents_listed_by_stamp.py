"""The documents listed one by one in the libro de ventas (all but the boletas) found by their ``stamped_at`` under
the bytewise collation «C» (``syncserver.store.books``), replacing migration 0034's index on ``left(stamped_at, 10)``:
under row-level security the planner may not evaluate ``left()`` (not leakproof) inside an index scan, so that index
only narrowed the tenant and a month's libro read every listed document of every month (docs/books.md).

Revision ID: 0039
Revises: 0038
"""

from alembic import op

revision = "0039"
down_revision = "0038"

BY_STAMP = ("CREATE INDEX dte_documents_listed_by_stamp ON dte_documents (tenant_id, (stamped_at COLLATE \"C\"))"
            " WHERE tipo NOT IN (35, 38, 39, 41)")
BY_DAY = ("CREATE INDEX dte_documents_listed_by_day ON dte_documents (tenant_id, (left(stamped_at, 10)))"
          " WHERE tipo NOT IN (35, 38, 39, 41)")


def upgrade() -> None:
    op.execute(BY_STAMP)
    op.execute("DROP INDEX dte_documents_listed_by_day")


def downgrade() -> None:
    op.execute(BY_DAY)
    op.execute("DROP INDEX dte_documents_listed_by_stamp")
