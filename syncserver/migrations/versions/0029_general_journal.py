"""The general journal kept at ingest (``syncserver.ingest.journal``; docs/accounting.md): ``journal_entries`` one
row per booked event with its lines (JSON), paged by time per store or tenant-wide; ``journal_days`` the sums per
store, Chile day and account (a period's trial balance); ``journal_day_events`` per store and day the events booked,
the asientos and their lines; ``journal_notes`` what could not be booked or was booked without its cost legs.
Back-filled here from the stored events (``shared.accounting.Booking``, returns and counts valued from the kardex),
as the rebuild does.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

from typing import Any

from alembic import op

from shared import accounting, errors
from shared.events import envelope, registry
from syncserver.migrations import rls

revision = "0029"
down_revision = "0028"

TABLES = {
    "journal_entries": """tenant_id bigint NOT NULL, store_id text NOT NULL, at timestamptz NOT NULL,
        terminal_id text NOT NULL, epoch integer NOT NULL, seq bigint NOT NULL, event_id text NOT NULL,
        lines jsonb NOT NULL, PRIMARY KEY (tenant_id, store_id, at, terminal_id, epoch, seq)""",
    "journal_days": """tenant_id bigint NOT NULL, store_id text NOT NULL, day date NOT NULL, account text NOT NULL,
        debit bigint NOT NULL, credit bigint NOT NULL, PRIMARY KEY (tenant_id, store_id, day, account)""",
    "journal_day_events": """tenant_id bigint NOT NULL, store_id text NOT NULL, day date NOT NULL,
        booked bigint NOT NULL, asientos bigint NOT NULL, lines bigint NOT NULL,
        PRIMARY KEY (tenant_id, store_id, day)""",
    "journal_notes": """tenant_id bigint NOT NULL, store_id text NOT NULL, terminal_id text NOT NULL,
        epoch integer NOT NULL, seq bigint NOT NULL, at timestamptz, type text NOT NULL, kind text NOT NULL,
        detail text NOT NULL, PRIMARY KEY (tenant_id, terminal_id, epoch, seq, kind)""",
}
INDEXES = ("CREATE INDEX journal_entries_by_time ON journal_entries (tenant_id, at, terminal_id, epoch, seq)",)
_READ = ("events", "quarantine", "kardex")
"""Tables the back-fill reads across tenants (a policy for the migrating role while it runs)."""
_EVENTS = (
    "SELECT e.event_id::text, e.tenant_id, e.store_id, e.terminal_id, e.epoch, e.seq, e.occurred_at, e.type,"
    " e.version, e.payload, e.prev_hash, e.hash FROM events e WHERE e.type = ANY(%s) AND NOT EXISTS (SELECT 1"
    " FROM quarantine q WHERE q.tenant_id = e.tenant_id AND q.terminal_id = e.terminal_id AND q.epoch = e.epoch"
    " AND q.seq = e.seq AND NOT q.folded) ORDER BY e.tenant_id")
_VALUES = ("SELECT tenant_id, store_id, reference, sum(value) FROM kardex WHERE kind IN ('devolucion', 'toma')"
           " GROUP BY tenant_id, store_id, reference")
CHUNK = 5000


def upgrade() -> None:
    for table, columns in TABLES.items():
        rls.create_tenant_table(table, columns, rls.READ_WRITE_DELETE)
    for statement in INDEXES:
        op.execute(statement)
    for table in _READ:
        op.execute(f"CREATE POLICY journal_backfill ON {table} TO CURRENT_USER USING (true)")
    _backfill(op.get_bind().connection.driver_connection)
    for table in _READ:
        op.execute(f"DROP POLICY journal_backfill ON {table}")


def _backfill(conn: Any) -> None:
    """Book every tenant's stored events (the rebuild's ``syncserver.ingest.journal.rebook``, on this connection)."""
    codec = registry.build_codec()
    values = {(int(t), str(s), str(r)): int(v) for t, s, r, v in conn.execute(_VALUES).fetchall()}
    tenant: int | None = None
    with conn.cursor(name="journal_backfill") as named:
        named.execute(_EVENTS, (list(accounting.BOOKED_TYPES),))
        while chunk := named.fetchmany(CHUNK):
            booking = accounting.Booking()
            for row in chunk:
                entry = envelope.Envelope(*row[:12])
                if tenant != entry.tenant_id:
                    _write(conn, tenant, booking)
                    booking = accounting.Booking()
                    tenant = entry.tenant_id
                try:
                    event = codec.decode(entry.type, entry.version, entry.payload)
                except errors.EventError as exc:
                    booking.note(entry, accounting.PROBLEM, str(exc))
                    continue
                value = values.get((entry.tenant_id, entry.store_id, accounting.book_reference(event))) \
                    if entry.type in accounting.BOOK_VALUED else None
                booking.add(entry, event, value)
            _write(conn, tenant, booking)
    conn.execute("SELECT set_config('app.tenant_id', '', true)")


_ENTRY = ("journal_entries", "tenant_id bigint, store_id text, terminal_id text, epoch integer, seq bigint,"
          " at timestamptz, event_id text, lines jsonb", "")
_DAY = ("journal_days", "tenant_id bigint, store_id text, day date, account text, debit bigint, credit bigint",
        "ON CONFLICT (tenant_id, store_id, day, account) DO UPDATE SET debit = journal_days.debit + excluded.debit,"
        " credit = journal_days.credit + excluded.credit")
_COUNT = ("journal_day_events", "tenant_id bigint, store_id text, day date, booked bigint, asientos bigint,"
          " lines bigint", "ON CONFLICT (tenant_id, store_id, day) DO UPDATE SET"
          " booked = journal_day_events.booked + excluded.booked,"
          " asientos = journal_day_events.asientos + excluded.asientos,"
          " lines = journal_day_events.lines + excluded.lines")
_NOTE = ("journal_notes", "tenant_id bigint, store_id text, terminal_id text, epoch integer, seq bigint,"
         " at timestamptz, type text, kind text, detail text", "ON CONFLICT DO NOTHING")


def _insert(cur: Any, target: tuple[str, str, str], rows: list[tuple[Any, ...]]) -> None:
    """One ``INSERT ... SELECT FROM unnest(arrays)`` (as ``syncserver.store.bulk.insert``: COPY is refused under
    row-level security)."""
    if not rows:
        return
    table, columns, suffix = target
    pairs = [c.split() for c in columns.split(", ")]
    source = ", ".join(f"%s::{'text' if kind == 'jsonb' else kind}[]" for _name, kind in pairs)
    select = ", ".join(f"c{i}::jsonb" if kind == "jsonb" else f"c{i}" for i, (_n, kind) in enumerate(pairs))
    aliases = ", ".join(f"c{i}" for i in range(len(pairs)))
    cur.execute(f"INSERT INTO {table} ({', '.join(n for n, _k in pairs)}) SELECT {select}"
                f" FROM unnest({source}) AS u({aliases}) {suffix}", [list(c) for c in zip(*rows, strict=True)])


def _write(conn: Any, tenant: int | None, booking: accounting.Booking) -> None:
    if tenant is None:
        return
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant),))
    with conn.cursor() as cur:
        _insert(cur, _ENTRY, [(tenant, *e) for e in booking.entries])
        _insert(cur, _DAY, [(tenant, *k, *booking.days[k]) for k in sorted(booking.days)])
        _insert(cur, _COUNT, [(tenant, *k, *booking.counts[k]) for k in sorted(booking.counts)])
        _insert(cur, _NOTE, [(tenant, *n) for n in booking.notes])


def downgrade() -> None:
    for table in reversed(list(TABLES)):
        op.execute(f"DROP TABLE {table}")
