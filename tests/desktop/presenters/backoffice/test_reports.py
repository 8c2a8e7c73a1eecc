"""The Reportes presenter on a real till (ten days of sales by the kit, counted there, not by the service): the
period picker and the period before, the headline figures, each report's chart and table, custom ranges refused in
Spanish without losing what is on screen, and the exports read back."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from desktop.presenters.backoffice import reports as rp
from desktop.presenters.backoffice.reports import (
    PRODUCT_VIEWS,
    REPORTS,
    ReportsPresenter,
    ServiceReports,
    change_text,
    short_amount,
    slug,
)
from desktop.services.reports import Period
from tests.desktop.presenters.backoffice import reports_kit as kit

LECHE, COCA, BIP = "7801234567894", "7801610001196", "7800000000016"
FIRST, LAST = date(2026, 11, 26), date(2026, 12, 3)
"""Thursday to Thursday: the end of November and the start of December."""


@pytest.fixture
def store(terminal: Any, clock: Any) -> tuple[Any, dict[str, int]]:
    kit.at(clock, date(2026, 11, 20), 8)
    kit.buy(terminal, "LEC-1", LECHE, "Leche Entera Colun 1 L", 200, 700, 1)
    kit.buy(terminal, "COC-15", COCA, "Coca-Cola 1,5 L", 200, 1100, 2)
    counts = kit.history(terminal, clock, FIRST, LAST, basket=(COCA, LECHE, BIP), weighed="PAN-1",
                         merma_sku="LEC-1")
    kit.fiado_sale(terminal, clock, LAST, COCA)
    counts[LAST.isoformat()] += 1
    kit.at(clock, LAST, 21)
    return terminal, counts


@pytest.fixture
def presenter(store: tuple[Any, dict[str, int]]) -> ReportsPresenter:
    term, _counts = store
    shown = ReportsPresenter(ServiceReports(term.reports, lambda: term.journal.lock))
    shown.refresh()
    return shown


def tickets(counts: dict[str, int], start: date, end: date) -> int:
    return sum(n for day, n in counts.items() if start.isoformat() <= day <= end.isoformat())


# --- figures as read ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "before", "expected"), [
    (1125, 1000, ("+13 %", "up")), (1095, 1000, ("+9,5 %", "up")), (800, 1000, ("−20 %", "down")),
    (1000, 1000, ("=", "")),
    (500, 0, ("nuevo", "up")), (0, 0, ("—", "")), (-50, 0, ("nuevo", "down")), (3000, 1000, ("+200 %", "up")),
    (1001, 1000, ("+0,1 %", "up")), (5, None, ("", "")), (-150, -100, ("−50 %", "down")),
])
def test_change_against_the_period_before(now: int, before: int | None, expected: tuple[str, str]) -> None:
    assert change_text(now, before) == expected


@pytest.mark.parametrize(("value", "text"), [
    (0, "$0"), (850, "$850"), (12_400, "$12 mil"), (12_600, "$13 mil"), (1_540_000, "$1,5 M"), (-20_000, "-$20 mil"),
    (2_000_000, "$2 M"),
])
def test_short_amounts_on_the_axis(value: int, text: str) -> None:
    assert short_amount(value) == text


def test_file_names_have_no_accents_or_spaces() -> None:
    assert slug("Ventas por día") == "ventas_por_dia"
    assert rp.file_name("Productos más vendidos por pesos", Period(date(2026, 12, 1), date(2026, 12, 31)),
                        "csv") == "productos_mas_vendidos_por_pesos_2026-12-01_2026-12-31.csv"


# --- the period picker --------------------------------------------------------------------------------------

def test_this_month_against_the_month_before(presenter: ReportsPresenter,
                                             store: tuple[Any, dict[str, int]]) -> None:
    _term, counts = store
    view = presenter.view
    assert view.period_kind == "month" and not view.error
    assert view.period == "01-12-2026 al 31-12-2026\nvs 01-11-2026 al 30-11-2026"
    sold, boletas, average, margin = view.figures
    assert (sold.title, boletas.title, average.title, margin.title) == (
        "Venta neta", "Boletas", "Boleta promedio", "Margen")
    now = tickets(counts, date(2026, 12, 1), LAST)
    before = tickets(counts, date(2026, 11, 1), date(2026, 11, 30))
    assert boletas.value == str(now) and boletas.before == str(before)
    assert boletas.change == change_text(now, before)[0]
    assert view.report == "sales_by_day" and view.chart.kind == "bars"
    assert len(view.chart.values) == 31 and len(view.chart.previous) == 30
    assert view.chart.labels[0] == "Ma 01"  # Tuesday 1 December
    assert view.columns == ("Día", "Venta neta", "Var.")
    assert [line.name for line in view.lines[:3]] == ["mar 01-12", "mié 02-12", "jue 03-12"]


def test_today_and_this_week(presenter: ReportsPresenter, store: tuple[Any, dict[str, int]]) -> None:
    term, counts = store
    view = presenter.choose_period("today")
    assert view.period == "03-12-2026\nvs 02-12-2026"
    assert view.title == "Ventas del día por hora" and view.chart.kind == "bars"  # one bar would say little
    assert view.chart.labels[:2] == ("0:00", "1:00") and len(view.chart.values) == len(view.chart.previous) == 24
    days = term.reports.sales_by_day(Period(date(2026, 12, 2), LAST))
    assert sum(view.chart.values) == days.rows[1].total and sum(view.chart.previous) == days.rows[0].total
    assert view.chart.values[17] > 0 and view.chart.previous[17] == 0  # Juana's fiado at 17:00 today only
    assert [line.name for line in view.lines] == ["jue 03-12"]
    assert view.figures[1].value == str(counts[LAST.isoformat()])
    assert view.figures[1].before == str(counts["2026-12-02"])
    view = presenter.choose_period("week")
    assert view.period_kind == "week"
    assert view.period == "30-11-2026 al 03-12-2026\nvs 26-11-2026 al 29-11-2026"
    assert view.figures[1].value == str(tickets(counts, date(2026, 11, 30), LAST))
    assert view.figures[1].before == str(tickets(counts, FIRST, date(2026, 11, 29)))


def test_a_custom_range_and_what_is_refused(presenter: ReportsPresenter,
                                            store: tuple[Any, dict[str, int]]) -> None:
    _term, counts = store
    view = presenter.choose_period("custom")
    assert view.custom_open and view.period_kind == "month" and view.start == "01-12-2026"
    shown = view.figures
    presenter.set_range(start="31-02-2026")
    view = presenter.apply_range()
    assert view.error and "«Desde» no válida: «31-02-2026»" in view.message
    assert view.figures == shown and view.start == "31-02-2026"  # what was typed and the figures stay
    presenter.set_range(start="03-12-2026", end="26-11-2026")
    view = presenter.apply_range()
    assert view.error and "antes de empezar" in view.message and view.figures == shown
    presenter.set_range(start="26/11/2026", end="2026-11-29")
    view = presenter.apply_range()
    assert not view.error and view.period_kind == "custom"
    assert view.period == "26-11-2026 al 29-11-2026\nvs 22-11-2026 al 25-11-2026"
    assert view.figures[1].value == str(tickets(counts, FIRST, date(2026, 11, 29)))
    assert view.figures[1].before == "0" and view.figures[1].change == "nuevo"
    presenter.set_range(start="01-01-2024", end="31-01-2026")
    assert "el máximo es 731" in presenter.apply_range().message


# --- each report --------------------------------------------------------------------------------------------

def test_every_report_has_its_chart_and_table(presenter: ReportsPresenter) -> None:
    presenter.choose_period("week")  # Monday 30 November (a merma) to Thursday 3 December (fiado)
    kinds = {}
    for key, _title in REPORTS:
        view = presenter.choose_report(key)
        assert not view.error, key
        assert view.report == key and view.lines and not view.chart.empty, key
        assert bool(view.variants) == (key == "products")
        kinds[key] = view.chart.kind
        if key == "stock_by_category":
            assert view.columns == ("Categoría", "Valor") and not view.chart.previous
            assert view.period.startswith("Stock de hoy")
        else:
            assert view.columns[-1] == "Var.", key
    assert kinds == {"sales_by_day": "bars", "sales_by_hour": "heatmap", "sales_by_category": "hbars",
                     "sales_by_cashier": "hbars", "sales_by_tender": "hbars", "products": "hbars",
                     "margin_over_time": "line", "stock_by_category": "hbars", "shrinkage_by_reason": "hbars",
                     "fiado_outstanding": "hbars"}


def test_the_hours_grid(presenter: ReportsPresenter, store: tuple[Any, dict[str, int]]) -> None:
    term, _counts = store
    view = presenter.choose_report("sales_by_hour")
    chart = view.chart
    assert chart.labels == rp.WEEKDAYS_SHORT and len(chart.columns) == 24 and len(chart.values) == 7 * 24
    report = term.reports.sales_by_hour(term.reports.this_month())
    assert sum(chart.values) == report.total
    assert {h for h in range(24) if any(chart.values[w * 24 + h] for w in range(7))} == {9, 11, 13, 17, 18, 19}
    tuesday_9 = next(r for r in report.rows if (r.weekday, r.hour) == (1, 9))
    assert chart.values[1 * 24 + 9] == tuesday_9.total
    # the table lists only hours with sales in either period
    assert all(line.figure != "$0" or line.before != "$0" for line in view.lines)
    assert view.lines[0].name.startswith("Lunes ")


def test_cashiers_tenders_and_bars_ranked(presenter: ReportsPresenter) -> None:
    view = presenter.choose_report("sales_by_cashier")
    assert set(view.chart.labels) == {"Ana", "Pedro"} or len(view.chart.labels) == 2
    assert list(view.chart.values) == sorted(view.chart.values, reverse=True)
    view = presenter.choose_report("sales_by_tender")
    assert {"Efectivo", "Débito", "Crédito", "Transferencia", "Fiado"} == set(view.chart.labels)
    assert len(view.chart.previous) == len(view.chart.values)


def test_products_by_each_ranking(presenter: ReportsPresenter, store: tuple[Any, dict[str, int]]) -> None:
    term, _counts = store
    view = presenter.choose_report("products")
    assert view.variants == PRODUCT_VIEWS and view.variant == "top_products_pesos"
    assert view.columns == ("Producto", "Vendido", "Var.")
    view = presenter.choose_variant("top_products_units")
    assert view.columns == ("Producto", "Unidades", "Var.") and not view.chart.money
    units = term.reports.top_products(term.reports.this_month(), "units")
    pan = next(r for r in units.rows if r.sku == "PAN-1")
    assert next(line.figure for line in view.lines if line.name == pan.name) == rp._units(pan.units)
    assert "," in rp._units(pan.units) or pan.units == pan.units.to_integral_value()
    view = presenter.choose_variant("bottom_products_margin")
    assert view.title == "Productos menos vendidos por margen" and view.report == "products"
    assert list(view.chart.values) == sorted(view.chart.values)
    assert presenter.choose_report("sales_by_day").variants == ()


def test_mermas_and_fiado(presenter: ReportsPresenter) -> None:
    view = presenter.choose_report("shrinkage_by_reason")
    assert view.chart.empty == "Sin mermas en el período"  # December's first Monday is the 7th
    view = presenter.choose_period("week")
    assert view.chart.labels == ("Daño",) and view.lines[0].change == "nuevo"  # Monday 30, an even day
    view = presenter.choose_report("fiado_outstanding")
    assert view.chart.labels == ("Juana Soto",) and view.lines[0].change == "nuevo"


def test_a_period_without_sales_says_so(presenter: ReportsPresenter) -> None:
    presenter.set_range(start="01-10-2026", end="07-10-2026")
    view = presenter.apply_range()
    assert view.chart.empty == "Sin ventas en el período"
    assert view.figures[0].value == "$0"
    assert presenter.choose_report("shrinkage_by_reason").chart.empty == "Sin mermas en el período"


# --- exports ------------------------------------------------------------------------------------------------

def test_exports_read_back(presenter: ReportsPresenter, store: tuple[Any, dict[str, int]], tmp_path: Path) -> None:
    term, _counts = store
    presenter.choose_report("sales_by_category")
    folder = tmp_path / "usb" / "exportes"
    view = presenter.export("csv", folder)
    assert not view.error and view.message.startswith("«Ventas por categoría» guardado (CSV)")
    path = Path(view.file)
    assert path == folder / "ventas_por_categoria_2026-12-01_2026-12-31.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))
    report = term.reports.sales_by_category(term.reports.this_month())
    assert rows[1] == list(report.table().columns)
    assert [r[0] for r in rows[2:]] == [r.category for r in report.rows]
    assert [int(r[2]) for r in rows[2:]] == [r.total for r in report.rows]
    view = presenter.export("xlsx", folder)
    book = openpyxl.load_workbook(view.file)
    assert book.sheetnames == ["Ventas por categoría"]
    view = presenter.export_all(folder)
    assert view.message.startswith("Todos los informes guardados (15 hojas)")
    sheets = openpyxl.load_workbook(view.file).sheetnames
    assert len(sheets) == 15
    assert sheets[:3] == ["Ventas por día", "Ventas por hora y día de la sem", "Ventas por categoría"]


def test_an_export_that_cannot_be_written(presenter: ReportsPresenter, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    shown = presenter.view.lines
    view = presenter.export("csv", blocker)
    assert view.error and view.message.startswith("No se pudo guardar ventas_por_dia_2026-12-01_2026-12-31.csv")
    assert view.lines == shown and view.file == ""
