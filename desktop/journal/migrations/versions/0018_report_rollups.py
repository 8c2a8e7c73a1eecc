"""The back office's report rollups (issue 14): sales per Chile day, hour and cashier; tenders per day; products
per day and per month (the month rows let a year's top products add ~12 rows per product, not 365). Money CLP
(``total`` IVA included, ``neto`` without it, ``cost`` neto), quantities thousandths. Returns subtract on the day
they are made. A journal migrated here is refolded once on open (``meta`` key ``refold``).

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"

STATEMENTS = [
    # ``day`` is the store's calendar day (Chile, ``YYYY-MM-DD``), ``hour`` 0-23 local; ``costed_neto`` the neto of
    # the lines whose cost was recorded (the margin is ``costed_neto - cost``).
    """CREATE TABLE IF NOT EXISTS report_sales (
        day TEXT NOT NULL,
        hour INTEGER NOT NULL,
        cashier_id TEXT NOT NULL,
        tickets INTEGER NOT NULL,
        total INTEGER NOT NULL,
        neto INTEGER NOT NULL,
        costed_neto INTEGER NOT NULL,
        cost INTEGER NOT NULL,
        returns INTEGER NOT NULL,
        returned INTEGER NOT NULL,
        PRIMARY KEY (day, hour, cashier_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS report_tenders (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        count INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        PRIMARY KEY (day, kind)
    ) WITHOUT ROWID""",
    # ``period`` is a day (``YYYY-MM-DD``) in report_product_days and a month (``YYYY-MM``) in report_product_months.
    *(f"""CREATE TABLE IF NOT EXISTS {table} (
        period TEXT NOT NULL,
        sku TEXT NOT NULL,
        units INTEGER NOT NULL,
        total INTEGER NOT NULL,
        neto INTEGER NOT NULL,
        costed_neto INTEGER NOT NULL,
        cost INTEGER NOT NULL,
        PRIMARY KEY (period, sku)
    ) WITHOUT ROWID""" for table in ("report_product_days", "report_product_months")),
]
TABLES = ("report_sales", "report_tenders", "report_product_days", "report_product_months")


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    op.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('refold', '0018')")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TABLE {table}")
