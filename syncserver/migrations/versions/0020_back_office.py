"""The store's back office at the master (issue 12): the kardex and cost state folded with ``shared.inventory``,
transfers between warehouses and stores, counts, mermas, the stores' suppliers and returns to them, the stores'
own product settings, and the tenant's inventory settings.

``kardex``: one row per stock movement (``shared.inventory.Movement``) in the order the master folded it
(``pos``, per store), with the running ``balance`` of its warehouse and SKU, the ``unit_cost`` and ``value`` (CLP
neto) the movement carried, what the kardex shows (``document``, ``who``) and the event it came from.
``cost_state``: per store and SKU, the cost state (``CostState.to_json``), the store's units on hand it covers and
the current unit cost. ``inventory_folds``: the order in which the master folded each batch that moved stock (per
store, ``batch``), with the costing method used: not a read model (a rebuild reads it to fold in the same order).
``transfers`` (+ ``transfer_lines`` as sent, ``transfer_received_lines`` as received, with both quantities),
``counts`` (+ ``count_lines``), ``mermas``, ``suppliers`` (per store, RUT), ``supplier_returns`` (+ lines),
``store_product_settings`` (the store's own price, minimum stock, location, active; HQ's per-store price and minimum
stay in ``store_products``), ``inventory_settings`` (per tenant: costing method, store prices, the merma value above
which a PIN is asked). Same row-level security as every tenant table; DELETE on the folded ones (a rebuild refolds).

Revision ID: 0020
Revises: 0019
"""

from alembic import op

from syncserver.migrations import rls

revision = "0020"
down_revision = "0019"

_EVENT = "terminal_id text NOT NULL, epoch integer NOT NULL, seq bigint NOT NULL, occurred_at text NOT NULL"

FOLDED_TABLES = {
    "kardex": f"""tenant_id bigint NOT NULL, store_id text NOT NULL, pos bigint NOT NULL, warehouse_id text NOT NULL,
        sku text NOT NULL, kind text NOT NULL, quantity numeric(14,3) NOT NULL, balance numeric(14,3) NOT NULL,
        unit_cost numeric NOT NULL, value numeric NOT NULL, document text NOT NULL, reference text NOT NULL,
        who text NOT NULL, lot text NOT NULL, {_EVENT}, PRIMARY KEY (tenant_id, store_id, pos)""",
    "cost_state": """tenant_id bigint NOT NULL, store_id text NOT NULL, sku text NOT NULL,
        on_hand numeric NOT NULL, unit_cost numeric, state text NOT NULL,
        PRIMARY KEY (tenant_id, store_id, sku)""",
    "transfers": """tenant_id bigint NOT NULL, transfer_id text NOT NULL, from_store text NOT NULL,
        from_warehouse text, to_store text NOT NULL, to_warehouse text NOT NULL, state text NOT NULL,
        sent_by text, sent_at text, note text, terminal_id text, epoch integer, seq bigint,
        received_by text, received_at text, received_note text, received_terminal_id text,
        PRIMARY KEY (tenant_id, transfer_id)""",
    "transfer_lines": """tenant_id bigint NOT NULL, transfer_id text NOT NULL, line_no integer NOT NULL,
        sku text NOT NULL, name text NOT NULL, quantity numeric(14,3) NOT NULL, unit_cost bigint NOT NULL,
        PRIMARY KEY (tenant_id, transfer_id, line_no)""",
    "transfer_received_lines": """tenant_id bigint NOT NULL, transfer_id text NOT NULL, line_no integer NOT NULL,
        sku text NOT NULL, name text NOT NULL, sent numeric(14,3) NOT NULL, received numeric(14,3) NOT NULL,
        unit_cost bigint NOT NULL, PRIMARY KEY (tenant_id, transfer_id, line_no)""",
    "counts": """tenant_id bigint NOT NULL, count_id text NOT NULL, store_id text NOT NULL,
        warehouse_id text NOT NULL, category text NOT NULL DEFAULT '', state text NOT NULL,
        started_by text, started_at text, reason text, counted_by text, approved_by text, posted_at text,
        PRIMARY KEY (tenant_id, count_id)""",
    "count_lines": """tenant_id bigint NOT NULL, count_id text NOT NULL, line_no integer NOT NULL, sku text NOT NULL,
        name text NOT NULL, expected numeric(14,3) NOT NULL, counted numeric(14,3) NOT NULL,
        PRIMARY KEY (tenant_id, count_id, line_no)""",
    "mermas": f"""tenant_id bigint NOT NULL, merma_id text NOT NULL, store_id text NOT NULL,
        warehouse_id text NOT NULL, sku text NOT NULL, name text NOT NULL, quantity numeric(14,3) NOT NULL,
        reason text NOT NULL, unit_cost bigint NOT NULL, recorded_by text NOT NULL, authorised_by text NOT NULL,
        note text NOT NULL, {_EVENT}, PRIMARY KEY (tenant_id, merma_id)""",
    "suppliers": """tenant_id bigint NOT NULL, store_id text NOT NULL, rut text NOT NULL, razon_social text NOT NULL,
        giro text NOT NULL, contact text NOT NULL, phone text NOT NULL, email text NOT NULL, active boolean NOT NULL,
        saved_by text NOT NULL, saved_at text NOT NULL, PRIMARY KEY (tenant_id, store_id, rut)""",
    "supplier_returns": f"""tenant_id bigint NOT NULL, return_id text NOT NULL, store_id text NOT NULL,
        supplier_rut text NOT NULL, warehouse_id text NOT NULL, reason text NOT NULL, returned_by text NOT NULL,
        purchase_id text NOT NULL, document text NOT NULL, {_EVENT}, PRIMARY KEY (tenant_id, return_id)""",
    "supplier_return_lines": """tenant_id bigint NOT NULL, return_id text NOT NULL, line_no integer NOT NULL,
        sku text NOT NULL, name text NOT NULL, quantity numeric(14,3) NOT NULL, unit_cost bigint NOT NULL,
        PRIMARY KEY (tenant_id, return_id, line_no)""",
    "store_product_settings": """tenant_id bigint NOT NULL, store_id text NOT NULL, sku text NOT NULL, price bigint,
        min_stock numeric(14,3), location text NOT NULL, active boolean NOT NULL, edited_by text NOT NULL,
        edited_at text NOT NULL, seen_price bigint NOT NULL, seen_change bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id, sku)""",
}

KEPT_TABLES = {
    "inventory_folds": """tenant_id bigint NOT NULL, store_id text NOT NULL, batch bigint NOT NULL,
        terminal_id text NOT NULL, epoch integer NOT NULL, first_seq bigint NOT NULL, last_seq bigint NOT NULL,
        method text NOT NULL, PRIMARY KEY (tenant_id, store_id, batch)""",
    "inventory_settings": """tenant_id bigint NOT NULL, costing text NOT NULL DEFAULT 'ppp',
        store_prices boolean NOT NULL DEFAULT false, merma_pin_above bigint NOT NULL DEFAULT 20000,
        updated_by text NOT NULL DEFAULT '', updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id)""",
}

INDEXES = [
    "CREATE INDEX kardex_by_sku ON kardex (tenant_id, store_id, sku, pos)",
    "CREATE INDEX transfers_by_state ON transfers (tenant_id, state, to_store)",
    "CREATE INDEX inventory_folds_by_stream ON inventory_folds (tenant_id, terminal_id, epoch, first_seq)",
]


def upgrade() -> None:
    for name, columns in FOLDED_TABLES.items():
        rls.create_tenant_table(name, columns, rls.READ_WRITE_DELETE)
    for name, columns in KEPT_TABLES.items():
        rls.create_tenant_table(name, columns)
    for statement in INDEXES:
        op.execute(statement)


def downgrade() -> None:
    for name in reversed([*FOLDED_TABLES, *KEPT_TABLES]):
        op.execute(f"DROP TABLE {name}")
