"""sync_ingest: the server's ingest rate in events/s, against a raw psycopg COPY of the same rows.

The batches are those of the run's offline terminal journal (``sync_catchup``: ~50,400 events, 10,000 sales;
~5,400 with ``--quick``), cut into pushes of ``BATCH_EVENTS`` events, serialised and signed as the terminal does,
all before timing. The figure calls ``syncserver.ingest.push.push`` directly (no HTTP, no signature check: the
principal is the enrolled terminal) for each batch in order, on a fresh master database of the run's PostgreSQL
cluster (fsync on unless ``sync_catchup.FAST_PG``): parse, checks, hash chain, events stored, read models folded
and written, tracking advanced, commit.

Baseline, in the same database and interleaved batch by batch: one transaction per batch that COPYs the same
rows (built before timing from the same batches) into plain copies of ``events``, ``sales``, ``sale_lines`` and
``sale_tenders`` (``CREATE TABLE ... (LIKE ... INCLUDING ALL)``: same columns, keys and indexes; logged, as
the real tables; no RLS, which refuses COPY FROM). The stock upserts, shift totals, products and users that the
ingest also writes have no COPY equivalent and are not in the baseline.

``ingest_python_cpu_s`` is the CPU time of this process during the pushes (Python and psycopg); the rest of
``ingest_s`` is waiting for PostgreSQL. The pre-built batches are frozen out of the garbage collector
(``gc.freeze``) while timing: they belong to the harness, and full collections scanning them are not a server cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg_pool

from benchmarks import common, sync_catchup
from shared import errors, signing, sync
from shared.events import envelope, registry
from syncserver.ingest import projections
from syncserver.ingest import push as push_mod
from syncserver.store import events as event_store
from syncserver.store import schema

NAME = "sync_ingest"
BATCH_EVENTS = 2000
TARGET_EVENTS_PER_S = 20_000
TARGET_COPY_FACTOR = 4.0
COPY_TABLES = ("events", "sales", "sale_lines", "sale_tenders")


@dataclass
class Batch:
    body: bytes
    signature: str
    events: int
    copy_rows: dict[str, list[tuple[Any, ...]]]


def _copy_columns() -> dict[str, list[str]]:
    return {"events": [name for name, _kind in event_store.EVENT_COLUMNS],
            "sales": [name for name, _kind in projections.SALE_COLUMNS],
            "sale_lines": [name for name, _kind in projections.LINE_COLUMNS],
            "sale_tenders": [name for name, _kind in projections.TENDER_COLUMNS]}


def build_batches(entries: list[envelope.Envelope], private_key: bytes, size: int) -> list[Batch]:
    """Signed push bodies of ``size`` events, and the rows the ingest stores for each (for the COPY baseline)."""
    codec = registry.build_codec()
    batches = []
    prev = envelope.GENESIS_HASH
    for chunk in sync.batches(entries, size):
        first = chunk[0]
        body = sync.PushBatch(first.tenant_id, first.store_id, first.terminal_id, first.epoch, first.seq, prev,
                              chunk).to_bytes()
        prev = chunk[-1].hash
        rows = projections.Rows()
        for e in chunk:
            with contextlib.suppress(errors.EventError):  # quarantined by the ingest: stored as an event only
                projections.fold(rows, e.tenant_id, e, codec.decode(e.type, e.version, e.payload))
        events = [(e.tenant_id, e.terminal_id, e.epoch, e.seq, e.event_id, e.store_id, e.type, e.version,
                   e.occurred_at, json.dumps(e.payload, ensure_ascii=False), e.prev_hash, e.hash) for e in chunk]
        batches.append(Batch(body, signing.sign(private_key, body), len(chunk),
                             {"events": events, "sales": rows.sales, "sale_lines": rows.lines,
                              "sale_tenders": rows.tenders}))
    return batches


def prepare_copy_tables(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for table in COPY_TABLES:
            conn.execute(f"CREATE TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
            conn.execute(f"GRANT SELECT, INSERT ON copy_{table} TO {schema.APP_ROLE}")


def copy_batch(conn: psycopg.Connection[Any], batch: Batch, columns: dict[str, list[str]]) -> None:
    with conn.transaction(), conn.cursor() as cur:
        for table in COPY_TABLES:
            rows = batch.copy_rows[table]
            if not rows:
                continue
            with cur.copy(f"COPY copy_{table} ({', '.join(columns[table])}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


async def _measure(app_url: str, journal: sync_catchup.SyncJournal, batches: list[Batch]
                   ) -> tuple[list[float], list[float], float]:
    """Wall seconds of each push and of each COPY batch, and the process CPU seconds spent in the pushes."""
    codec = registry.build_codec()
    columns = _copy_columns()
    ours: list[float] = []
    base: list[float] = []
    cpu = 0.0
    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
        await sync_catchup.enroll(pool, journal)
        principal = await push_mod.authenticate(pool, journal.terminal_id, batches[0].body, batches[0].signature)
        with psycopg.connect(app_url) as raw:
            raw.execute("SELECT 1")
            for number, batch in enumerate(batches):
                started, cpu_started = time.perf_counter(), time.process_time()
                ack = await push_mod.push(pool, codec, principal, batch.body, max_events=BATCH_EVENTS)
                ours.append(time.perf_counter() - started)
                cpu += time.process_time() - cpu_started
                if ack.applied + ack.quarantined != batch.events:
                    raise AssertionError(f"batch {number}: {ack}")
                started = time.perf_counter()
                copy_batch(raw, batch, columns)
                base.append(time.perf_counter() - started)
    return ours, base, cpu


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    info = sync_catchup.sync_journal(ws, sync_catchup.sales_for(sizes), log)
    journal = info.open(info.copy(ws.root, NAME))
    try:
        entries = list(journal.read())
    finally:
        journal.close()
    batches = build_batches(entries, info.private_key, BATCH_EVENTS)
    del entries
    c = sync_catchup.cluster(log)
    admin_url, app_url = sync_catchup.new_database(c, NAME)
    prepare_copy_tables(admin_url)
    sync_catchup.checkpoint(admin_url)
    gc.collect()
    gc.freeze()  # the pre-built rows are the harness's, not the server's: keep full collections from scanning them
    try:
        ours, base, cpu = asyncio.run(_measure(app_url, info, batches))
    finally:
        gc.unfreeze()

    if sync_catchup.master_count(app_url, "sales") != info.sales:
        raise AssertionError("the ingest did not store every sale")
    with psycopg.connect(app_url) as conn:
        copied = conn.execute("SELECT count(*) FROM copy_sales").fetchone()
    if copied != (info.sales,):
        raise AssertionError(f"COPY stored {copied} sales of {info.sales}")

    events = sum(b.events for b in batches)
    rate, copy_rate = events / sum(ours), events / sum(base)
    factor = copy_rate / rate
    copied_rows = sum(len(rows) for b in batches for rows in b.copy_rows.values())
    return common.Result(
        NAME, round(rate), "ev/s", round(copy_rate),
        target=f">={TARGET_EVENTS_PER_S // 1000}k/s & <={TARGET_COPY_FACTOR:g}x COPY",
        met=rate >= TARGET_EVENTS_PER_S and factor <= TARGET_COPY_FACTOR,
        note=(f"PostgreSQL {sync_catchup.pg_mode()}; ratio = ours/COPY; baseline = COPY of the same events, sales,"
              " sale_lines and sale_tenders rows into logged copies of the tables without RLS, one transaction"
              " per batch"),
        extra={"copy_slowdown": round(factor, 2), "events": events, "batches": len(batches),
               "batch_events": BATCH_EVENTS, "ingest_s": round(sum(ours), 3),
               "ingest_python_cpu_s": round(cpu, 3), "copy_s": round(sum(base), 3),
               "batch_p50_ms": common.ms(common.percentile(ours, 50)), "batch_max_ms": common.ms(max(ours)),
               "copy_batch_p50_ms": common.ms(common.percentile(base, 50)), "copy_rows": copied_rows,
               "sales": info.sales, "pg": "fsync=off" if sync_catchup.FAST_PG else "fsync=on"})
