"""The buyer's answers to its suppliers' facturas in the SII's Registro de Reclamos (Ley 19.983).

``supplier_receptions``: when the SII received each supplier document, as consultarFechaRecepcionSii answered (the
8-day window starts there). ``supplier_answers``: every answer HQ sent, in order (``attempt`` 1, 2, ...), with the
action (ACD, ERM, RCD, RFP, RFT), the reason typed, who and when, and the SII's ``code`` and ``message`` (code NULL
when the SII could not be reached). Keyed like ``purchases`` (``supplier_rut`` as on the document, ``tipo``,
``folio``); HQ's acts, not the tills' events, so a refold of purchases keeps them (no DELETE grant).

Revision ID: 0033
Revises: 0032
"""

from alembic import op

from syncserver.migrations import rls

revision = "0033"
down_revision = "0032"

TABLES = {
    "supplier_receptions": """tenant_id bigint NOT NULL, supplier_rut text NOT NULL, tipo integer NOT NULL,
        folio bigint NOT NULL, received_at timestamptz NOT NULL, asked_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, supplier_rut, tipo, folio)""",
    "supplier_answers": """tenant_id bigint NOT NULL, supplier_rut text NOT NULL, tipo integer NOT NULL,
        folio bigint NOT NULL, attempt integer NOT NULL, action text NOT NULL, reason text NOT NULL,
        actor text NOT NULL, asked_at timestamptz NOT NULL, code integer, message text NOT NULL,
        PRIMARY KEY (tenant_id, supplier_rut, tipo, folio, attempt)""",
}


def upgrade() -> None:
    for name, columns in TABLES.items():
        rls.create_tenant_table(name, columns)


def downgrade() -> None:
    for name in reversed(list(TABLES)):
        op.execute(f"DROP TABLE {name}")
