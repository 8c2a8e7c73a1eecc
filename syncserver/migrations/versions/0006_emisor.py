"""Emisor data per tenant, notas de crédito issued by the server to correct rejected documents, and the daily sales
reports (RVD) already built.

``tenant_emisor`` holds what the DTE's Emisor and the envelopes' Carátula need beyond the tenant's RUT: razón
social, giro, Acteco codes (1 to 4), dirección, comuna, ciudad, the SII's branch code (optional) and the SII
resolution (fecha, número; 0 in certificación). Documents are not signed until it is complete.

``dte_corrections`` has one row per nota de crédito (61) the server stamps itself to annul a rejected document
(CodRef 1): its folio comes from a lease of terminal ``hq``, its content (lines, receptor, reference) is what the
signer builds the DTE from. ``UNIQUE (original_tipo, original_folio)``: a document is corrected at most once.

``rvd_reports`` lists each RVD (ConsumoFolios) built, per day and SecEnvio, with a fingerprint of its summary so a
day is resent (SecEnvio + 1) only when its documents changed. Same row-level security as 0001.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from syncserver.migrations import rls

revision = "0006"
down_revision = "0005"

TENANT_TABLES = {
    "tenant_emisor": """tenant_id bigint PRIMARY KEY, razon_social text NOT NULL DEFAULT '',
        giro text NOT NULL DEFAULT '', acteco integer[] NOT NULL DEFAULT '{}', direccion text NOT NULL DEFAULT '',
        comuna text NOT NULL DEFAULT '', ciudad text NOT NULL DEFAULT '', sucursal_sii bigint,
        resolucion_fecha date, resolucion_numero integer NOT NULL DEFAULT 0 CHECK (resolucion_numero >= 0),
        updated_by text NOT NULL DEFAULT '', updated_at timestamptz NOT NULL DEFAULT now()""",
    "dte_corrections": """tenant_id bigint NOT NULL, tipo integer NOT NULL, folio bigint NOT NULL,
        original_tipo integer NOT NULL, original_folio bigint NOT NULL, reason text NOT NULL, content jsonb NOT NULL,
        created_by text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, tipo, folio), UNIQUE (tenant_id, original_tipo, original_folio)""",
    "rvd_reports": """tenant_id bigint NOT NULL, day date NOT NULL, sec_envio integer NOT NULL CHECK (sec_envio > 0),
        envelope_id bigint NOT NULL, fingerprint text NOT NULL, documents integer NOT NULL, total bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, day, sec_envio)""",
}

INDEXES = [
    # the documents of one day (FchEmis = the date part of stamped_at, Chile's wall time) for the RVD
    "CREATE INDEX dte_documents_by_day ON dte_documents (tenant_id, (left(stamped_at, 10)))",
    # documents received late for a day already reported
    "CREATE INDEX dte_documents_by_received ON dte_documents (tenant_id, received_at)",
]


def upgrade() -> None:
    for name, columns in TENANT_TABLES.items():
        op.execute(f"CREATE TABLE {name} ({columns})")
    for statement in INDEXES:
        op.execute(statement)
    for name in TENANT_TABLES:
        rls.enable_tenant_rls(name, rls.READ_WRITE)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS dte_documents_by_received")
    op.execute("DROP INDEX IF EXISTS dte_documents_by_day")
    for name in reversed(list(TENANT_TABLES)):
        op.execute(f"DROP TABLE {name}")
