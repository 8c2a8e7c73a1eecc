"""Customers and their store credit (fiado) at the till (``desktop.journal.fiado_projection``): the people the
tenant knows (``people``; the factura receptors' ``customers`` table is another thing, left as it is), the ids
merged into another (``customer_aliases``), fiado accounts, the append-only ledger (``fiado_entries``), each
customer's balance kept in step (``fiado_balances``), the payments taken here (``fiado_payments``), the store's
fiado settings; and the sales suspended at this till (``suspended_sales``: working state, not a projection).
A journal has no fiado events before this revision: nothing to refold.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"

STATEMENTS = [
    # A customer as last saved here or received from the master; ``name_fold`` the name's words
    # (shared.text_fold.fold), ``rut_key``/``phone_key`` the RUT's and the phone's digits (and K) run together.
    """CREATE TABLE IF NOT EXISTS people (
        customer_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        rut TEXT NOT NULL,
        phone TEXT NOT NULL,
        address TEXT NOT NULL,
        notes TEXT NOT NULL,
        active INTEGER NOT NULL,
        name_fold TEXT NOT NULL,
        rut_key TEXT NOT NULL,
        phone_key TEXT NOT NULL,
        saved_by TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        source TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS people_name ON people (name_fold)",
    # ``alias_id`` was merged into ``customer_id`` at the master (its entries count for the survivor).
    """CREATE TABLE IF NOT EXISTS customer_aliases (
        alias_id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS customer_aliases_customer ON customer_aliases (customer_id)",
    """CREATE TABLE IF NOT EXISTS fiado_accounts (
        customer_id TEXT PRIMARY KEY,
        enabled INTEGER NOT NULL,
        credit_limit INTEGER NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    # One row per ledger entry (``entry_id`` = the event id that made it, unique); ``customer_id`` as the entry
    # names it (an alias keeps its own id); ``amount`` signed (+ owes more); ``at`` UTC, ISO with milliseconds and
    # ``Z``; ``epoch``/``seq`` the journal entry that posted it here (0 for one the master forwarded). Kept in
    # (customer_id, at, entry_id) order: a statement reads one contiguous range.
    """CREATE TABLE IF NOT EXISTS fiado_entries (
        entry_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        amount INTEGER NOT NULL,
        store_id TEXT NOT NULL,
        terminal_id TEXT NOT NULL,
        document TEXT NOT NULL,
        reference TEXT NOT NULL,
        at TEXT NOT NULL,
        reverses TEXT NOT NULL,
        counter_account TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (customer_id, at, entry_id)
    ) WITHOUT ROWID""",
    "CREATE UNIQUE INDEX IF NOT EXISTS fiado_entries_id ON fiado_entries (entry_id)",
    "CREATE INDEX IF NOT EXISTS fiado_entries_reverses ON fiado_entries (reverses) WHERE reverses <> ''",
    # Per surviving customer (aliases folded in): balance (sum of entries), the oldest charge not yet paid (FIFO),
    # what this till charged them on credit since its last successful pull.
    """CREATE TABLE IF NOT EXISTS fiado_balances (
        customer_id TEXT PRIMARY KEY,
        balance INTEGER NOT NULL,
        oldest_unpaid_at TEXT,
        charged_offline_since_pull INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        last_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS fiado_balances_open ON fiado_balances (balance) WHERE balance <> 0",
    # The payments (abonos) journaled at this till, for a reversal: tender, amount, shift, who reversed it.
    """CREATE TABLE IF NOT EXISTS fiado_payments (
        payment_id TEXT PRIMARY KEY,
        entry_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        amount INTEGER NOT NULL,
        received INTEGER NOT NULL,
        shift_id TEXT NOT NULL,
        cashier_id TEXT NOT NULL,
        at TEXT NOT NULL,
        reversal_id TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS fiado_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offline_allowance INTEGER NOT NULL,
        overpayment TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
    )""",
    # Working state (kept through a rebuild): a cart put aside, as the checkout's draft JSON; no folio is held.
    """CREATE TABLE IF NOT EXISTS suspended_sales (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        label TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        total INTEGER NOT NULL,
        lines INTEGER NOT NULL,
        data TEXT NOT NULL,
        suspended_at TEXT NOT NULL
    )""",
]


def upgrade() -> None:
    for sql in STATEMENTS:
        op.execute(sql)


def downgrade() -> None:
    for table in ("suspended_sales", "fiado_settings", "fiado_payments", "fiado_balances", "fiado_entries",
                  "fiado_accounts", "customer_aliases", "people"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
