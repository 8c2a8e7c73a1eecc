"""The general journal's sums per store, month and account (``journal_months``), kept at ingest beside
``journal_days`` (``syncserver.ingest.journal.write``), so a year's trial balance reads whole months and only the
period's partial months' days (``syncserver.store.general_journal``). Back-filled here from ``journal_days``; the
rebuild books them again. An index finds the days of every store by date.

Revision ID: 0038
Revises: 0037
"""

from alembic import op

from syncserver.migrations import rls

revision = "0038"
down_revision = "0037"

TABLE = """tenant_id bigint NOT NULL, store_id text NOT NULL, month date NOT NULL, account text NOT NULL,
    debit bigint NOT NULL, credit bigint NOT NULL, PRIMARY KEY (tenant_id, store_id, month, account)"""

BY_DAY = "CREATE INDEX journal_days_by_day ON journal_days (tenant_id, day)"
"""The partial months' days of every store (the primary key leads with the store)."""

BACKFILL = (
    "CREATE POLICY months_backfill ON journal_days TO CURRENT_USER USING (true)",
    """DO $$ DECLARE t bigint; BEGIN
        FOR t IN SELECT DISTINCT tenant_id FROM journal_days LOOP
            PERFORM set_config('app.tenant_id', t::text, true);
            INSERT INTO journal_months (tenant_id, store_id, month, account, debit, credit)
            SELECT tenant_id, store_id, date_trunc('month', day)::date, account, sum(debit), sum(credit)
            FROM journal_days WHERE tenant_id = t GROUP BY 1, 2, 3, 4;
        END LOOP;
        PERFORM set_config('app.tenant_id', '', true);
    END $$""",
    "DROP POLICY months_backfill ON journal_days")
"""Every tenant's ``journal_days`` summed into ``journal_months`` (on the migrating role: a policy lets it read
every tenant's days while it runs)."""


def upgrade() -> None:
    rls.create_tenant_table("journal_months", TABLE, rls.READ_WRITE_DELETE)
    op.execute(BY_DAY)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP INDEX journal_days_by_day")
    op.execute("DROP TABLE journal_months")
