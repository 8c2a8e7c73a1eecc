"""The SII's «Registro de Reclamos» service (RegistroReclamoDteService, Ley 19.983 and Ley 20.956): a buyer accepts,
acknowledges or claims a supplier's factura within 8 calendar days of the SII's reception. Calls (client side) and
the wire format both sides use (the stand-in writes with the same functions); docs/supplier-answers.md.

A JAX-WS document/literal SOAP service in namespace :data:`NS`, authenticated with the same ``TOKEN`` cookie as the
other DTE services (CrSeed/GetTokenFromSeed). Operations: ``ingresarAceptacionReclamoDoc(rutEmisor, dvEmisor,
tipoDoc, folio, accionDoc)``, ``listarEventosHistDoc(rutEmisor, dvEmisor, tipoDoc, folio)``, both answering a
``respuestaTo`` (``codResp``, ``descResp``, ``listaEventosDoc``), and ``consultarFechaRecepcionSii(...)``, answering
the reception as text ``dd-mm-aaaa hh:mm:ss`` (Chile time). Source: SII, «WS Consulta y Registro de
Aceptación/Reclamo a DTE recibido» v1.2 (2017-08-07), its action and answer code tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from lxml import etree

from shared.dte import xmlcore
from syncserver.sii.ws import soap
from syncserver.sii.ws.client import Account, SiiClient, split_rut
from syncserver.sii.ws.errors import SiiBadAnswer, SiiUnavailable

NS: Final = "http://ws.registroreclamodte.diii.sdi.sii.cl"
CHILE: Final = ZoneInfo("America/Santiago")

ACTIONS: Final = {
    "ACD": "Acepta contenido del documento",
    "ERM": "Otorga recibo de mercaderías o servicios",
    "RCD": "Reclamo al contenido del documento",
    "RFP": "Reclamo por falta parcial de mercaderías",
    "RFT": "Reclamo por falta total de mercaderías",
}
"""``accionDoc``: what the buyer registers (WS v1.2)."""
CLAIMS: Final = frozenset({"RCD", "RFP", "RFT"})
ANSWERABLE_TIPOS: Final = frozenset({33, 34, 43})
"""The documents the register takes (code 3 otherwise): factura, factura exenta, liquidación-factura."""

EVENT_NAMES: Final = {**ACTIONS, "NCA": "Recepción de nota de crédito de anulación que anula documento",
                      "ENC": "Recepción de nota de crédito de anulación que anula documento, emitida fuera de plazo"}

OK: Final = 0
EVENTS_LISTED: Final = 15
NO_EVENTS: Final = 16
INTERNAL_ERROR: Final = -1
CODES: Final = {
    0: "Acción completada OK",
    1: "RUT emisor erróneo",
    2: "Número de folio erróneo",
    3: "Tipo de documento no corresponde (solo 33, 34 y 43)",
    4: "Acción inválida",
    5: "El documento ya está reclamado",
    6: "No se puede acusar recibo de mercaderías de un documento reclamado",
    7: "Evento registrado previamente",
    8: "Pasados 8 días después de la recepción no es posible registrar reclamos o eventos",
    9: "No existen registros de acuerdo a los parámetros ingresados",
    10: "Documento no emitido ni recibido en el SII desde el 14 de enero de 2017",
    11: "No se puede reclamar un documento previamente aceptado",
    12: "No se puede dar por aceptado un documento previamente reclamado",
    13: "No se puede reclamar un documento con recibo de mercaderías registrado",
    14: "Acción autorizada solo para la empresa receptora o emisora",
    15: "Listado de eventos del documento",
    16: "El documento no presenta eventos de reclamo ni acuse de recibo",
    17: "Acción autorizada solo para la empresa receptora",
    18: "El documento no ha sido recibido por el SII",
    19: "Reclamo de mercaderías ya realizado",
    -1: "Error interno del SII: reintente más tarde",
}
"""``codResp`` of ingresarAceptacionReclamoDoc and listarEventosHistDoc (WS v1.2); 0 is the only success of an
action, 15 and 16 of a listing. -1 is transient (raised as :class:`SiiUnavailable`)."""

OPERATIONS: Final = ("ingresarAceptacionReclamoDoc", "listarEventosHistDoc", "consultarFechaRecepcionSii")
_TIME: Final = "%d-%m-%Y %H:%M:%S"


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a document's history: ``code`` (ACD, ERM, RCD, RFP, RFT, NCA, ENC), who registered it
    (``rut``, as ``12345678-5``) and when (``at``, as the SII writes it: ``dd-mm-aaaa hh:mm:ss``, Chile time)."""

    code: str
    description: str
    rut: str
    at: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The SII's ``respuestaTo``: ``code`` (:data:`CODES`), its text and the document's events, if listed."""

    code: int
    message: str
    events: tuple[Event, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == OK


# --- the wire format (both sides) ---------------------------------------------------------------------------------


def request(operation: str, issuer_rut: str, tipo: int, folio: int, action: str | None = None) -> bytes:
    """The SOAP request of ``operation`` about the document ``tipo``/``folio`` of ``issuer_rut`` (any RUT format).

    Raises:
        InvalidRut: ``issuer_rut`` is not a RUT.
    """
    rut, dv = split_rut(issuer_rut)
    params = [("rutEmisor", rut), ("dvEmisor", dv), ("tipoDoc", str(tipo)), ("folio", str(folio))]
    if action is not None:
        params.append(("accionDoc", action))
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in params)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="{soap.SOAP_NS}"'
            f' xmlns:ws="{NS}"><soapenv:Header/><soapenv:Body><ws:{operation}>{body}</ws:{operation}>'
            "</soapenv:Body></soapenv:Envelope>").encode()


def response(operation: str, answer: Answer | str) -> bytes:
    """The SOAP answer of ``operation``: a ``respuestaTo`` (an :class:`Answer`) or, for consultarFechaRecepcionSii,
    the text."""
    if isinstance(answer, str):
        inner = escape(answer)
    else:
        events = "".join(
            f"<listaEventosDoc><codEvento>{escape(e.code)}</codEvento><descEvento>{escape(e.description)}"
            f"</descEvento><rutResponsable>{escape(e.rut.split('-')[0])}</rutResponsable><dvResponsable>"
            f"{escape(e.rut.split('-')[-1])}</dvResponsable><fechaEvento>{escape(e.at)}</fechaEvento>"
            "</listaEventosDoc>" for e in answer.events)
        inner = f"<codResp>{answer.code}</codResp><descResp>{escape(answer.message)}</descResp>{events}"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<S:Envelope xmlns:S="{soap.SOAP_NS}"><S:Body>'
            f'<ns2:{operation}Response xmlns:ns2="{NS}"><return>{inner}</return></ns2:{operation}Response>'
            "</S:Body></S:Envelope>").encode()


def read_request(data: bytes) -> tuple[str, dict[str, str]]:
    """The operation and its parameters of a request (for the stand-in).

    Raises:
        SiiBadAnswer: not a SOAP envelope with an operation.
    """
    return soap.read_request(data)


def _return(data: bytes, operation: str) -> etree._Element:
    what = f"{operation} (Registro de Reclamos)"
    root = soap.parse_answer(data, what)
    body = next((c for c in root if isinstance(c.tag, str) and xmlcore.localname(c) == "Body"), None)
    if xmlcore.localname(root) != "Envelope" or body is None:
        raise SiiBadAnswer(f"el SII respondió algo que no es un sobre SOAP ({what})")
    for el in body.iter():
        if isinstance(el.tag, str) and xmlcore.localname(el) == "Fault":
            reason = next((c.text or "" for c in el.iter() if isinstance(c.tag, str)
                           and xmlcore.localname(c) == "faultstring"), "")
            raise SiiUnavailable(f"el servicio {operation} del SII falló: {' '.join(reason.split())[:200]}")
    wrapper = next((c for c in body if isinstance(c.tag, str)), None)
    if wrapper is None or xmlcore.localname(wrapper) != operation + "Response":
        raise SiiBadAnswer(f"la respuesta del SII no trae {operation}Response ({what})")
    returned = next((c for c in wrapper if isinstance(c.tag, str) and xmlcore.localname(c) == "return"), None)
    if returned is None:
        raise SiiBadAnswer(f"la respuesta del SII no trae return ({what})")
    return returned


def _text(el: etree._Element, name: str) -> str:
    found = next((c for c in el if isinstance(c.tag, str) and xmlcore.localname(c) == name), None)
    return "" if found is None else " ".join((found.text or "").split())


def read_answer(data: bytes, operation: str) -> Answer:
    """The ``respuestaTo`` of an answer to ingresarAceptacionReclamoDoc or listarEventosHistDoc.

    Raises:
        SiiUnavailable: a SOAP Fault, or ``codResp`` -1 (the SII asks to retry later).
        SiiBadAnswer: not the service's answer, or ``codResp`` missing or unknown.
    """
    returned = _return(data, operation)
    raw = _text(returned, "codResp")
    try:
        code = int(raw)
    except ValueError:
        raise SiiBadAnswer(f"el SII no entregó un código de respuesta legible ({operation}): {raw[:40]!r}") from None
    if code not in CODES:
        raise SiiBadAnswer(f"código de respuesta del SII desconocido {code} ({operation})")
    message = _text(returned, "descResp") or CODES[code]
    if code == INTERNAL_ERROR:
        raise SiiUnavailable(f"el Registro de Reclamos del SII no pudo atender ({message}); reintente más tarde")
    events = tuple(
        Event(_text(e, "codEvento"), _text(e, "descEvento"),
              f"{_text(e, 'rutResponsable')}-{_text(e, 'dvResponsable')}", _text(e, "fechaEvento"))
        for e in returned if isinstance(e.tag, str) and xmlcore.localname(e) == "listaEventosDoc")
    return Answer(code, message, events)


def read_reception(data: bytes) -> datetime | None:
    """The SII's reception of the document (aware, Chile time) from consultarFechaRecepcionSii; None when the SII
    answers an empty text (it has not received the document).

    Raises:
        SiiUnavailable: a SOAP Fault. SiiBadAnswer: not the service's answer, or a text that is not a date.
    """
    returned = _return(data, "consultarFechaRecepcionSii")
    value = " ".join((returned.text or "").split())
    if not value:
        return None
    try:
        return datetime.strptime(value, _TIME).replace(tzinfo=CHILE)
    except ValueError:
        raise SiiBadAnswer(f"la fecha de recepción del SII no es legible: {value[:40]!r}") from None


def stamp(when: datetime) -> str:
    """``dd-mm-aaaa hh:mm:ss`` in Chile time, as the service writes dates."""
    return when.astimezone(CHILE).strftime(_TIME)


# --- the calls ----------------------------------------------------------------------------------------------------


async def _call(client: SiiClient, account: Account, operation: str, body: bytes) -> bytes:
    if not client.urls.reclamos:
        raise SiiBadAnswer(f"el ambiente {client.urls.environment} no tiene Registro de Reclamos")

    async def call(token: str) -> bytes:
        answer = await client.call("POST", client.urls.reclamos, f"{operation} (Registro de Reclamos)",
                                   content=body, headers={"Content-Type": "text/xml; charset=UTF-8",
                                                          "SOAPAction": '""', "Cookie": f"TOKEN={token}"})
        return answer.content

    return await client.authed(account, "dte", call)


async def register(client: SiiClient, account: Account, *, issuer_rut: str, tipo: int, folio: int,
                   action: str) -> Answer:
    """ingresarAceptacionReclamoDoc: register ``action`` (:data:`ACTIONS`) on the supplier's document as the buyer
    ``account``. A refusal is an :class:`Answer` with its code (not an exception).

    Raises:
        ValueError: ``action`` is not one of :data:`ACTIONS`.
        InvalidRut: ``issuer_rut`` is not a RUT.
        SiiUnavailable, SiiBadAnswer, SiiAuthError: as any SII call (and ``codResp`` -1: unavailable).
    """
    if action not in ACTIONS:
        raise ValueError(f"acción desconocida {action!r} (válidas: {', '.join(ACTIONS)})")
    operation = "ingresarAceptacionReclamoDoc"
    data = await _call(client, account, operation, request(operation, issuer_rut, tipo, folio, action))
    return read_answer(data, operation)


async def events(client: SiiClient, account: Account, *, issuer_rut: str, tipo: int, folio: int) -> Answer:
    """listarEventosHistDoc: the document's events (code 15 with them, 16 when there are none).

    Raises:
        InvalidRut; SiiUnavailable, SiiBadAnswer, SiiAuthError.
    """
    operation = "listarEventosHistDoc"
    return read_answer(await _call(client, account, operation, request(operation, issuer_rut, tipo, folio)),
                       operation)


async def reception(client: SiiClient, account: Account, *, issuer_rut: str, tipo: int,
                    folio: int) -> datetime | None:
    """consultarFechaRecepcionSii: when the SII received the document (aware), None when it has not.

    Raises:
        InvalidRut; SiiUnavailable, SiiBadAnswer, SiiAuthError.
    """
    operation = "consultarFechaRecepcionSii"
    return read_reception(await _call(client, account, operation, request(operation, issuer_rut, tipo, folio)))


__all__ = ["ACTIONS", "ANSWERABLE_TIPOS", "CLAIMS", "CODES", "Answer", "Event", "events", "read_answer",
           "read_reception", "reception", "register", "request", "response", "stamp"]

