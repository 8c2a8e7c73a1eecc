"""Products stores created themselves, over real PostgreSQL: a till's store-created ``ProductUpserted`` is kept as
that store's proposal (the latest data while pending, the first creation's who and when), never HQ's catalog nor
another store's feed, and a rebuild keeps HQ's decision; HQ adopts it (catalog version 1, published to every
store, audited) or sets it aside (nothing deleted), each once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.events import catalog as catalog_events
from syncserver import catalog
from syncserver.ingest import rebuild
from syncserver.store import change_feed, local_products
from tests.syncserver.dte.folio_kit import CODEC
from tests.syncserver.ingest import back_office_kit as kit

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def own(sku: str, name: str, price: int = 2500, barcodes: tuple[str, ...] = ("7800000000023",),
        **changes: object) -> catalog_events.ProductUpserted:
    fields: dict[str, object] = dict(sku=sku, name=name, price=price, category="Panadería", sold_by="unit",
                                     barcodes=barcodes, plu=None, brand="", iva_exempt=False, favourite=False,
                                     source="store", created_by="rosa")
    fields.update(changes)
    return catalog_events.ProductUpserted(**fields)  # type: ignore[arg-type]


def feed(data, store: str) -> list[dict]:
    return data.run(lambda pool: change_feed.pull(pool, 1, store, 0, 10_000))[0]


def test_a_store_s_own_product_is_its_proposal_not_hq_s(pg_database: str) -> None:
    data = kit.world(pg_database)
    centro, norte = kit.enroll(data, "centro"), kit.enroll(data, "norte")
    centro.record(own("centro-L1-AB12", "Empanada de Pino"))
    centro.record(kit.sale("centro-L1-AB12", "2", 2500))
    centro.record(catalog_events.ProductUpserted("SEED-1", "Sembrado", 990, "Varios", "unit", (), None, "", False,
                                                 False))  # a seeded catalog's product: as before, HQ's table
    assert kit.push(data, centro).quarantined == 0
    centro.record(own("centro-L1-AB12", "Empanada de Pino Horno", 2600))  # edited while pending: latest data
    kit.push(data, centro)
    norte.record(own("norte-L1-CD34", "Sopaipilla", 300, ()))
    kit.push(data, norte)
    rows = data.rows("SELECT store_id, sku, data->>'name', (data->>'price')::int, created_by, terminal_id,"
                     " adopted_at FROM store_created_products ORDER BY 1")
    assert rows == [("centro", "centro-L1-AB12", "Empanada de Pino Horno", 2600, "rosa", centro.terminal_id, None),
                    ("norte", "norte-L1-CD34", "Sopaipilla", 300, "rosa", norte.terminal_id, None)]
    assert data.rows("SELECT sku FROM products ORDER BY 1") == [("SEED-1",)]
    assert data.rows("SELECT sku FROM product_barcodes") == []
    assert [c for c in feed(data, "norte") + feed(data, "sur") if c["kind"] == "product"] == []
    assert data.rows("SELECT count(*) FROM sales WHERE store_id = 'centro'") == [(1,)]
    pending = data.run(lambda pool: _pending(pool, ["centro"]))
    assert [(p.store_id, p.sku, p.data["name"]) for p in pending] == [("centro", "centro-L1-AB12",
                                                                      "Empanada de Pino Horno")]


async def _pending(pool, stores=None):
    from syncserver.store import db

    async with db.tenant_tx(pool, 1) as conn:
        return await local_products.pending(conn, 1, stores)


def test_hq_adopts_once_publishes_to_every_store_and_a_rebuild_keeps_it(pg_database: str) -> None:
    data = kit.world(pg_database)
    centro = kit.enroll(data, "centro")
    centro.record(own("centro-L1-AB12", "Empanada de Pino", barcodes=("7800000000023", "7800000000030")))
    centro.record(own("centro-L2-AB12", "Sopaipilla", 300, ()))
    centro.record(kit.sale("centro-L1-AB12", "3", 2500))
    kit.push(data, centro)
    product = data.run(lambda pool: catalog.adopt_store_product(pool, 1, "centro", "centro-L1-AB12", by="Pepe",
                                                                address="10.0.0.1", now=NOW))
    assert (product["name"], product["price"], product["barcodes"]) == ("Empanada de Pino", 2500,
                                                                        ["7800000000023", "7800000000030"])
    assert data.rows("SELECT sku, name, price, version, active FROM products") == [
        ("centro-L1-AB12", "Empanada de Pino", 2500, 1, True)]
    assert data.rows("SELECT code FROM product_barcodes ORDER BY 1") == [("7800000000023",), ("7800000000030",)]
    for store in ("centro", "norte", "sur"):
        [change] = [c for c in feed(data, store) if c["kind"] == "product"]
        assert (change["key"], change["data"]["name"], change["data"]["version"]) == (
            "centro-L1-AB12", "Empanada de Pino", 1)
    assert data.rows("SELECT kind, actor, address FROM audit_log WHERE kind = 'product_adopted'") == [
        ("product_adopted", "Pepe", "10.0.0.1")]
    assert [p.sku for p in data.run(_pending)] == ["centro-L2-AB12"]
    with pytest.raises(catalog.CatalogError, match="ya fue adoptado") as caught:
        data.run(lambda pool: catalog.adopt_store_product(pool, 1, "centro", "centro-L1-AB12", by="Pepe",
                                                          address="", now=NOW))
    assert caught.value.code == "decided"
    data.run(lambda pool: catalog.set_aside_store_product(pool, 1, "centro", "centro-L2-AB12", by="Pepe",
                                                          address="", now=NOW))
    assert data.run(_pending) == []
    with pytest.raises(catalog.CatalogError, match="ya fue descartado"):
        data.run(lambda pool: catalog.adopt_store_product(pool, 1, "centro", "centro-L2-AB12", by="Pepe",
                                                          address="", now=NOW))
    with pytest.raises(catalog.CatalogError, match="no creó el producto") as missing:
        data.run(lambda pool: catalog.adopt_store_product(pool, 1, "norte", "centro-L1-AB12", by="Pepe",
                                                          address="", now=NOW))
    assert missing.value.code == "missing"
    centro.record(own("centro-L1-AB12", "Empanada editada tarde", 9990))  # after adoption: HQ's stays
    kit.push(data, centro)
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert data.rows("SELECT sku, data->>'name', adopted_by, discarded_by FROM store_created_products ORDER BY 2") == [
        ("centro-L1-AB12", "Empanada de Pino", "Pepe", None), ("centro-L2-AB12", "Sopaipilla", None, "Pepe")]
    assert data.rows("SELECT name, price FROM products") == [("Empanada de Pino", 2500)]
    assert data.rows("SELECT count(*) FROM sales WHERE store_id = 'centro'") == [(1,)]  # the sale is kept


def test_a_barcode_hq_gave_meanwhile_to_another_product_stops_the_adoption(pg_database: str) -> None:
    data = kit.world(pg_database)
    centro = kit.enroll(data, "centro")
    centro.record(own("centro-L1-AB12", "Empanada de Pino"))
    kit.push(data, centro)
    hq_product = {"sku": "EMP-1", "name": "Empanada HQ", "price": 2000, "category": "Panadería", "sold_by": "unit",
                  "plu": None, "brand": "", "barcodes": ["7800000000023"], "iva_exempt": False, "favourite": False,
                  "active": True}
    data.run(lambda pool: catalog.upsert_product(pool, 1, hq_product, create=True, now=NOW))
    with pytest.raises(catalog.CatalogError, match="7800000000023 ya es del producto EMP-1") as caught:
        data.run(lambda pool: catalog.adopt_store_product(pool, 1, "centro", "centro-L1-AB12", by="Pepe",
                                                          address="", now=NOW))
    assert caught.value.code == "barcode"
    assert [p.sku for p in data.run(_pending)] == ["centro-L1-AB12"]  # nothing changed: still pending
    assert data.rows("SELECT sku FROM products") == [("EMP-1",)]
