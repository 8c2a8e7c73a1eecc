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
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from shared import errors as pos_errors
from shared.dte import errors as dte_errors
from shared.dte import rvd, schema
from shared.events import returns, sales
from syncserver.dte import certs, folios, pipeline
from syncserver.dte import emisor as emisor_mod
from syncserver.store import db

log = logging.getLogger("syncserver.dte.rvd")

KIND: Final = "ConsumoFolios"
MAX_DAYS_PER_RUN: Final = 31
LATE_MARGIN: Final = timedelta(hours=1)
"""Documents received up to this long before the latest report are looked at again (a push still in flight)."""


def fingerprint(resumenes: tuple[rvd.Resumen, ...]) -> str:
    """SHA-256 of the summary's figures (not of the signed XML, which carries the signing time)."""
    data = [[r.tipo, r.neto, r.iva, r.exento, r.total, r.emitidos, r.anulados, list(r.rangos)] for r in resumenes]
    return hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()


async def documents_of(conn: Any, tenant_id: int, day: date) -> list[rvd.DocumentoDia]:
    """The documents the RVD of ``day`` reports (see the module doc), inside the caller's tenant transaction.

    Raises:
        DocumentInvalid: a document whose source cannot be read (the day is not reported).
    """
    rows = await (await conn.execute(
        pipeline.SOURCES_SQL + " WHERE d.tenant_id = %s AND left(d.stamped_at, 10) = %s AND d.tipo = ANY(%s)"
        " ORDER BY d.tipo, d.folio", (tenant_id, day.isoformat(), list(rvd.TIPOS_RVD)))).fetchall()
    out: list[rvd.DocumentoDia] = []
    for row in rows:
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


async def _candidate_days(conn: Any, tenant_id: int, yesterday: date) -> list[date]:
    first = await (await conn.execute(
        "SELECT min(left(stamped_at, 10)) FROM dte_documents WHERE tenant_id = %s AND tipo = ANY(%s)",
        (tenant_id, list(rvd.TIPOS_RVD)))).fetchone()
    if first is None or first[0] is None:
        return []
    start = date.fromisoformat(first[0])
    reported = {r[0] for r in await (await conn.execute(
        "SELECT DISTINCT day FROM rvd_reports WHERE tenant_id = %s", (tenant_id,))).fetchall()}
    days = {start + timedelta(days=n) for n in range(max((yesterday - start).days + 1, 0))} - reported
    latest = await (await conn.execute("SELECT max(created_at) FROM rvd_reports WHERE tenant_id = %s",
                                       (tenant_id,))).fetchone()
    if latest is not None and latest[0] is not None:
        late = await (await conn.execute(
            "SELECT DISTINCT left(stamped_at, 10) FROM dte_documents WHERE tenant_id = %s AND received_at > %s"
            " AND tipo = ANY(%s)", (tenant_id, latest[0] - LATE_MARGIN, list(rvd.TIPOS_RVD)))).fetchall()
        days |= {d for (text,) in late if (d := date.fromisoformat(text)) <= yesterday}
    return sorted(days)


async def build_due(pool: Any, tenant_id: int, secret_key: str, *, now: datetime | None = None,
                    limit: int = MAX_DAYS_PER_RUN) -> int:
    """Build, sign, validate and store the RVD of every complete past day not yet reported (or changed since it
    was), oldest first, at most ``limit`` days; returns how many were stored in ``dte_envelopes``.

    Nothing is built while the emisor data is incomplete (the Carátula needs the SII resolution): that is logged
    and 0 returned.

    Raises:
        CertificateUploadError: the tenant has no usable certificate.
    A day whose documents cannot be summarised (DocumentInvalid, SchemaInvalid, an unreadable event) is logged and
    skipped, in its own savepoint, so it does not hold back the other days; it is tried again on the next pass.
    """
    moment = datetime.now(UTC) if now is None else now
    local = moment.astimezone(folios.CHILE) if moment.tzinfo else moment
    yesterday = local.date() - timedelta(days=1)
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    built = 0
    async with db.tenant_tx(pool, tenant_id) as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"rvd:{tenant_id}",))
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


async def _build_day(conn: Any, tenant_id: int, day: date, config: Any, signer: Any, moment: datetime, *,
                     force: bool = False) -> int | None:
    """Build, sign, validate and store the RVD of ``day`` unless its last report has the same figures (``force``
    builds it anyway); returns its SecEnvio, or None when nothing was built."""
    resumenes = rvd.resumir(await documents_of(conn, tenant_id, day))
    print_ = fingerprint(resumenes)
    last = await (await conn.execute(
        "SELECT sec_envio, fingerprint FROM rvd_reports WHERE tenant_id = %s AND day = %s"
        " ORDER BY sec_envio DESC LIMIT 1", (tenant_id, day))).fetchone()
    if last is not None and last[1] == print_ and not force:
        return None
    sec_envio = 1 if last is None else int(last[0]) + 1
    caratula = rvd.CaratulaRvd(rut_emisor=config.rut, rut_envia=signer.rut or config.rut,
                               fecha_resolucion=config.resolution.fecha,
                               numero_resolucion=config.resolution.numero, dia=day, sec_envio=sec_envio)
    data = rvd.build_rvd(caratula, resumenes, signer, moment)
    schema.validate(data, pipeline.XSD_DIR)
    row = await (await conn.execute(
        "INSERT INTO dte_envelopes (tenant_id, kind, xml) VALUES (%s, %s, %s) RETURNING envelope_id",
        (tenant_id, KIND, data))).fetchone()
    assert row is not None
    await conn.execute(
        "INSERT INTO rvd_reports (tenant_id, day, sec_envio, envelope_id, fingerprint, documents, total)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (tenant_id, day, sec_envio, row[0], print_, sum(r.emitidos for r in resumenes),
         sum(r.total for r in resumenes)))
    log.info("rvd built", extra={"tenant_id": tenant_id, "day": day.isoformat(), "sec_envio": sec_envio})
    return sec_envio


class RvdResendError(pos_errors.PosError):
    """A day's RVD cannot be sent again (the message says why, in Spanish)."""


async def resend_rejected(pool: Any, tenant_id: int, secret_key: str, day: date, *,
                          now: datetime | None = None) -> int:
    """Build the RVD of ``day`` again with the next SecEnvio after the SII rejected its last one (the owner's
    "Enviar de nuevo" in HQ, e.g. once the cause was fixed); the next pass sends it. Returns the new SecEnvio.

    Raises:
        RvdResendError: the day has no report, or its last report was not rejected (still on its way, accepted),
            or the emisor data is incomplete.
        CertificateUploadError: the tenant has no usable certificate.
    """
    moment = datetime.now(UTC) if now is None else now
    local = moment.astimezone(folios.CHILE) if moment.tzinfo else moment
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    async with db.tenant_tx(pool, tenant_id) as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"rvd:{tenant_id}",))
        last = await (await conn.execute(
            "SELECT e.state, e.sii_estado FROM rvd_reports r JOIN dte_envelopes e ON e.tenant_id = r.tenant_id"
            " AND e.envelope_id = r.envelope_id WHERE r.tenant_id = %s AND r.day = %s"
            " ORDER BY r.sec_envio DESC LIMIT 1", (tenant_id, day))).fetchone()
        if last is None:
            raise RvdResendError(f"no hay un RVD del {day:%d-%m-%Y}")
        if last[0] != "done" or last[1] in ("EPR", "STATUS 99"):
            raise RvdResendError(f"el último RVD del {day:%d-%m-%Y} no fue rechazado: no se envía de nuevo")
        config = await emisor_mod.load_emisor(conn, tenant_id)
        missing = emisor_mod.missing_message(config)
        if missing is not None or config is None or config.resolution is None:
            raise RvdResendError(missing or "faltan los datos del emisor")
        sec = await _build_day(conn, tenant_id, day, config, signer, local.replace(tzinfo=None), force=True)
        assert sec is not None
        return sec


async def build_if_enabled(pool: Any, tenant_id: int, settings: Any, *, now: datetime | None = None) -> int:
    """:func:`build_due` when ``settings.rvd_enabled`` (ServerSettings) is on; 0 otherwise."""
    if not getattr(settings, "rvd_enabled", False):
        return 0
    return await build_due(pool, tenant_id, settings.secret_key, now=now)

