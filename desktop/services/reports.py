"""The back office's Reportes: each figure for a period beside the period before it, and every table as CSV and
XLSX (figures: ``desktop.journal.report_queries``; shapes and files: ``shared.report_tables``; docs/reports.md).

API, for the Reportes page (every result is a frozen dataclass)::

    service = ReportsService(journal, clock)         # terminal.reports
    period = service.this_month()                     # or today(), this_week(), Period.custom(start, end)
    report = service.sales_by_day(period)             # -> Report[DaySales]
    report.rows, report.previous_rows                 # tuples of rows: this period's and the period before's
    report.total, report.previous_total, report.change   # the headline figure (CLP) and its relative change
    service.summary(period)                           # -> Summary: sold, tickets, average ticket, margin, with before
    to_csv(report) / to_xlsx([report, ...])           # bytes of the files; save(reports, path) by the suffix

Reports (``Report.key``): ``sales_by_day``, ``sales_by_hour`` (7 × 24 cells), ``sales_by_category``,
``sales_by_cashier``, ``sales_by_tender``, ``top_products(period, by="units"|"pesos"|"margin", bottom=False)``,
``margin_over_time`` (the days' margin), ``stock_by_category`` (today's stock; no period), ``shrinkage_by_reason``
and ``fiado_outstanding`` (balances at the period's last day). ``Report.table()`` is the table exported: its
columns in Spanish and, for keyed rows, the period before's figure beside each row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from desktop.journal import report_queries as q
from desktop.journal.sqlite_store import SqliteJournal
from shared import fiado as fiado_mod
from shared.report_tables import (
    CASHIER,
    CATEGORY,
    DAY,
    FIADO,
    HOUR,
    MARGIN,
    MAX_DAYS,
    METRIC_NAMES,
    REASON_NAMES,
    SHRINK,
    STOCK,
    TENDER,
    TITLES,
    WEEKDAYS,
    Cell,
    InvalidPeriod,
    Period,
    Report,
    Shape,
    Summary,
    Table,
    compare,
    product_key,
    product_shape,
    product_title,
    state,
    summarize,
    tender_name,
    to_csv,
    to_xlsx,
)

__all__ = ["MAX_DAYS", "METRIC_NAMES", "REASON_NAMES", "WEEKDAYS", "Cell", "InvalidPeriod", "Period", "Report",
           "ReportsService", "Summary", "Table", "save", "tender_name", "to_csv", "to_xlsx"]

R = TypeVar("R")


class ReportsService:
    """The reports of this store's journal (read only: nothing is journaled)."""

    def __init__(self, journal: SqliteJournal, clock: Callable[[], datetime] | None = None) -> None:
        self.journal = journal
        self.clock = clock or (lambda: datetime.now(UTC))

    # --- periods --------------------------------------------------------------------------------------------

    def local_today(self) -> date:
        """Today in the store (Chile)."""
        now = self.clock()
        return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(fiado_mod.CHILE).date()

    def today(self) -> Period:
        return Period.day_of(self.local_today())

    def this_week(self) -> Period:
        """Monday to today."""
        return Period.week_of(self.local_today())

    def this_month(self) -> Period:
        """The 1st to the month's last day (days still to come count as zero)."""
        return Period.month_of(self.local_today())

    # --- reports --------------------------------------------------------------------------------------------

    def _compare(self, key: str, period: Period, shape: Shape[R],
                 query: Callable[[date, date], Sequence[R]]) -> Report[R]:
        before = period.previous()
        return compare(key, TITLES[key], period, shape, query(period.start, period.end),
                       query(before.start, before.end))

    def sales_by_day(self, period: Period) -> Report[q.DaySales]:
        """Every day of the period (net of returns); total: the net sales."""
        conn = self.journal.conn
        return self._compare("sales_by_day", period, DAY, lambda a, b: q.sales_by_day(conn, a, b))

    def margin_over_time(self, period: Period) -> Report[q.DaySales]:
        """The margin (costed lines) of every day of the period; total: the period's margin."""
        conn = self.journal.conn
        return self._compare("margin_over_time", period, MARGIN, lambda a, b: q.sales_by_day(conn, a, b))

    def sales_by_hour(self, period: Period) -> Report[q.HourSales]:
        """The 7 × 24 grid (Monday 00:00 first) of sales by weekday and hour."""
        conn = self.journal.conn
        return self._compare("sales_by_hour", period, HOUR, lambda a, b: q.sales_by_hour(conn, a, b))

    def sales_by_category(self, period: Period) -> Report[q.CategorySales]:
        conn = self.journal.conn
        return self._compare("sales_by_category", period, CATEGORY, lambda a, b: q.sales_by_category(conn, a, b))

    def sales_by_cashier(self, period: Period) -> Report[q.CashierSales]:
        conn = self.journal.conn
        return self._compare("sales_by_cashier", period, CASHIER, lambda a, b: q.sales_by_cashier(conn, a, b))

    def sales_by_tender(self, period: Period) -> Report[q.TenderSales]:
        conn = self.journal.conn
        return self._compare("sales_by_tender", period, TENDER, lambda a, b: q.sales_by_tender(conn, a, b))

    def top_products(self, period: Period, by: q.ProductMetric = "pesos", *, bottom: bool = False,
                     limit: int = 10) -> Report[q.ProductSales]:
        """The ``limit`` best (``bottom``: worst sold) products by units, pesos or margin; the period before's
        figure of each is looked up for the same products. Raises: ValueError: an unknown ``by``."""
        conn = self.journal.conn
        before = period.previous()
        rows = q.top_products(conn, period.start, period.end, by, bottom=bottom, limit=limit)
        previous = q.top_products(conn, before.start, before.end, by, bottom=bottom, limit=len(rows),
                                  skus=[r.sku for r in rows]) if rows else []
        return compare(product_key(by, bottom), product_title(by, bottom), period, product_shape(by), rows,
                       previous)

    def stock_by_category(self) -> Report[q.CategoryStock]:
        """Today's stock value at cost by category (no period before: the past stock is not valued)."""
        return state("stock_by_category", TITLES["stock_by_category"], self.local_today(), STOCK,
                     q.stock_by_category(self.journal.conn))

    def shrinkage_by_reason(self, period: Period) -> Report[q.ShrinkageReason]:
        conn = self.journal.conn
        return self._compare("shrinkage_by_reason", period, SHRINK, lambda a, b: q.shrinkage_by_reason(conn, a, b))

    def fiado_outstanding(self, period: Period) -> Report[q.FiadoOwed]:
        """Fiado balances at the end of the period's last day (and of the period before's)."""
        conn = self.journal.conn
        return self._compare("fiado_outstanding", period, FIADO, lambda a, b: q.fiado_outstanding(conn, b))

    def summary(self, period: Period) -> Summary:
        """The headline figures of ``period`` and of the period before."""
        return summarize(self.sales_by_day(period))

    def all_reports(self, period: Period) -> list[Report[Any]]:
        """Every report of the period, in the order the Reportes page shows them (for one workbook)."""
        return [self.sales_by_day(period), self.sales_by_hour(period), self.sales_by_category(period),
                self.sales_by_cashier(period), self.sales_by_tender(period),
                *(self.top_products(period, by) for by in ("units", "pesos", "margin")),
                *(self.top_products(period, by, bottom=True) for by in ("units", "pesos", "margin")),
                self.margin_over_time(period), self.stock_by_category(), self.shrinkage_by_reason(period),
                self.fiado_outstanding(period)]


# --- files ---------------------------------------------------------------------------------------------------

def save(reports: Report[Any] | Sequence[Report[Any]], path: Path) -> Path:
    """Write ``reports`` to ``path`` as its suffix says: ``.xlsx`` (a sheet each) or ``.csv`` (one report only).

    Raises: ValueError: another suffix, or several reports to one CSV; OSError: the file could not be written."""
    many = list(reports) if isinstance(reports, Sequence) else [reports]
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        data = to_xlsx(many)
    elif suffix == ".csv":
        if len(many) != 1:
            raise ValueError("Un archivo CSV lleva un solo informe: use .xlsx para varios.")
        data = to_csv(many[0])
    else:
        raise ValueError(f"Formato desconocido {path.suffix!r}: use .csv o .xlsx.")
    path.write_bytes(data)
    return path
