"""The kardex numbered per store again, without an index of its own: ``kardex_counters`` holds each store's last
``pos`` (the ingest reserves a batch's positions with one statement, the rebuild writes it again), so a store's
rows keep the order the master folded them in (what the e2e and the demo compare with the till's kardex) and HQ
still pages a product's kardex by the primary key (tenant, store, SKU, pos). ``cost_state.kardex_pos``
(migration 0022) goes. The kardex folded under 0022 is emptied (its numbers were per product) and refolded by
``almacen server admin rebuild-projections``.

Revision ID: 0023
Revises: 0022
"""

from alembic import op

from syncserver.migrations import rls

revision = "0023"
down_revision = "0022"


def upgrade() -> None:
    rls.create_tenant_table("kardex_counters", """tenant_id bigint NOT NULL, store_id text NOT NULL,
        last_pos bigint NOT NULL, PRIMARY KEY (tenant_id, store_id)""", rls.READ_WRITE_DELETE)
    op.execute("ALTER TABLE cost_state DROP COLUMN kardex_pos")
    op.execute("TRUNCATE kardex")


def downgrade() -> None:
    op.execute("ALTER TABLE cost_state ADD COLUMN kardex_pos bigint NOT NULL DEFAULT 0")
    op.execute("DROP TABLE kardex_counters")
    op.execute("TRUNCATE kardex")
