"""The SII's certification of a new issuer: from the test set file (:mod:`syncserver.dte.certification_set`) to the
signed documents of each case, one envelope per set, the printed samples and the checklist of what to upload when.

Each case becomes one document of the shared model (``shared.dte.documents``), stamped with the certification CAF
of its type, signed, checked against the SII's XSDs and its own signatures; the rules taken from the SII's
instructions for the set (first reference "SET", notas built from the case they modify, one RUT per factura) and
what is left to the applicant: docs/certification.md.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

from shared import errors as pos_errors
from shared import money
from shared import rut as rut_mod
from shared.dte import caf as caf_mod
from shared.dte import documents, drawing, printed, schema, signature, ted, xml, xmlcore
from shared.dte import errors as dte_errors
from shared.dte import pdf as dte_pdf
from shared.dte.documents import CodRef, Documento, Linea, Receptor, TipoDTE
from syncserver.dte import pipeline
from syncserver.dte.certification_set import BOLETAS, NOTAS, ArchivoSet, Caso, Item, SetPruebas, clave

TPO_DOC_REF_SET: Final = "SET"
"""TpoDocRef of a set document's first reference (SII, instrucciones del set de pruebas I.6); a boleta carries it
as CodRef."""
NOMBRES: Final = {33: "factura", 34: "factura exenta", 39: "boleta", 41: "boleta exenta", 56: "nota de débito",
                  61: "nota de crédito"}

RECEPTORES_PRUEBA: Final = tuple(
    Receptor(rut=f"{d * 8}-{d}", razon_social=f"CLIENTE DE PRUEBA {n}", giro="COMERCIO AL POR MENOR",
             direccion=f"AVENIDA PRUEBA {100 * n}", comuna="SANTIAGO", ciudad="SANTIAGO")
    for n, d in enumerate("12345789", 1))
"""One receptor per factura of a set (the SII asks for a different RUT on each): RUTs 11.111.111-1 … 99.999.999-9
(valid check digits, no real company; 66.666.666-6 is the anonymous buyer and left out). ``--receptores`` replaces
them with real customers."""


class CertificationError(pos_errors.PosError):
    """The set cannot be built as asked (the message, in Spanish, says which case or file and why)."""


@dataclass(frozen=True)
class Parametros:
    """What a run needs besides the set.

    Args:
        cafs: the certification CAF of each type the set needs, with its private key (by TipoDTE).
        fecha: FchEmis of every document ("fecha del día"), also the references' FchRef.
        timestamp: TSTED and TmstFirma, Chile's wall time.
        resolucion: FchResol of the Carátula (the date of the certification resolution; NroResol is 0).
        xsd_dir: the SII's schemas every envelope is validated against (those shipped with ``shared.dte``).
        desde: the first folio to use per type (default: the CAF's first); a rerun takes new folios.
        rut_envia: RutEnvia when the certificate carries no RUT of its holder.
    """

    emisor: documents.Emisor
    signer: signature.Signer
    cafs: Mapping[int, caf_mod.Caf]
    fecha: date
    timestamp: datetime
    resolucion: date
    xsd_dir: Path = pipeline.XSD_DIR
    desde: Mapping[int, int] = field(default_factory=dict)
    receptores: Sequence[Receptor] = RECEPTORES_PRUEBA
    rut_envia: str = ""


@dataclass(frozen=True, slots=True)
class DocumentoCaso:
    """A case's document: the model, and the signed standalone ``<DTE>`` (ISO-8859-1)."""

    caso: Caso
    documento: Documento
    dte: bytes

    @property
    def nombre_archivo(self) -> str:
        """``T33F17_CASO_4352553-1`` (no extension)."""
        return f"T{int(self.documento.tipo)}F{self.documento.folio}_{self.caso.rotulo.replace(' ', '_')}"


@dataclass(frozen=True, slots=True)
class Envio:
    """A set's signed envelope (EnvioDTE, or EnvioBOLETA for the boleta set) with its documents in the set's
    order, schema-valid and with every signature verified."""

    set: SetPruebas
    xml: bytes
    documentos: tuple[DocumentoCaso, ...]

    @property
    def boletas(self) -> bool:
        return self.set.boletas

    @property
    def nombre_archivo(self) -> str:
        """``EnvioDTE_SET_BASICO_4352553.xml`` / ``EnvioBOLETA_SET_…``."""
        kind = "EnvioBOLETA" if self.boletas else "EnvioDTE"
        return f"{kind}_{self.set.nombre.replace(' ', '_')}_{self.set.atencion}.xml"


@dataclass(frozen=True, slots=True)
class Resultado:
    envios: tuple[Envio, ...]
    archivo: ArchivoSet
    folios: dict[int, tuple[int, int]]
    """Per type, the first and last folio used."""


def folios_necesarios(archivo: ArchivoSet) -> dict[int, int]:
    """How many folios of each type the file's buildable sets take."""
    out: dict[int, int] = {}
    for s in archivo.sets:
        for c in s.casos:
            out[c.tipo] = out.get(c.tipo, 0) + 1
    return dict(sorted(out.items()))


def receptores_csv(text: str) -> tuple[Receptor, ...]:
    """Receptors from a CSV (``;`` or ``,``): RUT, razón social, giro, dirección, comuna, one per line; a first line
    whose RUT column does not hold a RUT is a header.

    Raises:
        CertificationError: a line short of fields or with an invalid RUT (the message names the line).
    """
    sample = text[:2000]
    dialect = ";" if sample.count(";") >= sample.count(",") else ","
    out: list[Receptor] = []
    for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=dialect), 1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and cells and not rut_mod.is_valid(cells[0]):
            continue
        if len(cells) < 5 or not all(cells[:5]):
            raise CertificationError(f"receptores, línea {n}: se esperan RUT, razón social, giro, dirección y comuna")
        if not rut_mod.is_valid(cells[0]):
            raise CertificationError(f"receptores, línea {n}: «{cells[0]}» no es un RUT válido")
        out.append(Receptor(rut=rut_mod.parse(cells[0]).compact, razon_social=cells[1], giro=cells[2],
                            direccion=cells[3], comuna=cells[4]))
    if not out:
        raise CertificationError("el archivo de receptores no trae ninguno")
    return tuple(out)


# -- building -------------------------------------------------------------------------------------------------------


class _Folios:
    def __init__(self, p: Parametros, needed: Mapping[int, int]) -> None:
        self.next: dict[int, int] = {}
        self.used: dict[int, tuple[int, int]] = {}
        for tipo, count in needed.items():
            caf = p.cafs.get(tipo)
            if caf is None:
                raise CertificationError(f"falta el CAF de certificación tipo {tipo} ({NOMBRES.get(tipo, tipo)}): "
                                         f"el set pide {count} documento(s) de ese tipo")
            if caf.tipo_dte != tipo:
                raise CertificationError(f"el CAF dado para el tipo {tipo} es del tipo {caf.tipo_dte}")
            if caf.rut_emisor != p.emisor.rut:
                raise CertificationError(f"el CAF tipo {tipo} es del RUT {caf.rut_emisor}, no del emisor "
                                         f"{p.emisor.rut}")
            first = p.desde.get(tipo, caf.folio_desde)
            if not caf.contains(first) or not caf.contains(first + count - 1):
                raise CertificationError(f"el CAF tipo {tipo} (folios {caf.folio_desde} a {caf.folio_hasta}) no "
                                         f"alcanza: el set necesita {count} folio(s) desde el {first}; pida otro CAF "
                                         "de certificación en el sitio del SII")
            self.next[tipo] = first
            self.used[tipo] = (first, first + count - 1)

    def take(self, tipo: int) -> int:
        folio = self.next[tipo]
        self.next[tipo] = folio + 1
        return folio


def _linea(nombre: str, cantidad: Decimal, precio: Decimal, pct: Decimal | None, exento: bool,
           unidad: str) -> Linea:
    bruto = money.round_half_up(precio * cantidad)
    descuento = money.round_half_up(Decimal(bruto) * pct / 100) if pct else 0
    return Linea(nombre=nombre, cantidad=cantidad, precio=precio, monto=bruto - descuento, exento=exento,
                 descuento=descuento, unidad=unidad, descuento_pct=pct if descuento else None)


def _global(lineas: Sequence[Linea], pct: Decimal | None) -> documents.DescuentoGlobal | None:
    afecto = sum(x.monto for x in lineas if not x.exento)
    if not pct or afecto <= 0:
        return None
    monto = money.round_half_up(Decimal(afecto) * pct / 100)
    shown = format(pct.normalize(), "f")
    return documents.DescuentoGlobal(monto=monto, glosa=f"DESCUENTO GLOBAL {shown}% ITEMES AFECTOS", porcentaje=pct)


def _set_ref(caso: Caso, p: Parametros) -> documents.Referencia:
    if caso.tipo in BOLETAS:
        return documents.Referencia("", "", p.fecha, razon=caso.rotulo, codigo_boleta=TPO_DOC_REF_SET)
    return documents.Referencia(TPO_DOC_REF_SET, caso.numero, p.fecha, razon=caso.rotulo)


def cod_ref(caso: Caso) -> CodRef:
    """A nota's CodRef from its case: 1 when the reason annuls, 2 (nota de crédito only) when it corrects a text and
    lists no items, else 3 (SII Formato DTE, Referencia/CodRef).

    Raises:
        CertificationError: a nota de débito with no items that does not annul.
    """
    razon = clave(caso.razon)
    if "ANULA" in razon.split():
        return CodRef.ANULA
    if not caso.items:
        if caso.tipo != int(TipoDTE.NOTA_CREDITO):
            raise CertificationError(f"el {caso.rotulo}: una nota de débito sin ítems solo anula (CodRef 1)")
        return CodRef.CORRIGE_TEXTO
    return CodRef.CORRIGE_MONTOS


def _line_of(item: Item, original: Documento, caso: Caso) -> Linea:
    nombre = " ".join(item.nombre.split())
    de = next((x for x in original.lineas if x.nombre == xmlcore.clean_text(nombre)), None)
    precio = item.precio if item.precio is not None else (de.precio if de is not None else None)
    cantidad = item.cantidad if item.cantidad is not None else (de.cantidad if de is not None else None)
    if precio is None or cantidad is None:
        raise CertificationError(f"línea {item.linea}: el ítem «{item.nombre}» del {caso.rotulo} no trae precio y no "
                                 "está en el documento que modifica")
    pct = item.descuento_pct if item.precio is not None or de is None else de.descuento_pct
    exento = de.exento if de is not None else item.exento or original.tipo.es_exento
    return _linea(nombre, cantidad, precio, pct, exento, item.unidad or (de.unidad if de is not None else ""))


def _nota(caso: Caso, original: Documento, folio: int, p: Parametros) -> Documento:
    codigo = cod_ref(caso)
    set_ref = _set_ref(caso, p)
    if codigo is CodRef.ANULA:  # the annulling nota of the shared model, with the set's reference first
        base = documents.nota_que_anula(original, folio=folio, fecha_emision=p.fecha, razon=caso.razon)
        if int(base.tipo) != caso.tipo:
            raise CertificationError(f"el {caso.rotulo} pide una {NOMBRES[caso.tipo]} para anular una "
                                     f"{NOMBRES.get(int(original.tipo), original.tipo)}: la anula una "
                                     f"{NOMBRES[int(base.tipo)]}")
        return documents.documento(base.tipo, folio=folio, fecha_emision=p.fecha, emisor=p.emisor,
                                   receptor=base.receptor, lineas=base.lineas,
                                   referencias=(set_ref, *base.referencias), montos_brutos=base.montos_brutos,
                                   forma_pago=base.forma_pago, descuento_global=original.descuento_global)
    dg: documents.DescuentoGlobal | None = None
    if codigo is CodRef.CORRIGE_TEXTO:
        lineas = [Linea(nombre=caso.razon[:80], cantidad=Decimal(0), precio=Decimal(0), monto=0,
                        exento=original.tipo.es_exento)]
    else:
        lineas = [_line_of(item, original, caso) for item in caso.items]
        pct = None if original.descuento_global is None else original.descuento_global.porcentaje
        dg = _global(lineas, pct)
    referencias = (set_ref, documents.Referencia(str(int(original.tipo)), str(original.folio),
                                                 original.fecha_emision, codigo, caso.razon[:90]))
    return documents.documento(caso.tipo, folio=folio, fecha_emision=p.fecha, emisor=p.emisor,
                               receptor=original.receptor, lineas=lineas, referencias=referencias,
                               montos_brutos=original.montos_brutos, descuento_global=dg)


def _documento(caso: Caso, folio: int, receptor: Receptor | None, p: Parametros) -> Documento:
    lineas = []
    for item in caso.items:
        assert item.cantidad is not None and item.precio is not None  # the parser checked it
        lineas.append(_linea(" ".join(item.nombre.split()), item.cantidad, item.precio, item.descuento_pct,
                             item.exento, item.unidad))
    if caso.tipo in BOLETAS:
        return documents.documento(caso.tipo, folio=folio, fecha_emision=p.fecha, emisor=p.emisor, lineas=lineas,
                                   referencias=(_set_ref(caso, p),))
    tipo = caso.tipo
    return documents.documento(tipo, folio=folio, fecha_emision=p.fecha, emisor=p.emisor, receptor=receptor,
                               lineas=lineas, referencias=(_set_ref(caso, p),),
                               forma_pago=documents.FORMA_PAGO_CONTADO,
                               descuento_global=_global(lineas, caso.descuento_global_pct))


def _caratula(p: Parametros) -> xml.Caratula:
    envia = p.rut_envia or p.signer.rut
    if not envia:
        raise CertificationError("el certificado no trae el RUT de su titular: indique el RUT de quien envía "
                                 "(--rut-envia), el de la persona autorizada en la postulación")
    try:
        envia = rut_mod.parse(envia).compact
    except pos_errors.InvalidRut as exc:
        raise CertificationError(f"RUT de quien envía: {exc}") from None
    return xml.Caratula(rut_emisor=p.emisor.rut, rut_envia=envia, fecha_resolucion=p.resolucion, numero_resolucion=0)


def _build_set(s: SetPruebas, p: Parametros, folios: _Folios, caratula: xml.Caratula) -> Envio:
    done: dict[str, Documento] = {}
    out: list[DocumentoCaso] = []
    facturas = 0
    for caso in s.casos:
        folio = folios.take(caso.tipo)
        try:
            if caso.tipo in NOTAS:
                assert caso.referencia is not None  # the parser checked it
                doc = _nota(caso, done[caso.referencia], folio, p)
            else:
                receptor = None
                if caso.tipo not in BOLETAS:
                    if facturas >= len(p.receptores):
                        raise CertificationError(f"el {s.nombre} tiene más facturas que receptores "
                                                 f"({len(p.receptores)}): agregue receptores (--receptores)")
                    receptor = p.receptores[facturas]
                    facturas += 1
                doc = _documento(caso, folio, receptor, p)
            caf = p.cafs[caso.tipo]
            timbre = ted.stamp(caf, doc, p.timestamp)
            signed = xml.build_dte(doc, timbre, p.signer, p.timestamp)
        except dte_errors.DteError as exc:
            raise CertificationError(f"línea {caso.linea}: el {caso.rotulo} no se puede emitir: {exc}") from None
        done[caso.numero] = doc
        out.append(DocumentoCaso(caso, doc, signed))
    envelope = xml.build_envelope([d.dte for d in out], caratula, p.signer, p.timestamp)
    try:
        schema.validate(envelope, p.xsd_dir)
        signature.require_valid(envelope)
    except dte_errors.DteError as exc:  # a bug of ours, never the set's: say so plainly
        raise CertificationError(f"el sobre del {s.nombre} no pasó la revisión propia: {exc}") from None
    return Envio(s, envelope, tuple(out))


def build(archivo: ArchivoSet, p: Parametros) -> Resultado:
    """Every buildable set of the file as its signed envelope, documents in the set's order; each envelope validated
    against the XSDs and its signatures verified before it is returned.

    Raises:
        CertificationError: a missing or short CAF, a certificate without RUT and no ``rut_envia``, too few
            receptors, or a case that breaks a rule of the document (the message names the case's line).
    """
    if not archivo.sets:
        raise CertificationError("el archivo no trae ningún set que este sistema arme (facturas, notas o boletas)")
    try:
        p = dataclasses.replace(p, emisor=dataclasses.replace(p.emisor, rut=rut_mod.parse(p.emisor.rut).compact))
    except pos_errors.InvalidRut as exc:
        raise CertificationError(f"RUT del emisor: {exc}") from None
    folios = _Folios(p, folios_necesarios(archivo))
    caratula = _caratula(p)
    envios = tuple(_build_set(s, p, folios, caratula) for s in archivo.sets)
    return Resultado(envios, archivo, dict(sorted(folios.used.items())))


# -- writing --------------------------------------------------------------------------------------------------------


def write(resultado: Resultado, folder: Path, *, backend: drawing.PdfBackend, p: Parametros) -> list[Path]:
    """Write the run into ``folder`` (created): each envelope, each case's signed DTE (``dte/``), the printed samples
    (``muestras/``: each document, and the CEDIBLE copy of each factura) and ``LEEME.txt`` with the checklist.

    Returns:
        The files written, envelopes first.

    Raises:
        CertificationError: a document cannot be printed, or the folder cannot be written.
    """
    written: list[Path] = []
    try:
        (folder / "dte").mkdir(parents=True, exist_ok=True)
        (folder / "muestras").mkdir(parents=True, exist_ok=True)
        for envio in resultado.envios:
            path = folder / envio.nombre_archivo
            path.write_bytes(envio.xml)
            written.append(path)
        resolucion = (0, p.resolucion.year)
        for envio in resultado.envios:
            for d in envio.documentos:
                path = folder / "dte" / f"{d.nombre_archivo}.xml"
                path.write_bytes(d.dte)
                written.append(path)
                copies = [False, True] if d.documento.tipo in (TipoDTE.FACTURA, TipoDTE.FACTURA_EXENTA) else [False]
                for cedible in copies:
                    pdf = dte_pdf.render_pdf(d.dte, backend=backend, resolucion=resolucion, cedible=cedible)
                    path = folder / "muestras" / f"{d.nombre_archivo}{'_CEDIBLE' if cedible else ''}.pdf"
                    path.write_bytes(pdf)
                    written.append(path)
        path = folder / "LEEME.txt"
        path.write_text(checklist(resultado, p), encoding="utf-8")
        written.append(path)
    except OSError as exc:
        raise CertificationError(f"no se pudo escribir en {folder}: {exc.strerror}") from None
    except dte_errors.DteError as exc:
        raise CertificationError(f"no se pudo imprimir una muestra: {exc}") from None
    return written


def checklist(resultado: Resultado, p: Parametros) -> str:
    """The applicant's checklist in Spanish: what was produced, what to upload where and in which order, and what
    this system leaves to them."""
    lines = [f"CERTIFICACIÓN SII: {p.emisor.razon_social} (RUT {rut_mod.format(p.emisor.rut)})",
             f"Documentos fechados el {p.fecha:%d-%m-%Y}, firmados el {p.timestamp:%d-%m-%Y %H:%M}.", "",
             "Folios usados (la próxima vez use --desde con el siguiente):"]
    for tipo, (first, last) in resultado.folios.items():
        lines.append(f"  tipo {tipo} ({NOMBRES.get(tipo, tipo)}): {first} a {last}; el siguiente libre es {last + 1}")
    lines += ["", "Lo que se generó:"]
    for envio in resultado.envios:
        lines.append(f"  {envio.nombre_archivo}: {envio.set.nombre}, atención N° {envio.set.atencion}, "
                     f"{len(envio.documentos)} documentos")
        for d in envio.documentos:
            doc = d.documento
            lines.append(f"    {d.caso.rotulo}: {NOMBRES.get(int(doc.tipo), doc.tipo)} folio {doc.folio}, total "
                         f"{printed.clp(doc.totales.total)}")
    lines += ["  dte/: cada documento firmado por separado (para revisar; no se suben uno por uno).",
              "  muestras/: el PDF de cada documento y la copia CEDIBLE de cada factura.", ""]
    for o in resultado.archivo.omitidos:
        lines.append(f"NO generado: {o.nombre} (atención {o.atencion}): {o.motivo}.")
    if resultado.archivo.omitidos:
        lines.append("")
    step = 0

    def add(text: str) -> None:
        nonlocal step
        step += 1
        lines.append(f"{step}. {text}")

    lines.append("PASOS (en el sitio de certificación del SII, maullin.sii.cl, con el certificado de quien envía):")
    dte_envios = [e for e in resultado.envios if not e.boletas]
    bol_envios = [e for e in resultado.envios if e.boletas]
    if dte_envios:
        add("HOY MISMO (los documentos llevan la fecha de hoy): suba " + ", ".join(e.nombre_archivo for e in dte_envios)
            + " en «Envío de DTE» (subir archivo). Anote el número de envío (track id) que entrega el SII.")
        add("Revise el estado del envío hasta que diga «EPR» (envío procesado) y cada documento «aceptado». Si un "
            "documento queda «aceptado con reparos» o «rechazado», corrija y genere de nuevo el set completo con "
            "folios nuevos (--desde) y vuelva al paso anterior.")
        add("En «Set de pruebas», declare el avance del set con el número de envío.")
    if bol_envios:
        add("Boletas: suba " + ", ".join(e.nombre_archivo for e in bol_envios) + " por el servicio de boletas del "
            "ambiente de certificación (apicert/pangal) y anote el track id; luego declare el avance del set de "
            "boletas con ese número.")
    add("Espere la revisión del SII (suele tardar días) antes de seguir: el sitio muestra el set como «revisado "
        "conforme».")
    add("Simulación: emita desde el sistema documentos como los de su operación normal, en el ambiente de "
        "certificación, y envíelos; declare el avance.")
    add("Intercambio de información: responda el envío de prueba que el SII le manda (acuse de recibo y "
        "aceptación); este programa no lo genera todavía: hágalo desde el portal del SII.")
    add("Muestras impresas: suba los PDF de muestras/ (cada documento del set y la copia CEDIBLE de cada factura), "
        "impresos sin escalar; el timbre debe leerse con un lector PDF417.")
    add("Declaración de cumplimiento: cuando todo esté aprobado, el representante legal la firma en el sitio; "
        "después configure sii_environment = 'produccion' y pida folios de producción.")
    lines += ["", "Este programa no genera: los libros de compras y ventas del set, las guías de despacho ni el "
              "intercambio de información."]
    return "\n".join(lines) + "\n"
