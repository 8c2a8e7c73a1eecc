"""Sending: due ``built`` envelopes are claimed, uploaded with no transaction open, and the SII's receipt recorded.

EnvioBOLETA goes to the boleta REST API, EnvioDTE and ``ConsumoFolios`` (the RVD) through DTEUpload. A track id (or
STATUS 99, already received) moves the envelope and its documents to ``sent``; STATUS 99 without a track id sends
an EnvioBOLETA/EnvioDTE to be asked document by document (:mod:`syncserver.sii.untracked`) and ends a
ConsumoFolios ``done``. A refused file ends ``done`` with its documents ``rejected``; any other failure waits
(backoff, Retry-After) and ends the pass's uploads. Details: docs/architecture.md §5.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Final

from shared import clock as clock_mod
from shared.dte import errors as dte_errors
from shared.dte import xmlcore
from syncserver.sii import claims, packing, ws
from syncserver.store import db, outbox

log = logging.getLogger("syncserver.sii.forwarder")

VIA_DTE_UPLOAD: Final = frozenset({"EnvioDTE", "ConsumoFolios"})
UNTRACKED: Final = ("el SII ya había recibido este mismo archivo (STATUS 99) pero no informó su track id: se consulta"
                    " documento por documento")


def caratula_sender(data: bytes) -> str | None:
    """The Carátula's RutEnvia of a stored envelope (our own bytes): DTEUpload's rutSender must be it."""
    try:
        root = xmlcore.parse(data)
    except dte_errors.XmlError:
        return None
    found = next((el.text for el in root.iter() if isinstance(el.tag, str) and xmlcore.localname(el) == "RutEnvia"),
                 None)
    return found.strip() if found else None


async def upload(client: ws.SiiClient, who: ws.Account, kind: str, data: bytes, envelope_id: int) -> ws.Receipt:
    """Upload one stored envelope through the SII service of its kind.

    Raises:
        SiiError: as the client raises it; SiiFileRejected for an unknown kind.
    """
    filename = f"{kind}_{envelope_id}.xml"
    sender = caratula_sender(data)
    if kind in VIA_DTE_UPLOAD:
        return await client.upload_dte(who, data, filename=filename, rut_sender=sender)
    if kind == "EnvioBOLETA":
        return await client.upload_boletas(who, data, filename=filename, rut_sender=sender)
    raise ws.SiiFileRejected(f"sobre de tipo desconocido {kind!r}: no se envía", code="kind")


async def send(pool: db.Pool, tenant_id: int, secret_key: str, client: ws.SiiClient, *, limit: int = 10,
               now: datetime | None = None, lease: timedelta = claims.LEASE,
               clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """Upload due envelopes (oldest first, at most ``limit``), each claimed → uploaded with no transaction open →
    recorded; returns how many the SII received (a track id, or STATUS 99 without one). ``now`` fixes the pass's
    time (tests); else each claim reads ``clock()``.

    Raises:
        CertificateUploadError, ForwarderError: see :func:`syncserver.sii.packing.account` (nothing is claimed).
        Exception: an unexpected error (the database down, a bug) after recording it on the envelope when possible.
    """
    who = await packing.account(pool, tenant_id, secret_key)
    sent = 0
    handled: list[int] = []
    for _ in range(limit):
        taken = await claims.claim(pool, tenant_id, "built", now=claims.claim_time(now, clock), lease=lease,
                                   skip=handled)
        if taken is None:
            break
        handled.append(taken.envelope_id)
        assert taken.xml is not None
        try:
            async with claims.bounded(taken):
                receipt = await upload(client, who, taken.kind, taken.xml, taken.envelope_id)
        except asyncio.CancelledError:
            await claims.give_back(pool, taken)
            raise
        except ws.SiiFileRejected as exc:
            await claims.settle(pool, taken, file_rejected, exc)
            continue
        except ws.SiiError as exc:
            log.warning("upload failed", extra={"tenant_id": tenant_id, "envelope_id": taken.envelope_id,
                                                "error": str(exc)})
            await claims.settle(pool, taken, claims.retry_later, str(exc), exc.retry_after, taken.claimed_at)
            break  # the SII is not answering well: leave the rest for the next pass
        except Exception as exc:
            await claims.failed(pool, taken, exc, taken.claimed_at)
            raise
        if await claims.settle(pool, taken, mark_sent, receipt, taken.claimed_at):
            sent += 1
    return sent


async def mark_sent(conn: db.Conn, taken: claims.Claim, receipt: ws.Receipt, now: datetime) -> None:
    """Record the SII's receipt of a claimed envelope (inside :func:`syncserver.sii.claims.settle`)."""
    tenant_id, envelope_id = taken.tenant_id, taken.envelope_id
    if receipt.track_id is None and taken.kind in ("EnvioBOLETA", "EnvioDTE"):  # asked document by document
        await outbox.mark_sent(conn, tenant_id, envelope_id, track_id=None, estado="STATUS 99",
                               envelope_glosa=UNTRACKED, document_glosa=UNTRACKED, at=now)
        log.info("envelope received without track id", extra={"tenant_id": tenant_id, "envelope_id": envelope_id})
        return
    if receipt.track_id is None:  # a ConsumoFolios, STATUS 99 without TRACKID: nothing left to ask
        glosa = ("el SII ya había recibido este mismo archivo (STATUS 99) pero no informó su track id: verifique los"
                 " documentos en www.sii.cl")
        await outbox.close_received(conn, tenant_id, envelope_id, "STATUS 99", glosa, now)
        return
    note = "el SII ya había recibido este mismo archivo (STATUS 99)" if receipt.already_received else None
    await outbox.mark_sent(conn, tenant_id, envelope_id, track_id=receipt.track_id, estado=receipt.estado,
                           envelope_glosa=note, document_glosa=None, at=now)
    log.info("envelope sent", extra={"tenant_id": tenant_id, "envelope_id": envelope_id, "track_id": receipt.track_id})


async def file_rejected(conn: db.Conn, taken: claims.Claim, exc: ws.SiiError) -> None:
    """The SII refused the file itself (STATUS 2, 3, 7, 8): the envelope ``done``, its documents ``rejected``."""
    code, reason = f"STATUS {exc.code}", f"el SII rechazó el envío: {exc}"[:1000]
    log.warning("upload refused", extra={"tenant_id": taken.tenant_id, "envelope_id": taken.envelope_id,
                                         "error": str(exc)})
    await outbox.reject_envelope(conn, taken.tenant_id, taken.envelope_id, code, reason)
