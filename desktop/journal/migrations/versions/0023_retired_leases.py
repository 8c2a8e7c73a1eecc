"""Folio leases given up (``shared.events.folios.FolioLeasesRetired``, journaled by ``almacen pos restore``):
``folio_leases.retired`` 1 once retired, never stamped from again. A journal before this revision holds no such
event: nothing to refold.

Revision ID: 0023
Revises: 0022
"""

from alembic import op

revision = "0023"
down_revision = "0022"


def upgrade() -> None:
    columns = {row[1] for row in op.get_bind().exec_driver_sql("PRAGMA table_info(folio_leases)")}
    if "retired" not in columns:  # idempotent, as the other revisions (a journal stamped back runs it again)
        op.execute("ALTER TABLE folio_leases ADD COLUMN retired INTEGER NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.execute("ALTER TABLE folio_leases DROP COLUMN retired")
