"""Polling: due ``sent`` envelopes are claimed, their envío's state asked with no transaction open, and the outcome
recorded: still in process (asked again after the backoff), or final (each document's verdict, the envelope
``done``). An envelope without track id is asked document by document (:mod:`syncserver.sii.untracked`).
Details: docs/architecture.md §5.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime, timedelta

from shared import clock as clock_mod
from syncserver.dte import pipeline
from syncserver.sii import claims, packing, untracked, verdicts, ws
from syncserver.store import db, outbox

log = logging.getLogger("syncserver.sii.forwarder")


async def poll(pool: db.Pool, tenant_id: int, secret_key: str, client: ws.SiiClient, *, limit: int = 10,
               now: datetime | None = None, lease: timedelta = claims.LEASE,
               clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """Ask the state of due sent envelopes (oldest first, at most ``limit``), each claimed → asked with no
    transaction open → recorded; returns how many got their final verdict recorded. ``now`` fixes the pass's time
    (tests); else each claim reads ``clock()``.

    Raises:
        CertificateUploadError, ForwarderError: see :func:`syncserver.sii.packing.account` (nothing is claimed).
        Exception: an unexpected error (the database down, a bug) after recording it on the envelope when possible.
    """
    who = await packing.account(pool, tenant_id, secret_key)
    done = 0
    handled: list[int] = []
    for _ in range(limit):
        taken = await claims.claim(pool, tenant_id, "sent", now=claims.claim_time(now, clock), lease=lease,
                                   skip=handled)
        if taken is None:
            break
        handled.append(taken.envelope_id)
        if taken.track_id is None:
            finished, failed = await untracked.poll_untracked(pool, client, who, taken)
            done += finished
            if failed:
                break  # the SII is not answering well: leave the rest for the next pass
            continue
        found: dict[tuple[int, int], verdicts.Verdict] | None = None
        try:
            async with claims.bounded(taken) as deadline:
                track = taken.track_id or ""
                if taken.kind == "EnvioBOLETA":
                    status = await client.boleta_status(who, track)
                else:
                    status = await client.dte_status(who, track)
                if status.phase != "pending":
                    documents = await _documents(pool, taken)
                    found = await verdicts.verdicts_of(client, who, taken.kind, status, documents,
                                                       before_query=functools.partial(claims.renew, pool, taken,
                                                                                      deadline))
        except asyncio.CancelledError:
            await claims.give_back(pool, taken)
            raise
        except claims.ClaimLost as exc:
            log.warning("claim lost while polling", extra={"tenant_id": tenant_id, "envelope_id": taken.envelope_id,
                                                           "error": str(exc)})
            continue
        except ws.SiiError as exc:
            log.warning("status failed", extra={"tenant_id": tenant_id, "envelope_id": taken.envelope_id,
                                                "error": str(exc)})
            await claims.settle(pool, taken, claims.retry_later, str(exc), exc.retry_after, taken.claimed_at)
            break
        except Exception as exc:
            await claims.failed(pool, taken, exc, taken.claimed_at)
            raise
        if found is None:
            await claims.settle(pool, taken, still_pending, status, taken.claimed_at)
        elif await claims.settle(pool, taken, verdicts.record_verdicts, status, found):
            done += 1
    return done


async def _documents(pool: db.Pool, taken: claims.Claim) -> list[outbox.Document]:
    """The signed documents of a claimed envelope (short read-only transaction)."""
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        return await outbox.envelope_documents(conn, taken.tenant_id, taken.envelope_id)


async def still_pending(conn: db.Conn, taken: claims.Claim, status: ws.EnvioStatus, now: datetime) -> None:
    """The SII answers "en proceso": ask again after the backoff. When the previous attempt had failed (the SII was
    unreachable, e.g. through a day-long outage), the count starts again, so an answering SII is asked again within
    minutes rather than after the hour the failures had built up."""
    attempts = 1 if await outbox.last_failed(conn, taken.tenant_id, taken.envelope_id) else taken.attempts
    await outbox.mark_pending(conn, taken.tenant_id, taken.envelope_id, estado=status.estado,
                              glosa=status.glosa[:1000], attempts=attempts, at=now + pipeline.backoff(attempts))
