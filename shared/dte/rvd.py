"""RVD (Reporte de Ventas Diarias, ``ConsumoFolios``): the signed daily summary of boletas and of the notas de
crédito that modify them.

The format: docs/architecture.md#amounts-of-a-dte-and-the-rvd-format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from lxml import etree

from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import errors, signature, xmlcore
from shared.dte.xmlcore import SII_NS, XSI_NS

TIPOS_RVD: Final = (39, 41, 61)
TASA_IVA: Final = Decimal(19)
MAX_FOLIOS: Final = 999_999
"""FoliosEmitidos/Utilizados have at most 6 digits."""
MAX_SEC_ENVIO: Final = 999
_S = "{" + SII_NS + "}"


@dataclass(frozen=True, slots=True)
class DocumentoDia:
    """One document issued that day: amounts as on the DTE (neto, IVA, exento, total, int CLP)."""

    tipo: int
    folio: int
    neto: int
    iva: int
    exento: int
    total: int


@dataclass(frozen=True, slots=True)
class Resumen:
    """The ``Resumen`` of one document type."""

    tipo: int
    neto: int = 0
    iva: int = 0
    exento: int = 0
    total: int = 0
    emitidos: int = 0
    anulados: int = 0
    rangos: tuple[tuple[int, int], ...] = ()

    @property
    def utilizados(self) -> int:
        return self.emitidos + self.anulados


@dataclass(frozen=True, slots=True)
class CaratulaRvd:
    """Who reports which day: ``rut_envia`` is the certificate holder; ``sec_envio`` 1 the first time."""

    rut_emisor: str
    rut_envia: str
    fecha_resolucion: date
    numero_resolucion: int
    dia: date
    sec_envio: int = 1


def rangos(folios: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Runs of consecutive folios: ``[1, 2, 3, 7, 9, 10]`` → ``((1, 3), (7, 7), (9, 10))``."""
    out: list[tuple[int, int]] = []
    for folio in sorted(set(folios)):
        if out and out[-1][1] == folio - 1:
            out[-1] = (out[-1][0], folio)
        else:
            out.append((folio, folio))
    return tuple(out)


def resumir(documentos: Iterable[DocumentoDia]) -> tuple[Resumen, ...]:
    """The ``Resumen`` of each type present (in type order); a day without documents gives a 39 in zeros.

    Raises:
        DocumentInvalid: a type other than 39/41/61, a folio twice, a negative amount, or too many documents.
    """
    by_tipo: dict[int, list[DocumentoDia]] = {}
    for doc in documentos:
        if doc.tipo not in TIPOS_RVD:
            raise errors.DocumentInvalid(f"el RVD informa boletas (39, 41) y notas de crédito (61), no el tipo "
                                         f"{doc.tipo}")
        if min(doc.neto, doc.iva, doc.exento, doc.total) < 0 or doc.folio <= 0:
            raise errors.DocumentInvalid(f"documento {doc.tipo} N° {doc.folio}: montos o folio negativos")
        by_tipo.setdefault(doc.tipo, []).append(doc)
    if not by_tipo:
        return (Resumen(39),)
    out = []
    for tipo in sorted(by_tipo):
        docs = by_tipo[tipo]
        folios = [d.folio for d in docs]
        if len(set(folios)) != len(folios):
            raise errors.DocumentInvalid(f"el tipo {tipo} trae un folio repetido")
        if len(docs) > MAX_FOLIOS:
            raise errors.DocumentInvalid(f"más de {MAX_FOLIOS} documentos del tipo {tipo} en un día")
        out.append(Resumen(tipo, neto=sum(d.neto for d in docs), iva=sum(d.iva for d in docs),
                           exento=sum(d.exento for d in docs), total=sum(d.total for d in docs),
                           emitidos=len(docs), rangos=rangos(folios)))
    return tuple(out)


def rvd_id(dia: date, sec_envio: int) -> str:
    """The ``DocumentoConsumoFolios/@ID`` (an NCName): ``RVD20261122S1``."""
    return f"RVD{dia:%Y%m%d}S{sec_envio}"


def _add(parent: etree._Element, tag: str, value: str | int | None = None) -> etree._Element:
    """Append ``<tag>value</tag>`` (an empty container when ``value`` is None)."""
    el = etree.SubElement(parent, _S + tag)
    if value is not None:
        el.text = str(value)
    return el


def _tasa(value: Decimal) -> str:
    return format(value.normalize(), "f")


def build_rvd(caratula: CaratulaRvd, resumenes: Sequence[Resumen], signer: signature.Signer,
              timestamp: datetime) -> bytes:
    """The signed ``ConsumoFolios`` of one day (FchInicio = FchFinal = ``caratula.dia``), ISO-8859-1 bytes.

    ``timestamp`` is TmstFirmaEnv, Chile's wall time (any tzinfo is dropped).

    Raises:
        DocumentInvalid: no summaries or more than 3, a type twice or not 39/41/61, SecEnvio outside 1–999, a
            negative amount or folio count, or a RUT that is not valid.
    """
    if not 1 <= len(resumenes) <= len(TIPOS_RVD):
        raise errors.DocumentInvalid(f"el RVD lleva de 1 a 3 resúmenes, no {len(resumenes)}")
    tipos = [r.tipo for r in resumenes]
    if len(set(tipos)) != len(tipos) or not set(tipos) <= set(TIPOS_RVD):
        raise errors.DocumentInvalid(f"tipos de documento inválidos en el RVD: {tipos}")
    if not 1 <= caratula.sec_envio <= MAX_SEC_ENVIO:
        raise errors.DocumentInvalid(f"SecEnvio {caratula.sec_envio} fuera de rango (1 a {MAX_SEC_ENVIO})")
    if caratula.numero_resolucion < 0:
        raise errors.DocumentInvalid("número de resolución negativo")
    try:
        rut_emisor = rut_mod.parse(caratula.rut_emisor).compact
        rut_envia = rut_mod.parse(caratula.rut_envia).compact
    except pos_errors.InvalidRut as exc:
        raise errors.DocumentInvalid(f"RUT de la carátula del RVD: {exc}") from None
    ident = rvd_id(caratula.dia, caratula.sec_envio)
    root = etree.Element(_S + "ConsumoFolios", nsmap={None: SII_NS, "xsi": XSI_NS},  # type: ignore[dict-item]
                         version="1.0")
    root.set("{" + XSI_NS + "}schemaLocation", f"{SII_NS} ConsumoFolio_v10.xsd")
    doc = etree.SubElement(root, _S + "DocumentoConsumoFolios", ID=ident)
    car = etree.SubElement(doc, _S + "Caratula", version="1.0")
    _add(car, "RutEmisor", rut_emisor)
    _add(car, "RutEnvia", rut_envia)
    _add(car, "FchResol", caratula.fecha_resolucion.isoformat())
    _add(car, "NroResol", caratula.numero_resolucion)
    _add(car, "FchInicio", caratula.dia.isoformat())
    _add(car, "FchFinal", caratula.dia.isoformat())
    _add(car, "SecEnvio", caratula.sec_envio)
    _add(car, "TmstFirmaEnv", timestamp.replace(tzinfo=None).isoformat(timespec="seconds"))
    for r in resumenes:
        if min(r.neto, r.iva, r.exento, r.total, r.emitidos, r.anulados) < 0:
            raise errors.DocumentInvalid(f"resumen del tipo {r.tipo} con montos o cantidades negativos")
        if r.utilizados > MAX_FOLIOS:
            raise errors.DocumentInvalid(f"más de {MAX_FOLIOS} folios del tipo {r.tipo}")
        el = _add(doc, "Resumen")
        _add(el, "TipoDocumento", r.tipo)
        if r.neto or r.iva:
            _add(el, "MntNeto", r.neto)
            _add(el, "MntIva", r.iva)
            _add(el, "TasaIVA", _tasa(TASA_IVA))
        if r.exento:
            _add(el, "MntExento", r.exento)
        _add(el, "MntTotal", r.total)
        _add(el, "FoliosEmitidos", r.emitidos)
        _add(el, "FoliosAnulados", r.anulados)
        _add(el, "FoliosUtilizados", r.utilizados)
        for inicial, final in r.rangos:
            rango = _add(el, "RangoUtilizados")
            _add(rango, "Inicial", inicial)
            _add(rango, "Final", final)
    signature.sign(root, ident, signer)
    return xmlcore.to_bytes(root)
