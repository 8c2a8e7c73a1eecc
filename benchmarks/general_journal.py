"""general_journal: HQ's libro diario of one store's month (``syncserver.store.general_journal.journal``: its first
page of asientos, the trial balance, counts and notes), as the ingest keeps it (``syncserver.ingest.journal``).

The master database holds one store's month: ``Sizes.journal_sales`` sales (three lines each with their cost,
paid in cash with Ley 20.956 rounding, by debit card, or partly on fiado), a fiado payment every 20 sales, a
supplier's factura every 100, a cash move and a shift close a day; and the same month in a second store. The events
are written straight into ``events`` with COPY, then booked by ``journal.rebook`` (the rebuild's and the
migration's back-fill path; its time is reported as ``rebook_s``). The figure is the p50 of reading the page's data
for one store's month on the application role inside a tenant transaction; ``all_stores`` the same for both stores,
``csv_ms`` streaming every line of the store's month as CSV (``general_journal.csv_chunks``, once).

Baseline, in the same run and interleaved: a trivial query in the same kind of transaction (the month's day
counts summed). Issue 14's target for an HQ page is a p95 of 200 ms.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import psycopg_pool

from benchmarks import common, sync_catchup
from shared import money
from shared.events import envelope, fiado, purchases, registry, sales, shifts
from syncserver import tenancy
from syncserver.ingest import journal as ingest_journal
from syncserver.store import db, general_journal
from syncserver.store import events as event_store

NAME = "general_journal"
TARGET_MS = 200.0
TENANT = 1
START = date(2026, 11, 1)
DAYS = 30


def _sale(n: int) -> sales.SaleCompleted:
    prices = (1_990, 1_150 + n % 7, 2_495)
    lines = tuple(sales.LineSold(i + 1, f"SKU-{(n + i) % 500}", f"Producto {(n + i) % 500}", p, Decimal(1), "unit",
                                 False, 0, p, cost=p * 6 // 10) for i, p in enumerate(prices))
    total = sum(prices)
    split = money.split_iva(total)
    kind = n % 4
    customer = ""
    on_credit = None
    if kind == 0:  # cash, rounded
        due = money.round_cash(total)
        tenders: tuple[sales.TenderTaken, ...] = (sales.TenderTaken("cash", due + 10, due),)
        rounding, change = due - total, 10
    elif kind == 3:  # 2.000 on fiado, the rest by debit
        customer = f"C-{n % 50}"
        tenders = (sales.TenderTaken("fiado", 2_000, 2_000), sales.TenderTaken("debit", total - 2_000, total - 2_000))
        on_credit = fiado.FiadoCharge(2_000, 0, 100_000)
        rounding = change = 0
    else:
        tenders = (sales.TenderTaken("debit", total, total),)
        rounding = change = 0
    return sales.SaleCompleted(f"V-{n}", n, f"T-{n // 300}", "ana", lines, 0, total, total, 0, split.neto, split.iva,
                               tenders, rounding, change,
                               sales.DocumentStamped(39, n, "<TED/>", "2026-11-01T10:00:00-03:00"),
                               customer_id=customer, fiado=on_credit)


def _events(count: int) -> list[Any]:
    """The month's events in journal order: sales with payments, facturas, cash moves and closes among them."""
    found: list[Any] = []
    per_day = max(1, count // DAYS)
    for n in range(1, count + 1):
        found.append(_sale(n))
        if n % 20 == 0:
            found.append(fiado.FiadoPaid(f"P-{n}", f"C-{n % 50}", f"T-{n // 300}", "ana", "cash", 3_000, 3_000, 0))
        if n % 100 == 0:
            neto = 250_000 + n
            iva = money.iva_of_neto(neto)
            found.append(purchases.PurchaseReceived(
                f"F-{n}", purchases.Supplier("96542180-7", "Distribuidora Líder", "abarrotes"), 33, n, "2026-11-02",
                "centro", (), neto, 0, iva, neto + iva, "0" * 64, True))
        if n % per_day == 0:
            found.append(shifts.CashMoved(f"T-{n // 300}", "out", 100_000, "depósito", "ana"))
            found.append(shifts.ShiftClosed(f"T-{n // 300}", "ana", (shifts.TenderCount("cash", 50_000),),
                                            (shifts.TenderCount("cash", 50_010),)))
    return found


def _rows(store: str, events: list[Any]) -> list[tuple[Any, ...]]:
    codec = registry.build_codec()
    terminal = f"caja-{store}"
    step = timedelta(seconds=DAYS * 86_400 * 0.98 / len(events))
    at = datetime(START.year, START.month, START.day, 9, tzinfo=common.CHILE)
    rows = []
    prev = envelope.GENESIS_HASH
    for seq, event in enumerate(events, 1):
        type_, version, payload = codec.encode(event)
        e = envelope.seal(event_id=str(uuid.uuid4()), tenant_id=TENANT, store_id=store, terminal_id=terminal, epoch=1,
                          seq=seq, occurred_at=(at + step * seq).isoformat(), type=type_, version=version,
                          payload=payload, prev_hash=prev)
        prev = e.hash
        rows.append((e.tenant_id, e.terminal_id, e.epoch, e.seq, e.event_id, e.store_id, e.type, e.version,
                     e.occurred_at, json.dumps(e.payload, ensure_ascii=False), e.prev_hash, e.hash))
    return rows


def _load(admin_url: str, app_url: str, sales_count: int) -> int:
    async def stores(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, TENANT, "Almacenes Don Pepe")
        await tenancy.create_store(pool, TENANT, "centro", "Centro")
        await tenancy.create_store(pool, TENANT, "norte", "Norte")

    sync_catchup.run_async(app_url, stores)
    events = _events(sales_count)
    columns = ", ".join(name for name, _kind in event_store.EVENT_COLUMNS)
    with psycopg.connect(admin_url) as conn, conn.cursor() as cur:
        for store in ("centro", "norte"):
            with cur.copy(f"COPY events ({columns}) FROM STDIN") as copy:
                for row in _rows(store, events):
                    copy.write_row(row)
        conn.execute("ANALYZE events")
    return len(events)


async def _rebook(app_url: str) -> float:
    """Book the copied events as the rebuild does; returns the seconds it took."""
    codec = registry.build_codec()
    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=1, open=False) as pool:
        started = time.perf_counter()
        async with db.tenant_tx(pool, TENANT) as conn:
            await ingest_journal.rebook(conn, codec, TENANT)
        return time.perf_counter() - started


async def _measure(app_url: str, samples: int
                   ) -> tuple[list[float], list[float], list[float], float, general_journal.GeneralJournal, int]:
    end = START + timedelta(days=DAYS - 1)
    ours: list[float] = []
    both: list[float] = []
    base: list[float] = []
    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=1, open=False) as pool:
        found = None
        for _ in range(samples):
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                found = await general_journal.journal(conn, TENANT, START, end, ["centro"])
                ours.append(time.perf_counter() - started)
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                await general_journal.journal(conn, TENANT, START, end, None)
                both.append(time.perf_counter() - started)
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                await (await conn.execute("SELECT sum(booked) FROM journal_day_events WHERE tenant_id = %s"
                                          " AND store_id = 'centro' AND day BETWEEN %s AND %s",
                                          (TENANT, START, end))).fetchone()
                base.append(time.perf_counter() - started)
        assert found is not None
        lines = 0
        async with db.tenant_tx(pool, TENANT) as conn:
            started = time.perf_counter()
            async for piece in general_journal.csv_chunks(conn, TENANT, START, end, ["centro"]):
                lines += piece.count(b"\r\n")
            csv_s = time.perf_counter() - started
    return ours, both, base, csv_s, found, lines - 2


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    del ws
    c = sync_catchup.cluster(log)
    admin_url, app_url = sync_catchup.new_database(c, NAME)
    loaded = _load(admin_url, app_url, sizes.journal_sales)
    rebook_s = asyncio.run(_rebook(app_url))
    with psycopg.connect(admin_url) as conn:
        conn.execute("ANALYZE")
    sync_catchup.checkpoint(admin_url)
    ours, both, base, csv_s, found, csv_lines = asyncio.run(_measure(app_url, sizes.journal_samples))
    if found.events != loaded or found.problems or found.debit != found.credit or csv_lines != found.line_count:
        raise AssertionError(f"journal of {loaded} events: {found.events} booked, {len(found.problems)} problems, "
                             f"debe {found.debit} haber {found.credit}, {csv_lines} lines in the CSV")
    p50, b50, p95 = common.percentile(ours, 50), common.percentile(base, 50), common.percentile(ours, 95)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"p95 <= {TARGET_MS:g} ms (page)",
        met=max(p95, common.percentile(both, 95)) * 1000 <= TARGET_MS,
        extra={"p50": common.ms(p50), "p95": common.ms(p95), "p99": common.ms(common.percentile(ours, 99)),
               "all_stores_p50": common.ms(common.percentile(both, 50)),
               "all_stores_p95": common.ms(common.percentile(both, 95)),
               "events": loaded, "sales": sizes.journal_sales, "lines": found.line_count,
               "csv_ms": common.ms(csv_s), "rebook_s": round(rebook_s, 2),
               "rebook_events_per_s": round(2 * loaded / rebook_s) if rebook_s else None, "samples": len(ours)},
        note=(f"PostgreSQL {sync_catchup.pg_mode()}; one store's month of {loaded:,} events ({sizes.journal_sales:,}"
              " sales) out of two stores, booked by journal.rebook; baseline = a trivial query of the day counts"))
