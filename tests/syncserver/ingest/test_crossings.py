"""The master folds a store's product settings against HQ's changes (real PostgreSQL): an edit saved at the till
against an older HQ change of the price or the active flag is recorded as crossed for HQ to see (both values, who
and when), HQ's product untouched, and a rebuild finds the same; an edit that saw HQ's latest is not crossed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shared.events import inventory as ev
from syncserver import catalog
from syncserver.ingest import crossings, rebuild
from syncserver.store import db, products
from syncserver.store import inventory as store_inventory
from tests.syncserver.dte.folio_kit import CODEC
from tests.syncserver.ingest import back_office_kit as kit

ACEITE = {"sku": "ACE-1", "name": "Aceite Belmont 1 L", "price": 2290, "category": "Abarrotes", "sold_by": "unit",
          "plu": None, "brand": "Belmont", "barcodes": [], "iva_exempt": False, "favourite": False, "active": True}


def _hq(data: Any, product: dict[str, Any], by: str, at: datetime, *, store_prices: bool | None = None) -> int:
    """HQ saves ``product`` (and the store-prices setting); returns the product's change id on the feed."""

    async def work(pool: Any) -> int:
        if store_prices is not None:
            async with db.tenant_tx(pool, 1) as conn:
                await store_inventory.save_settings(conn, 1, costing="ppp", store_prices=store_prices,
                                                    merma_pin_above=20000, by=by)
        await catalog.upsert_product(pool, 1, product, now=at, by=by)
        async with db.tenant_tx(pool, 1) as conn:
            row = await (await conn.execute("SELECT max(change_id) FROM changes WHERE tenant_id = 1 AND key = %s",
                                            (product["sku"],))).fetchone()
        assert row is not None
        return int(row[0])

    return int(data.run(work))


def test_an_edit_saved_against_an_older_hq_change_is_recorded_crossed_for_hq(pg_database: str) -> None:
    data = kit.world(pg_database)
    centro, norte = kit.enroll(data, "centro"), kit.enroll(data, "norte")
    seen = _hq(data, ACEITE, "ana@donpepe.cl", datetime(2026, 12, 7, 12, 0, tzinfo=UTC), store_prices=True)
    latest = _hq(data, {**ACEITE, "price": 2490}, "pepe@donpepe.cl", datetime(2026, 12, 7, 13, 31, tzinfo=UTC))
    # centro's manager, offline, saved their price against the $2.290 they saw; norte saw HQ's latest
    centro.record(ev.StoreProductSet("ACE-1", 2390, Decimal(5), "Pasillo 3", True, "rosa", 2290, seen))
    norte.record(ev.StoreProductSet("ACE-1", 2590, Decimal(4), "", True, "beto", 2490, latest))
    assert kit.push(data, centro).quarantined == 0 and kit.push(data, norte).quarantined == 0
    rows = data.rows("SELECT store_id, price, crossed_change, crossed FROM store_product_settings ORDER BY 1")
    assert rows == [
        ("centro", 2390, latest, "HQ cambió el precio a $2.490 el 07-12-2026 10:31 (pepe@donpepe.cl); la tienda lo"
                                 " vio en $2.290 y guardó $2.390"),
        ("norte", 2590, None, "")]
    assert data.rows("SELECT price, version FROM products WHERE tenant_id = 1 AND sku = 'ACE-1'") == [(2490, 2)]

    async def hq_sees(pool: Any) -> list[tuple[str, str]]:
        async with db.tenant_tx(pool, 1) as conn:
            return [(s["store_id"], s["crossed"]) for s in await products.store_settings(conn, 1, "ACE-1")]

    assert data.run(hq_sees) == [("centro", rows[0][3]), ("norte", ""), ("sur", "")]  # HQ's product page lists it
    live = kit.dump(data)
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert kit.dump(data) == live


def test_hq_deactivating_crosses_a_rename_does_not_nor_a_price_hq_fixes(pg_database: str) -> None:
    data = kit.world(pg_database)
    centro = kit.enroll(data, "centro")
    seen = _hq(data, ACEITE, "ana@donpepe.cl", datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    _hq(data, {**ACEITE, "name": "Aceite Belmont 1 Litro", "price": 2490}, "ana@donpepe.cl",
        datetime(2026, 12, 7, 12, 5, tzinfo=UTC))  # stores do not set prices: HQ's price is not the store's edit
    centro.record(ev.StoreProductSet("ACE-1", None, Decimal(5), "", True, "rosa", 2290, seen))
    kit.push(data, centro)
    assert data.rows("SELECT crossed_change, crossed FROM store_product_settings") == [(None, "")]
    off = _hq(data, {**ACEITE, "price": 2490, "active": False}, "luis@donpepe.cl",
              datetime(2026, 12, 7, 14, 10, tzinfo=UTC))
    centro.record(ev.StoreProductSet("ACE-1", None, Decimal(6), "", True, "rosa", 2290, seen))
    kit.push(data, centro)
    assert data.rows("SELECT crossed_change, crossed FROM store_product_settings") == [
        (off, "HQ desactivó el producto el 07-12-2026 11:10 (luis@donpepe.cl); la tienda lo vio activo")]


def test_the_crossing_names_who_last_moved_the_field() -> None:
    saved = crossings.Saved("t", 1, 1, 1000, 5, None)
    later = [(6, {"price": 1100, "active": True, "changed_by": "a", "changed_at": ""}),
             (7, {"price": 1200, "active": True, "changed_by": "b", "changed_at": "2026-12-07T15:00:00+00:00"}),
             (8, {"price": 1200, "active": True, "changed_by": "c", "changed_at": ""})]
    assert crossings.crossing({"price": 1000, "active": True}, later, saved, True) == (
        8, "HQ cambió el precio a $1.200 el 07-12-2026 12:00 (b); la tienda lo vio en $1.000 y guardó el precio de HQ")
    assert crossings.crossing({"price": 1000, "active": True}, later, saved, False) is None
    assert crossings.crossing(None, [], saved, True) is None
