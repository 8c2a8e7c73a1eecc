"""The migrated master is ready to distribute by tenant with Citus (DESIGN.md §9, installer/scale-out.md): every
primary key, unique constraint or index and foreign key of a tenant table includes ``tenant_id``, and every table
is either a tenant table or one of the small reference tables listed here (replicated to every node by Citus)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import TupleRow

from syncserver import pgcluster
from syncserver.store import schema

# Tables Citus would replicate to every node (create_reference_table) rather than shard: each is small by design
# and is read before the tenant is known, or is not a tenant's data at all. Any other table is sharded by tenant_id.
REFERENCE_TABLES: dict[str, str] = {
    "alembic_version": "one row: the schema's revision",
    "tenants": "one row per business; the RUT is unique across businesses (0018)",
    "auth_throttle": "failed-login counters by hashed key, before any tenant is known; cleared on success",
    "auth_terminal_keys": "one row per till: a till's signed request is looked up by terminal_id",
    "auth_enrollment_codes": "one row per enrolment code, looked up by its hash before the till has a tenant",
    "auth_hq_logins": "one row per HQ user, looked up by e-mail or invitation at login",
    "hq_sessions": "one row per HQ browser session, looked up by its token's hash",
}


def problems(conn: psycopg.Connection[TupleRow], reference: dict[str, str]) -> list[str]:
    """What keeps ``conn``'s public schema from distributing by ``tenant_id``, one sentence each (empty: ready).

    A tenant table is any table with a ``tenant_id`` column not named in ``reference``; a table with neither is
    reported, as is a reference table that is missing or has a foreign key to a tenant table (Citus refuses those).
    """
    tables = {str(name): bool(tenant) for name, tenant in conn.execute(
        "SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
        "  AND a.attname = 'tenant_id' AND NOT a.attisdropped)"
        " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')")}
    sharded = {name for name, tenant in tables.items() if tenant and name not in reference}
    found = [f"{name}: no tenant_id column and not a reference table" for name, tenant in sorted(tables.items())
             if not tenant and name not in reference]
    found.extend(f"{name} is listed as a reference table but does not exist" for name in sorted(reference)
                 if name not in tables)
    unique = conn.execute(  # primary keys, unique constraints and bare unique indexes alike
        "SELECT cl.relname, i.indexrelid::regclass::text, i.indisprimary,"
        " EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        "  AND a.attname = 'tenant_id')"
        " FROM pg_index i JOIN pg_class cl ON cl.oid = i.indrelid"
        " WHERE cl.relnamespace = 'public'::regnamespace AND i.indisunique ORDER BY 1, 2").fetchall()
    for table, key, primary, has_tenant in unique:  # an expression index names no column: it fails here too
        if table in sharded and not has_tenant:
            found.append(f"{table}: {'primary key' if primary else 'unique'} {key} does not include tenant_id")
    foreign = conn.execute(
        "SELECT cl.relname, con.conname, fcl.relname,"
        " EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = ANY(con.conkey)"
        "  AND a.attname = 'tenant_id'),"
        " EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.confrelid AND a.attnum = ANY(con.confkey)"
        "  AND a.attname = 'tenant_id')"
        " FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class fcl ON fcl.oid = con.confrelid"
        " WHERE cl.relnamespace = 'public'::regnamespace AND con.contype = 'f' ORDER BY 1, 2").fetchall()
    for table, key, target, has_tenant, target_has_tenant in foreign:
        if table in sharded and not (has_tenant and target_has_tenant):
            found.append(f"{table}: foreign key {key} to {target} does not include tenant_id on both sides")
        elif table not in sharded and target in sharded:
            found.append(f"{table}: reference table with foreign key {key} to tenant table {target}")
    return found


@pytest.fixture(scope="module")
def migrated(pg_cluster: pgcluster.LocalCluster) -> Iterator[str]:
    """One migrated master for the module (the checks only read the catalog, or roll back what they add)."""
    name = f"test_{secrets.token_hex(6)}"
    url = pg_cluster.create_database(name)
    schema.migrate(url)
    yield url
    pg_cluster.drop_database(name)


def test_every_table_of_the_migrated_master_distributes_by_tenant_or_is_a_listed_reference_table(
        migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        counted = conn.execute(
            "SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p')), count(*) FILTER (WHERE i.indisprimary)"
            " FROM pg_class c LEFT JOIN pg_index i ON i.indrelid = c.oid"
            " WHERE c.relnamespace = 'public'::regnamespace").fetchone()
        assert counted is not None and counted[1] > 60  # the check looked at the real schema's keys
        assert problems(conn, REFERENCE_TABLES) == []


def test_keys_without_tenant_id_and_tables_outside_both_kinds_are_caught(migrated: str) -> None:
    with psycopg.connect(migrated) as conn:
        conn.execute("CREATE TABLE notes (note_id bigint PRIMARY KEY, tenant_id bigint NOT NULL, body text UNIQUE)")
        conn.execute("CREATE TABLE shelf (tenant_id bigint, shelf_id bigint, PRIMARY KEY (tenant_id, shelf_id),"
                     " note_id bigint REFERENCES notes (note_id))")
        conn.execute("CREATE UNIQUE INDEX shelf_lower ON shelf ((shelf_id + 1))")
        conn.execute("CREATE TABLE colours (name text PRIMARY KEY)")
        conn.execute("CREATE TABLE ref_bad (code text PRIMARY KEY, tenant_id bigint, shelf_tenant bigint,"
                     " shelf_id bigint, FOREIGN KEY (shelf_tenant, shelf_id) REFERENCES shelf (tenant_id, shelf_id))")
        found = problems(conn, {**REFERENCE_TABLES, "ref_bad": "test", "gone": "test"})
        conn.rollback()
    assert sorted(found) == [
        "colours: no tenant_id column and not a reference table",
        "gone is listed as a reference table but does not exist",
        "notes: primary key notes_pkey does not include tenant_id",
        "notes: unique notes_body_key does not include tenant_id",
        "ref_bad: reference table with foreign key ref_bad_shelf_tenant_shelf_id_fkey to tenant table shelf",
        "shelf: foreign key shelf_note_id_fkey to notes does not include tenant_id on both sides",
        "shelf: unique shelf_lower does not include tenant_id",
    ]
