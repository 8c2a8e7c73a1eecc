"""Folio leases received by the terminal, the folios it has used (DESIGN.md §6), and returned quantities.

``folios_used`` has (tipo, folio) as its key: a folio stamped twice fails the sale's transaction instead of
reaching the SII twice. Both tables are projections, rebuilt from ``folio.lease_received`` and the documents of
``sale.completed``.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute("""CREATE TABLE folio_leases (
        tipo INTEGER NOT NULL,
        desde INTEGER NOT NULL,
        hasta INTEGER NOT NULL,
        caf_xml TEXT NOT NULL,
        epoch INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tipo, desde)
    )""")
    op.execute("""CREATE TABLE folios_used (
        tipo INTEGER NOT NULL,
        folio INTEGER NOT NULL,
        sale_id TEXT NOT NULL,
        PRIMARY KEY (tipo, folio)
    ) WITHOUT ROWID""")
    # what has been given back of each sale line (thousandths), so a line is never returned twice
    op.execute("""CREATE TABLE returned_lines (
        sale_id TEXT NOT NULL,
        line_id INTEGER NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (sale_id, line_id)
    ) WITHOUT ROWID""")
