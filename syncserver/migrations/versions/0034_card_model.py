"""The business's «modelo de emisión» for card sales (``tenant_card_model``, one row per tenant: ``boleta`` or
``voucher``, who chose it and when; docs/card-sales.md). No row reads as the default, ``boleta``.

Revision ID: 0034
Revises: 0033
"""

from __future__ import annotations

from alembic import op

from syncserver.migrations import rls

revision = "0034"
down_revision = "0033"

COLUMNS = """tenant_id bigint NOT NULL PRIMARY KEY, model text NOT NULL CHECK (model IN ('boleta', 'voucher')),
    set_by text NOT NULL, set_at timestamptz NOT NULL"""


def upgrade() -> None:
    rls.create_tenant_table("tenant_card_model", COLUMNS, rls.READ_WRITE)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS tenant_card_model")
