"""Customers and their store credit (fiado) at the master: ``people`` (the tenant's customers, with the folded text
HQ searches), ``customer_aliases`` (customers merged into another: by RUT at the ingest or by hand at HQ),
``fiado_accounts`` (enabled, limit), the ledger ``fiado_entries`` (one per event, ``entry_id`` = the event's id),
``fiado_payments`` (payments and their reversals, to check a reversal), ``fiado_balances`` (kept in step with the
ledger), ``fiado_flags`` (for the manager and HQ), ``fiado_settings`` per store and ``fiado_log``, the order in
which the master folded the batches and HQ's actions that touch customers (the rebuild follows it; never cleared).
``customer_held_elsewhere`` tells the ingest whether another tenant holds a customer id (yes or no).

Revision ID: 0027
Revises: 0026
"""

from alembic import op

from syncserver.migrations import rls

revision = "0027"
down_revision = "0026"

TABLES = {
    "people": """tenant_id bigint NOT NULL, customer_id text NOT NULL, name text NOT NULL, rut text NOT NULL DEFAULT '',
        phone text NOT NULL DEFAULT '', address text NOT NULL DEFAULT '', notes text NOT NULL DEFAULT '',
        active boolean NOT NULL DEFAULT true, search_text text NOT NULL DEFAULT '', store_id text NOT NULL,
        saved_by text NOT NULL, saved_at text NOT NULL, first_batch bigint NOT NULL,
        PRIMARY KEY (tenant_id, customer_id)""",
    "customer_aliases": """tenant_id bigint NOT NULL, alias_id text NOT NULL, customer_id text NOT NULL,
        reason text NOT NULL, merged_by text NOT NULL, merged_at text NOT NULL, PRIMARY KEY (tenant_id, alias_id)""",
    "fiado_accounts": """tenant_id bigint NOT NULL, customer_id text NOT NULL, enabled boolean NOT NULL,
        credit_limit bigint NOT NULL, store_id text NOT NULL, set_by text NOT NULL, set_at text NOT NULL,
        PRIMARY KEY (tenant_id, customer_id)""",
    "fiado_entries": """tenant_id bigint NOT NULL, entry_id text NOT NULL, customer_id text NOT NULL,
        kind text NOT NULL, amount bigint NOT NULL, store_id text NOT NULL, terminal_id text NOT NULL,
        document text NOT NULL, reference text NOT NULL, at timestamptz NOT NULL, reverses text NOT NULL DEFAULT '',
        counter_account text NOT NULL, PRIMARY KEY (tenant_id, entry_id)""",
    "fiado_payments": """tenant_id bigint NOT NULL, payment_id text NOT NULL, entry_id text NOT NULL,
        customer_id text NOT NULL, kind text NOT NULL, amount bigint NOT NULL, store_id text NOT NULL,
        reverses text NOT NULL DEFAULT '', reversed_by text NOT NULL DEFAULT '', PRIMARY KEY (tenant_id, payment_id)""",
    "fiado_balances": """tenant_id bigint NOT NULL, customer_id text NOT NULL, balance bigint NOT NULL,
        oldest_unpaid_at timestamptz, open_terminals text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, customer_id)""",
    "fiado_flags": """tenant_id bigint NOT NULL, customer_id text NOT NULL, kind text NOT NULL, entry_id text NOT NULL,
        detail text NOT NULL, terminals text[] NOT NULL DEFAULT '{}', stores text[] NOT NULL DEFAULT '{}',
        raised_at timestamptz NOT NULL, resolved_at timestamptz,
        PRIMARY KEY (tenant_id, customer_id, kind, entry_id)""",
    "fiado_settings": """tenant_id bigint NOT NULL, store_id text NOT NULL, offline_allowance bigint NOT NULL,
        overpayment text NOT NULL, set_by text NOT NULL, set_at text NOT NULL, PRIMARY KEY (tenant_id, store_id)""",
    "fiado_log": """tenant_id bigint NOT NULL, batch bigint NOT NULL, terminal_id text, epoch integer,
        first_seq bigint, last_seq bigint, action jsonb, logged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, batch)""",
}
INDEXES = (
    "CREATE INDEX people_by_rut ON people (tenant_id, rut) WHERE rut <> ''",
    "CREATE INDEX people_by_id ON people (customer_id)",  # customer_held_elsewhere: any tenant's
    "CREATE INDEX customer_aliases_by_customer ON customer_aliases (tenant_id, customer_id)",
    "CREATE INDEX fiado_entries_by_customer ON fiado_entries (tenant_id, customer_id, at, entry_id)",
    "CREATE INDEX fiado_flags_open ON fiado_flags (tenant_id, customer_id) WHERE resolved_at IS NULL",
    "CREATE INDEX fiado_log_by_stream ON fiado_log (tenant_id, terminal_id, epoch, first_seq)",
)
_DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
FUNCTION = "customer_held_elsewhere(p_customer_id text)"
_BODY = f"""RETURNS boolean LANGUAGE sql STABLE {_DEFINER} AS $$
    SELECT EXISTS (SELECT 1 FROM public.people p WHERE p.customer_id = p_customer_id
                   AND p.tenant_id <> NULLIF(current_setting('app.tenant_id', true), '')::bigint) $$"""


def upgrade() -> None:
    for table, columns in TABLES.items():
        rls.create_tenant_table(table, columns, rls.READ_WRITE_DELETE)
    for statement in INDEXES:
        op.execute(statement)
    op.execute(rls.lookup_policy("people"))
    op.execute(f"CREATE FUNCTION {FUNCTION} {_BODY}")
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO {rls.APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {FUNCTION}")
    for table in reversed(list(TABLES)):
        op.execute(f"DROP TABLE {table}")
