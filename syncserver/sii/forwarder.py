"""Send signed documents to the SII (or its local stand-in) and record what it answers.

Three steps, each its own transaction with rows taken ``FOR UPDATE SKIP LOCKED`` (several workers never take the
same row):

1. :func:`pack`: signed boletas not yet in an envelope go into one EnvioBOLETA (up to ``batch`` documents), signed
   with the tenant's certificate and schema-valid, stored in ``dte_envelopes`` before any upload, so every retry
   sends the identical bytes.
2. :func:`send`: due ``built`` envelopes are uploaded; a track id moves the envelope and its documents to ``sent``.
   A 429/5xx, a timeout or a connection error leaves it ``built`` with ``attempts + 1``, ``last_error`` and
   ``next_attempt_at`` = now + the larger of ``Retry-After`` and the backoff.
3. :func:`poll`: due ``sent`` envelopes are asked for their status; the verdict per document becomes ``accepted`` or
   ``rejected`` (with the SII's reason in ``last_error``); still in process means ask again after the backoff.

Only the stand-in's simplified protocol is spoken (``syncserver.sii_standin``): the SII's own authentication
(seed, signed seed, token) and endpoints are not done yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from shared import rut as rut_mod
from shared.dte import schema, xml
from syncserver.dte import certs, folios, pipeline
from syncserver.store import db

log = logging.getLogger("syncserver.sii.forwarder")

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Resolution:
    """The emisor's SII resolution for the Caratula (número 0 in certificación)."""

    fecha: date
    numero: int = 0


def retry_after(response: httpx.Response, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(timedelta(seconds=int(value)), MAX_RETRY_AFTER)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)


async def pack(pool: Any, tenant_id: int, secret_key: str, resolution: Resolution, *, batch: int = 50,
               now: datetime | None = None) -> int:
    """Pack up to ``batch`` signed boletas into a new envelope; returns how many documents were packed."""
    now = datetime.now(UTC) if now is None else now
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    async with db.tenant_tx(pool, tenant_id) as conn:
        tenant = await (await conn.execute("SELECT rut FROM tenants WHERE tenant_id = %s", (tenant_id,))).fetchone()
        assert tenant is not None
        rows = await (await conn.execute(
            "SELECT tipo, folio, xml FROM dte_outbox WHERE tenant_id = %s AND state = 'signed'"
            " AND envelope_id IS NULL AND tipo = ANY(%s) ORDER BY tipo, folio LIMIT %s FOR UPDATE SKIP LOCKED",
            (tenant_id, list(pipeline.BOLETAS), batch))).fetchall()
        if not rows:
            return 0
        rut = rut_mod.parse(str(tenant[0])).compact
        caratula = xml.Caratula(rut_emisor=rut, rut_envia=signer.rut or rut, fecha_resolucion=resolution.fecha,
                                numero_resolucion=resolution.numero)
        envelope = xml.build_envelope([bytes(r[2]) for r in rows], caratula, signer,
                                      now.astimezone(folios.CHILE).replace(tzinfo=None))
        schema.validate(envelope, pipeline.XSD_DIR)
        row = await (await conn.execute(
            "INSERT INTO dte_envelopes (tenant_id, kind, xml) VALUES (%s, 'EnvioBOLETA', %s) RETURNING envelope_id",
            (tenant_id, envelope))).fetchone()
        assert row is not None
        await conn.execute(
            "UPDATE dte_outbox SET envelope_id = %s, updated_at = now() WHERE tenant_id = %s"
            " AND (tipo, folio) IN (SELECT * FROM unnest(%s::int[], %s::bigint[]))",
            (row[0], tenant_id, [r[0] for r in rows], [r[1] for r in rows]))
    return len(rows)


async def _retry_later(conn: Any, tenant_id: int, envelope_id: int, attempts: int, error: str,
                       wait: timedelta | None, now: datetime) -> None:
    delay = max(wait or timedelta(0), pipeline.backoff(attempts + 1))
    await conn.execute(
        "UPDATE dte_envelopes SET attempts = attempts + 1, last_error = %s, next_attempt_at = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s", (error[:1000], now + delay, tenant_id, envelope_id))
    await conn.execute("UPDATE dte_outbox SET last_error = %s, updated_at = now() WHERE tenant_id = %s"
                       " AND envelope_id = %s", (error[:1000], tenant_id, envelope_id))


async def send(pool: Any, tenant_id: int, client: httpx.AsyncClient, *, limit: int = 10,
               now: datetime | None = None) -> int:
    """Upload due envelopes; returns how many got a track id."""
    now = datetime.now(UTC) if now is None else now
    sent = 0
    async with db.tenant_tx(pool, tenant_id) as conn:
        rows = await (await conn.execute(
            "SELECT envelope_id, xml, attempts FROM dte_envelopes WHERE tenant_id = %s AND state = 'built'"
            " AND next_attempt_at <= %s ORDER BY envelope_id LIMIT %s FOR UPDATE SKIP LOCKED",
            (tenant_id, now, limit))).fetchall()
        for envelope_id, data, attempts in rows:
            try:
                response = await client.post("/sii/envio", files={"archivo": ("envio.xml", bytes(data),
                                                                             "application/xml")})
            except httpx.HTTPError as exc:
                await _retry_later(conn, tenant_id, envelope_id, attempts,
                                   f"sin respuesta del SII: {type(exc).__name__}", None, now)
                continue
            track = _track_id(response)
            if track is None:
                what = "el SII no está disponible" if response.status_code in RETRYABLE else "el SII no aceptó el envío"
                await _retry_later(conn, tenant_id, envelope_id, attempts, f"{what} (HTTP {response.status_code})",
                                   retry_after(response, now), now)
                continue
            sent += 1
            await conn.execute(
                "UPDATE dte_envelopes SET state = 'sent', track_id = %s, attempts = 0, last_error = NULL,"
                " next_attempt_at = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
                (track, now, tenant_id, envelope_id))
            await conn.execute(
                "UPDATE dte_outbox SET state = 'sent', track_id = %s, last_error = NULL, updated_at = now()"
                " WHERE tenant_id = %s AND envelope_id = %s", (track, tenant_id, envelope_id))
    return sent


def _track_id(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return None
    try:
        track = response.json().get("trackid")
    except (ValueError, AttributeError):
        return None
    return str(track) if track else None


async def poll(pool: Any, tenant_id: int, client: httpx.AsyncClient, *, limit: int = 10,
               now: datetime | None = None) -> int:
    """Ask the status of due sent envelopes; returns how many got their final verdict."""
    now = datetime.now(UTC) if now is None else now
    done = 0
    async with db.tenant_tx(pool, tenant_id) as conn:
        rows = await (await conn.execute(
            "SELECT envelope_id, track_id, attempts FROM dte_envelopes WHERE tenant_id = %s AND state = 'sent'"
            " AND next_attempt_at <= %s ORDER BY envelope_id LIMIT %s FOR UPDATE SKIP LOCKED",
            (tenant_id, now, limit))).fetchall()
        for envelope_id, track, attempts in rows:
            try:
                response = await client.get(f"/sii/envio/{track}")
                verdict = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError) as exc:
                verdict, response = None, None
                error = f"sin respuesta del SII: {type(exc).__name__}"
            else:
                error = f"estado no disponible (HTTP {response.status_code})"
            if not isinstance(verdict, dict) or verdict.get("estado") not in ("EPR", "RCT"):
                wait = retry_after(response, now) if response is not None else None
                await _retry_later(conn, tenant_id, envelope_id, attempts, error if verdict is None else
                                   "el SII aún procesa el envío", wait, now)
                continue
            done += 1
            await _record_verdict(conn, tenant_id, envelope_id, verdict)
    return done


async def _record_verdict(conn: Any, tenant_id: int, envelope_id: int, verdict: dict[str, Any]) -> None:
    if verdict["estado"] == "RCT":
        await conn.execute("UPDATE dte_outbox SET state = 'rejected', last_error = %s, updated_at = now()"
                           " WHERE tenant_id = %s AND envelope_id = %s",
                           (f"envío rechazado: {verdict.get('motivo', '')}"[:1000], tenant_id, envelope_id))
    for item in verdict.get("detalle", []):
        accepted = item.get("estado") == "ACEPTADO"
        await conn.execute(
            "UPDATE dte_outbox SET state = %s, last_error = %s, updated_at = now() WHERE tenant_id = %s"
            " AND envelope_id = %s AND tipo = %s AND folio = %s",
            ("accepted" if accepted else "rejected", None if accepted else str(item.get("motivo", ""))[:1000],
             tenant_id, envelope_id, int(item.get("tipo", 0)), int(item.get("folio", 0))))
    await conn.execute("UPDATE dte_envelopes SET state = 'done', last_error = NULL, updated_at = now()"
                       " WHERE tenant_id = %s AND envelope_id = %s", (tenant_id, envelope_id))

