"""Sync through a hostile network: dropped, delayed, duplicated and cut requests and responses (seeded faults).

Terminals of two tenants sell offline, then sync through ``proxy.FaultProxy`` until nothing is pending. Whatever
the network did, the master must equal the fold of the journals exactly, with no sale applied twice, and each
terminal's tracking row must stand at its journal head. A server that is down or answers 5xx leaves the terminal
offline (since the first failure) with its backlog intact, and a later round converges.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from desktop.journal import read_models
from desktop.net.sync_client import SyncClient
from desktop.services.sync import SyncService
from proofs.proxy import KINDS, FaultProxy
from syncserver import catalog
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(40)
NOW = datetime(2025, 3, 14, 10, 30).astimezone()


_setup_tenants = sync_kit.setup_tenants
_master = sync_kit.master


def _sell(till, sales: int, rng: random.Random, products: int = 40) -> None:
    sync_kit.sell(till.terminal, sales, rng, products)


def _journal_fold(tills) -> tuple[dict, dict, int]:
    """Sales (id -> total), stock ((warehouse, sku) -> quantity) and the number of sale lines of the journals."""
    sales: dict[str, int] = {}
    stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    lines = 0
    for till in tills:
        store = till.terminal.journal.identity.store_id
        for e in till.terminal.journal.read():
            if e.type == "sale.completed":
                sales[e.payload["sale_id"]] = e.payload["total"]
                lines += len(e.payload["lines"])
                for line in e.payload["lines"]:
                    stock[(store, line["sku"])] -= Decimal(line["quantity"])
            elif e.type == "stock.adjusted":
                stock[(store, e.payload["sku"])] += Decimal(e.payload["delta"])
    return sales, {k: v for k, v in stock.items() if v != 0}, lines


@contextlib.contextmanager
def _server_errors() -> Iterator[list[logging.LogRecord]]:
    """ERROR records of the in-process server (uvicorn's "Exception in ASGI application", database errors)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(logging.ERROR)
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "syncserver.app", "almacen.sync")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def _through(url: str, till, *, timeout: float = 5.0) -> tuple[SyncClient, SyncService]:
    """A second client and sync service of ``till`` that talk to ``url`` (the proxy) instead of the server."""
    client = SyncClient(url, till.client.terminal_id, till.client.private_key, timeout=timeout)
    return client, SyncService(till.terminal.journal, client)


def _assert_master_is_fold(server, tenant: int, group) -> None:
    sales, stock, lines = _journal_fold(group)
    master_sales = dict(_master(server, "SELECT sale_id, total FROM sales", tenant))
    assert master_sales == sales
    count, distinct = _master(server, "SELECT count(*), count(DISTINCT sale_id) FROM sales", tenant)[0]
    assert count == distinct == len(sales)
    assert _master(server, "SELECT count(*) FROM sale_lines", tenant) == [(lines,)]
    master_stock = {(w, s): q for w, s, q in _master(server, "SELECT warehouse_id, sku, quantity FROM stock", tenant)
                    if q != 0}
    assert master_stock == stock
    # shift totals are folded with "+=": a batch applied twice would double them
    shifts = _master(server, "SELECT coalesce(sum(sales_count), 0), coalesce(sum(sales_total), 0) FROM shifts",
                     tenant)
    assert shifts == [(len(sales), sum(sales.values()))]
    for till in group:
        journal = till.terminal.journal
        ident = journal.identity
        head_seq, head_hash = journal.head
        tracking = _master(server, "SELECT acked_seq, acked_hash FROM sync_tracking WHERE terminal_id = %s"
                                   " AND epoch = %s", tenant, (ident.terminal_id, ident.epoch))
        assert tracking == [(head_seq, head_hash)]
        stored = _master(server, "SELECT count(*), count(DISTINCT event_id), max(seq) FROM events"
                                 " WHERE terminal_id = %s AND epoch = %s", tenant, (ident.terminal_id, ident.epoch))
        assert stored == [(head_seq, head_seq, head_seq)]


@pytest.mark.slow
def test_sync_through_random_faults_converges_exactly(server, make_till):
    _setup_tenants(server)
    rng = random.Random(20250314)
    t1 = make_till(1, "centro", ROWS)
    t2 = make_till(1, "norte", ROWS)
    t3 = make_till(2, "esquina", ROWS)
    tills = [t1, t2, t3]
    for till in tills:
        _sell(till, 300, rng)
        assert till.sync.pending() > 300
    hq_product = {"sku": "HQ1", "name": "Café HQ", "price": 2490, "category": "Abarrotes", "sold_by": "unit",
                  "plu": "9001", "brand": "", "barcodes": [], "iva_exempt": False, "favourite": True, "active": True}
    for tenant in (1, 2):
        server.run(lambda pool, tenant=tenant: catalog.upsert_product(pool, tenant, {**hq_product,
                                                                                      "price": 2490 + tenant}))

    upstream_port = urlsplit(server.url).port
    assert upstream_port is not None
    services: list[tuple[SyncClient, SyncService]] = []
    with _server_errors() as errors, FaultProxy(upstream_port, seed=1234, rate=0.35, max_faults=40,
                                                max_seconds=40.0) as proxy:
        try:
            for till in tills:
                client, service = _through(proxy.url, till)
                service.MIN_BATCH, service.MAX_BATCH, service.batch_size = 15, 45, 30  # many round trips
                services.append((client, service))
            rounds = 0
            for rounds in range(1, 151):
                statuses = [service.sync_once(NOW + timedelta(seconds=rounds)) for _client, service in services]
                if all(s.online and s.pending == 0 for s in statuses):
                    break
                for s in statuses:  # an interrupted round is "offline", never a protocol refusal
                    assert s.online or (s.error == "" and s.offline_since is not None), s
            else:
                pytest.fail(f"no convergence after {rounds} rounds: {statuses}")
        finally:
            for client, _service in services:
                client.close()
    counts = dict(proxy.counts)
    faults = [(r.kind, r.method, r.path.split("?")[0], r.status, r.concurrent) for r in proxy.records
              if r.kind != "pass"]
    print(f"\nfault counts {counts}, {len(proxy.records)} requests, {rounds} rounds\n{faults}")
    # a cut upload, a lost answer or a duplicate is routine for the server: never a 500 or a traceback
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in proxy.records if r.status is not None and r.status >= 500]
    assert set(counts) == set(KINDS) and all(counts[k] >= 1 for k in KINDS), counts

    # a cut response hid an ack that the server had applied; duplicates were answered with the same ack
    cut = [r for r in proxy.records if r.kind == "cut_response" and r.method == "POST" and r.status == 200]
    dup = [r for r in proxy.records if r.kind == "duplicate" and r.method == "POST" and r.status == 200]
    assert any(r.response["applied"] > 0 for r in cut), [r.response for r in cut]
    assert any(r.concurrent for r in dup), "no duplicate was sent on two connections at once"
    for r in dup:
        assert r.duplicate_status == 200
        assert (r.response["acked_seq"], r.response["acked_hash"]) == (
            r.duplicate_of["acked_seq"], r.duplicate_of["acked_hash"])
        assert r.response["applied"] == 0 or r.duplicate_of["applied"] == 0  # applied once, the other a no-op

    for tenant, group in ((1, [t1, t2]), (2, [t3])):
        _assert_master_is_fold(server, tenant, group)
        for till in group:
            assert read_models.by_plu(till.terminal.journal.conn, "9001").price == 2490 + tenant
    assert _master(server, "SELECT count(*) FROM quarantine", 1) == [(0,)]
    assert _master(server, "SELECT count(*) FROM quarantine", 2) == [(0,)]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_down_or_5xx_keeps_backlog_and_recovers(server, make_till):
    _setup_tenants(server)
    till = make_till(1, "centro", ROWS[:8])
    _sell(till, 25, random.Random(3), 8)
    pending = till.sync.pending()
    assert pending > 25
    upstream_port = urlsplit(server.url).port
    assert upstream_port is not None
    dead, service = _through(f"http://127.0.0.1:{_closed_port()}", till, timeout=2.0)
    with FaultProxy(upstream_port, seed=1, rate=0.0) as proxy:
        alive = SyncClient(proxy.url, till.client.terminal_id, till.client.private_key, timeout=5.0)
        try:
            first = NOW
            status = service.sync_once(first)  # nothing listens on that port
            assert (status.online, status.pending, status.offline_since, status.error) == (False, pending, first, "")
            assert "Sin conexión" in status.label and f"{first:%H:%M}" in status.label and str(pending) in status.label

            service.transport = alive
            proxy.mode = "error"  # every request answered 503 by the "load balancer"
            status = service.sync_once(first + timedelta(minutes=5))
            assert (status.online, status.pending, status.offline_since) == (False, pending, first)
            proxy.mode = "reset"  # connections accepted and closed at once
            status = service.sync_once(first + timedelta(minutes=10))
            assert (status.online, status.pending, status.offline_since) == (False, pending, first)
            assert any(r.kind == "mode-error" and r.status == 503 for r in proxy.records)
            assert _master(server, "SELECT count(*) FROM events", 1) == [(0,)]
            assert till.sync.pending() == pending

            proxy.mode = "forward"
            started = time.monotonic()
            status = service.sync_once(first + timedelta(minutes=15))
            assert (status.online, status.pending, status.offline_since, status.error) == (True, 0, None, "")
            assert status.pushed == pending and time.monotonic() - started < 10
            assert "En línea" in status.label and "por enviar" not in status.label
        finally:
            alive.close()
            dead.close()
    _assert_master_is_fold(server, 1, [till])
