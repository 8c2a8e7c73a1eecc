"""The SII's web services client (httpx, async): tokens per tenant and service, uploads and status queries for
DTEs, boletas and the RVD, HTTP errors mapped to :class:`~syncserver.sii.ws.errors.SiiError`; the answers are read by
:mod:`syncserver.sii.ws.answers`. Protocol, authentication and throttling: docs/architecture.md §6 ("The SII's web
services").
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeVar

import httpx
from cryptography.hazmat.primitives import hashes
from lxml import etree

from shared import clock as clock_mod
from shared import rut as rut_mod
from shared.dte import signature, xmlcore
from syncserver.sii.ws import answers, soap
from syncserver.sii.ws import endpoints as ep
from syncserver.sii.ws.answers import DocumentDetail, DocumentStatus, EnvioStatus, Receipt, TypeCount, Unauthenticated
from syncserver.sii.ws.errors import SiiAuthError, SiiBadAnswer, SiiError, SiiUnavailable

T = TypeVar("T")

MAX_RETRY_AFTER: Final = timedelta(days=1)
RATE_LIMITED: Final = frozenset({405, 429, 503})


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


def retry_after(headers: httpx.Headers, now: datetime | None = None,
                clock: clock_mod.Clock = clock_mod.utc_clock) -> timedelta | None:
    """``Retry-After`` or ``X-Retry-After`` as seconds or an HTTP date (at most a day, counted from ``now``, default
    ``clock()``); None when absent/unreadable."""
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
    now = clock() if now is None else now
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)


# --- the account and the client -----------------------------------------------------------------------------------


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
        clock: the time an HTTP-date ``Retry-After`` is counted from.
    """

    http: httpx.AsyncClient
    urls: ep.Endpoints
    token_max_age: timedelta = timedelta(minutes=5)
    clock: clock_mod.Clock = clock_mod.utc_clock
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
        except Unauthenticated as exc:  # the seed or token service itself says 401
            raise SiiAuthError(f"el SII no permite pedir el token ({exc}); revise el certificado digital de"
                               f" {account.sender}") from None
        self._tokens[key] = _Token(value, time.monotonic(), fingerprint)
        return value

    async def _dte_token(self, account: Account) -> str:
        seed_answer = await self._soap(ep.CR_SEED, "getSeed", soap.request("getSeed"))
        seed = answers.seed(seed_answer, "getSeed")
        request = soap.request("getToken", [("pszXml", signed_seed(seed, account.signer).decode("iso-8859-1"))])
        return answers.token(await self._soap(ep.GET_TOKEN, "getToken", request), account.sender)

    async def _boleta_token(self, account: Account) -> str:
        answer = await self._call("GET", self.urls.boleta_api + ep.BOLETA_SEED, "semilla de boletas",
                                  headers={"Accept": "application/xml"})
        seed = answers.seed(answers.respuesta(answer.content, "semilla de boletas"), "semilla de boletas")
        answer = await self._call("POST", self.urls.boleta_api + ep.BOLETA_TOKEN, "token de boletas",
                                  content=signed_seed(seed, account.signer),
                                  headers={"Content-Type": "application/xml", "Accept": "application/xml"})
        return answers.token(answers.respuesta(answer.content, "token de boletas"), account.sender)

    async def _authed(self, account: Account, service: str, call: Callable[[str], Awaitable[T]]) -> T:
        try:
            return await call(await self.token(account, service))
        except Unauthenticated:
            pass
        try:
            return await call(await self.token(account, service, renew=True))
        except Unauthenticated as exc:
            raise SiiAuthError(f"el SII no acepta la sesión ni con un token nuevo ({exc}); revise el certificado "
                               f"digital y los permisos de {account.sender} en el SII") from None

    async def authed(self, account: Account, service: str, call: Callable[[str], Awaitable[T]]) -> T:
        """``call(token)`` with the cached token of ``service``, once more with a new token when the SII says the
        session is gone (for services in other modules, e.g. :mod:`syncserver.sii.ws.reclamos`).

        Raises:
            SiiAuthError: refused even with a new token.
        """
        return await self._authed(account, service, call)

    async def call(self, method: str, url: str, what: str, **kwargs: Any) -> _Answer:
        """One HTTP exchange with the SII (``status``, ``headers``, ``content``), errors mapped as every call's."""
        return await self._call(method, url, what, **kwargs)

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
            return answers.recepcion(answer.content, names)

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
            return answers.est_up(answer, track_id)

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
            return answers.est_dte(answer, tipo, folio)

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
            data = answers.json_object(answer.content, "envío de boletas")
            track, estado = data.get("trackid"), data.get("estado")
            if track in (None, "") and str(estado).strip() == "99":  # the identical file, already received
                return Receipt(None, "REC", already_received=True)
            if not isinstance(track, (int, str)) or not str(track).strip().isdigit():
                raise SiiBadAnswer(f"el SII no entregó un track id para el envío de boletas: {answers.short(data)}")
            return Receipt(str(track).strip(), str(estado or "REC"))

        return await self._authed(account, "boleta", call)

    async def boleta_status(self, account: Account, track_id: str) -> EnvioStatus:
        """The state of an EnvioBOLETA, with the rejected documents and reparos (``detalle_rep_rech``)."""
        rut, dv = split_rut(account.rut_emisor)
        url = f"{self.urls.boleta_api}{ep.BOLETA_ENVIO}/{rut}-{dv}-{track_id}"

        async def call(token: str) -> EnvioStatus:
            answer = await self._call("GET", url, "estado del envío de boletas",
                                      headers={"Cookie": f"TOKEN={token}", "Accept": "application/json"})
            return answers.boleta_status(answers.json_object(answer.content, "estado del envío de boletas"), track_id)

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
                return DocumentStatus("FAU", answers.DOCUMENT_STATES["FAU"], "404", "el SII no encuentra la boleta")
            return answers.boleta_document(answers.json_object(answer.content, what), what)

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
            raise Unauthenticated(f"HTTP {status}")
        wait = retry_after(answer.headers, clock=self.clock)
        if status == 500 and soap_operation is not None and b"Fault" in answer.content:
            with contextlib.suppress(SiiBadAnswer):  # a SOAP Fault raises SiiUnavailable with its faultstring
                soap.read_response(answer.content, soap_operation)
        if status in RATE_LIMITED or status >= 500:
            busy = "está ocupado" if status in (405, 429) else "no está disponible"
            after = f"; reintentar en {int(wait.total_seconds())} s" if wait is not None else ""
            raise SiiUnavailable(f"el SII {busy} (HTTP {status}, {what}{after})", retry_after=wait, code=str(status))
        raise SiiBadAnswer(f"el SII respondió HTTP {status} ({what})", code=str(status))


# --- helpers ------------------------------------------------------------------------------------------------------


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}{': ' + str(exc) if str(exc) else ''}"[:200]


__all__ = ["Account", "DocumentDetail", "DocumentStatus", "EnvioStatus", "Receipt", "SiiClient", "SiiError",
           "TypeCount", "retry_after", "signed_seed", "split_rut"]
