"""From a stamped sale to a signed DTE in the outbox: build the document from the stored ``SaleCompleted``, render
it with the TED exactly as the terminal printed it, sign it with the tenant's certificate, validate it against the
SII's schema and store the XML (state ``issued`` → ``signed``).

Rows are taken ``FOR UPDATE SKIP LOCKED``, so several workers (or server processes) share the work without taking
the same document twice. A document that cannot be built or does not validate keeps state ``issued`` with
``last_error`` and a later ``next_attempt_at`` (backoff), for HQ to show.

Boletas (39, 41) only for now: facturas need the buyer's data, which the sale event does not carry yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import shared.dte
from shared.dte import documents, schema, xml
from shared.dte import errors as dte_errors
from shared.events import registry, sales
from syncserver.dte import certs
from syncserver.store import db

log = logging.getLogger("syncserver.dte.pipeline")

XSD_DIR = Path(shared.dte.__file__).resolve().parent / "data" / "xsd"
BOLETAS = (39, 41)
MAX_BACKOFF = timedelta(hours=1)
_CODEC = registry.build_codec()


@dataclass(frozen=True, slots=True)
class SignResult:
    signed: int
    failed: int


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _emisor(tenant: tuple[Any, ...]) -> documents.Emisor:
    name, rut = tenant
    return documents.Emisor(rut=str(rut), razon_social=str(name), giro="", direccion="", comuna="")


def _fecha(stamped_at: str) -> tuple[date, datetime]:
    moment = datetime.fromisoformat(stamped_at)
    return moment.date(), moment.replace(tzinfo=None)


def build_signed(sale: sales.SaleCompleted, emisor: documents.Emisor, signer: Any) -> bytes:
    """The signed DTE of a stamped boleta sale, schema-valid.

    Raises:
        DteError: the document breaks a rule, the TED does not match it, or the XML does not validate.
    """
    stamped = sale.document
    assert stamped is not None
    fecha, moment = _fecha(stamped.stamped_at)
    doc = documents.boleta_desde_venta(sale, folio=stamped.folio, fecha_emision=fecha, emisor=emisor)
    if int(doc.tipo) != stamped.tipo:
        raise dte_errors.DocumentInvalid(f"la venta corresponde al tipo {int(doc.tipo)}, no al {stamped.tipo}")
    signed = xml.build_dte(doc, stamped.ted.encode("iso-8859-1"), signer, moment)
    schema.validate(signed, XSD_DIR)
    return signed


async def sign_pending(pool: Any, tenant_id: int, secret_key: str, *, limit: int = 50,
                       now: datetime | None = None) -> SignResult:
    """Sign up to ``limit`` due ``issued`` boletas of a tenant (one transaction; rows locked SKIP LOCKED).

    Raises:
        CertificateUploadError: the tenant has no usable certificate (nothing is changed).
    """
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    signed = failed = 0
    async with db.tenant_tx(pool, tenant_id) as conn:
        tenant = await (await conn.execute("SELECT name, rut FROM tenants WHERE tenant_id = %s",
                                           (tenant_id,))).fetchone()
        assert tenant is not None
        emisor = _emisor(tenant)
        rows = await (await conn.execute(
            "SELECT o.tipo, o.folio, o.attempts, e.type, e.version, e.payload FROM dte_outbox o"
            " JOIN dte_documents d ON d.tenant_id = o.tenant_id AND d.tipo = o.tipo AND d.folio = o.folio"
            " JOIN events e ON e.tenant_id = d.tenant_id AND e.terminal_id = d.terminal_id AND e.epoch = d.epoch"
            " AND e.seq = d.seq WHERE o.tenant_id = %s AND o.state = 'issued' AND o.tipo = ANY(%s)"
            " AND o.next_attempt_at <= COALESCE(%s, now()) ORDER BY o.tipo, o.folio LIMIT %s"
            " FOR UPDATE OF o SKIP LOCKED", (tenant_id, list(BOLETAS), now, limit))).fetchall()
        for tipo, folio, attempts, type_, version, payload in rows:
            try:
                sale = _CODEC.decode(type_, version, payload)
                if not isinstance(sale, sales.SaleCompleted) or sale.document is None:
                    raise dte_errors.DocumentInvalid("el evento no es una venta con documento")
                data = build_signed(sale, emisor, signer)
            except (dte_errors.DteError, ValueError) as exc:
                failed += 1
                log.warning("dte not signed", extra={"tenant_id": tenant_id, "tipo": tipo, "folio": folio,
                                                     "error": str(exc)})
                await conn.execute(
                    "UPDATE dte_outbox SET attempts = attempts + 1, last_error = %s,"
                    " next_attempt_at = now() + %s, updated_at = now()"
                    " WHERE tenant_id = %s AND tipo = %s AND folio = %s",
                    (str(exc)[:1000], backoff(attempts + 1), tenant_id, tipo, folio))
                continue
            signed += 1
            await conn.execute(
                "UPDATE dte_outbox SET state = 'signed', xml = %s, last_error = NULL, updated_at = now()"
                " WHERE tenant_id = %s AND tipo = %s AND folio = %s", (data, tenant_id, tipo, folio))
    return SignResult(signed, failed)
