"""Every table of the migrated master with a ``tenant_id`` column is under the tenant policy
(``syncserver.migrations.rls``): RLS enabled and forced, the ``tenant_isolation`` policy, the app role's grant; or
it is one of the few tables listed in ``rls.WITHOUT_RLS``, which hold only the credential-to-tenant mapping."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import TupleRow

from syncserver.migrations import rls
from syncserver.store import schema

TENANT_MATCHES = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::bigint)"


def problems(conn: psycopg.Connection[TupleRow]) -> list[str]:
    """What is wrong with the tenant tables of ``conn``'s database, one sentence each (empty: all is well)."""
    rows = conn.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
        " (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname"
        "  AND p.policyname = 'tenant_isolation' AND p.cmd = 'ALL' AND p.qual = %(m)s AND p.with_check = %(m)s),"
        " has_table_privilege(%(role)s, c.oid, 'SELECT') AND has_table_privilege(%(role)s, c.oid, 'INSERT')"
        "  AND has_table_privilege(%(role)s, c.oid, 'UPDATE')"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'"
        "  AND NOT a.attisdropped) ORDER BY c.relname",
        {"m": TENANT_MATCHES, "role": rls.APP_ROLE}).fetchall()
    found: list[str] = []
    for name, enabled, forced, policies, granted in rows:
        if name in rls.WITHOUT_RLS:
            if enabled:
                found.append(f"{name} is listed in WITHOUT_RLS but has row-level security")
            continue
        if not enabled:
            found.append(f"{name}: row-level security not enabled")
        if not forced:
            found.append(f"{name}: row-level security not forced")
        if policies != 1:
            found.append(f"{name}: no tenant_isolation policy on app.tenant_id")
        if not granted:
            found.append(f"{name}: {rls.APP_ROLE} lacks SELECT, INSERT, UPDATE")
    missing = set(rls.WITHOUT_RLS) - {str(r[0]) for r in rows}
    found.extend(f"{name} is listed in WITHOUT_RLS but has no tenant_id column" for name in sorted(missing))
    return found


@pytest.fixture
def migrated(pg_database: str) -> str:
    schema.migrate(pg_database)
    return pg_database


def test_every_tenant_table_of_the_migrated_master_is_under_the_tenant_policy(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        tables = conn.execute("SELECT count(DISTINCT c.relname) FROM pg_class c JOIN pg_attribute a"
                              " ON a.attrelid = c.oid WHERE c.relkind = 'r' AND a.attname = 'tenant_id'"
                              " AND c.relnamespace = 'public'::regnamespace").fetchone()
        assert tables is not None and tables[0] > 30  # the check looked at the real schema
        assert problems(conn) == []


def test_a_tenant_table_created_without_the_helper_is_caught_and_one_created_with_it_passes(migrated: str) -> None:
    with psycopg.connect(migrated, autocommit=True) as conn:
        conn.execute("CREATE TABLE slipped (tenant_id bigint NOT NULL, note text)")
        conn.execute("CREATE TABLE half_done (tenant_id bigint NOT NULL, note text)")
        conn.execute("ALTER TABLE half_done ENABLE ROW LEVEL SECURITY")
        assert problems(conn) == [
            "half_done: row-level security not forced", "half_done: no tenant_isolation policy on app.tenant_id",
            f"half_done: {rls.APP_ROLE} lacks SELECT, INSERT, UPDATE",
            "slipped: row-level security not enabled", "slipped: row-level security not forced",
            "slipped: no tenant_isolation policy on app.tenant_id",
            f"slipped: {rls.APP_ROLE} lacks SELECT, INSERT, UPDATE"]
        conn.execute("DROP TABLE slipped, half_done")
        conn.execute("CREATE TABLE helped (tenant_id bigint NOT NULL, note text, PRIMARY KEY (tenant_id, note))")
        for statement in rls.statements("helped"):
            conn.execute(statement)
        assert problems(conn) == []
        conn.execute("SET ROLE almacen_app")
        conn.execute("SELECT set_config('app.tenant_id', '1', false)")
        conn.execute("INSERT INTO helped VALUES (1, 'mine')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # the policy's WITH CHECK
            conn.execute("INSERT INTO helped VALUES (2, 'theirs')")
        conn.execute("SELECT set_config('app.tenant_id', '2', false)")
        assert conn.execute("SELECT count(*) FROM helped").fetchone() == (0,)
