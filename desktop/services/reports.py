"""The back office's Reportes: each figure for a period beside the period before it, and every table as CSV and
XLSX (figures: ``desktop.journal.report_queries``; docs/reports.md).

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

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

from desktop.journal import report_queries as q
from desktop.journal.sqlite_store import SqliteJournal
from shared import errors
from shared import fiado as fiado_mod
from shared.sale import TenderKind

R = TypeVar("R")
Cell = str | int | Decimal | date
MAX_DAYS: Final = 731
"""The longest custom period (two years): longer asks are refused rather than left to run."""
WEEKDAYS: Final = ("Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo")
REASON_NAMES: Final = {"vencimiento": "Vencimiento", "dano": "Daño", "robo": "Robo", "extravio": "Extravío",
                       "consumo_interno": "Consumo interno"}
METRIC_NAMES: Final = {"units": "unidades", "pesos": "pesos", "margin": "margen"}


class InvalidPeriod(errors.PosError):
    """A period that cannot be reported: its end before its start, or longer than :data:`MAX_DAYS`."""


def tender_name(kind: str) -> str:
    """"Efectivo", "Débito"… for a tender kind; an unknown kind as written."""
    try:
        return TenderKind(kind).label
    except ValueError:
        return kind


@dataclass(frozen=True, slots=True)
class Period:
    """Calendar days of the store (Chile) from ``start`` to ``end``, both included; ``kind`` is how it was picked
    (``today``, ``week``, ``month``, ``custom``), which decides the period before it (:meth:`previous`)."""

    start: date
    end: date
    kind: str = "custom"

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        """Raises: InvalidPeriod: ``end`` before ``start`` or more than :data:`MAX_DAYS` days."""
        if end < start:
            raise InvalidPeriod(f"El período termina ({end:%d-%m-%Y}) antes de empezar ({start:%d-%m-%Y}).")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidPeriod(f"El período tiene {(end - start).days + 1} días; el máximo es {MAX_DAYS}.")
        return cls(start, end, "custom")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period to compare with: the month before for a month (whole calendar months), else as many days
        right before ``start`` (yesterday for today, last week for this week)."""
        if self.kind == "month" or (self.start.day == 1 and (self.end + timedelta(days=1)).day == 1):
            end = self.start - timedelta(days=1)
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = end.replace(day=1)
            for _ in range(months - 1):
                start = (start - timedelta(days=1)).replace(day=1)
            return Period(start, end, self.kind)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.kind)

    @property
    def label(self) -> str:
        """``"07-12-2026"`` for one day, else ``"01-12-2026 al 07-12-2026"``."""
        if self.start == self.end:
            return f"{self.start:%d-%m-%Y}"
        return f"{self.start:%d-%m-%Y} al {self.end:%d-%m-%Y}"


@dataclass(frozen=True, slots=True)
class Table:
    """A report as the exports write it: ``title``, ``subtitle`` (the periods), ``columns`` and ``rows`` of cells
    (text, CLP int, Decimal quantities, dates)."""

    title: str
    subtitle: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class _Shape(Generic[R]):
    columns: tuple[str, ...]
    cells: Callable[[R], tuple[Cell, ...]]
    key: Callable[[R], object] | None  # rows matched with the period before by this key (None: no comparison)
    metric: Callable[[R], int]  # the figure compared and summed into ``total``
    metric_name: str


@dataclass(frozen=True, slots=True)
class Report(Generic[R]):
    """One report: ``rows`` of ``period`` and ``previous_rows`` of ``previous_period`` (empty and None for a
    report of today's state, like the stock); ``total`` is the headline figure (CLP, or the count for the hours
    grid's tickets… see ``metric_name``) of each."""

    key: str
    title: str
    period: Period
    previous_period: Period | None
    rows: tuple[R, ...]
    previous_rows: tuple[R, ...]
    total: int
    previous_total: int
    metric_name: str
    shape: _Shape[R] = field(repr=False, compare=False)
    _previous: dict[object, int] = field(init=False, repr=False, compare=False, default_factory=dict)

    @property
    def change(self) -> Decimal | None:
        """``(total - previous_total) / previous_total`` to 4 places; None without a previous figure."""
        if self.previous_period is None or self.previous_total == 0:
            return None
        return (Decimal(self.total - self.previous_total) / abs(self.previous_total)).quantize(Decimal("0.0001"))

    def __post_init__(self) -> None:
        """Index the period before's figures once (``previous_of`` is called for every row drawn)."""
        index: dict[object, int] = {}
        if self.previous_period is not None and self.shape.key is not None:
            if self.shape.key is _position:
                index = {r: self.shape.metric(b) for r, b in zip(self.rows, self.previous_rows, strict=False)}
            else:
                key = self.shape.key
                index = {key(x): self.shape.metric(x) for x in self.previous_rows}
        object.__setattr__(self, "_previous", index)

    def previous_of(self, row: R) -> int | None:
        """The figure of ``row``'s key in the period before (days and hours: the same position); None if absent."""
        if self.shape.key is None:
            return None
        return self._previous.get(row if self.shape.key is _position else self.shape.key(row))

    def _cell_before(self, row: R) -> Cell:
        """The period before's figure of ``row`` for the exported table: 0 for a key it lacked, "" past its days."""
        found = self.previous_of(row)
        if found is None:
            return "" if self.shape.key is _position else 0
        return found

    def table(self) -> Table:
        """The report as exported: its columns, plus the period before's figure when it compares row by row."""
        subtitle = f"Período: {self.period.label}"
        if self.previous_period is not None:
            subtitle += f" · anterior: {self.previous_period.label}"
        compare = self.previous_period is not None and self.shape.key is not None
        columns = self.shape.columns + ((f"{self.metric_name.capitalize()} período anterior",) if compare else ())
        if not compare:
            return Table(self.title, subtitle, columns, tuple(self.shape.cells(r) for r in self.rows))
        rows = tuple((*self.shape.cells(r), self._cell_before(r)) for r in self.rows)
        return Table(self.title, subtitle, columns, rows)


def _position(row: Any) -> object:
    """Marks rows compared by position (day i of the period with day i of the one before)."""
    return None


@dataclass(frozen=True, slots=True)
class Summary:
    """The period's headline figures and the period before's: ``sold`` (IVA incl., after returns), ``tickets``,
    ``average_ticket``, ``neto`` and ``margin`` (costed lines), ``returned``."""

    period: Period
    previous_period: Period
    sold: int
    tickets: int
    average_ticket: int
    neto: int
    margin: int
    returned: int
    previous_sold: int
    previous_tickets: int
    previous_average_ticket: int
    previous_neto: int
    previous_margin: int
    previous_returned: int


def _q3(value: Decimal) -> Decimal:
    return value if value == value.to_integral_value() else value.quantize(Decimal("0.001"))


DAY = _Shape[q.DaySales](("Día", "Boletas", "Vendido", "Devuelto", "Venta neta", "Neto", "Costo", "Margen"),
                         lambda r: (r.day, r.tickets, r.total, r.returned, r.net_total, r.neto, r.cost, r.margin),
                         _position, lambda r: r.net_total, "venta neta")
MARGIN = _Shape[q.DaySales](("Día", "Neto", "Costo", "Margen"), lambda r: (r.day, r.neto, r.cost, r.margin),
                            _position, lambda r: r.margin, "margen")
HOUR = _Shape[q.HourSales](("Día de la semana", "Hora", "Boletas", "Vendido"),
                           lambda r: (WEEKDAYS[r.weekday], f"{r.hour:02d}:00", r.tickets, r.total),
                           lambda r: (r.weekday, r.hour), lambda r: r.total, "vendido")
CATEGORY = _Shape[q.CategorySales](("Categoría", "Cantidad", "Vendido", "Neto", "Costo", "Margen"),
                                   lambda r: (r.category, _q3(r.units), r.total, r.neto, r.cost, r.margin),
                                   lambda r: r.category, lambda r: r.total, "vendido")
CASHIER = _Shape[q.CashierSales](("Cajero", "Boletas", "Vendido", "Boleta promedio", "Devoluciones", "Devuelto"),
                                 lambda r: (r.name, r.tickets, r.total, r.average_ticket, r.returns, r.returned),
                                 lambda r: r.cashier_id, lambda r: r.total, "vendido")
TENDER = _Shape[q.TenderSales](("Medio de pago", "Pagos", "Monto"),
                               lambda r: (tender_name(r.kind), r.count, r.amount),
                               lambda r: r.kind, lambda r: r.amount, "monto")
STOCK = _Shape[q.CategoryStock](("Categoría", "Productos con stock", "Valor al costo"),
                                lambda r: (r.category, r.products, r.value), None, lambda r: r.value, "valor")
SHRINK = _Shape[q.ShrinkageReason](("Motivo", "Mermas", "Valor al costo"),
                                   lambda r: (REASON_NAMES.get(r.reason, r.reason), r.count, r.value),
                                   lambda r: r.reason, lambda r: r.value, "valor")
FIADO = _Shape[q.FiadoOwed](("Cliente", "Saldo"), lambda r: (r.name, r.balance), lambda r: r.customer_id,
                            lambda r: r.balance, "saldo")


def _product_shape(by: q.ProductMetric) -> _Shape[q.ProductSales]:
    metric: Callable[[q.ProductSales], int] = {
        "units": lambda r: int(r.units), "pesos": lambda r: r.total, "margin": lambda r: r.margin}[by]
    return _Shape[q.ProductSales](
        ("SKU", "Producto", "Categoría", "Cantidad", "Vendido", "Neto", "Costo", "Margen", "Neto sin costo"),
        lambda r: (r.sku, r.name, r.category, _q3(r.units), r.total, r.neto, r.cost, r.margin, r.uncosted),
        lambda r: r.sku, metric, METRIC_NAMES[by])


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
        day = self.local_today()
        return Period(day, day, "today")

    def this_week(self) -> Period:
        """Monday to today."""
        day = self.local_today()
        return Period(day - timedelta(days=day.weekday()), day, "week")

    def this_month(self) -> Period:
        """The 1st to the month's last day (days still to come count as zero)."""
        day = self.local_today()
        end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return Period(day.replace(day=1), end, "month")

    # --- reports --------------------------------------------------------------------------------------------

    def _compare(self, key: str, title: str, period: Period, shape: _Shape[R],
                 query: Callable[[date, date], Sequence[R]]) -> Report[R]:
        before = period.previous()
        rows, previous = tuple(query(period.start, period.end)), tuple(query(before.start, before.end))
        return Report(key, title, period, before, rows, previous, sum(shape.metric(r) for r in rows),
                      sum(shape.metric(r) for r in previous), shape.metric_name, shape)

    def sales_by_day(self, period: Period) -> Report[q.DaySales]:
        """Every day of the period (net of returns); total: the net sales."""
        conn = self.journal.conn
        return self._compare("sales_by_day", "Ventas por día", period, DAY,
                             lambda a, b: q.sales_by_day(conn, a, b))

    def margin_over_time(self, period: Period) -> Report[q.DaySales]:
        """The margin (costed lines) of every day of the period; total: the period's margin."""
        conn = self.journal.conn
        return self._compare("margin_over_time", "Margen por día", period, MARGIN,
                             lambda a, b: q.sales_by_day(conn, a, b))

    def sales_by_hour(self, period: Period) -> Report[q.HourSales]:
        """The 7 × 24 grid (Monday 00:00 first) of sales by weekday and hour."""
        conn = self.journal.conn
        return self._compare("sales_by_hour", "Ventas por hora y día de la semana", period, HOUR,
                             lambda a, b: q.sales_by_hour(conn, a, b))

    def sales_by_category(self, period: Period) -> Report[q.CategorySales]:
        conn = self.journal.conn
        return self._compare("sales_by_category", "Ventas por categoría", period, CATEGORY,
                             lambda a, b: q.sales_by_category(conn, a, b))

    def sales_by_cashier(self, period: Period) -> Report[q.CashierSales]:
        conn = self.journal.conn
        return self._compare("sales_by_cashier", "Ventas por cajero", period, CASHIER,
                             lambda a, b: q.sales_by_cashier(conn, a, b))

    def sales_by_tender(self, period: Period) -> Report[q.TenderSales]:
        conn = self.journal.conn
        return self._compare("sales_by_tender", "Ventas por medio de pago", period, TENDER,
                             lambda a, b: q.sales_by_tender(conn, a, b))

    def top_products(self, period: Period, by: q.ProductMetric = "pesos", *, bottom: bool = False,
                     limit: int = 10) -> Report[q.ProductSales]:
        """The ``limit`` best (``bottom``: worst sold) products by units, pesos or margin; the period before's
        figure of each is looked up for the same products. Raises: ValueError: an unknown ``by``."""
        conn = self.journal.conn
        shape = _product_shape(by)
        before = period.previous()
        rows = tuple(q.top_products(conn, period.start, period.end, by, bottom=bottom, limit=limit))
        previous = tuple(q.top_products(conn, before.start, before.end, by, bottom=bottom, limit=len(rows),
                                        skus=[r.sku for r in rows])) if rows else ()
        which = "menos" if bottom else "más"
        title = f"Productos {which} vendidos por {METRIC_NAMES[by]}"
        return Report(f"{'bottom' if bottom else 'top'}_products_{by}", title, period, before, rows, previous,
                      sum(shape.metric(r) for r in rows), sum(shape.metric(r) for r in previous), shape.metric_name,
                      shape)

    def stock_by_category(self) -> Report[q.CategoryStock]:
        """Today's stock value at cost by category (no period before: the past stock is not valued)."""
        rows = tuple(q.stock_by_category(self.journal.conn))
        return Report("stock_by_category", "Valor del stock por categoría", self.today(), None, rows, (),
                      sum(r.value for r in rows), 0, STOCK.metric_name, STOCK)

    def shrinkage_by_reason(self, period: Period) -> Report[q.ShrinkageReason]:
        conn = self.journal.conn
        return self._compare("shrinkage_by_reason", "Mermas por motivo", period, SHRINK,
                             lambda a, b: q.shrinkage_by_reason(conn, a, b))

    def fiado_outstanding(self, period: Period) -> Report[q.FiadoOwed]:
        """Fiado balances at the end of the period's last day (and of the period before's)."""
        conn = self.journal.conn
        return self._compare("fiado_outstanding", "Fiado por cobrar", period, FIADO,
                             lambda a, b: q.fiado_outstanding(conn, b))

    def summary(self, period: Period) -> Summary:
        """The headline figures of ``period`` and of the period before."""
        days = self.sales_by_day(period)

        def sums(rows: tuple[q.DaySales, ...]) -> tuple[int, int, int, int, int, int]:
            tickets = sum(r.tickets for r in rows)
            sold = sum(r.net_total for r in rows)
            return (sold, tickets, round(sum(r.total for r in rows) / tickets) if tickets else 0,
                    sum(r.neto for r in rows), sum(r.margin for r in rows), sum(r.returned for r in rows))

        assert days.previous_period is not None
        return Summary(period, days.previous_period, *sums(days.rows), *sums(days.previous_rows))

    def all_reports(self, period: Period) -> list[Report[Any]]:
        """Every report of the period, in the order the Reportes page shows them (for one workbook)."""
        return [self.sales_by_day(period), self.sales_by_hour(period), self.sales_by_category(period),
                self.sales_by_cashier(period), self.sales_by_tender(period),
                *(self.top_products(period, by) for by in ("units", "pesos", "margin")),
                *(self.top_products(period, by, bottom=True) for by in ("units", "pesos", "margin")),
                self.margin_over_time(period), self.stock_by_category(), self.shrinkage_by_reason(period),
                self.fiado_outstanding(period)]


# --- exports ------------------------------------------------------------------------------------------------

def _csv_cell(value: Cell) -> str | int:
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return value


def to_csv(report: Report[Any]) -> bytes:
    """One report as CSV for Excel in Chile (as the kardex export): UTF-8 with BOM, ``;`` between fields, a decimal
    comma, a first row with the title and the periods; pesos as plain numbers so a spreadsheet adds them."""
    table = report.table()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([table.title, table.subtitle])
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_name(title: str, taken: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    name, n = base, 2
    while name in taken:
        suffix = f" {n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def to_xlsx(reports: Sequence[Report[Any]]) -> bytes:
    """Reports as one Excel workbook, a sheet each: title, periods, the header (bold, frozen), real numbers and
    dates (pesos ``#,##0``, quantities to the gram)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for report in reports:
        table = report.table()
        sheet = book.create_sheet(_sheet_name(table.title, taken))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([table.subtitle])
        sheet.append(list(table.columns))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
            for col, value in enumerate(row, start=1):
                if isinstance(value, date):
                    sheet.cell(sheet.max_row, col).number_format = "dd-mm-yyyy"
                elif isinstance(value, Decimal):
                    sheet.cell(sheet.max_row, col).number_format = "#,##0.###"
                elif isinstance(value, int):
                    sheet.cell(sheet.max_row, col).number_format = "#,##0"
        for i, name in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(3, i).column_letter].width = max(12, len(name) + 2)
        sheet.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
