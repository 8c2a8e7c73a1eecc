"""SII exchange states: what the SII answered, per document and per envelope, and the scheduler's tenant list.

- ``dte_outbox.state`` gains ``accepted_objections`` (aceptado con reparos: accepted, with the SII's remarks).
- ``dte_outbox.sii_estado`` / ``sii_glosa``: the SII's last code for the document (``REC`` on upload; ``EPR``,
  ``RCH``, ``RPR``, ``DOK``, ``FAU``… or ``STATUS n`` when DTEUpload refused the file) and its text (the rejection
  reason, the reparos). ``last_error`` keeps the reason of a rejection, as before, for HQ.
- ``dte_envelopes.sii_estado`` / ``sii_glosa``: the envío's state (``REC`` … ``EPR``/``RSC``/``RFR``/``RCT``) and
  text; ``sent_at``: when the SII gave it a track id. A ``ConsumoFolios`` (RVD) envelope has no documents: its
  verdict is only here (``state = 'done'``, ``sii_estado = 'EPR'`` accepted).
- ``dte_tenants``: the tenants that uploaded a certificate, kept by a trigger on ``tenant_certificates``. The
  scheduler (``syncserver.sii.scheduler``) runs as the application role, which row-level security confines to one
  tenant at a time, so it needs this list; like the ``auth_*`` tables it has no RLS and holds nothing but ids.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"

STATES = ("issued", "signed", "sent", "accepted", "accepted_objections", "rejected")


def upgrade() -> None:
    op.execute("ALTER TABLE dte_outbox DROP CONSTRAINT dte_outbox_state_check")
    op.execute("ALTER TABLE dte_outbox ADD CONSTRAINT dte_outbox_state_check CHECK (state IN ("
               + ", ".join(f"'{s}'" for s in STATES) + "))")
    op.execute("ALTER TABLE dte_outbox ADD COLUMN sii_estado text, ADD COLUMN sii_glosa text")
    op.execute("ALTER TABLE dte_envelopes ADD COLUMN sii_estado text, ADD COLUMN sii_glosa text,"
               " ADD COLUMN sent_at timestamptz")
    op.execute("CREATE INDEX dte_outbox_by_envelope ON dte_outbox (tenant_id, envelope_id)")
    op.execute("CREATE TABLE dte_tenants (tenant_id bigint PRIMARY KEY)")
    op.execute("GRANT SELECT, INSERT ON dte_tenants TO almacen_app")
    op.execute("""CREATE FUNCTION dte_tenants_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO dte_tenants (tenant_id) VALUES (NEW.tenant_id) ON CONFLICT DO NOTHING;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER dte_tenants_add AFTER INSERT OR UPDATE ON tenant_certificates"
               " FOR EACH ROW EXECUTE FUNCTION dte_tenants_add()")
    op.execute("INSERT INTO dte_tenants (tenant_id) SELECT tenant_id FROM tenant_certificates ON CONFLICT DO NOTHING")


def downgrade() -> None:
    op.execute("DROP TRIGGER dte_tenants_add ON tenant_certificates")
    op.execute("DROP FUNCTION dte_tenants_add()")
    op.execute("DROP TABLE dte_tenants")
    op.execute("DROP INDEX dte_outbox_by_envelope")
    op.execute("ALTER TABLE dte_envelopes DROP COLUMN sii_estado, DROP COLUMN sii_glosa, DROP COLUMN sent_at")
    op.execute("ALTER TABLE dte_outbox DROP COLUMN sii_estado, DROP COLUMN sii_glosa")
    op.execute("ALTER TABLE dte_outbox DROP CONSTRAINT dte_outbox_state_check")
    op.execute("ALTER TABLE dte_outbox ADD CONSTRAINT dte_outbox_state_check CHECK (state IN"
               " ('issued', 'signed', 'sent', 'accepted', 'rejected'))")
