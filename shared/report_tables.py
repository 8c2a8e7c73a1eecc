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


def _plain_sheet_class() -> type[Any]:
    """XlsxWriter's worksheet made cheaper per cell for our tables (~17,000 cells in «Todo» at 50 stores): ints and
    texts stored straight into its cell table (``put_rows``) and the sheet XML of our cells written by one f-string
    each instead of its generic per-attribute path (a formatted number or date ``<c r="B4" s="3"><v>1234</v></c>``,
    an unformatted shared string, rows without options). Anything else goes through XlsxWriter itself. The package
    is byte for byte XlsxWriter's own (tests/shared/test_report_tables.py compares every part), so a release that
    changes its internals fails that test rather than the files. Made once, on the first workbook (XlsxWriter is
    imported lazily)."""
    global _PLAIN_SHEET
    if _PLAIN_SHEET is not None:
        return _PLAIN_SHEET
    from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
    from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

    class PlainSheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no annotations for its internals
        def put_rows(self, first: int, rows: Sequence[tuple[Cell, ...]], formats: tuple[Any, ...]) -> None:
            """``rows`` from row ``first`` as :func:`_write_cells` writes them, the ints and texts stored
            straight into XlsxWriter's cell table as its ``write_number`` / ``write_string`` store them (after
            one bounds check per row); the other cells, a long text (and what follows it) or a row out of bounds
            through :func:`_write_cells`."""
            int_fmt = formats[0]
            table, shared, longest = self.table, self.str_table._get_shared_string_index, self.xls_strmax // 2
            for r, row in enumerate(rows, start=first):
                if not row:
                    continue
                if self.constant_memory or self._check_dimensions(r, 0) or self._check_dimensions(r, len(row) - 1):
                    _write_cells(self, r, row, range(len(row)), formats)
                    continue
                cells, rest = table[r], list[int]()
                for i, value in enumerate(row):
                    kind = type(value)
                    if kind is int:
                        cells[i] = CellNumberTuple(value, int_fmt)
                    elif kind is str and len(value) <= longest:  # type: ignore[arg-type]  # kind is str
                        cells[i] = CellStringTuple(shared(_xml_text(value)), None)  # type: ignore[arg-type]
                    elif kind is str:  # a long text: it and the rest of the row in order (texts numbered as met)
                        rest.extend(range(i, len(row)))
                        break
                    else:
                        rest.append(i)
                if rest:
                    _write_cells(self, r, row, rest, formats)

        def _write_cell(self, row: int, col: int, cell: Any) -> None:
            kind, fmt = type(cell), cell.format
            if fmt is not None and (kind is CellNumberTuple or kind is CellDatetimeTuple):
                self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}">'
                              f"<v>{cell.number:.16G}</v></c>")
            elif fmt is None and kind is CellStringTuple and not self.constant_memory and row not in self.row_info \
                    and (col not in self.col_info or self.col_info[col].column_format is None):
                self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" t="s"><v>{cell.string}</v></c>')
            else:
                super()._write_cell(row, col, cell)

        def _write_rows(self) -> None:
            """The rows as XlsxWriter writes them (``spans`` per block of 16 rows) when no row has options and no
            cell a comment, else XlsxWriter itself."""
            if self.row_info or self.comments or self.constant_memory or self.excel_version != 2007 \
                    or self.default_row_height != self.original_row_height:
                super()._write_rows()
                return
            rows = [(r, cells, sorted(cells)) for r, cells in sorted(self.table.items()) if cells]
            blocks: dict[int, tuple[int, int]] = {}
            for r, _cells, cols in rows:
                low, high = cols[0], cols[-1]
                if (seen := blocks.get(r // 16)) is not None:
                    low, high = min(low, seen[0]), max(high, seen[1])
                blocks[r // 16] = (low, high)
            self.row_spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in blocks.items()}
            write, cell_xml = self.fh.write, self._write_cell
            names: dict[int, str] = {}  # column letters
            styles: dict[int, int] = {}  # id(format) -> its xf index
            for r, cells, cols in rows:
                n = r + 1
                parts = [f'<row r="{n}" spans="{self.row_spans[r // 16]}">']
                for col in cols:
                    cell = cells[col]
                    kind, fmt = type(cell), cell.format
                    if fmt is not None and (kind is CellNumberTuple or kind is CellDatetimeTuple):
                        if (name := names.get(col)) is None:
                            name = names[col] = xl_col_to_name(col)
                        if (style := styles.get(id(fmt))) is None:
                            style = styles[id(fmt)] = fmt._get_xf_index()
                        parts.append(f'<c r="{name}{n}" s="{style}"><v>{cell.number:.16G}</v></c>')
                    elif fmt is None and kind is CellStringTuple and (
                            col not in self.col_info or self.col_info[col].column_format is None):
                        if (name := names.get(col)) is None:
                            name = names[col] = xl_col_to_name(col)
                        parts.append(f'<c r="{name}{n}" t="s"><v>{cell.string}</v></c>')
                    else:
                        write("".join(parts))
                        parts = []
                        cell_xml(r, col, cell)
                parts.append("</row>")
                write("".join(parts))

    _PLAIN_SHEET = PlainSheet
    return PlainSheet


_PLAIN_SHEET: type[Any] | None = None


def _workbook(reports: Sequence[Report[Any]], plain: bool = True) -> bytes:
    """The workbook of :func:`to_xlsx`; ``plain`` False writes it with XlsxWriter's own worksheet (the tests' yardstick
    for :func:`_plain_sheet_class`)."""
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
        sheet = book.add_worksheet(_ILLEGAL_XML.sub("", _sheet_name(table.title, taken)),
                                   _plain_sheet_class() if plain else None)
        for i, name in enumerate(table.columns):
            sheet.set_column(i, i, max(12, len(name) + 2))
        sheet.freeze_panes(3, 0)
        sheet.write_string(0, 0, _ILLEGAL_XML.sub("", table.title), title_fmt)
        sheet.write_string(1, 0, _ILLEGAL_XML.sub("", table.subtitle))
        for i, name in enumerate(table.columns):
            sheet.write_string(2, i, name, bold)
        formats = (int_fmt, decimal_fmt, day_fmt)
        if plain:
            sheet.put_rows(3, table.rows, formats)
        else:
            for r, row in enumerate(table.rows, start=3):
                _write_cells(sheet, r, row, range(len(row)), formats)
    book.close()
    return out.getvalue()


def _write_cells(sheet: Any, r: int, row: tuple[Cell, ...], columns: Iterable[int], formats: tuple[Any, ...]) -> None:
    """Row ``r``'s cells at ``columns`` through XlsxWriter's public writers: pesos and counts ``#,##0``, quantities
    ``#,##0.###``, dates ``dd-mm-yyyy`` (``formats`` in that order), texts without control characters."""
    int_fmt, decimal_fmt, day_fmt = formats
    for i in columns:
        value = row[i]
        if type(value) is int:  # the most common cell: pesos and counts
            sheet.write_number(r, i, value, int_fmt)
        elif isinstance(value, str):
            sheet.write_string(r, i, _xml_text(value))
        elif isinstance(value, date):
            sheet.write_datetime(r, i, value, day_fmt)
        elif isinstance(value, Decimal):
            sheet.write_number(r, i, value, decimal_fmt)
        else:
            sheet.write_number(r, i, int(value), int_fmt)
