"""The Reportes section: a period (today, this week, this month, a custom range) beside the period before it, the
headline figures, one report at a time as a chart and a table, and the exports (CSV, Excel, every report in one
workbook). Figures from ``desktop.services.reports`` (docs/reports.md); the page in docs/back-office.md."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

from desktop.journal import report_queries as q
from desktop.presenters.backoffice.customers import day_text, parse_day
from desktop.services import reports as svc
from desktop.services.reports import Period, Report, Summary
from shared import errors, es_cl, money

ChartKind = Literal["bars", "line", "hbars", "heatmap"]

REPORTS = (
    ("sales_by_day", "Ventas por día"),
    ("sales_by_hour", "Ventas por hora"),
    ("sales_by_category", "Ventas por categoría"),
    ("sales_by_cashier", "Ventas por cajero"),
    ("sales_by_tender", "Medios de pago"),
    ("products", "Productos"),
    ("margin_over_time", "Margen por día"),
    ("stock_by_category", "Stock por categoría"),
    ("shrinkage_by_reason", "Mermas por motivo"),
    ("fiado_outstanding", "Fiado por cobrar"),
)
"""The reports offered, in the chooser's order: (key, title)."""

PRODUCT_VIEWS = (
    ("top_products_pesos", "Más vendidos ($)"),
    ("top_products_units", "Más vendidos (unid.)"),
    ("top_products_margin", "Más margen"),
    ("bottom_products_pesos", "Menos vendidos ($)"),
    ("bottom_products_units", "Menos vendidos (unid.)"),
    ("bottom_products_margin", "Menos margen"),
)
"""The «Productos» report's rankings: (the service's ``Report.key``, title)."""

PERIODS = (("today", "Hoy"), ("week", "Esta semana"), ("month", "Este mes"), ("custom", "Otro período"))
CHART_KINDS: dict[str, ChartKind] = {"sales_by_day": "bars", "margin_over_time": "line", "sales_by_hour": "heatmap"}
"""How each report is drawn; the others are horizontal bars, one per name."""
CHART_ROWS = 10
"""Names drawn as bars at most (the largest); the table lists them all."""
WEEKDAYS_SHORT = ("Lu", "Ma", "Mi", "Ju", "Vi", "Sá", "Do")
WEEKDAYS_ABBR = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
FIRST_COLUMNS = {"sales_by_hour": "Día y hora", "pesos": "Producto", "units": "Producto", "margin": "Producto"}
"""The table's first column where the export's would not name the row (the hours grid's, the rankings' SKU)."""
METRIC_COLUMNS = {"pesos": "Vendido", "unidades": "Unidades"}
EMPTY = {"sales_by_day": "Sin ventas en el período", "sales_by_hour": "Sin ventas en el período",
         "sales_by_category": "Sin ventas en el período", "sales_by_cashier": "Sin ventas en el período",
         "sales_by_tender": "Sin pagos en el período", "products": "Sin productos vendidos en el período",
         "margin_over_time": "Sin ventas en el período", "stock_by_category": "No hay stock valorizado",
         "shrinkage_by_reason": "Sin mermas en el período",
         "fiado_outstanding": "Nadie debe fiado al cierre del período"}


class ReportsSource(Protocol):
    """The figures the page reads (``ServiceReports`` over the till's ``ReportsService``; a fake in tests)."""

    def period(self, kind: str) -> Period:
        """``"today"``, ``"week"`` or ``"month"`` of the store's calendar."""
        ...

    def summary(self, period: Period) -> Summary: ...

    def report(self, key: str, period: Period) -> Report[Any]:
        """The report ``key`` (a ``REPORTS`` key, or a ``PRODUCT_VIEWS`` key for the products)."""
        ...

    def all_reports(self, period: Period) -> Sequence[Report[Any]]: ...

    def save(self, reports: Sequence[Report[Any]], path: Path) -> Path:
        """Write ``reports`` as ``path``'s suffix says. Raises: OSError, ValueError."""
        ...


class ServiceReports:
    """``ReportsSource`` over the till's ``ReportsService``, each read under the journal's ``lock`` (the sync
    thread shares its connection)."""

    def __init__(self, service: svc.ReportsService,
                 lock: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        self.service, self.lock = service, lock

    def period(self, kind: str) -> Period:
        return {"today": self.service.today, "week": self.service.this_week,
                "month": self.service.this_month}[kind]()

    def summary(self, period: Period) -> Summary:
        with self.lock():
            return self.service.summary(period)

    def report(self, key: str, period: Period) -> Report[Any]:
        with self.lock():
            if key.startswith(("top_products_", "bottom_products_")):
                which, _, by = key.partition("_products_")
                if by not in ("units", "pesos", "margin"):
                    raise ValueError(f"unknown ranking {key!r}")
                return self.service.top_products(period, by, bottom=which == "bottom")  # type: ignore[arg-type]
            if key == "stock_by_category":
                return self.service.stock_by_category()
            method: Callable[[Period], Report[Any]] = getattr(self.service, key)
            return method(period)

    def all_reports(self, period: Period) -> Sequence[Report[Any]]:
        with self.lock():
            return self.service.all_reports(period)

    def save(self, reports: Sequence[Report[Any]], path: Path) -> Path:
        return svc.save(reports, path)


# --- figures as people read them ----------------------------------------------------------------------------

def change_text(now: int, before: int | None) -> tuple[str, str]:
    """(text, trend) of a figure against the period before: ``("+12,5 %", "up")``, ``("−3 %", "down")``,
    ``("=", "")``; ``("nuevo", "up")`` from nothing; ``("", "")`` when there is no figure before."""
    if before is None:
        return "", ""
    if before == 0:
        return ("nuevo", "up") if now > 0 else (("—", "") if now == 0 else ("nuevo", "down"))
    change = (Decimal(now - before) * 100 / abs(before)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if change == 0:
        return "=", ""
    places = 0 if abs(change) >= 10 else 1
    text = es_cl.number(abs(change).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), places=places)
    return (f"+{text} %", "up") if change > 0 else (f"−{text} %", "down")


def short_amount(value: float) -> str:
    """An axis tick in pesos, short: ``$850``, ``$12 mil``, ``$1,5 M``."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1_000_000:
        scaled = Decimal(str(value)) / 1_000_000
        return f"{sign}${es_cl.number(scaled.quantize(Decimal('0.1'), ROUND_HALF_UP))} M"
    if value >= 1_000:
        return f"{sign}${es_cl.number(int((Decimal(str(value)) / 1000).quantize(Decimal(1), ROUND_HALF_UP)))} mil"
    return f"{sign}${int(Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP))}"


def _units(value: Decimal) -> str:
    return es_cl.number(value if value != value.to_integral_value() else value.quantize(Decimal(1)))


def row_label(row: object) -> str:
    """The name a row goes by on the chart and in the table's first column."""
    if isinstance(row, q.DaySales):
        return f"{WEEKDAYS_ABBR[row.day.weekday()]} {row.day:%d-%m}"
    if isinstance(row, q.HourSales):
        return f"{svc.WEEKDAYS[row.weekday]} {row.hour:02d}:00"
    if isinstance(row, q.CategorySales | q.CategoryStock):
        return row.category
    if isinstance(row, q.CashierSales | q.FiadoOwed | q.ProductSales):
        return row.name
    if isinstance(row, q.TenderSales):
        return svc.tender_name(row.kind)
    if isinstance(row, q.ShrinkageReason):
        return svc.REASON_NAMES.get(row.reason, row.reason)
    raise TypeError(f"no label for {type(row).__name__}")


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline card: ``title``, ``value`` this period, ``change`` against the period before and its ``trend``
    (``"up"``, ``"down"``, ``""``), ``before`` (the figure before, for a tooltip)."""

    title: str
    value: str
    change: str
    trend: str
    before: str


@dataclass(frozen=True, slots=True)
class Chart:
    """What the chart draws. ``kind``: ``bars`` (one per day, ``previous`` as a line), ``line``, ``hbars`` (one
    per name, ``previous`` beside each) or ``heatmap`` (``values`` row by row: 7 weekdays × 24 hours, ``columns``
    the hours). ``money``: the values are CLP (else units); ``series``: the legend's words."""

    kind: ChartKind = "bars"
    labels: tuple[str, ...] = ()
    values: tuple[int, ...] = ()
    previous: tuple[int, ...] = ()
    columns: tuple[str, ...] = ()
    money: bool = True
    series: tuple[str, str] = ("Este período", "Período anterior")
    empty: str = ""
    """Said instead of the chart when nothing happened (``""``: there is something to draw)."""


@dataclass(frozen=True, slots=True)
class Line:
    """A row of the table: ``name``, ``figure`` this period, and against the period before: ``before`` (its
    figure), ``change`` and ``trend`` (all ``""`` for a report without comparison)."""

    name: str
    figure: str
    before: str = ""
    change: str = ""
    trend: str = ""


@dataclass(frozen=True, slots=True)
class ReportsView:
    period_kind: str = "month"
    period: str = ""
    """The period shown over the one compared: ``"01-12-2026 al 31-12-2026\nvs 01-11-2026 al 30-11-2026"``."""
    custom_open: bool = False
    start: str = ""
    end: str = ""
    report: str = REPORTS[0][0]
    reports: tuple[tuple[str, str], ...] = REPORTS
    variant: str = PRODUCT_VIEWS[0][0]
    variants: tuple[tuple[str, str], ...] = ()
    """The rankings of the products report (empty for the others: no second chooser)."""
    figures: tuple[Figure, ...] = ()
    title: str = ""
    chart: Chart = Chart()
    columns: tuple[str, ...] = ()
    """The table's header: the name, the figure and, when the report compares, «Var.»."""
    lines: tuple[Line, ...] = ()
    file: str = ""
    """The file the last export wrote."""
    message: str = ""
    error: bool = False


def _figures(summary: Summary) -> tuple[Figure, ...]:
    def figure(title: str, now: int, before: int, show: Callable[[int], str]) -> Figure:
        text, trend = change_text(now, before)
        return Figure(title, show(now), text, trend, show(before))

    return (figure("Venta neta", summary.sold, summary.previous_sold, money.format_clp),
            figure("Boletas", summary.tickets, summary.previous_tickets, es_cl.number),
            figure("Boleta promedio", summary.average_ticket, summary.previous_average_ticket, money.format_clp),
            figure("Margen", summary.margin, summary.previous_margin, money.format_clp))


def _metric(report: Report[Any], row: Any) -> int:
    return int(report.shape.metric(row))


def _shown(report: Report[Any], row: Any) -> str:
    """A row's figure as read: pesos, or the units (kg to the gram) of a ranking by units."""
    if isinstance(row, q.ProductSales) and report.key.endswith("_units"):
        return _units(row.units)
    return money.format_clp(_metric(report, row))


def _before_text(report: Report[Any], before: int | None) -> str:
    if before is None:
        return ""
    return es_cl.number(before) if report.key.endswith("_units") else money.format_clp(before)


def chart_of(report: Report[Any], key: str) -> Chart:
    """The chart of ``report`` (shown as the chooser's ``key``)."""
    kind: ChartKind = CHART_KINDS.get(key, "hbars")
    compare = report.previous_period is not None
    before_label = "Período anterior"
    series = ("Este período", before_label)
    empty = "" if any(_metric(report, r) for r in report.rows) else EMPTY[key]
    money_ = not report.key.endswith("_units")
    if kind == "heatmap":
        cells = {(r.weekday, r.hour): r.total for r in report.rows}
        return Chart("heatmap", WEEKDAYS_SHORT, tuple(cells.get((w, h), 0) for w in range(7) for h in range(24)),
                     (), tuple(f"{h}" for h in range(24)), True, series, empty)
    if kind in ("bars", "line"):
        days = tuple(f"{WEEKDAYS_SHORT[r.day.weekday()]} {r.day:%d}" for r in report.rows)
        return Chart(kind, days, tuple(_metric(report, r) for r in report.rows),
                     tuple(_metric(report, r) for r in report.previous_rows) if compare else (), (), True, series,
                     empty)
    ranked = list(report.rows)
    if not report.key.startswith("bottom_"):
        ranked.sort(key=lambda r: -_metric(report, r))
    ranked = ranked[:CHART_ROWS]
    return Chart("hbars", tuple(row_label(r) for r in ranked), tuple(_metric(report, r) for r in ranked),
                 tuple(report.previous_of(r) or 0 for r in ranked) if compare else (), (), money_, series, empty)


def hours_of_day(hours: Report[Any]) -> Chart:
    """A one-day period's sales as bars by hour (one bar for the day says little), the day before's hours as the
    line: its weekday's row of the hours grid."""
    now = hours.period.start.weekday()
    before = hours.previous_period.start.weekday() if hours.previous_period is not None else None
    cells = {(r.weekday, r.hour): r.total for r in hours.rows}
    earlier = {(r.weekday, r.hour): r.total for r in hours.previous_rows}
    values = tuple(cells.get((now, h), 0) for h in range(24))
    previous = tuple(earlier.get((before, h), 0) for h in range(24)) if before is not None else ()
    return Chart("bars", tuple(f"{h}:00" for h in range(24)), values, previous,
                 empty="" if any(values) else EMPTY["sales_by_day"])


def table_of(report: Report[Any]) -> tuple[tuple[str, ...], tuple[Line, ...]]:
    """The table on screen: the name, the figure and (when compared) the change against the period before's
    figure (a row absent before counts as 0); the hours grid lists only the hours with sales in either period.
    Returns (columns, lines)."""
    first = FIRST_COLUMNS.get(report.key.split("_products_")[-1] if "_products_" in report.key else report.key,
                              report.table().columns[0])
    compare = report.previous_period is not None
    metric = METRIC_COLUMNS.get(report.metric_name, report.metric_name.capitalize())
    lines: list[Line] = []
    for row in report.rows:
        before = report.previous_of(row)
        if isinstance(row, q.HourSales) and row.total == 0 and not before:
            continue
        if compare:
            change, trend = change_text(_metric(report, row), before or 0)
            lines.append(Line(row_label(row), _shown(report, row), _before_text(report, before or 0), change, trend))
        else:
            lines.append(Line(row_label(row), _shown(report, row)))
    return ((first, metric, "Var.") if compare else (first, metric)), tuple(lines)


def slug(title: str) -> str:
    """``"Ventas por día"`` -> ``"ventas_por_dia"``: a file name without accents or spaces."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return "_".join("".join(c if c.isalnum() else " " for c in plain).split())


def file_name(title: str, period: Period, fmt: str) -> str:
    """``ventas_por_dia_2026-12-01_2026-12-31.csv`` (``reportes_…`` for the workbook of every report)."""
    return f"{slug(title)}_{period.start.isoformat()}_{period.end.isoformat()}.{fmt}"


class ReportsPresenter:
    """Intents: ``choose_period(kind)``, ``set_range(start=, end=)``, ``apply_range()``, ``choose_report(key)``,
    ``choose_variant(key)``, ``export(fmt, folder)``, ``export_all(folder)``, ``refresh()``."""

    def __init__(self, source: ReportsSource, on_change: Callable[[ReportsView], None] = lambda v: None) -> None:
        self.source = source
        self.on_change = on_change
        self.current: Period = source.period("month")
        self.shown: Report[Any] | None = None
        self.view = ReportsView(start=day_text(self.current.start), end=day_text(self.current.end))

    def _emit(self, view: ReportsView) -> ReportsView:
        self.view = view
        self.on_change(view)
        return view

    def _load(self, **changes: Any) -> ReportsView:
        view = replace(self.view, message="", error=False, file="", **changes)
        key = view.variant if view.report == "products" else view.report
        one_day = view.report == "sales_by_day" and self.current.days == 1
        try:
            summary = self.source.summary(self.current)
            report = self.source.report(key, self.current)
            chart = (hours_of_day(self.source.report("sales_by_hour", self.current)) if one_day
                     else chart_of(report, view.report))
        except errors.PosError as exc:
            return self._emit(replace(view, message=str(exc), error=True))
        self.shown = report
        columns, lines = table_of(report)
        label = self.current.label
        if report.previous_period is not None:
            label += f"\nvs {report.previous_period.label}"
        elif view.report == "stock_by_category":
            label = f"Stock de hoy ({self.current.label}): sin comparación"
        title = "Ventas del día por hora" if one_day else report.title
        return self._emit(replace(
            view, period=label, variants=PRODUCT_VIEWS if view.report == "products" else (),
            figures=_figures(summary), title=title, chart=chart, columns=columns, lines=lines))

    def refresh(self) -> ReportsView:
        """Read the figures again (sales made since the page was opened count)."""
        if self.view.period_kind != "custom":
            self.current = self.source.period(self.view.period_kind)
        return self._load()

    def choose_period(self, kind: str) -> ReportsView:
        """Hoy, Esta semana, Este mes; ``"custom"`` opens Desde/Hasta (the figures stay until «Ver»)."""
        if kind == "custom":
            return self._emit(replace(self.view, custom_open=True, message="Escriba Desde y Hasta y toque «Ver»",
                                      error=False))
        if kind not in dict(PERIODS):
            return self.view
        self.current = self.source.period(kind)
        return self._load(period_kind=kind, custom_open=False, start=day_text(self.current.start),
                          end=day_text(self.current.end))

    def set_range(self, *, start: str | None = None, end: str | None = None) -> ReportsView:
        """Keep Desde/Hasta as typed (read on «Ver»)."""
        self.view = replace(self.view, start=self.view.start if start is None else start,
                            end=self.view.end if end is None else end)
        return self.view

    def apply_range(self) -> ReportsView:
        """The custom period Desde–Hasta; a bad day or range is said in Spanish and the figures on screen stay."""
        try:
            period = Period.custom(parse_day(self.view.start, "Desde"), parse_day(self.view.end, "Hasta"))
        except errors.PosError as exc:
            return self._emit(replace(self.view, custom_open=True, message=str(exc), error=True))
        self.current = period
        return self._load(period_kind="custom", custom_open=True)

    def choose_report(self, key: str) -> ReportsView:
        if key not in dict(REPORTS):
            return self.view
        return self._load(report=key)

    def choose_variant(self, key: str) -> ReportsView:
        """A ranking of the products report."""
        if key not in dict(PRODUCT_VIEWS):
            return self.view
        return self._load(variant=key, report="products")

    def _write(self, reports: Sequence[Report[Any]], path: Path, done: str) -> ReportsView:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            written = self.source.save(reports, path)
        except (OSError, ValueError) as exc:
            return self._emit(replace(self.view, message=f"No se pudo guardar {path.name}: {exc}", error=True,
                                      file=""))
        return self._emit(replace(self.view, message=f"{done}: {written}", error=False, file=str(written)))

    def export(self, fmt: str, folder: Path) -> ReportsView:
        """The report on screen, with the period before's figure beside each row, as ``"csv"`` or ``"xlsx"`` in
        ``folder`` (created when missing)."""
        if self.shown is None:
            return self._emit(replace(self.view, message="No hay un informe que exportar", error=True))
        if fmt not in ("csv", "xlsx"):
            raise ValueError(f"unknown format {fmt!r}")
        name = "Excel" if fmt == "xlsx" else "CSV"
        return self._write([self.shown], folder / file_name(self.shown.title, self.current, fmt),
                           f"«{self.shown.title}» guardado ({name})")

    def export_all(self, folder: Path) -> ReportsView:
        """Every report of the period in one workbook (a sheet each) in ``folder``."""
        try:
            every = self.source.all_reports(self.current)
        except errors.PosError as exc:
            return self._emit(replace(self.view, message=str(exc), error=True))
        return self._write(every, folder / file_name("Reportes", self.current, "xlsx"),
                           f"Todos los informes guardados ({len(every)} hojas)")
