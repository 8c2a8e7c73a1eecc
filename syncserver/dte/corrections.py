"""Correcting a document the SII rejected: HQ issues a nota de crédito (61) that annuls it (Referencia CodRef 1,
SII Formato DTE), stamped at the server with a folio of the server's own lease (``folios.take_server_folio``: a
61 CAF leased to terminal ``hq``, disjoint from the terminals' folios; the CAF's private key is in the imported CAF
file). The nota is recorded in ``dte_documents`` / ``dte_outbox`` like any document (so the signer builds, signs and
the forwarder sends it) and in ``dte_corrections`` with its content (receptor, lines, reference), the source the
signer builds it from. A document is corrected at most once (``UNIQUE`` on the original).

Only boletas (39, 41) and facturas (33, 34) are corrected this way: a nota de crédito is annulled with a nota de
débito (56). HQ's notas de débito and their annulment are in ``syncserver.dte.notes``; both kinds are stored here
(:func:`record_nota`) and built by the signer from the same content (:func:`nota_from_content`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import psycopg

from shared import clock as clock_mod
from shared import errors as pos_errors
from shared.dte import caf as caf_mod
from shared.dte import documents
from shared.dte import errors as dte_errors
from shared.dte import ted as ted_mod
from shared.events import registry, sales
from syncserver.dte import folios
from syncserver.store import db, general_journal, outbox
from syncserver.store import documents as documents_store
from syncserver.store import folios as folios_store

log = logging.getLogger("syncserver.dte.corrections")

CORRECTABLE: Final = (33, 34, 39, 41)
NOTA_CREDITO: Final = int(documents.TipoDTE.NOTA_CREDITO)
NOTA_DEBITO: Final = int(documents.TipoDTE.NOTA_DEBITO)
DEFAULT_REASON: Final = "Anula documento rechazado por el SII"
_CODEC = registry.build_codec()


class CorrectionError(pos_errors.PosError):
    """A correction that cannot be made; ``code`` is ``not_found`` or ``refused``, the message says why (Spanish)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Corrected:
    """The nota issued in HQ: ``folio`` of type ``tipo`` (61, or 56), modifying ``original_tipo``/``original_folio``;
    ``total`` its MntTotal."""

    folio: int
    original_tipo: int
    original_folio: int
    total: int
    tipo: int = 61


# -- the nota's content, as stored in dte_corrections.content (JSON) ------------------------------------------------


def content_of(original_tipo: int, original_folio: int, original_fecha: date, receptor: documents.Receptor,
               lineas: tuple[documents.Linea, ...], razon: str, totales: documents.Totales, *,
               codigo: documents.CodRef = documents.CodRef.ANULA, montos_brutos: bool = True) -> dict[str, Any]:
    """What the signer needs to build the nota later, and its totals for the RVD and the books (amounts int CLP,
    quantities and prices as decimal text); ``montos_brutos``: the lines' prices include IVA."""
    return {
        "totales": {"neto": totales.neto, "iva": totales.iva, "exento": totales.exento, "total": totales.total},
        "montos_brutos": montos_brutos,
        "referencia": {"tipo": original_tipo, "folio": original_folio, "fecha": original_fecha.isoformat(),
                       "codigo": int(codigo), "razon": razon},
        "receptor": {"rut": receptor.rut, "razon_social": receptor.razon_social, "giro": receptor.giro,
                     "direccion": receptor.direccion, "comuna": receptor.comuna},
        "lineas": [{"nombre": x.nombre, "cantidad": str(x.cantidad), "precio": str(x.precio), "monto": x.monto,
                    "exento": x.exento, "descuento": x.descuento, "codigo": x.codigo, "unidad": x.unidad}
                   for x in lineas],
    }


def content_of_document(doc: documents.Documento) -> dict[str, Any]:
    """:func:`content_of` a nota built in HQ (its first reference is the document it modifies).

    Raises:
        DocumentInvalid: the nota references nothing, or its reference has no CodRef or a folio that is no number.
    """
    ref = doc.referencias[0] if doc.referencias else None
    if ref is None or ref.codigo is None or not ref.folio.isdigit() or not ref.tipo_documento.isdigit():
        raise dte_errors.DocumentInvalid("la nota no referencia con CodRef un documento electrónico por su folio")
    return content_of(int(ref.tipo_documento), int(ref.folio), ref.fecha, doc.receptor, doc.lineas, ref.razon,
                      doc.totales, codigo=ref.codigo, montos_brutos=doc.montos_brutos)


def nota_from_content(content: dict[str, Any], *, folio: int, fecha_emision: date, emisor: documents.Emisor,
                      tipo: int = NOTA_CREDITO) -> documents.Documento:
    """The nota ``tipo`` (61, or 56) of a stored correction; a content without ``montos_brutos`` (stored before
    notas de débito) has IVA-included prices.

    Raises:
        DocumentInvalid: the content is not a correction's, ``tipo`` is not a nota, or a rule of the document is
            broken.
    """
    if tipo not in (NOTA_CREDITO, NOTA_DEBITO):
        raise dte_errors.DocumentInvalid(f"HQ emite notas de crédito (61) y de débito (56), no el tipo {tipo}")
    try:
        brutos = bool(content.get("montos_brutos", True))
        ref, rec = content["referencia"], content["receptor"]
        referencia = documents.Referencia(str(ref["tipo"]), str(ref["folio"]), date.fromisoformat(ref["fecha"]),
                                          documents.CodRef(int(ref["codigo"])), str(ref["razon"]))
        receptor = documents.Receptor(rut=rec["rut"], razon_social=rec["razon_social"], giro=rec["giro"],
                                      direccion=rec["direccion"], comuna=rec["comuna"])
        lineas = tuple(documents.Linea(nombre=x["nombre"], cantidad=Decimal(x["cantidad"]),
                                       precio=Decimal(x["precio"]), monto=int(x["monto"]), exento=bool(x["exento"]),
                                       descuento=int(x["descuento"]), codigo=x["codigo"], unidad=x["unidad"])
                       for x in content["lineas"])
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise dte_errors.DocumentInvalid(f"la corrección guardada está incompleta ({exc!r})") from None
    build = documents.nota_debito if tipo == NOTA_DEBITO else documents.nota_credito
    return build(folio=folio, fecha_emision=fecha_emision, emisor=emisor, receptor=receptor, lineas=lineas,
                 referencia=referencia, montos_brutos=brutos)


def receptor_of(sale: sales.SaleCompleted, tipo: int) -> documents.Receptor:
    """The receptor of a sale's document: the factura's customer, or the anonymous buyer 66666666-6."""
    if tipo in (33, 34) and sale.customer is not None:
        return documents.receptor_desde_cliente(sale.customer)
    return documents.RECEPTOR_ANONIMO


# -- HQ action -------------------------------------------------------------------------------------------------------


def chile_now(now: datetime | None, clock: clock_mod.Clock) -> datetime:
    """``now`` (default ``clock()``) as Chile's wall time, naive; a naive ``now`` already is."""
    moment = clock() if now is None else now
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(folios.CHILE).replace(tzinfo=None)


NAMES: Final = {NOTA_CREDITO: "nota de crédito", NOTA_DEBITO: "nota de débito"}


def _timbre(caf: caf_mod.Caf, content: dict[str, Any], *, folio: int, moment: datetime) -> bytes:
    """The TED of nota ``folio`` stamped at ``moment`` from its :func:`content_of` (receptor, total, first line).

    Raises:
        DteError: as ``ted.build_ted`` (a folio outside the CAF, an invalid receptor RUT, an empty text).
    """
    receptor = content["receptor"]
    return ted_mod.build_ted(caf, folio=folio, fecha_emision=moment.date(), rut_receptor=str(receptor["rut"]),
                             razon_social_receptor=str(receptor["razon_social"] or documents.RAZON_SOCIAL_ANONIMO),
                             monto_total=int(content["totales"]["total"]), item1=str(content["lineas"][0]["nombre"]),
                             timestamp=moment)


def held_message(name: str, holds: list[dict[str, Any]]) -> str:
    """Why HQ cannot take a folio for a nota while leasing is held after a restore of the server
    (``syncserver.dte.folio_hold``), naming the cajas still to report (``folios_store.hold_rows``) and what to do."""
    waiting = [str(h["terminal_name"] or h["terminal_id"]) for h in holds
               if h["reported_at"] is None and h["released_at"] is None]
    return (f"los folios están retenidos tras restaurar el servidor: no se emite la {name} hasta que todas las cajas "
            "informen los folios que tienen (lo hacen solas al conectarse; página Folios). Falta"
            f"{'n' if len(waiting) > 1 else ''}: {', '.join(waiting)}. Conéctela{'s' if len(waiting) > 1 else ''} a "
            "HQ y vuelva a intentarlo; si una no volverá, un administrador puede liberar los folios (almacen server "
            "admin folios-liberar) y luego emita la nota. No hace falta cargar otro CAF")


async def record_nota(conn: db.Conn, tenant_id: int, tipo: int, content_for: Callable[[int], dict[str, Any]], *,
                      sale_id: str, moment: datetime, by: str, emisor_rut: str | None = None) -> Corrected:
    """Stamp and record a nota issued in HQ, inside the caller's tenant transaction (every HQ nota goes through
    here): a folio of ``tipo`` from the server's own lease, the nota's :func:`content_of` ``content_for(folio)``
    (its reference is the document it modifies, with its CodRef; :func:`content_of_document` of a built
    document), its TED, then ``dte_documents`` (``sale_id``: the sale behind the modified document), the outbox
    (``issued``), ``dte_corrections`` with its content, and its asiento in the general journal
    (``general_journal.book_hq_nota``, dated its FchEmis).

    Args:
        emisor_rut: when given, the CAF must be this emisor's (the RUT the nota was built for).

    Raises:
        CorrectionError: ``refused``: no CAF of ``tipo`` with folios left (or leasing on hold after a restore of
            the master: the message says the hold and what to do), the nota breaks a rule of the SII (the
            message says which), the CAF is another emisor's, the folio is taken, or the original is already
            annulled (CodRef 1), or the nota cannot be booked (the sale behind it not found).
    """
    name = NAMES.get(tipo, f"tipo {tipo}")
    taken = await folios.take_server_folio(conn, tenant_id, tipo, today=moment.date())
    if taken is None:
        if await folios_store.held(conn, tenant_id):
            raise CorrectionError("refused", held_message(name, await folios_store.hold_rows(conn, tenant_id)))
        raise CorrectionError("refused", f"no quedan folios de {name} (tipo {tipo}): importe un CAF del tipo {tipo} "
                                         "en la página Folios")
    folio, caf_xml = taken
    try:
        caf = caf_mod.parse_caf(caf_xml.encode("iso-8859-1"))
        if emisor_rut is not None and caf.rut_emisor != emisor_rut:
            raise dte_errors.DocumentInvalid(f"el CAF (RUT {caf.rut_emisor}) no es del emisor {emisor_rut}")
        content = content_for(folio)
        timbre = _timbre(caf, content, folio=folio, moment=moment)
    except dte_errors.DteError as exc:
        raise CorrectionError("refused", f"no se pudo emitir la {name}: {exc}") from None
    ref = content["referencia"]
    inserted = await folios_store.add_document(
        conn, tenant_id, tipo=tipo, folio=folio, sale_id=sale_id, terminal_id=folios.SERVER_TERMINAL,
        epoch=folios.SERVER_EPOCH, seq=0, stamped_at=moment.isoformat(timespec="seconds"),
        ted=timbre.decode("iso-8859-1"))
    if not inserted:
        raise CorrectionError("refused", f"el folio {folio} de {name} ya fue usado: revise los CAF")
    await outbox.add_issued(conn, tenant_id, tipo, folio)
    try:
        async with conn.transaction():
            await documents_store.add_correction(conn, tenant_id, tipo=tipo, folio=folio,
                                                 original_tipo=int(ref["tipo"]), original_folio=int(ref["folio"]),
                                                 reason=str(ref["razon"]), content=content, by=by,
                                                 codref=int(ref["codigo"]))
    except psycopg.errors.UniqueViolation:
        raise CorrectionError("refused", "este documento ya fue anulado con una nota") from None
    problem = await general_journal.book_hq_nota(conn, tenant_id, tipo, folio)
    if problem is not None:
        raise CorrectionError("refused", f"no se pudo contabilizar la {name} en el libro diario: {problem}")
    log.info("nota issued in hq", extra={"tenant_id": tenant_id, "tipo": tipo, "folio": folio,
                                         "original_tipo": ref["tipo"], "original_folio": ref["folio"]})
    return Corrected(folio, int(ref["tipo"]), int(ref["folio"]), int(content["totales"]["total"]), tipo)


async def correct_rejected(pool: db.Pool, tenant_id: int, tipo: int, folio: int, *, by: str,
                           reason: str = "", now: datetime | None = None,
                           clock: clock_mod.Clock = clock_mod.utc_clock) -> Corrected:
    """Issue the nota de crédito that annuls the rejected document ``tipo``/``folio`` (one transaction).

    Args:
        by: who asked (the HQ login's e-mail), kept with the correction.
        reason: RazonRef (up to 90 characters); :data:`DEFAULT_REASON` when empty.
        now: the stamping time (default: ``clock()``; naive values are Chile's wall time).

    Raises:
        CorrectionError: ``not_found`` (no such document in this tenant) or ``refused``: not rejected, already
            corrected, a type that cannot be annulled with a nota de crédito, no 61 CAF with folios left, or the
            original cannot be rebuilt.
    """
    moment = chile_now(now, clock)
    razon = " ".join(reason.split())[:90] or DEFAULT_REASON
    async with db.tenant_tx(pool, tenant_id) as conn:
        target = await documents_store.correction_target(conn, tenant_id, tipo, folio)
        if target is None:
            raise CorrectionError("not_found", f"el documento tipo {tipo} N° {folio} no existe en su empresa")
        done = await documents_store.correction_of(conn, tenant_id, tipo, folio)
        if done is not None:
            raise CorrectionError("refused", f"este documento ya fue corregido con la nota de crédito N° {done}")
        if tipo == NOTA_DEBITO:
            raise CorrectionError("refused", "una nota de débito emitida en HQ se anula con «Anular con nota de "
                                             "crédito», rechazada o no")
        if tipo not in CORRECTABLE:
            raise CorrectionError("refused", "una nota de crédito no se anula con otra nota de crédito: corresponde "
                                             "una nota de débito; una nota de débito emitida en HQ se anula con "
                                             "«Anular con nota de crédito»")
        if target.state != "rejected":
            raise CorrectionError("refused", "solo se corrige con nota de crédito un documento rechazado por el SII")
        try:
            sale = (None if target.type is None or target.version is None
                    else _CODEC.decode(target.type, target.version, target.payload))
        except pos_errors.PosError:
            sale = None
        if not isinstance(sale, sales.SaleCompleted):
            raise CorrectionError("refused", "no se encontró la venta del documento: no se puede armar la nota")
        lineas = documents.lineas_desde_venta(sale)
        receptor = receptor_of(sale, tipo)
        totales = documents.calcular_totales(documents.TipoDTE.NOTA_CREDITO, lineas, montos_brutos=True)
        total = totales.total
        if total != sale.total:
            raise CorrectionError("refused", f"las líneas de la venta suman {total}, no {sale.total}")
        fecha = date.fromisoformat(target.stamped_at[:10])
        return await record_nota(conn, tenant_id, NOTA_CREDITO,
                                 lambda _folio: content_of(tipo, folio, fecha, receptor, lineas, razon, totales),
                                 sale_id=target.sale_id, moment=moment, by=by)

