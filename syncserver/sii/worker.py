"""One pass of the DTE pipeline for a tenant: sign what the terminals issued, pack, upload, ask for verdicts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from syncserver.dte import pipeline
from syncserver.sii import forwarder, ws


@dataclass(frozen=True, slots=True)
class PassResult:
    signed: int
    not_signed: int
    packed: int
    sent: int
    verdicts: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


async def run_once(pool: Any, tenant_id: int, secret_key: str, client: ws.SiiClient,
                   resolution: forwarder.Resolution | None, *, now: datetime | None = None) -> PassResult:
    """Sign (in rounds of 50), pack (envelopes of 50), send and poll what is due, through ``client`` (the SII or
    its stand-in, :mod:`syncserver.sii.ws`). Without ``resolution`` (the emisor's SII resolution, needed by the
    Carátula) nothing new is packed; what is already packed is still sent and polled.

    Raises:
        CertificateUploadError: the tenant has no usable certificate.
        ForwarderError: the tenant has no valid RUT.
    """
    signed = not_signed = packed = 0
    while True:
        result = await pipeline.sign_pending(pool, tenant_id, secret_key, now=now)
        signed, not_signed = signed + result.signed, not_signed + result.failed
        if result.signed + result.failed < 50:
            break
    while resolution is not None and (n := await forwarder.pack(pool, tenant_id, secret_key, resolution,
                                                                 now=now)) > 0:
        packed += n
    sent = await forwarder.send(pool, tenant_id, secret_key, client, now=now)
    verdicts = await forwarder.poll(pool, tenant_id, secret_key, client, now=now)
    return PassResult(signed, not_signed, packed, sent, verdicts)
