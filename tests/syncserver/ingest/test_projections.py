"""The ingest's fold of the back office against the throwaway PostgreSQL (``syncserver.ingest.projections``): a
transfer to another store reaches that store's feed only, as the TransferIncoming its tills journal; suppliers and
the store's product settings keep the latest saved, also through a rebuild."""

from __future__ import annotations

from decimal import Decimal

from shared.events import inventory as ev
from syncserver.ingest import rebuild
from syncserver.store import change_feed
from tests.syncserver.dte.folio_kit import CODEC
from tests.syncserver.ingest import back_office_kit as kit


def test_a_transfer_to_another_store_reaches_that_stores_feed_only(pg_database: str) -> None:
    data = kit.world(pg_database)
    centro = kit.enroll(data, "centro")
    centro.record(kit.purchase("ACE-1", "10", 10000, "centro"))
    centro.record(kit.sent("tr-1", "centro", "norte", "norte-bodega", "ACE-1", "3", 1000))
    centro.record(kit.sent("int-1", "centro", "centro", "centro-bodega", "ACE-1", "2", 1000))
    assert kit.push(data, centro).quarantined == 0
    feeds = {store: data.run(lambda pool, s=store: change_feed.pull(pool, 1, s, 0))[0]
             for store in ("centro", "norte", "sur")}
    transfers = {store: [c for c in changes if c["kind"] == "transfer"] for store, changes in feeds.items()}
    assert transfers["centro"] == [] and transfers["sur"] == []
    [change] = transfers["norte"]
    assert change["key"] == "tr-1"
    incoming = CODEC.decode(ev.TransferIncoming.TYPE, ev.TransferIncoming.VERSION, change["data"])
    assert incoming == ev.TransferIncoming(
        "tr-1", "centro", "centro", "norte-bodega", (ev.TransferLine("ACE-1", "ACE-1", Decimal(3), 1000),), "ana",
        centro.journal[1].occurred_at)
    assert data.rows("SELECT transfer_id, state, to_store, received_at IS NULL FROM transfers ORDER BY 1") == [
        ("int-1", "received", "centro", False), ("tr-1", "in_transit", "norte", True)]
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))  # forwarded once: a rebuild sends nothing again
    assert len([c for c in data.run(lambda pool: change_feed.pull(pool, 1, "norte", 0))[0]
                if c["kind"] == "transfer"]) == 1


def test_suppliers_and_product_settings_keep_the_latest_saved(pg_database: str) -> None:
    data = kit.world(pg_database)
    centro, norte = kit.enroll(data, "centro"), kit.enroll(data, "norte")
    centro.record(ev.SupplierSaved("96542180-7", "Líder", "Abarrotes", "Juan", "+56 9 1111 1111", saved_by="ana"))
    centro.record(ev.StoreProductSet("ACE-1", None, Decimal(5), "Pasillo 3", True, "ana", 2490, 7))
    kit.push(data, centro)
    centro.record(ev.SupplierSaved("96542180-7", "Líder SpA", "Abarrotes", "Pedro", active=False, saved_by="ana"))
    centro.record(ev.StoreProductSet("ACE-1", None, Decimal(8), "Pasillo 4", False, "ana", 2490, 9))
    norte.record(ev.SupplierSaved("96542180-7", "Líder Norte", "Abarrotes", saved_by="beto"))
    kit.push(data, centro)
    kit.push(data, norte)
    live = kit.dump(data)
    assert data.rows("SELECT store_id, razon_social, contact, active FROM suppliers ORDER BY 1") == [
        ("centro", "Líder SpA", "Pedro", False), ("norte", "Líder Norte", "", True)]
    assert data.rows("SELECT store_id, sku, min_stock, location, active, seen_change FROM store_product_settings") == [
        ("centro", "ACE-1", Decimal(8), "Pasillo 4", False, 9)]
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert kit.dump(data) == live


def test_each_sold_line_keeps_the_cost_the_till_recorded(pg_database: str) -> None:
    import dataclasses

    data = kit.world(pg_database)
    centro = kit.enroll(data, "centro")
    costed = kit.sale("ACE-1", "2")
    centro.record(dataclasses.replace(costed, lines=(dataclasses.replace(costed.lines[0], cost=1300),)))
    centro.record(kit.sale("PAN-1", "1"))  # never costed: no cost recorded
    assert kit.push(data, centro).quarantined == 0
    assert data.rows("SELECT sku, cost FROM sale_lines ORDER BY sku") == [("ACE-1", 1300), ("PAN-1", None)]
