"""The terminal journal: events, identity, and the read models kept in step with it.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None

STATEMENTS = [
    # Identity of this journal file: tenant, store, terminal, epoch (DESIGN.md §3-4).
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # The journal itself: append-only, gapless seq per epoch, SHA-256 chain.
    """CREATE TABLE events (
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        event_id TEXT NOT NULL UNIQUE,
        tenant_id INTEGER NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        type TEXT NOT NULL,
        version INTEGER NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (epoch, seq)
    ) WITHOUT ROWID""",
    """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'journal events are immutable'); END""",
    """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'journal events are immutable'); END""",
    # Read models (projections), rebuilt from the journal by `almacen pos rebuild-projections`.
    """CREATE TABLE products (
        sku TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        price INTEGER NOT NULL,
        category TEXT NOT NULL,
        sold_by TEXT NOT NULL,
        plu TEXT,
        brand TEXT NOT NULL DEFAULT '',
        iva_exempt INTEGER NOT NULL,
        favourite INTEGER NOT NULL,
        active INTEGER NOT NULL
    )""",
    "CREATE INDEX products_plu ON products (plu) WHERE plu IS NOT NULL",
    "CREATE INDEX products_category ON products (category, name)",
    "CREATE TABLE barcodes (code TEXT PRIMARY KEY, sku TEXT NOT NULL) WITHOUT ROWID",
    """CREATE VIRTUAL TABLE products_fts USING fts5(
        name, brand, category, content='products', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN
        INSERT INTO products_fts(rowid, name, brand, category)
        VALUES (new.rowid, new.name, new.brand, new.category); END""",
    """CREATE TRIGGER products_ad AFTER DELETE ON products BEGIN
        INSERT INTO products_fts(products_fts, rowid, name, brand, category)
        VALUES ('delete', old.rowid, old.name, old.brand, old.category); END""",
    """CREATE TRIGGER products_au AFTER UPDATE ON products BEGIN
        INSERT INTO products_fts(products_fts, rowid, name, brand, category)
        VALUES ('delete', old.rowid, old.name, old.brand, old.category);
        INSERT INTO products_fts(rowid, name, brand, category)
        VALUES (new.rowid, new.name, new.brand, new.category); END""",
    "CREATE TABLE stock (sku TEXT PRIMARY KEY, quantity INTEGER NOT NULL) WITHOUT ROWID",  # thousandths,
    """CREATE TABLE shifts (
        shift_id TEXT PRIMARY KEY,
        number INTEGER NOT NULL,
        state TEXT NOT NULL,
        data TEXT NOT NULL
    )""",
    """CREATE TABLE sales (
        sale_id TEXT PRIMARY KEY,
        number INTEGER NOT NULL UNIQUE,
        shift_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        total INTEGER NOT NULL
    )""",
    """CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        pin_hash TEXT NOT NULL,
        active INTEGER NOT NULL
    )""",
    """CREATE TABLE pin_failures (
        user_id TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        locked_until TEXT NOT NULL DEFAULT ''
    )""",
    # Terminal working state, not projections: the cart in progress and receipts waiting to print.
    "CREATE TABLE draft_cart (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
    """CREATE TABLE print_queue (
        sale_id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT ''
    )""",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
