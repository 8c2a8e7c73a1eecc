"""Send signed documents to the SII (or its local stand-in) and record what it answers, per document.

Three steps, all talking through :class:`syncserver.sii.ws.SiiClient`:

1. :func:`pack`: signed documents not yet in an envelope go into one envelope per kind, up to ``batch`` documents:
   an **EnvioBOLETA** for boletas (39, 41) and an **EnvioDTE** for facturas and notas (33, 34, 56, 61); signed with
   the tenant's certificate, schema-valid, with the emisor's resolution in the Carátula, and stored in
   ``dte_envelopes`` before any upload, so every retry sends the identical bytes (a document is never
   re-stamped or re-signed here). One short transaction, documents taken ``FOR UPDATE SKIP LOCKED``; no SII call.
2. :func:`send`: due ``built`` envelopes are uploaded: EnvioBOLETA to the boleta REST API, EnvioDTE and
   ``ConsumoFolios`` (the RVD, built elsewhere into ``dte_envelopes``) through DTEUpload. A track id moves the
   envelope and its documents to ``sent`` (``sii_estado`` REC); STATUS 99 (the identical file was already
   received) is a success. STATUS 99 *without* a track id: a ``ConsumoFolios`` ends ``done`` (``sii_estado``
   ``STATUS 99``, received); an EnvioBOLETA or EnvioDTE goes to ``sent`` with no track id (``sii_estado``
   ``STATUS 99``), and 3 asks its documents one by one. When the SII refuses the file itself (STATUS 2, 3, 7,
   8) the envelope is ``done`` and its documents ``rejected`` with the reason. Any other failure (no
   connection, timeout, HTTP 5xx/429 with ``Retry-After``, an unreadable answer, authentication) leaves it
   ``built`` with ``last_error`` and ``next_attempt_at`` = now + the larger of the SII's Retry-After and the
   backoff (30 s doubling to 1 h, by ``attempts``), and ends the pass's uploads: the SII is not asked again until
   then.
3. :func:`poll`: due ``sent`` envelopes are asked for their state. In process (REC, SOK, CRT, FOK, PDR): ask again
   after the backoff. Rejected as a whole (RSC, RFR, RCT, …): every document ``rejected`` with the SII's glosa.
   Processed (EPR), per document:

   - boletas: ``detalle_rep_rech`` names each rejected document (RCH → ``rejected``, the reasons in
     ``last_error``) and each one with reparos (RPR/RLV → ``accepted_objections``, reasons in ``sii_glosa``); the
     others are ``accepted``.
   - EnvioDTE: getEstUp only gives counts per type. A type whose documents were all accepted needs nothing more;
     for the other types each document is asked with QueryEstDte: received (DOK…) is ``accepted`` — or
     ``accepted_objections`` when the type had reparos and no plain acceptances, or the SII's text says
     "reparo" — and not received (FAU, FNA, DNK…) is ``rejected`` with the SII's glosa. (The SII e-mails the full
     diagnosis of facturas; what its web services say is what is recorded.)
   - ConsumoFolios has no documents: the envelope's ``sii_estado``/``sii_glosa`` are its verdict.

   The envelope ends ``done`` with the envío's ``sii_estado`` and ``sii_glosa``. A failed query is retried as in 2.

   An envelope **without track id** (STATUS 99 without TRACKID) has no envío to ask: each of its documents still
   ``sent`` is asked on its own — boletas through the boleta API's per-document state
   (:meth:`~syncserver.sii.ws.SiiClient.boleta_document_status`), facturas and notas through QueryEstDte — and the
   answer is mapped as for a processed envío (:func:`document_verdict`, with no counts: received is ``accepted``,
   or ``accepted_objections`` when the SII's code or text says reparos; a rejection the SII states (RCH, DNK…) is
   ``rejected``). A document the SII does not have (yet) — FAU, the boleta API's HTTP 404, a state still in process
   — stays ``sent`` and is asked again after the backoff; it is never taken as rejected (FAU also means "not yet",
   and a rejection would offer to annul a document the SII may have): past :data:`UNKNOWN_GRACE` its glosa asks a
   person to check it on www.sii.cl. An unreadable answer about one document is recorded on it and the next one is
   asked. The envelope is ``done`` (``sii_estado`` ``STATUS 99``, the tally in ``sii_glosa``) once every document
   has its verdict. When the round stops (the SII unavailable, garbage again and again), the verdicts already
   obtained are recorded, the documents not asked get ``last_error``, and the rest waits as in 2.

**Claim → call → record** (migration 0008). :func:`send` and :func:`poll` never hold a transaction, a row lock or a
pooled connection while the SII answers (HTTP calls of up to 30 s each, minutes in an outage). Envelope by
envelope, oldest first:

- *claim* (:func:`claim`, one short transaction): the envelope is taken ``FOR UPDATE SKIP LOCKED`` among the due
  ones nobody holds (``claimed_until`` empty or past) and marked with this worker's ``claim_token``,
  ``claimed_until`` = now + ``lease`` (default :data:`LEASE`, 5 min), ``claimed_by`` (host:pid), ``claimed_at`` and
  ``attempts + 1``; committed before any SII call, so the attempt is on record even if the server dies during it.
- *call*: the SII calls of the envelope run with no transaction open, and are cut short (as a timeout: retried
  later) a fifth of the lease before it ends, so a worker never calls for an envelope it no longer holds. While
  :func:`poll` asks document by document (QueryEstDte, the boleta API's per-document state), the lease is
  renewed (short transaction) before each query.
- *record* (one short transaction): the outcome is written only if ``claim_token`` is still this worker's (the row
  is re-taken ``FOR UPDATE`` and checked) and the claim is cleared; otherwise it is dropped and logged ("claim
  lost"), so an envelope never gets two outcomes — a document never two different track ids.

A pass cancelled during an SII call (the server stopping) gives its claim back at once, still due, with
``last_error`` saying so. A worker that dies between claim and record leaves a claim that expires; the envelope is
then claimed again (``last_error`` says the earlier attempt did not finish) and the identical stored bytes are
uploaded again: the SII answers STATUS 99 "already received" with the first track id, which counts as success.
Several workers or server processes share the work this way and never upload the same envelope at the same time.
A pass takes each envelope at most once, even when its next attempt falls due again before the pass ends.

``now`` (every function) is the pass's clock: due times, claims and leases are compared with it, so tests drive
retries and expired claims without waiting. Without it, :func:`send` and :func:`poll` read the wall clock at each
claim, so a claim taken late in a long pass still lasts a whole lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Concatenate, Final, ParamSpec

from shared import errors as pos_errors
from shared import rut as rut_mod
from shared.dte import errors as dte_errors
from shared.dte import schema, xml, xmlcore
from syncserver.dte import certs, folios, pipeline
from syncserver.dte.emisor import Resolution as Resolution  # the Carátula's FchResol, NroResol
from syncserver.sii import ws
from syncserver.store import db

log = logging.getLogger("syncserver.sii.forwarder")

BOLETAS: Final = (39, 41)
DTES: Final = (33, 34, 56, 61)
PACKS: Final = (("EnvioBOLETA", BOLETAS), ("EnvioDTE", DTES))
VIA_DTE_UPLOAD: Final = frozenset({"EnvioDTE", "ConsumoFolios"})
LEASE: Final = timedelta(minutes=5)
"""How long a claim on an envelope lasts (see the module doc); its SII calls are cut short at 4/5 of it."""
CALL_SHARE: Final = 0.8
UNKNOWN_GRACE: Final = timedelta(hours=24)
"""How long after a STATUS 99 without track id a document the SII does not have yet (FAU, HTTP 404, in process)
is simply waited for; after that it is still asked (never taken as rejected: FAU also means "not yet", and a
rejection would offer to annul a document the SII may have), and its glosa asks a person to check it on www.sii.cl."""
BAD_ANSWERS_IN_A_ROW: Final = 3
"""Unreadable per-document answers in a row after which the round stops (the SII is answering garbage); fewer are
recorded on their documents and the others are still asked."""
CONSUMIDOR_FINAL: Final = "66666666-6"
"""The RUTRecep of a boleta to an anonymous buyer (SII formato boletas), asked when a boleta carries none."""
UNTRACKED: Final = ("el SII ya había recibido este mismo archivo (STATUS 99) pero no informó su track id: se consulta"
                    " documento por documento")

P = ParamSpec("P")


class ForwarderError(pos_errors.PosError):
    """The tenant cannot send anything yet (no RUT); the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the SII decided about one document: ``state`` accepted, accepted_objections or rejected, the SII's
    code (``sii_estado``) and text (``glosa``: the reason of a rejection, the reparos)."""

    state: str
    sii_estado: str
    glosa: str = ""


async def account(pool: Any, tenant_id: int, secret_key: str) -> ws.Account:
    """The tenant as the SII client needs it: its RUT and its certificate.

    Raises:
        CertificateUploadError: no usable certificate.
        ForwarderError: the tenant has no valid RUT.
    """
    signer = await certs.load_signer(pool, tenant_id, secret_key)
    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await (await conn.execute("SELECT rut FROM tenants WHERE tenant_id = %s", (tenant_id,))).fetchone()
    try:
        return ws.Account.of(tenant_id, str(row[0] if row else ""), signer)
    except pos_errors.InvalidRut:
        raise ForwarderError(f"la empresa {tenant_id} no tiene un RUT válido: no se puede enviar al SII") from None


# --- 1. pack ------------------------------------------------------------------------------------------------------


async def pack(pool: Any, tenant_id: int, secret_key: str, resolution: Resolution, *, batch: int = 50,
               now: datetime | None = None) -> int:
    """Pack up to ``batch`` signed documents of one kind (boletas first) into a new envelope; returns how many.

    Raises:
        CertificateUploadError, ForwarderError: see :func:`account`.
        DocumentInvalid, SchemaInvalid: the envelope cannot be built (nothing is stored).
    """
    now = datetime.now(UTC) if now is None else now
    who = await account(pool, tenant_id, secret_key)
    rut = rut_mod.parse(who.rut_emisor).compact
    async with db.tenant_tx(pool, tenant_id) as conn:
        for kind, tipos in PACKS:
            rows = await (await conn.execute(
                "SELECT tipo, folio, xml FROM dte_outbox WHERE tenant_id = %s AND state = 'signed'"
                " AND envelope_id IS NULL AND tipo = ANY(%s) ORDER BY tipo, folio LIMIT %s FOR UPDATE SKIP LOCKED",
                (tenant_id, list(tipos), batch))).fetchall()
            if not rows:
                continue
            caratula = xml.Caratula(rut_emisor=rut, rut_envia=who.sender, fecha_resolucion=resolution.fecha,
                                    numero_resolucion=resolution.numero)
            envelope = xml.build_envelope([bytes(r[2]) for r in rows], caratula, who.signer,
                                          now.astimezone(folios.CHILE).replace(tzinfo=None))
            schema.validate(envelope, pipeline.XSD_DIR)
            row = await (await conn.execute(
                "INSERT INTO dte_envelopes (tenant_id, kind, xml) VALUES (%s, %s, %s) RETURNING envelope_id",
                (tenant_id, kind, envelope))).fetchone()
            assert row is not None
            await conn.execute(
                "UPDATE dte_outbox SET envelope_id = %s, updated_at = now() WHERE tenant_id = %s"
                " AND (tipo, folio) IN (SELECT * FROM unnest(%s::int[], %s::bigint[]))",
                (row[0], tenant_id, [r[0] for r in rows], [r[1] for r in rows]))
            log.info("envelope packed", extra={"tenant_id": tenant_id, "envelope_id": row[0], "kind": kind,
                                               "documents": len(rows)})
            return len(rows)
    return 0


# --- claims -------------------------------------------------------------------------------------------------------


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


async def claim(pool: Any, tenant_id: int, state: str, *, now: datetime | None = None, lease: timedelta = LEASE,
                worker: str | None = None, skip: Collection[int] = ()) -> Claim | None:
    """Claim the oldest due envelope in ``state`` (``built``: to upload; ``sent``: to ask its state) that nobody
    holds and that is not in ``skip`` (envelope ids this pass already handled), in one short transaction (``FOR
    UPDATE SKIP LOCKED``, committed on return); None when there is none.

    The envelope gets ``claim_token``, ``claimed_until`` = ``now`` + ``lease``, ``claimed_by`` = ``worker`` (default
    :func:`worker_name`), ``claimed_at`` = ``now`` and ``attempts + 1``. When an earlier claim expired unrecorded
    (its worker died), ``last_error`` says so.

    Raises:
        ValueError: ``state`` is neither ``built`` nor ``sent``.
    """
    if state not in ("built", "sent"):
        raise ValueError(f"unknown envelope state to claim: {state!r}")
    now = datetime.now(UTC) if now is None else now
    token = uuid.uuid4()
    async with db.tenant_tx(pool, tenant_id) as conn:
        row = await (await conn.execute(
            "SELECT envelope_id, kind, CASE WHEN state = 'built' THEN xml END, track_id, attempts, claim_token,"
            " claimed_by, claimed_at FROM dte_envelopes WHERE tenant_id = %s AND state = %s AND next_attempt_at <= %s"
            " AND (claimed_until IS NULL OR claimed_until <= %s) AND envelope_id <> ALL(%s)"
            " ORDER BY envelope_id LIMIT 1 FOR UPDATE SKIP LOCKED",
            (tenant_id, state, now, now, list(skip)))).fetchone()
        if row is None:
            return None
        envelope_id, kind, data, track, attempts, stale, stale_by, stale_at = row
        note = None
        if stale is not None:
            again = "se reenvía el mismo archivo" if state == "built" else "se consulta de nuevo"
            when = stale_at.astimezone(folios.CHILE).strftime("%Y-%m-%d %H:%M:%S") if stale_at else "?"
            note = f"el intento anterior ({stale_by}, {when} hora de Chile) no terminó; {again}"
            log.warning("envelope claim expired unrecorded", extra={
                "tenant_id": tenant_id, "envelope_id": envelope_id, "claimed_by": stale_by, "state": state})
        await conn.execute(
            "UPDATE dte_envelopes SET claim_token = %s, claimed_until = %s, claimed_by = %s, claimed_at = %s,"
            " attempts = attempts + 1, last_error = COALESCE(%s, last_error), updated_at = now()"
            " WHERE tenant_id = %s AND envelope_id = %s",
            (token, now + lease, worker or worker_name(), now, note, tenant_id, envelope_id))
    return Claim(tenant_id, int(envelope_id), str(kind), None if data is None else bytes(data), track,
                 int(attempts) + 1, token, now, now + lease, lease)


@contextlib.asynccontextmanager
async def _bounded(taken: Claim) -> AsyncIterator[asyncio.Timeout]:
    """The SII calls of a claim, cut short at :data:`CALL_SHARE` of its lease (renewals move the end): raises
    SiiUnavailable then, as any timeout."""
    seconds = taken.lease.total_seconds() * CALL_SHARE
    try:
        async with asyncio.timeout_at(taken.started + seconds) as deadline:
            yield deadline
    except TimeoutError:
        raise ws.SiiUnavailable(f"el SII no respondió a tiempo (más de {seconds:.0f} s para el sobre"
                                f" {taken.envelope_id})") from None


async def _renew(pool: Any, taken: Claim, deadline: asyncio.Timeout) -> None:
    """Extend the claim by a whole lease from now (short transaction) and move the calls' deadline with it.

    Raises:
        ClaimLost: the claim is no longer this worker's.
    """
    loop = asyncio.get_running_loop()
    until = taken.claimed_at + timedelta(seconds=loop.time() - taken.started) + taken.lease
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        row = await (await conn.execute(
            "UPDATE dte_envelopes SET claimed_until = %s WHERE tenant_id = %s AND envelope_id = %s"
            " AND claim_token = %s RETURNING envelope_id", (until, taken.tenant_id, taken.envelope_id,
                                                            taken.token))).fetchone()
    if row is None:
        raise ClaimLost(f"el sobre {taken.envelope_id} ya no está reservado para este proceso")
    taken.until = until
    deadline.reschedule(loop.time() + taken.lease.total_seconds() * CALL_SHARE)


async def _settle(pool: Any, taken: Claim, write: Callable[Concatenate[Any, Claim, P], Awaitable[None]],
                  *args: P.args, **kwargs: P.kwargs) -> bool:
    """Record an outcome: ``write(conn, taken, …)`` in one short transaction, only if the claim is still ours
    (the row taken ``FOR UPDATE`` and its ``claim_token`` checked), then clear the claim. False (nothing written,
    logged) when the claim was lost."""
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        row = await (await conn.execute(
            "SELECT 1 FROM dte_envelopes WHERE tenant_id = %s AND envelope_id = %s AND claim_token = %s FOR UPDATE",
            (taken.tenant_id, taken.envelope_id, taken.token))).fetchone()
        if row is None:
            log.warning("claim lost: outcome not recorded", extra={
                "tenant_id": taken.tenant_id, "envelope_id": taken.envelope_id, "outcome": write.__name__})
            return False
        await write(conn, taken, *args, **kwargs)
        await conn.execute("UPDATE dte_envelopes SET claim_token = NULL, claimed_until = NULL"
                           " WHERE tenant_id = %s AND envelope_id = %s", (taken.tenant_id, taken.envelope_id))
    return True


async def _retry_later(conn: Any, taken: Claim, error: str, wait: timedelta | None, now: datetime) -> None:
    delay = max(wait or timedelta(0), pipeline.backoff(taken.attempts))
    await conn.execute(
        "UPDATE dte_envelopes SET last_error = %s, next_attempt_at = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s", (error[:1000], now + delay, taken.tenant_id, taken.envelope_id))
    await conn.execute("UPDATE dte_outbox SET last_error = %s, updated_at = now() WHERE tenant_id = %s"
                       " AND envelope_id = %s", (error[:1000], taken.tenant_id, taken.envelope_id))


async def _failed(pool: Any, taken: Claim, exc: Exception, now: datetime) -> None:
    """An unexpected error (a bug, the database): recorded as a failed attempt when the database lets us (else the
    claim just expires); the caller re-raises ``exc``."""
    try:
        await _settle(pool, taken, _retry_later, f"error interno: {type(exc).__name__}: {exc}", None, now)
    except Exception:
        log.exception("could not record a failed attempt", extra={"tenant_id": taken.tenant_id,
                                                                  "envelope_id": taken.envelope_id})


STOPPED: Final = "el servidor se detuvo durante la llamada al SII; se retoma en la próxima pasada"


async def _give_back(pool: Any, taken: Claim) -> None:
    """The pass was cancelled during an SII call (the server is stopping): give the claim back, still due, so the
    next pass of any process sends again (the identical bytes) or asks again at once instead of after the lease.
    Shielded from a second cancellation; never raises (the claim then simply expires)."""
    try:
        await asyncio.shield(_settle(pool, taken, _interrupted))
    except (Exception, asyncio.CancelledError) as exc:
        log.warning("claim not given back at stop", extra={"tenant_id": taken.tenant_id,
                                                          "envelope_id": taken.envelope_id, "error": repr(exc)})


async def _interrupted(conn: Any, taken: Claim) -> None:
    await conn.execute("UPDATE dte_envelopes SET last_error = %s, updated_at = now() WHERE tenant_id = %s"
                       " AND envelope_id = %s", (STOPPED, taken.tenant_id, taken.envelope_id))


def _clock(now: datetime | None) -> datetime:
    """The time a claim is taken at: the pass's ``now`` when given (tests), else the wall clock at that moment, so
    that each claim's lease runs from when it is taken and not from the start of a pass that may last minutes."""
    return datetime.now(UTC) if now is None else now


# --- 2. send ------------------------------------------------------------------------------------------------------


def _caratula_sender(data: bytes) -> str | None:
    """The Carátula's RutEnvia of a stored envelope (our own bytes): DTEUpload's rutSender must be it."""
    try:
        root = xmlcore.parse(data)
    except dte_errors.XmlError:
        return None
    found = next((el.text for el in root.iter() if isinstance(el.tag, str) and xmlcore.localname(el) == "RutEnvia"),
                 None)
    return found.strip() if found else None


async def _upload(client: ws.SiiClient, who: ws.Account, kind: str, data: bytes, envelope_id: int) -> ws.Receipt:
    filename = f"{kind}_{envelope_id}.xml"
    sender = _caratula_sender(data)
    if kind in VIA_DTE_UPLOAD:
        return await client.upload_dte(who, data, filename=filename, rut_sender=sender)
    if kind == "EnvioBOLETA":
        return await client.upload_boletas(who, data, filename=filename, rut_sender=sender)
    raise ws.SiiFileRejected(f"sobre de tipo desconocido {kind!r}: no se envía", code="kind")


async def send(pool: Any, tenant_id: int, secret_key: str, client: ws.SiiClient, *, limit: int = 10,
               now: datetime | None = None, lease: timedelta = LEASE) -> int:
    """Upload due envelopes (oldest first, at most ``limit``), each claimed → uploaded with no transaction open →
    recorded (see the module doc); returns how many the SII received (a track id, or STATUS 99 without one).

    Raises:
        CertificateUploadError, ForwarderError: see :func:`account` (nothing is claimed).
        Exception: an unexpected error (the database down, a bug) after recording it on the envelope when possible.
    """
    who = await account(pool, tenant_id, secret_key)
    sent = 0
    handled: list[int] = []
    for _ in range(limit):
        taken = await claim(pool, tenant_id, "built", now=_clock(now), lease=lease, skip=handled)
        if taken is None:
            break
        handled.append(taken.envelope_id)
        assert taken.xml is not None
        try:
            async with _bounded(taken):
                receipt = await _upload(client, who, taken.kind, taken.xml, taken.envelope_id)
        except asyncio.CancelledError:
            await _give_back(pool, taken)
            raise
        except ws.SiiFileRejected as exc:
            await _settle(pool, taken, _file_rejected, exc)
            continue
        except ws.SiiError as exc:
            log.warning("upload failed", extra={"tenant_id": tenant_id, "envelope_id": taken.envelope_id,
                                                "error": str(exc)})
            await _settle(pool, taken, _retry_later, str(exc), exc.retry_after, taken.claimed_at)
            break  # the SII is not answering well: leave the rest for the next pass
        except Exception as exc:
            await _failed(pool, taken, exc, taken.claimed_at)
            raise
        if await _settle(pool, taken, _mark_sent, receipt, taken.claimed_at):
            sent += 1
    return sent


async def _mark_sent(conn: Any, taken: Claim, receipt: ws.Receipt, now: datetime) -> None:
    tenant_id, envelope_id = taken.tenant_id, taken.envelope_id
    if receipt.track_id is None and taken.kind in ("EnvioBOLETA", "EnvioDTE"):  # asked document by document
        await conn.execute(
            "UPDATE dte_envelopes SET state = 'sent', track_id = NULL, attempts = 0, last_error = NULL,"
            " sii_estado = 'STATUS 99', sii_glosa = %s, sent_at = %s, next_attempt_at = %s, updated_at = now()"
            " WHERE tenant_id = %s AND envelope_id = %s", (UNTRACKED, now, now, tenant_id, envelope_id))
        await conn.execute(
            "UPDATE dte_outbox SET state = 'sent', track_id = NULL, last_error = NULL, sii_estado = 'STATUS 99',"
            " sii_glosa = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
            (UNTRACKED, tenant_id, envelope_id))
        log.info("envelope received without track id", extra={"tenant_id": tenant_id, "envelope_id": envelope_id})
        return
    if receipt.track_id is None:  # a ConsumoFolios, STATUS 99 without TRACKID: nothing left to ask
        glosa = ("el SII ya había recibido este mismo archivo (STATUS 99) pero no informó su track id: verifique los"
                 " documentos en www.sii.cl")
        await conn.execute(
            "UPDATE dte_envelopes SET state = 'done', sii_estado = 'STATUS 99', sii_glosa = %s, last_error = NULL,"
            " sent_at = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
            (glosa, now, tenant_id, envelope_id))
        await conn.execute("UPDATE dte_outbox SET state = 'sent', sii_estado = 'STATUS 99', sii_glosa = %s,"
                           " last_error = NULL, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
                           (glosa, tenant_id, envelope_id))
        return
    note = "el SII ya había recibido este mismo archivo (STATUS 99)" if receipt.already_received else None
    await conn.execute(
        "UPDATE dte_envelopes SET state = 'sent', track_id = %s, attempts = 0, last_error = NULL, sii_estado = %s,"
        " sii_glosa = %s, sent_at = %s, next_attempt_at = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s",
        (receipt.track_id, receipt.estado, note, now, now, tenant_id, envelope_id))
    await conn.execute(
        "UPDATE dte_outbox SET state = 'sent', track_id = %s, last_error = NULL, sii_estado = %s, sii_glosa = NULL,"
        " updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
        (receipt.track_id, receipt.estado, tenant_id, envelope_id))
    log.info("envelope sent", extra={"tenant_id": tenant_id, "envelope_id": envelope_id, "track_id": receipt.track_id})


async def _file_rejected(conn: Any, taken: Claim, exc: ws.SiiError) -> None:
    tenant_id, envelope_id = taken.tenant_id, taken.envelope_id
    code, reason = f"STATUS {exc.code}", f"el SII rechazó el envío: {exc}"[:1000]
    log.warning("upload refused", extra={"tenant_id": tenant_id, "envelope_id": envelope_id, "error": str(exc)})
    await conn.execute(
        "UPDATE dte_envelopes SET state = 'done', sii_estado = %s, sii_glosa = %s, last_error = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s", (code, reason, reason, tenant_id, envelope_id))
    await conn.execute(
        "UPDATE dte_outbox SET state = 'rejected', sii_estado = %s, sii_glosa = %s, last_error = %s,"
        " updated_at = now() WHERE tenant_id = %s AND envelope_id = %s", (code, reason, reason, tenant_id, envelope_id))


# --- 3. poll ------------------------------------------------------------------------------------------------------


async def poll(pool: Any, tenant_id: int, secret_key: str, client: ws.SiiClient, *, limit: int = 10,
               now: datetime | None = None, lease: timedelta = LEASE) -> int:
    """Ask the state of due sent envelopes (oldest first, at most ``limit``), each claimed → asked with no
    transaction open → recorded (see the module doc); returns how many got their final verdict recorded.

    Raises:
        CertificateUploadError, ForwarderError: see :func:`account` (nothing is claimed).
        Exception: an unexpected error (the database down, a bug) after recording it on the envelope when possible.
    """
    who = await account(pool, tenant_id, secret_key)
    done = 0
    handled: list[int] = []
    for _ in range(limit):
        taken = await claim(pool, tenant_id, "sent", now=_clock(now), lease=lease, skip=handled)
        if taken is None:
            break
        handled.append(taken.envelope_id)
        if taken.track_id is None:
            finished, failed = await _poll_untracked(pool, client, who, taken)
            done += finished
            if failed:
                break  # the SII is not answering well: leave the rest for the next pass
            continue
        verdicts: dict[tuple[int, int], Verdict] | None = None
        try:
            async with _bounded(taken) as deadline:
                track = taken.track_id or ""
                if taken.kind == "EnvioBOLETA":
                    status = await client.boleta_status(who, track)
                else:
                    status = await client.dte_status(who, track)
                if status.phase != "pending":
                    documents = await _documents(pool, taken)
                    verdicts = await verdicts_of(client, who, taken.kind, status, documents,
                                                 before_query=functools.partial(_renew, pool, taken, deadline))
        except asyncio.CancelledError:
            await _give_back(pool, taken)
            raise
        except ClaimLost as exc:
            log.warning("claim lost while polling", extra={"tenant_id": tenant_id, "envelope_id": taken.envelope_id,
                                                           "error": str(exc)})
            continue
        except ws.SiiError as exc:
            log.warning("status failed", extra={"tenant_id": tenant_id, "envelope_id": taken.envelope_id,
                                                "error": str(exc)})
            await _settle(pool, taken, _retry_later, str(exc), exc.retry_after, taken.claimed_at)
            break
        except Exception as exc:
            await _failed(pool, taken, exc, taken.claimed_at)
            raise
        if verdicts is None:
            await _settle(pool, taken, _still_pending, status, taken.claimed_at)
        elif await _settle(pool, taken, _record_verdicts, status, verdicts):
            done += 1
    return done


async def _documents(pool: Any, taken: Claim) -> list[tuple[int, int, bytes]]:
    """The signed documents of a claimed envelope (short read-only transaction)."""
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        rows = await (await conn.execute(
            "SELECT tipo, folio, xml FROM dte_outbox WHERE tenant_id = %s AND envelope_id = %s ORDER BY tipo, folio",
            (taken.tenant_id, taken.envelope_id))).fetchall()
    return [(int(t), int(f), bytes(x)) for t, f, x in rows]


async def _still_pending(conn: Any, taken: Claim, status: ws.EnvioStatus, now: datetime) -> None:
    """The SII answers "en proceso": ask again after the backoff. When the previous attempt had failed (the SII was
    unreachable, e.g. through a day-long outage), the count starts again, so an answering SII is asked again within
    minutes rather than after the hour the failures had built up."""
    tenant_id, envelope_id = taken.tenant_id, taken.envelope_id
    row = await (await conn.execute("SELECT last_error IS NOT NULL FROM dte_envelopes WHERE tenant_id = %s"
                                    " AND envelope_id = %s", (tenant_id, envelope_id))).fetchone()
    attempts = 1 if row is not None and row[0] else taken.attempts
    await conn.execute(
        "UPDATE dte_envelopes SET last_error = NULL, sii_estado = %s, sii_glosa = %s, attempts = %s,"
        " next_attempt_at = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
        (status.estado, status.glosa[:1000], attempts, now + pipeline.backoff(attempts), tenant_id, envelope_id))
    await conn.execute("UPDATE dte_outbox SET sii_estado = %s, last_error = NULL, updated_at = now()"
                       " WHERE tenant_id = %s AND envelope_id = %s", (status.estado, tenant_id, envelope_id))


def _doc_facts(data: bytes) -> tuple[date, int, str]:
    """FchEmis, MntTotal and RUTRecep of a stored signed DTE (our own bytes), for QueryEstDte."""
    documento = xmlcore.child(xmlcore.parse(data), "Documento")
    enc = None if documento is None else xmlcore.child(documento, "Encabezado")
    if enc is None:
        raise ws.SiiBadAnswer("un documento guardado no tiene Encabezado")  # cannot happen: schema-valid
    return (date.fromisoformat((xmlcore.text(enc, "IdDoc/FchEmis") or "").strip()),
            int((xmlcore.text(enc, "Totales/MntTotal") or "0").strip()),
            (xmlcore.text(enc, "Receptor/RUTRecep") or "").strip())


async def verdicts_of(client: ws.SiiClient, who: ws.Account, kind: str, status: ws.EnvioStatus,
                      documents: Sequence[tuple[int, int, bytes]], *,
                      before_query: Callable[[], Awaitable[None]] | None = None) -> dict[tuple[int, int], Verdict]:
    """Each document's verdict from a final envío state (see the module doc); may ask QueryEstDte per document,
    awaiting ``before_query()`` before each such query (:func:`poll` renews its claim there).

    Raises:
        SiiError: a per-document query failed (the whole envelope is asked again later).
    """
    details = {(d.tipo, d.folio): d for d in status.details}
    out: dict[tuple[int, int], Verdict] = {}
    for tipo, folio, _ in documents:
        detail = details.get((tipo, folio))
        if detail is not None:
            out[(tipo, folio)] = (Verdict("accepted_objections", detail.estado, detail.reason) if detail.objections
                                  else Verdict("rejected", detail.estado, detail.reason or status.glosa))
        elif status.phase == "rejected":
            out[(tipo, folio)] = Verdict("rejected", status.estado, f"envío rechazado por el SII ({status.estado}):"
                                                                    f" {status.glosa}")
        elif kind == "EnvioBOLETA":
            out[(tipo, folio)] = Verdict("accepted", status.estado)
    if status.phase == "rejected" or kind == "EnvioBOLETA":
        return out
    by_type: dict[int, list[tuple[int, bytes]]] = {}
    for tipo, folio, data in documents:
        if (tipo, folio) not in out:
            by_type.setdefault(tipo, []).append((folio, data))
    for tipo, docs in by_type.items():
        count = status.count(tipo)
        if count is not None and count.aceptados == count.informados == len(docs):
            out.update({(tipo, folio): Verdict("accepted", status.estado) for folio, _ in docs})
            continue
        for folio, data in docs:
            fecha, monto, receptor = _doc_facts(data)
            if before_query is not None:
                await before_query()
            answer = await client.dte_document_status(who, tipo=tipo, folio=folio, fecha_emision=fecha, monto=monto,
                                                      rut_receptor=receptor)
            out[(tipo, folio)] = document_verdict(answer, count)
    return out


def document_verdict(answer: ws.DocumentStatus, count: ws.TypeCount | None = None) -> Verdict:
    """One document's verdict from the SII's answer about it (QueryEstDte, or the boleta API's per-document state).

    Not received (FAU, FNA, DNK, RCH…) is ``rejected`` with the SII's codes and texts. Received (DOK…) is
    ``accepted_objections`` when the document's type had reparos in the envío (``count``) and either no plain
    acceptance or the SII's text says "reparo"; with no counts (an envelope without track id), when the SII's code
    (RPR, RLV) or text says reparos; else ``accepted``.
    """
    if not answer.received:
        return Verdict("rejected", answer.estado, f"rechazado por el SII: {answer.reason}")
    said = answer.objections or "reparo" in answer.glosa_err.lower()
    objections = said if count is None else count.reparos > 0 and (count.aceptados == 0 or said)
    return (Verdict("accepted_objections", answer.estado, answer.glosa_err or "con reparos") if objections
            else Verdict("accepted", answer.estado))


def _summary(status: ws.EnvioStatus) -> str:
    counts = "; ".join(f"tipo {c.tipo}: {c.informados} informados, {c.aceptados} aceptados, {c.rechazados}"
                       f" rechazados, {c.reparos} con reparos" for c in status.counts)
    return (status.glosa + (f" — {counts}" if counts else ""))[:1000]


async def _write_verdicts(conn: Any, taken: Claim, verdicts: dict[tuple[int, int], Verdict]) -> None:
    for (tipo, folio), verdict in verdicts.items():
        rejected = verdict.state == "rejected"
        await conn.execute(
            "UPDATE dte_outbox SET state = %s, sii_estado = %s, sii_glosa = %s, last_error = %s, updated_at = now()"
            " WHERE tenant_id = %s AND envelope_id = %s AND tipo = %s AND folio = %s",
            (verdict.state, verdict.sii_estado, verdict.glosa[:1000] or None,
             verdict.glosa[:1000] if rejected else None, taken.tenant_id, taken.envelope_id, tipo, folio))


async def _record_verdicts(conn: Any, taken: Claim, status: ws.EnvioStatus,
                           verdicts: dict[tuple[int, int], Verdict]) -> None:
    tenant_id, envelope_id = taken.tenant_id, taken.envelope_id
    await _write_verdicts(conn, taken, verdicts)
    await conn.execute(
        "UPDATE dte_envelopes SET state = 'done', sii_estado = %s, sii_glosa = %s, attempts = 0, last_error = NULL,"
        " updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
        (status.estado, _summary(status), tenant_id, envelope_id))
    log.info("envelope verdict", extra={"tenant_id": tenant_id, "envelope_id": envelope_id, "estado": status.estado,
                                        "rejected": sum(v.state == "rejected" for v in verdicts.values())})


# --- 3b. poll an envelope without track id, document by document --------------------------------------------------


@dataclass(slots=True)
class _Asked:
    """The documents of an envelope without track id still waiting for a verdict, and what the SII answered about
    each as far as the queries got (``error``: the failure that ended the round; the documents after it were not
    asked)."""

    since: datetime
    documents: list[tuple[int, int, bytes]]
    answers: dict[tuple[int, int], ws.DocumentStatus] = field(default_factory=dict)
    failed: dict[tuple[int, int], str] = field(default_factory=dict)
    """Documents whose own query could not be read (an unreadable answer, a stored XML that cannot be read)."""
    error: ws.SiiError | None = None


async def _poll_untracked(pool: Any, client: ws.SiiClient, who: ws.Account, taken: Claim) -> tuple[int, bool]:
    """Ask each waiting document of the claimed envelope (no track id) on its own and record the answers (see the
    module doc); ``(1 if the envelope got its last verdict else 0, whether a query failed)``.

    Raises:
        Exception: an unexpected error, after recording it on the envelope when possible.
    """
    try:
        asked = await _waiting(pool, taken)
    except Exception as exc:
        await _failed(pool, taken, exc, taken.claimed_at)
        raise
    try:
        async with _bounded(taken) as deadline:
            await _ask_each(client, who, asked, functools.partial(_renew, pool, taken, deadline))
    except asyncio.CancelledError:
        await _give_back(pool, taken)
        raise
    except ClaimLost as exc:
        log.warning("claim lost while polling", extra={"tenant_id": taken.tenant_id,
                                                       "envelope_id": taken.envelope_id, "error": str(exc)})
        return 0, False
    except ws.SiiError as exc:
        log.warning("document status failed", extra={"tenant_id": taken.tenant_id,
                                                     "envelope_id": taken.envelope_id, "error": str(exc)})
        asked.error = exc
    except Exception as exc:
        await _failed(pool, taken, exc, taken.claimed_at)
        raise
    finished = await _settle(pool, taken, _record_untracked, asked, taken.claimed_at)
    return 1 if finished and asked.error is None and _all_decided(asked) else 0, asked.error is not None


async def _waiting(pool: Any, taken: Claim) -> _Asked:
    """The envelope's STATUS 99 time and its documents still ``sent`` (short read-only transaction)."""
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        row = await (await conn.execute("SELECT sent_at FROM dte_envelopes WHERE tenant_id = %s AND envelope_id = %s",
                                        (taken.tenant_id, taken.envelope_id))).fetchone()
        rows = await (await conn.execute(
            "SELECT tipo, folio, xml FROM dte_outbox WHERE tenant_id = %s AND envelope_id = %s AND state = 'sent'"
            " ORDER BY tipo, folio", (taken.tenant_id, taken.envelope_id))).fetchall()
    since = row[0] if row is not None and row[0] is not None else taken.claimed_at
    return _Asked(since, [(int(t), int(f), bytes(x)) for t, f, x in rows])


async def _ask_each(client: ws.SiiClient, who: ws.Account, asked: _Asked,
                    before_query: Callable[[], Awaitable[None]]) -> None:
    """Ask the SII about each document of ``asked`` in turn (boletas through the boleta API, the others through
    QueryEstDte), awaiting ``before_query()`` before each query; answers go into ``asked.answers`` as they come.

    An unreadable answer about one document (or its stored XML unreadable) goes into ``asked.failed`` and the next
    document is asked, so one document cannot hold back the others; :data:`BAD_ANSWERS_IN_A_ROW` of them in a row
    end the round.

    Raises:
        SiiError: the SII is unavailable, refuses the credentials, or answers garbage again and again (the answers
            before stay in ``asked``).
        ClaimLost: from ``before_query``.
    """
    in_a_row = 0
    for tipo, folio, data in asked.documents:
        try:
            fecha, monto, receptor = _doc_facts(data)
        except Exception as exc:  # our own stored XML: not the SII's fault, so it never ends the round
            asked.failed[(tipo, folio)] = f"no se pudo leer el documento guardado para consultarlo: {exc}"
            continue
        await before_query()
        try:
            if tipo in BOLETAS:
                answer = await client.boleta_document_status(who, tipo=tipo, folio=folio, fecha_emision=fecha,
                                                             monto=monto, rut_receptor=receptor or CONSUMIDOR_FINAL)
            else:
                answer = await client.dte_document_status(who, tipo=tipo, folio=folio, fecha_emision=fecha,
                                                          monto=monto, rut_receptor=receptor)
        except ws.SiiBadAnswer as exc:
            asked.failed[(tipo, folio)] = str(exc)
            in_a_row += 1
            if in_a_row >= BAD_ANSWERS_IN_A_ROW:
                raise
            continue
        in_a_row = 0
        asked.answers[(tipo, folio)] = answer


def _untracked_verdict(answer: ws.DocumentStatus) -> Verdict | None:
    """The verdict of one document of an envelope without track id; None while the SII does not have it (yet)."""
    return None if answer.not_yet else document_verdict(answer)


def _all_decided(asked: _Asked) -> bool:
    return not asked.failed and len(asked.answers) == len(asked.documents) and all(
        _untracked_verdict(answer) is not None for answer in asked.answers.values())


async def _record_untracked(conn: Any, taken: Claim, asked: _Asked, now: datetime) -> None:
    tenant_id, envelope_id = taken.tenant_id, taken.envelope_id
    verdicts: dict[tuple[int, int], Verdict] = {}
    for (tipo, folio), answer in asked.answers.items():
        verdict = _untracked_verdict(answer)
        if verdict is not None:
            verdicts[(tipo, folio)] = verdict
            continue
        if now - asked.since < UNKNOWN_GRACE:
            waiting = f"el SII aún no tiene este documento ({answer.reason}); se consulta de nuevo"
        else:
            waiting = (f"el SII no reconoce este documento {UNKNOWN_GRACE.total_seconds() / 3600:.0f} h después de"
                       f" recibir su envío ({answer.reason}): revíselo en www.sii.cl; se sigue consultando")
        await conn.execute(
            "UPDATE dte_outbox SET sii_estado = %s, sii_glosa = %s, last_error = NULL, updated_at = now()"
            " WHERE tenant_id = %s AND envelope_id = %s AND tipo = %s AND folio = %s AND state = 'sent'",
            (answer.estado, waiting[:1000], tenant_id, envelope_id, tipo, folio))
    await _write_verdicts(conn, taken, verdicts)
    overdue = now - asked.since >= UNKNOWN_GRACE
    for (tipo, folio), failure in asked.failed.items():
        glosa = (f"no se ha podido consultar este documento en {UNKNOWN_GRACE.total_seconds() / 3600:.0f} h: revíselo"
                 " en www.sii.cl; se sigue consultando") if overdue else None
        await conn.execute(
            "UPDATE dte_outbox SET last_error = %s, sii_glosa = COALESCE(%s, sii_glosa), updated_at = now()"
            " WHERE tenant_id = %s AND envelope_id = %s AND tipo = %s AND folio = %s AND state = 'sent'",
            (failure[:1000], glosa, tenant_id, envelope_id, tipo, folio))
    error = None if asked.error is None else str(asked.error)[:1000]
    if error is not None:
        not_asked = [(t, f) for t, f, _ in asked.documents
                     if (t, f) not in asked.answers and (t, f) not in asked.failed]
        await conn.execute(
            "UPDATE dte_outbox SET last_error = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s"
            " AND (tipo, folio) IN (SELECT * FROM unnest(%s::int[], %s::bigint[])) AND state = 'sent'",
            (error, tenant_id, envelope_id, [t for t, _ in not_asked], [f for _, f in not_asked]))
    tally = dict(await (await conn.execute(
        "SELECT state, count(*) FROM dte_outbox WHERE tenant_id = %s AND envelope_id = %s GROUP BY state",
        (tenant_id, envelope_id))).fetchall())
    summary = (f"{tally.get('accepted', 0)} aceptados, {tally.get('accepted_objections', 0)} con reparos,"
               f" {tally.get('rejected', 0)} rechazados")
    if not tally.get("sent"):
        await conn.execute(
            "UPDATE dte_envelopes SET state = 'done', sii_estado = 'STATUS 99', sii_glosa = %s, attempts = 0,"
            " last_error = NULL, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
            (f"el SII ya había recibido este mismo archivo (STATUS 99) sin informar su track id; consultados documento"
             f" por documento: {summary}", tenant_id, envelope_id))
        log.info("envelope verdict", extra={"tenant_id": tenant_id, "envelope_id": envelope_id,
                                            "estado": "STATUS 99", "rejected": tally.get("rejected", 0)})
        return
    wait = asked.error.retry_after if asked.error is not None else None
    delay = max(wait or timedelta(0), pipeline.backoff(taken.attempts))
    await conn.execute(
        "UPDATE dte_envelopes SET sii_glosa = %s, last_error = %s, next_attempt_at = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s",
        (f"{UNTRACKED}: {summary}, {tally['sent']} sin respuesta todavía", error, now + delay, tenant_id,
         envelope_id))
