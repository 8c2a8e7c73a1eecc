"""Claims on envelopes: claim → call the SII with no transaction open → record only if the claim is still ours.

A claim (migration 0008) is a ``claim_token`` with a lease (``claimed_until``): taken ``FOR UPDATE SKIP LOCKED``
among the due envelopes nobody holds, committed before any SII call, renewed while a poll asks document by
document, cleared when the outcome is recorded. A cancelled pass gives its claim back at once; a dead worker's
claim expires. The whole protocol: docs/architecture.md §5 ("Claim → call → record").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Concatenate, Final, ParamSpec

from shared import clock as clock_mod
from shared import errors as pos_errors
from syncserver.dte import folios, pipeline
from syncserver.sii import ws
from syncserver.store import db, outbox

log = logging.getLogger("syncserver.sii.forwarder")

LEASE: Final = timedelta(minutes=5)
"""How long a claim on an envelope lasts; its SII calls are cut short at :data:`CALL_SHARE` of it."""
CALL_SHARE: Final = 0.8
STOPPED: Final = "el servidor se detuvo durante la llamada al SII; se retoma en la próxima pasada"

P = ParamSpec("P")


class ClaimLost(pos_errors.PosError):
    """The claim on an envelope ended (its lease passed and another worker took it): this worker's outcome for it
    is not recorded."""


@dataclass(slots=True)
class Claim:
    """An envelope held by this worker for one exchange with the SII (:func:`claim`).

    ``xml`` is the stored envelope (only when claimed to upload, ``built``); ``attempts`` counts this one;
    ``until`` is the stored ``claimed_until``.
    """

    tenant_id: int
    envelope_id: int
    kind: str
    xml: bytes | None
    track_id: str | None
    attempts: int
    token: uuid.UUID
    claimed_at: datetime
    until: datetime
    lease: timedelta
    started: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    """The event loop's clock when claimed: the lease's real-time end, whatever ``now`` says."""


def worker_name() -> str:
    """This process as ``claimed_by`` shows it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_time(now: datetime | None, clock: clock_mod.Clock) -> datetime:
    """The time a claim is taken at: the pass's ``now`` when given (tests), else ``clock()`` at that moment, so
    that each claim's lease runs from when it is taken and not from the start of a pass that may last minutes."""
    return clock() if now is None else now


async def claim(pool: db.Pool, tenant_id: int, state: str, *, now: datetime | None = None,
                lease: timedelta = LEASE, worker: str | None = None, skip: Collection[int] = (),
                clock: clock_mod.Clock = clock_mod.utc_clock) -> Claim | None:
    """Claim the oldest due envelope in ``state`` (``built``: to upload; ``sent``: to ask its state) that nobody
    holds and that is not in ``skip`` (envelope ids this pass already handled), in one short transaction (``FOR
    UPDATE SKIP LOCKED``, committed on return); None when there is none.

    The envelope gets ``claim_token``, ``claimed_until`` = ``now`` (default ``clock()``) + ``lease``, ``claimed_by``
    = ``worker`` (default :func:`worker_name`), ``claimed_at`` = ``now`` and ``attempts + 1``. When an earlier claim
    expired unrecorded (its worker died), ``last_error`` says so.

    Raises:
        ValueError: ``state`` is neither ``built`` nor ``sent``.
    """
    if state not in ("built", "sent"):
        raise ValueError(f"unknown envelope state to claim: {state!r}")
    now = clock() if now is None else now
    token = uuid.uuid4()
    async with db.tenant_tx(pool, tenant_id) as conn:
        due = await outbox.take_due(conn, tenant_id, state, now, skip)
        if due is None:
            return None
        note = None
        if due.claim_token is not None:
            again = "se reenvía el mismo archivo" if state == "built" else "se consulta de nuevo"
            when = due.claimed_at.astimezone(folios.CHILE).strftime("%Y-%m-%d %H:%M:%S") if due.claimed_at else "?"
            note = f"el intento anterior ({due.claimed_by}, {when} hora de Chile) no terminó; {again}"
            log.warning("envelope claim expired unrecorded", extra={
                "tenant_id": tenant_id, "envelope_id": due.envelope_id, "claimed_by": due.claimed_by, "state": state})
        await outbox.mark_claimed(conn, tenant_id, due.envelope_id, token=token, at=now, until=now + lease,
                                  worker=worker or worker_name(), note=note)
    return Claim(tenant_id, due.envelope_id, due.kind, due.xml, due.track_id, due.attempts + 1, token, now,
                 now + lease, lease)


@contextlib.asynccontextmanager
async def bounded(taken: Claim) -> AsyncIterator[asyncio.Timeout]:
    """The SII calls of a claim, cut short at :data:`CALL_SHARE` of its lease (renewals move the end): raises
    SiiUnavailable then, as any timeout."""
    seconds = taken.lease.total_seconds() * CALL_SHARE
    try:
        async with asyncio.timeout_at(taken.started + seconds) as deadline:
            yield deadline
    except TimeoutError:
        raise ws.SiiUnavailable(f"el SII no respondió a tiempo (más de {seconds:.0f} s para el sobre"
                                f" {taken.envelope_id})") from None


async def renew(pool: db.Pool, taken: Claim, deadline: asyncio.Timeout) -> None:
    """Extend the claim by a whole lease from now (short transaction) and move the calls' deadline with it.

    Raises:
        ClaimLost: the claim is no longer this worker's.
    """
    loop = asyncio.get_running_loop()
    until = taken.claimed_at + timedelta(seconds=loop.time() - taken.started) + taken.lease
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        renewed = await outbox.renew_claim(conn, taken.tenant_id, taken.envelope_id, taken.token, until)
    if not renewed:
        raise ClaimLost(f"el sobre {taken.envelope_id} ya no está reservado para este proceso")
    taken.until = until
    deadline.reschedule(loop.time() + taken.lease.total_seconds() * CALL_SHARE)


async def settle(pool: db.Pool, taken: Claim, write: Callable[Concatenate[db.Conn, Claim, P], Awaitable[None]],
                 *args: P.args, **kwargs: P.kwargs) -> bool:
    """Record an outcome: ``write(conn, taken, …)`` in one short transaction, only if the claim is still ours
    (the row taken ``FOR UPDATE`` and its ``claim_token`` checked), then clear the claim. False (nothing written,
    logged) when the claim was lost."""
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        if not await outbox.hold_claim(conn, taken.tenant_id, taken.envelope_id, taken.token):
            log.warning("claim lost: outcome not recorded", extra={
                "tenant_id": taken.tenant_id, "envelope_id": taken.envelope_id, "outcome": write.__name__})
            return False
        await write(conn, taken, *args, **kwargs)
        await outbox.release_claim(conn, taken.tenant_id, taken.envelope_id)
    return True


async def retry_later(conn: db.Conn, taken: Claim, error: str, wait: timedelta | None, now: datetime) -> None:
    """A failed attempt: ``error`` on the envelope and its documents, due again after the larger of the SII's
    Retry-After (``wait``) and the backoff of its attempts."""
    delay = max(wait or timedelta(0), pipeline.backoff(taken.attempts))
    await outbox.postpone(conn, taken.tenant_id, taken.envelope_id, error[:1000], now + delay)


async def failed(pool: db.Pool, taken: Claim, exc: Exception, now: datetime) -> None:
    """An unexpected error (a bug, the database): recorded as a failed attempt when the database lets us (else the
    claim just expires); the caller re-raises ``exc``."""
    try:
        await settle(pool, taken, retry_later, f"error interno: {type(exc).__name__}: {exc}", None, now)
    except Exception:
        log.exception("could not record a failed attempt", extra={"tenant_id": taken.tenant_id,
                                                                  "envelope_id": taken.envelope_id})


async def give_back(pool: db.Pool, taken: Claim) -> None:
    """The pass was cancelled during an SII call (the server is stopping): give the claim back, still due, so the
    next pass of any process sends again (the identical bytes) or asks again at once instead of after the lease.
    Shielded from a second cancellation; never raises (the claim then simply expires)."""
    try:
        await asyncio.shield(settle(pool, taken, _interrupted))
    except (Exception, asyncio.CancelledError) as exc:
        log.warning("claim not given back at stop", extra={"tenant_id": taken.tenant_id,
                                                          "envelope_id": taken.envelope_id, "error": repr(exc)})


async def _interrupted(conn: db.Conn, taken: Claim) -> None:
    await outbox.note_envelope_error(conn, taken.tenant_id, taken.envelope_id, STOPPED)
