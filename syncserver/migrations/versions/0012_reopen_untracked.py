"""Envelopes the SII answered STATUS 99 without a TRACKID before the forwarder asked their documents one by one:
they were closed (``done``, ``sii_estado`` 'STATUS 99', no track id) with their documents left ``sent`` and no
verdict. They go back to ``sent`` and are due now, so the forwarder's new path asks each of those documents
(``syncserver.sii.forwarder``: boletas through the boleta API, the others through QueryEstDte). ConsumoFolios has no
documents and stays as it was.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.execute("""UPDATE dte_envelopes e SET state = 'sent', next_attempt_at = now(), attempts = 0,
        claim_token = NULL, claimed_until = NULL, updated_at = now()
        WHERE e.state = 'done' AND e.sii_estado = 'STATUS 99' AND e.track_id IS NULL
        AND e.kind IN ('EnvioBOLETA', 'EnvioDTE')
        AND EXISTS (SELECT 1 FROM dte_outbox o WHERE o.tenant_id = e.tenant_id AND o.envelope_id = e.envelope_id
                    AND o.state = 'sent')""")


def downgrade() -> None:
    pass  # the documents keep whatever verdict they got meanwhile
