"""The SII's answers read into plain values: upload receipts, envío and document states, seeds and tokens, from
DTEUpload's RECEPCIONDTE, the SOAP queries and the boleta REST API's JSON; the codes and what they mean.
Hostile or unexpected answers raise :class:`~syncserver.sii.ws.errors.SiiBadAnswer` (docs/architecture.md §6).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from shared.dte import xmlcore
from syncserver.sii.ws import soap
from syncserver.sii.ws.errors import SiiAuthError, SiiBadAnswer, SiiFileRejected, SiiUnavailable

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


def phase(estado: str) -> str:
    if estado in PENDING:  # before the "R…" rule: REC (recibido) is still in process, not a rejection
        return "pending"
    if estado in PROCESSED:
        return "processed"
    if estado.startswith("R") or estado == "VOF":
        return "rejected"
    return "pending"


class Unauthenticated(Exception):
    """The SII did not accept the token (renew once)."""


def short(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)[:120]


def negative(estado: str) -> bool:
    return estado.startswith("-") and estado[1:].isdigit()


def glosa(answer: etree._Element) -> str:
    return soap.first(answer, "GLOSA") or soap.first(answer, "GLOSA_ERR") or soap.first(answer, "GLOSA_ESTADO") or ""


def respuesta(data: bytes, what: str) -> etree._Element:
    answer = soap.parse_answer(data, what)
    if xmlcore.localname(answer) != "RESPUESTA":
        raise SiiBadAnswer(f"la respuesta del SII no es SII:RESPUESTA ({what})")
    return answer


def seed(answer: etree._Element, what: str) -> str:
    estado, seed = soap.first(answer, "ESTADO"), soap.first(answer, "SEMILLA")
    if estado != "00":
        raise SiiUnavailable(f"el SII no entregó la semilla ({what}: ESTADO {estado}: {glosa(answer)})", code=estado)
    if not seed or not seed.isdigit():
        raise SiiBadAnswer(f"la semilla del SII no es un número ({what}): {seed!r}")
    return seed


def token(answer: etree._Element, sender: str) -> str:
    estado, token = soap.first(answer, "ESTADO"), soap.first(answer, "TOKEN")
    if estado != "00" or not token:
        raise SiiAuthError(f"el SII no entregó el token de autenticación (ESTADO {estado}: {glosa(answer)}); revise "
                           f"que el certificado digital de {sender} esté vigente y autorizado en el SII",
                           code=estado)
    if not token.isalnum() or len(token) > 200:
        raise SiiBadAnswer(f"el token del SII tiene un formato inesperado: {token[:40]!r}")
    return token


def recepcion(data: bytes, names: dict[str, str]) -> Receipt:
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
        raise Unauthenticated(message)
    if status in FILE_REJECTED:
        raise SiiFileRejected(message, code=str(status))
    if status in NOT_AUTHORISED:
        raise SiiAuthError(message, code=str(status))
    if status == 9:
        raise SiiUnavailable(message, code=str(status))
    raise SiiBadAnswer(message, code=str(status))


def int_field(value: object) -> int:
    try:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError
        return int(value)
    except ValueError:
        raise SiiBadAnswer(f"se esperaba un número en la respuesta del SII, no {value!r}") from None


def est_up(answer: etree._Element, track_id: str) -> EnvioStatus:
    header = dict(soap.fields(answer, "RESP_HDR"))
    estado = header.get("ESTADO", "").strip()
    if estado in ("0", "00"):  # some answers carry "query OK" in the header and the envío's state in the body
        body = dict(soap.fields(answer, "RESP_BODY"))
        estado, header = body.get("ESTADO", estado).strip(), {**header, "GLOSA": body.get("GLOSA", "")}
    if estado in TOKEN_ERRORS:
        raise Unauthenticated(f"ESTADO {estado}")
    glosa = header.get("GLOSA", "") or ESTADOS.get(estado, "")
    if not estado:
        raise SiiBadAnswer(f"el estado del envío {track_id} no trae ESTADO")
    if negative(estado) or estado.isdigit():
        extra = " ".join(f"{k} {header[k]}" for k in ("ERR_CODE", "SQL_CODE", "SRV_CODE") if header.get(k))
        raise SiiUnavailable(f"el SII no pudo informar el estado del envío {track_id} (ESTADO {estado}"
                             f"{': ' + glosa if glosa else ''}{' — ' + extra if extra else ''})", code=estado)
    counts: list[TypeCount] = []
    current: dict[str, int] = {}
    for key, value in soap.fields(answer, "RESP_BODY"):
        if key == "TIPO_DOCTO":
            if current:
                counts.append(count_of(current))
            current = {"TIPO_DOCTO": int_field(value)}
        elif key in ("INFORMADOS", "ACEPTADOS", "RECHAZADOS", "REPAROS") and current:
            current[key] = int_field(value)
    if current:
        counts.append(count_of(current))
    return EnvioStatus(track_id, estado, glosa, phase(estado), tuple(counts))


def count_of(values: dict[str, int]) -> TypeCount:
    return TypeCount(values["TIPO_DOCTO"], values.get("INFORMADOS", 0), values.get("ACEPTADOS", 0),
                     values.get("RECHAZADOS", 0), values.get("REPAROS", 0))


def json_object(data: bytes, what: str) -> dict[str, Any]:
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


def boleta_status(data: dict[str, Any], track_id: str) -> EnvioStatus:
    estado = data.get("estado")
    if not isinstance(estado, str) or not estado.strip():
        raise SiiBadAnswer(f"el estado del envío de boletas {track_id} no trae 'estado': {short(data)}")
    estado = estado.strip().upper()
    counts_raw, details_raw = data.get("estadistica") or [], data.get("detalle_rep_rech") or []
    if not isinstance(counts_raw, list) or not isinstance(details_raw, list):
        raise SiiBadAnswer(f"el estado del envío de boletas {track_id} no tiene la forma esperada: {short(data)}")
    counts, details = [], []
    for item in counts_raw:
        if not isinstance(item, dict):
            raise SiiBadAnswer(f"estadística ilegible en el estado del envío {track_id}: {short(item)}")
        counts.append(TypeCount(int_field(item.get("tipo")), int_field(item.get("informados", 0)),
                                int_field(item.get("aceptados", 0)), int_field(item.get("rechazados", 0)),
                                int_field(item.get("reparos", 0))))
    for item in details_raw:
        if not isinstance(item, dict) or "folio" not in item:
            raise SiiBadAnswer(f"detalle ilegible en el estado del envío {track_id}: {short(item)}")
        errors = item.get("error") or []
        parts = [str(item.get("descripcion") or "").strip()]
        for err in errors if isinstance(errors, list) else []:
            if isinstance(err, dict):
                text = str(err.get("descripcion") or "").strip()
                extra = str(err.get("detalle") or "").strip()
                parts.append(f"{text} ({extra})" if extra else text)
        reason = "; ".join(p for p in parts if p)
        details.append(DocumentDetail(int_field(item.get("tipo", 0)), int_field(item["folio"]),
                                      str(item.get("estado") or "RCH").strip().upper(), reason))
    glosa = str(data.get("glosa") or "") or ESTADOS.get(estado, "")
    return EnvioStatus(track_id, estado, glosa, phase(estado), tuple(counts), tuple(details))


def boleta_document(data: dict[str, Any], what: str) -> DocumentStatus:
    """One boleta's ``{"codigo": …, "descripcion": …}`` (the boleta API's per-document state)."""
    codigo = data.get("codigo")
    if isinstance(codigo, int) and not isinstance(codigo, bool):
        codigo = str(codigo)
    if not isinstance(codigo, str) or not codigo.strip():
        raise SiiBadAnswer(f"el {what} no trae 'codigo': {short(data)}")
    codigo = codigo.strip().upper()
    descripcion = data.get("descripcion")
    text = " ".join(descripcion.split())[:500] if isinstance(descripcion, str) else ""
    if negative(codigo):
        raise SiiUnavailable(f"el SII no pudo informar el {what} (código {codigo}{': ' + text if text else ''})",
                             code=codigo)
    if codigo not in DOCUMENT_STATES and codigo not in ESTADOS:
        raise SiiBadAnswer(f"el SII respondió un código desconocido para el {what}: {codigo[:20]!r}")
    return DocumentStatus(codigo, DOCUMENT_STATES.get(codigo) or ESTADOS.get(codigo, ""), "", text)


def est_dte(answer: etree._Element, tipo: int, folio: int) -> DocumentStatus:
    """getEstDte's answer about document ``tipo``/``folio``.

    Raises:
        Unauthenticated: ESTADO 001-003 (renew the token).
        SiiUnavailable: a negative or empty ESTADO.
    """
    estado = soap.first(answer, "ESTADO") or ""
    if estado in TOKEN_ERRORS:
        raise Unauthenticated(f"ESTADO {estado}")
    if negative(estado) or not estado:
        raise SiiUnavailable(f"el SII no pudo informar el estado del documento {tipo} N° {folio} "
                             f"(ESTADO {estado or 'vacío'}: {glosa(answer)})", code=estado)
    return DocumentStatus(estado, soap.first(answer, "GLOSA_ESTADO") or "",
                          soap.first(answer, "ERR_CODE") or "", soap.first(answer, "GLOSA_ERR") or "")
