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

WITHOUT_RLS: Final[dict[str, str]] = {}
"""Tables with a ``tenant_id`` column and no row-level security, each with the reason. None since migration 0017:
the credential tables (``auth_*``), ``dte_tenants`` and ``tenant_ids`` are under the tenant policy too, and what must
be looked up in them before a tenant is known goes through :data:`LOOKUP_FUNCTIONS`
(``tests/syncserver/test_master_rls.py`` checks the migrated schema)."""

LOOKUP_FUNCTIONS: Final = {
    "auth_terminal_key": "a terminal's key row by its id (push authentication)",
    "auth_terminal_key_taken": "whether a terminal id or public key is registered in any tenant (enrolment)",
    "auth_enrolment_code": "an enrolment code's row by its SHA-256, locked (enrolment)",
    "auth_hq_login": "the HQ login (with a password) of an e-mail: tenant, hash, failures, lock-out; locked",
    "auth_hq_invite": "the login an invitation or reset code (its SHA-256) opens, locked",
    "auth_hq_email_taken": "whether an e-mail logs in (has a password) in any tenant: one per server",
    "tenant_any": "whether the server holds a tenant (HQ's first-run page)",
    "tenant_next_id": "the next free tenant id",
    "tenant_id_taken": "whether a tenant id is in use",
    "tenant_rut_taken": "whether a tenant holds a RUT (one RUT is one tenant; migration 0018)",
    "caf_held_elsewhere": "whether a tenant other than the transaction's holds a CAF of that RUT, type and an"
                          " overlapping range (migration 0018)",
    "dte_tenant_list": "the ids of the tenants with a certificate (the DTE scheduler's round)",
    "customer_held_elsewhere": "whether another tenant holds a customer id (the ingest refuses its fiado; migration"
                               " 0027)",
}
"""The only way to read across tenants: ``SECURITY DEFINER`` functions owned by the migrating role (never the app
role), with a fixed ``search_path``, each answering one row or one fact (migration 0017). Name: what it answers."""

LOOKUP_POLICY: Final = "lookup_functions"
"""The policy that lets the owner of :data:`LOOKUP_FUNCTIONS` (the migrating role) read every row of a table whose
row-level security is FORCEd: needed when that role is not a superuser (superusers bypass RLS anyway)."""

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


def lookup_policy(table: str) -> str:
    """The policy statement that lets the migrating role (the owner of the lookup functions) see all of ``table``."""
    return f"CREATE POLICY {LOOKUP_POLICY} ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)"


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
