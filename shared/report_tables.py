"""Reports as the back office and HQ show and export them: periods, each report's columns in Spanish, the period
before beside each row, the headline figures, and the CSV and XLSX files (docs/reports.md).

Rows are any objects with the report's fields (``shared.reports``' rows, from ``desktop.journal.report_queries`` on
the till and ``syncserver.store.reports`` at HQ): the shapes read them by attribute (the ``*Row`` protocols), so both
write the same files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Generic, Literal, Protocol, TypeVar

from shared import errors
from shared.sale import TenderKind

R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)
Cell = str | int | Decimal | date
ProductMetric = Literal["units", "pesos", "margin"]
MAX_DAYS: Final = 731
"""The longest custom period (two years): longer asks are refused rather than left to run."""
WEEKDAYS: Final = ("Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo")
REASON_NAMES: Final = {"vencimiento": "Vencimiento", "dano": "Daño", "robo": "Robo", "extravio": "Extravío",
                       "consumo_interno": "Consumo interno"}
METRIC_NAMES: Final = {"units": "unidades", "pesos": "pesos", "margin": "margen"}
PERIOD_KINDS: Final = ("today", "week", "month", "custom")


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

    @classmethod
    def day_of(cls, day: date) -> Period:
        """«Hoy»: the one day ``day``."""
        return cls(day, day, "today")

    @classmethod
    def week_of(cls, day: date) -> Period:
        """«Esta semana»: Monday to ``day``."""
        return cls(day - timedelta(days=day.weekday()), day, "week")

    @classmethod
    def month_of(cls, day: date) -> Period:
        """«Este mes»: the 1st to the month's last day (days still to come count as zero)."""
        end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return cls(day.replace(day=1), end, "month")

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


# --- the rows' fields each report reads ---------------------------------------------------------------------

class DayRow(Protocol):
    @property
    def day(self) -> date: ...
    @property
    def tickets(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def returned(self) -> int: ...
    @property
    def net_total(self) -> int: ...
    @property
    def neto(self) -> int: ...
    @property
    def cost(self) -> int: ...
    @property
    def margin(self) -> int: ...


class HourRow(Protocol):
    @property
    def weekday(self) -> int: ...
    @property
    def hour(self) -> int: ...
    @property
    def tickets(self) -> int: ...
    @property
    def total(self) -> int: ...


class CategoryRow(Protocol):
    @property
    def category(self) -> str: ...
    @property
    def units(self) -> Decimal: ...
    @property
    def total(self) -> int: ...
    @property
    def neto(self) -> int: ...
    @property
    def cost(self) -> int: ...
    @property
    def margin(self) -> int: ...


class CashierRow(Protocol):
    @property
    def cashier_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def tickets(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def average_ticket(self) -> int: ...
    @property
    def returns(self) -> int: ...
    @property
    def returned(self) -> int: ...


class TenderRow(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def amount(self) -> int: ...


class ProductRow(Protocol):
    @property
    def sku(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def units(self) -> Decimal: ...
    @property
    def total(self) -> int: ...
    @property
    def neto(self) -> int: ...
    @property
    def cost(self) -> int: ...
    @property
    def margin(self) -> int: ...
    @property
    def uncosted(self) -> int: ...


class StockRow(Protocol):
    @property
    def category(self) -> str: ...
    @property
    def products(self) -> int: ...
    @property
    def value(self) -> int: ...


class ShrinkageRow(Protocol):
    @property
    def reason(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def value(self) -> int: ...


class FiadoRow(Protocol):
    @property
    def customer_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def balance(self) -> int: ...


# --- reports ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Table:
    """A report as the exports write it: ``title``, ``subtitle`` (the periods), ``columns`` and ``rows`` of cells
    (text, CLP int, Decimal quantities, dates)."""

    title: str
    subtitle: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Shape(Generic[R_contra]):
    """How one report's rows are written: ``columns`` and ``cells`` of a row; ``key`` matches a row with the
    period before's (None: no comparison; :func:`by_position`: day i with day i); ``metric`` is the figure
    compared and summed into ``Report.total``, called ``metric_name``."""

    columns: tuple[str, ...]
    cells: Callable[[R_contra], tuple[Cell, ...]]
    key: Callable[[R_contra], object] | None
    metric: Callable[[R_contra], int]
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
    shape: Shape[R] = field(repr=False, compare=False)
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
            if self.shape.key is by_position:
                index = {r: self.shape.metric(b) for r, b in zip(self.rows, self.previous_rows, strict=False)}
            else:
                key = self.shape.key
                index = {key(x): self.shape.metric(x) for x in self.previous_rows}
        object.__setattr__(self, "_previous", index)

    def previous_of(self, row: R) -> int | None:
        """The figure of ``row``'s key in the period before (days and hours: the same position); None if absent."""
        if self.shape.key is None:
            return None
        return self._previous.get(row if self.shape.key is by_position else self.shape.key(row))

    def _cell_before(self, row: R) -> Cell:
        """The period before's figure of ``row`` for the exported table: 0 for a key it lacked, "" past its days."""
        found = self.previous_of(row)
        if found is None:
            return "" if self.shape.key is by_position else 0
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


def by_position(row: Any) -> object:
    """Marks rows compared by position (day i of the period with day i of the one before)."""
    return None


def compare(key: str, title: str, period: Period, shape: Shape[R], rows: Iterable[R],
            previous_rows: Iterable[R]) -> Report[R]:
    """The report of ``rows`` (of ``period``) beside ``previous_rows`` (of ``period.previous()``)."""
    now, before = tuple(rows), tuple(previous_rows)
    return Report(key, title, period, period.previous(), now, before, sum(shape.metric(r) for r in now),
                  sum(shape.metric(r) for r in before), shape.metric_name, shape)


def state(key: str, title: str, day: date, shape: Shape[R], rows: Iterable[R]) -> Report[R]:
    """A report of the state on ``day`` (the stock): no period before."""
    now = tuple(rows)
    return Report(key, title, Period.day_of(day), None, now, (), sum(shape.metric(r) for r in now), 0,
                  shape.metric_name, shape)


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


def summarize(days: Report[Any]) -> Summary:
    """The headline figures of a ``sales_by_day`` report (rows: :class:`DayRow`) and of its period before."""

    def sums(rows: Sequence[DayRow]) -> tuple[int, int, int, int, int, int]:
        tickets = sum(r.tickets for r in rows)
        sold = sum(r.net_total for r in rows)
        return (sold, tickets, round(sum(r.total for r in rows) / tickets) if tickets else 0,
                sum(r.neto for r in rows), sum(r.margin for r in rows), sum(r.returned for r in rows))

    previous = days.previous_period if days.previous_period is not None else days.period.previous()
    return Summary(days.period, previous, *sums(days.rows), *sums(days.previous_rows))


def _q3(value: Decimal) -> Decimal:
    return value if value == value.to_integral_value() else value.quantize(Decimal("0.001"))


DAY: Final = Shape[DayRow](("Día", "Boletas", "Vendido", "Devuelto", "Venta neta", "Neto", "Costo", "Margen"),
                           lambda r: (r.day, r.tickets, r.total, r.returned, r.net_total, r.neto, r.cost, r.margin),
                           by_position, lambda r: r.net_total, "venta neta")
MARGIN: Final = Shape[DayRow](("Día", "Neto", "Costo", "Margen"), lambda r: (r.day, r.neto, r.cost, r.margin),
                              by_position, lambda r: r.margin, "margen")
HOUR: Final = Shape[HourRow](("Día de la semana", "Hora", "Boletas", "Vendido"),
                             lambda r: (WEEKDAYS[r.weekday], f"{r.hour:02d}:00", r.tickets, r.total),
                             lambda r: (r.weekday, r.hour), lambda r: r.total, "vendido")
CATEGORY: Final = Shape[CategoryRow](("Categoría", "Cantidad", "Vendido", "Neto", "Costo", "Margen"),
                                     lambda r: (r.category, _q3(r.units), r.total, r.neto, r.cost, r.margin),
                                     lambda r: r.category, lambda r: r.total, "vendido")
CASHIER: Final = Shape[CashierRow](("Cajero", "Boletas", "Vendido", "Boleta promedio", "Devoluciones", "Devuelto"),
                                   lambda r: (r.name, r.tickets, r.total, r.average_ticket, r.returns, r.returned),
                                   lambda r: r.cashier_id, lambda r: r.total, "vendido")
TENDER: Final = Shape[TenderRow](("Medio de pago", "Pagos", "Monto"),
                                 lambda r: (tender_name(r.kind), r.count, r.amount),
                                 lambda r: r.kind, lambda r: r.amount, "monto")
STOCK: Final = Shape[StockRow](("Categoría", "Productos con stock", "Valor al costo"),
                               lambda r: (r.category, r.products, r.value), None, lambda r: r.value, "valor")
SHRINK: Final = Shape[ShrinkageRow](("Motivo", "Mermas", "Valor al costo"),
                                    lambda r: (REASON_NAMES.get(r.reason, r.reason), r.count, r.value),
                                    lambda r: r.reason, lambda r: r.value, "valor")
FIADO: Final = Shape[FiadoRow](("Cliente", "Saldo"), lambda r: (r.name, r.balance), lambda r: r.customer_id,
                               lambda r: r.balance, "saldo")

TITLES: Final = {"sales_by_day": "Ventas por día", "margin_over_time": "Margen por día",
                 "sales_by_hour": "Ventas por hora y día de la semana", "sales_by_category": "Ventas por categoría",
                 "sales_by_cashier": "Ventas por cajero", "sales_by_tender": "Ventas por medio de pago",
                 "stock_by_category": "Valor del stock por categoría", "shrinkage_by_reason": "Mermas por motivo",
                 "fiado_outstanding": "Fiado por cobrar"}
"""Each report's title by its ``Report.key`` (the products' come from :func:`product_title`)."""


def product_shape(by: ProductMetric) -> Shape[ProductRow]:
    """The top/bottom products' shape, its figure ``by`` units, pesos or margin. Raises: KeyError: another ``by``."""
    metric: Callable[[ProductRow], int] = {
        "units": lambda r: int(r.units), "pesos": lambda r: r.total, "margin": lambda r: r.margin}[by]
    return Shape[ProductRow](
        ("SKU", "Producto", "Categoría", "Cantidad", "Vendido", "Neto", "Costo", "Margen", "Neto sin costo"),
        lambda r: (r.sku, r.name, r.category, _q3(r.units), r.total, r.neto, r.cost, r.margin, r.uncosted),
        lambda r: r.sku, metric, METRIC_NAMES[by])


def product_key(by: ProductMetric, bottom: bool) -> str:
    """``top_products_units``, ``bottom_products_margin``…"""
    return f"{'bottom' if bottom else 'top'}_products_{by}"


def product_title(by: ProductMetric, bottom: bool) -> str:
    """«Productos más vendidos por pesos», «Productos menos vendidos por margen»…"""
    return f"Productos {'menos' if bottom else 'más'} vendidos por {METRIC_NAMES[by]}"


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


_ILLEGAL_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    """``value`` without the control characters Excel refuses (most texts have none: checked at C speed first)."""
    return value if value.isprintable() else _ILLEGAL_XML.sub("", value)


def to_xlsx(reports: Sequence[Report[Any]]) -> bytes:
    """Reports as one Excel workbook, a sheet each: title (bold 14), periods, the header (bold, frozen), real
    numbers and dates (pesos ``#,##0``, quantities to the gram, dates ``dd-mm-yyyy``), columns as wide as their
    titles; control characters Excel refuses are dropped. Written by XlsxWriter in memory; the garbage collector
    is paused while it writes (its thousands of cells would set off full collections: docs/reports.md)."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        return _workbook(reports)
    finally:
        if paused:
            gc.enable()


def _workbook(reports: Sequence[Report[Any]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    title_fmt, bold = book.add_format({"bold": True, "font_size": 14}), book.add_format({"bold": True})
    day_fmt, decimal_fmt = book.add_format({"num_format": "dd-mm-yyyy"}), book.add_format({"num_format": "#,##0.###"})
    int_fmt = book.add_format({"num_format": "#,##0"})
    taken: set[str] = set()
    for report in reports:
        table = report.table()
        sheet = book.add_worksheet(_ILLEGAL_XML.sub("", _sheet_name(table.title, taken)))
        for i, name in enumerate(table.columns):
            sheet.set_column(i, i, max(12, len(name) + 2))
        sheet.freeze_panes(3, 0)
        sheet.write_string(0, 0, _ILLEGAL_XML.sub("", table.title), title_fmt)
        sheet.write_string(1, 0, _ILLEGAL_XML.sub("", table.subtitle))
        for i, name in enumerate(table.columns):
            sheet.write_string(2, i, name, bold)
        text, number, moment = sheet.write_string, sheet.write_number, sheet.write_datetime
        for r, row in enumerate(table.rows, start=3):
            for i, value in enumerate(row):
                if type(value) is int:  # the most common cell: pesos and counts
                    number(r, i, value, int_fmt)
                elif isinstance(value, str):
                    text(r, i, _xml_text(value))
                elif isinstance(value, date):
                    moment(r, i, value, day_fmt)
                elif isinstance(value, Decimal):
                    number(r, i, value, decimal_fmt)
                else:
                    number(r, i, int(value), int_fmt)
    book.close()
    return out.getvalue()
