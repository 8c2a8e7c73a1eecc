"""A journal that continued as a new epoch (restored or copied file) rebuilds its read models exactly as they were
kept live: the unsent entries carried over into the new epoch are the same facts as the old epoch's, folded once."""

from __future__ import annotations

import json

from desktop import cli
from desktop.journal import read_models
from desktop.services.purchases import PurchaseService
from desktop.services.sync import SyncService
from shared import sync
from shared.events import envelope
from shared.sale import Tender, TenderKind
from tests import supplier_dte as sd

STORE_RUT = "77447842-6"


class RestoredServer:
    """Acknowledges ``keep`` entries of epoch 1, then says the file is a restored copy (its next entry differs
    from what the server holds), hands out epoch 2 and takes everything from then on."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.epoch = 1
        self.held: dict[int, int] = {}

    def close(self) -> None:
        pass

    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack:
        if batch.epoch == 1 and batch.from_seq > self.keep:
            raise sync.SyncError("epoch", "diario restaurado o copiado", conflict_seq=self.keep + 1)
        events = batch.events if batch.epoch > 1 else batch.events[:self.keep - batch.from_seq + 1]
        envelope.verify_chain(events, prev_hash=batch.prev_hash, first_seq=batch.from_seq)
        self.held[batch.epoch] = events[-1].seq
        return sync.Ack(batch.epoch, events[-1].seq, events[-1].hash)

    def pull(self, cursor: int, limit: int = 500):
        return [], cursor, False

    def new_epoch(self) -> int:
        self.epoch += 1
        return self.epoch


def _sell(term, n: int, code: str = "7801234567894") -> None:
    for _ in range(n):
        term.checkout.scan(code)
        term.checkout.complete((Tender(TenderKind.DEBIT, term.checkout.sale.totals().total),))


def _purchase(term, folio: int) -> None:
    factura = sd.dte(33, folio, [("Leche", "12", "700", "LEC-1", False)], STORE_RUT)
    PurchaseService(term.journal, STORE_RUT, term.journal.new_id).import_file(sd.envio([factura], STORE_RUT))


def _new_epoch_with_carried_entries(term) -> tuple[int, int]:
    """Sell, sync part of it, buy and sell more, then sync into a server that sees a restored copy: returns
    ``(entries carried into epoch 2, entries of epoch 1)``."""
    server = RestoredServer(keep=0)
    service = SyncService(term.journal, server)
    _sell(term, 3)
    server.keep = term.journal.head[0]
    assert service.sync_once(term.journal.clock()).online
    _sell(term, 2, "7801610001196")
    _purchase(term, 11)
    _sell(term, 1)
    old_head = term.journal.head[0]
    status = service.sync_once(term.journal.clock())
    assert status.online and status.pending == 0, status
    assert term.journal.identity.epoch == 2
    carried = old_head - server.keep
    assert term.journal.head[0] == carried
    return carried, old_head


def test_rebuild_after_a_new_epoch_folds_carried_entries_once(selling):
    carried, old_head = _new_epoch_with_carried_entries(selling)
    assert carried >= 4  # two sales, the purchase (UNIQUE supplier document) and one more sale
    _sell(selling, 2, "7801610001196")  # sold in the new epoch
    _purchase(selling, 12)
    conn = selling.journal.conn
    live = cli.projection_digest(conn)
    live_stock = {sku: read_models.stock_on_hand(conn, sku) for sku in ("LEC-1", "COC-15")}
    live_sales = conn.execute("SELECT count(*), sum(total) FROM sales").fetchone()

    replayed = selling.journal.rebuild_projections()

    assert replayed == old_head + selling.journal.head[0] - carried
    assert conn.execute("SELECT count(*), sum(total) FROM sales").fetchone() == live_sales
    assert {sku: read_models.stock_on_hand(conn, sku) for sku in ("LEC-1", "COC-15")} == live_stock
    assert cli.projection_digest(conn) == live
    assert selling.journal.verify() == old_head + selling.journal.head[0]  # every entry of both chains


def test_rebuild_and_verify_commands_after_a_new_epoch(selling, capsys):
    _new_epoch_with_carried_entries(selling)
    _sell(selling, 1)
    data = selling.settings.data_dir
    selling.close()
    assert cli.main(["pos", "rebuild-projections", "--data", str(data)]) == 0
    assert json.loads(capsys.readouterr().out)["identical"] is True
    assert cli.main(["pos", "verify", "--data", str(data)]) == 0
    verified = json.loads(capsys.readouterr().out)
    assert verified["verified"] is True and verified["epoch"] == 2


def test_a_journal_from_before_the_mark_rebuilds_the_same(selling):
    """A file that began its new epoch before the carried-over count was recorded: the copies are recognised by
    their content (same type, time and payload, in order, at the head of the new epoch)."""
    _new_epoch_with_carried_entries(selling)
    _sell(selling, 1)
    conn = selling.journal.conn
    live = cli.projection_digest(conn)
    marks = conn.execute("SELECT key FROM meta WHERE key LIKE 'carried:%'").fetchall()
    assert marks == [("carried:2",)]
    conn.execute("DELETE FROM meta WHERE key LIKE 'carried:%'")
    selling.journal.rebuild_projections()
    assert cli.projection_digest(conn) == live
