"""One pass of the DTE pipeline for a tenant: sign what the terminals issued, build the due daily sales reports
(RVD, when asked), pack, upload, ask for verdicts, and ask the SII when it received the suppliers' facturas still to
answer (their 8-day window)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from shared import clock as clock_mod
from shared.dte import errors as dte_errors
from syncserver.dte import pipeline, rvd
from syncserver.sii import acceptance, forwarder, ws
from syncserver.store import db

log = logging.getLogger("syncserver.sii.worker")


@dataclass(frozen=True, slots=True)
class PassResult:
    signed: int
    not_signed: int
    packed: int
    sent: int
    verdicts: int
    rvd: int = 0
    """RVD (ConsumoFolios) envelopes built in this pass."""

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


async def run_once(pool: db.Pool, tenant_id: int, secret_key: str, client: ws.SiiClient,
                   resolution: forwarder.Resolution | None, *, now: datetime | None = None,
                   build_rvd: bool = False, clock: clock_mod.Clock = clock_mod.utc_clock) -> PassResult:
    """Sign (in rounds of 50), pack (envelopes of 50), send and poll what is due, through ``client`` (the SII or
    its stand-in, :mod:`syncserver.sii.ws`). Without ``resolution`` (the emisor's SII resolution, needed by the
    Carátula) nothing new is packed; what is already packed is still sent and polled.

    With ``build_rvd`` (the server setting ``rvd_enabled``), after signing the RVD of every complete past day not
    yet reported (or changed since) is built (:func:`syncserver.dte.rvd.build_due`, at most 31 days a pass), so it
    is uploaded in this same pass. A day that cannot be summarised is logged and the pass goes on: the documents
    are still sent, and the RVD is tried again next pass.

    ``now`` fixes the pass's time (tests); otherwise ``clock()`` is read where a time is needed.

    Raises:
        CertificateUploadError: the tenant has no usable certificate.
        ForwarderError: the tenant has no valid RUT.
    """
    signed = not_signed = 0
    while True:
        result = await pipeline.sign_pending(pool, tenant_id, secret_key, now=now)
        signed, not_signed = signed + result.signed, not_signed + result.failed
        if result.signed + result.failed < 50:
            break
    built = await _build_rvd(pool, tenant_id, secret_key, now, clock) if build_rvd else 0
    done = await forwarder.forward(pool, tenant_id, secret_key, client, resolution, now=now, clock=clock)
    await acceptance.refresh_receptions(pool, tenant_id, secret_key, client, now=clock() if now is None else now)
    return PassResult(signed, not_signed, done.packed, done.sent, done.verdicts, built)


async def _build_rvd(pool: db.Pool, tenant_id: int, secret_key: str, now: datetime | None,
                     clock: clock_mod.Clock) -> int:
    try:
        return await rvd.build_due(pool, tenant_id, secret_key, now=clock() if now is None else now)
    except dte_errors.DteError as exc:  # one bad day must not hold back the documents
        log.exception("rvd build failed", extra={"tenant_id": tenant_id, "error": str(exc)})
        return 0
