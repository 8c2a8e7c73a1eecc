"""Let the application role clear the folded read models of its own tenant (RLS still scopes every row), so the
master projections can be rebuilt from the stored events.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute("GRANT DELETE ON sales, sale_lines, sale_tenders, stock, shifts TO almacen_app")
