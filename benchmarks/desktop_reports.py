"""desktop_reports: every report of the back office's Reportes over a store's year of 1,000,000 sale lines.

The journal is the 100k-product catalog (stock on hand, so the stock by category values 100k products) plus a
year of sales generated here, 2025-12-01 to 2026-11-30: ``sizes.report_lines`` lines in sales of 1 to 7 lines
(about 4), 3,000 products drawn with a Zipf-like popularity (a few sell every hour, most a few times a month),
hours 08-22 busier at noon and evening, three cashiers, cash/debit/credit/transfer, line costs 60-85 % of the
neto, one sale in 50 with a discount, one in 200 partly returned (uncosted: its sale is not journaled); 300
mermas. The sales are folded into the report rollups by ``desktop.journal.report_projection`` (the very handlers
each sale's unit of work runs), 5,000 per transaction, and the mermas by ``inventory_projection.merma_recorded``:
the events themselves are not journaled (the reports never read them; journaling 250,000 sales through the full
append path would take most of an hour here).

The figure is the slowest report's median time (``ReportsService``, each with its period before: the year before
is empty, as a store's first year) over the year in whole months, and again over a year starting mid-month (the
edge months are added day by day). Target (issue 14): every report ≤ 1 s.

Baseline: one pass over the year's rows of the daily product rollup (``SELECT count(*), sum(total)``), the
smallest read a report by product could make without the month rollup, timed in the same run.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from benchmarks import common
from desktop.journal import inventory_projection, report_projection
from desktop.services import reports
from desktop.services.reports import Period
from shared import fiado as fiado_mod
from shared import money
from shared.events import envelope, inventory, returns, sales
from shared.sale import allocate

NAME = "desktop_reports"
TARGET_S = 1.0
FIRST, LAST = date(2025, 12, 1), date(2026, 11, 30)
PRODUCTS = 3_000
BATCH = 5_000
CASHIERS = ("ana", "pedro", "marta")
TENDERS = (("cash", 50), ("debit", 30), ("credit", 12), ("transfer", 8))
HOURS = {8: 2, 9: 4, 10: 5, 11: 7, 12: 9, 13: 10, 14: 7, 15: 5, 16: 5, 17: 7, 18: 10, 19: 11, 20: 9, 21: 5, 22: 2}
BASELINE_SQL = "SELECT count(*), sum(total) FROM report_product_days WHERE period BETWEEN ? AND ?"


def _envelope(at: datetime, seq: int, kind: str) -> envelope.Envelope:
    return envelope.Envelope(f"bench-{seq}", 1, "bench", "bench", 1, seq, at.isoformat(), kind, 1, {}, "", "")


class _Year:
    """Generates the year's sales, folding them batch by batch into the rollups."""

    def __init__(self, conn: Any, lines: int, rng: random.Random) -> None:
        self.conn, self.lines, self.rng = conn, lines, rng
        rows = conn.execute("SELECT sku, name, price, sold_by, iva_exempt FROM products WHERE active AND"
                            " sku LIKE 'GEN-%' ORDER BY sku LIMIT ?", (PRODUCTS,)).fetchall()
        if len(rows) < PRODUCTS // 2:
            raise RuntimeError(f"the catalog has only {len(rows)} generated products")
        rng.shuffle(rows)
        self.products = rows
        weights = [1 / (rank + 1) for rank in range(len(rows))]  # Zipf, s = 1
        self.cumulative = list(itertools.accumulate(weights))
        self.tender_kinds = [k for k, _ in TENDERS]
        self.tender_cum = list(itertools.accumulate(w for _, w in TENDERS))
        self.hours = list(HOURS)
        self.hour_cum = list(itertools.accumulate(HOURS.values()))
        self.seq = itertools.count(1)

    def _pick(self, cumulative: Sequence[float]) -> int:
        return bisect.bisect(cumulative, self.rng.random() * cumulative[-1])

    def _line(self, line_id: int) -> sales.LineSold:
        sku, name, price, sold_by, exempt = self.products[min(self._pick(self.cumulative), len(self.products) - 1)]
        quantity = (Decimal(self.rng.randint(150, 1500)) / 1000 if sold_by == "kg"
                    else Decimal(1 + (self.rng.random() < 0.2) + (self.rng.random() < 0.05)))
        amount = money.line_amount(price, quantity)
        neto = amount if exempt else money.split_iva(amount).neto
        cost = None if self.rng.random() < 0.02 else int(neto * self.rng.uniform(0.60, 0.85))
        return sales.LineSold(line_id, sku, name, price, quantity, sold_by, bool(exempt), 0, amount, "", cost)

    def _sale(self, number: int, day: date) -> tuple[envelope.Envelope, sales.SaleCompleted]:
        hour = self.hours[self._pick(self.hour_cum)]
        at = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), self.rng.randrange(60),
                      tzinfo=fiado_mod.CHILE)
        lines = tuple(self._line(i) for i in range(1, 1 + min(7, 1 + int(self.rng.expovariate(1 / 3)))))
        subtotal = sum(x.amount for x in lines)
        discount = subtotal // 10 if self.rng.random() < 0.02 else 0
        shares = allocate(discount, [x.amount for x in lines])
        affected = sum(x.amount - s for x, s in zip(lines, shares, strict=True) if not x.iva_exempt)
        exento = subtotal - discount - affected
        split = money.split_iva(affected, exento)
        total = subtotal - discount
        kind = self.tender_kinds[self._pick(self.tender_cum)]
        event = sales.SaleCompleted(
            f"sale-{number}", number, "shift", self.rng.choice(CASHIERS), lines, discount, total, affected, exento,
            split.neto, split.iva, (sales.TenderTaken(kind, total, total),), 0, 0)
        return _envelope(at, next(self.seq), sales.SaleCompleted.TYPE), event

    def _return(self, entry: envelope.Envelope, sale: sales.SaleCompleted
                ) -> tuple[envelope.Envelope, returns.ReturnCompleted]:
        line = sale.lines[0]
        neto = line.amount if line.iva_exempt else money.split_iva(line.amount).neto
        event = returns.ReturnCompleted(
            f"return-{sale.number}", sale.sale_id, "shift", sale.cashier_id, "marta", "producto vencido",
            (returns.LineReturned(line.line_id, line.sku, line.name, line.unit_price, line.quantity, line.sold_by,
                                  line.iva_exempt, line.amount),),
            line.amount, 0 if line.iva_exempt else neto, 0 if line.iva_exempt else line.amount - neto,
            line.amount if line.iva_exempt else 0, (sales.TenderTaken("cash", line.amount, line.amount),),
            39, sale.number, False)
        later = datetime.fromisoformat(entry.occurred_at) + timedelta(minutes=30)
        return _envelope(later, next(self.seq), returns.ReturnCompleted.TYPE), event

    def fold(self) -> int:
        """Fold the year into the rollups; returns the sale lines written."""
        days = (LAST - FIRST).days + 1
        written, number = 0, 0
        pending: list[tuple[envelope.Envelope, Any]] = []
        while written < self.lines:
            number += 1
            day = FIRST + timedelta(days=min(days - 1, written * days // self.lines))
            entry, sale = self._sale(number, day)
            written += len(sale.lines)
            pending.append((entry, sale))
            if self.rng.random() < 0.005:
                pending.append(self._return(entry, sale))
            if len(pending) >= BATCH:
                self._flush(pending)
        self._flush(pending)
        self._mermas()
        return written

    def _flush(self, pending: list[tuple[envelope.Envelope, Any]]) -> None:
        with self._transaction():
            for entry, event in pending:
                if isinstance(event, sales.SaleCompleted):
                    report_projection.sale(self.conn, entry, event)
                else:
                    report_projection.returned(self.conn, entry, event)
        pending.clear()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction (the journal's connection is in autocommit mode)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _mermas(self) -> None:
        with self._transaction():
            for i in range(300):
                sku, name, price, _, _ = self.products[self.rng.randrange(len(self.products))]
                day = FIRST + timedelta(days=self.rng.randrange((LAST - FIRST).days + 1))
                at = datetime(day.year, day.month, day.day, 20, tzinfo=fiado_mod.CHILE)
                event = inventory.MermaRecorded(f"merma-{i}", "bench", sku, name, Decimal(1 + i % 3),
                                                inventory.MERMA_REASONS[i % len(inventory.MERMA_REASONS)],
                                                int(price * 0.6), "rosa")
                inventory_projection.merma_recorded(self.conn, _envelope(at, next(self.seq), event.TYPE), event)


def _reports(service: reports.ReportsService, period: Period) -> dict[str, Callable[[], object]]:
    calls: dict[str, Callable[[], object]] = {
        "sales_by_day": lambda: service.sales_by_day(period),
        "sales_by_hour": lambda: service.sales_by_hour(period),
        "sales_by_category": lambda: service.sales_by_category(period),
        "sales_by_cashier": lambda: service.sales_by_cashier(period),
        "sales_by_tender": lambda: service.sales_by_tender(period),
        "margin_over_time": lambda: service.margin_over_time(period),
        "stock_by_category": service.stock_by_category,
        "shrinkage_by_reason": lambda: service.shrinkage_by_reason(period),
        "fiado_outstanding": lambda: service.fiado_outstanding(period),
        "summary": lambda: service.summary(period),
    }
    for by in ("units", "pesos", "margin"):
        calls[f"top_{by}"] = lambda by=by: service.top_products(period, by)  # type: ignore[misc]
        calls[f"bottom_{by}"] = lambda by=by: service.top_products(period, by, bottom=True)  # type: ignore[misc]
    return calls


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    folder = ws.fresh_copy(NAME)
    term = common.open_terminal(folder, id_prefix=41)
    try:
        conn = term.journal.conn
        log(f"folding a year of {sizes.report_lines:,} sale lines into the report rollups ...")
        started = time.perf_counter()
        lines = _Year(conn, sizes.report_lines, random.Random(14)).fold()
        build = time.perf_counter() - started
        day_rows = conn.execute("SELECT count(*) FROM report_product_days").fetchone()[0]
        log(f"  {lines:,} lines in {build:.1f} s ({day_rows:,} product-day rows; not counted)")
        service = term.reports
        assert service is not None
        whole, unaligned = Period.custom(FIRST, LAST), Period.custom(FIRST + timedelta(days=14),
                                                                     LAST + timedelta(days=14))
        timings: dict[str, list[float]] = {}
        base: list[float] = []
        for _ in range(sizes.report_samples):
            for label, period in (("", whole), ("unaligned_", unaligned)):
                for name, call in _reports(service, period).items():
                    started = time.perf_counter()
                    call()
                    timings.setdefault(label + name, []).append(time.perf_counter() - started)
            started = time.perf_counter()
            count = conn.execute(BASELINE_SQL, (FIRST.isoformat(), LAST.isoformat())).fetchone()[0]
            base.append(time.perf_counter() - started)
            if count != day_rows:
                raise AssertionError(f"the baseline read {count} rows, not {day_rows}")
        sold = service.summary(whole)
        if sold.tickets == 0 or sold.margin <= 0:
            raise AssertionError("the year's summary is empty")
    finally:
        term.close()

    medians = {name: statistics.median(xs) for name, xs in timings.items()}
    slowest = max(medians, key=lambda k: medians[k])
    worst = medians[slowest]
    return common.Result(
        NAME, worst, "s", statistics.median(base), target=f"every report <= {TARGET_S:g} s",
        met=worst <= TARGET_S,
        extra={"slowest": slowest, "lines": lines, "product_day_rows": day_rows, "samples": sizes.report_samples,
               **{f"{k}_ms": common.ms(v) for k, v in sorted(medians.items())},
               "build_s": round(build, 1)})
