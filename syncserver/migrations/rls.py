"""Row-level security of tenant tables: the one block (ENABLE + FORCE, the tenant policy, the grant) every
migration that creates a tenant table runs, and the few tables that are deliberately without it.

The policy is DESIGN.md §5: a row is visible and writable only while ``app.tenant_id`` (set per transaction by
``syncserver.store.db.tenant_tx``) names its tenant; FORCE applies it to the table's owner too.
"""

from __future__ import annotations

from typing import Final

from alembic import op

APP_ROLE: Final = "almacen_app"
"""The role the server connects as (``syncserver.store.schema.APP_ROLE``): no superuser, no BYPASSRLS."""

READ_WRITE: Final = "SELECT, INSERT, UPDATE"
READ_WRITE_DELETE: Final = "SELECT, INSERT, UPDATE, DELETE"

WITHOUT_RLS: Final = {
    "auth_terminal_keys": "maps a terminal's key to its tenant before any tenant is set (push authentication)",
    "auth_enrollment_codes": "maps a one-time enrolment code to its tenant before any tenant is set",
    "auth_hq_logins": "maps an HQ login to its tenant before any tenant is set",
    "dte_tenants": "the DTE scheduler's list of tenant ids to visit, one tenant at a time (ids only)",
    "tenant_ids": "whether the server holds any tenant (HQ's first-run page) and the next id (ids only)",
}
"""Tables with a ``tenant_id`` column and no row-level security, each with the reason; they hold nothing but the
mapping from a credential (or the scheduler's round) to a tenant. Every other table with ``tenant_id`` has RLS
(``tests/syncserver/test_master_rls.py`` checks the migrated schema)."""

_TENANT_MATCHES = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"


def statements(table: str, privileges: str = READ_WRITE) -> list[str]:
    """The SQL that puts ``table`` under the tenant policy and grants ``privileges`` on it to the app role."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"""CREATE POLICY tenant_isolation ON {table}
            USING ({_TENANT_MATCHES})
            WITH CHECK ({_TENANT_MATCHES})""",
        f"GRANT {privileges} ON {table} TO {APP_ROLE}",
    ]


def enable_tenant_rls(table: str, privileges: str = READ_WRITE) -> None:
    """Run :func:`statements` for an existing ``table`` in the current migration."""
    for statement in statements(table, privileges):
        op.execute(statement)


def create_tenant_table(table: str, columns: str, privileges: str = READ_WRITE) -> None:
    """``CREATE TABLE table (columns)`` under the tenant policy: the way a migration adds a tenant table.

    ``columns`` must include ``tenant_id bigint NOT NULL`` (first in the primary key, by convention).
    """
    op.execute(f"CREATE TABLE {table} ({columns})")
    enable_tenant_rls(table, privileges)
