"""After a restore of the master from a dump, no folio is leased until every terminal has reported the leases it
holds (leases handed out after the dump exist only at the tills): ``folio_holds`` lists the terminals asked and
when each reported (or an admin released the hold); ``folio_reports`` keeps the ranges a till reported that the
master did not hold, and what became of each (``syncserver.dte.folio_hold``, docs/backups.md).

Revision ID: 0040
Revises: 0039
"""

from alembic import op

from syncserver.migrations import rls

revision = "0040"
down_revision = "0039"

HOLDS = """tenant_id bigint NOT NULL, terminal_id text NOT NULL, restored_at timestamptz NOT NULL,
    reported_at timestamptz, released_at timestamptz, PRIMARY KEY (tenant_id, terminal_id)"""

REPORTS = """tenant_id bigint NOT NULL, tipo integer NOT NULL, desde bigint NOT NULL, hasta bigint NOT NULL,
    terminal_id text NOT NULL, epoch integer NOT NULL, state text NOT NULL
    CHECK (state IN ('recuperado', 'sin_caf', 'conflicto')), reported_at timestamptz NOT NULL,
    CHECK (1 <= desde AND desde <= hasta), PRIMARY KEY (tenant_id, tipo, desde, terminal_id)"""


def upgrade() -> None:
    rls.create_tenant_table("folio_holds", HOLDS, rls.READ_WRITE_DELETE)
    rls.create_tenant_table("folio_reports", REPORTS, rls.READ_WRITE_DELETE)


def downgrade() -> None:
    op.execute("DROP TABLE folio_reports")
    op.execute("DROP TABLE folio_holds")
