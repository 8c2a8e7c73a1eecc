"""Packing: signed documents not yet in an envelope go into one signed, schema-valid envelope per kind, stored
before any upload so every retry sends the identical bytes; and the tenant as the SII client needs it.

An **EnvioBOLETA** for boletas (39, 41) and an **EnvioDTE** for facturas and notas (33, 34, 56, 61), up to
``batch`` documents, with the emisor's resolution in the Carátula. No SII call here (docs/architecture.md §5).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from shared import clock as clock_mod
from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import schema, xml
from syncserver.dte import certs, folios, pipeline
from syncserver.dte import emisor as emisor_mod
from syncserver.dte.emisor import Resolution
from syncserver.sii import ws
from syncserver.store import db, outbox

log = logging.getLogger("syncserver.sii.forwarder")

BOLETAS: Final = (39, 41)
DTES: Final = (33, 34, 56, 61)
PACKS: Final = (("EnvioBOLETA", BOLETAS), ("EnvioDTE", DTES))


class ForwarderError(pos_errors.PosError):
    """The tenant cannot send anything yet (no RUT); the message says what to fix."""


async def account(pool: db.Pool, tenant_id: int, secret_key: str) -> ws.Account:
    """The tenant as the SII client needs it: its RUT and its certificate.

    Raises:
        CertificateUploadError: no usable certificate.
        ForwarderError: the tenant has no valid RUT.
    """
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    async with db.tenant_tx(pool, tenant_id) as conn:
        rut = await emisor_mod.tenant_rut(conn, tenant_id)
    try:
        return ws.Account.of(tenant_id, rut, signer)
    except pos_errors.InvalidRut:
        raise ForwarderError(f"la empresa {tenant_id} no tiene un RUT válido: no se puede enviar al SII") from None


async def pack(pool: db.Pool, tenant_id: int, secret_key: str, resolution: Resolution, *, batch: int = 50,
               now: datetime | None = None, clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """Pack up to ``batch`` signed documents of one kind (boletas first) into a new envelope, signed at ``now``
    (default ``clock()``); returns how many.

    Raises:
        CertificateUploadError, ForwarderError: see :func:`account`.
        DocumentInvalid, SchemaInvalid: the envelope cannot be built (nothing is stored).
    """
    now = clock() if now is None else now
    who = await account(pool, tenant_id, secret_key)
    rut = rut_mod.parse(who.rut_emisor).compact
    async with db.tenant_tx(pool, tenant_id) as conn:
        for kind, tipos in PACKS:
            documents = await outbox.signed_unpacked(conn, tenant_id, tipos, batch)
            if not documents:
                continue
            caratula = xml.Caratula(rut_emisor=rut, rut_envia=who.sender, fecha_resolucion=resolution.fecha,
                                    numero_resolucion=resolution.numero)
            envelope = xml.build_envelope([d.xml for d in documents], caratula, who.signer,
                                          now.astimezone(folios.CHILE).replace(tzinfo=None))
            schema.validate(envelope, pipeline.XSD_DIR)
            envelope_id = await outbox.add_envelope(conn, tenant_id, kind, envelope, documents)
            log.info("envelope packed", extra={"tenant_id": tenant_id, "envelope_id": envelope_id, "kind": kind,
                                               "documents": len(documents)})
            return len(documents)
    return 0
