"""Where the SII's services live, per environment, and the HTTP client that talks to them.

Environments (sii.md §6; chosen by configuration only, ``ServerSettings.sii_environment``):

- ``certificacion``: DTE SOAP services and DTEUpload on ``maullin.sii.cl``; boleta REST on ``apicert.sii.cl``
  (seed, token, status) and ``pangal.sii.cl`` (upload).
- ``produccion``: ``palena.sii.cl``; ``api.sii.cl`` and ``rahue.sii.cl``.
- ``standin``: the local stand-in (``syncserver.sii_standin``) serves every path on one base URL (``sii_url``).

Paths are the SII's own: ``/DTEWS/CrSeed.jws``, ``/DTEWS/GetTokenFromSeed.jws``, ``/DTEWS/QueryEstUp.jws``,
``/DTEWS/QueryEstDte.jws``, ``/cgi_dte/UPL/DTEUpload``, ``/recursos/v1/boleta.electronica.{semilla,token,envio}`` and
``/recursos/v1/boleta.electronica/{rut}-{dv}-{tipo}-{folio}/estado`` (one boleta's state).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Final

import certifi
import httpx

from syncserver.sii.ws.errors import SiiConfigError

ENVIRONMENTS: Final = ("certificacion", "produccion", "standin")

CR_SEED: Final = "/DTEWS/CrSeed.jws"
GET_TOKEN: Final = "/DTEWS/GetTokenFromSeed.jws"
QUERY_EST_UP: Final = "/DTEWS/QueryEstUp.jws"
QUERY_EST_DTE: Final = "/DTEWS/QueryEstDte.jws"
DTE_UPLOAD: Final = "/cgi_dte/UPL/DTEUpload"
BOLETA_SEED: Final = "/recursos/v1/boleta.electronica.semilla"
BOLETA_TOKEN: Final = "/recursos/v1/boleta.electronica.token"
BOLETA_ENVIO: Final = "/recursos/v1/boleta.electronica.envio"
BOLETA_DOCUMENTO: Final = "/recursos/v1/boleta.electronica"
"""Followed by ``/{rut}-{dv}-{tipo}-{folio}/estado``: one boleta's state (sii.md §6)."""
RECLAMOS: Final = "/WSREGISTRORECLAMODTE/registroreclamodteservice"
"""The Registro de Reclamos (acceptance and claims of received facturas) on ``ws1.sii.cl`` in production; in
certification its path is ``/WSREGISTRORECLAMODTECERT/registroreclamodteservice`` on ``ws2.sii.cl``."""

USER_AGENT: Final = "Mozilla/5.0 (compatible; PROG 1.0; Almacen)"
"""DTEUpload answers XML (not an HTML page) only when the User-Agent contains ``PROG 1.0`` (SII envio.pdf)."""

DEFAULT_TIMEOUT: Final = 30.0


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Base URLs (scheme and host, no trailing slash): ``dte`` for SOAP and DTEUpload, ``boleta_api`` for the boleta
    seed, token and status, ``boleta_upload`` for the boleta upload; ``reclamos`` is the Registro de Reclamos'
    full URL (:mod:`syncserver.sii.ws.reclamos`)."""

    environment: str
    dte: str
    boleta_api: str
    boleta_upload: str
    reclamos: str = ""


def endpoints(environment: str, standin_url: str = "") -> Endpoints:
    """The base URLs of ``environment`` (one of :data:`ENVIRONMENTS`).

    Raises:
        SiiConfigError: unknown environment, or ``standin`` without ``standin_url``.
    """
    if environment == "certificacion":
        return Endpoints(environment, "https://maullin.sii.cl", "https://apicert.sii.cl", "https://pangal.sii.cl",
                         "https://ws2.sii.cl/WSREGISTRORECLAMODTECERT/registroreclamodteservice")
    if environment == "produccion":
        return Endpoints(environment, "https://palena.sii.cl", "https://api.sii.cl", "https://rahue.sii.cl",
                         "https://ws1.sii.cl" + RECLAMOS)
    if environment == "standin":
        url = standin_url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise SiiConfigError(f"falta la URL del simulador del SII (sii_url), o no es http(s): {standin_url!r}")
        return Endpoints(environment, url, url, url, url + RECLAMOS)
    raise SiiConfigError(f"ambiente del SII desconocido {environment!r} (válidos: {', '.join(ENVIRONMENTS)})")


def tls_context() -> ssl.SSLContext:
    """Certificate and host verification on (never off), TLS 1.2 or later (the SII requires 1.2), and OpenSSL 3's
    refusal of servers without RFC 5746 secure renegotiation relaxed, which maullin/palena need (sii.md §6)."""
    context = ssl.create_default_context(cafile=certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)
    return context


def http_client(timeout: float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` for :class:`~syncserver.sii.ws.client.SiiClient` (absolute URLs, no base URL)."""
    return httpx.AsyncClient(verify=tls_context(), timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                             follow_redirects=False, headers={"User-Agent": USER_AGENT})
