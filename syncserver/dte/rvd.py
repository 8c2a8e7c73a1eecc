"""The daily sales report (RVD, ``ConsumoFolios``) of each complete past day, stored as an envelope of kind
``ConsumoFolios`` in ``dte_envelopes`` for the forwarder to upload (DTEUpload), as sii.md §7 describes.

What a day holds: the boletas (39, 41) whose FchEmis is that day (the date of their stamping, Chile's wall time,
whatever their state at the SII) and the notas de crédito (61) of that day that modify a boleta — from returns at the
till or issued in HQ; notas that modify facturas belong to the Libro de Ventas, not to the RVD. Amounts come from the
documents' source events (the same totals the DTEs carry).

Which days: every day from the first day with documents up to yesterday (Chile) that has no report yet — a day
without documents is reported in zeros —, and every reported day whose documents changed since (a terminal that was
offline pushes late): that day is sent again complete with SecEnvio + 1. A fingerprint of each report's summary
decides "changed". Building only happens when the server setting ``rvd_enabled`` is on (:func:`build_if_enabled`);
the SII reportedly stopped requiring the RVD in 2022 (unverified, sii.md §7), so it is off unless asked for.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime, timedelta
from typing import Final

from shared import clock as clock_mod
from shared import errors as pos_errors
from shared.dte import errors as dte_errors
from shared.dte import rvd, schema, signature
from shared.events import returns, sales
from syncserver.dte import certs, folios, pipeline
from syncserver.dte import emisor as emisor_mod
from syncserver.settings import ServerSettings
from syncserver.store import db, outbox
from syncserver.store import documents as documents_store
from syncserver.store import rvd as rvd_store

log = logging.getLogger("syncserver.dte.rvd")

KIND: Final = "ConsumoFolios"
MAX_DAYS_PER_RUN: Final = 31
LATE_MARGIN: Final = timedelta(hours=1)
"""Documents received up to this long before the latest report are looked at again (a push still in flight)."""


def fingerprint(resumenes: tuple[rvd.Resumen, ...]) -> str:
    """SHA-256 of the summary's figures (not of the signed XML, which carries the signing time)."""
    data = [[r.tipo, r.neto, r.iva, r.exento, r.total, r.emitidos, r.anulados, list(r.rangos)] for r in resumenes]
    return hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()


async def documents_of(conn: db.Conn, tenant_id: int, day: date) -> list[rvd.DocumentoDia]:
    """The documents the RVD of ``day`` reports (see the module doc), inside the caller's tenant transaction.

    Raises:
        DocumentInvalid: a document whose source cannot be read (the day is not reported).
    """
    out: list[rvd.DocumentoDia] = []
    for row in await documents_store.sources_of_day(conn, tenant_id, day, rvd.TIPOS_RVD):
        source = pipeline.source_of_row(row)
        tipo, folio, event = source.tipo, source.folio, source.event
        if source.correction is not None:
            if int(source.correction["referencia"]["tipo"]) not in pipeline.BOLETAS:
                continue
            t = source.correction["totales"]
            out.append(rvd.DocumentoDia(tipo, folio, int(t["neto"]), int(t["iva"]), int(t["exento"]),
                                        int(t["total"])))
        elif isinstance(event, returns.ReturnCompleted):
            if event.original_tipo not in pipeline.BOLETAS:
                continue
            out.append(rvd.DocumentoDia(tipo, folio, event.neto, event.iva, event.exento, event.total))
        elif isinstance(event, sales.SaleCompleted) and tipo in pipeline.BOLETAS:
            out.append(rvd.DocumentoDia(tipo, folio, event.neto, event.iva, event.exento, event.total))
        else:
            raise dte_errors.DocumentInvalid(f"el documento {tipo} N° {folio} no tiene una venta o devolución legible")
    return out


async def _candidate_days(conn: db.Conn, tenant_id: int, yesterday: date) -> list[date]:
    start = await rvd_store.first_day(conn, tenant_id, rvd.TIPOS_RVD)
    if start is None:
        return []
    reported = await rvd_store.reported_days(conn, tenant_id)
    days = {start + timedelta(days=n) for n in range(max((yesterday - start).days + 1, 0))} - reported
    latest = await rvd_store.latest_report_at(conn, tenant_id)
    if latest is not None:
        late = await rvd_store.days_received_after(conn, tenant_id, latest - LATE_MARGIN, rvd.TIPOS_RVD)
        days |= {d for d in late if d <= yesterday}
    return sorted(days)


async def build_due(pool: db.Pool, tenant_id: int, secret_key: str, *, now: datetime | None = None,
                    limit: int = MAX_DAYS_PER_RUN, clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """Build, sign, validate and store the RVD of every complete past day not yet reported (or changed since it
    was), oldest first, at most ``limit`` days; returns how many were stored in ``dte_envelopes``.

    Nothing is built while the emisor data is incomplete (the Carátula needs the SII resolution): that is logged
    and 0 returned.

    Raises:
        CertificateUploadError: the tenant has no usable certificate.
    A day whose documents cannot be summarised (DocumentInvalid, SchemaInvalid, an unreadable event) is logged and
    skipped, in its own savepoint, so it does not hold back the other days; it is tried again on the next pass.
    """
    moment = clock() if now is None else now
    local = moment.astimezone(folios.CHILE) if moment.tzinfo else moment
    yesterday = local.date() - timedelta(days=1)
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    built = 0
    async with db.tenant_tx(pool, tenant_id) as conn:
        await rvd_store.lock(conn, tenant_id)
        config = await emisor_mod.load_emisor(conn, tenant_id)
        missing = emisor_mod.missing_message(config)
        if missing is not None or config is None or config.resolution is None:
            log.warning("rvd not built", extra={"tenant_id": tenant_id, "error": missing})
            return 0
        for day in (await _candidate_days(conn, tenant_id, yesterday))[:max(limit, 0)]:
            try:
                async with conn.transaction():  # a savepoint: a day that cannot be summarised does not stop the rest
                    if await _build_day(conn, tenant_id, day, config, signer, local.replace(tzinfo=None)) is not None:
                        built += 1
            except (dte_errors.DteError, ValueError) as exc:
                log.error("rvd day not built", extra={"tenant_id": tenant_id, "day": day.isoformat(),
                                                      "error": str(exc)})
    return built


async def _build_day(conn: db.Conn, tenant_id: int, day: date, config: emisor_mod.EmisorConfig,
                     signer: signature.Signer, moment: datetime, *,
                     force: bool = False) -> int | None:
    """Build, sign, validate and store the RVD of ``day`` unless its last report has the same figures (``force``
    builds it anyway); returns its SecEnvio, or None when nothing was built."""
    resumenes = rvd.resumir(await documents_of(conn, tenant_id, day))
    print_ = fingerprint(resumenes)
    last = await rvd_store.last_report(conn, tenant_id, day)
    if last is not None and last.fingerprint == print_ and not force:
        return None
    sec_envio = 1 if last is None else last.sec_envio + 1
    resolution = config.resolution
    assert resolution is not None, "callers check the emisor data first"
    caratula = rvd.CaratulaRvd(rut_emisor=config.rut, rut_envia=signer.rut or config.rut,
                               fecha_resolucion=resolution.fecha, numero_resolucion=resolution.numero, dia=day,
                               sec_envio=sec_envio)
    data = rvd.build_rvd(caratula, resumenes, signer, moment)
    schema.validate(data, pipeline.XSD_DIR)
    envelope_id = await outbox.add_envelope(conn, tenant_id, KIND, data)
    await rvd_store.add_report(conn, tenant_id, day=day, sec_envio=sec_envio, envelope_id=envelope_id,
                               fingerprint=print_, documents=sum(r.emitidos for r in resumenes),
                               total=sum(r.total for r in resumenes))
    log.info("rvd built", extra={"tenant_id": tenant_id, "day": day.isoformat(), "sec_envio": sec_envio})
    return sec_envio


class RvdResendError(pos_errors.PosError):
    """A day's RVD cannot be sent again (the message says why, in Spanish)."""


async def resend_rejected(pool: db.Pool, tenant_id: int, secret_key: str, day: date, *,
                          now: datetime | None = None, clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """Build the RVD of ``day`` again with the next SecEnvio after the SII rejected its last one (the owner's
    "Enviar de nuevo" in HQ, e.g. once the cause was fixed); the next pass sends it. Returns the new SecEnvio.

    Raises:
        RvdResendError: the day has no report, or its last report was not rejected (still on its way, accepted),
            or the emisor data is incomplete.
        CertificateUploadError: the tenant has no usable certificate.
    """
    moment = clock() if now is None else now
    local = moment.astimezone(folios.CHILE) if moment.tzinfo else moment
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    async with db.tenant_tx(pool, tenant_id) as conn:
        await rvd_store.lock(conn, tenant_id)
        last = await rvd_store.last_sent(conn, tenant_id, day)
        if last is None:
            raise RvdResendError(f"no hay un RVD del {day:%d-%m-%Y}")
        if last.state != "done" or last.sii_estado in ("EPR", "STATUS 99"):
            raise RvdResendError(f"el último RVD del {day:%d-%m-%Y} no fue rechazado: no se envía de nuevo")
        config = await emisor_mod.load_emisor(conn, tenant_id)
        missing = emisor_mod.missing_message(config)
        if missing is not None or config is None or config.resolution is None:
            raise RvdResendError(missing or "faltan los datos del emisor")
        sec = await _build_day(conn, tenant_id, day, config, signer, local.replace(tzinfo=None), force=True)
        assert sec is not None
        return sec


async def build_if_enabled(pool: db.Pool, tenant_id: int, settings: ServerSettings, *,
                           now: datetime | None = None, clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """:func:`build_due` when ``settings.rvd_enabled`` is on; 0 otherwise."""
    if not settings.rvd_enabled:
        return 0
    return await build_due(pool, tenant_id, settings.secret_key, now=now, clock=clock)

