"""PDF of a signed DTE (facturas 33/34, notas 56/61, boletas 39/41) on Carta or A4, as the SII's "Manual de
Muestras Impresas" (v4.0 §1, summarised in ``shared/reference/sii.md`` §3 and §8) asks, for printing or e-mailing.

What each page carries (the manual's items):

- the **recuadro** in the upper right corner, red (sii.md §8: black or red, never green), 7 × 3 cm with a 0,7 mm
  line (the manual's size limits are not in sii.md; 7 × 3 cm sits inside the 5-8 × 1,5-4 cm usually quoted from
  it — unverified), with "R.U.T.: 76.235.291-5", the document's name ("FACTURA
  ELECTRÓNICA", "NOTA DE CRÉDITO ELECTRÓNICA"…) and "N° <folio>"; below it "S.I.I. - <unidad>", the SII office of
  the emisor's domicile (``unidad_sii``; without it the emisor's comuna, which names its unidad in most of the
  country: pass the real one for Santiago's direcciones regionales);
- the emisor (razón social, giro, dirección, comuna, teléfono, correo) on the left;
- page 1: fecha de emisión in Spanish, the receptor (RUT, razón social, giro, dirección, comuna; on boletas only
  when it is not the anonymous 66.666.666-6), forma de pago and vencimiento;
- the detail (código, descripción, cantidad, precio, descuento, monto), repeated under its header on every page
  it spans; then the referencias (tipo, folio, fecha, código, razón);
- last page, at the bottom: global discounts/surcharges and the totals in pesos ("$ 1.234.567": neto, exento,
  IVA 19 %, other taxes, total) on the right; the **timbre** on the left, its left edge 2 cm from the paper's
  edge, a vector PDF417 (:func:`shared.dte.ted.pdf417_image`: ECL 5, ISO-8859-1 bytes, no ECI) of the TED as
  in the XML (flattened, :func:`shared.dte.ted.ted_payload`), sized within the manual's 5-9 × 2-4 cm with the
  widest module that fits (≈ 0,27 mm for a 770-830 byte TED: 6 dots at 600 dpi, 3 at 300), rows 3 modules
  tall, and under it "Timbre Electrónico SII", "Res. <n> de <año>" (Manual de Muestras Impresas §1.5, as on
  the thermal receipt) and "Verifique documento: www.sii.cl";
- ``cedible=True`` on facturas (33/34): the "CEDIBLE" copy with the acuse de recibo box of Ley 19.983 (nombre,
  R.U.T., fecha, recinto, firma and the legend of its art. 4 b) and 5 c)); other types have no cedible copy
  and print normally;
- "Hoja n de N" at the foot of every page. A long detail continues on further pages, each with the recuadro
  (so every sheet identifies its document); totals and timbre go on the last one.

Texts are set in DejaVu Sans (Debian ``fonts-dejavu-core``, embedded subset) when installed, else in the PDF's
standard Helvetica (WinAnsi: á é í ó ú ñ ° included). Output is deterministic (same XML, same bytes).

Why here (``shared.dte``) and not in ``syncserver``: the HQ web (server) and ``almacen dte pdf`` (desktop CLI)
both render. No import-linter contract forbids ``desktop`` → ``syncserver``, but a pure bytes-in/bytes-out
renderer of SII documents is domain code like ``verdict`` and ``ted``, and the server package drags in its own
settings and drivers. ``shared``'s contract forbids Qt, database and HTTP libraries, not reportlab; reportlab is
imported only by this module (``shared.dte`` itself does not import it), so a terminal that never renders a PDF
does not need it. reportlab ships no type information: its objects are ``Any`` here, behind typed functions.

Input is parsed with the hardened parser (:func:`shared.dte.xmlcore.parse`): DTDs, entities and oversized files
are refused (:class:`~shared.dte.errors.HostileXml`) before anything is read. The TED's signature is not checked
(``almacen dte verify`` does that); its TD, F, RE and MNT must match the document's or nothing is printed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from lxml import etree
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas

from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import errors, ted, xmlcore

Papel = Literal["carta", "a4"]

NOMBRES: Final = {
    33: "FACTURA ELECTRÓNICA",
    34: "FACTURA NO AFECTA O EXENTA ELECTRÓNICA",
    39: "BOLETA ELECTRÓNICA",
    41: "BOLETA NO AFECTA O EXENTA ELECTRÓNICA",
    56: "NOTA DE DÉBITO ELECTRÓNICA",
    61: "NOTA DE CRÉDITO ELECTRÓNICA",
}
"""The name printed in the recuadro for each type this module renders (SII Manual de Muestras Impresas)."""
CEDIBLE_TIPOS: Final = frozenset({33, 34})
"""Types with a "CEDIBLE" copy (Ley 19.983: facturas can be assigned; notas and boletas cannot)."""
BOLETAS: Final = frozenset({39, 41})
EXENTOS: Final = frozenset({34, 41})
RUT_ANONIMO: Final = "66666666-6"
MAX_DETALLE: Final = 1000
"""Detail lines printed at most (boletas carry up to 1.000, other DTEs 60: formato DTE §2.1)."""
MAX_TED_PAYLOAD: Final = 1800
"""A PDF417 holds about 1.850 bytes at ECL 5; real TEDs are 700-900."""

ACUSE_LEYENDA: Final = ("El acuse de recibo que se declara en este acto, de acuerdo a lo dispuesto en la letra b) "
                        "del Art. 4°, y la letra c) del Art. 5° de la Ley 19.983, acredita que la entrega de "
                        "mercaderías o servicio(s) prestado(s) ha(n) sido recibido(s).")

TIPOS_REFERENCIA: Final = {
    "30": "Factura", "32": "Factura no afecta o exenta", "33": "Factura electrónica",
    "34": "Factura no afecta o exenta electrónica", "35": "Boleta", "38": "Boleta exenta",
    "39": "Boleta electrónica", "41": "Boleta no afecta o exenta electrónica", "43": "Liquidación factura electrónica",
    "45": "Factura de compra", "46": "Factura de compra electrónica", "50": "Guía de despacho",
    "52": "Guía de despacho electrónica", "55": "Nota de débito", "56": "Nota de débito electrónica",
    "60": "Nota de crédito", "61": "Nota de crédito electrónica", "801": "Orden de compra", "802": "Nota de pedido",
    "803": "Contrato", "804": "Resolución", "HES": "Hoja de entrada de servicio", "SET": "Set de pruebas SII",
}
"""TpoDocRef codes (formato DTE, tabla de documentos) as printed in the referencias."""
COD_REF: Final = {"1": "Anula documento", "2": "Corrige texto", "3": "Corrige montos"}
FORMAS_PAGO: Final = {"1": "Contado", "2": "Crédito", "3": "Sin costo (entrega gratuita)"}
MESES: Final = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                "noviembre", "diciembre")

MM: Final = 72 / 25.4
"""Points per millimetre."""
RED: Final = (0.78, 0.0, 0.0)
BLACK: Final = (0.0, 0.0, 0.0)
GREY_LINE: Final = (0.72, 0.72, 0.72)
GREY_FILL: Final = (0.9, 0.9, 0.9)
MARGIN_X: Final = 15 * MM
MARGIN_TOP: Final = 12 * MM
MARGIN_BOTTOM: Final = 12 * MM
RECUADRO_W: Final = 70 * MM
RECUADRO_H: Final = 30 * MM
RECUADRO_LINE: Final = 2.0
"""0,7 mm."""
TIMBRE_LEFT: Final = 20 * MM
"""The timbre's quiet zone starts 2 cm from the paper's left edge (the manual's minimum)."""
TIMBRE_MAX_W: Final = 88 * MM
TIMBRE_MAX_H: Final = 38 * MM
"""Within the manual's 9 × 4 cm with its quiet zones, leaving a margin for printers that scale."""
TIMBRE_MIN: Final = (50 * MM, 20 * MM)
MODULE_MAX: Final = 0.34 * MM
MODULE_MIN: Final = 0.19 * MM
QUIET_MODULES: Final = 2
TIMBRE_COLUMNS: Final = range(10, 21)
LEADING: Final = 1.22

_FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True, slots=True)
class DtePdf:
    """One rendered document: ``pdf`` the file's bytes; ``cedible`` whether it is the CEDIBLE copy."""

    tipo: int
    folio: int
    rut_emisor: str
    cedible: bool
    pdf: bytes

    @property
    def filename(self) -> str:
        """``76235291-5_T33F17.pdf`` (``…_cedible.pdf`` for the cedible copy)."""
        return f"{self.rut_emisor}_T{self.tipo}F{self.folio}{'_cedible' if self.cedible else ''}.pdf"


def render_pdf(dte_xml: bytes, *, resolucion: tuple[int, int] | None = None, cedible: bool = False,
               unidad_sii: str | None = None, papel: Papel = "carta", tipo: int | None = None,
               folio: int | None = None) -> bytes:
    """The PDF of one DTE: a ``<DTE>`` file, or one DTE of an EnvioDTE/EnvioBOLETA (the first, or the one of
    ``tipo``/``folio``).

    Args:
        dte_xml: the signed XML as stored or received (ISO-8859-1 or UTF-8, with or without the SII namespace).
        resolucion: ``(número, año)`` of the emisor's SII resolution, printed under the timbre ("Res. 80 de
            2014"; número 0 in certificación). Default: the envelope's Carátula (NroResol, FchResol).
        cedible: print the CEDIBLE copy with the acuse de recibo box (facturas 33/34 only; ignored for others).
        unidad_sii: the SII office under the recuadro ("SANTIAGO ORIENTE"); default the emisor's comuna.
        papel: ``"carta"`` (216 × 279 mm, the usual in Chile) or ``"a4"``.
        tipo, folio: which DTE of an envelope; when given, a single DTE must match them too.

    Raises:
        HostileXml: DTD, entities or too big; XmlError: not well-formed.
        UnprintableDocument: not a DTE/EnvioDTE/EnvioBOLETA, no DTE matches, an unsupported type, a field the
            printed document needs is missing or unreadable, the TED is missing or does not match the document,
            or no resolution is known.
    """
    root = xmlcore.parse(dte_xml)
    dtes, caratula_res = _dtes(root)
    chosen = [d for d in dtes if _matches(d, tipo, folio)]
    if not chosen:
        raise errors.UnprintableDocument(f"el archivo no trae el DTE tipo {tipo} folio {folio}")
    doc = _read(chosen[0])
    return _render(doc, _resolution(resolucion, caratula_res), cedible and doc.tipo in CEDIBLE_TIPOS,
                   unidad_sii, papel)


def render_pdfs(xml: bytes, *, resolucion: tuple[int, int] | None = None, cedible: bool = False,
                unidad_sii: str | None = None, papel: Papel = "carta") -> list[DtePdf]:
    """A PDF per DTE of a file (a DTE, an EnvioDTE or an EnvioBOLETA), in the file's order; with ``cedible``
    the facturas come as their CEDIBLE copy. Arguments and errors as :func:`render_pdf`; all documents are read
    before any is drawn, so one bad DTE fails the whole file."""
    root = xmlcore.parse(xml)
    dtes, caratula_res = _dtes(root)
    res = _resolution(resolucion, caratula_res)
    docs = [_read(d) for d in dtes]
    out = []
    for doc in docs:
        as_cedible = cedible and doc.tipo in CEDIBLE_TIPOS
        out.append(DtePdf(tipo=doc.tipo, folio=doc.folio, rut_emisor=doc.rut_emisor_compact, cedible=as_cedible,
                          pdf=_render(doc, res, as_cedible, unidad_sii, papel)))
    return out


# --- reading the XML -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Line:
    codigo: str
    nombre: str
    descripcion: str
    cantidad: str
    precio: str
    descuento: str
    monto: str
    nota: str


@dataclass(frozen=True, slots=True)
class _Ref:
    tipo: str
    folio: str
    fecha: str
    codigo: str
    razon: str


@dataclass(slots=True)
class _Doc:
    tipo: int
    folio: int
    fecha: date
    rut_emisor: str
    rut_emisor_compact: str
    emisor: str
    giro: str
    direccion: str
    comuna: str
    ciudad: str
    contacto_emisor: list[str]
    sucursal: str
    receptor_rut: str
    receptor: list[tuple[str, str]]
    forma_pago: str
    vencimiento: str
    bruto: bool
    lines: list[_Line]
    refs: list[_Ref]
    globales: list[tuple[str, str]]
    totals: list[tuple[str, str]]
    total: str
    ted_payload: bytes = field(repr=False)


def _dtes(root: etree._Element) -> tuple[list[etree._Element], tuple[int, int] | None]:
    name = xmlcore.localname(root)
    if name == "DTE":
        return [root], None
    if name not in ("EnvioDTE", "EnvioBOLETA"):
        raise errors.UnprintableDocument(f"<{name}> no es un DTE, EnvioDTE ni EnvioBOLETA")
    set_dte = xmlcore.child(root, "SetDTE")
    if set_dte is None:
        raise errors.UnprintableDocument(f"{name} sin SetDTE")
    dtes = [c for c in set_dte if isinstance(c.tag, str) and xmlcore.localname(c) == "DTE"]
    if not dtes:
        raise errors.UnprintableDocument(f"{name} sin documentos")
    res = None
    caratula = xmlcore.child(set_dte, "Caratula")
    if caratula is not None:
        numero, fecha = (xmlcore.text(caratula, "NroResol") or "").strip(), xmlcore.text(caratula, "FchResol")
        try:
            res = (int(numero), date.fromisoformat((fecha or "").strip()).year)
        except ValueError:
            res = None
    return dtes, res


def _matches(dte: etree._Element, tipo: int | None, folio: int | None) -> bool:
    def number(path: str) -> int | None:
        value = (xmlcore.text(dte, "Documento/Encabezado/IdDoc/" + path) or "").strip()
        return int(value) if value.isdigit() else None

    return (tipo is None or number("TipoDTE") == tipo) and (folio is None or number("Folio") == folio)


def _resolution(given: tuple[int, int] | None, caratula: tuple[int, int] | None) -> tuple[int, int]:
    res = given if given is not None else caratula
    if res is None:
        raise errors.UnprintableDocument("falta la resolución del SII (número y año) que va bajo el timbre")
    numero, anio = res
    if numero < 0 or not 2000 <= anio <= 2999:
        raise errors.UnprintableDocument(f"resolución del SII inválida: N° {numero} de {anio}")
    return numero, anio


def _txt(el: etree._Element | None, path: str, limit: int = 100) -> str:
    value = None if el is None else xmlcore.text(el, path)
    return xmlcore.clean_text(value or "")[:limit]


def _decimal(value: str, what: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise errors.UnprintableDocument(f"{what} no es un número: {value.strip()[:30]!r}") from None
    if not number.is_finite() or abs(number) >= 10**18:
        raise errors.UnprintableDocument(f"{what} fuera de rango: {value.strip()[:30]!r}")
    return number


def _amount(el: etree._Element | None, path: str, what: str) -> int | None:
    """An amount in pesos (an integer in the XML), or None when absent."""
    value = None if el is None else xmlcore.text(el, path)
    if value is None or not value.strip():
        return None
    number = _decimal(value, what)
    if number != number.to_integral_value():
        raise errors.UnprintableDocument(f"{what} tiene decimales: {value.strip()!r}")
    return int(number)


def clp(amount: int) -> str:
    """Pesos as printed on the document: ``1234567 -> "$ 1.234.567"``, ``-500 -> "-$ 500"``."""
    return ("-" if amount < 0 else "") + "$ " + f"{abs(amount):,}".replace(",", ".")


def number_es(value: Decimal) -> str:
    """A quantity or price in es-CL: ``Decimal("168.000000") -> "168"``, ``Decimal("1234.5") -> "1.234,5"``."""
    value = value.quantize(Decimal("0.000001")) if value.as_tuple().exponent < -6 else value  # type: ignore[operator]
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or '0'):,}".replace(",", ".")
    return sign + whole + ("," + frac if frac else "")


def fecha_es(day: date) -> str:
    """``date(2025, 7, 8) -> "8 de julio de 2025"``."""
    return f"{day.day} de {MESES[day.month - 1]} de {day.year}"


def _rut(value: str, what: str) -> tuple[str, str]:
    """(printed ``76.235.291-5``, compact ``76235291-5``)."""
    try:
        parsed = rut_mod.parse(value.strip())
    except pos_errors.InvalidRut:
        raise errors.UnprintableDocument(f"RUT {what} inválido: {value.strip()[:20]!r}") from None
    return str(parsed), parsed.compact


def _read(dte: etree._Element) -> _Doc:
    documento = xmlcore.child(dte, "Documento")
    if documento is None:
        raise errors.UnprintableDocument("el DTE no trae <Documento> (exportaciones y liquidaciones no se imprimen "
                                         "aquí)")
    enc = xmlcore.child(documento, "Encabezado")
    id_doc = None if enc is None else xmlcore.child(enc, "IdDoc")
    emisor = None if enc is None else xmlcore.child(enc, "Emisor")
    receptor = None if enc is None else xmlcore.child(enc, "Receptor")
    totales = None if enc is None else xmlcore.child(enc, "Totales")
    if id_doc is None or emisor is None or totales is None:
        raise errors.UnprintableDocument("al DTE le falta Encabezado/IdDoc, Emisor o Totales")
    tipo_text, folio_text = _txt(id_doc, "TipoDTE", 3), _txt(id_doc, "Folio", 10)
    if not tipo_text.isdigit() or int(tipo_text) not in NOMBRES:
        raise errors.UnprintableDocument(f"tipo de documento {tipo_text or '(vacío)'!r} no se imprime aquí "
                                         f"(sí: {', '.join(str(t) for t in NOMBRES)})")
    if not folio_text.isdigit() or int(folio_text) == 0:
        raise errors.UnprintableDocument(f"folio inválido: {folio_text!r}")
    tipo, folio = int(tipo_text), int(folio_text)
    try:
        fecha = date.fromisoformat(_txt(id_doc, "FchEmis", 10))
    except ValueError:
        raise errors.UnprintableDocument("FchEmis no es una fecha AAAA-MM-DD") from None
    rut_emisor, rut_emisor_compact = _rut(_txt(emisor, "RUTEmisor", 12), "del emisor")
    razon = _txt(emisor, "RznSoc") or _txt(emisor, "RznSocEmisor")
    if not razon:
        raise errors.UnprintableDocument("falta la razón social del emisor")
    telefonos = [xmlcore.clean_text(c.text or "")[:20] for c in emisor if isinstance(c.tag, str)
                 and xmlcore.localname(c) == "Telefono"]
    correo = _txt(emisor, "CorreoEmisor", 80)
    contacto = [*(["Teléfono: " + " / ".join(t for t in telefonos if t)] if any(telefonos) else []),
                *([f"Correo: {correo}"] if correo else [])]
    sucursal = _txt(emisor, "Sucursal", 20)
    cdg_sucursal = _txt(emisor, "CdgSIISucur", 9)
    if cdg_sucursal:
        sucursal = f"{sucursal} (código SII {cdg_sucursal})".strip()
    ted_el = xmlcore.child(documento, "TED")
    if ted_el is None:
        raise errors.UnprintableDocument("el documento no tiene timbre electrónico (TED)")
    total = _amount(totales, "MntTotal", "MntTotal")
    if total is None:
        raise errors.UnprintableDocument("falta MntTotal")
    payload = _ted_payload(ted_el, tipo, folio, rut_emisor_compact, total)
    receptor_rut, receptor_rows = _receptor(receptor, tipo)
    fma = _txt(id_doc, "FmaPago", 1)
    venc = _txt(id_doc, "FchVenc", 10)
    try:
        vencimiento = fecha_es(date.fromisoformat(venc)) if venc else ""
    except ValueError:
        raise errors.UnprintableDocument("FchVenc no es una fecha AAAA-MM-DD") from None
    return _Doc(
        tipo=tipo, folio=folio, fecha=fecha, rut_emisor=rut_emisor, rut_emisor_compact=rut_emisor_compact,
        emisor=razon, giro=_txt(emisor, "GiroEmis", 80) or _txt(emisor, "GiroEmisor", 80),
        direccion=_txt(emisor, "DirOrigen", 70), comuna=_txt(emisor, "CmnaOrigen", 20),
        ciudad=_txt(emisor, "CiudadOrigen", 20), contacto_emisor=contacto, sucursal=sucursal,
        receptor_rut=receptor_rut, receptor=receptor_rows,
        forma_pago=FORMAS_PAGO.get(fma, ""), vencimiento=vencimiento,
        bruto=tipo in BOLETAS or _txt(id_doc, "MntBruto", 1) == "1",
        lines=_lines(documento), refs=_refs(documento), globales=_globales(documento),
        totals=_totals(totales, tipo), total=clp(total), ted_payload=payload)


def _ted_payload(ted_el: etree._Element, tipo: int, folio: int, rut_emisor: str, total: int) -> bytes:
    dd = xmlcore.child(ted_el, "DD")
    if dd is None:
        raise errors.UnprintableDocument("el timbre (TED) no trae DD")
    wrong = [f"{name} {got!r} ≠ {want!r}" for name, got, want in (
        ("TD", _txt(dd, "TD", 10), str(tipo)), ("F", _txt(dd, "F", 12), str(folio)),
        ("RE", _txt(dd, "RE", 12).upper(), rut_emisor.upper()), ("MNT", _txt(dd, "MNT", 20), str(total)))
        if got != want]
    if wrong:
        raise errors.UnprintableDocument("el timbre (TED) no corresponde al documento: " + ", ".join(wrong))
    payload = ted.ted_payload(ted_el)
    if len(payload) > MAX_TED_PAYLOAD:
        raise errors.UnprintableDocument(f"el timbre (TED) pesa {len(payload)} bytes; no cabe en un PDF417")
    return payload


def _receptor(receptor: etree._Element | None, tipo: int) -> tuple[str, list[tuple[str, str]]]:
    rut_text = _txt(receptor, "RUTRecep", 12)
    if tipo in BOLETAS and (not rut_text or rut_text.upper() in (RUT_ANONIMO, "0", "0-0")):
        return "", []
    if not rut_text:
        raise errors.UnprintableDocument("falta el RUT del receptor")
    printed, _ = _rut(rut_text, "del receptor")
    comuna = _txt(receptor, "CmnaRecep", 20)
    ciudad = _txt(receptor, "CiudadRecep", 20)
    if ciudad and ciudad.casefold() != comuna.casefold():
        comuna = f"{comuna}, {ciudad}" if comuna else ciudad
    rows = [("Señor(es)", _txt(receptor, "RznSocRecep")), ("R.U.T.", printed),
            ("Giro", _txt(receptor, "GiroRecep", 40)), ("Dirección", _txt(receptor, "DirRecep", 70)),
            ("Comuna", comuna), ("Contacto", _txt(receptor, "Contacto", 80)),
            ("Correo", _txt(receptor, "CorreoRecep", 80))]
    return printed, [(k, v) for k, v in rows if v]


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and xmlcore.localname(c) == name]


def _lines(documento: etree._Element) -> list[_Line]:
    detalle = _children(documento, "Detalle")
    if not detalle:
        raise errors.UnprintableDocument("el documento no tiene detalle")
    if len(detalle) > MAX_DETALLE:
        raise errors.UnprintableDocument(f"el documento tiene {len(detalle)} líneas; se imprimen hasta {MAX_DETALLE}")
    out = []
    for n, det in enumerate(detalle, 1):
        what = f"línea {n}"
        cdg = xmlcore.child(det, "CdgItem")
        qty, prc = _txt(det, "QtyItem", 30), _txt(det, "PrcItem", 30)
        cantidad = number_es(_decimal(qty, f"QtyItem de la {what}")) if qty else ""
        unidad = _txt(det, "UnmdItem", 4)
        if cantidad and unidad:
            cantidad = f"{cantidad} {unidad}"
        precio = number_es(_decimal(prc, f"PrcItem de la {what}")) if prc else ""
        descuento = ""
        dsc = _amount(det, "DescuentoMonto", f"DescuentoMonto de la {what}")
        if dsc:
            pct = _txt(det, "DescuentoPct", 10)
            descuento = clp(dsc) + (f" ({number_es(_decimal(pct, 'DescuentoPct'))} %)" if pct else "")
        rcg = _amount(det, "RecargoMonto", f"RecargoMonto de la {what}")
        if rcg:
            descuento = (descuento + " " if descuento else "") + "recargo " + clp(rcg)
        monto = _amount(det, "MontoItem", f"MontoItem de la {what}")
        if monto is None:
            raise errors.UnprintableDocument(f"la {what} no tiene MontoItem")
        nombre = _txt(det, "NmbItem", 80)
        descripcion = _txt(det, "DscItem", 1000)
        ind_exe = _txt(det, "IndExe", 1)
        nota = {"1": "Exento", "2": "No facturable"}.get(ind_exe, "")
        out.append(_Line(codigo=_txt(cdg, "VlrCodigo", 35), nombre=nombre,
                         descripcion="" if descripcion == nombre else descripcion, cantidad=cantidad, precio=precio,
                         descuento=descuento, monto=clp(monto), nota=nota))
    return out


def _refs(documento: etree._Element) -> list[_Ref]:
    out = []
    for ref in _children(documento, "Referencia")[:40]:
        tipo = _txt(ref, "TpoDocRef", 3)
        name = TIPOS_REFERENCIA.get(tipo.upper(), f"Documento tipo {tipo}")
        if _txt(ref, "IndGlobal", 1) == "1":
            name += " (referencia global)"
        fch = _txt(ref, "FchRef", 10)
        try:
            fecha = date.fromisoformat(fch).strftime("%d-%m-%Y") if fch else ""
        except ValueError:
            fecha = fch
        cod = _txt(ref, "CodRef", 1)
        out.append(_Ref(tipo=name, folio=_txt(ref, "FolioRef", 18), fecha=fecha,
                        codigo=f"{cod} - {COD_REF[cod]}" if cod in COD_REF else cod, razon=_txt(ref, "RazonRef", 90)))
    return out


def _globales(documento: etree._Element) -> list[tuple[str, str]]:
    out = []
    for el in _children(documento, "DscRcgGlobal")[:20]:
        mov = "Descuento global" if _txt(el, "TpoMov", 1).upper() == "D" else "Recargo global"
        glosa = _txt(el, "GlosaDR", 45)
        value = _decimal(_txt(el, "ValorDR", 20) or "0", "ValorDR")
        shown = f"{number_es(value)} %" if _txt(el, "TpoValor", 1) == "%" else clp(int(value))
        if glosa and ("descuento" in glosa.casefold() or "recargo" in glosa.casefold()):
            label = glosa
        else:
            label = f"{mov} ({glosa})" if glosa else mov
        out.append((label, shown))
    return out


def _totals(totales: etree._Element, tipo: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    neto = _amount(totales, "MntNeto", "MntNeto")
    exento = _amount(totales, "MntExe", "MntExe")
    iva = _amount(totales, "IVA", "IVA")
    if tipo not in EXENTOS:
        rows.append(("Monto neto", clp(neto or 0)))
    if exento or tipo in EXENTOS:
        rows.append(("Monto exento", clp(exento or 0)))
    if tipo not in EXENTOS:
        tasa_text = _txt(totales, "TasaIVA", 6)
        tasa = number_es(_decimal(tasa_text, "TasaIVA")) if tasa_text else "19"
        rows.append((f"IVA {tasa} %", clp(iva or 0)))
    for imp in _children(totales, "ImptoReten")[:20]:
        code = _txt(imp, "TipoImp", 3)
        rate = _txt(imp, "TasaImp", 8)
        label = f"Impuesto adicional cód. {code}" + (f" ({number_es(_decimal(rate, 'TasaImp'))} %)" if rate else "")
        rows.append((label, clp(_amount(imp, "MontoImp", "MontoImp") or 0)))
    for path, label in (("IVANoRet", "IVA no retenido"), ("CredEC", "Crédito empresas constructoras"),
                        ("MontoNF", "Monto no facturable")):
        value = _amount(totales, path, path)
        if value:
            rows.append((label, clp(value)))
    return rows


# --- fonts and text --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Fonts:
    regular: str
    bold: str
    narrow: str
    narrow_bold: str


@cache
def _fonts() -> _Fonts:
    """DejaVu Sans (and Condensed for tables) when installed, else the PDF's standard Helvetica."""
    files = {"AlmacenSans": "DejaVuSans.ttf", "AlmacenSans-Bold": "DejaVuSans-Bold.ttf",
             "AlmacenSansNarrow": "DejaVuSansCondensed.ttf", "AlmacenSansNarrow-Bold": "DejaVuSansCondensed-Bold.ttf"}
    if not all((_FONT_DIR / f).is_file() for f in files.values()):
        return _Fonts("Helvetica", "Helvetica-Bold", "Helvetica", "Helvetica-Bold")
    for name, file in files.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / file)))
    return _Fonts(*files)


def _width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


def _wrap(text: str, font: str, size: float, width: float, max_lines: int = 12) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (long words cut); at most ``max_lines``, the last one
    ending in "…" when text was left out."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _width(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while _width(word, font, size) > width:
            cut = max(1, len(word) - 1)
            while cut > 1 and _width(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _width(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines or [""]


# --- the timbre ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Timbre:
    """The PDF417 as drawn: ``bars`` are (x, y, width, height) in modules from the top-left corner of the
    symbol with its quiet zone; ``module`` the module width in points; sizes in points, quiet zone included."""

    columns: int
    module: float
    width_modules: int
    height_modules: int
    bars: tuple[tuple[int, int, int, int], ...]

    @property
    def width(self) -> float:
        return self.width_modules * self.module

    @property
    def height(self) -> float:
        return self.height_modules * self.module


def timbre(payload: bytes) -> Timbre:
    """The PDF417 of ``payload`` (the flattened TED) with the widest module that keeps the symbol within the
    SII's size (:data:`TIMBRE_MAX_W` × :data:`TIMBRE_MAX_H`), trying 10-20 data columns.

    Raises:
        UnprintableDocument: no symbol fits with modules of at least :data:`MODULE_MIN`.
    """
    best: tuple[float, int, Any] | None = None
    for columns in TIMBRE_COLUMNS:
        try:
            image = ted.pdf417_image(payload, columns=columns, scale=1)
        except errors.DocumentInvalid:
            continue
        module = min(TIMBRE_MAX_W / image.width, TIMBRE_MAX_H / image.height, MODULE_MAX)
        if best is None or module > best[0] + 1e-9:
            best = (module, columns, image)
    if best is None or best[0] < MODULE_MIN:
        raise errors.UnprintableDocument("el timbre no cabe en el tamaño que el SII permite")
    module, columns, image = best
    width, height = image.width, image.height
    pixels = image.load()
    bars: list[tuple[int, int, int, int]] = []
    previous: list[tuple[int, int]] = []
    open_bars: dict[tuple[int, int], int] = {}
    for y in range(height + 1):
        runs: list[tuple[int, int]] = []
        if y < height:
            x = 0
            while x < width:
                if pixels[x, y] < 128:
                    start = x
                    while x < width and pixels[x, y] < 128:
                        x += 1
                    runs.append((start, x - start))
                else:
                    x += 1
        if runs != previous:  # a new symbol row: close the bars of the previous one
            for run in previous:
                top = open_bars.pop(run)
                bars.append((run[0], top, run[1], y - top))
            for run in runs:
                open_bars[run] = y
            previous = runs
    return Timbre(columns=columns, module=module, width_modules=width, height_modules=height, bars=tuple(bars))


# --- drawing ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Column:
    title: str
    width: float
    align: Literal["left", "right", "center"]


@dataclass(slots=True)
class _Item:
    """Something in the flow under the page header: a detail row, the referencias' heading, a reference row."""

    kind: Literal["detail", "refs_title", "ref", "note"]
    height: float
    draw: Callable[[Any, float], None]


class _Renderer:
    def __init__(self, doc: _Doc, resolution: tuple[int, int], cedible: bool, unidad_sii: str | None,
                 papel: Papel) -> None:
        self.doc = doc
        self.resolution = resolution
        self.cedible = cedible
        size = LETTER if papel == "carta" else A4
        self.page_w, self.page_h = float(size[0]), float(size[1])
        self.content_w = self.page_w - 2 * MARGIN_X
        self.f = _fonts()
        unidad = xmlcore.clean_text(unidad_sii or "") or doc.comuna or doc.ciudad
        if not unidad:
            raise errors.UnprintableDocument("indique la unidad del SII (el emisor no tiene comuna)")
        self.unidad = unidad.upper()
        self.timbre = timbre(doc.ted_payload)
        self.columns = self._detail_columns()
        self.header_h = self._header_height()
        self.datos_h = self._datos_height()
        self.bottom_h = self._bottom_height()

    # sizes ---------------------------------------------------------------------------------------------------
    def _detail_columns(self) -> list[_Column]:
        fixed = [_Column("Código", 22 * MM, "left"), _Column("Cantidad", 19 * MM, "right"),
                 _Column("Precio", 21 * MM, "right"), _Column("Descuento", 24 * MM, "right"),
                 _Column("Monto", 24 * MM, "right")]
        rest = self.content_w - sum(c.width for c in fixed)
        return [fixed[0], _Column("Descripción", rest, "left"), *fixed[1:]]

    def _emisor_lines(self) -> list[tuple[str, str, float]]:
        d, f = self.doc, self.f
        width = self.content_w - RECUADRO_W - 8 * MM
        name_size = 12.0 if len(_wrap(d.emisor, f.bold, 12, width, 3)) == 1 else 10.5
        out = [(line, f.bold, name_size) for line in _wrap(d.emisor, f.bold, name_size, width, 3)]
        if d.giro:
            out += [(line, f.regular, 8.5) for line in _wrap(f"Giro: {d.giro}", f.regular, 8.5, width, 3)]
        place = ", ".join(x for x in (d.direccion, d.comuna,
                                      d.ciudad if d.ciudad.casefold() != d.comuna.casefold() else "") if x)
        if place:
            out += [(line, f.regular, 8.5) for line in _wrap(f"Casa matriz: {place}", f.regular, 8.5, width, 2)]
        if d.sucursal:
            out += [(line, f.regular, 8.5) for line in _wrap(f"Sucursal: {d.sucursal}", f.regular, 8.5, width, 2)]
        for contacto in d.contacto_emisor:
            out += [(line, f.regular, 8.5) for line in _wrap(contacto, f.regular, 8.5, width, 2)]
        return out

    def _header_height(self) -> float:
        emisor = sum(size * LEADING for _, _, size in self._emisor_lines())
        return max(emisor, RECUADRO_H + 6 * MM) + 4 * MM

    DATOS_SPLIT: Final = 0.58
    """Receptor on the left (this share of the width), fecha, vencimiento and forma de pago on the right."""
    DATOS_SIZE: Final = 8.5

    def _label_w(self, labels: Sequence[str]) -> float:
        return max((_width(f"{x}:", self.f.bold, self.DATOS_SIZE) for x in labels), default=0.0) + 2.5 * MM

    def _datos_layout(self) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
        """(left rows, right rows) of the box under the header: each a label and its value's lines."""
        d, size = self.doc, self.DATOS_SIZE
        dates = [("Fecha de emisión", fecha_es(d.fecha))]
        if d.vencimiento:
            dates.append(("Vencimiento", d.vencimiento))
        if d.forma_pago:
            dates.append(("Forma de pago", d.forma_pago))
        left_rows, right_rows = (d.receptor, dates) if d.receptor else (dates, [])  # anonymous boleta: date only
        left_w = self.content_w * self.DATOS_SPLIT - 6 * MM
        right_w = self.content_w * (1 - self.DATOS_SPLIT) - 3 * MM
        left_values = left_w - self._label_w([k for k, _ in left_rows])
        right_values = right_w - self._label_w([k for k, _ in right_rows])
        return ([(k, _wrap(v, self.f.regular, size, left_values, 3)) for k, v in left_rows],
                [(k, _wrap(v, self.f.regular, size, right_values, 2)) for k, v in right_rows])

    def _datos_height(self) -> float:
        left, right = self._datos_layout()
        lines = max(sum(len(v) for _, v in left), sum(len(v) for _, v in right))
        return lines * self.DATOS_SIZE * LEADING + 5 * MM

    # the flow (detail, referencias) -------------------------------------------------------------------------
    def _detail_item(self, line: _Line) -> _Item:
        f, cols = self.f, self.columns
        size = 8.0
        desc_w = cols[1].width - 3 * MM
        desc = [(t, f.narrow) for t in _wrap(line.nombre, f.narrow, size, desc_w, 3)]
        if line.descripcion:
            desc += [(t, f.narrow) for t in _wrap(line.descripcion, f.narrow, size, desc_w, 8)]
        if line.nota and self.doc.tipo not in EXENTOS:  # on an exempt document every line is
            desc.append((f"({line.nota.lower()})", f.narrow))
        codigo = _wrap(line.codigo, f.narrow, size, cols[0].width - 3 * MM, 2) if line.codigo else []
        descuento = _wrap(line.descuento, f.narrow, size, cols[4].width - 3 * MM, 3) if line.descuento else []
        n_lines = max(len(desc), len(codigo), len(descuento), 1)
        height = n_lines * size * LEADING + 2.2 * MM

        def draw(c: Any, top: float) -> None:
            y = top - 1.1 * MM - size
            x = MARGIN_X
            cells: list[list[tuple[str, str]]] = [
                [(t, f.narrow) for t in codigo], desc, [(line.cantidad, f.narrow)], [(line.precio, f.narrow)],
                [(t, f.narrow) for t in descuento], [(line.monto, f.narrow)]]
            for col, cell in zip(cols, cells, strict=True):
                for i, (text, font) in enumerate(cell):
                    self._cell_text(c, text, font, size, x, col, y - i * size * LEADING)
                x += col.width
            c.setStrokeColorRGB(*GREY_LINE)
            c.setLineWidth(0.4)
            c.line(MARGIN_X, top - height, MARGIN_X + self.content_w, top - height)

        return _Item("detail", height, draw)

    def _cell_text(self, c: Any, text: str, font: str, size: float, x: float, col: _Column, y: float) -> None:
        c.setFillColorRGB(*BLACK)
        c.setFont(font, size)
        pad = 1.5 * MM
        if col.align == "right":
            c.drawRightString(x + col.width - pad, y, text)
        elif col.align == "center":
            c.drawCentredString(x + col.width / 2, y, text)
        else:
            c.drawString(x + pad, y, text)

    def _ref_columns(self) -> list[_Column]:
        fixed = [_Column("Documento", 52 * MM, "left"), _Column("Folio", 26 * MM, "left"),
                 _Column("Fecha", 20 * MM, "left"), _Column("Código", 32 * MM, "left")]
        return [*fixed, _Column("Razón de la referencia", self.content_w - sum(c.width for c in fixed), "left")]

    def _ref_items(self) -> list[_Item]:
        if not self.doc.refs:
            return []
        cols = self._ref_columns()
        f = self.f
        size = 8.0
        title_h = 6 * MM + 5.5 * MM

        def draw_title(c: Any, top: float) -> None:
            c.setFillColorRGB(*BLACK)
            c.setFont(f.bold, 9)
            c.drawString(MARGIN_X, top - 4.5 * MM, "Referencias")
            self._table_header(c, cols, top - 6 * MM, 5.5 * MM)

        items = [_Item("refs_title", title_h, draw_title)]
        for ref in self.doc.refs:
            cells = [_wrap(ref.tipo, f.narrow, size, cols[0].width - 3 * MM, 2),
                     _wrap(ref.folio, f.narrow, size, cols[1].width - 3 * MM, 2), [ref.fecha],
                     _wrap(ref.codigo, f.narrow, size, cols[3].width - 3 * MM, 2),
                     _wrap(ref.razon, f.narrow, size, cols[4].width - 3 * MM, 3)]
            height = max(len(x) for x in cells) * size * LEADING + 2.2 * MM

            def draw_ref(c: Any, top: float, cells: list[list[str]] = cells, height: float = height) -> None:
                x = MARGIN_X
                for col, cell in zip(cols, cells, strict=True):
                    for i, text in enumerate(cell):
                        self._cell_text(c, text, f.narrow, size, x, col, top - 1.1 * MM - size - i * size * LEADING)
                    x += col.width
                c.setStrokeColorRGB(*GREY_LINE)
                c.setLineWidth(0.4)
                c.line(MARGIN_X, top - height, MARGIN_X + self.content_w, top - height)

            items.append(_Item("ref", height, draw_ref))
        return items

    def _note_item(self, text: str) -> _Item:
        def draw(c: Any, top: float) -> None:
            c.setFillColorRGB(*BLACK)
            c.setFont(self.f.regular, 7.5)
            c.drawString(MARGIN_X, top - 3.6 * MM, text)

        return _Item("note", 5 * MM, draw)

    def _table_header(self, c: Any, cols: Sequence[_Column], top: float, height: float) -> None:
        c.setFillColorRGB(*GREY_FILL)
        c.setStrokeColorRGB(*GREY_LINE)
        c.setLineWidth(0.5)
        c.rect(MARGIN_X, top - height, self.content_w, height, stroke=1, fill=1)
        x = MARGIN_X
        for col in cols:
            self._cell_text(c, col.title, self.f.narrow_bold, 8, x, col, top - height + 1.7 * MM)
            x += col.width

    # the bottom block (totals, timbre, acuse de recibo) ----------------------------------------------------------
    TOTALS_W: Final = 82 * MM
    ROW_H: Final = 5.2 * MM
    ACUSE_H: Final = 43 * MM

    def _totals_rows(self) -> list[tuple[list[str], str, float]]:
        """(label lines, value, row height) of the totals box, global discounts/surcharges first."""
        out = []
        for label, value in [*self.doc.globales, *self.doc.totals]:
            lines = _wrap(label, self.f.regular, 8.5, self.TOTALS_W - 5 * MM - _width(value, self.f.regular, 8.5)
                          - 4 * MM, 2)
            out.append((lines, value, self.ROW_H + (len(lines) - 1) * 8.5 * LEADING))
        return out

    def _totals_height(self) -> float:
        return sum(h for _, _, h in self._totals_rows()) + self.ROW_H + 2 * MM

    def _right_height(self) -> float:
        height = self._totals_height()
        if self.cedible:
            height += 4 * MM + self.ACUSE_H + 9 * MM
        return height

    def _left_height(self) -> float:
        return self.timbre.height + 3 * 9 * LEADING + 2 * MM

    def _bottom_height(self) -> float:
        return max(self._right_height(), self._left_height()) + 4 * MM

    def _draw_bottom(self, c: Any) -> None:
        top = MARGIN_BOTTOM + self.bottom_h - 4 * MM
        self._draw_timbre(c, MARGIN_BOTTOM + self._left_height())
        x = MARGIN_X + self.content_w - self.TOTALS_W
        y = top
        c.setStrokeColorRGB(*BLACK)
        c.setLineWidth(0.6)
        box_h = self._totals_height()
        c.rect(x, y - box_h, self.TOTALS_W, box_h, stroke=1, fill=0)
        y -= 1 * MM
        c.setFillColorRGB(*BLACK)
        c.setFont(self.f.regular, 8.5)
        for lines, value, height in self._totals_rows():
            base = y - self.ROW_H + 1.6 * MM
            for i, line in enumerate(lines):
                c.drawString(x + 2.5 * MM, base - i * 8.5 * LEADING, line)
            c.drawRightString(x + self.TOTALS_W - 2.5 * MM, base, value)
            y -= height
        c.setLineWidth(0.4)
        c.line(x + 2 * MM, y - 0.4 * MM, x + self.TOTALS_W - 2 * MM, y - 0.4 * MM)
        c.setFont(self.f.bold, 10)
        c.drawString(x + 2.5 * MM, y - self.ROW_H + 1.4 * MM, "Total")
        c.drawRightString(x + self.TOTALS_W - 2.5 * MM, y - self.ROW_H + 1.4 * MM, self.doc.total)
        if self.cedible:
            self._draw_acuse(c, x, top - box_h - 4 * MM)

    def _draw_timbre(self, c: Any, top: float) -> None:
        t = self.timbre
        left = TIMBRE_LEFT
        c.setFillColorRGB(*BLACK)
        for bx, by, bw, bh in t.bars:
            c.rect(left + bx * t.module, top - (by + bh) * t.module, bw * t.module, bh * t.module, stroke=0, fill=1)
        center = left + t.width / 2
        y = top - t.height - 9
        numero, anio = self.resolution
        for text, font in (("Timbre Electrónico SII", self.f.bold), (f"Res. {numero} de {anio}", self.f.regular),
                           ("Verifique documento: www.sii.cl", self.f.regular)):
            c.setFont(font, 8)
            c.drawCentredString(center, y, text)
            y -= 9 * LEADING

    def _draw_acuse(self, c: Any, x: float, top: float) -> None:
        w, h = self.TOTALS_W, self.ACUSE_H
        c.setStrokeColorRGB(*BLACK)
        c.setLineWidth(0.6)
        c.rect(x, top - h, w, h, stroke=1, fill=0)
        c.setFillColorRGB(*BLACK)
        c.setFont(self.f.bold, 8.5)
        c.drawCentredString(x + w / 2, top - 4.5 * MM, "ACUSE DE RECIBO")
        y = top - 10 * MM
        c.setFont(self.f.regular, 8)
        for left_label, right_label in (("Nombre:", ""), ("R.U.T.:", "Fecha:"), ("Recinto:", "Firma:")):
            self._blank(c, left_label, x + 2.5 * MM, y, (w - 6 * MM) / (2 if right_label else 1))
            if right_label:
                self._blank(c, right_label, x + 2.5 * MM + (w - 3 * MM) / 2, y, (w - 6 * MM) / 2)
            y -= 6 * MM
        c.setFont(self.f.regular, 6.5)
        for line in _wrap(ACUSE_LEYENDA, self.f.regular, 6.5, w - 5 * MM, 6):
            c.drawString(x + 2.5 * MM, y, line)
            y -= 6.5 * LEADING
        c.setFillColorRGB(*BLACK)
        c.setFont(self.f.bold, 16)
        c.drawRightString(x + w, top - h - 7 * MM, "CEDIBLE")

    def _blank(self, c: Any, label: str, x: float, y: float, width: float) -> None:
        c.drawString(x, y, label)
        start = x + _width(label, self.f.regular, 8) + 1.5 * MM
        c.setLineWidth(0.4)
        c.line(start, y - 0.8, x + width - 2 * MM, y - 0.8)

    # pages --------------------------------------------------------------------------------------------------
    def _flow(self) -> list[_Item]:
        items = [self._detail_item(x) for x in self.doc.lines]
        if self.doc.bruto and self.doc.tipo not in EXENTOS:
            items.append(self._note_item("Precios y montos de las líneas con IVA incluido."))
        return items + self._ref_items()

    def _flow_top(self, first: bool) -> float:
        top = self.page_h - MARGIN_TOP - self.header_h
        return top - (self.datos_h + 4 * MM if first else 0)

    def _usage(self, items: Sequence[_Item]) -> float:
        table_header = 6 * MM if any(i.kind == "detail" for i in items) else 0
        return table_header + sum(i.height for i in items) + (1 * MM if items else 0)

    def _paginate(self) -> list[list[_Item]]:
        bottom = MARGIN_BOTTOM + 4 * MM  # room for "Hoja n de N"
        pages: list[list[_Item]] = [[]]
        flow = self._flow()
        for n, item in enumerate(flow):
            page = pages[-1]
            candidate = [*page, item]
            if item.kind == "refs_title" and n + 1 < len(flow):
                candidate.append(flow[n + 1])  # a heading never ends a page
            if page and self._usage(candidate) > self._flow_top(len(pages) == 1) - bottom:
                pages.append([item])
            else:
                page.append(item)
        last_room = self._flow_top(len(pages) == 1) - MARGIN_BOTTOM - self.bottom_h
        if self._usage(pages[-1]) > last_room:
            # totals and timbre do not fit under the last rows: the last row (with its heading) opens a new page
            moved = [pages[-1].pop()] if pages[-1] else []
            while pages[-1] and pages[-1][-1].kind == "refs_title":
                moved.insert(0, pages[-1].pop())
            if not pages[-1]:
                pages.pop()
            pages.append(moved)
        return pages

    def render(self) -> bytes:
        d = self.doc
        buffer = io.BytesIO()
        c = rl_canvas.Canvas(buffer, pagesize=(self.page_w, self.page_h), invariant=1, pageCompression=1)
        title = f"{NOMBRES[d.tipo].capitalize()} N° {d.folio}"
        c.setTitle(title + (" (cedible)" if self.cedible else ""))
        c.setAuthor(d.emisor)
        c.setSubject(f"R.U.T. {d.rut_emisor} - {title}")
        c.setCreator("Almacén")
        pages = self._paginate()
        for number, items in enumerate(pages, 1):
            self._draw_header(c)
            top = self._flow_top(number == 1)
            if number == 1:
                self._draw_datos(c, self.page_h - MARGIN_TOP - self.header_h)
            y = top
            table_top = None
            for item in items:
                if item.kind == "detail" and table_top is None:
                    table_top = y
                    self._table_header(c, self.columns, y, 6 * MM)
                    y -= 6 * MM
                if item.kind != "detail" and table_top is not None:
                    self._table_frame(c, table_top, y)
                    table_top = None
                    y -= 1 * MM
                item.draw(c, y)
                y -= item.height
            if table_top is not None:
                self._table_frame(c, table_top, y)
            if number == len(pages):
                self._draw_bottom(c)
            c.setFont(self.f.regular, 7)
            c.setFillColorRGB(*BLACK)
            c.drawRightString(MARGIN_X + self.content_w, MARGIN_BOTTOM - 5 * MM,
                              f"{NOMBRES[d.tipo].capitalize()} N° {d.folio} - Hoja {number} de {len(pages)}")
            c.showPage()
        c.save()
        return buffer.getvalue()

    def _table_frame(self, c: Any, top: float, bottom: float) -> None:
        c.setStrokeColorRGB(*GREY_LINE)
        c.setLineWidth(0.5)
        c.rect(MARGIN_X, bottom, self.content_w, top - bottom, stroke=1, fill=0)
        x = MARGIN_X
        for col in self.columns[:-1]:
            x += col.width
            c.line(x, top, x, bottom)

    def _draw_header(self, c: Any) -> None:
        d, f = self.doc, self.f
        top = self.page_h - MARGIN_TOP
        y = top
        c.setFillColorRGB(*BLACK)
        for text, font, size in self._emisor_lines():
            y -= size * LEADING
            c.setFont(font, size)
            c.drawString(MARGIN_X, y + size * (LEADING - 1), text)
        # recuadro
        x = MARGIN_X + self.content_w - RECUADRO_W
        c.setStrokeColorRGB(*RED)
        c.setFillColorRGB(*RED)
        c.setLineWidth(RECUADRO_LINE)
        c.rect(x, top - RECUADRO_H, RECUADRO_W, RECUADRO_H, stroke=1, fill=0)
        center = x + RECUADRO_W / 2
        name_size = 12.0
        name = _wrap(NOMBRES[d.tipo], f.bold, name_size, RECUADRO_W - 8 * MM, 2)
        if len(name) > 1:
            name_size = 10.5
            name = _wrap(NOMBRES[d.tipo], f.bold, name_size, RECUADRO_W - 6 * MM, 2)
        lines = [(f"R.U.T.: {d.rut_emisor}", 12.0), *((n, name_size) for n in name), (f"N° {d.folio}", 12.0)]
        block = sum(size * 1.45 for _, size in lines)
        y = top - (RECUADRO_H - block) / 2
        for text, size in lines:
            y -= size * 1.45
            c.setFont(f.bold, size)
            c.drawCentredString(center, y + size * 0.35, text)
        c.setFont(f.bold, 9)
        c.drawCentredString(center, top - RECUADRO_H - 4.5 * MM, f"S.I.I. - {self.unidad}")
        c.setFillColorRGB(*BLACK)
        c.setStrokeColorRGB(*BLACK)

    def _draw_datos(self, c: Any, top: float) -> None:
        left, right = self._datos_layout()
        height = self.datos_h
        size = self.DATOS_SIZE
        c.setStrokeColorRGB(*BLACK)
        c.setLineWidth(0.6)
        c.rect(MARGIN_X, top - height, self.content_w, height, stroke=1, fill=0)
        c.setFillColorRGB(*BLACK)
        right_x = MARGIN_X + self.content_w * self.DATOS_SPLIT
        for rows, x in ((left, MARGIN_X + 3 * MM), (right, right_x)):
            label_w = self._label_w([k for k, _ in rows])
            y = top - 2.5 * MM
            for label, values in rows:
                for i, value in enumerate(values):
                    y -= size * LEADING
                    if i == 0:
                        c.setFont(self.f.bold, size)
                        c.drawString(x, y + 2, f"{label}:")
                    c.setFont(self.f.regular, size)
                    c.drawString(x + label_w, y + 2, value)


def _render(doc: _Doc, resolution: tuple[int, int], cedible: bool, unidad_sii: str | None, papel: Papel) -> bytes:
    if papel not in ("carta", "a4"):
        raise errors.UnprintableDocument(f"papel {papel!r}: use carta o a4")
    return _Renderer(doc, resolution, cedible, unidad_sii, papel).render()
