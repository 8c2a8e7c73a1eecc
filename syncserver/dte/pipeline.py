"""From a stamped document to a signed DTE in the outbox (``issued`` → ``signed``): build it from its source, put the
TED in as stamped, sign it with the tenant's certificate, validate it against the SII's schema and store it.

The source of each type and what a failure does: docs/architecture.md#the-dte-pipeline-sources-of-each-document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import shared.dte
from shared import errors as pos_errors
from shared.dte import documents, schema, signature, xml
from shared.dte import errors as dte_errors
from shared.events import registry, returns, sales
from syncserver.dte import certs, corrections
from syncserver.dte import emisor as emisor_mod
from syncserver.store import db, outbox, tenants
from syncserver.store import documents as documents_store

log = logging.getLogger("syncserver.dte.pipeline")

XSD_DIR = Path(shared.dte.__file__).resolve().parent / "data" / "xsd"
BOLETAS = (39, 41)
FACTURAS = (33, 34)
NOTA_CREDITO = 61
NOTA_DEBITO = 56
SIGNED_TYPES = (*FACTURAS, *BOLETAS, NOTA_DEBITO, NOTA_CREDITO)
MAX_BACKOFF = timedelta(hours=1)
_CODEC = registry.build_codec()


@dataclass(frozen=True, slots=True)
class SignResult:
    signed: int
    failed: int


@dataclass(frozen=True, slots=True)
class Source:
    """A stamped document as stored: its TED, stamping time, and the event or correction it comes from."""

    tipo: int
    folio: int
    stamped_at: str
    ted: str
    event: Any = None
    correction: dict[str, Any] | None = None
    store_id: str | None = None


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _fecha(stamped_at: str) -> tuple[date, datetime]:
    moment = datetime.fromisoformat(stamped_at)
    return moment.date(), moment.replace(tzinfo=None)


def _decode(type_: str | None, version: int | None, payload: Any) -> Any:
    if type_ is None or version is None:
        return None
    try:
        return _CODEC.decode(type_, version, payload)
    except pos_errors.PosError as exc:
        raise dte_errors.DocumentInvalid(f"el evento del documento no se puede leer: {exc}") from None


def source_of_row(row: documents_store.SourceRow) -> Source:
    """A stored document's source as a :class:`Source` (the event decoded).

    Raises:
        DocumentInvalid: the event cannot be decoded.
    """
    return Source(row.tipo, row.folio, row.stamped_at, row.ted, _decode(row.type, row.version, row.payload),
                  row.content, row.store_id)


async def load_source(conn: db.Conn, tenant_id: int, tipo: int, folio: int) -> Source | None:
    """The stored source of document ``tipo``/``folio`` (inside the caller's tenant transaction); None if unknown."""
    row = await documents_store.source(conn, tenant_id, tipo, folio)
    return None if row is None else source_of_row(row)


async def build_document(conn: db.Conn, tenant_id: int, source: Source,
                         emisor: documents.Emisor) -> documents.Documento:
    """The document model of a stored source (see the module doc for each type), issued from its store's sucursal
    (:func:`syncserver.dte.emisor.for_store`).

    Raises:
        DocumentInvalid: the source does not make a valid document of its type (the message says why).
    """
    if source.store_id is not None:
        emisor = emisor_mod.for_store(emisor, await tenants.store(conn, tenant_id, source.store_id))
    fecha, _ = _fecha(source.stamped_at)
    tipo, folio, event = source.tipo, source.folio, source.event
    if source.correction is not None:
        doc = corrections.nota_from_content(source.correction, folio=folio, fecha_emision=fecha, emisor=emisor,
                                            tipo=tipo)
    elif isinstance(event, sales.SaleCompleted) and tipo in BOLETAS:
        doc = documents.boleta_desde_venta(event, folio=folio, fecha_emision=fecha, emisor=emisor)
    elif isinstance(event, sales.SaleCompleted) and tipo in FACTURAS:
        if event.customer is None:
            raise dte_errors.DocumentInvalid("la venta no trae los datos del cliente (RUT, razón social, giro, "
                                             "dirección, comuna) que una factura necesita")
        doc = documents.factura_desde_venta(event, folio=folio, fecha_emision=fecha, emisor=emisor,
                                            receptor=documents.receptor_desde_cliente(event.customer))
    elif isinstance(event, returns.ReturnCompleted) and tipo == NOTA_CREDITO:
        original = await load_source(conn, tenant_id, event.original_tipo, event.original_folio)
        if original is None:
            raise dte_errors.DocumentInvalid(f"el documento que la nota modifica (tipo {event.original_tipo} "
                                             f"N° {event.original_folio}) aún no llega al servidor")
        receptor = documents.RECEPTOR_ANONIMO
        if isinstance(original.event, sales.SaleCompleted):
            receptor = corrections.receptor_of(original.event, event.original_tipo)
        doc = documents.nota_credito_desde_devolucion(event, folio=folio, fecha_emision=fecha, emisor=emisor,
                                                      receptor=receptor,
                                                      fecha_original=_fecha(original.stamped_at)[0])
    elif tipo not in SIGNED_TYPES:
        raise dte_errors.DocumentInvalid(f"el servidor aún no emite documentos del tipo {tipo}")
    else:
        raise dte_errors.DocumentInvalid(f"el evento del documento no corresponde a un documento del tipo {tipo}")
    if int(doc.tipo) != tipo:
        raise dte_errors.DocumentInvalid(f"la venta corresponde al tipo {int(doc.tipo)}, no al {tipo}")
    return doc


def build_signed(doc: documents.Documento, ted: str, stamped_at: str, signer: signature.Signer) -> bytes:
    """The signed DTE of ``doc`` with the TED as stamped (ISO-8859-1 text) and ``TmstFirma`` the stamping time,
    schema-valid.

    Raises:
        DteError: the TED does not match the document, or the XML does not validate.
    """
    _, moment = _fecha(stamped_at)
    signed = xml.build_dte(doc, ted.encode("iso-8859-1"), signer, moment)
    schema.validate(signed, XSD_DIR)
    return signed


async def sign_pending(pool: db.Pool, tenant_id: int, secret_key: str, *, limit: int = 50,
                       now: datetime | None = None) -> SignResult:
    """Sign up to ``limit`` due ``issued`` documents of a tenant (one transaction; rows locked SKIP LOCKED, each
    document built in a savepoint). A document that does not build, sign or validate, for whatever reason (an
    unexpected exception is named in the message), keeps ``issued`` with ``last_error`` and a backoff, and counts in
    ``failed``; the others go on.

    Raises:
        CertificateUploadError: the tenant has no usable certificate (nothing is changed).
    """
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    signed = failed = 0
    async with db.tenant_tx(pool, tenant_id) as conn:
        config = await emisor_mod.load_emisor(conn, tenant_id)
        missing = emisor_mod.missing_message(config)
        for due in await outbox.issued_due(conn, tenant_id, now, limit):
            tipo, folio = due.tipo, due.folio
            error = missing  # without emisor data nothing is signed: the reason is the missing fields
            if error is None and config is not None:
                try:
                    async with conn.transaction():  # a savepoint: a SQL error here costs only this document
                        source = await load_source(conn, tenant_id, tipo, folio)
                        if source is None:
                            raise dte_errors.DocumentInvalid("el documento no está registrado")
                        doc = await build_document(conn, tenant_id, source, config.emisor())
                        data = build_signed(doc, source.ted, source.stamped_at, signer)
                except (dte_errors.DteError, ValueError) as exc:
                    error = str(exc)
                except Exception as exc:  # absurd data (an event quarantined at ingest): this document only
                    log.exception("dte build failed unexpectedly", extra={"tenant_id": tenant_id, "tipo": tipo,
                                                                         "folio": folio})
                    error = f"error inesperado al armar o firmar el documento ({type(exc).__name__}: {exc})"
            if error is not None:
                failed += 1
                log.warning("dte not signed", extra={"tenant_id": tenant_id, "tipo": tipo, "folio": folio,
                                                     "error": error})
                await outbox.sign_failed(conn, tenant_id, tipo, folio, error[:1000], backoff(due.attempts + 1))
                continue
            signed += 1
            await outbox.mark_signed(conn, tenant_id, tipo, folio, data)
    return SignResult(signed, failed)
