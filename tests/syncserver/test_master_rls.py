"""Every table of the migrated master with a ``tenant_id`` column is under the tenant policy
(``syncserver.migrations.rls``): RLS enabled and forced, the ``tenant_isolation`` policy, the app role's grant
(``rls.WITHOUT_RLS`` is empty since 0017). With no tenant set the app role reads nothing of the credential tables;
it looks a credential up only through the narrow functions (``rls.LOOKUP_FUNCTIONS``), which answer one row."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import argon2
import psycopg
import psycopg_pool
import pytest
from psycopg.rows import TupleRow

from shared import signing
from syncserver import accounts, bootstrap, tenancy
from syncserver.migrations import rls
from syncserver.store import schema

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

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


CREDENTIAL_TABLES = ("auth_hq_logins", "auth_terminal_keys", "auth_enrollment_codes", "dte_tenants", "tenant_ids")
"""The tables that map a credential (or the scheduler's round, or the next id) to a tenant: they were readable by
the app role with no tenant set until migration 0017."""


def _two_tenants(admin_url: str) -> str:
    """Two tenants, each with an owner (one invited account), an enrolled terminal, an unused code and a
    certificate row; returns the app role's URL."""
    app_url = bootstrap.migrate(admin_url)
    hasher = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

    async def seed() -> None:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            for tenant, rut in ((1, "76.086.428-5"), (2, "77.312.645-3")):
                await accounts.create_business(pool, name=f"Empresa {tenant}", rut=rut,
                                               owner_email=f"dueno{tenant}@example.cl", owner_name="Dueño",
                                               password="secreto-largo", hasher=hasher, at=NOW)
                await tenancy.create_store(pool, tenant, "centro", "Centro")
                await accounts.invite(pool, tenant, email=f"invitado{tenant}@example.cl", name="Invitado",
                                      role="accountant", stores=[], by="Dueño", at=NOW)
                code = await tenancy.issue_enrollment_code(pool, tenant, "centro", "Caja 1")
                await tenancy.issue_enrollment_code(pool, tenant, "centro", "Caja 2")
                await tenancy.enroll(pool, code, signing.public_key(signing.new_private_key()), f"caja-{tenant}")

    asyncio.run(seed())
    with psycopg.connect(admin_url) as conn:  # the trigger on tenant_certificates fills dte_tenants
        conn.execute("INSERT INTO tenant_certificates (tenant_id, pfx_encrypted, password_encrypted, subject,"
                     " holder_rut, not_after) SELECT tenant_id, '\\x00', '\\x00', 's', '1-9', now() FROM tenants")
    return app_url


def test_the_app_role_with_no_tenant_set_reads_nothing_of_the_credential_tables(pg_database: str) -> None:
    app_url = _two_tenants(pg_database)
    with psycopg.connect(pg_database) as admin:
        for table in CREDENTIAL_TABLES:  # the rows are there
            assert admin.execute(f"SELECT count(*) FROM {table}").fetchone() in ((2,), (4,)), table
    with psycopg.connect(app_url, autocommit=True) as conn:
        conn.execute("SELECT set_config('app.tenant_id', '', false)")
        for table in CREDENTIAL_TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        for table in CREDENTIAL_TABLES:  # nor may it write a row of a tenant it has not set
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"INSERT INTO {table} (tenant_id) VALUES (1)")
        conn.execute("SELECT set_config('app.tenant_id', '2', false)")  # a tenant sees its own rows only
        for table in CREDENTIAL_TABLES:
            tenants_seen = conn.execute(f"SELECT DISTINCT tenant_id FROM {table}").fetchall()
            assert tenants_seen == [(2,)], table
        assert conn.execute("UPDATE auth_hq_logins SET failures = 9 WHERE tenant_id = 1").rowcount == 0
        assert conn.execute("UPDATE auth_terminal_keys SET status = 'revoked' WHERE tenant_id = 1").rowcount == 0


def test_the_lookup_functions_answer_only_the_one_matching_row(pg_database: str) -> None:
    app_url = _two_tenants(pg_database)
    with psycopg.connect(app_url, autocommit=True) as conn:
        conn.execute("SELECT set_config('app.tenant_id', '', false)")
        [(tenant, password_hash, failures, locked)] = conn.execute(
            "SELECT * FROM auth_hq_login('dueno2@example.cl')").fetchall()
        assert (tenant, failures, locked) == (2, 0, None) and password_hash.startswith("$argon2id$")
        for guess in ("%", "dueno%", "", "DUENO2@EXAMPLE.CL", "dueno2@example.cl' OR 'x'='x"):
            assert conn.execute("SELECT * FROM auth_hq_login(%s)", (guess,)).fetchall() == [], guess
        assert conn.execute("SELECT auth_hq_email_taken('dueno1@example.cl'),"  # logs in; invited: not yet
                            " auth_hq_email_taken('invitado1@example.cl'), auth_hq_email_taken('nadie@example.cl')"
                            ).fetchone() == (True, False, False)
        assert conn.execute("SELECT * FROM auth_hq_invite('%')").fetchall() == []
        assert conn.execute("SELECT * FROM auth_enrolment_code('%')").fetchall() == []
        [key] = conn.execute("SELECT * FROM auth_terminal_key('caja-1')").fetchall()
        assert key[:3] == ("caja-1", 1, "centro") and key[4] == "active"
        assert conn.execute("SELECT * FROM auth_terminal_key('caja-%')").fetchall() == []
        assert conn.execute("SELECT auth_terminal_key_taken('caja-2', 'x'), auth_terminal_key_taken('caja-9', 'x')"
                            ).fetchone() == (True, False)
        assert conn.execute("SELECT tenant_any(), tenant_next_id(), tenant_id_taken(2), tenant_id_taken(3)"
                            ).fetchone() == (True, 3, True, False)
        assert conn.execute("SELECT * FROM dte_tenant_list()").fetchall() == [(1,), (2,)]
        # every lookup function runs as its owner (not the app role) with a fixed search_path
        functions = conn.execute(
            "SELECT p.proname, p.prosecdef, pg_get_userbyid(p.proowner), p.proconfig FROM pg_proc p"
            " WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY(%s)",
            (list(rls.LOOKUP_FUNCTIONS),)).fetchall()
        assert sorted(f[0] for f in functions) == sorted(rls.LOOKUP_FUNCTIONS)
        for name, definer, owner, config in functions:
            assert definer and owner != rls.APP_ROLE and any(c.startswith("search_path=") for c in config), name
