"""The kardex kept per product: ``pos`` is a movement's place in its product's kardex at the store (1, 2, ...), the
primary key is (tenant, store, SKU, pos) and is the only index (HQ pages a product's kardex by it), and the event's
terminal, epoch and seq are not repeated on every row (``reference`` names the sale, purchase, transfer...).
``cost_state.kardex_pos`` is the product's last position, read and written with its cost state. The ingest writes
a kardex row per sold line: two indexes and the repeated columns made a batch of sales a third slower to fold
(``scripts/bench-compare``, sync_ingest). The kardex folded so far (since migration 0020, the same day) is dropped
and refolded by ``almacen server admin rebuild-projections``; the cost states stay.

Revision ID: 0022
Revises: 0021
"""

from alembic import op

from syncserver.migrations import rls

revision = "0022"
down_revision = "0021"

KARDEX = """tenant_id bigint NOT NULL, store_id text NOT NULL, sku text NOT NULL, pos bigint NOT NULL,
    warehouse_id text NOT NULL, kind text NOT NULL, quantity numeric(14,3) NOT NULL, balance numeric(14,3) NOT NULL,
    unit_cost numeric NOT NULL, value numeric NOT NULL, document text NOT NULL, reference text NOT NULL,
    who text NOT NULL, lot text NOT NULL, occurred_at text NOT NULL, PRIMARY KEY (tenant_id, store_id, sku, pos)"""


def upgrade() -> None:
    op.execute("DROP TABLE kardex")
    rls.create_tenant_table("kardex", KARDEX, rls.READ_WRITE_DELETE)
    op.execute("ALTER TABLE cost_state ADD COLUMN kardex_pos bigint NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.execute("ALTER TABLE cost_state DROP COLUMN kardex_pos")
    op.execute("DROP TABLE kardex")
    rls.create_tenant_table("kardex", """tenant_id bigint NOT NULL, store_id text NOT NULL, pos bigint NOT NULL,
        warehouse_id text NOT NULL, sku text NOT NULL, kind text NOT NULL, quantity numeric(14,3) NOT NULL,
        balance numeric(14,3) NOT NULL, unit_cost numeric NOT NULL, value numeric NOT NULL, document text NOT NULL,
        reference text NOT NULL, who text NOT NULL, lot text NOT NULL, terminal_id text NOT NULL,
        epoch integer NOT NULL, seq bigint NOT NULL, occurred_at text NOT NULL,
        PRIMARY KEY (tenant_id, store_id, pos)""", rls.READ_WRITE_DELETE)
    op.execute("CREATE INDEX kardex_by_sku ON kardex (tenant_id, store_id, sku, pos)")
