"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}


# A table with tenant_id is created with syncserver.migrations.rls.create_tenant_table(name, columns) (RLS enabled
# and forced, the tenant policy, the app role's grant); tests/syncserver/test_master_rls.py fails on one without it.
def upgrade() -> None:
    ${upgrades if upgrades else "pass"}
