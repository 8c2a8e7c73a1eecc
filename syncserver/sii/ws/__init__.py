"""The SII's web services (authentication, upload, status) for DTEs, boletas and the RVD: calls in :mod:`.client`,
the answers read in :mod:`.answers`.

The public API, the authentication, uploads, status and throttling: docs/architecture.md#the-siis-web-services.

    ws/
    ├── answers.py    read the SII's answers: codes, receipts, states, seeds, tokens
    ├── client.py     ``SiiClient``: tokens, uploads and status queries
    ├── endpoints.py  the SII's URLs per environment, and the HTTP client
    ├── errors.py     ``SiiError`` and its kinds, with Spanish messages
    ├── reclamos.py   the Registro de Reclamos: accept, acknowledge or claim a received factura (Ley 19.983)
    └── soap.py       the SII's SOAP envelopes and XML answers
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
