"""The multi-tenant master: tenancy and terminals, the event store with tracking and quarantine, the HQ-owned
catalog and its change feed, and the read models folded from the terminals' events.

Every tenant table has ``tenant_id`` first in its primary key and row-level security FORCEd with the policy of
DESIGN.md §5. The three ``auth_*`` tables are the only ones without RLS: they map a credential (terminal key,
enrollment code, HQ login) to its tenant *before* a tenant can be set, and hold nothing else.

Revision ID: 0001
Revises:
"""

from alembic import op

from syncserver.migrations import rls

revision = "0001"
down_revision = None

TENANT_TABLES = {
    "tenants": """tenant_id bigint PRIMARY KEY, name text NOT NULL, rut text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now()""",
    "stores": """tenant_id bigint NOT NULL, store_id text NOT NULL, name text NOT NULL,
        address text NOT NULL DEFAULT '', PRIMARY KEY (tenant_id, store_id)""",
    "warehouses": """tenant_id bigint NOT NULL, warehouse_id text NOT NULL, store_id text NOT NULL,
        name text NOT NULL, PRIMARY KEY (tenant_id, warehouse_id)""",
    "terminals": """tenant_id bigint NOT NULL, terminal_id text NOT NULL, store_id text NOT NULL,
        name text NOT NULL, status text NOT NULL DEFAULT 'active', enrolled_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz, last_sync_at timestamptz, last_seen_seq bigint NOT NULL DEFAULT 0,
        pending_reported bigint NOT NULL DEFAULT 0, clock_skew_ms bigint NOT NULL DEFAULT 0,
        current_epoch integer NOT NULL DEFAULT 1, PRIMARY KEY (tenant_id, terminal_id)""",
    "events": """tenant_id bigint NOT NULL, terminal_id text NOT NULL, epoch integer NOT NULL, seq bigint NOT NULL,
        event_id uuid NOT NULL, store_id text NOT NULL, type text NOT NULL, version integer NOT NULL,
        occurred_at text NOT NULL, payload jsonb NOT NULL, prev_hash text NOT NULL, hash text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, terminal_id, epoch, seq)""",
    "sync_tracking": """tenant_id bigint NOT NULL, terminal_id text NOT NULL, epoch integer NOT NULL,
        acked_seq bigint NOT NULL, acked_hash text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, terminal_id, epoch)""",
    "quarantine": """tenant_id bigint NOT NULL, terminal_id text NOT NULL, epoch integer NOT NULL,
        seq bigint NOT NULL, type text NOT NULL, version integer NOT NULL, reason text NOT NULL,
        payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, terminal_id, epoch, seq)""",
    "products": """tenant_id bigint NOT NULL, sku text NOT NULL, name text NOT NULL, price bigint NOT NULL,
        category text NOT NULL, sold_by text NOT NULL, plu text, brand text NOT NULL DEFAULT '',
        barcodes text[] NOT NULL DEFAULT '{}', iva_exempt boolean NOT NULL DEFAULT false,
        favourite boolean NOT NULL DEFAULT false, active boolean NOT NULL DEFAULT true,
        cost bigint NOT NULL DEFAULT 0, version integer NOT NULL DEFAULT 1, PRIMARY KEY (tenant_id, sku)""",
    "users": """tenant_id bigint NOT NULL, user_id text NOT NULL, name text NOT NULL, role text NOT NULL,
        pin_hash text NOT NULL, active boolean NOT NULL DEFAULT true, PRIMARY KEY (tenant_id, user_id)""",
    "changes": """tenant_id bigint NOT NULL, change_id bigint NOT NULL, kind text NOT NULL, key text NOT NULL,
        store_id text, data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, change_id)""",
    "change_counters": "tenant_id bigint PRIMARY KEY, last_change_id bigint NOT NULL",
    "sales": """tenant_id bigint NOT NULL, sale_id text NOT NULL, store_id text NOT NULL, terminal_id text NOT NULL,
        epoch integer NOT NULL, seq bigint NOT NULL, number bigint NOT NULL, shift_id text NOT NULL,
        cashier_id text NOT NULL, occurred_at text NOT NULL, total bigint NOT NULL, neto bigint NOT NULL,
        iva bigint NOT NULL, exento bigint NOT NULL, discount bigint NOT NULL, rounding bigint NOT NULL,
        change bigint NOT NULL, PRIMARY KEY (tenant_id, sale_id)""",
    "sale_lines": """tenant_id bigint NOT NULL, sale_id text NOT NULL, line_id integer NOT NULL, sku text NOT NULL,
        name text NOT NULL, quantity numeric(12,3) NOT NULL, unit_price bigint NOT NULL, discount bigint NOT NULL,
        amount bigint NOT NULL, PRIMARY KEY (tenant_id, sale_id, line_id)""",
    "sale_tenders": """tenant_id bigint NOT NULL, sale_id text NOT NULL, kind text NOT NULL, amount bigint NOT NULL,
        received bigint NOT NULL, PRIMARY KEY (tenant_id, sale_id, kind)""",
    "stock": """tenant_id bigint NOT NULL, warehouse_id text NOT NULL, sku text NOT NULL,
        quantity numeric(14,3) NOT NULL DEFAULT 0, avg_cost numeric(14,4) NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, warehouse_id, sku)""",
    "shifts": """tenant_id bigint NOT NULL, shift_id text NOT NULL, store_id text NOT NULL, terminal_id text NOT NULL,
        number integer NOT NULL, cashier_id text NOT NULL, state text NOT NULL, opening_float bigint NOT NULL,
        sales_count integer NOT NULL DEFAULT 0, sales_total bigint NOT NULL DEFAULT 0,
        cash_in bigint NOT NULL DEFAULT 0, cash_out bigint NOT NULL DEFAULT 0,
        received jsonb NOT NULL DEFAULT '{}', expected jsonb NOT NULL DEFAULT '{}',
        counted jsonb NOT NULL DEFAULT '{}', cash_difference bigint, PRIMARY KEY (tenant_id, shift_id)""",
    "hq_users": """tenant_id bigint NOT NULL, email text NOT NULL, name text NOT NULL, role text NOT NULL,
        PRIMARY KEY (tenant_id, email)""",
}

AUTH_TABLES = {
    # terminal key -> tenant (the principal of a signed push)
    "auth_terminal_keys": """terminal_id text PRIMARY KEY, tenant_id bigint NOT NULL, store_id text NOT NULL,
        public_key text NOT NULL UNIQUE, status text NOT NULL DEFAULT 'active'""",
    # one-time enrollment codes (only their SHA-256 is stored)
    "auth_enrollment_codes": """code_hash text PRIMARY KEY, tenant_id bigint NOT NULL, store_id text NOT NULL,
        terminal_name text NOT NULL, expires_at timestamptz NOT NULL, used_at timestamptz,
        used_by_terminal text""",
    # HQ login -> tenant (argon2id password hash)
    "auth_hq_logins": """email text PRIMARY KEY, tenant_id bigint NOT NULL, password_hash text NOT NULL,
        failures integer NOT NULL DEFAULT 0, locked_until timestamptz""",
}

INDEXES = [
    "CREATE INDEX sales_by_store_day ON sales (tenant_id, store_id, occurred_at)",
    "CREATE INDEX events_by_type ON events (tenant_id, type)",
    "CREATE INDEX changes_by_store ON changes (tenant_id, store_id, change_id)",
]


def upgrade() -> None:
    op.execute("""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'almacen_app') THEN
            CREATE ROLE almacen_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
        END IF;
    END $$""")
    for name, columns in {**TENANT_TABLES, **AUTH_TABLES}.items():
        op.execute(f"CREATE TABLE {name} ({columns})")
    for statement in INDEXES:
        op.execute(statement)
    for name in TENANT_TABLES:
        rls.enable_tenant_rls(name, rls.READ_WRITE)
    for name in AUTH_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {name} TO almacen_app")
