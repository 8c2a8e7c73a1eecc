"""HQ's report rollups (migrations 0028, 0031): each sale's and return's ``shared.reports.Rollup`` (the till's
arithmetic) added per store and for the whole tenant (store :data:`ALL_STORES`) at ingest in the batch's transaction,
refolded from the stored events by the rebuild and the migration's back-fill. What each table holds and why:
docs/reports.md. A bulk loader may fold its own events: :class:`Totals` ``add`` then ``statements``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

import psycopg

from shared import errors, reports
from shared.events import codec as codec_mod
from shared.events import envelope, registry
from shared.events import returns as returns_events
from shared.events import sales as sales_events
from syncserver.store import db

ALL_STORES: Final = ""
"""The ``store_id`` of the rows that sum every store of the tenant (a report of all stores reads them); their
``cashier_id`` is "" too (a cashier belongs to one store: per-cashier figures read the stores' rows)."""
TYPES: Final = (sales_events.SaleCompleted.TYPE, returns_events.ReturnCompleted.TYPE)
TABLES: Final = ("report_sales", "report_days", "report_cashier_months", "report_hour_months", "report_tenders",
                 "report_tender_months", "report_product_days", "report_product_months", "report_stores",
                 "report_stock_categories", "report_stock_marks", "report_stock_items", "report_stock_dirty")
"""Cleared by the back-fill (the stock cache too: it is recomputed on the next read)."""
CHUNK: Final = 5000
"""Events folded (and rows written) at a time by the back-fill: memory stays bounded at any size."""

_MEASURES = ("tickets", "total", "neto", "costed_neto", "cost", "returns", "returned")
_PRODUCT = ("units", "total", "neto", "costed_neto", "cost")


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a dict key looked up ~30 times a sale
class _Table:
    name: str
    keys: tuple[tuple[str, str], ...]
    measures: tuple[str, ...]

    def upsert(self) -> str:
        """``INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE`` adding the measures (RLS refuses COPY)."""
        columns = [*self.keys, *((m, "bigint") for m in self.measures)]
        names = ", ".join(n for n, _ in columns)
        source = ", ".join(f"%b::{kind}[]" for _, kind in columns)
        adds = ", ".join(f"{m} = {self.name}.{m} + excluded.{m}" for m in self.measures)
        conflict = ", ".join(n for n, _ in self.keys)
        return (f"INSERT INTO {self.name} ({names}) SELECT * FROM unnest({source})"
                f" ON CONFLICT ({conflict}) DO UPDATE SET {adds}")


_T, _S, _D, _M = ("tenant_id", "bigint"), ("store_id", "text"), ("day", "date"), ("month", "date")
SALES = _Table("report_sales", (_T, _S, _D, ("hour", "smallint"), ("cashier_id", "text")), _MEASURES)
DAYS = _Table("report_days", (_T, _S, _D, ("cashier_id", "text")), _MEASURES)
CASHIER_MONTHS = _Table("report_cashier_months", (_T, _S, _M, ("cashier_id", "text")), _MEASURES)
HOUR_MONTHS = _Table("report_hour_months", (_T, _S, _M, ("weekday", "smallint"), ("hour", "smallint")),
                     ("tickets", "total"))
TENDERS = _Table("report_tenders", (_T, _S, _D, ("kind", "text")), ("count", "amount"))
TENDER_MONTHS = _Table("report_tender_months", (_T, _S, _M, ("kind", "text")), ("count", "amount"))
PRODUCT_DAYS = _Table("report_product_days", (_T, _S, _D, ("sku", "text")), _PRODUCT)
PRODUCT_MONTHS = _Table("report_product_months", (_T, _S, _M, ("sku", "text")), _PRODUCT)
_STORES = ("INSERT INTO report_stores (tenant_id, store_id) SELECT %s, unnest(%s::text[])"
           " ON CONFLICT DO NOTHING")


def _bump(rows: dict[tuple[Any, ...], list[int]], key: tuple[Any, ...], values: Sequence[int]) -> None:
    row = rows.get(key)
    if row is None:
        rows[key] = list(values)
    else:
        rows[key] = [a + b for a, b in zip(row, values, strict=True)]


@dataclass
class Totals:
    """Rollups of many sales and returns summed per table key before they are written (one statement per table)."""

    tables: dict[_Table, dict[tuple[Any, ...], list[int]]] = field(default_factory=lambda: {
        t: {} for t in (SALES, DAYS, CASHIER_MONTHS, HOUR_MONTHS, TENDERS, TENDER_MONTHS, PRODUCT_DAYS,
                        PRODUCT_MONTHS)})
    stores: set[str] = field(default_factory=set)

    def add(self, store_id: str, r: reports.Rollup) -> None:
        """Add one :class:`shared.reports.Rollup` of ``store_id`` to its rows and the tenant's (:data:`ALL_STORES`).

        Raises: ValueError: ``store_id`` is "" (the tenant's own key)."""
        if store_id == ALL_STORES:
            raise ValueError("un local sin código no puede sumarse a los reportes")
        day = date.fromisoformat(r.day)
        month = day.replace(day=1)
        measures = (r.tickets, r.total, r.neto, r.costed_neto, r.cost, r.returns, r.returned)
        t = self.tables
        sales, days, hours, tenders, tender_months, product_days, product_months = (
            t[SALES], t[DAYS], t[HOUR_MONTHS], t[TENDERS], t[TENDER_MONTHS], t[PRODUCT_DAYS], t[PRODUCT_MONTHS])
        _bump(t[CASHIER_MONTHS], (store_id, month, r.cashier_id), measures)
        weekday = day.weekday()
        products = [(sku, (p.units, p.total, p.neto, p.costed_neto, p.cost)) for sku, p in r.products.items()]
        for store, cashier in ((store_id, r.cashier_id), (ALL_STORES, ALL_STORES)):
            _bump(sales, (store, day, r.hour, cashier), measures)
            _bump(days, (store, day, cashier), measures)
            _bump(hours, (store, month, weekday, r.hour), (r.tickets, r.total))
            for kind, count, amount in r.tenders:
                _bump(tenders, (store, day, kind), (count, amount))
                _bump(tender_months, (store, month, kind), (count, amount))
            for sku, values in products:
                _bump(product_days, (store, day, sku), values)
                _bump(product_months, (store, month, sku), values)
        self.stores.add(store_id)

    def statements(self, tenant_id: int) -> Iterator[tuple[str, Sequence[object]]]:
        """``(sql, params)`` writing these totals for ``tenant_id``: rows in key order (every transaction locks the
        shared :data:`ALL_STORES` rows in the same order, so concurrent ingests wait, never deadlock)."""
        if self.stores:
            yield _STORES, (tenant_id, sorted(self.stores))
        for table, rows in self.tables.items():
            if not rows:
                continue
            ordered = sorted(rows.items())
            columns: list[list[object]] = [[tenant_id] * len(ordered)]
            columns += [list(c) for c in zip(*(k for k, _ in ordered), strict=True)]
            columns += [list(c) for c in zip(*(v for _, v in ordered), strict=True)]
            yield table.upsert(), columns


async def stock_moved(cur: db.Cursor, tenant_id: int, moved: Sequence[tuple[str, str]]) -> None:
    """Note the ``(warehouse, sku)`` whose stock a batch moved, as ``(store, sku)`` for the stock by category kept
    per store (``syncserver.store.reports.stock_by_category`` recounts them on its next read)."""
    if moved:
        await cur.execute(
            "INSERT INTO report_stock_dirty (tenant_id, store_id, sku) SELECT DISTINCT %(t)s,"
            " COALESCE(w.store_id, m.warehouse_id), m.sku"
            " FROM unnest(%(w)s::text[], %(s)s::text[]) AS m(warehouse_id, sku)"
            " LEFT JOIN warehouses w ON w.tenant_id = %(t)s AND w.warehouse_id = m.warehouse_id"
            " ORDER BY 2, 3 ON CONFLICT DO NOTHING",
            {"t": tenant_id, "w": [w for w, _ in moved], "s": [s for _, s in moved]})


SoldLines = dict[str, dict[int, tuple[Decimal, int | None]]]
"""``{sale_id: {line_id: (quantity, cost)}}`` of the sales returns give back from."""
_SOLD = ("SELECT sale_id, line_id, quantity, cost FROM sale_lines WHERE tenant_id = %s AND sale_id = ANY(%s)")


def _sold(rows: Iterable[tuple[Any, ...]]) -> SoldLines:
    found: SoldLines = {}
    for sale_id, line_id, quantity, cost in rows:
        found.setdefault(str(sale_id), {})[int(line_id)] = (Decimal(quantity), None if cost is None else int(cost))
    return found


def _returned_sales(events: Iterable[object]) -> list[str]:
    return sorted({e.sale_id for e in events if isinstance(e, returns_events.ReturnCompleted)})


def _fold(totals: Totals, folded: Iterable[tuple[envelope.Envelope, object]], sold: SoldLines) -> None:
    for entry, event in folded:
        if isinstance(event, sales_events.SaleCompleted):
            totals.add(entry.store_id, reports.sale_rollup(entry.occurred_at, event))
        elif isinstance(event, returns_events.ReturnCompleted):
            totals.add(entry.store_id, reports.return_rollup(entry.occurred_at, event, sold.get(event.sale_id, {})))


async def add(cur: db.Cursor, tenant_id: int, folded: Sequence[tuple[envelope.Envelope, object]]) -> None:
    """Add a batch's sales and returns (``(entry, event)``, other events ignored) to the rollups, in the caller's
    transaction, after the batch's sales are stored (a return's cost is its sold line's, ``sale_lines``)."""
    if not folded:
        return
    sale_ids = _returned_sales(e for _, e in folded)
    sold: SoldLines = {}
    if sale_ids:
        await cur.execute(_SOLD, (tenant_id, sale_ids))
        sold = _sold(await cur.fetchall())
    totals = Totals()
    _fold(totals, folded, sold)
    for sql, params in totals.statements(tenant_id):
        await cur.execute(sql, params)


_EVENTS = (
    "SELECT e.event_id::text, e.tenant_id, e.store_id, e.terminal_id, e.epoch, e.seq, e.occurred_at, e.type,"
    " e.version, e.payload, e.prev_hash, e.hash FROM events e WHERE e.tenant_id = %s AND e.type = ANY(%s)"
    " AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.tenant_id = e.tenant_id AND q.terminal_id = e.terminal_id"
    " AND q.epoch = e.epoch AND q.seq = e.seq AND NOT q.folded) ORDER BY e.terminal_id, e.epoch, e.seq")
"""The sales and returns the ingest folded (not quarantined, or only for their tax document), as ``foldable``."""


def _decoded(codec: codec_mod.Codec, rows: Iterable[tuple[Any, ...]]) -> list[tuple[envelope.Envelope, object]]:
    out = []
    for row in rows:
        entry = envelope.Envelope(*row)
        try:
            out.append((entry, codec.decode(entry.type, entry.version, entry.payload)))
        except errors.EventError:
            continue  # the ingest folded nothing of it either
    return out


async def _chunks(conn: db.Conn, tenant_id: int) -> AsyncIterator[list[tuple[Any, ...]]]:
    async with conn.cursor(name="report_events") as named:
        await named.execute(_EVENTS, (tenant_id, list(TYPES)))
        while chunk := await named.fetchmany(CHUNK):
            yield chunk


async def backfill(conn: db.Conn, codec: codec_mod.Codec, tenant_id: int) -> int:
    """Clear ``tenant_id``'s rollups and refold them from its stored sales and returns (after ``sale_lines`` is
    folded: the rebuild's last pass); returns the number of events folded."""
    count = 0
    async with conn.cursor() as cur:
        for table in TABLES:
            await cur.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (tenant_id,))
        async for chunk in _chunks(conn, tenant_id):
            folded = _decoded(codec, chunk)
            sold: SoldLines = {}
            if sale_ids := _returned_sales(e for _, e in folded):
                await cur.execute(_SOLD, (tenant_id, sale_ids))
                sold = _sold(await cur.fetchall())
            totals = Totals()
            _fold(totals, folded, sold)
            for sql, params in totals.statements(tenant_id):
                await cur.execute(sql, params)
            count += len(folded)
    return count


def backfill_all(conn: psycopg.Connection[Any]) -> int:
    """The migration's back-fill: :func:`backfill` of every tenant with sales or returns, on a synchronous
    connection in its transaction (a migrating role that row-level security hides the rows from folds nothing:
    ``almacen server admin rebuild-projections`` does it then). Returns the number of events folded."""
    codec = registry.build_codec()
    count = 0
    tenants = [int(r[0]) for r in conn.execute(
        "SELECT tenant_id FROM sales UNION SELECT tenant_id FROM returns").fetchall()]
    for tenant_id in sorted(tenants):
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
        with conn.cursor(name="report_events") as named, conn.cursor() as cur:
            named.execute(_EVENTS, (tenant_id, list(TYPES)))
            while chunk := named.fetchmany(CHUNK):
                folded = _decoded(codec, chunk)
                sold: SoldLines = {}
                if sale_ids := _returned_sales(e for _, e in folded):
                    cur.execute(_SOLD, (tenant_id, sale_ids))
                    sold = _sold(cur.fetchall())
                totals = Totals()
                _fold(totals, folded, sold)
                for sql, params in totals.statements(tenant_id):
                    cur.execute(sql, params)
                count += len(folded)
    conn.execute("SELECT set_config('app.tenant_id', '', true)")
    return count
