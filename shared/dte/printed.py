"""A DTE as its printed form shows it: read from the signed XML (a DTE, EnvioDTE or EnvioBOLETA) into texts ready
to lay out, with the amounts, quantities and dates written in es-CL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from lxml import etree

from shared import errors as pos_errors
from shared import es_cl
from shared import rut as rut_mod
from shared.dte import errors, ted, xmlcore

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


@dataclass(frozen=True, slots=True)
class Line:
    """One detail line as printed (amounts as ``clp``, quantities as ``es_cl.number``; empty when absent)."""

    codigo: str
    nombre: str
    descripcion: str
    cantidad: str
    precio: str
    descuento: str
    monto: str
    nota: str


@dataclass(frozen=True, slots=True)
class Ref:
    """One referencia as printed: the referenced document's name, folio, fecha dd-mm-aaaa, código and razón."""

    tipo: str
    folio: str
    fecha: str
    codigo: str
    razon: str


@dataclass(slots=True)
class Printed:
    """What the printed document shows, read by :func:`read`: texts ready to lay out (``receptor``, ``globales``
    and ``totals`` as label and value rows), the date, and the TED's bytes for the timbre."""

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
    lines: list[Line]
    refs: list[Ref]
    globales: list[tuple[str, str]]
    totals: list[tuple[str, str]]
    total: str
    ted_payload: bytes = field(repr=False)


def dtes(root: etree._Element) -> tuple[list[etree._Element], tuple[int, int] | None]:
    """The DTE elements of a parsed file and the resolution its Carátula names, ``(número, año)`` or None.

    Raises:
        UnprintableDocument: not a DTE, EnvioDTE or EnvioBOLETA, or an envelope without documents.
    """
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


def matches(dte: etree._Element, tipo: int | None, folio: int | None) -> bool:
    """Whether ``dte`` is of ``tipo`` and ``folio`` (None matches any)."""
    def number(path: str) -> int | None:
        value = (xmlcore.text(dte, "Documento/Encabezado/IdDoc/" + path) or "").strip()
        return int(value) if value.isdigit() else None

    return (tipo is None or number("TipoDTE") == tipo) and (folio is None or number("Folio") == folio)


def resolution(given: tuple[int, int] | None, caratula: tuple[int, int] | None) -> tuple[int, int]:
    """The SII resolution printed under the timbre: ``given``, else the Carátula's.

    Raises:
        UnprintableDocument: neither is known, or the number or year is out of range.
    """
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
    return ("-" if amount < 0 else "") + "$ " + es_cl.number(abs(amount))


def _rut(value: str, what: str) -> tuple[str, str]:
    """(printed ``76.235.291-5``, compact ``76235291-5``)."""
    try:
        parsed = rut_mod.parse(value.strip())
    except pos_errors.InvalidRut:
        raise errors.UnprintableDocument(f"RUT {what} inválido: {value.strip()[:20]!r}") from None
    return str(parsed), parsed.compact


def read(dte: etree._Element) -> Printed:
    """The printed form of one ``<DTE>`` element.

    Raises:
        UnprintableDocument: an unsupported type, a field the printed document needs missing or unreadable, or a
            TED that is missing, does not match the document (TD, F, RE, MNT) or is too big for a PDF417.
    """
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
        vencimiento = es_cl.date_words(date.fromisoformat(venc)) if venc else ""
    except ValueError:
        raise errors.UnprintableDocument("FchVenc no es una fecha AAAA-MM-DD") from None
    return Printed(
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


def _lines(documento: etree._Element) -> list[Line]:
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
        cantidad = es_cl.number(_decimal(qty, f"QtyItem de la {what}")) if qty else ""
        unidad = _txt(det, "UnmdItem", 4)
        if cantidad and unidad:
            cantidad = f"{cantidad} {unidad}"
        precio = es_cl.number(_decimal(prc, f"PrcItem de la {what}")) if prc else ""
        descuento = ""
        dsc = _amount(det, "DescuentoMonto", f"DescuentoMonto de la {what}")
        if dsc:
            pct = _txt(det, "DescuentoPct", 10)
            descuento = clp(dsc) + (f" ({es_cl.number(_decimal(pct, 'DescuentoPct'))} %)" if pct else "")
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
        out.append(Line(codigo=_txt(cdg, "VlrCodigo", 35), nombre=nombre,
                         descripcion="" if descripcion == nombre else descripcion, cantidad=cantidad, precio=precio,
                         descuento=descuento, monto=clp(monto), nota=nota))
    return out


def _refs(documento: etree._Element) -> list[Ref]:
    out = []
    for ref in _children(documento, "Referencia")[:40]:
        cod = _txt(ref, "CodRef", 18)  # a boleta's CodRef is text ("SET" in certification) and it has no TpoDocRef
        tipo = _txt(ref, "TpoDocRef", 3) or cod[:3]
        name = TIPOS_REFERENCIA.get(tipo.upper(), f"Documento tipo {tipo}")
        if _txt(ref, "IndGlobal", 1) == "1":
            name += " (referencia global)"
        fch = _txt(ref, "FchRef", 10)
        try:
            fecha = date.fromisoformat(fch).strftime("%d-%m-%Y") if fch else ""
        except ValueError:
            fecha = fch
        out.append(Ref(tipo=name, folio=_txt(ref, "FolioRef", 18), fecha=fecha,
                        codigo=f"{cod} - {COD_REF[cod]}" if cod in COD_REF else cod, razon=_txt(ref, "RazonRef", 90)))
    return out


def _globales(documento: etree._Element) -> list[tuple[str, str]]:
    out = []
    for el in _children(documento, "DscRcgGlobal")[:20]:
        mov = "Descuento global" if _txt(el, "TpoMov", 1).upper() == "D" else "Recargo global"
        glosa = _txt(el, "GlosaDR", 45)
        value = _decimal(_txt(el, "ValorDR", 20) or "0", "ValorDR")
        shown = f"{es_cl.number(value)} %" if _txt(el, "TpoValor", 1) == "%" else clp(int(value))
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
        tasa = es_cl.number(_decimal(tasa_text, "TasaIVA")) if tasa_text else "19"
        rows.append((f"IVA {tasa} %", clp(iva or 0)))
    for imp in _children(totales, "ImptoReten")[:20]:
        code = _txt(imp, "TipoImp", 3)
        rate = _txt(imp, "TasaImp", 8)
        label = f"Impuesto adicional cód. {code}" + (f" ({es_cl.number(_decimal(rate, 'TasaImp'))} %)" if rate else "")
        rows.append((label, clp(_amount(imp, "MontoImp", "MontoImp") or 0)))
    for path, label in (("IVANoRet", "IVA no retenido"), ("CredEC", "Crédito empresas constructoras"),
                        ("MontoNF", "Monto no facturable")):
        value = _amount(totales, path, path)
        if value:
            rows.append((label, clp(value)))
    return rows
