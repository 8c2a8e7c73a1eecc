"""HQ's report rollups for 50 stores in 200 ms (issue 14): 0028's tables again with their figures in the primary
key's index (``INCLUDE``: a span is read from the index alone, not from rows the ingest scattered over the heap), the
whole tenant's rows (store ``''``, cashier ``''``) for every grain, not only products, ``report_cashier_months``
(cashiers over whole months), the stock by category per store cached with the store's kardex position and the
tenant's change feed position it was computed at (``report_stock_categories``, ``report_stock_marks``), and an index
of the fiado ledger by time (the balance at the end of a past day). Back-filled from the stored events. Why each:
docs/reports.md.

Revision ID: 0031
Revises: 0030
"""

import re

from alembic import op

from syncserver.migrations import rls

revision = "0031"
down_revision = "0030"

_MEASURES = ("tickets integer NOT NULL, total bigint NOT NULL, neto bigint NOT NULL, costed_neto bigint NOT NULL,"
             " cost bigint NOT NULL, returns integer NOT NULL, returned bigint NOT NULL")
_M = "INCLUDE (tickets, total, neto, costed_neto, cost, returns, returned)"
_PRODUCT = ("units bigint NOT NULL, total bigint NOT NULL, neto bigint NOT NULL, costed_neto bigint NOT NULL,"
            " cost bigint NOT NULL")
_P = "INCLUDE (units, total, neto, costed_neto, cost)"
_T = "tenant_id bigint NOT NULL, store_id text NOT NULL"
REPLACED = ("report_sales", "report_days", "report_hour_months", "report_tenders", "report_tender_months",
            "report_product_days", "report_product_months")
TABLES = {
    "report_sales": f"""{_T}, day date NOT NULL, hour smallint NOT NULL, cashier_id text NOT NULL, {_MEASURES},
        PRIMARY KEY (tenant_id, store_id, day, hour, cashier_id) {_M}""",
    "report_days": f"""{_T}, day date NOT NULL, cashier_id text NOT NULL, {_MEASURES},
        PRIMARY KEY (tenant_id, store_id, day, cashier_id) {_M}""",
    "report_cashier_months": f"""{_T}, month date NOT NULL, cashier_id text NOT NULL, {_MEASURES},
        PRIMARY KEY (tenant_id, store_id, month, cashier_id) {_M}""",
    "report_hour_months": f"""{_T}, month date NOT NULL, weekday smallint NOT NULL, hour smallint NOT NULL,
        tickets integer NOT NULL, total bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id, month, weekday, hour) INCLUDE (tickets, total)""",
    "report_tenders": f"""{_T}, day date NOT NULL, kind text NOT NULL, count integer NOT NULL, amount bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id, day, kind) INCLUDE (count, amount)""",
    "report_tender_months": f"""{_T}, month date NOT NULL, kind text NOT NULL, count integer NOT NULL,
        amount bigint NOT NULL, PRIMARY KEY (tenant_id, store_id, month, kind) INCLUDE (count, amount)""",
    "report_product_days": f"""{_T}, day date NOT NULL, sku text NOT NULL, {_PRODUCT},
        PRIMARY KEY (tenant_id, store_id, day, sku) {_P}""",
    "report_product_months": f"""{_T}, month date NOT NULL, sku text NOT NULL, {_PRODUCT},
        PRIMARY KEY (tenant_id, store_id, month, sku) {_P}""",
    "report_stock_categories": f"""{_T}, category text NOT NULL, products integer NOT NULL, value bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id, category)""",
    "report_stock_marks": f"""{_T}, mark text NOT NULL, PRIMARY KEY (tenant_id, store_id)""",
}
INDEXES = ("CREATE INDEX fiado_entries_by_time ON fiado_entries (tenant_id, at)",)


def upgrade() -> None:
    from syncserver.store import rollups  # the fold the ingest keeps them with

    for table in REPLACED:
        op.execute(f"DROP TABLE {table}")
    for table, columns in TABLES.items():
        rls.create_tenant_table(table, columns, rls.READ_WRITE_DELETE)
    for statement in INDEXES:
        op.execute(statement)
    op.execute("DELETE FROM report_stores")
    connection = op.get_bind().connection.driver_connection
    assert connection is not None
    rollups.backfill_all(connection)


def downgrade() -> None:
    op.execute("DROP INDEX fiado_entries_by_time")
    for table in reversed(list(TABLES)):
        op.execute(f"DROP TABLE {table}")
    for table in REPLACED:  # as 0028 made them (empty: a later upgrade back-fills)
        rls.create_tenant_table(table, re.sub(r" INCLUDE \([^)]*\)", "", TABLES[table]), rls.READ_WRITE_DELETE)
