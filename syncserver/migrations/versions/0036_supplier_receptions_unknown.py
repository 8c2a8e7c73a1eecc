"""``supplier_receptions.received_at`` may be NULL: the server asked the SII (at ``asked_at``) and the SII had not
received the document yet, so the next pass asks again only some hours later (``syncserver.sii.acceptance``).

Revision ID: 0036
Revises: 0035
"""

from alembic import op

revision = "0036"
down_revision = "0035"


def upgrade() -> None:
    op.execute("ALTER TABLE supplier_receptions ALTER COLUMN received_at DROP NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM supplier_receptions WHERE received_at IS NULL")
    op.execute("ALTER TABLE supplier_receptions ALTER COLUMN received_at SET NOT NULL")
