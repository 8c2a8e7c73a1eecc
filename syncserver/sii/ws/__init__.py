"""The SII's web services (authentication, upload, status) for DTEs, boletas and the RVD: calls in :mod:`.client`,
the answers read in :mod:`.answers`.

Public API::

    http = endpoints.http_client(timeout=30)                        # httpx.AsyncClient, TLS verified
    sii = SiiClient(http, endpoints.endpoints("certificacion"))     # or ("standin", "http://127.0.0.1:8790")
    account = Account.of(tenant_id, "76.235.291-5", signer)          # signer: shared.dte.signature.Signer
    receipt = await sii.upload_dte(account, envio_dte_or_rvd_bytes)  # Receipt(track_id, estado, already_received)
    receipt = await sii.upload_boletas(account, envio_boleta_bytes)
    status = await sii.dte_status(account, track_id)                 # EnvioStatus(estado, glosa, phase, counts)
    status = await sii.boleta_status(account, track_id)              # … and details (detalle_rep_rech)
    doc = await sii.dte_document_status(account, tipo=33, folio=7, fecha_emision=d, monto=1190,
                                        rut_receptor="77.777.777-7")  # DocumentStatus(estado, …, received)
    doc = await sii.boleta_document_status(account, tipo=39, folio=7, fecha_emision=d, monto=1990,
                                           rut_receptor="66.666.666-6")  # … not_yet: FAU (HTTP 404)
    token = await sii.token(account, "dte" | "boleta")             # cached; sii.token_age(tenant_id, service)

Errors: :class:`SiiError` (``transient``, ``retry_after``, ``code``) — SiiUnavailable, SiiBadAnswer, SiiAuthError,
SiiFileRejected; :class:`SiiConfigError` for a bad environment setting.
"""

from shared import clock as clock_mod
from syncserver.sii.ws import endpoints
from syncserver.sii.ws.client import (
    Account,
    DocumentDetail,
    DocumentStatus,
    EnvioStatus,
    Receipt,
    SiiClient,
    TypeCount,
    retry_after,
    signed_seed,
    split_rut,
)
from syncserver.sii.ws.endpoints import Endpoints, http_client
from syncserver.sii.ws.errors import (
    SiiAuthError,
    SiiBadAnswer,
    SiiConfigError,
    SiiError,
    SiiFileRejected,
    SiiUnavailable,
)


def client_for(environment: str, standin_url: str = "", *, timeout: float = endpoints.DEFAULT_TIMEOUT,
               clock: clock_mod.Clock = clock_mod.utc_clock) -> SiiClient:
    """A :class:`SiiClient` with its own HTTP client for ``environment``; close it with ``await c.http.aclose()``.

    Raises:
        SiiConfigError: unknown environment, or ``standin`` without URL.
    """
    return SiiClient(http_client(timeout), endpoints.endpoints(environment, standin_url), clock=clock)


__all__ = [
    "Account",
    "DocumentDetail",
    "DocumentStatus",
    "Endpoints",
    "EnvioStatus",
    "Receipt",
    "SiiAuthError",
    "SiiBadAnswer",
    "SiiClient",
    "SiiConfigError",
    "SiiError",
    "SiiFileRejected",
    "SiiUnavailable",
    "TypeCount",
    "client_for",
    "endpoints",
    "http_client",
    "retry_after",
    "signed_seed",
    "split_rut",
]
