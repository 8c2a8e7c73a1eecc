"""The notas HQ issued before the general journal booked them (``dte_corrections``: 61 annulling a rejected
document, 56 on a factura, 61 annulling a 56) booked now, as ``syncserver.store.general_journal.book_hq_nota``
books each when it is issued and the rebuild books them again (``shared.accounting.hq_nota_lines``).

Revision ID: 0041
Revises: 0040
"""

from __future__ import annotations

from datetime import date
from typing import Any

from alembic import op

from shared import accounting, errors
from shared.events import registry

revision = "0041"
down_revision = "0040"

_READ = ("dte_corrections", "dte_documents", "events", "terminals")
"""Tables the back-fill reads across tenants (a policy for the migrating role while it runs)."""
_NOTAS = (
    "SELECT c.tenant_id, c.tipo, c.folio, c.content, d.stamped_at, COALESCE(e.store_id, t.store_id), e.type,"
    " e.version, e.payload FROM dte_corrections c JOIN dte_documents d ON d.tenant_id = c.tenant_id"
    " AND d.tipo = c.tipo AND d.folio = c.folio"
    " LEFT JOIN dte_corrections p ON p.tenant_id = c.tenant_id AND p.tipo = c.original_tipo"
    " AND p.folio = c.original_folio"
    " JOIN dte_documents o ON o.tenant_id = c.tenant_id AND o.tipo = COALESCE(p.original_tipo, c.original_tipo)"
    " AND o.folio = COALESCE(p.original_folio, c.original_folio)"
    " LEFT JOIN events e ON e.tenant_id = o.tenant_id AND e.terminal_id = o.terminal_id AND e.epoch = o.epoch"
    " AND e.seq = o.seq"
    " LEFT JOIN terminals t ON t.tenant_id = o.tenant_id AND t.terminal_id = o.terminal_id"
    " ORDER BY c.tenant_id, d.stamped_at, c.tipo, c.folio")
"""As ``general_journal._HQ_NOTAS``, every tenant's."""


def upgrade() -> None:
    for table in _READ:
        op.execute(f"CREATE POLICY hq_notas_backfill ON {table} TO CURRENT_USER USING (true)")
    backfill(op.get_bind().connection.driver_connection)
    for table in _READ:
        op.execute(f"DROP POLICY hq_notas_backfill ON {table}")


def backfill(conn: Any) -> None:
    """Book every tenant's HQ notas on ``conn`` (a psycopg connection that reads every tenant's rows)."""
    codec = registry.build_codec()
    bookings: dict[int, accounting.Booking] = {}
    for tenant, tipo, folio, content, stamped_at, store_id, type_, version, payload in conn.execute(_NOTAS):
        booking = bookings.setdefault(int(tenant), accounting.Booking())
        try:
            if store_id is None:
                raise errors.InvalidInput("no se encontró la tienda de la venta que la nota modifica")
            try:
                sale = None if type_ is None else codec.decode(str(type_), int(version), payload)
            except errors.PosError:
                sale = None
            booking.add_hq_nota(accounting.hq_nota(int(tipo), int(folio), content, str(stamped_at), str(store_id),
                                                   sale))
        except errors.InvalidInput as exc:
            booking.notes.append(("" if store_id is None else str(store_id), accounting.HQ_TERMINAL,
                                  accounting.HQ_EPOCH, accounting.hq_seq(int(tipo), int(folio)), None,
                                  accounting.HQ_NOTA_TYPE, accounting.PROBLEM, str(exc)))
    for tenant, booking in bookings.items():
        _write(conn, tenant, booking)
    conn.execute("SELECT set_config('app.tenant_id', '', true)")


def _write(conn: Any, tenant: int, booking: accounting.Booking) -> None:
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant),))
    for store, terminal, epoch, seq, at, event_id, lines in booking.entries:
        conn.execute("INSERT INTO journal_entries (tenant_id, store_id, terminal_id, epoch, seq, at, event_id, lines)"
                     " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb)",
                     (tenant, store, terminal, epoch, seq, at, event_id, lines))
    months: dict[tuple[str, date, str], list[int]] = {}
    for (store, day, account), (debit, credit) in sorted(booking.days.items()):
        conn.execute("INSERT INTO journal_days (tenant_id, store_id, day, account, debit, credit)"
                     " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, store_id, day, account) DO UPDATE"
                     " SET debit = journal_days.debit + excluded.debit, credit = journal_days.credit + excluded.credit",
                     (tenant, store, day, account, debit, credit))
        sums = months.setdefault((store, day.replace(day=1), account), [0, 0])
        sums[0] += debit
        sums[1] += credit
    for (store, month, account), (debit, credit) in sorted(months.items()):
        conn.execute("INSERT INTO journal_months (tenant_id, store_id, month, account, debit, credit)"
                     " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, store_id, month, account) DO UPDATE"
                     " SET debit = journal_months.debit + excluded.debit,"
                     " credit = journal_months.credit + excluded.credit",
                     (tenant, store, month, account, debit, credit))
    for (store, day), (booked, asientos, lines_) in sorted(booking.counts.items()):
        conn.execute("INSERT INTO journal_day_events (tenant_id, store_id, day, booked, asientos, lines)"
                     " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, store_id, day) DO UPDATE"
                     " SET booked = journal_day_events.booked + excluded.booked,"
                     " asientos = journal_day_events.asientos + excluded.asientos,"
                     " lines = journal_day_events.lines + excluded.lines",
                     (tenant, store, day, booked, asientos, lines_))
    for note in booking.notes:
        conn.execute("INSERT INTO journal_notes (tenant_id, store_id, terminal_id, epoch, seq, at, type, kind, detail)"
                     " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", (tenant, *note))


_UNBOOK = """DO $$ DECLARE t bigint; BEGIN
    FOR t IN SELECT DISTINCT tenant_id FROM journal_entries WHERE terminal_id = 'hq' LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        CREATE TEMP TABLE hq_lines ON COMMIT DROP AS
            SELECT e.store_id, (e.at AT TIME ZONE 'America/Santiago')::date AS day, x->>0 AS account,
                   (x->>1)::bigint AS debit, (x->>2)::bigint AS credit, e.seq
            FROM journal_entries e, jsonb_array_elements(e.lines) x WHERE e.tenant_id = t AND e.terminal_id = 'hq';
        UPDATE journal_days j SET debit = j.debit - s.debit, credit = j.credit - s.credit
            FROM (SELECT store_id, day, account, sum(debit) AS debit, sum(credit) AS credit FROM hq_lines
                  GROUP BY 1, 2, 3) s
            WHERE j.tenant_id = t AND j.store_id = s.store_id AND j.day = s.day AND j.account = s.account;
        UPDATE journal_months j SET debit = j.debit - s.debit, credit = j.credit - s.credit
            FROM (SELECT store_id, date_trunc('month', day)::date AS month, account, sum(debit) AS debit,
                  sum(credit) AS credit FROM hq_lines GROUP BY 1, 2, 3) s
            WHERE j.tenant_id = t AND j.store_id = s.store_id AND j.month = s.month AND j.account = s.account;
        UPDATE journal_day_events j SET booked = j.booked - s.n, asientos = j.asientos - s.n, lines = j.lines - s.l
            FROM (SELECT store_id, day, count(DISTINCT seq) AS n, count(*) AS l FROM hq_lines GROUP BY 1, 2) s
            WHERE j.tenant_id = t AND j.store_id = s.store_id AND j.day = s.day;
        DELETE FROM journal_entries WHERE tenant_id = t AND terminal_id = 'hq';
        DELETE FROM journal_notes WHERE tenant_id = t AND terminal_id = 'hq';
        DROP TABLE hq_lines;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$"""
"""Take the HQ notas' asientos and their sums out of every tenant's journal."""


def downgrade() -> None:
    for table in ("journal_entries", "journal_notes"):
        op.execute(f"CREATE POLICY hq_notas_unbook ON {table} TO CURRENT_USER USING (true)")
    op.execute(_UNBOOK)
    for table in ("journal_entries", "journal_notes"):
        op.execute(f"DROP POLICY hq_notas_unbook ON {table}")
