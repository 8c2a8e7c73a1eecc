"""Notas de débito issued in HQ: ``dte_corrections`` holds every nota the server stamps itself — the nota de crédito
that annuls a rejected document, the nota de débito (56) that charges more on a factura (CodRef 3), the nota de
crédito that annuls a nota de débito — with the reference's code in ``codref``. A document is annulled at most once
(a unique index on the original where ``codref = 1``) but may carry several notas de débito, so the old
``UNIQUE (tenant_id, original_tipo, original_folio)`` goes; ``montos_brutos`` of the notas already stored stays
implicit (they are IVA-included, as their content says nothing).

Revision ID: 0030
Revises: 0029
"""

from alembic import op

revision = "0030"
down_revision = "0029"

OLD_UNIQUE = "dte_corrections_tenant_id_original_tipo_original_folio_key"


def upgrade() -> None:
    op.execute("ALTER TABLE dte_corrections ADD COLUMN codref smallint NOT NULL DEFAULT 1"
               " CHECK (codref BETWEEN 1 AND 3)")
    op.execute(f"ALTER TABLE dte_corrections DROP CONSTRAINT {OLD_UNIQUE}")
    op.execute("CREATE UNIQUE INDEX dte_corrections_one_annulment ON dte_corrections"
               " (tenant_id, original_tipo, original_folio) WHERE codref = 1")
    op.execute("CREATE INDEX dte_corrections_by_original ON dte_corrections (tenant_id, original_tipo, original_folio)")


def downgrade() -> None:
    """Back to one nota per document; refused (nothing changed) while a nota de débito or the annulment of one is
    stored, as the old schema cannot hold them."""
    op.execute("DO $$ BEGIN IF EXISTS (SELECT 1 FROM dte_corrections WHERE codref <> 1 OR tipo = 56"
               " OR original_tipo = 56) THEN RAISE EXCEPTION 'hay notas de débito emitidas en HQ: la versión"
               " anterior no las guarda'; END IF; END $$")
    op.execute("DROP INDEX dte_corrections_by_original")
    op.execute("DROP INDEX dte_corrections_one_annulment")
    op.execute(f"ALTER TABLE dte_corrections ADD CONSTRAINT {OLD_UNIQUE} UNIQUE (tenant_id, original_tipo,"
               " original_folio)")
    op.execute("ALTER TABLE dte_corrections DROP COLUMN codref")
