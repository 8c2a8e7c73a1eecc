"""Folios and certificates: imported CAFs, the sub-ranges leased to terminals, the documents issued with them, the
tenant's signing certificate (encrypted), and the outbox of documents on their way to the SII.

``cafs`` holds each CAF file as imported (ISO-8859-1 text, verified against the SII key of its IDK). ``folio_leases``
are disjoint sub-ranges of a CAF handed to one terminal for one epoch; ``issued`` counts the documents the terminal
has pushed from that lease, ``retired_at`` is set when a new epoch (a restored journal) makes the rest unusable.
``dte_documents`` has one row per stamped document received (tenant, tipo, folio unique): the guard that a folio is
never issued twice, and the start of the DTE pipeline. Same row-level security as 0001.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from syncserver.migrations import rls

revision = "0002"
down_revision = "0001"

TENANT_TABLES = {
    "cafs": """tenant_id bigint NOT NULL, tipo integer NOT NULL, desde bigint NOT NULL, hasta bigint NOT NULL,
        rut text NOT NULL, fecha_autorizacion date NOT NULL, idk integer NOT NULL, caf_xml text NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(), CHECK (0 < desde AND desde <= hasta),
        PRIMARY KEY (tenant_id, tipo, desde, hasta)""",
    "folio_leases": """tenant_id bigint NOT NULL, lease_id bigserial NOT NULL, terminal_id text NOT NULL,
        store_id text NOT NULL, epoch integer NOT NULL, tipo integer NOT NULL, caf_desde bigint NOT NULL,
        desde bigint NOT NULL, hasta bigint NOT NULL, issued bigint NOT NULL DEFAULT 0,
        leased_at timestamptz NOT NULL DEFAULT now(), retired_at timestamptz,
        CHECK (caf_desde <= desde AND desde <= hasta), UNIQUE (tenant_id, tipo, desde),
        PRIMARY KEY (tenant_id, lease_id)""",
    "dte_documents": """tenant_id bigint NOT NULL, tipo integer NOT NULL, folio bigint NOT NULL,
        sale_id text NOT NULL, terminal_id text NOT NULL, epoch integer NOT NULL, seq bigint NOT NULL,
        stamped_at text NOT NULL, ted text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, tipo, folio)""",
    # one row per document to send to the SII, from 'issued' (received from the terminal) to 'signed' (xml built,
    # signed and schema-valid), then 'sent' / 'accepted' / 'rejected'; workers take rows FOR UPDATE SKIP LOCKED
    "dte_outbox": """tenant_id bigint NOT NULL, tipo integer NOT NULL, folio bigint NOT NULL,
        state text NOT NULL DEFAULT 'issued' CHECK (state IN ('issued', 'signed', 'sent', 'accepted', 'rejected')),
        track_id text, xml bytea, envelope_id bigint, attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(), last_error text,
        updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, tipo, folio)""",
    # what is uploaded to the SII: signed documents packed into one EnvioBOLETA/EnvioDTE, kept byte for byte so a
    # retry sends the identical XML; 'built' -> 'sent' (track id) -> 'done' (the SII's verdict per document)
    "dte_envelopes": """tenant_id bigint NOT NULL, envelope_id bigserial NOT NULL, kind text NOT NULL,
        xml bytea NOT NULL, state text NOT NULL DEFAULT 'built' CHECK (state IN ('built', 'sent', 'done')),
        track_id text, attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, envelope_id)""",
    # the tenant's signing certificate: the .pfx and its password, each Fernet-encrypted with a key derived from
    # the server secret (syncserver.dte.certs); never in the change feed
    "tenant_certificates": """tenant_id bigint PRIMARY KEY, pfx_encrypted bytea NOT NULL,
        password_encrypted bytea NOT NULL, subject text NOT NULL, holder_rut text, not_after timestamptz NOT NULL,
        uploaded_at timestamptz NOT NULL DEFAULT now()""",
}

INDEXES = [
    "CREATE INDEX dte_outbox_due ON dte_outbox (tenant_id, state, next_attempt_at)",
    "CREATE INDEX dte_envelopes_due ON dte_envelopes (tenant_id, state, next_attempt_at)",
    "CREATE INDEX folio_leases_by_terminal ON folio_leases (tenant_id, terminal_id, tipo) WHERE retired_at IS NULL",
]


def upgrade() -> None:
    for name, columns in TENANT_TABLES.items():
        op.execute(f"CREATE TABLE {name} ({columns})")
    for statement in INDEXES:
        op.execute(statement)
    for name in TENANT_TABLES:
        rls.enable_tenant_rls(name, rls.READ_WRITE)
    op.execute("GRANT USAGE ON SEQUENCE folio_leases_lease_id_seq TO almacen_app")
    op.execute("GRANT USAGE ON SEQUENCE dte_envelopes_envelope_id_seq TO almacen_app")


def downgrade() -> None:
    for name in reversed(list(TENANT_TABLES)):
        op.execute(f"DROP TABLE {name}")
