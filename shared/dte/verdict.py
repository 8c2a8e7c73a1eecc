"""The verdict on an SII file as received: a CAF, a single DTE, an EnvioDTE or an EnvioBOLETA (``almacen dte verify``).

Pure: bytes in, a JSON-ready verdict out. For each document it reports the XML signature (digest, SignedInfo,
certificate), the TED (FRMT with the CAF key, and the TED's data against the document's), the CAF's SII signature
(FRMA, by the SII key of its IDK), the schema and the totals; for an envelope also the SetDTE signature and the
envelope's schema. ``ok`` is true only when every signature and every TED verifies (schema and totals are
reported but, as with the SII's own upload check, they are a separate matter: a document can verify and still
be wrong); a tampered, unsigned or re-serialized document fails with the reason. Any encoding the SII uses is
read (ISO-8859-1 declared or not, UTF-8), with or without the SII namespace; hostile XML (DTD, entities,
oversized) is refused by :func:`shared.dte.xmlcore.parse` before anything else happens.
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from shared.dte import caf as caf_mod
from shared.dte import errors, schema, signature, ted, xmlcore
from shared.dte.xmlcore import DS_NS, SII_NS

XSD_DIR: Final = Path(__file__).with_name("data") / "xsd"
SII_CERTS: Final = Path(__file__).with_name("data") / "sii_certs"
_DS: Final = "{" + DS_NS + "}"
ENVELOPES: Final = ("EnvioDTE", "EnvioBOLETA")
BOLETAS: Final = frozenset({39, 41})
EXENTOS: Final = frozenset({34, 41})


@dataclass(slots=True)
class Verdict:
    """What ``almacen dte verify`` prints: ``kind`` of file, ``ok``, ``error`` when the file could not be read
    at all, the envelope's own checks and one entry per document (or the CAF)."""

    kind: str
    ok: bool
    error: str = ""
    envelope: dict[str, Any] = field(default_factory=dict)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "ok": self.ok}
        if self.error:
            out["error"] = self.error
        if self.envelope:
            out["envelope"] = self.envelope
        out["documents"] = self.documents
        return out


def verify(data: bytes, *, sii_keys: Mapping[int, rsa.RSAPublicKey] | None = None,
           xsd_dir: Path | str = XSD_DIR) -> Verdict:
    """The verdict on one file's bytes (never raises for bad input: the reason is in the verdict)."""
    keys = dict(sii_keys) if sii_keys is not None else caf_mod.load_sii_keys(SII_CERTS)
    try:
        root = xmlcore.parse(data)
    except errors.XmlError as exc:
        return Verdict(kind="desconocido", ok=False, error=str(exc))
    kind = xmlcore.localname(root)
    if kind == "AUTORIZACION":
        return _caf_file(data, keys)
    if kind == "DTE":
        doc = _document(root, keys, xsd_dir, data)
        return Verdict(kind="DTE", ok=doc["ok"], documents=[doc])
    if kind in ENVELOPES:
        return _envelope(root, kind, keys, xsd_dir, data)
    return Verdict(kind=kind, ok=False, error=f"<{kind}> no es un CAF, DTE, EnvioDTE ni EnvioBOLETA")


# --- CAF -------------------------------------------------------------------------------------------------------

def _caf_file(data: bytes, keys: Mapping[int, rsa.RSAPublicKey]) -> Verdict:
    try:
        caf = caf_mod.parse_caf(data)
    except errors.DteError as exc:
        return Verdict(kind="CAF", ok=False, error=str(exc))
    check = _check(lambda: caf_mod.verify_caf(caf, keys))
    doc = {"tipo": caf.tipo_dte, "desde": caf.folio_desde, "hasta": caf.folio_hasta, "rut_emisor": caf.rut_emisor,
           "razon_social": caf.razon_social, "fecha_autorizacion": caf.fecha_autorizacion.isoformat(),
           "idk": caf.idk, "ambiente": _ambiente(caf.idk),
           "vence": caf.expires_on.isoformat() if caf.expires_on else None, "caf_signature": check,
           "ok": check["valid"]}
    return Verdict(kind="CAF", ok=check["valid"], documents=[doc])


def _ambiente(idk: int) -> str:
    return {caf_mod.IDK_CERTIFICACION: "certificación", caf_mod.IDK_PRODUCCION: "producción"}.get(idk, "otro")


def _check(action: Any) -> dict[str, Any]:
    try:
        action()
    except errors.DteError as exc:
        return {"valid": False, "reason": str(exc)}
    return {"valid": True, "reason": ""}


# --- envelopes -------------------------------------------------------------------------------------------------

def _envelope(root: etree._Element, kind: str, keys: Mapping[int, rsa.RSAPublicKey], xsd_dir: Path | str,
              source: bytes) -> Verdict:
    set_dte = xmlcore.child(root, "SetDTE")
    if set_dte is None:
        return Verdict(kind=kind, ok=False, error=f"{kind} sin SetDTE")
    set_sig = _own_signature(root)
    set_check = _signature(set_sig, set_dte.get("ID", ""))
    caratula = xmlcore.child(set_dte, "Caratula")
    envelope: dict[str, Any] = {
        "set_id": set_dte.get("ID", ""),
        "rut_emisor": xmlcore.text(caratula, "RutEmisor") if caratula is not None else None,
        "rut_envia": xmlcore.text(caratula, "RutEnvia") if caratula is not None else None,
        "signature": set_check,
        "schema": _schema(root, xsd_dir),
    }
    docs = [_document(dte, keys, xsd_dir, source) for dte in set_dte if isinstance(dte.tag, str)
            and xmlcore.localname(dte) == "DTE"]
    if not docs:
        return Verdict(kind=kind, ok=False, error=f"{kind} sin documentos", envelope=envelope)
    ok = set_check["valid"] and all(d["ok"] for d in docs)
    return Verdict(kind=kind, ok=ok, envelope=envelope, documents=docs)


def _own_signature(el: etree._Element) -> etree._Element | None:
    """The ``Signature`` that is a direct child of ``el`` (the SII puts it last)."""
    for c in el:
        if c.tag == _DS + "Signature":
            return c
    return None


# --- one document ----------------------------------------------------------------------------------------------

def _document(dte: etree._Element, keys: Mapping[int, rsa.RSAPublicKey], xsd_dir: Path | str,
              source: bytes) -> dict[str, Any]:
    documento = next((c for c in dte if isinstance(c.tag, str) and xmlcore.localname(c) in
                      ("Documento", "Exportaciones", "Liquidacion")), None)
    if documento is None:
        return {"ok": False, "error": "DTE sin Documento"}
    enc = xmlcore.child(documento, "Encabezado")
    header = _header(enc)
    sig = _signature(_own_signature(dte), documento.get("ID", ""))
    ted_check, caf_check = _ted(documento, header, keys, source)
    out: dict[str, Any] = {
        "id": documento.get("ID", ""),
        **header,
        "signature": sig,
        "ted": ted_check,
        "caf_signature": caf_check,
        "schema": _schema(dte, xsd_dir),
        "totals": _totals(documento, header),
    }
    out["ok"] = bool(sig["valid"] and ted_check["valid"] and caf_check["valid"])
    return out


def _header(enc: etree._Element | None) -> dict[str, Any]:
    def get(path: str) -> str | None:
        value = None if enc is None else xmlcore.text(enc, path)
        return None if value is None else value.strip()

    return {"tipo": _int(get("IdDoc/TipoDTE")), "folio": _int(get("IdDoc/Folio")),
            "fecha_emision": get("IdDoc/FchEmis"), "rut_emisor": get("Emisor/RUTEmisor"),
            "rut_receptor": get("Receptor/RUTRecep"), "monto_total": _int(get("Totales/MntTotal"))}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _signature(sig: etree._Element | None, expected_id: str) -> dict[str, Any]:
    """The XMLDSig verdict split as a reader needs it: digest, SignedInfo (SignatureValue) and certificate."""
    if sig is None:
        return {"valid": False, "reason": "no está firmado (falta Signature)", "digest": False,
                "signed_info": False, "certificate": None}
    check = signature.verify_signature(sig)
    reason = check.reason
    digest_ok: bool | None = check.valid
    info_ok: bool | None = check.valid
    if not check.valid:
        if "digest" in reason:
            digest_ok, info_ok = False, None
        elif "SignatureValue no corresponde" in reason:
            digest_ok, info_ok = True, False
        elif "KeyInfo" in reason or "certificado" in reason or "KeyValue" in reason or "X509" in reason:
            digest_ok, info_ok = True, None
        else:
            digest_ok, info_ok = None, None
    reference = check.reference
    valid = check.valid
    if valid and expected_id and reference != f"#{expected_id}":
        valid, reason = False, f"la firma referencia {reference!r}, no #{expected_id}"
    return {"valid": valid, "reason": reason, "reference": reference, "c14n": check.c14n, "digest": digest_ok,
            "signed_info": info_ok, "certificate": _certificate(sig)}


def _certificate(sig: etree._Element) -> dict[str, Any] | None:
    text = sig.findtext(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")
    if not text:
        return None
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(text.split()), validate=True))
    except (binascii.Error, ValueError) as exc:
        return {"readable": False, "reason": f"X509Certificate no se puede leer: {exc}"}
    return {"readable": True, "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
            "rut": signature.certificate_rut(cert), "valid_from": cert.not_valid_before_utc.isoformat(),
            "valid_to": cert.not_valid_after_utc.isoformat()}


def _ted(documento: etree._Element, header: dict[str, Any], keys: Mapping[int, rsa.RSAPublicKey],
         source: bytes | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    ted_el = xmlcore.child(documento, "TED")
    if ted_el is None:
        missing = {"valid": False, "reason": "el documento no tiene timbre (TED)"}
        return missing, dict(missing)
    try:
        data = ted.verify_ted(ted_el, source=source)
    except errors.DteError as exc:
        return {"valid": False, "reason": str(exc)}, _caf_in_ted(ted_el, keys)
    mismatches = [name for name, ted_value, doc_value in (
        ("RE", data.rut_emisor, header["rut_emisor"]), ("TD", data.tipo_dte, header["tipo"]),
        ("F", data.folio, header["folio"]), ("FE", data.fecha_emision, header["fecha_emision"]),
        ("MNT", data.monto_total, header["monto_total"]),
        ("RR", data.rut_receptor, header["rut_receptor"]))
        if doc_value is not None and str(ted_value).strip().upper() != str(doc_value).strip().upper()]
    result: dict[str, Any] = {"valid": not mismatches, "reason": "", "folio": data.folio, "tipo": data.tipo_dte,
                              "caf_idk": data.caf_idk, "caf_range": [data.caf_desde, data.caf_hasta],
                              "timestamp": data.timestamp, "signed_form": data.signed_form}
    if mismatches:
        result["reason"] = f"el timbre no corresponde al documento: {', '.join(mismatches)} distintos"
    return result, _caf_in_ted(ted_el, keys)


def _caf_in_ted(ted_el: etree._Element, keys: Mapping[int, rsa.RSAPublicKey]) -> dict[str, Any]:
    dd = xmlcore.child(ted_el, "DD")
    caf_el = None if dd is None else xmlcore.child(dd, "CAF")
    da = None if caf_el is None else xmlcore.child(caf_el, "DA")
    frma_el = None if caf_el is None else xmlcore.child(caf_el, "FRMA")
    if da is None or frma_el is None:
        return {"valid": False, "reason": "el timbre no trae el CAF (DA y FRMA)"}
    try:
        frma = base64.b64decode("".join((frma_el.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return {"valid": False, "reason": "FRMA del CAF no es base64"}
    idk = _int(xmlcore.text(da, "IDK"))
    check = _check(lambda: caf_mod.verify_da(da, frma, keys))
    check["idk"] = idk
    check["ambiente"] = _ambiente(idk or 0)
    return check


# --- schema ----------------------------------------------------------------------------------------------------

def _schema(el: etree._Element, xsd_dir: Path | str) -> dict[str, Any]:
    """Schema check of ``el`` taken out as its own document; a file without the SII namespace is checked with
    it put back (and says so)."""
    alone = copy.deepcopy(el)
    note = ""
    if etree.QName(alone).namespace is None:
        alone = _in_sii_namespace(alone)
        note = "el archivo no usa el espacio de nombres del SII; se validó como si lo usara"
    problems = schema.schema_errors(alone, xsd_dir)
    out: dict[str, Any] = {"valid": not problems, "errors": problems[:20]}
    if note:
        out["note"] = note
    return out


def _in_sii_namespace(el: etree._Element) -> etree._Element:
    """A copy of ``el`` with every element in no namespace moved into the SII's (Signature keeps its own)."""
    nsmap: Any = {None: SII_NS}  # lxml-stubs do not accept the default namespace's None key
    tag = f"{{{SII_NS}}}{etree.QName(el).localname}" if etree.QName(el).namespace is None else el.tag
    attrib: dict[str, str] = {str(k): str(v) for k, v in el.attrib.items()}
    copy_el = etree.Element(tag, attrib=attrib, nsmap=nsmap)
    copy_el.text = el.text
    for c in el:
        if not isinstance(c.tag, str):
            continue
        if etree.QName(c).namespace is None:
            new = _in_sii_namespace(c)
            copy_el.append(new)
        else:
            copy_el.append(copy.deepcopy(c))
        copy_el[-1].tail = c.tail
    return copy_el


# --- totals ----------------------------------------------------------------------------------------------------

def _amount(el: etree._Element | None, path: str) -> Decimal:
    value = None if el is None else xmlcore.text(el, path)
    try:
        return Decimal(value.strip()) if value and value.strip() else Decimal(0)
    except InvalidOperation:
        raise ValueError(f"{path} no es un número: {value!r}") from None


@dataclass(frozen=True, slots=True)
class TotalsCheck:
    """What :func:`check_totals` found: ``problems`` in Spanish (empty when everything adds up), ``total`` MntTotal
    in CLP (None when Totales is missing or an amount is not a number), ``lines_checked`` whether the Detalle
    lines were added up against the header."""

    problems: tuple[str, ...]
    total: int | None
    lines_checked: bool


def check_totals(documento: etree._Element, tipo: int) -> TotalsCheck:
    """Whether a ``Documento`` of DTE type ``tipo`` adds up (Formato DTE v2.4.2, Totales and Detalle):
    MntTotal = MntNeto + IVA + MntExe (+ ImptoReten); IVA = MntNeto × TasaIVA (19 % when absent, as on boletas)
    within 1 peso (boletas split a gross total, sii.md §1); and, without global discounts or surcharges
    (DscRcgGlobal), the lines' MontoItem add up to MntNeto (+ IVA on boletas and with MntBruto = 1) for affected
    lines and to MntExe for exempt ones (IndExe 1 or 2; in a factura or boleta exenta, 34/41, a line without IndExe
    too). A document whose amounts are all 0 (a nota de crédito that "corrige texto") is not held to its lines.

    Never raises: a missing Totales or an amount that is not a number is a problem."""
    enc = xmlcore.child(documento, "Encabezado")
    totales = None if enc is None else xmlcore.child(enc, "Totales")
    if totales is None:
        return TotalsCheck(("faltan Totales",), None, False)
    problems: list[str] = []
    try:
        neto, iva, exe = _amount(totales, "MntNeto"), _amount(totales, "IVA"), _amount(totales, "MntExe")
        total = _amount(totales, "MntTotal")
        tasa = _amount(totales, "TasaIVA") or Decimal(19)
        otros = sum((_amount(x, "MontoImp") for x in totales if isinstance(x.tag, str)
                     and xmlcore.localname(x) == "ImptoReten"), Decimal(0))
        if neto + iva + exe + otros != total:
            problems.append(f"MntTotal {total} ≠ MntNeto {neto} + IVA {iva} + MntExe {exe}"
                            + (f" + impuestos {otros}" if otros else ""))
        expected_iva = (neto * tasa / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if (neto or iva) and abs(expected_iva - iva) > 1:  # IVA without neto is wrong too
            problems.append(f"IVA {iva} ≠ {tasa} % de {neto} ({expected_iva})")
        lines = [x for x in documento if isinstance(x.tag, str) and xmlcore.localname(x) == "Detalle"]
        globals_ = [x for x in documento if isinstance(x.tag, str) and xmlcore.localname(x) == "DscRcgGlobal"]
        bruto = tipo in BOLETAS or (enc is not None and (xmlcore.text(enc, "IdDoc/MntBruto") or "").strip() == "1")
        checked_lines = not globals_ and bool(lines)
        if checked_lines:
            exempt_marks = {"1", "2", ""} if tipo in EXENTOS else {"1", "2"}
            afecto = sum((_amount(x, "MontoItem") for x in lines if (xmlcore.text(x, "IndExe") or "").strip()
                          not in exempt_marks), Decimal(0))
            exento = sum((_amount(x, "MontoItem") for x in lines if (xmlcore.text(x, "IndExe") or "").strip()
                          in exempt_marks), Decimal(0))
            expected_afecto = neto + iva if bruto else neto
            if afecto != expected_afecto and neto + iva + exe > 0:
                problems.append(f"las líneas afectas suman {afecto}, el encabezado {expected_afecto}")
            if exento != exe:
                problems.append(f"las líneas exentas suman {exento}, MntExe {exe}")
    except ValueError as exc:
        return TotalsCheck((str(exc),), None, False)
    return TotalsCheck(tuple(problems), int(total), checked_lines)


def _totals(documento: etree._Element, header: dict[str, Any]) -> dict[str, Any]:
    """:func:`check_totals` as the verdict reports it: ``valid``, ``problems``, ``total`` and a ``note`` when the
    lines were not added up."""
    check = check_totals(documento, header["tipo"])
    if check.total is None:
        return {"valid": False, "problems": list(check.problems)}
    out: dict[str, Any] = {"valid": not check.problems, "problems": list(check.problems), "total": check.total}
    if not check.lines_checked:
        out["note"] = "las líneas no se cuadraron (descuentos o recargos globales, o sin detalle)"
    return out
