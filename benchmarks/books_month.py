"""books_month: what HQ «Libros» reads for a month of all stores (``syncserver.store.books``: libro de ventas, libro
de compras and the remanente carried from the earlier months), against fetching the same documents' rows.

The master database holds three months of two stores: ``Sizes.journal_sales`` boletas a store a month (with their
``sales`` and ``dte_documents`` rows, COPY'd in before timing, then summed into ``book_days`` by migration 0034's
back-fill, as the ingest keeps them), a factura every 50 sales and a nota de crédito every 200 (a return of the sale
before it), and 150 suppliers' documents a store a month. The figure is the p50 of
building the last month's two books and its remanente (the three reads of ``syncserver.hq.books``) on the
application role inside a tenant transaction.

Baseline, in the same run and interleaved: the month's documents with their sale's figures (the join and date
filter the books used before ``book_days``) fetched as tuples, without building or summing anything. Issue 14's
target for an HQ page is a p95 of 200 ms.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date

import psycopg
import psycopg_pool

from benchmarks import common, sync_catchup
from shared import books, money
from syncserver import tenancy
from syncserver.store import books as books_store
from syncserver.store import db

NAME = "books_month"
TARGET_MS = 200.0
TENANT = 1
MONTHS = (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
STORES = ("centro", "norte")
SALE_COLUMNS = ("tenant_id, sale_id, store_id, terminal_id, epoch, seq, number, shift_id, cashier_id, occurred_at,"
                " total, neto, iva, exento, discount, rounding, change")
DOC_COLUMNS = "tenant_id, tipo, folio, sale_id, terminal_id, epoch, seq, stamped_at, ted"
RETURN_COLUMNS = ("tenant_id, return_id, sale_id, store_id, terminal_id, epoch, seq, shift_id, cashier_id,"
                  " supervisor_id, occurred_at, reason, total, neto, iva, exento, original_tipo, original_folio,"
                  " full_return, tipo, folio")
BASELINE_SQL = (
    "SELECT d.tipo, d.folio, d.stamped_at, s.neto, s.iva, s.exento, s.total FROM dte_documents d"
    " JOIN sales s ON s.tenant_id = d.tenant_id AND s.sale_id = d.sale_id WHERE d.tenant_id = %(tenant)s"
    " AND left(d.stamped_at, 10) >= %(low)s AND left(d.stamped_at, 10) < %(high)s")
PURCHASE_COLUMNS = ("tenant_id, supplier_rut, tipo, folio, purchase_id, store_id, terminal_id, epoch, seq,"
                    " registered_at, supplier_name, supplier_giro, fecha_emision, warehouse, neto, exento, iva,"
                    " other_taxes, total")


def _load(admin_url: str, app_url: str, per_month: int) -> int:
    async def stores(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, TENANT, "Almacenes Don Pepe")
        for store in STORES:
            await tenancy.create_store(pool, TENANT, store, store.title())

    sync_catchup.run_async(app_url, stores)
    folios = {33: 0, 39: 0, 61: 0}
    documents = 0
    with psycopg.connect(admin_url) as conn, conn.cursor() as cur:
        sale_rows: list[tuple[object, ...]] = []
        doc_rows: list[tuple[object, ...]] = []
        for month in MONTHS:
            for store in STORES:
                for n in range(per_month):
                    day = month.replace(day=1 + n * 28 // per_month)
                    total = 1_990 + n % 5_000
                    split = money.split_iva(total)
                    tipo = 33 if n % 50 == 49 else 39
                    folios[tipo] += 1
                    sale_id = f"{store}-{month:%Y%m}-{n}"
                    seq = len(MONTHS) * per_month + n
                    at = f"{day.isoformat()}T{9 + n % 12:02d}:00:00"
                    sale_rows.append((TENANT, sale_id, store, f"caja-{store}", 1, seq, n, "t", "ana", at + "-03:00",
                                      total, split.neto, split.iva, 0, 0, 0, 0))
                    doc_rows.append((TENANT, tipo, folios[tipo], sale_id, f"caja-{store}", 1, seq, at, "<TED/>"))
                    documents += 1
        for columns, table, rows in ((SALE_COLUMNS, "sales", sale_rows), (DOC_COLUMNS, "dte_documents", doc_rows)):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # one COPY at a time on a connection
                for row in rows:
                    copy.write_row(row)
        return_rows: list[tuple[object, ...]] = []
        nota_rows: list[tuple[object, ...]] = []
        for month in MONTHS:
            for store in STORES:
                for n in range(199, per_month, 200):  # a return of the sale before, with its nota de crédito
                    day = month.replace(day=1 + n * 28 // per_month)
                    total = 1_990 + (n - 1) % 5_000
                    split = money.split_iva(total)
                    folios[61] += 1
                    sale_id = f"{store}-{month:%Y%m}-{n - 1}"
                    return_rows.append((TENANT, f"R-{sale_id}", sale_id, store, f"caja-{store}", 1, 10**7 + n, "t",
                                        "ana", "jefa", f"{day}T20:00:00-03:00", "devolución", total, split.neto,
                                        split.iva, 0, 39, 0, True, 61, folios[61]))
                    nota_rows.append((TENANT, 61, folios[61], sale_id, f"caja-{store}", 1, 10**7 + n,
                                      f"{day}T20:00:00", "<TED/>"))
        for columns, table, rows in ((RETURN_COLUMNS, "returns", return_rows),
                                     (DOC_COLUMNS, "dte_documents", nota_rows)):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        with cur.copy(f"COPY purchases ({PURCHASE_COLUMNS}) FROM STDIN") as copy:
            for month in MONTHS:
                for store in STORES:
                    for n in range(150):
                        neto = 50_000 + n * 1_000
                        iva = money.iva_of_neto(neto)
                        copy.write_row((TENANT, f"{96542180 + n % 7}-7", 61 if n % 30 == 29 else 33,
                                        int(f"{month:%Y%m}{n:03d}") * 10 + STORES.index(store),
                                        f"P-{store}-{month}-{n}", store, f"caja-{store}", 1, n,
                                        f"{month}T08:00:00-03:00", "Distribuidora", "abarrotes",
                                        month.replace(day=1 + n % 28), store, neto, 0, iva, 0, neto + iva))
        books_store.backfill_days_all(conn)  # book_days, as the ingest keeps them (migration 0034's back-fill)
        for table in ("sales", "dte_documents", "returns", "purchases", "book_days"):
            conn.execute(f"ANALYZE {table}")
    return documents


async def _measure(app_url: str, samples: int) -> tuple[list[float], list[float], int, int, dict[str, list[float]]]:
    month = MONTHS[-1]
    params = books_store._query(TENANT, month, None, None)
    ours: list[float] = []
    base: list[float] = []
    lines = rows = booked = 0
    parts: dict[str, list[float]] = {"ventas": [], "compras": [], "remanente": []}
    async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=1, open=False) as pool:
        for _ in range(samples):
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                sales = await books_store.sales_book(conn, TENANT, month)
                t1 = time.perf_counter()
                bought = await books_store.purchase_book(conn, TENANT, month)
                t2 = time.perf_counter()
                carried = await books_store.remanente_before(conn, TENANT, month)
                books.iva_summary(month, sales, bought, remanente_anterior=carried)
                ours.append(time.perf_counter() - started)
                parts["ventas"].append(t1 - started)
                parts["compras"].append(t2 - t1)
                parts["remanente"].append(time.perf_counter() - t2)
                lines = len(sales) + len(bought)
                booked = sum(g.documentos for g in books.by_tipo(sales))
            async with db.tenant_tx(pool, TENANT) as conn:
                started = time.perf_counter()
                rows = len(await (await conn.execute(BASELINE_SQL, params)).fetchall())
                base.append(time.perf_counter() - started)
    if booked != rows:
        raise AssertionError(f"the libro de ventas counts {booked} documents, the month has {rows}")
    return ours, base, lines, rows, parts


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    del ws
    c = sync_catchup.cluster(log)
    admin_url, app_url = sync_catchup.new_database(c, NAME)
    loaded = _load(admin_url, app_url, sizes.journal_sales)
    sync_catchup.checkpoint(admin_url)
    ours, base, lines, rows, parts = asyncio.run(_measure(app_url, sizes.journal_samples))
    month_docs = loaded // len(MONTHS) + len(STORES) * len(range(199, sizes.journal_sales, 200))
    if rows != month_docs:
        raise AssertionError(f"the month's query read {rows} documents, not {month_docs}")
    p50, b50, p95 = common.percentile(ours, 50), common.percentile(base, 50), common.percentile(ours, 95)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"p95 <= {TARGET_MS:g} ms (page)",
        met=p95 * 1000 <= TARGET_MS,
        extra={"p50": common.ms(p50), "p95": common.ms(p95), "documents_in_month": rows, "book_lines": lines,
               "documents_stored": loaded, "samples": len(ours),
               **{f"{name}_p50": common.ms(common.percentile(times, 50)) for name, times in parts.items()}},
        note=(f"PostgreSQL {sync_catchup.pg_mode()}; the last of three months of two stores ({rows:,} documents"
              f" that month, {loaded:,} sales documents stored); baseline = the month's documents with their"
              " sale's figures fetched as tuples"))
