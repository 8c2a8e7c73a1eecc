"""Rendering of DTE XML: a ``Documento`` with its TED as a signed ``<DTE>``, and the EnvioBOLETA / EnvioDTE
envelopes with their Carátula and SetDTE signature.

Element order and lengths follow the schemas exactly: boletas (39/41) ``BOLETADefType`` of
``EnvioBOLETA_v11.xsd``; the rest ``DTEDefType`` of ``DTE_v10.xsd``. Texts are cut to the schema's maximum
length. The TED is inserted as stamped (the terminal's bytes), in the SII namespace; its signature does not
depend on that (it is over the namespace-free flattened DD).

Flow on the server::

    dte = render_dte(doc, ted_bytes, timestamp)      # TmstFirma = timestamp
    signed = sign_dte(dte, signer)                   # standalone, as the SII's rule 1 needs
    envelope = build_envelope([signed, ...], caratula, signer, timestamp)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from lxml import etree

from shared.dte import errors, signature, ted, xmlcore
from shared.dte.documents import RUT_SII, Documento
from shared.dte.schema import BOLETA_TYPES
from shared.dte.xmlcore import SII_NS, XSI_NS, clean_text

SET_ID: Final = "SetDoc"
_S = "{" + SII_NS + "}"


def _fmt_decimal(value: Decimal) -> str:
    """``Decimal("1.000") -> "1"``, ``Decimal("0.512") -> "0.512"``; at most 6 decimals (Dec12_6Type)."""
    six = value.quantize(Decimal("0.000001"))
    return format((six if six != value else value).normalize(), "f")


def _timestamp(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds")


def _add(parent: etree._Element, tag: str, value: str | int | None = None, *, limit: int | None = None
         ) -> etree._Element:
    """Append ``<tag>value</tag>`` (text cut to ``limit`` characters)."""
    el = etree.SubElement(parent, _S + tag)
    if value is not None:
        el.text = str(value)[:limit] if limit is not None else str(value)
    return el


def _opt(parent: etree._Element, tag: str, value: str, *, limit: int) -> None:
    """Append ``<tag>value</tag>`` only when ``value`` is not empty."""
    if value:
        _add(parent, tag, value, limit=limit)


def _check_ted(doc: Documento, ted_root: etree._Element) -> None:
    dd = xmlcore.child(ted_root, "DD")
    if dd is None:
        raise errors.TedMalformed("falta DD")
    expected = {"RE": doc.emisor.rut, "TD": str(int(doc.tipo)), "F": str(doc.folio),
                "FE": doc.fecha_emision.isoformat(), "RR": doc.receptor.rut, "MNT": str(doc.totales.total)}
    wrong = [f"{k} {xmlcore.text(dd, k)!r} ≠ {v!r}" for k, v in expected.items()
             if (xmlcore.text(dd, k) or "").strip() != v]
    if wrong:
        raise errors.DocumentInvalid("el timbre no corresponde al documento: " + ", ".join(wrong))


def _in_sii_namespace(el: etree._Element, parent: etree._Element) -> None:
    new = etree.SubElement(parent, _S + xmlcore.localname(el))
    for k, v in el.attrib.items():
        new.set(k, v)
    new.text = el.text
    for c in el:
        if isinstance(c.tag, str):
            _in_sii_namespace(c, new)
            new[-1].tail = c.tail


def render_dte(doc: Documento, ted_xml: bytes, timestamp: datetime) -> etree._Element:
    """The unsigned ``<DTE>`` of ``doc`` with its TED and ``TmstFirma = timestamp``; sign it with
    :func:`sign_dte` before validating or sending.

    Raises:
        TedMalformed: ``ted_xml`` is not a TED.
        DocumentInvalid: the TED's RE/TD/F/FE/RR/MNT are not the document's.
    """
    ted_root = ted.parse_ted(ted_xml)
    _check_ted(doc, ted_root)
    boleta = doc.tipo.es_boleta
    root = etree.Element(_S + "DTE", nsmap={None: SII_NS}, version="1.0")  # type: ignore[dict-item]
    documento = etree.SubElement(root, _S + "Documento", ID=doc.id)
    enc = _add(documento, "Encabezado")
    _id_doc(enc, doc, boleta)
    _emisor(enc, doc, boleta)
    _receptor(enc, doc, boleta)
    _totales(enc, doc, boleta)
    for n, line in enumerate(doc.lineas, 1):
        det = _add(documento, "Detalle")
        _add(det, "NroLinDet", n)
        if line.codigo:
            cdg = _add(det, "CdgItem")
            _add(cdg, "TpoCodigo", "INT1")
            _add(cdg, "VlrCodigo", line.codigo, limit=35)
        if line.exento:
            _add(det, "IndExe", 1)
        _add(det, "NmbItem", line.nombre, limit=80)
        if line.cantidad:
            _add(det, "QtyItem", _fmt_decimal(line.cantidad))
        _opt(det, "UnmdItem", line.unidad, limit=4)
        if line.precio:
            _add(det, "PrcItem", _fmt_decimal(line.precio))
        if line.descuento:
            if line.descuento_pct is not None:
                _add(det, "DescuentoPct", _fmt_decimal(line.descuento_pct))
            _add(det, "DescuentoMonto", line.descuento)
        _add(det, "MontoItem", line.monto)
    if doc.descuento_global is not None:
        dr = _add(documento, "DscRcgGlobal")
        _add(dr, "NroLinDR", 1)
        _add(dr, "TpoMov", "D")
        _opt(dr, "GlosaDR", doc.descuento_global.glosa, limit=45)
        _add(dr, "TpoValor", "$")
        _add(dr, "ValorDR", doc.descuento_global.monto)
    for n, ref in enumerate(doc.referencias, 1):
        el = _add(documento, "Referencia")
        _add(el, "NroLinRef", n)
        if boleta:  # BOLETADefType: [TpoDocRef] [FolioRef] CodRef (text) RazonRef, no FchRef
            _opt(el, "TpoDocRef", ref.tipo_documento, limit=3)
            _opt(el, "FolioRef", ref.folio, limit=18)
            _add(el, "CodRef", ref.codigo_boleta, limit=18)
            _opt(el, "RazonRef", ref.razon, limit=90)
            continue
        _add(el, "TpoDocRef", ref.tipo_documento, limit=3)
        _add(el, "FolioRef", ref.folio, limit=18)
        _add(el, "FchRef", ref.fecha.isoformat())
        if ref.codigo is not None:
            _add(el, "CodRef", int(ref.codigo))
        _opt(el, "RazonRef", ref.razon, limit=90)
    _in_sii_namespace(ted_root, documento)
    _add(documento, "TmstFirma", _timestamp(timestamp))
    return root


def _id_doc(enc: etree._Element, doc: Documento, boleta: bool) -> None:
    el = _add(enc, "IdDoc")
    _add(el, "TipoDTE", int(doc.tipo))
    _add(el, "Folio", doc.folio)
    _add(el, "FchEmis", doc.fecha_emision.isoformat())
    if boleta:
        _add(el, "IndServicio", doc.ind_servicio)
        return
    if doc.montos_brutos:
        _add(el, "MntBruto", 1)
    if doc.forma_pago is not None:
        _add(el, "FmaPago", doc.forma_pago)


def _emisor(enc: etree._Element, doc: Documento, boleta: bool) -> None:
    e = doc.emisor
    el = _add(enc, "Emisor")
    _add(el, "RUTEmisor", e.rut)
    if boleta:
        _add(el, "RznSocEmisor", e.razon_social, limit=100)
        _opt(el, "GiroEmisor", e.giro, limit=80)
    else:
        _add(el, "RznSoc", e.razon_social, limit=100)
        _add(el, "GiroEmis", e.giro, limit=80)
        _opt(el, "Telefono", e.telefono, limit=20)
        _opt(el, "CorreoEmisor", e.correo, limit=80)
        for code in e.acteco:
            _add(el, "Acteco", code)
    if e.sucursal_sii is not None:
        _add(el, "CdgSIISucur", e.sucursal_sii)
    _opt(el, "DirOrigen", e.direccion, limit=70)
    _opt(el, "CmnaOrigen", e.comuna, limit=20)
    _opt(el, "CiudadOrigen", e.ciudad, limit=20)


def _receptor(enc: etree._Element, doc: Documento, boleta: bool) -> None:
    r = doc.receptor
    el = _add(enc, "Receptor")
    _add(el, "RUTRecep", r.rut)
    if boleta:
        _opt(el, "RznSocRecep", r.razon_social, limit=100)
    else:
        _add(el, "RznSocRecep", r.razon_social, limit=100)
        _opt(el, "GiroRecep", r.giro, limit=40)
    _opt(el, "Contacto", r.contacto, limit=80)
    _opt(el, "CorreoRecep", r.correo, limit=80)
    _opt(el, "DirRecep", r.direccion, limit=70)
    _opt(el, "CmnaRecep", r.comuna, limit=20)
    _opt(el, "CiudadRecep", r.ciudad, limit=20)


def _totales(enc: etree._Element, doc: Documento, boleta: bool) -> None:
    t = doc.totales
    el = _add(enc, "Totales")
    exento_doc = doc.tipo.es_exento
    if not exento_doc:
        _add(el, "MntNeto", t.neto)
    if t.exento or exento_doc:
        _add(el, "MntExe", t.exento)
    if not exento_doc:
        if not boleta:
            _add(el, "TasaIVA", _fmt_decimal(t.tasa_iva))
        _add(el, "IVA", t.iva)
    _add(el, "MntTotal", t.total)


def sign_dte(dte: etree._Element, signer: signature.Signer) -> etree._Element:
    """Sign a rendered DTE in place (its ``Signature`` after ``Documento``) and return it.

    The DTE is signed as its own document (sii.md rule 1), so it must not sit inside an envelope yet.

    Raises:
        DocumentInvalid: ``dte`` has a parent, or no ``Documento/@ID``.
    """
    if dte.getparent() is not None:
        raise errors.DocumentInvalid("el DTE se firma solo, antes de ponerlo en el sobre")
    documento = xmlcore.child(dte, "Documento")
    ident = None if documento is None else documento.get("ID")
    if not ident:
        raise errors.DocumentInvalid("el DTE no tiene Documento/@ID")
    signature.sign(dte, ident, signer)
    return dte


def build_dte(doc: Documento, ted_xml: bytes, signer: signature.Signer, timestamp: datetime) -> bytes:
    """Render, sign and serialise one DTE (ISO-8859-1)."""
    return xmlcore.to_bytes(sign_dte(render_dte(doc, ted_xml, timestamp), signer))


@dataclass(frozen=True, slots=True)
class Caratula:
    """The envelope's cover: who sends (``rut_envia``, the certificate holder) for whom, and the emisor's SII
    resolution (``numero_resolucion`` 0 in certificación)."""

    rut_emisor: str
    rut_envia: str
    fecha_resolucion: date
    numero_resolucion: int
    rut_receptor: str = RUT_SII


def build_envelope(dtes: Sequence[bytes | etree._Element], caratula: Caratula, signer: signature.Signer,
                   timestamp: datetime) -> bytes:
    """A signed EnvioBOLETA (all DTEs 39/41, at most 500) or EnvioDTE (no boletas, at most 2.000), ISO-8859-1.

    The DTEs go in as signed (bytes or standalone elements); the envelope signature covers ``SetDTE``.

    Raises:
        DocumentInvalid: no DTEs, boletas mixed with other types, too many, or a DTE without TipoDTE.
    """
    parsed = [xmlcore.parse(d) if isinstance(d, bytes) else d for d in dtes]
    tipos: dict[int, int] = {}
    for dte in parsed:
        tipo_text = (xmlcore.text(dte, "Documento/Encabezado/IdDoc/TipoDTE") or "").strip()
        if not tipo_text.isdigit():
            raise errors.DocumentInvalid("un DTE del sobre no tiene TipoDTE")
        tipos[int(tipo_text)] = tipos.get(int(tipo_text), 0) + 1
    if not parsed:
        raise errors.DocumentInvalid("el sobre no tiene documentos")
    kinds = {t in BOLETA_TYPES for t in tipos}
    if len(kinds) > 1:
        raise errors.DocumentInvalid("las boletas van en un EnvioBOLETA, separadas de facturas y notas")
    name, limit, xsd = ("EnvioBOLETA", 500, "EnvioBOLETA_v11.xsd") if True in kinds else \
        ("EnvioDTE", 2000, "EnvioDTE_v10.xsd")
    if len(parsed) > limit:
        raise errors.DocumentInvalid(f"un {name} lleva hasta {limit} documentos, no {len(parsed)}")
    root = etree.Element(_S + name, nsmap={None: SII_NS, "xsi": XSI_NS}, version="1.0")  # type: ignore[dict-item]
    root.set("{" + XSI_NS + "}schemaLocation", f"{SII_NS} {xsd}")
    set_dte = etree.SubElement(root, _S + "SetDTE", ID=SET_ID)
    car = _add(set_dte, "Caratula")
    car.set("version", "1.0")
    _add(car, "RutEmisor", clean_text(caratula.rut_emisor))
    _add(car, "RutEnvia", clean_text(caratula.rut_envia))
    _add(car, "RutReceptor", clean_text(caratula.rut_receptor))
    _add(car, "FchResol", caratula.fecha_resolucion.isoformat())
    _add(car, "NroResol", caratula.numero_resolucion)
    _add(car, "TmstFirmaEnv", _timestamp(timestamp))
    for tipo, count in sorted(tipos.items()):
        sub = _add(car, "SubTotDTE")
        _add(sub, "TpoDTE", tipo)
        _add(sub, "NroDTE", count)
    for dte in parsed:
        set_dte.append(dte)
    signature.sign(root, SET_ID, signer)
    return xmlcore.to_bytes(root)
