"""The SII's web services, asynchronously (httpx): authentication, upload and status, for DTEs and boletas.

One :class:`SiiClient` per process is enough: it holds the HTTP client, the environment's URLs and the tokens,
cached per tenant and service with their age. Every call takes an :class:`Account` (tenant, company RUT, the
certificate that signs) and returns plain dataclasses or raises a :class:`~syncserver.sii.ws.errors.SiiError`.

Authentication (SII "autenticación automática", sii.md §6):

- DTE: ``CrSeed.jws`` getSeed → SEMILLA (valid 2 minutes); ``<getToken><item><Semilla>N</Semilla></item>
  </getToken>`` signed (enveloped XMLDSig, ``URI=""``) with the tenant's certificate; ``GetTokenFromSeed.jws``
  getToken(pszXml) → TOKEN when ESTADO is 00. The token goes as ``Cookie: TOKEN=…`` (and, for the SOAP queries,
  as their ``Token`` parameter).
- Boletas: the same signed seed, over REST (``boleta.electronica.semilla`` / ``.token``); the token is separate.
- A token is reused for :attr:`SiiClient.token_max_age` (LibreDTE keeps it 60 s; the SII expires idle tokens).
  When the SII says the session is not authenticated (DTEUpload STATUS 5, ESTADO 001–003 of the queries, HTTP
  401 on REST) the client gets a new token once and repeats the request; a second refusal is a
  :class:`SiiAuthError`.

Uploads (an identical file may be sent again: STATUS 99 "ya recibido" is a success):

- :meth:`SiiClient.upload_dte`: EnvioDTE and ConsumoFolios (RVD) through ``/cgi_dte/UPL/DTEUpload`` (multipart
  ``rutSender``, ``dvSender``, ``rutCompany``, ``dvCompany``, ``archivo``; User-Agent with ``PROG 1.0``) → the
  ``RECEPCIONDTE`` XML's STATUS and TRACKID.
- :meth:`SiiClient.upload_boletas`: EnvioBOLETA to ``boleta.electronica.envio`` → JSON ``trackid``, ``estado``
  (``estado`` 99 without ``trackid``: already received, as DTEUpload's STATUS 99 without TRACKID).

Status:

- :meth:`SiiClient.dte_status`: ``QueryEstUp.jws`` getEstUp → the envío's ESTADO and, once processed (EPR), the
  counts per document type (TIPO_DOCTO, INFORMADOS, ACEPTADOS, RECHAZADOS, REPAROS). The SII does not say there
  which document of a type was rejected: :meth:`SiiClient.dte_document_status` (``QueryEstDte.jws`` getEstDte) asks
  per document (DOK = received and matching; FAU/FNA/DNK/… = not received), and the forwarder uses it only for
  the types whose counts are not all accepted.
- :meth:`SiiClient.boleta_status`: ``boleta.electronica.envio/{rut}-{dv}-{trackid}`` → estado, estadistica and
  detalle_rep_rech (each rejected document or document with reparos, with the SII's reasons).
- :meth:`SiiClient.boleta_document_status`: ``boleta.electronica/{rut}-{dv}-{tipo}-{folio}/estado`` → JSON
  ``codigo`` (DOK…, or an envío state: EPR, RPR, RCH…) and ``descripcion``; HTTP 404 = the SII does not have the
  boleta (answered as FAU). With :meth:`SiiClient.dte_document_status` it lets the forwarder ask document by
  document when an upload was answered "already received" without a track id.

Throttling: HTTP 405/429/503 and every 5xx are :class:`SiiUnavailable` carrying ``Retry-After`` /
``X-Retry-After`` (seconds or an HTTP date, at most a day); timeouts and connection errors too. Answers that are
not what the SII sends (HTML, truncated or hostile XML, JSON of another shape) are :class:`SiiBadAnswer`. The
client never sleeps or retries on its own, except the single token renewal: the forwarder schedules the retry.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeVar

import httpx
from cryptography.hazmat.primitives import hashes
from lxml import etree

from shared import rut as rut_mod
from shared.dte import signature, xmlcore
from syncserver.sii.ws import endpoints as ep
from syncserver.sii.ws import soap
from syncserver.sii.ws.errors import SiiAuthError, SiiBadAnswer, SiiError, SiiFileRejected, SiiUnavailable

T = TypeVar("T")

MAX_RETRY_AFTER: Final = timedelta(days=1)
RATE_LIMITED: Final = frozenset({405, 429, 503})
TOKEN_ERRORS: Final = frozenset({"001", "002", "003"})
"""ESTADO of QueryEstUp / QueryEstDte when the token is inactive or unknown (LibreDTE CheckXmlDocumentSentStatus)."""

PENDING: Final = frozenset({"REC", "SOK", "CRT", "FOK", "PDR", "PRD"})
PROCESSED: Final = frozenset({"EPR", "RPR", "RLV"})
ESTADOS: Final = {
    "REC": "envío recibido", "SOK": "esquema validado", "CRT": "carátula OK", "FOK": "firma del envío validada",
    "PDR": "envío en proceso", "PRD": "envío en proceso", "EPR": "envío procesado",
    "RSC": "rechazado por error en el esquema", "RFR": "rechazado por error en la firma",
    "RCT": "rechazado por error en la carátula", "RCH": "rechazado por errores de información",
    "RCO": "rechazado por consistencia", "RPT": "envío repetido, rechazado", "VOF": "no se encontró el archivo XML",
    "RDC": "rechazado, documento con error", "RPR": "aceptado con reparos", "RLV": "aceptado con reparos leves",
}
"""The envío states of QueryEstUp and the boleta API (SII estado_envio; LibreDTE; FE ``util.estado_envio``)."""

RECEIVED: Final = frozenset({"DOK", "TMD", "TMC", "MMD", "MMC", "AND", "ANC", "EPR", "RPR", "RLV"})
"""States of a document the SII has: QueryEstDte's DOK, or DOK plus a nota that modifies it; the boleta API's
per-document ``codigo`` may also be the envío state EPR (procesado) or RPR/RLV (con reparos) (FE
``util.estado_documento`` / ``estado_envio``)."""
NOT_YET: Final = frozenset({"FAU"}) | PENDING
"""Per-document answers that say the SII does not have the document (yet): FAU (no recibido; the boleta API's
HTTP 404) or an envío state still in process."""
DOCUMENT_STATES: Final = {
    "DOK": "documento recibido por el SII; datos coinciden con los registrados",
    "DNK": "documento recibido por el SII pero sus datos no coinciden con los registrados",
    "FAU": "documento no recibido por el SII", "FNA": "folio no autorizado por el SII",
    "FAN": "folio anulado", "EMP": "empresa no autorizada a emitir documentos electrónicos",
    "TMD": "existe nota de débito que modifica el texto", "TMC": "existe nota de crédito que modifica el texto",
    "MMD": "existe nota de débito que modifica montos", "MMC": "existe nota de crédito que modifica montos",
    "AND": "existe nota de débito que anula el documento", "ANC": "existe nota de crédito que anula el documento",
}

UPLOAD_STATUS: Final = {
    1: "el usuario {sender} no tiene permiso en el SII para enviar documentos de la empresa {company}",
    2: "el SII rechazó el archivo por su tamaño",
    3: "el archivo llegó cortado al SII",
    5: "el SII no reconoce la sesión (token vencido o inexistente)",
    6: "la empresa {company} no está autorizada por el SII para enviar documentos electrónicos",
    7: "el SII rechazó el archivo: su esquema XML es inválido",
    8: "el SII rechazó el archivo: la firma electrónica no es válida",
    9: "el sistema del SII está bloqueado temporalmente",
    99: "el SII ya había recibido este mismo archivo",
}
"""DTEUpload STATUS codes (SII envio.pdf; LibreDTE SendXmlDocumentJob)."""
FILE_REJECTED: Final = frozenset({2, 3, 7, 8})
NOT_AUTHORISED: Final = frozenset({1, 6})


def split_rut(value: str) -> tuple[str, str]:
    """``"76.235.291-5"`` → ``("76235291", "5")``.

    Raises:
        InvalidRut: not a valid RUT.
    """
    rut = rut_mod.parse(value)
    return str(rut.body), rut.dv


def signed_seed(seed: str, signer: signature.Signer) -> bytes:
    """The token request: ``<getToken><item><Semilla>seed</Semilla></item><Signature …URI=""/></getToken>``,
    ISO-8859-1 with its declaration (SII autenticación automática §5; sii.md §4)."""
    root = etree.Element("getToken")
    etree.SubElement(etree.SubElement(root, "item"), "Semilla").text = seed
    signature.sign(root, None, signer)
    return xmlcore.to_bytes(root)


def retry_after(headers: httpx.Headers, now: datetime | None = None) -> timedelta | None:
    """``Retry-After`` or ``X-Retry-After`` as seconds or an HTTP date (at most a day); None when absent/unreadable."""
    value = (headers.get("retry-after") or headers.get("x-retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(timedelta(seconds=int(value)), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = datetime.now(UTC) if now is None else now
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)


# --- results ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """Who talks to the SII: ``tenant_id`` (the token cache key), the company's RUT (``rut_emisor``, any format),
    the certificate that authenticates and ``rut_envia``, the certificate holder's RUT (the company's when the
    certificate carries none, as the envelopes' Carátula does)."""

    tenant_id: int
    rut_emisor: str
    signer: signature.Signer
    rut_envia: str = ""

    @classmethod
    def of(cls, tenant_id: int, rut_emisor: str, signer: signature.Signer) -> Account:
        """The account of a company and its certificate.

        Raises:
            InvalidRut: ``rut_emisor`` is not a valid RUT.
        """
        company = rut_mod.parse(rut_emisor).compact
        return cls(tenant_id, company, signer, signer.rut or company)

    @property
    def sender(self) -> str:
        return self.rut_envia or self.signer.rut or self.rut_emisor


@dataclass(frozen=True, slots=True)
class Receipt:
    """An upload's answer: ``track_id`` (None only when the SII said "already received" without one),
    ``estado`` (``REC`` for DTEUpload STATUS 0/99, else the boleta API's), ``already_received`` for STATUS 99."""

    track_id: str | None
    estado: str
    already_received: bool = False


@dataclass(frozen=True, slots=True)
class TypeCount:
    """One document type's counts in a processed envío."""

    tipo: int
    informados: int
    aceptados: int
    rechazados: int
    reparos: int


@dataclass(frozen=True, slots=True)
class DocumentDetail:
    """A document the SII rejected (``estado`` RCH…) or accepted with reparos (RPR, RLV), with its reasons."""

    tipo: int
    folio: int
    estado: str
    reason: str

    @property
    def objections(self) -> bool:
        return self.estado in ("RPR", "RLV")


@dataclass(frozen=True, slots=True)
class EnvioStatus:
    """An envío's state: ``phase`` is ``pending`` (ask again), ``processed`` (verdicts per document are in
    ``counts``/``details``) or ``rejected`` (the whole envío, reason in ``glosa``)."""

    track_id: str
    estado: str
    glosa: str
    phase: str
    counts: tuple[TypeCount, ...] = ()
    details: tuple[DocumentDetail, ...] = ()

    def count(self, tipo: int) -> TypeCount | None:
        return next((c for c in self.counts if c.tipo == tipo), None)


@dataclass(frozen=True, slots=True)
class DocumentStatus:
    """QueryEstDte's answer for one document: ``received`` when the SII has it (DOK and the like)."""

    estado: str
    glosa_estado: str
    err_code: str
    glosa_err: str

    @property
    def received(self) -> bool:
        return self.estado in RECEIVED

    @property
    def objections(self) -> bool:
        """The SII's code itself says "aceptado con reparos" (RPR, RLV: only the boleta API answers them)."""
        return self.estado in ("RPR", "RLV")

    @property
    def not_yet(self) -> bool:
        """The SII does not have the document (FAU), or not yet: see :data:`NOT_YET`."""
        return self.estado in NOT_YET

    @property
    def reason(self) -> str:
        parts = [p for p in (self.glosa_estado or DOCUMENT_STATES.get(self.estado, ""), self.glosa_err) if p]
        return f"{self.estado}: " + " — ".join(parts) if parts else self.estado


def _phase(estado: str) -> str:
    if estado in PENDING:  # before the "R…" rule: REC (recibido) is still in process, not a rejection
        return "pending"
    if estado in PROCESSED:
        return "processed"
    if estado.startswith("R") or estado == "VOF":
        return "rejected"
    return "pending"


class _Unauthenticated(Exception):
    """The SII did not accept the token (renew once)."""


@dataclass
class _Token:
    value: str
    obtained: float  # time.monotonic()
    certificate: bytes


@dataclass
class _Answer:
    status: int
    headers: httpx.Headers
    content: bytes


# --- the client ---------------------------------------------------------------------------------------------------


@dataclass
class SiiClient:
    """The SII's services for every tenant of this process (see the module doc).

    Args:
        http: an ``httpx.AsyncClient`` without base URL (:func:`~syncserver.sii.ws.endpoints.http_client`); its
            timeout is the one that applies.
        urls: the environment's base URLs (:func:`~syncserver.sii.ws.endpoints.endpoints`).
        token_max_age: how long a token is reused before asking for a new one.
    """

    http: httpx.AsyncClient
    urls: ep.Endpoints
    token_max_age: timedelta = timedelta(minutes=5)
    _tokens: dict[tuple[int, str], _Token] = field(default_factory=dict)

    # -- tokens --

    def token_age(self, tenant_id: int, service: str = "dte") -> timedelta | None:
        """How old the cached token of ``service`` (``dte`` or ``boleta``) is; None when there is none."""
        token = self._tokens.get((tenant_id, service))
        return None if token is None else timedelta(seconds=time.monotonic() - token.obtained)

    def forget_tokens(self, tenant_id: int | None = None) -> None:
        """Drop the cached tokens (of one tenant, or all)."""
        for key in [k for k in self._tokens if tenant_id is None or k[0] == tenant_id]:
            del self._tokens[key]

    async def token(self, account: Account, service: str = "dte", *, renew: bool = False) -> str:
        """A token for ``service`` (``dte``: SOAP and DTEUpload; ``boleta``: the boleta REST API), cached.

        Raises:
            SiiAuthError: the SII refused the signed seed (certificate not valid for it, wrong signature…).
            SiiUnavailable, SiiBadAnswer: as any call.
        """
        key = (account.tenant_id, service)
        fingerprint = account.signer.certificate.fingerprint(hashes.SHA256())
        cached = self._tokens.get(key)
        if (cached is not None and not renew and cached.certificate == fingerprint
                and time.monotonic() - cached.obtained < self.token_max_age.total_seconds()):
            return cached.value
        self._tokens.pop(key, None)
        try:
            value = await (self._dte_token(account) if service == "dte" else self._boleta_token(account))
        except _Unauthenticated as exc:  # the seed or token service itself says 401
            raise SiiAuthError(f"el SII no permite pedir el token ({exc}); revise el certificado digital de"
                               f" {account.sender}") from None
        self._tokens[key] = _Token(value, time.monotonic(), fingerprint)
        return value

    async def _dte_token(self, account: Account) -> str:
        seed_answer = await self._soap(ep.CR_SEED, "getSeed", soap.request("getSeed"))
        seed = _seed(seed_answer, "getSeed")
        request = soap.request("getToken", [("pszXml", signed_seed(seed, account.signer).decode("iso-8859-1"))])
        return _token(await self._soap(ep.GET_TOKEN, "getToken", request), account)

    async def _boleta_token(self, account: Account) -> str:
        answer = await self._call("GET", self.urls.boleta_api + ep.BOLETA_SEED, "semilla de boletas",
                                  headers={"Accept": "application/xml"})
        seed = _seed(_respuesta(answer.content, "semilla de boletas"), "semilla de boletas")
        answer = await self._call("POST", self.urls.boleta_api + ep.BOLETA_TOKEN, "token de boletas",
                                  content=signed_seed(seed, account.signer),
                                  headers={"Content-Type": "application/xml", "Accept": "application/xml"})
        return _token(_respuesta(answer.content, "token de boletas"), account)

    async def _authed(self, account: Account, service: str, call: Callable[[str], Awaitable[T]]) -> T:
        try:
            return await call(await self.token(account, service))
        except _Unauthenticated:
            pass
        try:
            return await call(await self.token(account, service, renew=True))
        except _Unauthenticated as exc:
            raise SiiAuthError(f"el SII no acepta la sesión ni con un token nuevo ({exc}); revise el certificado "
                               f"digital y los permisos de {account.sender} en el SII") from None

    # -- DTE (SOAP + DTEUpload) --

    async def upload_dte(self, account: Account, xml: bytes, *, filename: str = "envio.xml",
                         rut_sender: str | None = None) -> Receipt:
        """Upload an EnvioDTE or ConsumoFolios (the RVD) through DTEUpload.

        ``rut_sender`` is the Carátula's RutEnvia (default ``account.sender``); the company is ``account.rut_emisor``.

        Raises:
            SiiFileRejected: STATUS 2, 3, 7 or 8 (the file itself).
            SiiAuthError: STATUS 1 or 6 (permissions), or STATUS 5 even with a new token.
            SiiUnavailable: STATUS 9, HTTP errors, timeouts; SiiBadAnswer: not a RECEPCIONDTE.
        """
        sender = split_rut(rut_sender or account.sender)
        company = split_rut(account.rut_emisor)
        form = {"rutSender": sender[0], "dvSender": sender[1], "rutCompany": company[0], "dvCompany": company[1]}
        names = {"sender": "-".join(sender), "company": "-".join(company)}

        async def call(token: str) -> Receipt:
            answer = await self._call("POST", self.urls.dte + ep.DTE_UPLOAD, "envío por DTEUpload", data=form,
                                      files={"archivo": (filename, xml, "text/xml")},
                                      headers={"Cookie": f"TOKEN={token}"})
            return _recepcion(answer.content, names)

        return await self._authed(account, "dte", call)

    async def dte_status(self, account: Account, track_id: str) -> EnvioStatus:
        """The state of an envío uploaded through DTEUpload (getEstUp).

        Raises:
            SiiUnavailable: a negative ESTADO (the SII's own errors, e.g. -11), HTTP errors; SiiBadAnswer.
        """
        rut, dv = split_rut(account.rut_emisor)

        async def call(token: str) -> EnvioStatus:
            request = soap.request("getEstUp", [("RutCompania", rut), ("DvCompania", dv), ("TrackId", track_id),
                                                ("Token", token)])
            answer = await self._soap(ep.QUERY_EST_UP, "getEstUp", request, token=token)
            return _est_up(answer, track_id)

        return await self._authed(account, "dte", call)

    async def dte_document_status(self, account: Account, *, tipo: int, folio: int, fecha_emision: date,
                                  monto: int, rut_receptor: str) -> DocumentStatus:
        """What the SII has of one document (getEstDte): the consultant is ``account.sender``.

        Raises:
            SiiUnavailable: a negative ESTADO, HTTP errors; SiiBadAnswer.
        """
        consultant, company, receptor = (split_rut(account.sender), split_rut(account.rut_emisor),
                                         split_rut(rut_receptor))

        async def call(token: str) -> DocumentStatus:
            request = soap.request("getEstDte", [
                ("RutConsultante", consultant[0]), ("DvConsultante", consultant[1]), ("RutCompania", company[0]),
                ("DvCompania", company[1]), ("RutReceptor", receptor[0]), ("DvReceptor", receptor[1]),
                ("TipoDte", str(tipo)), ("FolioDte", str(folio)), ("FechaEmisionDte", fecha_emision.strftime("%d%m%Y")),
                ("MontoDte", str(monto)), ("Token", token)])
            answer = await self._soap(ep.QUERY_EST_DTE, "getEstDte", request, token=token)
            estado = soap.first(answer, "ESTADO") or ""
            if estado in TOKEN_ERRORS:
                raise _Unauthenticated(f"ESTADO {estado}")
            if _negative(estado) or not estado:
                raise SiiUnavailable(f"el SII no pudo informar el estado del documento {tipo} N° {folio} "
                                     f"(ESTADO {estado or 'vacío'}: {_glosa(answer)})", code=estado)
            return DocumentStatus(estado, soap.first(answer, "GLOSA_ESTADO") or "",
                                  soap.first(answer, "ERR_CODE") or "", soap.first(answer, "GLOSA_ERR") or "")

        return await self._authed(account, "dte", call)

    # -- boletas (REST) --

    async def upload_boletas(self, account: Account, xml: bytes, *, filename: str = "envio.xml",
                             rut_sender: str | None = None) -> Receipt:
        """Upload an EnvioBOLETA to ``boleta.electronica.envio``.

        Raises:
            SiiAuthError: HTTP 401/403 even with a new token; SiiUnavailable; SiiBadAnswer (no trackid).
        """
        sender, company = split_rut(rut_sender or account.sender), split_rut(account.rut_emisor)
        form = {"rutSender": sender[0], "dvSender": sender[1], "rutCompany": company[0], "dvCompany": company[1]}

        async def call(token: str) -> Receipt:
            answer = await self._call("POST", self.urls.boleta_upload + ep.BOLETA_ENVIO, "envío de boletas",
                                      data=form, files={"archivo": (filename, xml, "text/xml")},
                                      headers={"Cookie": f"TOKEN={token}", "Accept": "application/json"})
            data = _json(answer.content, "envío de boletas")
            track, estado = data.get("trackid"), data.get("estado")
            if track in (None, "") and str(estado).strip() == "99":  # the identical file, already received
                return Receipt(None, "REC", already_received=True)
            if not isinstance(track, (int, str)) or not str(track).strip().isdigit():
                raise SiiBadAnswer(f"el SII no entregó un track id para el envío de boletas: {_short(data)}")
            return Receipt(str(track).strip(), str(estado or "REC"))

        return await self._authed(account, "boleta", call)

    async def boleta_status(self, account: Account, track_id: str) -> EnvioStatus:
        """The state of an EnvioBOLETA, with the rejected documents and reparos (``detalle_rep_rech``)."""
        rut, dv = split_rut(account.rut_emisor)
        url = f"{self.urls.boleta_api}{ep.BOLETA_ENVIO}/{rut}-{dv}-{track_id}"

        async def call(token: str) -> EnvioStatus:
            answer = await self._call("GET", url, "estado del envío de boletas",
                                      headers={"Cookie": f"TOKEN={token}", "Accept": "application/json"})
            return _boleta_status(_json(answer.content, "estado del envío de boletas"), track_id)

        return await self._authed(account, "boleta", call)

    async def boleta_document_status(self, account: Account, *, tipo: int, folio: int, fecha_emision: date,
                                     monto: int, rut_receptor: str) -> DocumentStatus:
        """What the SII has of one boleta (39, 41) of ``account.rut_emisor``: GET
        ``boleta.electronica/{rut}-{dv}-{tipo}-{folio}/estado?rut_receptor=&dv_receptor=&monto=&fechaEmision=``
        (``fechaEmision`` DD-MM-AAAA, ``monto`` the MntTotal in pesos) with the boleta token (sii.md §6; FE
        ``conexion.py``). The JSON ``codigo`` becomes :attr:`DocumentStatus.estado` and ``descripcion`` its
        ``glosa_err``; HTTP 404 (the SII does not have it) is answered as FAU (:attr:`DocumentStatus.not_yet`).

        Raises:
            SiiAuthError: HTTP 401/403 even with a new token.
            SiiUnavailable: a negative ``codigo``, HTTP 5xx/429, timeouts.
            SiiBadAnswer: not JSON, no ``codigo``, a code the SII does not use, other HTTP errors.
            InvalidRut: ``rut_receptor`` is not a RUT.
        """
        rut, dv = split_rut(account.rut_emisor)
        receptor = split_rut(rut_receptor)
        url = f"{self.urls.boleta_api}{ep.BOLETA_DOCUMENTO}/{rut}-{dv}-{tipo}-{folio}/estado"
        params = {"rut_receptor": receptor[0], "dv_receptor": receptor[1], "monto": str(monto),
                  "fechaEmision": fecha_emision.strftime("%d-%m-%Y")}
        what = f"estado de la boleta {tipo} N° {folio}"

        async def call(token: str) -> DocumentStatus:
            try:
                answer = await self._call("GET", url, what, params=params,
                                          headers={"Cookie": f"TOKEN={token}", "Accept": "application/json"})
            except SiiBadAnswer as exc:
                if exc.code != "404":
                    raise
                return DocumentStatus("FAU", DOCUMENT_STATES["FAU"], "404", "el SII no encuentra la boleta")
            return _boleta_document(_json(answer.content, what), what)

        return await self._authed(account, "boleta", call)

    # -- HTTP --

    async def _soap(self, path: str, operation: str, body: bytes, *, token: str | None = None) -> etree._Element:
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}
        if token is not None:
            headers["Cookie"] = f"TOKEN={token}"
        answer = await self._call("POST", self.urls.dte + path, f"{operation} (SOAP)", content=body, headers=headers,
                                  soap_operation=operation)
        return soap.read_response(answer.content, operation)

    async def _call(self, method: str, url: str, what: str, *, soap_operation: str | None = None,
                    **kwargs: Any) -> _Answer:
        """One HTTP exchange, its body read up to :data:`soap.MAX_ANSWER_BYTES`; HTTP errors mapped to SiiErrors."""
        try:
            async with self.http.stream(method, url, **kwargs) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > soap.MAX_ANSWER_BYTES:
                        raise SiiBadAnswer(f"la respuesta del SII es demasiado grande ({what})")
                answer = _Answer(response.status_code, response.headers, bytes(body))
        except httpx.TimeoutException:
            raise SiiUnavailable(f"el SII no respondió a tiempo ({what})") from None
        except httpx.TransportError as exc:
            raise SiiUnavailable(f"no se pudo conectar con el SII ({what}): {_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise SiiBadAnswer(f"respuesta ilegible del SII ({what}): {_reason(exc)}") from None
        status = answer.status
        if status == 200:
            return answer
        if status in (401, 403):
            raise _Unauthenticated(f"HTTP {status}")
        wait = retry_after(answer.headers)
        if status == 500 and soap_operation is not None and b"Fault" in answer.content:
            with contextlib.suppress(SiiBadAnswer):  # a SOAP Fault raises SiiUnavailable with its faultstring
                soap.read_response(answer.content, soap_operation)
        if status in RATE_LIMITED or status >= 500:
            busy = "está ocupado" if status in (405, 429) else "no está disponible"
            after = f"; reintentar en {int(wait.total_seconds())} s" if wait is not None else ""
            raise SiiUnavailable(f"el SII {busy} (HTTP {status}, {what}{after})", retry_after=wait, code=str(status))
        raise SiiBadAnswer(f"el SII respondió HTTP {status} ({what})", code=str(status))


# --- parsing ------------------------------------------------------------------------------------------------------


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}{': ' + str(exc) if str(exc) else ''}"[:200]


def _short(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)[:120]


def _negative(estado: str) -> bool:
    return estado.startswith("-") and estado[1:].isdigit()


def _glosa(answer: etree._Element) -> str:
    return soap.first(answer, "GLOSA") or soap.first(answer, "GLOSA_ERR") or soap.first(answer, "GLOSA_ESTADO") or ""


def _respuesta(data: bytes, what: str) -> etree._Element:
    answer = soap.parse_answer(data, what)
    if xmlcore.localname(answer) != "RESPUESTA":
        raise SiiBadAnswer(f"la respuesta del SII no es SII:RESPUESTA ({what})")
    return answer


def _seed(answer: etree._Element, what: str) -> str:
    estado, seed = soap.first(answer, "ESTADO"), soap.first(answer, "SEMILLA")
    if estado != "00":
        raise SiiUnavailable(f"el SII no entregó la semilla ({what}: ESTADO {estado}: {_glosa(answer)})", code=estado)
    if not seed or not seed.isdigit():
        raise SiiBadAnswer(f"la semilla del SII no es un número ({what}): {seed!r}")
    return seed


def _token(answer: etree._Element, account: Account) -> str:
    estado, token = soap.first(answer, "ESTADO"), soap.first(answer, "TOKEN")
    if estado != "00" or not token:
        raise SiiAuthError(f"el SII no entregó el token de autenticación (ESTADO {estado}: {_glosa(answer)}); revise "
                           f"que el certificado digital de {account.sender} esté vigente y autorizado en el SII",
                           code=estado)
    if not token.isalnum() or len(token) > 200:
        raise SiiBadAnswer(f"el token del SII tiene un formato inesperado: {token[:40]!r}")
    return token


def _recepcion(data: bytes, names: dict[str, str]) -> Receipt:
    root = soap.parse_answer(data, "envío por DTEUpload")
    if xmlcore.localname(root) != "RECEPCIONDTE":
        raise SiiBadAnswer("la respuesta de DTEUpload no es RECEPCIONDTE (¿falta 'PROG 1.0' en el User-Agent?)")
    status_text = (xmlcore.text(root, "STATUS") or "").strip()
    track = (xmlcore.text(root, "TRACKID") or "").strip() or None
    detail = xmlcore.child(root, "DETAIL")
    details = [" ".join((e.text or "").split()) for e in (detail if detail is not None else [])
               if isinstance(e.tag, str)]
    if not status_text.lstrip("-").isdigit():
        raise SiiBadAnswer(f"la respuesta de DTEUpload no trae STATUS: {status_text!r}")
    status = int(status_text)
    if status in (0, 99):
        if status == 0 and track is None:
            raise SiiBadAnswer("DTEUpload respondió STATUS 0 sin TRACKID")
        if track is not None and not track.isdigit():
            raise SiiBadAnswer(f"DTEUpload respondió un TRACKID inválido: {track!r}")
        return Receipt(track, "REC", already_received=status == 99)
    text = UPLOAD_STATUS.get(status, "el SII respondió STATUS {status} (desconocido)").format(status=status, **names)
    message = f"{text} (STATUS {status})" + (": " + "; ".join(details)[:500] if details else "")
    if status == 5:
        raise _Unauthenticated(message)
    if status in FILE_REJECTED:
        raise SiiFileRejected(message, code=str(status))
    if status in NOT_AUTHORISED:
        raise SiiAuthError(message, code=str(status))
    if status == 9:
        raise SiiUnavailable(message, code=str(status))
    raise SiiBadAnswer(message, code=str(status))


def _int_field(value: object) -> int:
    try:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError
        return int(value)
    except ValueError:
        raise SiiBadAnswer(f"se esperaba un número en la respuesta del SII, no {value!r}") from None


def _est_up(answer: etree._Element, track_id: str) -> EnvioStatus:
    header = dict(soap.fields(answer, "RESP_HDR"))
    estado = header.get("ESTADO", "").strip()
    if estado in ("0", "00"):  # some answers carry "query OK" in the header and the envío's state in the body
        body = dict(soap.fields(answer, "RESP_BODY"))
        estado, header = body.get("ESTADO", estado).strip(), {**header, "GLOSA": body.get("GLOSA", "")}
    if estado in TOKEN_ERRORS:
        raise _Unauthenticated(f"ESTADO {estado}")
    glosa = header.get("GLOSA", "") or ESTADOS.get(estado, "")
    if not estado:
        raise SiiBadAnswer(f"el estado del envío {track_id} no trae ESTADO")
    if _negative(estado) or estado.isdigit():
        extra = " ".join(f"{k} {header[k]}" for k in ("ERR_CODE", "SQL_CODE", "SRV_CODE") if header.get(k))
        raise SiiUnavailable(f"el SII no pudo informar el estado del envío {track_id} (ESTADO {estado}"
                             f"{': ' + glosa if glosa else ''}{' — ' + extra if extra else ''})", code=estado)
    counts: list[TypeCount] = []
    current: dict[str, int] = {}
    for key, value in soap.fields(answer, "RESP_BODY"):
        if key == "TIPO_DOCTO":
            if current:
                counts.append(_count(current))
            current = {"TIPO_DOCTO": _int_field(value)}
        elif key in ("INFORMADOS", "ACEPTADOS", "RECHAZADOS", "REPAROS") and current:
            current[key] = _int_field(value)
    if current:
        counts.append(_count(current))
    return EnvioStatus(track_id, estado, glosa, _phase(estado), tuple(counts))


def _count(values: dict[str, int]) -> TypeCount:
    return TypeCount(values["TIPO_DOCTO"], values.get("INFORMADOS", 0), values.get("ACEPTADOS", 0),
                     values.get("RECHAZADOS", 0), values.get("REPAROS", 0))


def _json(data: bytes, what: str) -> dict[str, Any]:
    if len(data) > soap.MAX_ANSWER_BYTES:
        raise SiiBadAnswer(f"la respuesta del SII es demasiado grande ({what})")
    try:
        value = json.loads(data.decode("utf-8") if data[:3] != b"\xef\xbb\xbf" else data[3:].decode("utf-8"))
    except UnicodeDecodeError:
        try:
            value = json.loads(data.decode("iso-8859-1"))
        except ValueError:
            value = None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        text = " ".join(data.decode("utf-8", "replace").split())[:80]
        raise SiiBadAnswer(f"el SII respondió algo que no es el JSON esperado ({what}): {text!r}")
    return value


def _boleta_status(data: dict[str, Any], track_id: str) -> EnvioStatus:
    estado = data.get("estado")
    if not isinstance(estado, str) or not estado.strip():
        raise SiiBadAnswer(f"el estado del envío de boletas {track_id} no trae 'estado': {_short(data)}")
    estado = estado.strip().upper()
    counts_raw, details_raw = data.get("estadistica") or [], data.get("detalle_rep_rech") or []
    if not isinstance(counts_raw, list) or not isinstance(details_raw, list):
        raise SiiBadAnswer(f"el estado del envío de boletas {track_id} no tiene la forma esperada: {_short(data)}")
    counts, details = [], []
    for item in counts_raw:
        if not isinstance(item, dict):
            raise SiiBadAnswer(f"estadística ilegible en el estado del envío {track_id}: {_short(item)}")
        counts.append(TypeCount(_int_field(item.get("tipo")), _int_field(item.get("informados", 0)),
                                _int_field(item.get("aceptados", 0)), _int_field(item.get("rechazados", 0)),
                                _int_field(item.get("reparos", 0))))
    for item in details_raw:
        if not isinstance(item, dict) or "folio" not in item:
            raise SiiBadAnswer(f"detalle ilegible en el estado del envío {track_id}: {_short(item)}")
        errors = item.get("error") or []
        parts = [str(item.get("descripcion") or "").strip()]
        for err in errors if isinstance(errors, list) else []:
            if isinstance(err, dict):
                text = str(err.get("descripcion") or "").strip()
                extra = str(err.get("detalle") or "").strip()
                parts.append(f"{text} ({extra})" if extra else text)
        reason = "; ".join(p for p in parts if p)
        details.append(DocumentDetail(_int_field(item.get("tipo", 0)), _int_field(item["folio"]),
                                      str(item.get("estado") or "RCH").strip().upper(), reason))
    glosa = str(data.get("glosa") or "") or ESTADOS.get(estado, "")
    return EnvioStatus(track_id, estado, glosa, _phase(estado), tuple(counts), tuple(details))


def _boleta_document(data: dict[str, Any], what: str) -> DocumentStatus:
    """One boleta's ``{"codigo": …, "descripcion": …}`` (the boleta API's per-document state)."""
    codigo = data.get("codigo")
    if isinstance(codigo, int) and not isinstance(codigo, bool):
        codigo = str(codigo)
    if not isinstance(codigo, str) or not codigo.strip():
        raise SiiBadAnswer(f"el {what} no trae 'codigo': {_short(data)}")
    codigo = codigo.strip().upper()
    descripcion = data.get("descripcion")
    text = " ".join(descripcion.split())[:500] if isinstance(descripcion, str) else ""
    if _negative(codigo):
        raise SiiUnavailable(f"el SII no pudo informar el {what} (código {codigo}{': ' + text if text else ''})",
                             code=codigo)
    if codigo not in DOCUMENT_STATES and codigo not in ESTADOS:
        raise SiiBadAnswer(f"el SII respondió un código desconocido para el {what}: {codigo[:20]!r}")
    return DocumentStatus(codigo, DOCUMENT_STATES.get(codigo) or ESTADOS.get(codigo, ""), "", text)


__all__ = ["Account", "DocumentDetail", "DocumentStatus", "EnvioStatus", "Receipt", "SiiClient", "SiiError",
           "TypeCount", "retry_after", "signed_seed", "split_rut"]
