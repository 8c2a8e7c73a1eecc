"""Returns (devoluciones) folded from the terminals' ``sale.returned`` events, beside sales and their tenders.

``returns`` has one row per return: the sale it gives back from (``sale_id`` and its document
``original_tipo``/``original_folio``), where and when (store, terminal, epoch/seq of the event, the terminal's ISO
``occurred_at``), who (cashier, authorising supervisor), why, the amounts credited (CLP, IVA included: ``total``,
``neto``, ``iva``, ``exento``), whether the whole sale came back (``full_return``) and the nota de crédito stamped at
the till (``tipo``/``folio``, NULL without one). ``return_lines`` are the lines given back (``quantity`` in units or
kg, as ``sale_lines``) and ``return_refunds`` what left the till per means of payment (``amount`` as credited,
``received`` net of the cash rounding of Ley 20.956), as ``sale_tenders`` for sales. HQ nets a day's sales with them;
the stock they return is folded into ``stock``. Same row-level security as 0001; DELETE like 0004, so a rebuild can
refold them.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from syncserver.migrations import rls

revision = "0007"
down_revision = "0006"

TENANT_TABLES = {
    "returns": """tenant_id bigint NOT NULL, return_id text NOT NULL, sale_id text NOT NULL, store_id text NOT NULL,
        terminal_id text NOT NULL, epoch integer NOT NULL, seq bigint NOT NULL, shift_id text NOT NULL,
        cashier_id text NOT NULL, supervisor_id text NOT NULL, occurred_at text NOT NULL, reason text NOT NULL,
        total bigint NOT NULL, neto bigint NOT NULL, iva bigint NOT NULL, exento bigint NOT NULL,
        original_tipo integer NOT NULL, original_folio bigint NOT NULL, full_return boolean NOT NULL,
        tipo integer, folio bigint, PRIMARY KEY (tenant_id, return_id)""",
    "return_lines": """tenant_id bigint NOT NULL, return_id text NOT NULL, line_id integer NOT NULL, sku text NOT NULL,
        name text NOT NULL, quantity numeric(12,3) NOT NULL, unit_price bigint NOT NULL, amount bigint NOT NULL,
        PRIMARY KEY (tenant_id, return_id, line_id)""",
    "return_refunds": """tenant_id bigint NOT NULL, return_id text NOT NULL, kind text NOT NULL,
        amount bigint NOT NULL, received bigint NOT NULL, PRIMARY KEY (tenant_id, return_id, kind)""",
}

INDEXES = [
    "CREATE INDEX returns_by_store_day ON returns (tenant_id, store_id, occurred_at)",
    "CREATE INDEX returns_by_sale ON returns (tenant_id, sale_id)",
]


def upgrade() -> None:
    for name, columns in TENANT_TABLES.items():
        op.execute(f"CREATE TABLE {name} ({columns})")
    for statement in INDEXES:
        op.execute(statement)
    for name in TENANT_TABLES:
        rls.enable_tenant_rls(name, rls.READ_WRITE_DELETE)


def downgrade() -> None:
    for name in reversed(list(TENANT_TABLES)):
        op.execute(f"DROP TABLE {name}")
