"""Background sync of the terminal: push the journal, then pull HQ's changes, with backoff (DESIGN.md §4).

``SyncService.sync_once`` is one round; ``SyncWorker`` runs rounds on a timer in a thread (not only after a
sale), backing off exponentially with jitter while the server is unreachable. Batches adapt their size so a
round trip stays near one second. A journal restored from a backup or copied to another machine is detected
(the server holds more, or different, history than it) and continues as a new epoch.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from desktop.journal import fiado_projection, read_models
from desktop.journal.sqlite_store import Identity, SqliteJournal
from shared import sync
from shared.events import auth as auth_events
from shared.events import catalog as catalog_events
from shared.events import emisor as emisor_events
from shared.events import envelope, fiado, rules
from shared.events import folios as folio_events
from shared.events import inventory as inventory_events
from shared.events import purchases as purchase_events
from shared.events import stores as store_events

log = logging.getLogger("desktop.services.sync")

LEASE_REPORT = "folio_report"
"""A pulled request (not a change) of a master restored from a backup: report the folio leases held."""


class Transport(Protocol):
    def close(self) -> None: ...
    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack: ...
    def pull(self, cursor: int, limit: int = 500) -> tuple[list[dict[str, Any]], int, bool]: ...
    def new_epoch(self) -> int: ...
    def report_leases(self, leases: list[tuple[int, int, int, int]]) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar shows: online, or offline since when; events not yet acknowledged. ``pushed`` and
    ``pulled`` count what the round got through even when it stopped midway; ``failure`` says why it stopped
    (``error`` too, except for a lost connection, which the label tells as "Sin conexión")."""

    online: bool
    pending: int
    offline_since: datetime | None = None
    error: str = ""
    pushed: int = 0
    pulled: int = 0
    failure: str = ""

    @property
    def label(self) -> str:
        if self.error and not self.online and self.offline_since is None:
            return f"Sincronización detenida: {self.error}"
        if self.online:
            return "En línea" + (f" · {self.pending} por enviar" if self.pending else "")
        since = f" desde las {self.offline_since:%H:%M}" if self.offline_since else ""
        return f"Sin conexión{since} · {self.pending} por enviar"


@dataclass(frozen=True, slots=True)
class PulledBatch:
    """One page of a pull: the journal events it appended (HQ's changes for this terminal) and whether more wait."""

    events: tuple[Any, ...]
    more: bool


class SyncService:
    """Pushes this terminal's journal and applies what HQ publishes."""

    MIN_BATCH, MAX_BATCH = 50, 5000

    def __init__(self, journal: SqliteJournal, transport: Transport, *, target_seconds: float = 1.0) -> None:
        self.journal = journal
        self.transport = transport
        self.target_seconds = target_seconds
        self.batch_size = 500
        self.size_cap = self.MAX_BATCH  # lowered for good when the server says a batch is too large
        self.status = SyncStatus(online=False, pending=self.pending())
        self.on_progress: Callable[[int, int], None] = lambda done, total: None
        self._round_pushed = 0  # acknowledged by the server in the current round (kept if the round fails)
        self._round_pulled = 0

    def close(self) -> None:
        self.transport.close()

    def _acked(self) -> tuple[int, str]:
        state = self.journal.sync_state()
        epoch = self.journal.identity.epoch
        return int(state.get(f"acked_seq:{epoch}", 0)), state.get(f"acked_hash:{epoch}", "")

    def pending(self) -> int:
        return self.journal.head[0] - self._acked()[0]

    def push(self) -> int:
        """Send every unacknowledged entry; returns how many the server acknowledged."""
        pushed = 0
        total = self.pending()
        while True:
            acked, _hash = self._acked()
            head = self.journal.head[0]
            if acked > head:
                self._restored(acked)
                continue
            if acked == head:
                return pushed
            entries = tuple(self.journal.read(acked + 1, limit=self.batch_size))
            prev = self._prev_hash(acked)
            ident = self.journal.identity
            batch = sync.PushBatch(ident.tenant_id, ident.store_id, ident.terminal_id, ident.epoch, acked + 1, prev,
                                   entries)
            started = time.monotonic()
            try:
                ack = self.transport.push(batch, head - acked)
            except sync.SyncError as exc:
                if exc.code == "gap":
                    self._set_acked(int(exc.data["expected_seq"]) - 1, "")
                    continue
                if exc.code == "too_large" and len(entries) > 1:
                    limit = exc.data.get("max_events")
                    self.batch_size = min(int(limit), len(entries) - 1) if limit else max(1, len(entries) // 2)
                    self.size_cap = self.batch_size
                    continue
                if exc.code == "epoch":
                    self._refused_epoch(exc.data, acked, entries[-1], head)
                    continue
                raise
            self._adapt(time.monotonic() - started)
            last = entries[-1]
            if ack.acked_seq > last.seq and last.seq < head and not self._holds(ack.acked_seq, ack.acked_hash):
                # The server compared this batch (all at or below its head) and found it equal, but its head is not
                # this file's entry: a restored or cloned copy that may differ further on. Only this batch is known
                # common; go on from it, so the server compares the next range and names the first entry that
                # differs (``epoch`` with ``conflict_seq``). Jumping to its head would skip (and lose) the entries
                # between that were sold after the copy was taken.
                self._set_acked(last.seq, last.hash)
                continue
            if ack.acked_seq > head:  # the server compared the whole file, equal, and holds more: a restored copy
                # (its acked seq is not stored here: were the new epoch's answer lost, sales journaled meanwhile
                # would fill the seqs up to it and look acknowledged without ever being sent)
                self._restored(head)
                continue
            pushed += max(ack.acked_seq - acked, 0)
            self._round_pushed += max(ack.acked_seq - acked, 0)
            self._set_acked(ack.acked_seq, ack.acked_hash)
            self.on_progress(pushed, total)

    def _refused_epoch(self, data: dict[str, Any], acked: int, last: envelope.Envelope, head: int) -> None:
        """After an ``epoch`` refusal of the batch ending at ``last``: continue as a new epoch from where the server's
        history and this file's part, or, when the server holds this whole batch of an old epoch (``common_seq``,
        ``syncserver.ingest.epoch.old_epoch``) and the file goes on, mark it acknowledged so the next push compares
        the next range. A server that says neither (an older one) leaves the kept or acknowledged seq."""
        conflict, common = data.get("conflict_seq"), data.get("common_seq")
        if conflict:
            self._restored(int(conflict) - 1)
        elif common is not None and int(common) >= last.seq and last.seq < head:
            self._set_acked(last.seq, last.hash)
        elif common is not None:
            self._restored(max(int(common), acked))
        else:
            self._restored(self._common(acked))

    def _holds(self, seq: int, hash_: str) -> bool:
        """Whether this file's entry ``seq`` of the current epoch has ``hash_`` (then, by the chain, so does all
        that comes before it)."""
        if seq > self.journal.head[0]:
            return False
        return next(self.journal.read(seq, limit=1)).hash == hash_

    def _prev_hash(self, acked: int) -> str:
        if acked == 0:
            return envelope.GENESIS_HASH
        return next(self.journal.read(acked, limit=1)).hash

    def _set_acked(self, seq: int, hash_: str) -> None:
        epoch = self.journal.identity.epoch
        self.journal.set_sync_state(**{f"acked_seq:{epoch}": seq, f"acked_hash:{epoch}": hash_})

    def _restored(self, common_seq: int) -> None:
        """Continue as a new epoch; entries after ``common_seq`` that the server never got are carried over.

        ``common_seq`` is kept first: if the server's answer to the new epoch is lost, it has moved on and the next
        push of this epoch is refused without saying where the histories part; the kept seq says it."""
        self.journal.set_sync_state(**{f"common_seq:{self.journal.identity.epoch}": common_seq})
        epoch = self.transport.new_epoch()
        self.journal.begin_epoch(epoch, min(common_seq, self.journal.head[0]))

    def _common(self, acked: int) -> int:
        """Where this epoch's history and the server's part, as found before a new epoch was asked for (or, if
        none was, the acked seq)."""
        kept = self.journal.sync_state().get(f"common_seq:{self.journal.identity.epoch}")
        return int(kept) if kept is not None else acked

    def _adapt(self, seconds: float) -> None:
        if seconds < self.target_seconds / 2:
            self.batch_size = min(self.batch_size * 2, self.size_cap, self.MAX_BATCH)
        elif seconds > self.target_seconds * 2:
            self.batch_size = max(self.batch_size // 2, min(self.MIN_BATCH, self.size_cap))

    def pull(self) -> int:
        """Apply HQ's changes (catalog, prices, the categories' tab order, users and their PIN hashes, the emisor,
        this store's sucursal data, folio leases, transfers sent to this store, the inventory settings, the store's
        fiado settings, the tenant's customers and the fiado entries made at other terminals) as journal events;
        returns how many."""
        applied = 0
        while True:
            batch = self.pull_batch()
            applied += len(batch.events)
            self._round_pulled += len(batch.events)
            if not batch.more:
                return applied

    def pull_batch(self) -> PulledBatch:
        """Apply one page of HQ's changes from the saved cursor and save the new cursor (what arrived is kept even if
        a later page fails). Raises: ``sync.SyncError`` (``offline`` and the server's refusals)."""
        cursor = int(self.journal.sync_state().get("pull_cursor", 0))
        changes, new_cursor, more = self.transport.pull(cursor)
        if any(c.get("kind") == LEASE_REPORT for c in changes):
            self.report_leases()
        events = [e for e in (_event(c, self.journal.identity) for c in changes) if e is not None and _possible(e)]
        events = self._new_fiado_entries(events)
        if events:
            with self.journal.unit_of_work() as uow:
                for event in events:
                    uow.append(event)
        self.journal.set_sync_state(pull_cursor=new_cursor)
        return PulledBatch(tuple(events), more)

    def report_leases(self) -> None:
        """Send the master every folio lease this till holds: a master restored from a backup asks (a
        ``folio_report`` in the pull), and leases no folio to anyone until every till has answered, so a lease it
        handed out after the backup is never handed out again (docs/backups.md)."""
        with self.journal.lock:
            leases = read_models.held_leases(self.journal.conn)
        answer = self.transport.report_leases(leases)
        log.info("folio leases reported", extra={"leases": len(leases), "answer": answer})

    def _new_fiado_entries(self, events: list[Any]) -> list[Any]:
        """``events`` without the ledger entries the till already holds (its own, which the master forwards to every
        till of the tenant, or one sent twice): they would only grow the journal."""
        forwarded = [e.entry_id for e in events if isinstance(e, fiado.FiadoEntryReceived)]
        if not forwarded:
            return events
        with self.journal.lock:
            known = fiado_projection.known_entries(self.journal.conn, forwarded)
        return [e for e in events if not (isinstance(e, fiado.FiadoEntryReceived) and e.entry_id in known)]

    def _pulled(self, now: datetime) -> None:
        """After a successful round: the master holds this till's journal up to its acknowledged seq, so only the
        fiado charged after it counts as charged offline (``fiado_projection.pulled``)."""
        acked, _hash = self._acked()
        with self.journal.unit_of_work() as uow:
            fiado_projection.pulled(uow.conn, self.journal.identity.epoch, acked, now.isoformat(timespec="seconds"))

    def sync_once(self, now: datetime) -> SyncStatus:
        """Push before pull; returns (and keeps) the status. Never raises for network or server refusals; a round
        that stops midway still counts what the server acknowledged (and what was pulled) before it stopped."""
        self._round_pushed = self._round_pulled = 0
        try:
            pushed = self.push()
            pulled = self.pull()
            self._pulled(now)
        except sync.SyncError as exc:
            offline = exc.code == "offline"
            since = (self.status.offline_since or now) if offline else None
            self.status = SyncStatus(False, self.pending(), since, exc.detail if not offline else "",
                                     self._round_pushed, self._round_pulled, exc.detail)
            return self.status
        self.status = SyncStatus(True, self.pending(), None, "", pushed, pulled)
        return self.status


def _possible(event: Any) -> bool:
    """An HQ change the journal can hold (``shared.events.rules``); one that breaks a rule is left out and logged,
    so that the changes after it still arrive (HQ checks what it publishes: this is a bug's or a forger's)."""
    reason = rules.problem(event)
    if reason is not None:
        log.warning("HQ change left out: %s", reason)
    return reason is None


def _event(change: dict[str, Any], identity: Identity | None = None) -> Any:
    """The journal event of a pulled HQ change, or None when it is not for this terminal (a folio lease of another
    terminal of the store, or of another epoch of this one, a transfer to another store) or of a kind the terminal
    does not take.

    A ``transfer`` change's data is the :class:`TransferSent` the master forwards: ``transfer_id``, ``from_store``,
    ``from_warehouse``, ``to_store``, ``to_warehouse``, ``lines`` (``sku``, ``name``, ``quantity`` as text,
    ``unit_cost``), ``sent_by``, ``sent_at`` (the sender's journal time), ``note``; an ``inventory_settings``
    change's: ``costing``, ``store_prices``, ``merma_pin_above``. A ``customer`` change's data is the master's view
    of a customer (:class:`CustomerReceived`: ``customer_id``, ``name``, ``rut``, ``phone``, ``address``, ``notes``,
    ``fiado_enabled``, ``credit_limit``, ``aliases``, ``active``, ``flags``: the master's open flags' texts); a
    ``fiado_settings`` change's (key: the store), the store's fiado settings (:class:`FiadoSettingsReceived`:
    ``offline_allowance``, ``overpayment``, ``set_by``, ``set_at``); a ``fiado_entry`` change's, a ledger entry as the
    master folded it (:class:`FiadoEntryReceived`: ``entry_id``, ``customer_id``, ``kind``, ``amount`` positive,
    ``store_id``, ``terminal_id``, ``document``, ``reference``, ``at``, ``reverses``, ``counter_account``); a
    ``supplier_answer`` change's (for the store that registered the purchase), HQ's answers to a supplier's factura
    (:class:`SupplierAnswerReceived`: ``supplier_rut``, ``tipo``, ``folio``, ``received``, ``taken``, ``action``,
    ``message``, ``answered_by``, ``answered_at``)."""
    data = change["data"]
    if change["kind"] == "product":
        return catalog_events.ProductUpserted(
            sku=data["sku"], name=data["name"], price=int(data["price"]), category=data["category"],
            sold_by=data["sold_by"], barcodes=tuple(data.get("barcodes") or ()), plu=data.get("plu"),
            brand=data.get("brand", ""), iva_exempt=bool(data.get("iva_exempt")),
            favourite=bool(data.get("favourite")), active=bool(data.get("active", True)), source="hq",
            change_id=int(change.get("id") or 0), changed_by=str(data.get("changed_by") or ""),
            changed_at=str(data.get("changed_at") or ""))
    if change["kind"] == "user":
        return auth_events.UserEnrolled(data["user_id"], data["name"], data["role"], data["pin_hash"],
                                        bool(data.get("active", True)))
    if change["kind"] == "emisor":
        numero = data.get("resolucion_numero")
        sucursal = data.get("sucursal_sii")
        return emisor_events.EmisorReceived(
            rut=str(data.get("rut") or ""), razon_social=str(data.get("razon_social") or ""),
            giro=str(data.get("giro") or ""), direccion=str(data.get("direccion") or ""),
            comuna=str(data.get("comuna") or ""), ciudad=str(data.get("ciudad") or ""),
            acteco=tuple(int(a) for a in data.get("acteco") or ()),
            sucursal_sii=None if sucursal is None else int(sucursal),
            resolucion_fecha=str(data.get("resolucion_fecha") or ""),
            resolucion_numero=int(numero or 0), unidad_sii=str(data.get("unidad_sii") or ""))
    if change["kind"] == "card_model":
        return emisor_events.CardModelReceived(model=str(data.get("model") or ""), set_by=str(data.get("set_by") or ""),
                                               set_at=str(data.get("set_at") or ""))
    if change["kind"] == "store":
        if identity is not None and str(data["store_id"]) != identity.store_id:
            return None
        sucursal = data.get("sucursal_sii")
        return store_events.StoreReceived(
            store_id=str(data["store_id"]), name=str(data.get("name") or ""),
            direccion=str(data.get("direccion") or ""), comuna=str(data.get("comuna") or ""),
            ciudad=str(data.get("ciudad") or ""), sucursal_sii=None if sucursal is None else int(sucursal),
            active=bool(data.get("active", True)))
    if change["kind"] == "categories":
        return catalog_events.CategoriesOrdered(names=tuple(str(n) for n in data.get("names") or ()))
    if change["kind"] == "folio_lease":
        if identity is not None and (data.get("terminal_id", identity.terminal_id) != identity.terminal_id
                                     or int(data.get("epoch", identity.epoch)) != identity.epoch):
            return None
        return folio_events.FolioLeaseReceived(tipo=int(data["tipo"]), desde=int(data["desde"]),
                                               hasta=int(data["hasta"]), caf_xml=str(data["caf_xml"]),
                                               epoch=int(data.get("epoch", 0)))
    if change["kind"] == "transfer":
        if identity is not None and str(data.get("to_store", identity.store_id)) != identity.store_id:
            return None
        return inventory_events.TransferIncoming(
            transfer_id=str(data["transfer_id"]), from_store=str(data["from_store"]),
            from_warehouse=str(data.get("from_warehouse") or ""), to_warehouse=str(data["to_warehouse"]),
            lines=tuple(inventory_events.TransferLine(sku=str(x["sku"]), name=str(x.get("name") or ""),
                                                      quantity=Decimal(str(x["quantity"])),
                                                      unit_cost=int(x.get("unit_cost") or 0))
                        for x in data.get("lines") or ()),
            sent_by=str(data.get("sent_by") or ""), sent_at=str(data.get("sent_at") or ""),
            note=str(data.get("note") or ""))
    if change["kind"] == "inventory_settings":
        return inventory_events.InventorySettingsReceived(
            costing=str(data.get("costing") or "ppp"), store_prices=bool(data.get("store_prices", False)),
            merma_pin_above=int(data.get("merma_pin_above", 20000)))
    if change["kind"] == "customer":
        return fiado.CustomerReceived(
            customer_id=str(data["customer_id"]), name=str(data.get("name") or ""), rut=str(data.get("rut") or ""),
            phone=str(data.get("phone") or ""), address=str(data.get("address") or ""),
            notes=str(data.get("notes") or ""), fiado_enabled=bool(data.get("fiado_enabled", False)),
            credit_limit=int(data.get("credit_limit") or 0), aliases=tuple(str(a) for a in data.get("aliases") or ()),
            active=bool(data.get("active", True)), flags=tuple(str(f) for f in data.get("flags") or ()))
    if change["kind"] == "fiado_settings":
        if identity is not None and str(change.get("key") or identity.store_id) != identity.store_id:
            return None
        return fiado.FiadoSettingsReceived(
            offline_allowance=int(data.get("offline_allowance") or 0),
            overpayment=str(data.get("overpayment") or "refuse"), set_by=str(data.get("set_by") or ""),
            set_at=str(data.get("set_at") or ""))
    if change["kind"] == "supplier_answer":
        return purchase_events.SupplierAnswerReceived(
            supplier_rut=str(data["supplier_rut"]), tipo=int(data["tipo"]), folio=int(data["folio"]),
            received=str(data.get("received") or ""), taken=tuple(str(a) for a in data.get("taken") or ()),
            action=str(data["action"]), message=str(data.get("message") or ""),
            answered_by=str(data.get("answered_by") or ""), answered_at=str(data["answered_at"]))
    if change["kind"] == "fiado_entry":
        return fiado.FiadoEntryReceived(
            entry_id=str(data["entry_id"]), customer_id=str(data["customer_id"]), kind=str(data["kind"]),
            amount=int(data["amount"]), store_id=str(data.get("store_id") or ""),
            terminal_id=str(data.get("terminal_id") or ""), document=str(data.get("document") or ""),
            reference=str(data.get("reference") or ""), at=str(data.get("at") or ""),
            reverses=str(data.get("reverses") or ""), counter_account=str(data.get("counter_account") or ""))
    return None


class SyncWorker:
    """Runs ``sync_once`` every ``interval`` seconds in a daemon thread, backing off with jitter when offline."""

    def __init__(self, service: SyncService, clock: Callable[[], datetime], *, interval: float = 5.0,
                 max_backoff: float = 300.0, on_status: Callable[[SyncStatus], None] = lambda s: None,
                 rng: random.Random | None = None) -> None:
        self.service = service
        self.clock = clock
        self.interval = interval
        self.max_backoff = max_backoff
        self.on_status = on_status
        self.rng = rng or random.Random()
        self.failures = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="almacen-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        with contextlib.suppress(RuntimeError):
            self._thread.join(timeout)

    def poke(self) -> None:
        """Sync now (e.g. right after a sale) instead of waiting for the timer."""
        self._wake.set()

    def next_delay(self) -> float:
        """``interval`` when healthy; ``interval * 2^failures`` capped at ``max_backoff``, with ±50 % jitter."""
        if self.failures == 0:
            return self.interval
        base = min(self.interval * (2.0 ** self.failures), self.max_backoff)
        return base * self.rng.uniform(0.5, 1.5)

    def _run(self) -> None:
        while not self._stop.is_set():
            status = self.service.sync_once(self.clock())
            self.failures = 0 if status.online else self.failures + 1
            self.on_status(status)
            self._wake.wait(self.next_delay())
            self._wake.clear()
