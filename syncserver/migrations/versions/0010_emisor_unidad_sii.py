"""The SII unit (unidad del SII) of the emisor's address, printed under the recuadro of its PDFs ("S.I.I. - SANTIAGO
ORIENTE", SII Manual de Muestras Impresas); optional, empty until the owner enters it.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.execute("ALTER TABLE tenant_emisor ADD COLUMN unidad_sii text NOT NULL DEFAULT ''")


def downgrade() -> None:
    op.execute("ALTER TABLE tenant_emisor DROP COLUMN unidad_sii")
