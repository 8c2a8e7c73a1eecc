"""The Reportes page in the back office, touched like the manager does: the section (Ctrl+0 too), the period
buttons, Desde/Hasta typed and refused, the report chooser and the products' rankings, the chart and the table
drawn from the view, the exports written where the page says, and the supervisor seeing the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from argon2 import PasswordHasher
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QTableWidget, QWidget

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakePrinter
from desktop.ui.backoffice import reports_page
from desktop.ui.backoffice.charts import ChartView
from desktop.ui.backoffice.reports_page import TREND_COLOURS, ReportsPage
from tests.desktop.presenters.backoffice import reports_kit as kit
from tests.desktop.ui.conftest import ROWS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

LECHE, HUEVOS, COCA = "7801234567894", "7802920000015", "7801610001196"


@pytest.fixture
def terminal(tmp_path: Path, clock: Any) -> Iterator[terminal_mod.Terminal]:
    """Sales from Saturday 2026-11-28 to Tuesday 2026-12-01 (today, 20:00), Leche and Coca-Cola at a cost."""
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=tmp_path / "till"), create=True, clock=clock,
                              printer=FakePrinter(),
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    seed.seed(term, [dict(r) for r in ROWS])
    kit.at(clock, date(2026, 11, 20), 8)
    kit.buy(term, "LEC-1", LECHE, "Leche Entera Colun 1 L", 100, 700, 1)
    kit.buy(term, "BEB-15", COCA, "Coca-Cola Original 1,5 L", 100, 1100, 2)
    kit.history(term, clock, date(2026, 11, 28), date(2026, 12, 1), basket=(COCA, LECHE, HUEVOS))
    kit.at(clock, date(2026, 12, 1), 20)
    yield term
    term.close()


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the page's exports go (no USB stick here: the till's folder)."""
    folder = tmp_path / "exportes"
    monkeypatch.setattr(reports_page, "export_folder", lambda data_dir: folder)
    return folder


def open_reports(ui: Any, user: str = "rosa", pin: str = "0000") -> ReportsPage:
    ui.sign_in(user, pin)
    ui.click("section-reports", ui.find(QWidget, "back-office"))
    return ui.find(ReportsPage, "page-reports")


def choose(ui: Any, name: str, value: str) -> None:
    box = ui.find(QComboBox, name)
    box.setCurrentIndex(box.findData(value))
    box.activated.emit(box.currentIndex())


def column(ui: Any, c: int) -> list[str]:
    table = ui.find(QTableWidget, "reports-table")
    return [table.item(r, c).text() for r in range(table.rowCount())]


def test_the_section_opens_on_this_month(ui: Any, terminal: Any) -> None:
    page = open_reports(ui)
    assert ui.find(QPushButton, "section-reports").isChecked()
    assert ui.find(QPushButton, "reports-period-month").isChecked()
    assert ui.text("reports-period") == "01-12-2026 al 31-12-2026\nvs 01-11-2026 al 30-11-2026"
    summary = terminal.reports.summary(terminal.reports.this_month())
    assert ui.text("reports-figure-1-value") == str(summary.tickets)
    assert ui.text("reports-figure-0-change").startswith("−")  # December's first day against all November
    assert page.cards[0].change.styleSheet() == f"color: {TREND_COLOURS['down']};"
    assert not page.variant.isVisible()
    assert not page.range_box.isVisible()
    chart = ui.find(ChartView, "reports-chart")
    assert chart.chart.kind == "bars" and len(chart.drawn) == 2  # December's bars, November's line
    assert column(ui, 0)[0] == "mar 01-12"
    table = ui.find(QTableWidget, "reports-table")
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == ["Día", "Venta neta", "Var."]
    assert table.item(0, 2).text() == "nuevo"
    assert table.item(0, 2).foreground().color() == QColor(TREND_COLOURS["up"])
    hint = ui.window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600


def test_ten_sections_a_finger_high_and_ctrl_0(ui: Any) -> None:
    ui.sign_in("rosa", "0000")
    screen = ui.find(QWidget, "back-office")
    buttons = [b for b in screen.findChildren(QPushButton) if b.objectName().startswith("section-")]
    assert len(buttons) == 10 and all(b.height() >= 44 for b in buttons)
    assert [b.shortcut().toString() for b in buttons] == [f"Ctrl+{n % 10}" for n in range(1, 11)]
    assert buttons[-1].objectName() == "section-reports"
    buttons[-1].animateClick()
    ui.qtbot.waitUntil(lambda: bool(screen.findChildren(ReportsPage)) and screen.findChildren(ReportsPage)[0]
                       .isVisible(), timeout=2000)


def test_periods_and_a_range_typed(ui: Any, terminal: Any) -> None:
    page = open_reports(ui)
    ui.click("reports-period-week")
    assert ui.text("reports-period") == "30-11-2026 al 01-12-2026\nvs 28-11-2026 al 29-11-2026"
    ui.click("reports-period-today")
    assert ui.text("reports-period") == "01-12-2026\nvs 30-11-2026"
    ui.click("reports-period-custom")
    assert ui.find(QPushButton, "reports-period-custom").isChecked()
    start = ui.find(QLineEdit, "reports-start")
    assert start.text() == "01-12-2026"
    start.clear()
    ui.type("reports-start", "30-13-2026", enter=True)
    assert "«Desde» no válida" in ui.text("reports-message")
    assert ui.text("reports-period") == "01-12-2026\nvs 30-11-2026"  # today's figures stay
    assert ui.find(QLineEdit, "reports-start").text() == "30-13-2026"
    start.clear()
    ui.type("reports-start", "28-11-2026")
    ui.click("reports-apply")
    assert ui.text("reports-period") == "28-11-2026 al 01-12-2026\nvs 24-11-2026 al 27-11-2026"
    assert not page.message.isVisible()
    assert ui.text("reports-figure-0-change") == "nuevo"


def test_reports_and_rankings(ui: Any, terminal: Any) -> None:
    page = open_reports(ui)
    ui.click("reports-period-week")
    choose(ui, "reports-report", "sales_by_category")
    assert ui.text("reports-title") == "Ventas por categoría"
    chart = ui.find(ChartView, "reports-chart")
    assert chart.chart.kind == "hbars" and set(column(ui, 0)) == set(chart.chart.labels)
    assert "Bebidas" in column(ui, 0)
    choose(ui, "reports-report", "products")
    assert page.variant.isVisible() and page.variant.count() == 6
    choose(ui, "reports-variant", "top_products_units")
    assert [page.table.horizontalHeaderItem(c).text() for c in range(3)] == ["Producto", "Unidades", "Var."]
    assert column(ui, 0)[0] == "Coca-Cola Original 1,5 L"
    choose(ui, "reports-report", "stock_by_category")
    assert not page.variant.isVisible() and page.table.columnCount() == 2
    assert ui.text("reports-period").startswith("Stock de hoy")
    choose(ui, "reports-report", "sales_by_hour")
    assert ui.find(ChartView, "reports-chart").chart.kind == "heatmap"
    assert "máx." in ui.text("reports-chart-legend")
    choose(ui, "reports-report", "fiado_outstanding")
    assert ui.text("reports-chart-empty") == "Nadie debe fiado al cierre del período"


def test_exports_from_the_buttons(ui: Any, terminal: Any, exports: Path) -> None:
    open_reports(ui)
    ui.click("reports-period-week")
    choose(ui, "reports-report", "sales_by_tender")
    ui.click("reports-csv")
    path = exports / "ventas_por_medio_de_pago_2026-11-30_2026-12-01.csv"
    assert ui.text("reports-message") == f"«Ventas por medio de pago» guardado (CSV): {path}"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Ventas por medio de pago", "Período: 30-11-2026 al 01-12-2026 · anterior: 28-11-2026 al "
                       "29-11-2026"]
    assert rows[1] == ["Medio de pago", "Pagos", "Monto", "Monto período anterior"]
    assert sorted(r[0] for r in rows[2:]) == sorted(column(ui, 0))
    ui.click("reports-xlsx")
    assert openpyxl.load_workbook(exports / path.with_suffix(".xlsx").name).sheetnames == ["Ventas por medio de pago"]
    ui.click("reports-all")
    assert ui.text("reports-message").startswith("Todos los informes guardados (15 hojas)")
    assert (exports / "reportes_2026-11-30_2026-12-01.xlsx").exists()


def test_a_supervisor_reads_and_exports_the_same(ui: Any, terminal: Any, exports: Path) -> None:
    open_reports(ui, "marta", "9999")
    assert "Solo lectura" in ui.text("back-office-notice")
    assert ui.find(QPushButton, "reports-csv").isEnabled()
    ui.click("reports-csv")
    assert (exports / "ventas_por_dia_2026-12-01_2026-12-31.csv").exists()
