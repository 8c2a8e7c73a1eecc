"""The SII forwarder: one pass sends a tenant's signed documents to the SII (or its stand-in) and records what it
answers, per document: pack (:mod:`~syncserver.sii.packing`), send (:mod:`~syncserver.sii.sending`), poll
(:mod:`~syncserver.sii.polling`, :mod:`~syncserver.sii.untracked`), each envelope claimed
(:mod:`~syncserver.sii.claims`) so no transaction is open while the SII answers; verdicts in
:mod:`~syncserver.sii.verdicts`. The state machine: docs/architecture.md §5.

This module runs a pass (:func:`forward`) and names the forwarder's public parts for its callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared import clock as clock_mod
from syncserver.dte.emisor import Resolution as Resolution  # the Carátula's FchResol, NroResol
from syncserver.sii import ws
from syncserver.sii.claims import LEASE as LEASE
from syncserver.sii.claims import STOPPED as STOPPED
from syncserver.sii.claims import Claim as Claim
from syncserver.sii.claims import ClaimLost as ClaimLost
from syncserver.sii.claims import claim as claim
from syncserver.sii.claims import worker_name as worker_name
from syncserver.sii.packing import ForwarderError as ForwarderError
from syncserver.sii.packing import account as account
from syncserver.sii.packing import pack as pack
from syncserver.sii.polling import poll as poll
from syncserver.sii.sending import send as send
from syncserver.sii.untracked import BAD_ANSWERS_IN_A_ROW as BAD_ANSWERS_IN_A_ROW
from syncserver.sii.untracked import UNKNOWN_GRACE as UNKNOWN_GRACE
from syncserver.sii.verdicts import Verdict as Verdict
from syncserver.sii.verdicts import document_verdict as document_verdict
from syncserver.store import db


@dataclass(frozen=True, slots=True)
class Forwarded:
    """What one forwarding pass did: documents packed, envelopes the SII received, envelopes with their verdict."""

    packed: int
    sent: int
    verdicts: int


async def forward(pool: db.Pool, tenant_id: int, secret_key: str, client: ws.SiiClient,
                  resolution: Resolution | None, *, now: datetime | None = None,
                  clock: clock_mod.Clock = clock_mod.utc_clock) -> Forwarded:
    """Pack every signed document (envelopes of 50; nothing new without ``resolution``, the emisor's SII resolution
    the Carátula needs), then send and poll what is due, through ``client``.

    Raises:
        CertificateUploadError: the tenant has no usable certificate.
        ForwarderError: the tenant has no valid RUT.
    """
    packed = 0
    while resolution is not None and (n := await pack(pool, tenant_id, secret_key, resolution, now=now,
                                                      clock=clock)) > 0:
        packed += n
    sent = await send(pool, tenant_id, secret_key, client, now=now, clock=clock)
    verdicts = await poll(pool, tenant_id, secret_key, client, now=now, clock=clock)
    return Forwarded(packed, sent, verdicts)
