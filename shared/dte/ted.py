"""TED (timbre electrónico): the DD summary of a document signed with the CAF key, printed as a PDF417.

Its elements and what FRMT signs: docs/architecture.md#what-the-sii-signs.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Final

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import caf as caf_mod
from shared.dte import errors, xmlcore
from shared.dte import rsa as rsa_mod
from shared.dte.documents import Documento

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_TED_BYTES: Final = 16 * 1024
TEXT_MAX: Final = 40
"""RSR and IT1 carry the first 40 characters of the razón social and of the first item's name."""

PDF417_EC_LEVEL: Final = 5
"""Error-correction level every implementation uses for the timbre (LibreDTE, Odoo)."""
PDF417_COLUMNS: Final = 14
PDF417_SCALE: Final = 2
"""Pixels per module. At 203 dpi (thermal printers) a 0,25 mm module: a 760-830 byte TED at 14 columns is about
7,8 × 3,5 cm with its quiet zones, inside the SII's 5-9 × 2-4 cm. 12 columns (narrow enough for the 576 dots of
an 80 mm printer) is 6,9 × 4,0-4,2 cm: too tall for the SII limit."""
PDF417_MIN_CM: Final = (5.0, 2.0)
PDF417_MAX_CM: Final = (9.0, 4.0)
"""SII printed-sample manual §1.5: the timbre measures at least 2 × 5 cm and at most 4 × 9 cm (height × width)."""


@dataclass(frozen=True, slots=True)
class TedData:
    """What a TED says, as read by :func:`verify_ted`."""

    rut_emisor: str
    tipo_dte: int
    folio: int
    fecha_emision: str
    rut_receptor: str
    razon_social_receptor: str
    monto_total: int
    item1: str
    timestamp: str
    caf_idk: int
    caf_desde: int
    caf_hasta: int
    signed_form: str = "canonical"
    """Which bytes the FRMT verified over: ``"canonical"`` (the DD as the SII flattens it: the form this system
    stamps) or ``"literal"`` (the DD exactly as it stands in the file, numeric character references and all: some
    issuers sign that, and the SII accepts their documents)."""


def _clip(value: str, limit: int = TEXT_MAX) -> str:
    return value[:limit]


def _dd_element(tag: str, value: str, dd: etree._Element) -> None:
    etree.SubElement(dd, tag).text = value


def build_ted(caf: caf_mod.Caf, *, folio: int, fecha_emision: date, rut_receptor: str, razon_social_receptor: str,
              monto_total: int, item1: str, timestamp: datetime) -> bytes:
    """Stamp a document: the flattened TED as ISO-8859-1 bytes (PDF417 payload and DTE content).

    Args:
        caf: the CAF that authorises ``folio`` (with its private key).
        timestamp: when the stamp is made, Chile's local wall time (the TSTED); any tzinfo is dropped.
        razon_social_receptor, item1: full texts; they are cleaned (:func:`xmlcore.clean_text`, as the document
            renderer does) and cut to 40 characters here.

    Raises:
        FolioOutOfRange: ``folio`` is not in the CAF's range.
        DocumentInvalid: a negative amount, an empty text or an invalid receptor RUT.
    """
    if not caf.contains(folio):
        raise errors.FolioOutOfRange(folio, caf.folio_desde, caf.folio_hasta)
    if monto_total < 0:
        raise errors.DocumentInvalid(f"monto total negativo {monto_total}")
    try:
        rr = rut_mod.parse(rut_receptor).compact
    except pos_errors.InvalidRut as exc:
        raise errors.DocumentInvalid(str(exc)) from None
    rsr, it1 = _clip(xmlcore.clean_text(razon_social_receptor)), _clip(xmlcore.clean_text(item1))
    if not rsr or not it1:
        raise errors.DocumentInvalid("el timbre necesita la razón social del receptor y el nombre del primer ítem")
    dd = etree.Element("DD")
    for tag, value in (("RE", caf.rut_emisor), ("TD", str(caf.tipo_dte)), ("F", str(folio)),
                       ("FE", fecha_emision.isoformat()), ("RR", rr), ("RSR", rsr), ("MNT", str(monto_total)),
                       ("IT1", it1)):
        _dd_element(tag, value, dd)
    dd_body = xmlcore.flatten(dd)
    tsted = f"<TSTED>{timestamp.replace(tzinfo=None).isoformat(timespec='seconds')}</TSTED>".encode("ascii")
    dd_bytes = dd_body[: -len(b"</DD>")] + caf.caf_element + tsted + b"</DD>"
    signature = rsa_mod.sign_sha1(caf.signing_key(), dd_bytes)
    frmt = b'<FRMT algoritmo="SHA1withRSA">' + base64.b64encode(signature) + b"</FRMT>"
    return b'<TED version="1.0">' + dd_bytes + frmt + b"</TED>"


def stamp(caf: caf_mod.Caf, doc: Documento, timestamp: datetime) -> bytes:
    """:func:`build_ted` for a :class:`~shared.dte.documents.Documento` (what the terminal does at the sale).

    Raises:
        DocumentInvalid: the CAF is for another type or emisor; or as :func:`build_ted`.
        FolioOutOfRange: as :func:`build_ted`.
    """
    if caf.tipo_dte != int(doc.tipo) or caf.rut_emisor != doc.emisor.rut:
        raise errors.DocumentInvalid(f"el CAF (tipo {caf.tipo_dte}, RUT {caf.rut_emisor}) no es para un documento "
                                     f"tipo {int(doc.tipo)} de {doc.emisor.rut}")
    return build_ted(caf, folio=doc.folio, fecha_emision=doc.fecha_emision, rut_receptor=doc.receptor.rut,
                     razon_social_receptor=doc.receptor.razon_social, monto_total=doc.totales.total,
                     item1=doc.lineas[0].nombre, timestamp=timestamp)


def parse_ted(ted: bytes | etree._Element) -> etree._Element:
    """The TED element of a TED text (as scanned or stamped) or the element itself.

    Raises:
        HostileXml, TedMalformed.
    """
    if isinstance(ted, bytes):
        try:
            root = xmlcore.parse(ted, max_bytes=MAX_TED_BYTES, default_encoding="ISO-8859-1")
        except errors.HostileXml:
            raise
        except errors.XmlError as exc:
            raise errors.TedMalformed(exc.reason) from None
    else:
        root = ted
    if xmlcore.localname(root) != "TED":
        raise errors.TedMalformed(f"se esperaba <TED>, llegó <{xmlcore.localname(root)}>")
    return root


def ted_payload(ted: bytes | etree._Element) -> bytes:
    """The text printed as PDF417 for any TED (e.g. one inside a received DTE): flattened, ISO-8859-1.

    For a TED made by :func:`build_ted` this is the same bytes.
    """
    return xmlcore.flatten(parse_ted(ted))


_DD_SPAN: Final = re.compile(rb"<(?:[\w.-]+:)?DD>.*?</(?:[\w.-]+:)?DD>", re.S)


def _canonical_forms(dd: etree._Element) -> list[bytes]:
    """The DD as rendered from its parsed content: the SII's flattened form (quotes escaped or not) and libxml2's
    own ISO-8859-1 serialisation (raw accented characters, its escaping), without inter-tag whitespace."""
    forms = [xmlcore.flatten(dd, escape_quotes=True), xmlcore.flatten(dd, escape_quotes=False),
             xmlcore.flatten_raw(xmlcore.latin1(_strip_namespaces(dd)))]
    return list(dict.fromkeys(forms))


def _literal_forms(dd: etree._Element, source: bytes) -> list[bytes]:
    """The spans of ``source`` (the file's bytes) that are this DD as written: every ``<DD>…</DD>`` whose parsed
    content flattens to the same bytes as ``dd`` (so a FRMT copied from another document never matches), with the
    whitespace between tags removed."""
    wanted = xmlcore.flatten(dd)
    encoding = dd.getroottree().docinfo.encoding or "ISO-8859-1"
    out = []
    for match in _DD_SPAN.finditer(source):
        span = match.group(0)
        try:
            declared = f'<?xml version="1.0" encoding="{encoding}"?>'.encode("ascii") + span
            parsed = xmlcore.parse(declared, max_bytes=MAX_TED_BYTES, default_encoding=encoding)
        except errors.XmlError:
            continue
        if xmlcore.flatten(parsed) == wanted:
            out.append(xmlcore.flatten_raw(span))
    return list(dict.fromkeys(out))


def _strip_namespaces(el: etree._Element) -> etree._Element:
    copy = etree.Element(etree.QName(el).localname)
    for k, v in el.attrib.items():
        copy.set(etree.QName(k).localname, v)
    copy.text = el.text
    for c in el:
        if isinstance(c.tag, str):
            new = _strip_namespaces(c)
            new.tail = c.tail
            copy.append(new)
    return copy


def verify_ted(ted: bytes | etree._Element, public_key: rsa.RSAPublicKey | None = None, *,
               sii_keys: Mapping[int, rsa.RSAPublicKey] | None = None, source: bytes | None = None) -> TedData:
    """Check a TED's FRMT and return what it says.

    Args:
        ted: the TED text (stamped or scanned) or a TED element inside a DTE.
        public_key: the CAF key to verify with (the issuer's CAF on file). Without it the RSAPK copied into the
            DD is used; when both are given they must be the same key.
        sii_keys: when given, the CAF copied into the DD must also carry a valid SII signature (FRMA).
        source: the bytes of the file a TED element was parsed from (a DTE, an envelope): the DD as written
            there is tried after its canonical form. A TED given as bytes is its own source.

    The FRMT (RSA-SHA1 with the CAF key, SII «Formato Timbre Electrónico») must verify over the DD's canonical
    form or over the DD exactly as it stands in the file; ``TedData.signed_form`` says which one did.

    Raises:
        TedMalformed: not a TED or a field missing/unreadable.
        TedSignatureInvalid: FRMT does not verify, the DD's CAF is not ``public_key``, its folio is outside the
            CAF's range, or (with ``sii_keys``) the CAF's own SII signature fails.
    """
    root = parse_ted(ted)
    dd = xmlcore.child(root, "DD")
    frmt_el = xmlcore.child(root, "FRMT")
    caf_el = None if dd is None else xmlcore.child(dd, "CAF")
    da = None if caf_el is None else xmlcore.child(caf_el, "DA")
    if dd is None or frmt_el is None or caf_el is None or da is None:
        raise errors.TedMalformed("faltan DD, DD/CAF/DA o FRMT")
    try:
        frmt = base64.b64decode("".join((frmt_el.text or "").split()), validate=True)
        tipo, desde, hasta, caf_key = caf_mod.parse_da(da)
        data = TedData(
            rut_emisor=_required(dd, "RE"), tipo_dte=int(_required(dd, "TD")), folio=int(_required(dd, "F")),
            fecha_emision=_required(dd, "FE"), rut_receptor=_required(dd, "RR"),
            razon_social_receptor=xmlcore.text(dd, "RSR") or "", monto_total=int(_required(dd, "MNT")),
            item1=xmlcore.text(dd, "IT1") or "", timestamp=_required(dd, "TSTED"),
            caf_idk=int(xmlcore.text(da, "IDK") or "0"), caf_desde=desde, caf_hasta=hasta)
    except (binascii.Error, ValueError, errors.CafMalformed) as exc:
        raise errors.TedMalformed(str(exc)) from None
    if public_key is not None and public_key.public_numbers() != caf_key.public_numbers():
        raise errors.TedSignatureInvalid("el CAF del timbre no es el CAF indicado")
    key = public_key or caf_key
    if isinstance(ted, bytes):
        source = ted
    if any(rsa_mod.verifies_sha1(key, frmt, form) for form in _canonical_forms(dd)):
        signed_form = "canonical"
    elif source is not None and any(rsa_mod.verifies_sha1(key, frmt, form) for form in _literal_forms(dd, source)):
        signed_form = "literal"
    else:
        raise errors.TedSignatureInvalid("FRMT no corresponde a los datos del DD (ni en su forma canónica ni tal"
                                         " como está escrito en el archivo)")
    if tipo != data.tipo_dte or not desde <= data.folio <= hasta:
        raise errors.TedSignatureInvalid(f"el folio {data.folio} tipo {data.tipo_dte} no está en el CAF del timbre")
    if (xmlcore.text(da, "RE") or "").strip() != data.rut_emisor.strip():
        raise errors.TedSignatureInvalid("el RUT emisor del timbre no es el del CAF")
    if sii_keys is not None:
        frma_el = xmlcore.child(caf_el, "FRMA")
        try:
            frma = base64.b64decode("".join(((frma_el.text if frma_el is not None else "") or "").split()))
        except (binascii.Error, ValueError):
            raise errors.TedMalformed("FRMA del CAF no es base64") from None
        try:
            caf_mod.verify_da(da, frma, sii_keys)
        except errors.CafError as exc:
            raise errors.TedSignatureInvalid(f"CAF del timbre: {exc}") from None
    return dataclasses.replace(data, signed_form=signed_form)


def _required(el: etree._Element, name: str) -> str:
    value = xmlcore.text(el, name)
    if value is None or not value.strip():
        raise ValueError(f"falta DD/{name}")
    return value.strip()


def pdf417_image(ted_bytes: bytes, *, columns: int = PDF417_COLUMNS, scale: int = PDF417_SCALE) -> Image:
    """The timbre as a PDF417 image (mode "L"): error correction level 5, the bytes as-is (ISO-8859-1, no ECI).

    Uses zxing-cpp's writer (zint inside; about 1 ms for a TED). ``eci="0"`` keeps the symbol free of an ECI
    designator: by default zxing-cpp marks byte input as ECI 899 (binary), which readers expecting the plain
    ISO-8859-1 timbre do not need; pdf417gen and LibreDTE emit none either.

    Args:
        columns: data columns (1-30); 14 keeps a TED (760-830 bytes) within the SII's size at ``scale=2`` and
            203 dpi (see :func:`pdf417_size_cm`).
        scale: pixels per module.

    Raises:
        DocumentInvalid: the payload does not fit a PDF417 symbol with these columns.
    """
    import zxingcpp
    from PIL import Image as PilImage

    try:
        barcode = zxingcpp.create_barcode(ted_bytes, zxingcpp.BarcodeFormat.PDF417,
                                          ec_level=str(PDF417_EC_LEVEL), columns=columns, eci="0")
    except (ValueError, RuntimeError) as exc:
        raise errors.DocumentInvalid(f"el timbre no cabe en un PDF417 de {columns} columnas: {exc}") from None
    return PilImage.fromarray(barcode.to_image(scale=scale, add_quiet_zones=True))


def pdf417_size_cm(image: Image, dpi: float) -> tuple[float, float]:
    """(width, height) in cm of ``image`` printed at ``dpi`` dots per inch, one pixel a dot."""
    return image.width / dpi * 2.54, image.height / dpi * 2.54
