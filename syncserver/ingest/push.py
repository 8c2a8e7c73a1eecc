"""Receive a terminal's signed batch: authenticate, check continuity and chain, store and fold, all or nothing.

The order of checks is DESIGN.md §4: size, signature (over the exact bytes), key status, shape, tenant, epoch,
continuity (``from_seq == acked + 1``; a re-sent range is a no-op with the same ack), hash chain. Then every new
event is stored, folded into the read models and the tracking row advanced, in one transaction. An event this
server cannot use (unknown type or version, a payload that does not decode, text with U+0000 that PostgreSQL cannot
store, a value that a read model's column cannot hold: ``syncserver.ingest.limits``; a ``sale_id`` or ``return_id``
received before, a repeated ``line_id`` or means of payment, a running total such as a stock quantity or a shift's
sums pushed past its column: ``syncserver.ingest.conflicts``) is stored and quarantined with its reason, and left
out of the read models; the cursor still advances, so one bad event never blocks a terminal. The stamped tax
document of a sale or return quarantined for a value past its column or a clash is recorded all the same, under the
usual folio checks (``syncserver.dte.folios.record_documents``): it was printed with its timbre and handed to the
customer, so it goes to the SII, and the event's quarantine reason ends saying so ("…; su boleta N° 12 se envía
igual al SII"); the event itself stays out of the read models, and counts once as quarantined in the ack. An event
that does not decode, or carries U+0000, cannot be read: its document neither. A sale or return whose
tax document the master refuses (``syncserver.dte.folios.record_documents``) still counts: only its document is
quarantined (the row says ``folded``), and a rebuild folds it as the ingest did. An envelope whose fields do not
fit the master's columns (an event id that is not a UUID, a version out of range) is refused as ``malformed``,
never answered with a 500 that the terminal would retry forever. Should PostgreSQL still refuse a value of a batch
(a data or integrity error that the checks did not foresee), the batch is refused as ``unstorable`` (422, with
PostgreSQL's reason) and nothing of it is applied.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared import errors, signing, sync
from shared.events import codec as codec_mod
from shared.events import envelope, returns, sales
from syncserver.dte import folios
from syncserver.ingest import conflicts, limits, projections
from syncserver.store import bulk, db

EVENT_COLUMNS = [
    ("tenant_id", "bigint"), ("terminal_id", "text"), ("epoch", "integer"), ("seq", "bigint"), ("event_id", "uuid"),
    ("store_id", "text"), ("type", "text"), ("version", "integer"), ("occurred_at", "text"), ("payload", "jsonb"),
    ("prev_hash", "text"), ("hash", "text")]


log = logging.getLogger("syncserver.ingest.push")


@dataclass(frozen=True, slots=True)
class Principal:
    terminal_id: str
    tenant_id: int
    store_id: str
    public_key: str
    status: str


async def authenticate(pool: AsyncConnectionPool, terminal_id: str, body: bytes, signature: str) -> Principal:
    """The terminal whose key signed ``body``.

    Raises:
        SyncError: ``unauthenticated`` (unknown terminal or a signature that does not verify), ``revoked``.
    """
    async with db.auth_tx(pool) as conn:
        row = await (await conn.execute(
            "SELECT terminal_id, tenant_id, store_id, public_key, status FROM auth_terminal_keys"
            " WHERE terminal_id = %s", (terminal_id,))).fetchone()
    if row is None:
        raise sync.SyncError("unauthenticated", "terminal desconocido")
    principal = Principal(*row)
    try:
        signing.verify(principal.public_key, body, signature)
    except signing.BadSignature:
        raise sync.SyncError("unauthenticated", "firma inválida") from None
    if principal.status != "active":
        raise sync.SyncError("revoked", "este terminal fue revocado en HQ")
    return principal


async def push(pool: AsyncConnectionPool, codec: codec_mod.Codec, principal: Principal, body: bytes, *,
               max_events: int, terminal_clock: datetime | None = None, pending: int = 0,
               folio_lease_size: int = folios.DEFAULT_LEASE_SIZE,
               folio_low_water: int = folios.DEFAULT_LOW_WATER) -> sync.Ack:
    """Store and apply a batch from an authenticated terminal; return the ack.

    In the same transaction, the stamped documents are counted against the terminal's folio leases and, when its
    unused folios of a type fall below ``folio_low_water``, the next ``folio_lease_size`` are leased
    (``syncserver.dte.folios``).

    Raises:
        SyncError: ``malformed``, ``too_large``, ``tenant`` (the batch claims another tenant, store or terminal),
            ``epoch`` (not the terminal's current epoch, or history that differs from what the server holds:
            a restored or cloned journal), ``gap`` (with ``expected_seq``), ``chain`` (a broken hash chain),
            ``unstorable`` (PostgreSQL refused a value of the batch; nothing of it was applied).
    """
    apply = functools.partial(_apply, pool, codec, principal, terminal_clock=terminal_clock, pending=pending,
                              folio_lease_size=folio_lease_size, folio_low_water=folio_low_water)
    batch = sync.parse_push(body, max_events=max_events, loads=orjson.loads)
    try:
        return await apply(batch)
    except sync.SyncError as exc:
        if exc.code != "chain" and "conflict_seq" not in exc.data:
            raise
        # orjson reads an integer beyond 64 bits as a float, which changes the bytes the hash covers: such a batch
        # is read again with exact integers (only here: json.loads is slower), so its events reach the range checks
        exact = sync.parse_push(body, max_events=max_events)
        try:
            orjson.dumps([e.payload for e in exact.events])
        except orjson.JSONEncodeError:
            return await apply(exact)
        raise


async def _apply(pool: AsyncConnectionPool, codec: codec_mod.Codec, principal: Principal, batch: sync.PushBatch, *,
                 terminal_clock: datetime | None, pending: int, folio_lease_size: int, folio_low_water: int
                 ) -> sync.Ack:
    """``push`` of a parsed batch, in one transaction. Raises: SyncError, as ``push``."""
    try:
        return await _apply_tx(pool, codec, principal, batch, terminal_clock=terminal_clock, pending=pending,
                               folio_lease_size=folio_lease_size, folio_low_water=folio_low_water)
    except (psycopg.DataError, psycopg.IntegrityError) as exc:  # rolled back: nothing of the batch was applied
        detail = (exc.diag.message_primary or str(exc)).strip()
        log.warning("batch refused by PostgreSQL", extra={"terminal_id": principal.terminal_id,
                                                          "from_seq": batch.from_seq, "detail": str(exc)})
        raise sync.SyncError(
            "unstorable", f"el servidor no pudo guardar un valor del lote de seq {batch.from_seq} a {batch.to_seq}"
                          f" ({detail}); no se aplicó nada del lote", from_seq=batch.from_seq,
            to_seq=batch.to_seq) from None


async def _apply_tx(pool: AsyncConnectionPool, codec: codec_mod.Codec, principal: Principal,
                    batch: sync.PushBatch, *, terminal_clock: datetime | None, pending: int, folio_lease_size: int,
                    folio_low_water: int) -> sync.Ack:
    _check_storable(batch)
    if (batch.tenant_id, batch.store_id, batch.terminal_id) != (
            principal.tenant_id, principal.store_id, principal.terminal_id):
        raise sync.SyncError("tenant", "el lote no corresponde al tenant, tienda o terminal de esta clave")
    async with db.tenant_tx(pool, principal.tenant_id) as conn:
        current_epoch = await _lock_terminal(conn, principal)
        if batch.epoch != current_epoch:
            raise sync.SyncError("epoch", f"la época vigente es {current_epoch}", current_epoch=current_epoch)
        acked_seq, acked_hash = await _tracking(conn, principal, batch.epoch)
        new = [e for e in batch.events if e.seq > acked_seq]
        old = [e for e in batch.events if e.seq <= acked_seq]
        if old:
            await _check_same_history(conn, principal, batch.epoch, old)
        if not new:
            return sync.Ack(batch.epoch, acked_seq, acked_hash)
        if new[0].seq != acked_seq + 1:
            raise sync.SyncError("gap", f"falta desde seq {acked_seq + 1}", expected_seq=acked_seq + 1)
        try:
            payload_texts = envelope.verified_payloads(new, prev_hash=acked_hash, first_seq=acked_seq + 1)
        except errors.ChainBroken as exc:
            raise sync.SyncError("chain", str(exc), seq=exc.seq) from None
        except RecursionError:  # JSON nested deeper than Python's stack (a till never writes such a payload)
            raise sync.SyncError("malformed", "un evento trae datos anidados a demasiados niveles") from None
        applied, quarantined = await _store(conn, codec, principal, batch.epoch, new, payload_texts)
        last = new[-1]
        await conn.execute(
            "UPDATE sync_tracking SET acked_seq = %s, acked_hash = %s, updated_at = now()"
            " WHERE tenant_id = %s AND terminal_id = %s AND epoch = %s",
            (last.seq, last.hash, principal.tenant_id, principal.terminal_id, batch.epoch))
        await conn.execute(
            "UPDATE terminals SET last_sync_at = %s, last_seen_seq = %s, clock_skew_ms = %s, pending_reported = %s"
            " WHERE tenant_id = %s AND terminal_id = %s",
            (datetime.now(UTC), last.seq, _skew_ms(terminal_clock), max(pending - len(new), 0), principal.tenant_id,
             principal.terminal_id))
        await folios.refill(conn, principal.tenant_id, principal.terminal_id, principal.store_id, batch.epoch,
                            lease_size=folio_lease_size, low_water=folio_low_water)
        return sync.Ack(batch.epoch, last.seq, last.hash, applied, quarantined)


async def _lock_terminal(conn: AsyncConnection, p: Principal) -> int:
    """Serialise pushes of one terminal (a row lock) and return its current epoch."""
    row = await (await conn.execute(
        "SELECT current_epoch FROM terminals WHERE tenant_id = %s AND terminal_id = %s FOR UPDATE",
        (p.tenant_id, p.terminal_id))).fetchone()
    if row is None:
        raise sync.SyncError("unauthenticated", "terminal sin registro en su tenant")
    return int(row[0])


async def _tracking(conn: AsyncConnection, p: Principal, epoch: int) -> tuple[int, str]:
    await conn.execute(
        "INSERT INTO sync_tracking (tenant_id, terminal_id, epoch, acked_seq, acked_hash) VALUES (%s, %s, %s, 0, %s)"
        " ON CONFLICT DO NOTHING", (p.tenant_id, p.terminal_id, epoch, envelope.GENESIS_HASH))
    row = await (await conn.execute(
        "SELECT acked_seq, acked_hash FROM sync_tracking WHERE tenant_id = %s AND terminal_id = %s AND epoch = %s",
        (p.tenant_id, p.terminal_id, epoch))).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


async def _check_same_history(conn: AsyncConnection, p: Principal, epoch: int, old: list[envelope.Envelope]) -> None:
    """A re-sent range must be byte-for-byte what the server stored; otherwise this is another journal."""
    rows = await (await conn.execute(
        "SELECT seq, hash FROM events WHERE tenant_id = %s AND terminal_id = %s AND epoch = %s"
        " AND seq BETWEEN %s AND %s", (p.tenant_id, p.terminal_id, epoch, old[0].seq, old[-1].seq))).fetchall()
    stored: dict[int, str] = {int(r[0]): str(r[1]) for r in rows}
    for entry in old:
        if stored.get(entry.seq) != entry.hash or envelope.chain_hash(entry.body()) != entry.hash:
            raise sync.SyncError("epoch", f"seq {entry.seq} difiere de lo recibido antes: diario restaurado o copiado",
                                 conflict_seq=entry.seq)


async def _store(conn: AsyncConnection, codec: codec_mod.Codec, p: Principal, epoch: int,
                 entries: list[envelope.Envelope], payload_texts: list[str]) -> tuple[int, int]:
    """Insert the entries, quarantine what cannot be used, fold the rest. ``payload_texts`` are the payloads'
    canonical JSON from the chain check (stored as they were hashed)."""
    rows = projections.Rows()
    stored: list[tuple[Any, ...]] = []
    quarantine: list[tuple[Any, ...]] = []
    documents: list[folios.Stamped] = []
    usable: list[tuple[envelope.Envelope, str]] = []
    folded: list[tuple[envelope.Envelope, Any]] = []
    for e, payload_json in zip(entries, payload_texts, strict=True):
        type_, occurred_at, payload = e.type, e.occurred_at, e.payload
        # PostgreSQL text and jsonb cannot hold U+0000. Canonical JSON always writes it as \u0000, so the (slow) walk
        # of the payload runs only when its JSON text has that sequence.
        if "\x00" in type_ or "\x00" in occurred_at or ("\\u0000" in payload_json and _has_nul(payload)):
            type_, occurred_at, payload = _without_nul((type_, occurred_at, payload))
            payload_json = json.dumps(payload, ensure_ascii=False)
            quarantine.append((p.tenant_id, p.terminal_id, epoch, e.seq, type_, e.version, NUL_REASON, payload_json))
        else:
            usable.append((e, payload_json))
        stored.append((p.tenant_id, p.terminal_id, epoch, e.seq, e.event_id, e.store_id, type_, e.version,
                       occurred_at, payload_json, e.prev_hash, e.hash))
    # PostgreSQL stores the events while Python decodes and folds them (the two are the ingest's halves)
    inserting = asyncio.ensure_future(_insert_events(conn, stored))
    await asyncio.sleep(0)
    checks = limits.CHECKS
    try:
        for n, (e, payload_json) in enumerate(usable):
            if n % 100 == 99:
                await asyncio.sleep(0)  # let the insert's bytes flow
            try:
                event = codec.decode(e.type, e.version, e.payload)
            except errors.EventError as exc:
                quarantine.append((p.tenant_id, p.terminal_id, epoch, e.seq, e.type, e.version, str(exc),
                                   payload_json))
                continue
            check = checks.get(type(event))  # limits.problem, inlined: a value its read model cannot hold
            if check is not None and (reason := check(e, event)) is not None:
                quarantine.append((p.tenant_id, p.terminal_id, epoch, e.seq, e.type, e.version, reason, payload_json))
                # its document was printed and handed over all the same: recorded, unless it is what does not fit
                if (isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted)) and event.document is not None
                        and limits.document(event.document) is None):
                    d = event.document
                    documents.append(folios.Stamped(d.tipo, d.folio, event.sale_id, e.seq, d.stamped_at, d.ted,
                                                    e.type, e.version, quarantined=True))
                continue
            projections.fold(rows, p.tenant_id, e, event)
            folded.append((e, event))
            if isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted)) and event.document is not None:
                d = event.document
                documents.append(folios.Stamped(d.tipo, d.folio, event.sale_id, e.seq, d.stamped_at, d.ted,
                                                e.type, e.version))
    except Exception:
        await asyncio.gather(inserting, return_exceptions=True)  # the connection is free before the rollback
        raise
    await inserting
    clashes = await _write(conn, p.tenant_id, rows, folded)
    if clashes:
        first = entries[0].seq
        for seq, reason in clashes.items():
            row = stored[seq - first]  # as stored: type, version, payload
            quarantine.append((p.tenant_id, p.terminal_id, epoch, seq, row[6], row[7], reason, row[9]))
        documents = [replace(d, quarantined=True) if d.seq in clashes else d for d in documents]
        log.warning("events quarantined: the master would refuse them", extra={
            "terminal_id": p.terminal_id, "epoch": epoch, "seqs": sorted(clashes)})
    # before the quarantine rows: a quarantined event's reason ends with what became of its document; a refused
    # document of a folded event is quarantined in there (folded), under a seq of no quarantined event
    recorded = await folios.record_documents(conn, p.tenant_id, p.terminal_id, epoch, documents) if documents \
        else _NOTHING_RECORDED
    if recorded.notes:
        notes = recorded.notes
        quarantine = [(*row[:6], f"{row[6]}; {notes[row[3]]}", row[7]) if row[3] in notes else row
                      for row in quarantine]
    if quarantine:
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO quarantine (tenant_id, terminal_id, epoch, seq, type, version, reason, payload)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", sorted(quarantine, key=lambda q: q[3]))
    # a folded event whose document was refused counts as quarantined; a quarantined one counts once, whatever
    # became of its document
    return len(entries) - len(quarantine) - recorded.refused, len(quarantine) + recorded.refused


_NOTHING_RECORDED = folios.Recorded(0, {})


async def _write(conn: AsyncConnection, tenant_id: int, rows: projections.Rows,
                 folded: list[tuple[envelope.Envelope, Any]]) -> dict[int, str]:
    """Write the folded read models. Should PostgreSQL refuse them (a ``sale_id`` received before, a repeated
    ``line_id``, a running total past its column: ``syncserver.ingest.conflicts``), the write is undone to a
    savepoint, the events to blame are found and the rest are folded and written again; returns the blamed events
    as ``{seq: reason}`` (empty for the usual batch, which pays only the savepoint).

    Raises:
        psycopg.DataError, psycopg.IntegrityError: PostgreSQL refused the write and no event is to blame, or refused
            the write without them (the caller refuses the batch as ``unstorable``).
    """
    try:
        async with conn.transaction():  # a savepoint: the stored events stay if the read models are refused
            await projections.write(conn, tenant_id, rows)
        return {}
    except (psycopg.DataError, psycopg.IntegrityError) as exc:
        refused = exc
    clashes = await conflicts.find(conn, tenant_id, folded)
    if not clashes:
        raise refused
    kept = projections.Rows()
    for e, event in folded:
        if e.seq not in clashes:
            projections.fold(kept, tenant_id, e, event)
    await projections.write(conn, tenant_id, kept)
    return clashes


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _check_storable(batch: sync.PushBatch) -> None:
    """Envelope fields that the master's columns cannot hold make the batch malformed (a clear 400, not a 500).

    Raises:
        SyncError: ``malformed`` with the ``seq`` of the first such event.
    """
    for e in batch.events:
        if not _UUID_TEXT.fullmatch(e.event_id):  # the usual spelling; anything else goes through uuid.UUID
            try:
                uuid.UUID(e.event_id)
            except ValueError:
                raise sync.SyncError("malformed", f"event_id de seq {e.seq} no es un UUID", seq=e.seq) from None
        if not limits.INT4_MIN <= e.version <= limits.INT4_MAX:
            raise sync.SyncError("malformed", f"versión fuera de rango en seq {e.seq}", seq=e.seq)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _without_nul(value: Any) -> Any:
    """A copy with every U+0000 in strings (keys too) replaced by U+FFFD, to store a quarantined event."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, Mapping):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_without_nul(v) for v in value)
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


NUL_REASON = "el evento trae caracteres NUL (U+0000), que el servidor no puede guardar"


async def _insert_events(conn: AsyncConnection, stored: list[tuple[Any, ...]]) -> None:
    async with conn.cursor() as cur:
        await bulk.insert(cur, "events", EVENT_COLUMNS, stored)


def _skew_ms(terminal_clock: datetime | None) -> int:
    """Terminal clock minus server clock when the batch arrived, in ms (display only; never used for ordering)."""
    if terminal_clock is None or terminal_clock.tzinfo is None:
        return 0
    return int((terminal_clock - datetime.now(UTC)).total_seconds() * 1000)
