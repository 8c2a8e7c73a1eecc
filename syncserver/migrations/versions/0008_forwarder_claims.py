"""Claims on envelopes: the forwarder talks to the SII with no transaction open.

``syncserver.sii.forwarder`` works claim → call → record. In a short transaction it takes a due envelope
``FOR UPDATE SKIP LOCKED`` and *claims* it: ``claim_token`` (a random uuid of this worker), ``claimed_until`` (the
end of the lease, a few minutes ahead), ``claimed_by`` (host:pid, for HQ and the logs), ``claimed_at``, and
``attempts + 1``; it commits and only then calls the SII. The outcome is written in a new short transaction only if
``claim_token`` is still the worker's, and the claim is cleared. Other workers skip an envelope while its claim
lasts; a worker that died leaves a claim that expires, and the envelope is then taken again (the identical stored
bytes are resent). ``claimed_at`` / ``claimed_by`` stay after the claim is cleared: the last attempt's trace.

The two claim columns go together (``dte_envelopes_claim_check``). The table's grants (0002: SELECT, INSERT,
UPDATE for ``almacen_app``) cover the new columns; they are restated here. Row-level security as before.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.execute("ALTER TABLE dte_envelopes ADD COLUMN claim_token uuid, ADD COLUMN claimed_until timestamptz,"
               " ADD COLUMN claimed_by text, ADD COLUMN claimed_at timestamptz")
    op.execute("ALTER TABLE dte_envelopes ADD CONSTRAINT dte_envelopes_claim_check"
               " CHECK ((claim_token IS NULL) = (claimed_until IS NULL))")
    op.execute("GRANT SELECT, INSERT, UPDATE ON dte_envelopes TO almacen_app")


def downgrade() -> None:
    op.execute("ALTER TABLE dte_envelopes DROP CONSTRAINT dte_envelopes_claim_check")
    op.execute("ALTER TABLE dte_envelopes DROP COLUMN claim_token, DROP COLUMN claimed_until, DROP COLUMN claimed_by,"
               " DROP COLUMN claimed_at")
