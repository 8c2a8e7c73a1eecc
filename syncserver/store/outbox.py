"""The DTE outbox repository: ``dte_outbox`` (one row per stamped document) and ``dte_envelopes`` (what goes to the
SII), with the claims of envelopes. Only SQL lives here; the rules (states, backoff, verdicts) are in
``syncserver.dte.pipeline`` and ``syncserver.sii``. Every function runs inside the caller's tenant transaction
(``syncserver.store.db.tenant_tx``); the state machine is in docs/architecture.md §5.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg.rows import class_row

from syncserver.store.db import Conn, Pool


@dataclass(frozen=True, slots=True)
class Document:
    """A signed document of the outbox: type, folio and its signed DTE XML."""

    tipo: int
    folio: int
    xml: bytes


@dataclass(frozen=True, slots=True)
class Issued:
    """An ``issued`` document due for signing, with the attempts so far."""

    tipo: int
    folio: int
    attempts: int


@dataclass(frozen=True, slots=True)
class DueEnvelope:
    """An envelope due for the SII, as it is taken to be claimed: ``xml`` only when ``built`` (to upload); the
    ``claim_*`` fields are an earlier claim still on the row (one whose worker never recorded an outcome)."""

    envelope_id: int
    kind: str
    xml: bytes | None
    track_id: str | None
    attempts: int
    claim_token: uuid.UUID | None
    claimed_by: str | None
    claimed_at: datetime | None


# --- documents -----------------------------------------------------------------------------------------------------


async def add_issued(conn: Conn, tenant_id: int, tipo: int, folio: int) -> None:
    """A stamped document enters the outbox in state ``issued``."""
    await conn.execute("INSERT INTO dte_outbox (tenant_id, tipo, folio) VALUES (%s, %s, %s)", (tenant_id, tipo, folio))


async def issued_due(conn: Conn, tenant_id: int, now: datetime | None, limit: int) -> list[Issued]:
    """Up to ``limit`` ``issued`` documents due at ``now`` (the database's clock when None), locked ``FOR UPDATE
    SKIP LOCKED``, by type and folio."""
    async with conn.cursor(row_factory=class_row(Issued)) as cur:
        await cur.execute(
            "SELECT o.tipo, o.folio, o.attempts FROM dte_outbox o WHERE o.tenant_id = %s AND o.state = 'issued'"
            " AND o.next_attempt_at <= COALESCE(%s, now()) ORDER BY o.tipo, o.folio LIMIT %s"
            " FOR UPDATE OF o SKIP LOCKED", (tenant_id, now, limit))
        return await cur.fetchall()


async def sign_failed(conn: Conn, tenant_id: int, tipo: int, folio: int, error: str, delay: timedelta) -> None:
    """An attempt to sign failed: one more attempt, ``error`` shown, next attempt ``delay`` from now."""
    await conn.execute(
        "UPDATE dte_outbox SET attempts = attempts + 1, last_error = %s, next_attempt_at = now() + %s,"
        " updated_at = now() WHERE tenant_id = %s AND tipo = %s AND folio = %s", (error, delay, tenant_id, tipo, folio))


async def mark_signed(conn: Conn, tenant_id: int, tipo: int, folio: int, xml: bytes) -> None:
    await conn.execute("UPDATE dte_outbox SET state = 'signed', xml = %s, last_error = NULL, updated_at = now()"
                       " WHERE tenant_id = %s AND tipo = %s AND folio = %s", (xml, tenant_id, tipo, folio))


async def signed_unpacked(conn: Conn, tenant_id: int, tipos: Sequence[int], limit: int) -> list[Document]:
    """Up to ``limit`` signed documents of ``tipos`` in no envelope yet, locked ``FOR UPDATE SKIP LOCKED``."""
    async with conn.cursor(row_factory=class_row(Document)) as cur:
        await cur.execute(
            "SELECT tipo, folio, xml FROM dte_outbox WHERE tenant_id = %s AND state = 'signed'"
            " AND envelope_id IS NULL AND tipo = ANY(%s) ORDER BY tipo, folio LIMIT %s FOR UPDATE SKIP LOCKED",
            (tenant_id, list(tipos), limit))
        return await cur.fetchall()


async def envelope_documents(conn: Conn, tenant_id: int, envelope_id: int, *,
                             state: str | None = None) -> list[Document]:
    """The documents of an envelope (only those in ``state`` when given), by type and folio."""
    async with conn.cursor(row_factory=class_row(Document)) as cur:
        if state is None:
            await cur.execute("SELECT tipo, folio, xml FROM dte_outbox WHERE tenant_id = %s AND envelope_id = %s"
                              " ORDER BY tipo, folio", (tenant_id, envelope_id))
        else:
            await cur.execute("SELECT tipo, folio, xml FROM dte_outbox WHERE tenant_id = %s AND envelope_id = %s"
                              " AND state = %s ORDER BY tipo, folio", (tenant_id, envelope_id, state))
        return await cur.fetchall()


async def set_verdict(conn: Conn, tenant_id: int, envelope_id: int, tipo: int, folio: int, *, state: str,
                      estado: str, glosa: str | None, error: str | None) -> None:
    """A document's verdict: ``state`` (accepted, accepted_objections, rejected), the SII's code and text."""
    await conn.execute(
        "UPDATE dte_outbox SET state = %s, sii_estado = %s, sii_glosa = %s, last_error = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s AND tipo = %s AND folio = %s",
        (state, estado, glosa, error, tenant_id, envelope_id, tipo, folio))


async def note_waiting(conn: Conn, tenant_id: int, envelope_id: int, tipo: int, folio: int, estado: str,
                       glosa: str) -> None:
    """A ``sent`` document the SII does not have yet: its code and a note, no error."""
    await conn.execute(
        "UPDATE dte_outbox SET sii_estado = %s, sii_glosa = %s, last_error = NULL, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s AND tipo = %s AND folio = %s AND state = 'sent'",
        (estado, glosa, tenant_id, envelope_id, tipo, folio))


async def note_query_failed(conn: Conn, tenant_id: int, envelope_id: int, tipo: int, folio: int, error: str,
                            glosa: str | None) -> None:
    """A ``sent`` document whose query failed: ``error``, and ``glosa`` when given (else the glosa stays)."""
    await conn.execute(
        "UPDATE dte_outbox SET last_error = %s, sii_glosa = COALESCE(%s, sii_glosa), updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s AND tipo = %s AND folio = %s AND state = 'sent'",
        (error, glosa, tenant_id, envelope_id, tipo, folio))


async def note_not_asked(conn: Conn, tenant_id: int, envelope_id: int, keys: Sequence[tuple[int, int]],
                         error: str) -> None:
    """The ``sent`` documents ``keys`` (tipo, folio) were not asked: the error that ended the round."""
    await conn.execute(
        "UPDATE dte_outbox SET last_error = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s"
        " AND (tipo, folio) IN (SELECT * FROM unnest(%s::int[], %s::bigint[])) AND state = 'sent'",
        (error, tenant_id, envelope_id, [t for t, _ in keys], [f for _, f in keys]))


async def tally(conn: Conn, tenant_id: int, envelope_id: int) -> dict[str, int]:
    """How many documents of an envelope are in each state."""
    rows = await (await conn.execute(
        "SELECT state, count(*) FROM dte_outbox WHERE tenant_id = %s AND envelope_id = %s GROUP BY state",
        (tenant_id, envelope_id))).fetchall()
    return {str(state): int(count) for state, count in rows}


# --- envelopes -----------------------------------------------------------------------------------------------------


async def add_envelope(conn: Conn, tenant_id: int, kind: str, xml: bytes, documents: Sequence[Document] = ()) -> int:
    """Store a built envelope and put ``documents`` in it (a ConsumoFolios has none); its id."""
    row = await (await conn.execute(
        "INSERT INTO dte_envelopes (tenant_id, kind, xml) VALUES (%s, %s, %s) RETURNING envelope_id",
        (tenant_id, kind, xml))).fetchone()
    assert row is not None
    envelope_id = int(row[0])
    if not documents:
        return envelope_id
    await conn.execute(
        "UPDATE dte_outbox SET envelope_id = %s, updated_at = now() WHERE tenant_id = %s"
        " AND (tipo, folio) IN (SELECT * FROM unnest(%s::int[], %s::bigint[]))",
        (envelope_id, tenant_id, [d.tipo for d in documents], [d.folio for d in documents]))
    return envelope_id


async def take_due(conn: Conn, tenant_id: int, state: str, now: datetime, skip: Collection[int]) -> DueEnvelope | None:
    """The oldest envelope in ``state`` due at ``now`` that nobody holds (no claim, or one expired) and not in
    ``skip``, locked ``FOR UPDATE SKIP LOCKED``; None when there is none."""
    async with conn.cursor(row_factory=class_row(DueEnvelope)) as cur:
        await cur.execute(
            "SELECT envelope_id, kind, CASE WHEN state = 'built' THEN xml END AS xml, track_id, attempts, claim_token,"
            " claimed_by, claimed_at FROM dte_envelopes WHERE tenant_id = %s AND state = %s AND next_attempt_at <= %s"
            " AND (claimed_until IS NULL OR claimed_until <= %s) AND envelope_id <> ALL(%s)"
            " ORDER BY envelope_id LIMIT 1 FOR UPDATE SKIP LOCKED",
            (tenant_id, state, now, now, list(skip)))
        return await cur.fetchone()


async def mark_claimed(conn: Conn, tenant_id: int, envelope_id: int, *, token: uuid.UUID, at: datetime,
                       until: datetime, worker: str, note: str | None) -> None:
    """Claim an envelope taken by :func:`take_due`: one more attempt, ``note`` (when given) as its last error."""
    await conn.execute(
        "UPDATE dte_envelopes SET claim_token = %s, claimed_until = %s, claimed_by = %s, claimed_at = %s,"
        " attempts = attempts + 1, last_error = COALESCE(%s, last_error), updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s",
        (token, until, worker, at, note, tenant_id, envelope_id))


async def renew_claim(conn: Conn, tenant_id: int, envelope_id: int, token: uuid.UUID, until: datetime) -> bool:
    """Move the claim's end to ``until``; False when the claim is no longer ``token``'s."""
    row = await (await conn.execute(
        "UPDATE dte_envelopes SET claimed_until = %s WHERE tenant_id = %s AND envelope_id = %s"
        " AND claim_token = %s RETURNING envelope_id", (until, tenant_id, envelope_id, token))).fetchone()
    return row is not None


async def hold_claim(conn: Conn, tenant_id: int, envelope_id: int, token: uuid.UUID) -> bool:
    """Lock the envelope ``FOR UPDATE`` if its claim is still ``token``'s; whether it is."""
    row = await (await conn.execute(
        "SELECT 1 FROM dte_envelopes WHERE tenant_id = %s AND envelope_id = %s AND claim_token = %s FOR UPDATE",
        (tenant_id, envelope_id, token))).fetchone()
    return row is not None


async def release_claim(conn: Conn, tenant_id: int, envelope_id: int) -> None:
    await conn.execute("UPDATE dte_envelopes SET claim_token = NULL, claimed_until = NULL"
                       " WHERE tenant_id = %s AND envelope_id = %s", (tenant_id, envelope_id))


async def postpone(conn: Conn, tenant_id: int, envelope_id: int, error: str, at: datetime) -> None:
    """A failed attempt: the envelope and its documents show ``error``; the envelope is due again at ``at``."""
    await conn.execute(
        "UPDATE dte_envelopes SET last_error = %s, next_attempt_at = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s", (error, at, tenant_id, envelope_id))
    await conn.execute("UPDATE dte_outbox SET last_error = %s, updated_at = now() WHERE tenant_id = %s"
                       " AND envelope_id = %s", (error, tenant_id, envelope_id))


async def note_envelope_error(conn: Conn, tenant_id: int, envelope_id: int, error: str) -> None:
    """The envelope's last error, nothing else changed (still due)."""
    await conn.execute("UPDATE dte_envelopes SET last_error = %s, updated_at = now() WHERE tenant_id = %s"
                       " AND envelope_id = %s", (error, tenant_id, envelope_id))


async def mark_sent(conn: Conn, tenant_id: int, envelope_id: int, *, track_id: str | None, estado: str,
                    envelope_glosa: str | None, document_glosa: str | None, at: datetime) -> None:
    """The SII received the envelope (``track_id`` None: STATUS 99 without one): it and its documents are ``sent``
    with the SII's code, attempts start again, and its state is asked from ``at``."""
    await conn.execute(
        "UPDATE dte_envelopes SET state = 'sent', track_id = %s, attempts = 0, last_error = NULL, sii_estado = %s,"
        " sii_glosa = %s, sent_at = %s, next_attempt_at = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s",
        (track_id, estado, envelope_glosa, at, at, tenant_id, envelope_id))
    await conn.execute(
        "UPDATE dte_outbox SET state = 'sent', track_id = %s, last_error = NULL, sii_estado = %s, sii_glosa = %s,"
        " updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
        (track_id, estado, document_glosa, tenant_id, envelope_id))


async def close_received(conn: Conn, tenant_id: int, envelope_id: int, estado: str, glosa: str,
                         at: datetime) -> None:
    """The SII received an envelope with nothing left to ask (a ConsumoFolios without track id): ``done``; its
    documents (if any) ``sent`` with the same code and text."""
    await conn.execute(
        "UPDATE dte_envelopes SET state = 'done', sii_estado = %s, sii_glosa = %s, last_error = NULL,"
        " sent_at = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
        (estado, glosa, at, tenant_id, envelope_id))
    await conn.execute("UPDATE dte_outbox SET state = 'sent', sii_estado = %s, sii_glosa = %s,"
                       " last_error = NULL, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
                       (estado, glosa, tenant_id, envelope_id))


async def reject_envelope(conn: Conn, tenant_id: int, envelope_id: int, estado: str, reason: str) -> None:
    """The SII refused the file itself: the envelope ``done`` and its documents ``rejected``, with the reason."""
    await conn.execute(
        "UPDATE dte_envelopes SET state = 'done', sii_estado = %s, sii_glosa = %s, last_error = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s", (estado, reason, reason, tenant_id, envelope_id))
    await conn.execute(
        "UPDATE dte_outbox SET state = 'rejected', sii_estado = %s, sii_glosa = %s, last_error = %s,"
        " updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
        (estado, reason, reason, tenant_id, envelope_id))


async def last_failed(conn: Conn, tenant_id: int, envelope_id: int) -> bool:
    """Whether the envelope's previous attempt ended in an error."""
    row = await (await conn.execute("SELECT last_error IS NOT NULL FROM dte_envelopes WHERE tenant_id = %s"
                                    " AND envelope_id = %s", (tenant_id, envelope_id))).fetchone()
    return row is not None and bool(row[0])


async def mark_pending(conn: Conn, tenant_id: int, envelope_id: int, *, estado: str, glosa: str, attempts: int,
                       at: datetime) -> None:
    """The SII is still processing the envío: its code on the envelope and its documents, asked again at ``at``."""
    await conn.execute(
        "UPDATE dte_envelopes SET last_error = NULL, sii_estado = %s, sii_glosa = %s, attempts = %s,"
        " next_attempt_at = %s, updated_at = now() WHERE tenant_id = %s AND envelope_id = %s",
        (estado, glosa, attempts, at, tenant_id, envelope_id))
    await conn.execute("UPDATE dte_outbox SET sii_estado = %s, last_error = NULL, updated_at = now()"
                       " WHERE tenant_id = %s AND envelope_id = %s", (estado, tenant_id, envelope_id))


async def close_envelope(conn: Conn, tenant_id: int, envelope_id: int, estado: str, glosa: str) -> None:
    """The envío's final verdict: the envelope ``done`` with the SII's code and text."""
    await conn.execute(
        "UPDATE dte_envelopes SET state = 'done', sii_estado = %s, sii_glosa = %s, attempts = 0, last_error = NULL,"
        " updated_at = now() WHERE tenant_id = %s AND envelope_id = %s", (estado, glosa, tenant_id, envelope_id))


async def sent_at(conn: Conn, tenant_id: int, envelope_id: int) -> datetime | None:
    """When the SII received the envelope (None if never)."""
    row = await (await conn.execute("SELECT sent_at FROM dte_envelopes WHERE tenant_id = %s AND envelope_id = %s",
                                    (tenant_id, envelope_id))).fetchone()
    value = None if row is None else row[0]
    return value if isinstance(value, datetime) else None


async def note_progress(conn: Conn, tenant_id: int, envelope_id: int, glosa: str, error: str | None,
                        at: datetime) -> None:
    """An envelope still waiting for some verdicts: a glosa with the tally so far, the error (if any), due at ``at``."""
    await conn.execute(
        "UPDATE dte_envelopes SET sii_glosa = %s, last_error = %s, next_attempt_at = %s, updated_at = now()"
        " WHERE tenant_id = %s AND envelope_id = %s", (glosa, error, at, tenant_id, envelope_id))


@contextlib.asynccontextmanager
async def pass_lock(pool: Pool, tenant_id: int) -> AsyncIterator[bool]:
    """Yields whether this process got the tenant's DTE pass lock: a session advisory lock on a connection of its
    own (autocommit), released at the end; a process that does not get it skips the tenant."""
    key = f"almacen:dte-pass:{tenant_id}"
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        try:
            row = await (await conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,))).fetchone()
            got = bool(row and row[0])
            try:
                yield got
            finally:
                if got:
                    await conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        finally:
            await conn.set_autocommit(False)
