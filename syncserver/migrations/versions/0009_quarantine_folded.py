"""``quarantine.folded``: whether the quarantined event's effects are in the read models anyway.

Most quarantined events are kept out of the read models (a payload that does not decode, a value a column cannot
hold, a ``sale_id`` received before: ``syncserver.ingest.push``). A sale or return whose *tax document* the master
refuses (a folio already issued, or one not leased to that till: ``syncserver.dte.folios.record_documents``) is
different: the sale happened at the till, money and goods moved, so its sale, lines, tenders, stock and shift totals
are folded; only its document is quarantined. Such rows have ``folded = true``, and a rebuild of the read models
(``syncserver.ingest.rebuild``) folds their events again, as the ingest did, instead of skipping them.

Rows written before this revision by ``record_documents`` (reason ``folio … ya fue emitido`` or ``folio … no está
asignado a esta caja``, payload ``{tipo, folio, sale_id}``) are marked ``folded`` here: their events were folded
when they were received. The table's grants (0001: SELECT, INSERT, UPDATE for ``almacen_app``) cover the column.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.execute("ALTER TABLE quarantine ADD COLUMN folded boolean NOT NULL DEFAULT false")
    op.execute("UPDATE quarantine SET folded = true WHERE type IN ('sale.completed', 'sale.returned')"
               " AND (reason LIKE 'folio % ya fue emitido%' OR reason LIKE 'folio % no está asignado a esta caja%')"
               " AND payload ?& array['tipo', 'folio', 'sale_id']")


def downgrade() -> None:
    op.execute("ALTER TABLE quarantine DROP COLUMN folded")
