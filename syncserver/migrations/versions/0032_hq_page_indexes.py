"""Indexes for HQ pages at 50 stores and a year of sales (``benchmarks/hq_pages.py``): a day's sales and returns of
every store (``/hq/ventas`` without a store: the per-store indexes cannot narrow a time range across stores), the
latest documents and the latest of one state (``/hq/documentos``: ordered by ``updated_at`` as the page lists them),
and each CAF's leased folios (``/hq/folios``).

Revision ID: 0032
Revises: 0031
"""

from alembic import op

revision = "0032"
down_revision = "0031"

INDEXES = {
    "sales_by_time": "sales (tenant_id, occurred_at)",
    "returns_by_time": "returns (tenant_id, occurred_at)",
    "dte_outbox_latest": "dte_outbox (tenant_id, updated_at DESC, tipo, folio DESC)",
    "dte_outbox_latest_by_state": "dte_outbox (tenant_id, state, updated_at DESC, tipo, folio DESC)",
    "folio_leases_by_caf": "folio_leases (tenant_id, tipo, caf_desde)",
}


def upgrade() -> None:
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
