"""Receive a terminal's signed batch: authenticate, check continuity and chain, store and fold, all or nothing.

The order of checks, quarantine and ``unstorable``: docs/architecture.md, "The sync protocol" and "Ingest checks".
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeAlias

import orjson
import psycopg

from shared import clock as clock_mod
from shared import errors, signing, sync
from shared.events import codec as codec_mod
from shared.events import envelope, returns, sales
from syncserver.dte import folio_hold, folios
from syncserver.ingest import conflicts, limits, projections, scope
from syncserver.ingest import epoch as epoch_mod
from syncserver.store import audit, books, db, events, terminals

log = logging.getLogger("syncserver.ingest.push")

Principal: TypeAlias = terminals.TerminalKey
"""The terminal a request comes from: its registered key, once the request's signature verified with it."""


async def authenticate(pool: db.Pool, terminal_id: str, body: bytes, signature: str) -> Principal:
    """The terminal whose key signed ``body``.

    Raises:
        SyncError: ``unauthenticated`` (unknown terminal or a signature that does not verify), ``revoked``.
    """
    async with db.auth_tx(pool) as conn:
        principal = await terminals.key(conn, terminal_id)
    if principal is None:
        raise sync.SyncError("unauthenticated", "terminal desconocido")
    try:
        signing.verify(principal.public_key, body, signature)
    except signing.BadSignature:
        raise sync.SyncError("unauthenticated", "firma inválida") from None
    if principal.status != "active":
        raise sync.SyncError("revoked", "este terminal fue revocado en HQ")
    return principal


async def push(pool: db.Pool, codec: codec_mod.Codec, principal: Principal, body: bytes, *,
               max_events: int, terminal_clock: datetime | None = None, pending: int = 0,
               folio_lease_size: int = folios.DEFAULT_LEASE_SIZE,
               folio_low_water: int = folios.DEFAULT_LOW_WATER, clock: clock_mod.Clock = clock_mod.utc_clock,
               address: str = "") -> sync.Ack:
    """Store and apply a batch from an authenticated terminal; return the ack.

    In the same transaction, the stamped documents are counted against the terminal's folio leases and, when its
    unused folios of a type fall below ``folio_low_water``, the next ``folio_lease_size`` are leased
    (``syncserver.dte.folios``). ``clock`` stamps the terminal's last sync and measures its clock skew. Events
    quarantined for reaching beyond the terminal (``syncserver.ingest.scope``) and a refusal for its deactivated
    store or for claiming another tenant, store or terminal are written to the tenant's audit trail, with
    ``address`` (the client's, '' when unknown).

    Raises:
        SyncError: ``malformed``, ``too_large``, ``tenant`` (the batch claims another tenant, store or terminal),
            ``store_inactive`` (HQ deactivated the terminal's store and the batch's first new entry is dated after
            that: the entries dated before are received and acknowledged, up to the first one dated after),
            ``epoch`` (not the terminal's current epoch, or history that differs from what the server holds:
            a restored or cloned journal; for an old epoch with ``conflict_seq`` or ``common_seq``, as
            ``syncserver.ingest.epoch.old_epoch``), ``gap`` (with ``expected_seq``), ``chain`` (a broken hash chain),
            ``unstorable`` (PostgreSQL refused a value of the batch; nothing of it was applied).
    """
    apply = functools.partial(_apply, pool, codec, principal, _Received(terminal_clock, pending, clock, address),
                              folio_lease_size=folio_lease_size, folio_low_water=folio_low_water)
    batch = sync.parse_push(body, max_events=max_events, loads=orjson.loads)
    try:
        return await apply(batch)
    except sync.SyncError as exc:
        if exc.code in AUDITED_REFUSALS:
            await audit_refused(pool, principal, exc, clock(), address)
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


@dataclass(frozen=True, slots=True)
class _Received:
    """What the terminal said of itself with the batch (display only), and the server's clock."""

    terminal_clock: datetime | None
    pending: int
    clock: clock_mod.Clock
    address: str = ""

    def skew_ms(self, now: datetime) -> int:
        """Terminal clock minus server clock ``now``, in ms (display only; never used for ordering)."""
        if self.terminal_clock is None or self.terminal_clock.tzinfo is None:
            return 0
        return int((self.terminal_clock - now).total_seconds() * 1000)


async def _apply(pool: db.Pool, codec: codec_mod.Codec, principal: Principal, received: _Received,
                 batch: sync.PushBatch, *, folio_lease_size: int, folio_low_water: int) -> sync.Ack:
    """``push`` of a parsed batch, in one transaction. Raises: SyncError, as ``push``."""
    try:
        return await _apply_tx(pool, codec, principal, received, batch, folio_lease_size=folio_lease_size,
                               folio_low_water=folio_low_water)
    except (psycopg.DataError, psycopg.IntegrityError) as exc:  # rolled back: nothing of the batch was applied
        detail = (exc.diag.message_primary or str(exc)).strip()
        log.warning("batch refused by PostgreSQL", extra={"terminal_id": principal.terminal_id,
                                                          "from_seq": batch.from_seq, "detail": str(exc)})
        raise sync.SyncError(
            "unstorable", f"el servidor no pudo guardar un valor del lote de seq {batch.from_seq} a {batch.to_seq}"
                          f" ({detail}); no se aplicó nada del lote", from_seq=batch.from_seq,
            to_seq=batch.to_seq) from None


async def _apply_tx(pool: db.Pool, codec: codec_mod.Codec, principal: Principal, received: _Received,
                    batch: sync.PushBatch, *, folio_lease_size: int, folio_low_water: int) -> sync.Ack:
    _check_storable(batch)
    if (batch.tenant_id, batch.store_id, batch.terminal_id) != (
            principal.tenant_id, principal.store_id, principal.terminal_id):
        raise sync.SyncError("tenant", "el lote no corresponde al tenant, tienda o terminal de esta clave")
    async with db.tenant_tx(pool, principal.tenant_id) as conn:
        current_epoch = await terminals.lock(conn, principal.tenant_id, principal.terminal_id)
        if current_epoch is None:
            raise sync.SyncError("unauthenticated", "terminal sin registro en su tenant")
        store = events.PostgresEventStore(conn, principal.tenant_id)
        if batch.epoch != current_epoch:
            raise await epoch_mod.old_epoch(store, batch, current_epoch)
        checked = await _check(store, batch)
        if not checked.new:
            return sync.Ack(batch.epoch, checked.head.seq, checked.head.hash)
        closed = await scope.closed_store(conn, principal.tenant_id, principal.store_id)
        if closed is not None:  # what was done before HQ deactivated the store is received; the rest is refused
            kept = scope.dated_before(checked.new, closed.since)
            if kept == 0:
                raise closed.refusal()
            checked = replace(checked, new=checked.new[:kept], rows=checked.rows[:kept])
        # after a restore of the master: leases the till got after the dump come back before its documents count
        await folio_hold.from_entries(conn, principal.tenant_id, principal.terminal_id, principal.store_id,
                                      current_epoch, checked.new, received.clock())
        await folios.retire_given_up(conn, principal.tenant_id, principal.terminal_id, checked.new)  # a restored till
        scoped = await scope.load(conn, principal.tenant_id, principal.terminal_id, principal.store_id, batch.epoch,
                                  checked.new)
        applied, quarantined = await _store(conn, codec, store, checked, scoped)
        last, now = checked.new[-1], received.clock()
        if scoped.refused:
            await _audit_scope(conn, principal, batch.epoch, scoped.refused, now, received.address)
        await terminals.record_sync(conn, principal.tenant_id, principal.terminal_id, at=now,
                                    last_seq=last.seq, clock_skew_ms=received.skew_ms(now),
                                    pending=max(received.pending - len(checked.new), 0))
        if closed is None:  # a deactivated store's till gets no new folios; a type being leased waits for the next
            # push (this one holds its store's journal rows, which an HQ nota holding the type's lock may wait for)
            await folios.refill(conn, principal.tenant_id, principal.terminal_id, principal.store_id, batch.epoch,
                                lease_size=folio_lease_size, low_water=folio_low_water, clock=received.clock,
                                wait=False)
        return sync.Ack(batch.epoch, last.seq, last.hash, applied, quarantined)


async def _check(store: events.PostgresEventStore, batch: sync.PushBatch) -> events.Pending:
    """The batch against the stream's head, as ``PostgresEventStore.check``, in the sync protocol's terms.

    Raises:
        SyncError: ``epoch`` (with ``conflict_seq``: a re-sent entry differs from the stored one), ``gap`` (with
            ``expected_seq``), ``chain`` (with ``seq``), ``malformed`` (a payload nested deeper than Python's stack).
    """
    try:
        return await store.check(batch.events)
    except errors.HistoryDiffers as exc:
        raise sync.SyncError("epoch", str(exc), conflict_seq=exc.seq) from None
    except errors.SeqGap as exc:
        raise sync.SyncError("gap", f"falta desde seq {exc.expected_seq}", expected_seq=exc.expected_seq) from None
    except errors.ChainBroken as exc:
        raise sync.SyncError("chain", str(exc), seq=exc.seq) from None
    except RecursionError:  # JSON nested deeper than Python's stack (a till never writes such a payload)
        raise sync.SyncError("malformed", "un evento trae datos anidados a demasiados niveles") from None


async def _store(conn: db.Conn, codec: codec_mod.Codec, store: events.PostgresEventStore, checked: events.Pending,
                 scoped: scope.Scope) -> tuple[int, int]:
    """Store the new entries, quarantine what cannot be used or reaches beyond the terminal (``scoped``), fold the
    rest; returns (applied, quarantined)."""
    tenant_id, terminal_id, epoch = checked.stream.tenant_id, checked.stream.terminal_id, checked.stream.epoch
    rows = projections.Rows()
    quarantine: list[events.QuarantineRow] = []
    documents: list[folios.Stamped] = []
    folded: list[tuple[envelope.Envelope, Any]] = []
    cleaned = checked.cleaned
    for row in checked.rows:
        if cleaned and row.seq in cleaned:  # PostgreSQL cannot hold U+0000: stored with U+FFFD, quarantined
            quarantine.append(events.QuarantineRow(tenant_id, terminal_id, epoch, row.seq, row.type, row.version,
                                                   NUL_REASON, row.payload))
    # PostgreSQL stores the events while Python decodes and folds them (the two are the ingest's halves)
    inserting = asyncio.ensure_future(store.store(checked))
    await asyncio.sleep(0)
    checks = limits.CHECKS
    try:
        for n, (e, row) in enumerate(zip(checked.new, checked.rows, strict=True)):
            if n % 100 == 99:
                await asyncio.sleep(0)  # let the insert's bytes flow
            if cleaned and e.seq in cleaned:
                continue
            try:
                event = codec.decode(e.type, e.version, e.payload)
            except errors.EventError as exc:
                quarantine.append(events.QuarantineRow(tenant_id, terminal_id, epoch, e.seq, e.type, e.version,
                                                       str(exc), row.payload))
                continue
            check = checks.get(type(event))  # limits.problem, inlined: a value its read model cannot hold
            if check is not None and (reason := check(e, event)) is not None:
                quarantine.append(events.QuarantineRow(tenant_id, terminal_id, epoch, e.seq, e.type, e.version,
                                                       reason, row.payload))
                # its document was printed and handed over all the same: recorded, unless it is what does not fit
                if (isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted)) and event.document is not None
                        and limits.document(event.document) is None):
                    d = event.document
                    documents.append(folios.Stamped(d.tipo, d.folio, event.sale_id, e.seq, d.stamped_at, d.ted,
                                                    e.type, e.version, quarantined=True))
                continue
            if (reason := scoped.problem(e, event)) is not None:  # beyond its till (a folio, a store): not applied
                quarantine.append(events.QuarantineRow(tenant_id, terminal_id, epoch, e.seq, e.type, e.version,
                                                       reason, row.payload))
                scoped.refused.append((e.seq, e.type, reason))
                continue
            projections.fold(rows, tenant_id, e, event)
            folded.append((e, event))
            if isinstance(event, (sales.SaleCompleted, returns.ReturnCompleted)) and event.document is not None:
                d = event.document
                documents.append(folios.Stamped(d.tipo, d.folio, event.sale_id, e.seq, d.stamped_at, d.ted,
                                                e.type, e.version))
    except Exception:
        await asyncio.gather(inserting, return_exceptions=True)  # the connection is free before the rollback
        raise
    await inserting
    clashes = await _write(conn, tenant_id, rows, folded)
    if clashes:
        first = checked.rows[0].seq
        for seq, reason in clashes.items():
            stored = checked.rows[seq - first]  # as stored: type, version, payload
            quarantine.append(events.QuarantineRow(tenant_id, terminal_id, epoch, seq, stored.type, stored.version,
                                                   reason, stored.payload))
        documents = [replace(d, quarantined=True) if d.seq in clashes else d for d in documents]
        log.warning("events quarantined: the master would refuse them", extra={
            "terminal_id": terminal_id, "epoch": epoch, "seqs": sorted(clashes)})
    # before the quarantine rows: a quarantined event's reason ends with what became of its document; a refused
    # document of a folded event is quarantined in there (folded), under a seq of no quarantined event
    recorded = await folios.record_documents(conn, tenant_id, terminal_id, epoch, documents) if documents \
        else _NOTHING_RECORDED
    await books.add_documents(conn, tenant_id, terminal_id, epoch, [(d.tipo, d.folio, d.seq) for d in documents])
    await books.add_vouchers(conn, tenant_id, [event.sale_id for e, event in folded if e.seq not in clashes
                                               and isinstance(event, sales.SaleCompleted) and event.document is None])
    if recorded.notes:
        notes = recorded.notes
        quarantine = [q._replace(reason=f"{q.reason}; {notes[q.seq]}") if q.seq in notes else q for q in quarantine]
    await store.quarantine(quarantine)
    # a folded event whose document was refused counts as quarantined; a quarantined one counts once, whatever
    # became of its document
    return len(checked.rows) - len(quarantine) - recorded.refused, len(quarantine) + recorded.refused


_NOTHING_RECORDED = folios.Recorded(0, {})
AUDITED_PER_BATCH = 20
"""Quarantined events of one batch written to the audit trail one by one; the rest of them in one more line."""
AUDITED_REFUSALS = frozenset({"store_inactive", "tenant", "revoked"})
"""Refusals of a request whose signature verified (so whose terminal it is, is known) that go to the audit trail: a
deactivated store's till, a batch claiming another tenant, store or terminal, a revoked terminal."""
CLOSED_AUDIT_EVERY = timedelta(hours=1)
"""A refused till retries all day: each kind of refusal is written to the audit trail once per this span."""


async def _audit_scope(conn: db.Conn, principal: Principal, epoch: int, refused: list[tuple[int, str, str]],
                       now: datetime, address: str) -> None:
    """Write the batch's events quarantined by ``scope`` to the tenant's audit trail (``event_quarantined``)."""
    for seq, type_, reason in refused[:AUDITED_PER_BATCH]:
        await audit.record(conn, tenant_id=principal.tenant_id, kind="event_quarantined", actor=principal.terminal_id,
                           address=address, detail=f"{type_} seq {seq} (época {epoch}): {reason}", at=now)
    if len(refused) > AUDITED_PER_BATCH:
        await audit.record(conn, tenant_id=principal.tenant_id, kind="event_quarantined", actor=principal.terminal_id,
                           address=address, at=now,
                           detail=f"y {len(refused) - AUDITED_PER_BATCH} eventos más del mismo lote (época {epoch});"
                                  " el detalle está en la cuarentena de la caja")


async def audit_refused(pool: db.Pool, principal: Principal, exc: sync.SyncError, now: datetime, address: str,
                        where: str = "POST /sync/push") -> None:
    """Write a signed request of ``principal`` refused with one of :data:`AUDITED_REFUSALS` to its tenant's audit
    trail (``request_refused``: "403 POST /sync/push tenant: <why>"), once per :data:`CLOSED_AUDIT_EVERY` per
    terminal and kind of refusal."""
    prefix = f"403 {where} {exc.code}: "
    async with db.tenant_tx(pool, principal.tenant_id) as conn:
        recent = await audit.search(conn, principal.tenant_id, kinds=["request_refused"],
                                    actor=principal.terminal_id, since=now - CLOSED_AUDIT_EVERY, limit=20)
        if any(entry.detail.startswith(prefix) for entry in recent):
            return
        await audit.record(conn, tenant_id=principal.tenant_id, kind="request_refused", actor=principal.terminal_id,
                           address=address, detail=f"{prefix}{exc.detail}", at=now)


async def _write(conn: db.Conn, tenant_id: int, rows: projections.Rows,
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


NUL_REASON = "el evento trae caracteres NUL (U+0000), que el servidor no puede guardar"
