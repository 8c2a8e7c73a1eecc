"""What the stand-in knows and decides: seeds and tokens, CAFs, received envíos and documents, queued faults.

What it checks on an upload, as the SII does: docs/architecture.md#the-sii-stand-in.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
import string
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from shared import clock as clock_mod
from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import caf as caf_mod
from shared.dte import errors, schema, signature, ted, xmlcore
from shared.dte.verdict import check_totals
from shared.dte.xmlcore import DS_NS
from syncserver.dte import folios, pipeline
from syncserver.sii.ws import endpoints as ep
from syncserver.sii_standin.reclamos import Registro

RUT_SII: Final = "60803000-K"
MAX_UPLOAD: Final = 16 * 1024 * 1024
SEED_TTL: Final = timedelta(minutes=2)
_DS: Final = "{" + DS_NS + "}"
UPLOAD_PATHS: Final = (ep.DTE_UPLOAD, ep.BOLETA_ENVIO)
BOLETAS: Final = (39, 41)

GARBAGE: Final = {
    "html": (b"<html><head><title>SII</title></head><body><h1>Servicio en mantenci&oacute;n</h1>"
             b"<p>Intente m&aacute;s tarde.</p></body></html>", "text/html"),
    "truncated": (b'<?xml version="1.0"?>\n<RECEPCIONDTE><RUTSENDER>1-9</RUTSENDER><STATUS>0</STA', "text/xml"),
    "json": (b'{"resultado": "ok", "mensaje": "sin datos"}', "application/json"),
    "hostile": (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;&a;&a;</x>', "text/xml"),
}
"""Bodies :meth:`StandIn.inject_garbage` can answer with (or any bytes given)."""


class UploadRefused(Exception):
    """DTEUpload answers this STATUS at once (with ``errors`` in DETAIL)."""

    def __init__(self, status: int, errors: list[str]) -> None:
        super().__init__(f"STATUS {status}")
        self.status = status
        self.errors = errors


@dataclass
class Fault:
    """One queued fault: ``status`` (an HTTP error with an optional retry header), ``delay`` (the request is
    processed, its answer sent only after ``seconds``: the client times out with the work done, as when an answer
    is lost), ``garbage`` (``body`` instead of the answer) or ``no_track`` (an upload, and only an upload, is
    received as usual but answered "already received" without a track id). ``path``: only requests whose path
    contains it."""

    kind: str
    path: str = ""
    status: int = 503
    retry_after: int | None = None
    header: str = "Retry-After"
    seconds: float = 0.0
    body: bytes = b""
    content_type: str = "text/html"


@dataclass
class Token:
    service: str
    holder: str | None
    issued: datetime


@dataclass
class Verdict:
    """The stand-in's verdict on one document of an envío: ``estado`` ACEPTADO, REPARO or RECHAZADO."""

    tipo: int
    folio: int
    estado: str
    reason: str = ""


@dataclass
class Envio:
    track_id: str
    kind: str
    rut_company: str
    rut_sender: str
    received: datetime
    estado: str
    glosa: str
    documents: list[Verdict] = field(default_factory=list)
    polls: int = 0


@dataclass
class Registered:
    """A document the SII now has (accepted, possibly with reparos) or refused: what QueryEstDte answers from."""

    digest: bytes
    rut_receptor: str
    fecha: str
    monto: int
    verdict: Verdict


@dataclass
class StandIn:
    """The stand-in's state (see the module doc). Tests reach in: register CAFs, queue faults, move the clock.

    ``clock`` gives "now" for seeds, tokens and outages (:meth:`at` freezes it), ``token_ttl`` is how long a token
    lives, ``pending_polls`` how many status queries of an envío are answered "en proceso" before its verdict.
    """

    keys: dict[int, rsa.RSAPublicKey] = field(default_factory=lambda: dict(folios.sii_keys()))
    cafs: list[caf_mod.Caf] = field(default_factory=list)
    clock: clock_mod.Clock = clock_mod.utc_clock
    token_ttl: timedelta = timedelta(minutes=30)
    pending_polls: int = 0
    outage_until: datetime | None = None
    faults: deque[Fault] = field(default_factory=deque)
    seeds: dict[str, datetime] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    envios: dict[str, Envio] = field(default_factory=dict)
    by_body: dict[tuple[str, str, bytes], str] = field(default_factory=dict)
    """(service, company, file) -> track id: the identical file again is "already received"."""
    documents: dict[tuple[str, int, int], Registered] = field(default_factory=dict)
    injected: dict[tuple[int, int], Verdict] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    """Every file uploaded with a valid token, as received (tests compare retries byte for byte)."""
    requests: list[str] = field(default_factory=list)
    """``METHOD path`` of every request (after faults), in order."""
    reclamos: Registro = field(default_factory=Registro)
    """The Registro de Reclamos: supplier documents received for a buyer and the buyer's answers."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    # -- set-up and faults --

    def now(self) -> datetime:
        return self.clock()

    def at(self, when: datetime) -> None:
        """Freeze the stand-in's clock at ``when`` (tests drive it with the forwarder's ``now``)."""
        self.clock = lambda: when

    @property
    def uploads(self) -> int:
        return len(self.bodies)

    def register_caf(self, data: bytes) -> caf_mod.Caf:
        """A CAF the SII has granted (verified with ``keys``)."""
        caf = caf_mod.parse_caf(data)
        caf_mod.verify_caf(caf, self.keys)
        self.cafs.append(caf)
        return caf

    def inject(self, status: int, *, retry_after: int | None = None, times: int = 1, path: str = "",
               header: str = "Retry-After") -> None:
        """The next ``times`` requests (whose path contains ``path``) answer HTTP ``status``, with ``header:
        retry_after`` when given (``X-Retry-After`` as the boleta API may use)."""
        self.faults.extend(Fault("status", path, status, retry_after, header) for _ in range(times))

    def inject_delay(self, seconds: float, *, times: int = 1, path: str = "") -> None:
        """The next ``times`` requests are processed at once but answered only after ``seconds``."""
        self.faults.extend(Fault("delay", path, seconds=seconds) for _ in range(times))

    def inject_garbage(self, body: bytes | str = "html", *, times: int = 1, path: str = "",
                       content_type: str = "text/html") -> None:
        """The next ``times`` requests get ``body`` (a :data:`GARBAGE` name or bytes) with HTTP 200."""
        if isinstance(body, str):
            body, content_type = GARBAGE[body]
        self.faults.extend(Fault("garbage", path, body=body, content_type=content_type) for _ in range(times))

    def inject_no_track(self, *, times: int = 1) -> None:
        """The next ``times`` uploads are received as usual (an identical file is still the first one's envío) but
        answered "already received" without a track id: DTEUpload STATUS 99 without TRACKID, the boleta API
        ``estado`` 99 without ``trackid``. Other requests leave these faults queued."""
        self.faults.extend(Fault("no_track") for _ in range(times))

    def reject(self, tipo: int, folio: int, reason: str) -> None:
        """The document ``tipo``/``folio`` will be rejected with ``reason`` (whatever else it is)."""
        self.injected[(tipo, folio)] = Verdict(tipo, folio, "RECHAZADO", reason)

    def object(self, tipo: int, folio: int, reason: str) -> None:
        """The document ``tipo``/``folio`` will be accepted with reparos (``reason``) if nothing else is wrong."""
        self.injected[(tipo, folio)] = Verdict(tipo, folio, "REPARO", reason)

    def take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path in path and (fault.kind != "no_track" or path in UPLOAD_PATHS):
                self.faults.remove(fault)
                return fault
        return None

    def in_outage(self) -> bool:
        return self.outage_until is not None and self.now() < self.outage_until

    # -- authentication --

    def issue_seed(self) -> str:
        seed = f"{secrets.randbelow(10**12):012d}"
        self.seeds[seed] = self.now()
        return seed

    def issue_token(self, signed: bytes | str, service: str) -> tuple[str, str, str]:
        """Check a signed getToken request; ``(ESTADO, GLOSA, TOKEN)`` (TOKEN empty unless ESTADO is 00).

        Stand-in ESTADO codes: 00 token creado; 08 solicitud ilegible; 10 semilla inexistente, usada o vencida;
        11 firma inválida o ausente; 12 certificado no vigente.
        """
        data = signed.encode("utf-8") if isinstance(signed, str) else signed
        if isinstance(signed, str):
            data = data.replace(b'encoding="ISO-8859-1"', b'encoding="UTF-8"', 1)
        try:
            root = xmlcore.parse(data, max_bytes=64 * 1024)
        except errors.XmlError as exc:
            return "08", f"Error: solicitud ilegible ({exc})", ""
        seed = (xmlcore.text(root, "item/Semilla") or "").strip()
        if xmlcore.localname(root) != "getToken" or not seed:
            return "08", "Error: la solicitud no es getToken/item/Semilla", ""
        sigs = list(root.iter(_DS + "Signature"))
        if len(sigs) != 1 or sigs[0].getparent() is not root:
            return "11", "Error: la solicitud debe traer una firma (Signature) del documento completo", ""
        check = signature.verify_signature(sigs[0])
        if not check.valid or check.reference != "":
            return "11", f"Error: firma no válida ({check.reason or 'no firma el documento completo'})", ""
        cert_text = sigs[0].findtext(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")
        if not cert_text:
            return "11", "Error: la firma no trae el certificado (X509Certificate)", ""
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode("".join(cert_text.split())))
        except (ValueError, binascii.Error):
            return "11", "Error: certificado ilegible", ""
        now = self.now()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return "12", "Error: el certificado digital no está vigente", ""
        issued = self.seeds.pop(seed, None)
        if issued is None or now - issued > SEED_TTL:
            return "10", "Error: semilla inexistente, ya usada o vencida", ""
        token = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(13))
        self.tokens[token] = Token(service, signature.certificate_rut(cert), now)
        return "00", "Token Creado", token

    def token_state(self, token: str | None, service: str) -> str:
        """``ok``, ``missing`` (unknown token or of another service) or ``expired``."""
        entry = self.tokens.get(token or "")
        if entry is None or entry.service != service:
            return "missing"
        if self.now() - entry.issued > self.token_ttl:
            return "expired"
        return "ok"

    def token_holder(self, token: str | None) -> str | None:
        entry = self.tokens.get(token or "")
        return None if entry is None else entry.holder

    # -- uploads --

    def upload(self, data: bytes, *, via: str, sender: str, company: str) -> tuple[Envio, bool]:
        """Receive a file through ``via`` (``dte``: DTEUpload, ``boleta``: REST); ``(envío, already_received)``.

        Raises:
            UploadRefused: (DTEUpload only) STATUS 2 or 7, answered at once without a track id.
        """
        self.bodies.append(data)
        if (via, company, data) in self.by_body:
            return self.envios[self.by_body[(via, company, data)]], True
        if len(data) > MAX_UPLOAD:
            raise UploadRefused(2, [f"el archivo pesa {len(data)} bytes"])
        kinds = ("EnvioDTE", "ConsumoFolios") if via == "dte" else ("EnvioBOLETA",)
        try:
            root = xmlcore.parse(data)
            kind = xmlcore.localname(root)
            if kind not in kinds:
                raise errors.SchemaInvalid([f"<{kind}> no se recibe por este servicio (sí: {', '.join(kinds)})"])
            schema.validate(root, pipeline.XSD_DIR)
        except errors.DteError as exc:
            if via == "dte":
                raise UploadRefused(7, exc.errors if isinstance(exc, errors.SchemaInvalid) else [str(exc)]) from None
            return self._record(data, via, "EnvioBOLETA", sender, company, "RSC",
                                f"Rechazado por error en schema: {exc}"), False
        try:
            signature.require_valid(root)
        except errors.DteError as exc:
            return self._record(data, via, kind, sender, company, "RFR", f"Rechazado por error en firma: {exc}"), False
        problem = self._caratula(root, kind, sender, company)
        if problem:
            return self._record(data, via, kind, sender, company, "RCT",
                                f"Rechazado por error en carátula: {problem}"), False
        envio = self._record(data, via, kind, sender, company, "EPR", "Envio Procesado")
        if kind != "ConsumoFolios":
            envio.documents = [self._document(dte, company, envio.track_id)
                               for dte in root.iter("{" + xmlcore.SII_NS + "}DTE")]
        return envio, False

    def _record(self, data: bytes, via: str, kind: str, sender: str, company: str, estado: str, glosa: str) -> Envio:
        envio = Envio(str(next(self._ids)), kind, company, sender, self.now(), estado, glosa[:500])
        self.envios[envio.track_id] = envio
        self.by_body[(via, company, data)] = envio.track_id
        return envio

    @staticmethod
    def _caratula(root: etree._Element, kind: str, sender: str, company: str) -> str:
        parent = xmlcore.child(root, "DocumentoConsumoFolios" if kind == "ConsumoFolios" else "SetDTE")
        car = None if parent is None else xmlcore.child(parent, "Caratula")
        if car is None:
            return "falta la Carátula"
        problems = []
        if _rut(xmlcore.text(car, "RutEmisor")) != company:
            problems.append(f"RutEmisor {xmlcore.text(car, 'RutEmisor')} distinto de la empresa del envío {company}")
        if _rut(xmlcore.text(car, "RutEnvia")) != sender:
            problems.append(f"RUT envía {xmlcore.text(car, 'RutEnvia')} diferente al Upload ({sender})")
        if kind != "ConsumoFolios" and _rut(xmlcore.text(car, "RutReceptor")) != RUT_SII:
            problems.append(f"RutReceptor {xmlcore.text(car, 'RutReceptor')} no es el del SII ({RUT_SII})")
        return "; ".join(problems)

    def _caf_for(self, rut: str, tipo: int, folio: int) -> caf_mod.Caf | None:
        return next((c for c in self.cafs if c.rut_emisor == rut and c.tipo_dte == tipo and c.contains(folio)), None)

    def _document(self, dte: etree._Element, company: str, track_id: str) -> Verdict:
        documento = xmlcore.child(dte, "Documento")
        enc = None if documento is None else xmlcore.child(documento, "Encabezado")

        def get(path: str) -> str:
            return "" if enc is None else (xmlcore.text(enc, path) or "").strip()

        tipo, folio = _int(get("IdDoc/TipoDTE")), _int(get("IdDoc/Folio"))
        rut, rut_receptor, fecha, monto = _rut(get("Emisor/RUTEmisor")), _rut(get("Receptor/RUTRecep")), \
            get("IdDoc/FchEmis"), _int(get("Totales/MntTotal"))

        def rejected(reason: str) -> Verdict:
            verdict = Verdict(tipo, folio, "RECHAZADO", reason)
            key = (rut, tipo, folio)
            if key not in self.documents or self.documents[key].verdict.estado == "RECHAZADO":
                self.documents[key] = Registered(b"", rut_receptor, fecha, monto, verdict)
            return verdict

        if documento is None or enc is None:
            return rejected("DTE sin Documento/Encabezado")
        if rut != company:
            return rejected(f"el emisor {rut} no es la empresa del envío {company}")
        caf = self._caf_for(rut, tipo, folio)
        if caf is None:
            return rejected(f"folio {folio} del tipo {tipo} no está en un CAF autorizado de {rut}")
        try:
            issued_on = date.fromisoformat(fecha)
        except ValueError:
            return rejected(f"fecha de emisión inválida {fecha!r}")
        if caf.expires_on is not None and issued_on >= caf.expires_on:
            return rejected(f"el CAF del folio {folio} venció el {caf.expires_on:%d-%m-%Y}, antes de la emisión")
        timbre = xmlcore.child(documento, "TED")
        if timbre is None:
            return rejected("documento sin timbre electrónico (TED)")
        try:
            data = ted.verify_ted(timbre, caf.public_key)
        except errors.DteError as exc:
            return rejected(f"TED inválido: {exc}")
        mismatch = [name for name, a, b in (("RE", _rut(data.rut_emisor), rut), ("TD", data.tipo_dte, tipo),
                                            ("F", data.folio, folio), ("FE", data.fecha_emision, fecha),
                                            ("RR", _rut(data.rut_receptor), rut_receptor),
                                            ("MNT", data.monto_total, monto)) if a != b]
        if mismatch:
            return rejected(f"el TED no corresponde al documento ({', '.join(mismatch)} distintos)")
        problems = totals_problems(documento, tipo)
        if problems:
            return rejected("totales inconsistentes: " + "; ".join(problems))
        problem = notes_problem(documento, tipo)
        if problem:
            return rejected(problem)
        injected = self.injected.get((tipo, folio))
        if injected is not None and injected.estado == "RECHAZADO":
            return rejected(injected.reason)
        digest = (dte.findtext(f"{_DS}Signature/{_DS}SignatureValue") or "").encode()
        known = self.documents.get((rut, tipo, folio))
        if known is not None and known.verdict.estado != "RECHAZADO" and known.digest != digest:
            return Verdict(tipo, folio, "RECHAZADO", f"folio {folio} del tipo {tipo} ya fue recibido (otro documento)")
        verdict = Verdict(tipo, folio, "REPARO", injected.reason) if injected is not None else \
            Verdict(tipo, folio, "ACEPTADO")
        self.documents[(rut, tipo, folio)] = Registered(digest, rut_receptor, fecha, monto, verdict)
        return verdict

    # -- queries --

    def poll(self, track_id: str, company: str) -> Envio | None:
        """The envío ``track_id`` of ``company`` (counting the query), or None when unknown or of another company."""
        envio = self.envios.get(track_id)
        if envio is None or envio.rut_company != company:
            return None
        envio.polls += 1
        return envio

    def pending(self, envio: Envio) -> bool:
        return envio.polls <= self.pending_polls

    def document_status(self, company: str, tipo: int, folio: int, receptor: str, fecha: date | None,
                        monto: int) -> tuple[str, str, str, str]:
        """QueryEstDte's ``(ESTADO, GLOSA_ESTADO, ERR_CODE, GLOSA_ERR)`` for one document."""
        known = self.documents.get((company, tipo, folio))
        if known is None or known.verdict.estado == "RECHAZADO":
            reason = "" if known is None else f"Rechazado: {known.verdict.reason}"
            return "FAU", "Documento No Recibido por el SII", "3", reason
        if (known.rut_receptor, known.fecha, known.monto) != (receptor, fecha.isoformat() if fecha else "", monto):
            return "DNK", "Documento Recibido por el SII. Datos No Coinciden con los Registrados", "1", ""
        if known.verdict.estado == "REPARO":
            return ("DOK", "Documento Recibido por el SII. Datos Coinciden con los Registrados", "0",
                    f"DTE Aceptado con Reparos: {known.verdict.reason}")
        return "DOK", "Documento Recibido por el SII. Datos Coinciden con los Registrados", "0", "DTE Aceptado"

    def boleta_document_status(self, company: str, tipo: int, folio: int, receptor: str, fecha: date | None,
                               monto: int) -> tuple[str, str] | None:
        """The boleta API's ``(codigo, descripcion)`` for one boleta (39, 41); None when the SII does not have it
        (HTTP 404): DOK accepted, RPR accepted with reparos, RCH rejected (with the reasons), DNK when the
        receptor, date or amount asked do not match."""
        known = self.documents.get((company, tipo, folio)) if tipo in BOLETAS else None
        if known is None:
            return None
        if known.verdict.estado == "RECHAZADO":
            return "RCH", f"DTE Rechazado: {known.verdict.reason}"
        if (known.rut_receptor, known.fecha, known.monto) != (receptor, fecha.isoformat() if fecha else "", monto):
            return "DNK", "Documento Recibido por el SII. Datos No Coinciden con los Registrados"
        if known.verdict.estado == "REPARO":
            return "RPR", f"DTE Aceptado con Reparos: {known.verdict.reason}"
        return "DOK", "Documento Recibido por el SII. Datos Coinciden con los Registrados"


def _int(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return 0


def _rut(value: str | None) -> str:
    try:
        return rut_mod.parse((value or "").strip()).compact
    except pos_errors.InvalidRut:
        return (value or "").strip().upper()


NOTAS: Final = (56, 61)


def notes_problem(documento: etree._Element, tipo: int) -> str:
    """Why a nota de débito or crédito cannot stand (SII Formato DTE, Referencia: a nota names the document it
    modifies and what it does to it, CodRef; a nota de débito annuls only a nota de crédito); empty when it can or
    it is no nota."""
    if tipo not in NOTAS:
        return ""
    refs = [(xmlcore.text(r, "TpoDocRef") or "").strip() + ":" + (xmlcore.text(r, "CodRef") or "").strip()
            for r in documento if isinstance(r.tag, str) and xmlcore.localname(r) == "Referencia"]
    coded = [r for r in refs if not r.endswith(":")]
    if not coded:
        return f"la nota (tipo {tipo}) no referencia con CodRef el documento que modifica"
    if tipo == 56 and any(r.endswith(":1") and r.split(":")[0] not in ("60", "61") for r in coded):
        return "una nota de débito solo anula (CodRef 1) una nota de crédito"
    return ""


def totals_problems(documento: etree._Element, tipo: int) -> list[str]:
    """What does not add up in a document's Totales and lines (empty when consistent), in Spanish: the same check
    as ``almacen dte verify`` (:func:`shared.dte.verdict.check_totals`, which gives the rules)."""
    return list(check_totals(documento, tipo).problems)


def verdict_counts(envio: Envio) -> list[dict[str, Any]]:
    """Per type: informados, aceptados, rechazados, reparos (the SII's ``estadistica`` / getEstUp body)."""
    out: dict[int, dict[str, Any]] = {}
    for doc in envio.documents:
        row = out.setdefault(doc.tipo, {"tipo": doc.tipo, "informados": 0, "aceptados": 0, "rechazados": 0,
                                        "reparos": 0})
        row["informados"] += 1
        row[{"ACEPTADO": "aceptados", "RECHAZADO": "rechazados", "REPARO": "reparos"}[doc.estado]] += 1
    return [out[t] for t in sorted(out)]
