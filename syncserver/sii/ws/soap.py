"""The SII's wire formats for XML: SOAP 1.1 envelopes of its Axis ``.jws`` services, the ``SII:RESPUESTA`` answer
they carry, and the ``RECEPCIONDTE`` answer of DTEUpload. Used by the client (reading) and the stand-in (writing).

A ``.jws`` answer is rpc/encoded (sii.md §6; LibreDTE's SiiLazy ConsumeWebserviceJob)::

    <soapenv:Envelope ...><soapenv:Body><ns1:getSeedResponse ...>
      <getSeedReturn xsi:type="xsd:string">&lt;?xml version="1.0" encoding="UTF-8"?&gt;&lt;SII:RESPUESTA
        xmlns:SII="http://www.sii.cl/XMLSchema"&gt;&lt;SII:RESP_BODY&gt;&lt;SEMILLA&gt;038476485018&lt;/SEMILLA&gt;
        ...&lt;SII:RESP_HDR&gt;&lt;ESTADO&gt;00&lt;/ESTADO&gt;...</getSeedReturn>
    </ns1:getSeedResponse></soapenv:Body></soapenv:Envelope>

i.e. the real answer is a second XML document escaped as text. Both layers are parsed only with
:func:`shared.dte.xmlcore.parse` (no DTD, no entities, size-limited): an answer is untrusted input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final
from xml.sax.saxutils import escape

from lxml import etree

from shared.dte import errors as dte_errors
from shared.dte import xmlcore
from syncserver.sii.ws.errors import SiiBadAnswer, SiiUnavailable

SOAP_NS: Final = "http://schemas.xmlsoap.org/soap/envelope/"
SII_SCHEMA_NS: Final = "http://www.sii.cl/XMLSchema"
MAX_ANSWER_BYTES: Final = 2 * 1024 * 1024
"""No SII answer is anywhere near this; a bigger one is refused before parsing."""

_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_S = "{" + SOAP_NS + "}"


def _snippet(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text[:80] + ("…" if len(text) > 80 else "")


def parse_answer(data: bytes, what: str) -> etree._Element:
    """An XML answer of the SII, parsed safely.

    Raises:
        SiiBadAnswer: empty, too big, not XML (an HTML page, a truncated document) or hostile (DTD, entities).
    """
    if not data.strip():
        raise SiiBadAnswer(f"el SII respondió vacío ({what})")
    try:
        return xmlcore.parse(data, max_bytes=MAX_ANSWER_BYTES)
    except dte_errors.HostileXml as exc:
        raise SiiBadAnswer(f"respuesta del SII rechazada por seguridad ({what}): {exc.reason}") from None
    except dte_errors.XmlError:
        raise SiiBadAnswer(f"el SII respondió algo que no es XML válido ({what}): {_snippet(data)!r}") from None


# --- SOAP ---------------------------------------------------------------------------------------------------------


def request(operation: str, params: Sequence[tuple[str, str]] = ()) -> bytes:
    """A SOAP 1.1 request ``<operation><name>value</name>…</operation>`` (values are escaped as text)."""
    root = etree.Element(_S + "Envelope", nsmap={"soapenv": SOAP_NS})
    op = etree.SubElement(etree.SubElement(root, _S + "Body"), operation)
    for name, value in params:
        etree.SubElement(op, name).text = value
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def read_request(data: bytes) -> tuple[str, dict[str, str]]:
    """The operation's local name and its parameters (local name → text) of a SOAP request (for the stand-in).

    Raises:
        SiiBadAnswer: not a SOAP envelope with a Body and an operation.
    """
    root = parse_answer(data, "la solicitud SOAP")
    body = next((c for c in root if isinstance(c.tag, str) and xmlcore.localname(c) == "Body"), None)
    op = None if body is None else next((c for c in body if isinstance(c.tag, str)), None)
    if xmlcore.localname(root) != "Envelope" or op is None:
        raise SiiBadAnswer("la solicitud no es un sobre SOAP con una operación")
    return xmlcore.localname(op), {xmlcore.localname(c): (c.text or "") for c in op if isinstance(c.tag, str)}


def response(operation: str, inner: str) -> bytes:
    """An Axis-style rpc answer whose ``<operationReturn>`` carries ``inner`` (an XML document) as escaped text."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        f'<ns1:{operation}Response soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"'
        ' xmlns:ns1="http://DefaultNamespace">'
        f'<{operation}Return xsi:type="xsd:string">{escape(inner)}</{operation}Return>'
        f"</ns1:{operation}Response></soapenv:Body></soapenv:Envelope>"
    ).encode()


def fault(message: str) -> bytes:
    """A SOAP Fault (what Axis answers, with HTTP 500, when the service fails)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:Server.userException</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


def read_response(data: bytes, operation: str) -> etree._Element:
    """The ``SII:RESPUESTA`` element inside a ``.jws`` answer to ``operation``.

    Raises:
        SiiUnavailable: a SOAP Fault (the service failed on the SII's side).
        SiiBadAnswer: not a SOAP envelope, no ``<operationReturn>``, or its text is not an ``SII:RESPUESTA``.
    """
    what = f"{operation} (SOAP)"
    root = parse_answer(data, what)
    body = next((c for c in root if isinstance(c.tag, str) and xmlcore.localname(c) == "Body"), None)
    if xmlcore.localname(root) != "Envelope" or body is None:
        raise SiiBadAnswer(f"el SII respondió algo que no es un sobre SOAP ({what}): {_snippet(data)!r}")
    for el in body.iter():
        if isinstance(el.tag, str) and xmlcore.localname(el) == "Fault":
            reason = next((c.text or "" for c in el.iter() if isinstance(c.tag, str)
                           and xmlcore.localname(c) == "faultstring"), "")
            raise SiiUnavailable(f"el servicio {operation} del SII falló: {' '.join(reason.split())[:200]}")
    returned = next((el for el in body.iter() if isinstance(el.tag, str)
                     and xmlcore.localname(el) == operation + "Return"), None)
    if returned is None:
        raise SiiBadAnswer(f"la respuesta del SII no trae {operation}Return ({what})")
    inner = _DECL.sub("", returned.text or "", count=1).strip()
    answer = parse_answer(inner.encode("utf-8"), what)
    if xmlcore.localname(answer) != "RESPUESTA":
        raise SiiBadAnswer(f"la respuesta del SII no es SII:RESPUESTA ({what}): {_snippet(inner)!r}")
    return answer


# --- SII:RESPUESTA ----------------------------------------------------------------------------------------------


def respuesta(header: Sequence[tuple[str, str]], body: Sequence[tuple[str, str]] = ()) -> str:
    """An ``SII:RESPUESTA`` document (as the SII writes it: declaration, prefixed RESP_BODY/RESP_HDR)."""
    def part(name: str, fields: Sequence[tuple[str, str]]) -> str:
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
        return f"<SII:{name}>{inner}</SII:{name}>"

    return (f'<?xml version="1.0" encoding="UTF-8"?><SII:RESPUESTA xmlns:SII="{SII_SCHEMA_NS}">'
            f"{part('RESP_BODY', body) if body else ''}{part('RESP_HDR', header)}</SII:RESPUESTA>")


def fields(answer: etree._Element, part: str) -> list[tuple[str, str]]:
    """The ``(name, text)`` children of ``RESP_HDR`` or ``RESP_BODY``, in order (names repeat in getEstUp)."""
    section = xmlcore.child(answer, part)
    if section is None:
        return []
    return [(xmlcore.localname(c), " ".join((c.text or "").split())) for c in section if isinstance(c.tag, str)]


def first(answer: etree._Element, name: str) -> str | None:
    """The first field ``name`` in RESP_HDR, else in RESP_BODY; None when absent."""
    for part in ("RESP_HDR", "RESP_BODY"):
        for key, value in fields(answer, part):
            if key == name:
                return value
    return None


# --- DTEUpload ----------------------------------------------------------------------------------------------------


def recepcion(status: int, *, track_id: str | None = None, rut_sender: str = "", rut_company: str = "",
              filename: str = "", timestamp: str = "", errors: Sequence[str] = ()) -> bytes:
    """A ``RECEPCIONDTE`` answer of DTEUpload (SII envio.pdf §2.2)."""
    parts = [f"<RUTSENDER>{escape(rut_sender)}</RUTSENDER>", f"<RUTCOMPANY>{escape(rut_company)}</RUTCOMPANY>",
             f"<FILE>{escape(filename)}</FILE>", f"<TIMESTAMP>{escape(timestamp)}</TIMESTAMP>",
             f"<STATUS>{status}</STATUS>"]
    if track_id is not None:
        parts.append(f"<TRACKID>{escape(track_id)}</TRACKID>")
    if errors:
        parts.append("<DETAIL>" + "".join(f"<ERROR>{escape(e)}</ERROR>" for e in errors) + "</DETAIL>")
    return ('<?xml version="1.0"?>\n<RECEPCIONDTE>' + "".join(parts) + "</RECEPCIONDTE>").encode("utf-8")
