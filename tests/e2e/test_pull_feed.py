"""HQ's change feed (``tenancy.append_change`` / ``tenancy.pull`` / ``GET /sync/pull``) under concurrent writers.

A reader that pulls with its cursor while many transactions append changes and commit after random delays must
see every change exactly once and in id order: a change id must never become visible after a reader already
moved its cursor past it. A store receives tenant-wide changes and its own store's only; another tenant's never.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

import psycopg_pool

from syncserver import catalog, tenancy
from syncserver.store import change_feed, db


def _setup_tenants(server) -> None:
    async def go(pool):
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
        await tenancy.create_store(pool, 1, "centro", "Centro")
        await tenancy.create_store(pool, 1, "norte", "Norte")
        await tenancy.create_tenant(pool, 2, "Minimarket La Esquina")
        await tenancy.create_store(pool, 2, "esquina", "La Esquina")
    server.run(go)


def _product(sku: str, price: int) -> dict[str, Any]:
    return {"sku": sku, "name": f"Producto {sku}", "price": price, "category": "Abarrotes", "sold_by": "unit",
            "plu": None, "brand": "", "barcodes": [], "iva_exempt": False, "favourite": False, "active": True}


async def _slow_append(pool: psycopg_pool.AsyncConnectionPool, rng: random.Random, tenant: int, key: str,
                       store: str | None) -> int:
    """One transaction that does some work, appends a change, and commits only after a random delay."""
    async with db.tenant_tx(pool, tenant) as conn:
        await asyncio.sleep(rng.uniform(0, 0.01))
        change_id = await change_feed.append_change(conn, tenant, "setting", key, {"key": key}, store_id=store)
        await asyncio.sleep(rng.uniform(0, 0.02))
    return change_id


def test_reader_never_skips_a_change_committed_out_of_order(server, make_till):
    _setup_tenants(server)
    till = make_till(1, "centro", [])
    writers, per_writer = 8, 20
    committed: dict[int, str] = {}  # change id -> key, of tenant 1 changes that "centro" must see
    other_store: set[str] = set()
    http_seen: list[dict[str, Any]] = []
    done = threading.Event()

    def http_reader() -> None:  # a real terminal pulling through the server while the writers run
        cursor = 0
        while True:
            finished = done.is_set()
            changes, cursor, more = till.client.pull(cursor, limit=7)
            http_seen.extend(changes)
            if finished and not more and not changes:
                return
            if not more:
                time.sleep(0.003)

    async def main() -> list[dict[str, Any]]:
        async with psycopg_pool.AsyncConnectionPool(server.app_url, min_size=writers + 2, max_size=writers + 4,
                                                    open=False) as pool:
            seen: list[dict[str, Any]] = []
            writing = asyncio.Event()

            async def writer(n: int) -> None:
                rng = random.Random(n)
                for i in range(per_writer):
                    key = f"w{n}-{i}"
                    roll = rng.random()
                    if roll < 0.25:
                        await catalog.upsert_product(pool, 1, _product(key, 100 + i))
                        continue  # its id is learnt from the feed itself below
                    if roll < 0.4:
                        await _slow_append(pool, rng, 1, key, "norte")
                        other_store.add(key)
                    elif roll < 0.5:
                        await _slow_append(pool, rng, 2, key, None)  # another tenant, interleaved
                        other_store.add(key)
                    else:
                        store = "centro" if roll < 0.75 else None
                        committed[await _slow_append(pool, rng, 1, key, store)] = key

            async def reader() -> None:
                cursor = 0
                while True:
                    finished = writing.is_set()
                    changes, cursor = await change_feed.pull(pool, 1, "centro", cursor, limit=5)
                    seen.extend(changes)
                    if finished and not changes:
                        return
                    await asyncio.sleep(0.001 if changes else 0.004)

            read_task = asyncio.create_task(reader())
            await asyncio.gather(*(writer(n) for n in range(writers)))
            writing.set()
            await read_task
            return seen

    thread = threading.Thread(target=http_reader)
    thread.start()
    try:
        seen = asyncio.run(main())
    finally:
        done.set()
        thread.join(30)
    assert not thread.is_alive()

    async def products(pool):
        async with db.tenant_tx(pool, 1) as conn:
            return await (await conn.execute("SELECT change_id, key FROM changes WHERE kind = 'product'")).fetchall()
    committed.update({int(cid): key for cid, key in server.run(products)})  # type: ignore[union-attr]
    expected = sorted(committed)
    assert len(expected) > writers * per_writer // 2
    for name, got in (("direct", seen), ("http", http_seen)):
        ids = [c["id"] for c in got]
        assert ids == sorted(ids), f"{name}: out of order"
        assert len(ids) == len(set(ids)), f"{name}: a change seen twice"
        assert ids == expected, f"{name}: skipped {sorted(set(expected) - set(ids))[:10]}"
        assert {c["key"] for c in got} == set(committed.values())
        assert not {c["key"] for c in got} & other_store, f"{name}: another store's or tenant's change"


def test_store_gets_tenant_wide_and_own_changes_only(server, make_till):
    _setup_tenants(server)
    centro = make_till(1, "centro", [])
    norte = make_till(1, "norte", [])
    esquina = make_till(2, "esquina", [])

    async def publish(pool):
        await catalog.upsert_product(pool, 1, _product("T1-ALL", 990))
        await catalog.upsert_product(pool, 2, _product("T2-ALL", 1990))
        async with db.tenant_tx(pool, 1) as conn:
            await change_feed.append_change(conn, 1, "setting", "t1-centro", {"v": 1}, store_id="centro")
            await change_feed.append_change(conn, 1, "setting", "t1-norte", {"v": 2}, store_id="norte")
            await change_feed.append_change(conn, 1, "setting", "t1-wide", {"v": 3})
        async with db.tenant_tx(pool, 2) as conn:
            await change_feed.append_change(conn, 2, "setting", "t2-esquina", {"v": 4}, store_id="esquina")
            await change_feed.append_change(conn, 2, "setting", "t2-centro", {"v": 5}, store_id="centro")  # same name
        await catalog.upsert_product(pool, 1, _product("T1-ALL", 1090))
    server.run(publish)

    def keys(till) -> list[str]:
        changes, cursor, more = till.client.pull(0, limit=2000)
        assert not more and cursor == (changes[-1]["id"] if changes else 0)
        assert till.client.pull(cursor) == ([], cursor, False)
        return [c["key"] for c in changes]

    assert keys(centro) == ["T1-ALL", "t1-centro", "t1-wide", "T1-ALL"]
    assert keys(norte) == ["T1-ALL", "t1-norte", "t1-wide", "T1-ALL"]
    assert keys(esquina) == ["T2-ALL", "t2-esquina"]
    # the terminal applies the products it pulled (the last version wins), and ignores kinds it does not know
    status = centro.sync.sync_once(centro.terminal.journal.clock())
    assert status.online and status.pulled == 2
    # a cursor in the middle resumes after it
    changes, _cursor, _more = centro.client.pull(0, limit=2)
    rest, _cursor, _more = centro.client.pull(changes[-1]["id"], limit=10)
    assert [c["key"] for c in changes + rest] == ["T1-ALL", "t1-centro", "t1-wide", "T1-ALL"]
