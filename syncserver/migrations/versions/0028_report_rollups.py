"""HQ's report rollups (issue 14), kept at ingest in the batch's transaction (``syncserver.store.rollups``) with the
till's arithmetic (``shared.reports``), per store and Chile day: ``report_sales`` (day, hour, cashier: the till's
0018 table plus the store), ``report_days`` (day, cashier), ``report_hour_months`` (month, weekday, hour),
``report_tenders`` / ``report_tender_months``, ``report_product_days`` / ``report_product_months``. Why each grain
(a report over a year of 50 stores reads thousands of rows, not millions; product rows also for store ``''``, the
whole tenant): docs/reports.md. ``report_stores``: the stores with rows (when a report asks for all of them, the
tenant's ``''`` rows answer). Migration 0031 replaced these tables (covering keys, whole-tenant rows of every grain)
and back-fills them; ``rebuild`` refolds them. Also an index of ``mermas`` by store and time (shrinkage by reason).

Revision ID: 0028
Revises: 0027
"""

from alembic import op

from syncserver.migrations import rls

revision = "0028"
down_revision = "0027"

_MEASURES = """tickets integer NOT NULL, total bigint NOT NULL, neto bigint NOT NULL, costed_neto bigint NOT NULL,
        cost bigint NOT NULL, returns integer NOT NULL, returned bigint NOT NULL"""
_PRODUCT = """units bigint NOT NULL, total bigint NOT NULL, neto bigint NOT NULL, costed_neto bigint NOT NULL,
        cost bigint NOT NULL"""
TABLES = {
    "report_sales": f"""tenant_id bigint NOT NULL, store_id text NOT NULL, day date NOT NULL, hour smallint NOT NULL,
        cashier_id text NOT NULL, {_MEASURES}, PRIMARY KEY (tenant_id, store_id, day, hour, cashier_id)""",
    "report_days": f"""tenant_id bigint NOT NULL, store_id text NOT NULL, day date NOT NULL,
        cashier_id text NOT NULL, {_MEASURES}, PRIMARY KEY (tenant_id, store_id, day, cashier_id)""",
    "report_hour_months": """tenant_id bigint NOT NULL, store_id text NOT NULL, month date NOT NULL,
        weekday smallint NOT NULL, hour smallint NOT NULL, tickets integer NOT NULL, total bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id, month, weekday, hour)""",
    "report_tenders": """tenant_id bigint NOT NULL, store_id text NOT NULL, day date NOT NULL, kind text NOT NULL,
        count integer NOT NULL, amount bigint NOT NULL, PRIMARY KEY (tenant_id, store_id, day, kind)""",
    "report_tender_months": """tenant_id bigint NOT NULL, store_id text NOT NULL, month date NOT NULL,
        kind text NOT NULL, count integer NOT NULL, amount bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id, month, kind)""",
    "report_product_days": f"""tenant_id bigint NOT NULL, store_id text NOT NULL, day date NOT NULL,
        sku text NOT NULL, {_PRODUCT}, PRIMARY KEY (tenant_id, store_id, day, sku)""",
    "report_product_months": f"""tenant_id bigint NOT NULL, store_id text NOT NULL, month date NOT NULL,
        sku text NOT NULL, {_PRODUCT}, PRIMARY KEY (tenant_id, store_id, month, sku)""",
    "report_stores": """tenant_id bigint NOT NULL, store_id text NOT NULL, PRIMARY KEY (tenant_id, store_id)""",
}
INDEXES = ("CREATE INDEX mermas_by_store_time ON mermas (tenant_id, store_id, occurred_at)",)


def upgrade() -> None:
    for table, columns in TABLES.items():
        rls.create_tenant_table(table, columns, rls.READ_WRITE_DELETE)
    for statement in INDEXES:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX mermas_by_store_time")
    for table in reversed(list(TABLES)):
        op.execute(f"DROP TABLE {table}")
