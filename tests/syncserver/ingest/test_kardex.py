"""The master's kardex and cost state against the throwaway PostgreSQL (``syncserver.ingest.kardex``): what two
stores' tills push is folded into the same stock, kardex rows and cost states as ``shared.inventory.fold`` gives
for their journals (the till's fold), under PPP and FIFO, batch after batch; a rebuild gives the same rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.events import inventory as ev
from syncserver.ingest import rebuild
from tests.syncserver.dte.folio_kit import CODEC
from tests.syncserver.ingest import back_office_kit as kit


@pytest.mark.parametrize("method", ["ppp", "fifo"])
def test_two_stores_fold_as_the_tills_and_a_rebuild_gives_the_same_rows(pg_database: str, method: str) -> None:
    data = kit.world(pg_database)
    centro, norte = kit.enroll(data, "centro"), kit.enroll(data, "norte")
    for till in (centro, norte):  # as the tills journal HQ's settings from the feed
        till.record(ev.InventorySettingsReceived(method))
    centro.record(kit.sale("ACE-1", "2"))  # sold before any cost: negative, never costed
    centro.record(kit.purchase("ACE-1", "10", 10000, "centro-bodega", expiry="2027-01-31"))
    centro.record(kit.purchase("ACE-1", "5", 6500, "centro"))
    centro.record(kit.sale("ACE-1", "3"))
    assert kit.push(data, centro).quarantined == 0, kit.quarantined(data)
    centro.record(kit.sent("int-1", "centro-bodega", "centro", "centro", "ACE-1", "4", 1100))
    centro.record(kit.sent("tr-1", "centro-bodega", "norte", "norte-bodega", "ACE-1", "3", 1100))
    centro.record(kit.counted("cnt-1", "centro", "ACE-1", "4", "3"))
    centro.record(kit.merma("m-1", "centro", "ACE-1", "1", 1100))
    centro.record(kit.returned("dev-1", "centro-bodega", "ACE-1", "1", 1000))
    centro.record(kit.purchase("FID-1", "20", 14000, "centro"))
    centro.record(kit.sale("FID-1", "1.5"))
    assert kit.push(data, centro).quarantined == 0, kit.quarantined(data)
    norte.record(kit.sale("ACE-1", "1"))
    norte.record(kit.received("tr-1", "centro", "norte-bodega", "ACE-1", "3", "2", 1100))
    norte.record(kit.purchase("ACE-1", "6", 9000, "norte"))
    norte.record(kit.sent("int-2", "norte-bodega", "norte", "norte", "ACE-1", "2", 1100))
    norte.record(kit.sale("ACE-1", "4"))
    assert kit.push(data, norte).quarantined == 0, kit.quarantined(data)

    for till, warehouses in ((centro, ("centro", "centro-bodega")), (norte, ("norte", "norte-bodega"))):
        book = kit.book(till, method, CODEC)
        assert kit.kardex_rows(data, till.store_id) == kit.book_kardex(book)
        assert kit.costs(data, till.store_id) == kit.book_costs(book)
        assert kit.stock(data, warehouses) == kit.book_stock(book)
    assert [r[2] for r in kit.kardex_rows(data, "centro")].count("traslado_entrada") == 1  # the internal one
    assert data.rows("SELECT method, first_seq, last_seq FROM inventory_folds ORDER BY store_id, batch") == [
        (method, 1, 5), (method, 6, 12), (method, 1, 6)]

    live = kit.dump(data)
    folded = data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert folded == len(centro.journal) + len(norte.journal)
    assert kit.dump(data) == live


def test_a_rebuild_follows_the_order_the_master_folded_two_tills_of_one_store(pg_database: str) -> None:
    """Two tills of one store: their batches interleave (a purchase at one between sales at the other), so the
    PPP cost depends on the order; the rebuild folds in the order the ingest logged, not till by till."""
    data = kit.world(pg_database)
    one, two = kit.enroll(data, "centro"), kit.enroll(data, "centro")
    first, second = sorted((one, two), key=lambda t: t.terminal_id)  # the rebuild's first pass goes by terminal
    second.record(kit.purchase("ACE-1", "10", 10000, "centro"))
    kit.push(data, second)
    first.record(kit.sale("ACE-1", "8"))
    kit.push(data, first)
    second.record(kit.purchase("ACE-1", "10", 20000, "centro"))
    kit.push(data, second)
    first.record(kit.sale("ACE-1", "4"))
    kit.push(data, first)
    live = kit.dump(data)
    assert kit.costs(data, "centro")["ACE-1"][0] == 8
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert kit.dump(data) == live


def test_each_tills_movements_are_costed_with_the_method_it_journaled(pg_database: str) -> None:
    """HQ switches to FIFO: a till that has not pulled the settings yet keeps costing with PPP (as it does), the
    other switches where it journaled them; a batch of only the settings switches the next batch; the rebuild
    repeats each switch."""
    data = kit.world(pg_database)
    centro, norte = kit.enroll(data, "centro"), kit.enroll(data, "norte")
    for till in (centro, norte):
        till.record(kit.purchase("ACE-1", "10", 10000, till.store_id))
        till.record(kit.purchase("ACE-1", "10", 20000, till.store_id))
        till.record(kit.sale("ACE-1", "3"))
    centro.record(ev.InventorySettingsReceived("fifo"))
    centro.record(kit.sale("ACE-1", "3"))
    kit.push(data, centro)
    kit.push(data, norte)
    norte.record(ev.InventorySettingsReceived("fifo"))
    kit.push(data, norte)
    norte.record(kit.sale("ACE-1", "9"))
    kit.push(data, norte)
    for till in (centro, norte):
        book = kit.book(till, "ppp", CODEC)
        assert kit.kardex_rows(data, till.store_id) == kit.book_kardex(book)
        assert kit.costs(data, till.store_id) == kit.book_costs(book)
    sold = [r[5:7] for r in kit.kardex_rows(data, "centro") if r[2] == "venta"]
    assert sold == [(Decimal(1500), Decimal(-4500))] * 2  # PPP's average, then FIFO's one layer at that average
    centro_state = kit.costs(data, "centro")["ACE-1"][1]
    assert centro_state.avg is None and [x.quantity for x in centro_state.layers] == [Decimal(14)]
    assert data.rows("SELECT store_id, method FROM inventory_folds ORDER BY store_id, batch") == [
        ("centro", "fifo"), ("norte", "ppp"), ("norte", "fifo"), ("norte", "fifo")]
    live = kit.dump(data)
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert kit.dump(data) == live
