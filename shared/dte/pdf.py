"""PDF of a signed DTE (facturas 33/34, notas 56/61, boletas 39/41) for printing or e-mailing: read it
(:mod:`shared.dte.printed`), lay it out (:mod:`shared.dte.layout`) and have the app's backend paint it.

The backend (reportlab) is injected: it lives in each app, outside the pure core (:mod:`shared.dte.drawing`).
Input is parsed with the hardened parser (:func:`shared.dte.xmlcore.parse`); the TED's signature is not checked
(``almacen dte verify`` does that), but its TD, F, RE and MNT must match the document's. Output is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.dte import drawing, errors, layout, printed, xmlcore

Papel = layout.Papel


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


def render_pdf(dte_xml: bytes, *, backend: drawing.PdfBackend, resolucion: tuple[int, int] | None = None,
               cedible: bool = False, unidad_sii: str | None = None, papel: Papel = "carta", tipo: int | None = None,
               folio: int | None = None) -> bytes:
    """The PDF of one DTE: a ``<DTE>`` file, or one DTE of an EnvioDTE/EnvioBOLETA (the first, or the one of
    ``tipo``/``folio``).

    Args:
        dte_xml: the signed XML as stored or received (ISO-8859-1 or UTF-8, with or without the SII namespace).
        backend: measures the text and paints the PDF (the app's reportlab backend).
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
    dtes, caratula_res = printed.dtes(root)
    chosen = [d for d in dtes if printed.matches(d, tipo, folio)]
    if not chosen:
        raise errors.UnprintableDocument(f"el archivo no trae el DTE tipo {tipo} folio {folio}")
    doc = printed.read(chosen[0])
    sheet = layout.lay_out(doc, resolution=printed.resolution(resolucion, caratula_res),
                           cedible=cedible and doc.tipo in printed.CEDIBLE_TIPOS, unidad_sii=unidad_sii, papel=papel,
                           backend=backend)
    return backend.paint(sheet)


def render_pdfs(xml: bytes, *, backend: drawing.PdfBackend, resolucion: tuple[int, int] | None = None,
                cedible: bool = False, unidad_sii: str | None = None, papel: Papel = "carta") -> list[DtePdf]:
    """A PDF per DTE of a file (a DTE, an EnvioDTE or an EnvioBOLETA), in the file's order; with ``cedible``
    the facturas come as their CEDIBLE copy. Arguments and errors as :func:`render_pdf`; all documents are read
    before any is drawn, so one bad DTE fails the whole file."""
    root = xmlcore.parse(xml)
    dtes, caratula_res = printed.dtes(root)
    res = printed.resolution(resolucion, caratula_res)
    docs = [printed.read(d) for d in dtes]
    out = []
    for doc in docs:
        as_cedible = cedible and doc.tipo in printed.CEDIBLE_TIPOS
        sheet = layout.lay_out(doc, resolution=res, cedible=as_cedible, unidad_sii=unidad_sii, papel=papel,
                               backend=backend)
        out.append(DtePdf(tipo=doc.tipo, folio=doc.folio, rut_emisor=doc.rut_emisor_compact, cedible=as_cedible,
                          pdf=backend.paint(sheet)))
    return out
