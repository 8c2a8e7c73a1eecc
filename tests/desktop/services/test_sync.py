"""The terminal's sync service against an in-memory server: batching, acks, gaps, outages, backoff, pulls."""

from __future__ import annotations

import json
import random
from datetime import datetime

from desktop.journal import read_models
from desktop.services.sync import SyncService, SyncWorker
from shared import sync
from shared.events import envelope


class FakeServer:
    """Keeps what a real server keeps per epoch; can be switched off, or asked to answer a gap."""

    def __init__(self) -> None:
        self.stored: dict[int, list[envelope.Envelope]] = {}
        self.changes: list[dict] = []
        self.up = True
        self.batches: list[int] = []
        self.epoch = 1
        self.reports: list[list[tuple[int, int, int, int]]] = []

    def close(self) -> None:
        pass

    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack:
        if not self.up:
            raise sync.SyncError("offline", "sin conexión")
        held = self.stored.setdefault(batch.epoch, [])
        if batch.from_seq > len(held) + 1:
            raise sync.SyncError("gap", "falta", expected_seq=len(held) + 1)
        envelope.verify_chain(batch.events, prev_hash=batch.prev_hash, first_seq=batch.from_seq)
        for e in batch.events:
            if e.seq > len(held):
                held.append(e)
        self.batches.append(len(batch.events))
        return sync.Ack(batch.epoch, len(held), held[-1].hash)

    def pull(self, cursor: int, limit: int = 500):
        if not self.up:
            raise sync.SyncError("offline", "sin conexión")
        rows = [c for c in self.changes if c["id"] > cursor][:limit]
        return rows, (rows[-1]["id"] if rows else cursor), len(rows) == limit

    def new_epoch(self) -> int:
        self.epoch += 1
        return self.epoch

    def report_leases(self, leases: list[tuple[int, int, int, int]]) -> dict:
        self.reports.append(leases)
        return {"known": len(leases), "leased": 0, "without_caf": 0, "conflicts": []}


def _sell(term, n: int) -> None:
    from shared.sale import Tender, TenderKind
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.current() or term.shifts.open(ana, 0)
    term.checkout.start(ana, shift.shift_id)
    for _ in range(n):
        term.checkout.scan("7801234567894")
        term.checkout.complete((Tender(TenderKind.DEBIT, 1150),))


def test_push_everything_then_nothing_is_pending(terminal):
    server = FakeServer()
    service = SyncService(terminal.journal, server)
    _sell(terminal, 30)
    assert service.pending() == terminal.journal.head[0]
    status = service.sync_once(datetime.now())
    assert status.online and status.pending == 0 and status.label == "En línea"
    assert [e.hash for e in server.stored[1]] == [e.hash for e in terminal.journal.read()]
    assert service.sync_once(datetime.now()).pushed == 0


def test_batches_grow_when_round_trips_are_fast(terminal):
    server = FakeServer()
    service = SyncService(terminal.journal, server)
    service.batch_size = 5
    _sell(terminal, 120)
    service.sync_once(datetime.now())
    assert server.batches[0] == 5 and max(server.batches) > 5


def test_outage_keeps_everything_and_says_since_when(terminal, clock):
    server = FakeServer()
    service = SyncService(terminal.journal, server)
    _sell(terminal, 3)
    server.up = False
    first = service.sync_once(clock())
    clock.advance(minutes=30)
    later = service.sync_once(clock())
    assert not later.online and later.offline_since == first.offline_since
    assert later.label.startswith(f"Sin conexión desde las {first.offline_since:%H:%M}")
    assert later.pending == terminal.journal.head[0]
    server.up = True
    assert service.sync_once(clock()).pending == 0


def test_a_gap_answer_resends_from_where_the_server_is(terminal):
    server = FakeServer()
    service = SyncService(terminal.journal, server)
    _sell(terminal, 5)
    terminal.journal.set_sync_state(**{"acked_seq:1": 3, "acked_hash:1": "x"})  # the server lost nothing: it has 0
    assert service.sync_once(datetime.now()).pending == 0
    assert len(server.stored[1]) == terminal.journal.head[0]


def test_hq_changes_are_pulled_into_the_journal(terminal):
    server = FakeServer()
    server.changes = [{"id": 1, "kind": "product", "key": "LEC-1", "data": {
        "sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": 1290, "category": "Lácteos", "sold_by": "unit",
        "barcodes": ["7801234567894"], "plu": None, "brand": "Colun", "iva_exempt": False, "favourite": True,
        "active": True}}]
    service = SyncService(terminal.journal, server)
    assert service.sync_once(datetime.now()).pulled == 1
    assert read_models.by_barcode(terminal.journal.conn, "7801234567894").price == 1290
    last = list(terminal.journal.read())[-1]
    assert last.type == "catalog.product_upserted" and last.payload["source"] == "hq"
    assert service.sync_once(datetime.now()).pulled == 0


def test_a_restored_master_asking_for_the_leases_gets_every_hq_lease_the_till_holds(terminal):
    from shared.events import folios as folio_events

    with terminal.journal.unit_of_work() as uow:  # one from HQ, one loaded by hand (not HQ's to know)
        uow.append(folio_events.FolioLeaseReceived(tipo=39, desde=11, hasta=20, caf_xml="<AUTORIZACION/>", epoch=1))
        uow.append(folio_events.FolioLeaseReceived(tipo=33, desde=1, hasta=5, caf_xml="<AUTORIZACION/>",
                                                   source="caf-file"))
        uow.append(folio_events.FolioLeaseReceived(tipo=39, desde=1, hasta=10, caf_xml="<AUTORIZACION/>", epoch=1))
    server = FakeServer()
    service = SyncService(terminal.journal, server)
    assert service.sync_once(datetime.now()).online and server.reports == []  # not asked: nothing sent
    head = terminal.journal.head[0]
    server.changes = [{"id": 1, "kind": "folio_report", "key": "t", "data": {}}]
    status = service.sync_once(datetime.now())
    assert status.online and status.pulled == 0 and terminal.journal.head[0] == head  # a request, not journaled
    assert server.reports == [[(39, 1, 10, 1), (39, 11, 20, 1)]]


def test_backoff_grows_with_jitter_and_is_capped(terminal):
    worker = SyncWorker(SyncService(terminal.journal, FakeServer()), datetime.now, interval=5, max_backoff=60,
                        rng=random.Random(1))
    assert worker.next_delay() == 5
    worker.failures = 3
    assert 20 <= worker.next_delay() <= 60
    worker.failures = 20
    assert 30 <= worker.next_delay() <= 90


class CutServer(FakeServer):
    """Accepts ``batches`` pushes, then the connection drops for the rest of the round."""

    def __init__(self, batches: int, code: str = "offline") -> None:
        super().__init__()
        self.left, self.code = batches, code

    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack:
        if self.left == 0:
            raise sync.SyncError(self.code, "sin conexión" if self.code == "offline" else "el servidor se negó")
        self.left -= 1
        return super().push(batch, pending)


def test_a_round_cut_midway_reports_what_the_server_acknowledged(terminal):
    server = CutServer(batches=3)
    service = SyncService(terminal.journal, server, target_seconds=1e9)  # batches never grow: 3 × 40 accepted
    service.batch_size = service.size_cap = 40
    _sell(terminal, 150)
    total = terminal.journal.head[0]
    status = service.sync_once(datetime.now())
    assert total > 160 and not status.online and status.pushed == 120 == len(server.stored[1])
    assert status.pending == total - 120 and status.failure == "sin conexión"
    server.left, server.code = 1, "tenant"  # a refusal after one more batch: counted too, and said
    status = service.sync_once(datetime.now())
    assert status.pushed == 40 and status.failure == "el servidor se negó" and status.pending == total - 160


def test_almacen_pos_sync_prints_what_a_cut_round_got_acknowledged(terminal, monkeypatch, capsys):
    from desktop import cli
    from desktop import terminal as terminal_mod

    class Open:  # the command closes the terminal it built: the fixture closes the real one
        def __init__(self) -> None:
            self.journal, self.sync = terminal.journal, SyncService(terminal.journal, server, target_seconds=1e9)
            self.sync.batch_size = self.sync.size_cap = 40

        def close(self) -> None:
            pass

    server = CutServer(batches=2)
    _sell(terminal, 90)
    monkeypatch.setattr(cli, "_settings", lambda args: None)
    monkeypatch.setattr(terminal_mod, "build", lambda settings: Open())
    assert cli.cmd_sync(None) == 5
    report = json.loads(capsys.readouterr().out)
    assert report == {"online": False, "pending": terminal.journal.head[0] - 80, "pushed": 80, "pulled": 0,
                      "status": report["status"], "error": "sin conexión"}
    assert report["status"].startswith("Sin conexión desde las")


class ComparingServer(FakeServer):
    """Compares a re-sent range with what it holds, as the real server does: another history is ``epoch``."""

    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack:
        held = self.stored.setdefault(batch.epoch, [])
        if batch.epoch != self.epoch:
            raise sync.SyncError("epoch", "época", current_epoch=self.epoch)
        for e in batch.events:
            if e.seq <= len(held) and held[e.seq - 1].hash != e.hash:
                raise sync.SyncError("epoch", "otra historia", conflict_seq=e.seq)
        return super().push(batch, pending)


def test_a_restored_copy_that_sold_again_carries_its_new_sales_in_small_batches(make_terminal, tmp_path):
    import shutil
    import sqlite3
    terminal = make_terminal()
    server = ComparingServer()
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(copy) as dst:
        terminal.journal.conn.backup(dst)
    copied_head = terminal.journal.head[0]
    _sell(terminal, 6)
    service = SyncService(terminal.journal, server)
    assert service.sync_once(datetime.now()).pending == 0
    server_head = len(server.stored[1])
    path = terminal.journal.path
    terminal.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(copy, path)  # the disk died; last week's copy is put back: it knows of none of the 6 sales
    restored = make_terminal(fresh=False)
    _sell(restored, 2)  # sold again at seqs the server holds other sales at
    service = SyncService(restored.journal, server)
    service.MIN_BATCH = service.MAX_BATCH = service.batch_size = service.size_cap = 4  # the copy's seqs span batches
    status = service.sync_once(datetime.now())
    assert status.online and status.pending == 0
    assert restored.journal.identity.epoch == 2 and len(server.stored[1]) == server_head
    new_sales = [e for e in restored.journal.read(1, 1) if e.seq > copied_head]
    assert new_sales and [(e.type, e.payload) for e in server.stored[2]] == [(e.type, e.payload) for e in new_sales]


def test_a_lost_answer_to_the_new_epoch_does_not_replay_what_the_server_holds(make_terminal, tmp_path):
    import shutil
    import sqlite3

    class LosesFirstEpochAnswer(ComparingServer):
        lost = False

        def new_epoch(self) -> int:
            epoch = super().new_epoch()
            if not self.lost:  # the server moved on; the till never hears it
                self.lost = True
                raise sync.SyncError("offline", "sin conexión")
            return epoch

    terminal = make_terminal()
    server = LosesFirstEpochAnswer()
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(copy) as dst:
        terminal.journal.conn.backup(dst)
    _sell(terminal, 6)
    assert SyncService(terminal.journal, server).sync_once(datetime.now()).pending == 0
    path = terminal.journal.path
    terminal.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(copy, path)
    restored = make_terminal(fresh=False)
    _sell(restored, 2)
    service = SyncService(restored.journal, server)
    service.MIN_BATCH = service.MAX_BATCH = service.batch_size = service.size_cap = 4
    assert not service.sync_once(datetime.now()).online  # the answer to the new epoch was lost
    status = service.sync_once(datetime.now())
    assert status.online and status.pending == 0 and restored.journal.identity.epoch == 3
    facts = [(e.type, json.dumps(e.payload, sort_keys=True)) for held in server.stored.values() for e in held
             if not e.type.startswith("auth.")]  # (a sign-in may repeat; nothing else these tills journal does)
    assert len(facts) == len(set(facts)), "a fact the server held was sent again"


def test_a_copy_behind_the_server_whose_epoch_request_is_lost_still_sends_what_it_sells_next(make_terminal, tmp_path):
    import shutil
    import sqlite3

    class DropsFirstEpochRequest(ComparingServer):
        dropped = False

        def new_epoch(self) -> int:
            if not self.dropped:  # the request never reached the server
                self.dropped = True
                raise sync.SyncError("offline", "sin conexión")
            return super().new_epoch()

    terminal = make_terminal()
    server = DropsFirstEpochRequest()
    _sell(terminal, 2)
    assert SyncService(terminal.journal, server).sync_once(datetime.now()).pending == 0
    _sell(terminal, 2)  # in the copy, not yet sent
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(copy) as dst:
        terminal.journal.conn.backup(dst)
    _sell(terminal, 3)
    assert SyncService(terminal.journal, server).sync_once(datetime.now()).pending == 0
    path = terminal.journal.path
    terminal.close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(copy, path)
    restored = make_terminal(fresh=False)
    service = SyncService(restored.journal, server)
    assert not service.sync_once(datetime.now()).online  # the copy is behind the server; asking for an epoch failed
    _sell(restored, 3)  # these fill seqs the server holds other sales at
    status = service.sync_once(datetime.now())
    assert status.online and status.pending == 0 and restored.journal.identity.epoch == 2
    sold = {e.payload["sale_id"] for e in restored.journal.read(1, 2) if e.type == "sale.completed"}
    assert len(sold) == 3 and sold <= {e.payload["sale_id"] for e in server.stored[2] if e.type == "sale.completed"}


class OldEpochServer(ComparingServer):
    """Answers a batch of an old epoch as ``syncserver.ingest.epoch.old_epoch``: where it differs from what is held
    of that epoch (``conflict_seq``), or the last seq of the batch held the same (``common_seq``)."""

    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack:
        if batch.epoch < self.epoch:
            held = self.stored.get(batch.epoch, [])
            for e in batch.events:
                if e.seq > len(held):
                    raise sync.SyncError("epoch", "época", current_epoch=self.epoch, common_seq=e.seq - 1)
                if held[e.seq - 1].hash != e.hash:
                    raise sync.SyncError("epoch", "época", current_epoch=self.epoch, conflict_seq=e.seq)
            raise sync.SyncError("epoch", "época", current_epoch=self.epoch, common_seq=batch.to_seq)
        return super().push(batch, pending)


def test_the_same_copy_restored_twice_sends_nothing_the_server_holds(make_terminal, tmp_path):
    import shutil
    import sqlite3
    terminal = make_terminal()
    server = OldEpochServer()
    _sell(terminal, 2)
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(copy) as dst:  # nothing of it acknowledged yet
        terminal.journal.conn.backup(dst)
    _sell(terminal, 3)
    assert SyncService(terminal.journal, server).sync_once(datetime.now()).pending == 0

    def restore():
        path = terminal.journal.path
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(copy, path)
        restored = make_terminal(fresh=False)
        service = SyncService(restored.journal, server)
        service.MIN_BATCH = service.MAX_BATCH = service.batch_size = service.size_cap = 4  # the copy spans batches
        return restored, service

    terminal.close()
    restored, service = restore()
    assert service.sync_once(datetime.now()).pending == 0 and restored.journal.identity.epoch == 2
    restored.close()
    restored, service = restore()  # the same copy again: its epoch is now an old one
    _sell(restored, 2)
    status = service.sync_once(datetime.now())
    assert status.online and status.pending == 0 and restored.journal.identity.epoch == 3
    facts = [(e.type, json.dumps(e.payload, sort_keys=True)) for held in server.stored.values() for e in held
             if not e.type.startswith("auth.")]  # (a sign-in may repeat; nothing else these tills journal does)
    assert len(facts) == len(set(facts)), "a fact the server held was sent again"
    sold = {e.payload["sale_id"] for e in restored.journal.read(1, 3) if e.type == "sale.completed"}
    assert len(sold) == 2 and sold == {e.payload["sale_id"] for e in server.stored[3] if e.type == "sale.completed"}


def test_a_transfer_to_this_store_and_the_inventory_settings_are_pulled_into_the_journal(terminal):
    from desktop.journal import inventory_queries

    server = FakeServer()
    sent = {"transfer_id": "t-9", "from_store": "norte", "from_warehouse": "norte-bodega", "to_warehouse": "demo-store",
            "lines": [{"sku": "LEC-1", "name": "Leche", "quantity": "12", "unit_cost": 650}], "sent_by": "pedro",
            "sent_at": "2026-11-20T08:00:00.000-03:00", "note": ""}
    server.changes = [
        {"id": 1, "kind": "transfer", "key": "t-9", "data": {**sent, "to_store": "demo-store"}},
        {"id": 2, "kind": "transfer", "key": "t-8", "data": {**sent, "transfer_id": "t-8", "to_store": "sur"}},
        {"id": 3, "kind": "inventory_settings", "key": "1", "data": {"costing": "fifo", "store_prices": True,
                                                                     "merma_pin_above": 15000}}]
    service = SyncService(terminal.journal, server)
    assert service.sync_once(datetime.now()).pulled == 2  # the transfer to another store is not this till's
    conn = terminal.journal.conn
    [incoming] = inventory_queries.transfers(conn, "in_transit", "incoming")
    assert (incoming.transfer_id, incoming.from_store, incoming.sent_by) == ("t-9", "norte", "pedro")
    assert [(x.sku, x.sent, x.unit_cost) for x in incoming.lines] == [("LEC-1", 12, 650)]
    settings = inventory_queries.inventory_settings(conn)
    assert (settings.costing, settings.store_prices, settings.merma_pin_above) == ("fifo", True, 15000)
    assert [e.type for e in terminal.journal.read()][-2:] == ["inventory.transfer_incoming",
                                                              "inventory.settings_received"]


def test_customers_and_fiado_entries_are_pulled_and_the_tills_own_entries_are_not_journaled_again(terminal):
    from desktop.journal import fiado_queries
    from shared.events import fiado

    rosa, juan = "0190a000-0000-7000-8000-00000000a001", "0190a000-0000-7000-8000-00000000a002"
    ana = terminal.auth.sign_in("ana", "1234")
    shift = terminal.shifts.open(ana, 0)
    terminal.journal.append(fiado.CustomerProfileSaved(juan, "Juan", "", "", "", "", "ana"),
                            fiado.FiadoPaid("0190a000-0000-7000-8000-0000000000p1", juan, shift.shift_id, "ana",
                                            "cash", 1000, 1000, 0))
    own = terminal.journal.read(terminal.journal.head[0]).__next__().event_id
    entry = {"customer_id": rosa, "kind": "cargo", "amount": 4500, "store_id": "norte", "terminal_id": "caja-2",
             "document": "Boleta N° 88 · Norte", "reference": "s-88", "at": "2026-11-19T21:00:00.000Z",
             "reverses": ""}
    server = FakeServer()
    server.changes = [
        {"id": 1, "kind": "customer", "key": rosa, "data": {
            "customer_id": rosa, "name": "Rosa Muñoz", "rut": "12345678-5", "phone": "+56 9 8765 4321",
            "address": "", "notes": "", "fiado_enabled": True, "credit_limit": 30000, "aliases": [juan],
            "active": True}},
        {"id": 2, "kind": "fiado_entry", "key": "e-1", "data": {**entry, "entry_id": "0190a000-0000-7000-8000-0e1"}},
        {"id": 3, "kind": "fiado_entry", "key": own, "data": {
            **entry, "entry_id": own, "customer_id": juan, "kind": "abono", "amount": 1000, "store_id": "demo-store",
            "terminal_id": terminal.journal.identity.terminal_id, "document": "Abono en efectivo"}}]
    service = SyncService(terminal.journal, server)
    status = service.sync_once(datetime.now())
    assert status.online and status.pulled == 2  # the till's own payment came back and was left out
    conn = terminal.journal.conn
    account = fiado_queries.account(conn, juan)
    assert (account.customer_id, account.enabled, account.limit, account.balance) == (rosa, True, 30000, 3500)
    assert [c.name for c in fiado_queries.find_customers(conn, "8765")] == ["Rosa Muñoz"]
    assert [e.type for e in terminal.journal.read()][-2:] == ["customer.received", "fiado.entry_received"]


def test_what_a_till_charged_offline_counts_until_a_round_gets_through(terminal):
    import dataclasses

    from desktop.journal import fiado_queries
    from shared.events import fiado, sales

    rosa = "0190a000-0000-7000-8000-00000000a001"
    terminal.journal.append(fiado.CustomerProfileSaved(rosa, "Rosa", "", "", "", "", "ana"),
                            fiado.FiadoAccountSet(rosa, True, 20_000, "admin"))
    _sell(terminal, 1)
    template = next(e for e in reversed(list(terminal.journal.read())) if e.type == "sale.completed")
    sold = terminal.journal.codec.decode(template.type, template.version, template.payload)

    def on_credit(amount: int) -> None:
        line = dataclasses.replace(sold.lines[0], unit_price=amount, amount=amount)
        neto = round(amount / 1.19)
        terminal.journal.append(dataclasses.replace(
            sold, sale_id=terminal.journal.new_id(), number=sold.number + amount, lines=(line,), total=amount,
            affected=amount, neto=neto, iva=amount - neto, document=None,
            tenders=(sales.TenderTaken("fiado", amount, amount),), customer_id=rosa,
            fiado=fiado.FiadoCharge(amount, 0, 20_000)))

    server = FakeServer()
    server.up = False
    service = SyncService(terminal.journal, server)
    on_credit(3000)
    assert not service.sync_once(datetime.now()).online
    assert fiado_queries.account(terminal.journal.conn, rosa).charged_offline == 3000
    assert fiado_queries.last_pull(terminal.journal.conn) == ""
    server.up = True
    assert service.sync_once(datetime(2026, 11, 20, 10, 0)).online
    assert fiado_queries.account(terminal.journal.conn, rosa).charged_offline == 0
    assert fiado_queries.last_pull(terminal.journal.conn) == "2026-11-20T10:00:00"
    on_credit(1000)
    assert fiado_queries.account(terminal.journal.conn, rosa).charged_offline == 1000


def test_the_masters_customer_and_fiado_entry_changes_read_back_as_the_events_it_forwarded():
    """The master publishes ``codec.to_payload`` of the events (``syncserver.store.fiado``); the till reads them
    back field for field."""
    import dataclasses

    from desktop.services.sync import _event
    from shared import fiado as ledger
    from shared.events import codec, fiado

    customer = fiado.CustomerReceived("0190a000-0000-7000-8000-00000000a001", "Rosa Muñoz", "12345678-5",
                                      "+56 9 8765 4321", "Los Aromos 12", "paga los viernes", True, 30_000,
                                      ("0190a000-0000-7000-8000-00000000a002",), True)
    entry = ledger.Entry("0190a000-0000-7000-8000-0000000000e1", customer.customer_id, "reverso", 2500, "norte",
                         "caja-2", "Reversa de abono: rechazado", "rev-1", "2026-11-19T21:00:00.000000+00:00",
                         "pay-1", "caja:debit")
    forwarded = ledger.received(entry)
    assert _event({"id": 1, "kind": "customer", "key": customer.customer_id,
                   "data": codec.to_payload(customer)}) == customer
    assert _event({"id": 2, "kind": "fiado_entry", "key": entry.entry_id, "data": codec.to_payload(forwarded)}
                  ) == forwarded
    flagged = dataclasses.replace(customer, flags=("Saldo de $31.000 sobre el límite de $30.000: 2 cajas.",))
    assert _event({"id": 3, "kind": "customer", "key": customer.customer_id,
                   "data": codec.to_payload(flagged)}) == flagged


def test_the_stores_fiado_settings_are_pulled_and_another_stores_are_not(terminal):
    from desktop.journal import fiado_queries
    from shared.events import codec, fiado

    server = FakeServer()
    mine = fiado.FiadoSettingsReceived(15_000, "credit", "marta", "2026-11-20T13:00:00.000Z")
    server.changes = [
        {"id": 1, "kind": "fiado_settings", "key": "sur", "data": codec.to_payload(
            fiado.FiadoSettingsReceived(0, "refuse", "nico"))},
        {"id": 2, "kind": "fiado_settings", "key": terminal.journal.identity.store_id,
         "data": codec.to_payload(mine)}]
    service = SyncService(terminal.journal, server)
    assert service.sync_once(datetime.now()).pulled == 1
    settings = fiado_queries.settings(terminal.journal.conn)
    assert (settings.offline_allowance, settings.overpayment, settings.set_by) == (15_000, "credit", "marta")
    assert [e.type for e in terminal.journal.read()][-1] == "fiado.settings_received"
