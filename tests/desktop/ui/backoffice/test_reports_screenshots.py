"""The Reportes page on a real till with seven weeks of sales, every report drawn and listed at 1024×600, saved as
artifacts/screenshots/backoffice_reports*.png for people to look at (slow: the weeks are sold one sale at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableWidget, QWidget

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakePrinter
from desktop.presenters.backoffice.reports import REPORTS
from desktop.ui.backoffice.charts import ChartView
from desktop.ui.backoffice.reports_page import ReportsPage
from tests.desktop.presenters.backoffice import reports_kit as kit
from tests.desktop.ui.conftest import ROWS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]

LECHE, HUEVOS, COCA, ARROZ = "7801234567894", "7802920000015", "7801610001196", "7801320000014"


@pytest.fixture
def terminal(tmp_path: Path, clock: Any) -> Iterator[terminal_mod.Terminal]:
    """The Qt tests' store on the test's clock: Leche and Coca-Cola bought at a cost, then sales from Monday
    2026-11-02 to Friday 2026-12-18 (today), mermas on Mondays, Juana's fiado on the 10th."""
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=tmp_path), create=True, clock=clock,
                              printer=FakePrinter(),
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    seed.seed(term, [dict(r) for r in ROWS])
    kit.at(clock, date(2026, 11, 1), 8)
    kit.buy(term, "LEC-1", LECHE, "Leche Entera Colun 1 L", 600, 700, 1)
    kit.buy(term, "BEB-15", COCA, "Coca-Cola Original 1,5 L", 600, 1100, 2)
    kit.buy(term, "HUE-12", HUEVOS, "Huevos Blancos 12 un", 300, 2600, 3)
    kit.history(term, clock, date(2026, 11, 2), date(2026, 12, 18), basket=(COCA, LECHE, HUEVOS, ARROZ),
                weighed="PAN-1", merma_sku="LEC-1")
    kit.fiado_sale(term, clock, date(2026, 12, 10), COCA)
    kit.at(clock, date(2026, 12, 18), 20)
    yield term
    term.close()


def page_of(ui: Any) -> ReportsPage:
    ui.sign_in("rosa", "0000")
    screen = ui.find(QWidget, "back-office")
    ui.click("section-reports", screen)
    page = ui.find(ReportsPage, "page-reports")
    return page


def choose(ui: Any, name: str, value: str) -> None:
    box = ui.find(QComboBox, name)
    box.setCurrentIndex(box.findData(value))
    box.activated.emit(box.currentIndex())


def fits(ui: Any) -> None:
    hint = ui.window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 600
    assert (ui.window.width(), ui.window.height()) == (1024, 600)


@pytest.mark.slow
def test_every_report_at_1024x600(ui: Any) -> None:
    page = page_of(ui)
    fits(ui)
    assert page.findChild(QWidget, "reports-period-month").isChecked()
    assert ui.text("reports-period") == "01-12-2026 al 31-12-2026\nvs 01-11-2026 al 30-11-2026"
    assert ui.text("reports-figure-0-title") == "Venta neta"
    ui.screenshot(ui.window, "backoffice_reports_month.png")
    ui.click("reports-period-today")
    assert ui.text("reports-title") == "Ventas del día por hora"
    ui.screenshot(ui.window, "backoffice_reports_today.png")
    ui.click("reports-period-month")
    for key, _title in REPORTS:
        choose(ui, "reports-report", key)
        chart = ui.find(ChartView, "reports-chart")
        assert chart.chart.empty == "" and chart.drawn, key
        assert ui.find(QTableWidget, "reports-table").rowCount() > 0, key
        fits(ui)
    choose(ui, "reports-report", "sales_by_hour")
    ui.screenshot(ui.window, "backoffice_reports_hours.png")
    choose(ui, "reports-report", "sales_by_category")
    ui.screenshot(ui.window, "backoffice_reports_categories.png")
    choose(ui, "reports-report", "products")
    choose(ui, "reports-variant", "top_products_margin")
    ui.screenshot(ui.window, "backoffice_reports_products.png")
    ui.click("reports-period-custom")
    ui.find(QLineEdit, "reports-start").clear()
    ui.type("reports-start", "16-11-2026")
    ui.find(QLineEdit, "reports-end").clear()
    ui.type("reports-end", "29-11-2026", enter=True)
    assert ui.text("reports-period") == "16-11-2026 al 29-11-2026\nvs 02-11-2026 al 15-11-2026"
    choose(ui, "reports-report", "margin_over_time")
    fits(ui)
    ui.screenshot(ui.window, "backoffice_reports_custom.png")
