"""Purchases registered from suppliers' signed DTEs (projections of ``purchase.received``).

- ``suppliers``: who issued them (RUT, razón social, giro as on their latest document).
- ``purchases``: one row per document; (supplier_rut, tipo, folio) is UNIQUE, so the same document is never
  registered twice: a second append fails its transaction, and a rebuild would fail the same way.
- ``purchase_lines``: every line, matched to a SKU or not (quantities in thousandths, like ``stock``).
- ``product_costs``: the weighted average cost (PPP, ``shared.costing``) per SKU, CLP neto with 4 decimals as text.
- ``warehouse_stock``: goods received into a warehouse other than the store's own (``stock`` is the store's).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.execute("""CREATE TABLE suppliers (
        rut TEXT PRIMARY KEY,
        razon_social TEXT NOT NULL,
        giro TEXT NOT NULL
    ) WITHOUT ROWID""")
    op.execute("""CREATE TABLE purchases (
        purchase_id TEXT PRIMARY KEY,
        supplier_rut TEXT NOT NULL,
        tipo INTEGER NOT NULL,
        folio INTEGER NOT NULL,
        fecha_emision TEXT NOT NULL,
        warehouse TEXT NOT NULL,
        neto INTEGER NOT NULL,
        exento INTEGER NOT NULL,
        iva INTEGER NOT NULL,
        other_taxes INTEGER NOT NULL,
        total INTEGER NOT NULL,
        moves_stock INTEGER NOT NULL,
        digest TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        registered_by TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        UNIQUE (supplier_rut, tipo, folio)
    )""")
    op.execute("""CREATE TABLE purchase_lines (
        purchase_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        code TEXT NOT NULL,
        ean TEXT,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        unit TEXT NOT NULL,
        unit_cost INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        cost INTEGER NOT NULL,
        exento INTEGER NOT NULL,
        sku TEXT,
        matched_by TEXT NOT NULL,
        PRIMARY KEY (purchase_id, line_no)
    ) WITHOUT ROWID""")
    op.execute("CREATE INDEX purchase_lines_sku ON purchase_lines (sku) WHERE sku IS NOT NULL")
    op.execute("""CREATE TABLE product_costs (
        sku TEXT PRIMARY KEY,
        avg_cost TEXT NOT NULL,
        last_cost INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID""")
    op.execute("""CREATE TABLE warehouse_stock (
        warehouse_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (warehouse_id, sku)
    ) WITHOUT ROWID""")
