"""The back office's Reportes page: the period (Hoy, Esta semana, Este mes, Otro período with Desde/Hasta) against
the period before, four headline figures, a report chosen from a list drawn as a chart beside its table, and the
exports (CSV, Excel, every report in one workbook) to a USB stick or the till's folder. It draws ``ReportsView``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QSizePolicy,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.backoffice.reports import PERIODS, Figure, ReportsPresenter, ReportsView, ServiceReports
from desktop.services.reports import ReportsService
from desktop.ui import binding, choices
from desktop.ui.backoffice.charts import ChartView
from desktop.ui.backoffice.kardex_page import export_folder
from desktop.ui.backoffice.ops_widgets import RowsTable, caption, field, set_text
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.widgets import BigButton, label, show_message

TREND_COLOURS = {"up": "#15803d", "down": "#b91c1c", "": "#475569"}
"""A figure above the period before's green, below red, level or without one grey."""
STYLE = """
QFrame[role="figure"] { background: white; border: 2px solid #cbd5e1; border-radius: 10px; }
QLabel[role="figure-title"] { font-size: 13px; color: #475569; }
QLabel[role="figure-value"] { font-size: 19px; font-weight: 800; color: #111827; }
QLabel[role="figure-change"] { font-size: 14px; font-weight: 700; }
QLabel#reports-period { font-size: 14px; color: #334155; }
QLabel#reports-title { font-size: 16px; font-weight: 800; color: #1e3a8a; }
QComboBox#reports-report, QComboBox#reports-variant { font-size: 17px; padding: 2px 8px; }
"""
TABLE_STYLE = "QTableWidget { font-size: 15px; } QTableWidget::item { padding: 0 2px; }"
CHOOSER_WIDTH = 250
VARIANT_WIDTH = 220


class FigureCard(QFrame):
    """A headline figure: title, value, change against the period before (coloured by trend)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.setObjectName(f"reports-figure-{index}")
        self.setProperty("role", "figure")
        self.title = label("", f"reports-figure-{index}-title", "figure-title")
        self.value = label("", f"reports-figure-{index}-value", "figure-value")
        self.change = label("", f"reports-figure-{index}-change", "figure-change")
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.value)
        row.addStretch(1)
        row.addWidget(self.change)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 3, 8, 3)
        column.setSpacing(0)
        column.addWidget(self.title)
        column.addLayout(row)

    def show_figure(self, figure: Figure) -> None:
        self.title.setText(figure.title)
        self.value.setText(figure.value)
        self.change.setText(figure.change)
        self.change.setStyleSheet(f"color: {TREND_COLOURS[figure.trend]};")
        self.setToolTip(f"Período anterior: {figure.before}")


class ReportsPage(QWidget):
    """Reportes (``page-reports``); ``export_to()`` is the folder the exports go to when they are made."""

    def __init__(self, presenter: ReportsPresenter, export_to: Callable[[], Path],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-reports")
        self.setStyleSheet(STYLE)
        self.presenter, self.export_to = presenter, export_to
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(6)
        page.addLayout(self._period_row())
        page.addWidget(self._range_row())
        cards = QHBoxLayout()
        cards.setSpacing(6)
        self.cards = [FigureCard(i) for i in range(4)]
        for card in self.cards:
            cards.addWidget(card, 1)
        page.addLayout(cards)
        page.addLayout(self._report_row())
        body = QHBoxLayout()
        body.setSpacing(8)
        left = QVBoxLayout()
        left.setSpacing(2)
        self.title = label("", "reports-title")
        left.addWidget(self.title)
        self.chart = ChartView()
        left.addWidget(self.chart, 1)
        body.addLayout(left, 11)
        self.table = RowsTable("reports-table", ("", "", ""), numeric=(1, 2), stretch=(0,))
        self.table.setStyleSheet(self.table.styleSheet() + TABLE_STYLE)
        self.table.verticalHeader().setDefaultSectionSize(34)
        body.addWidget(self.table, 10)
        page.addLayout(body, 1)
        self.message = label("", "reports-message", wrap=True)
        page.addWidget(self.message)
        binding.bind(presenter, self.show_view)

    # --- building -------------------------------------------------------------------------------------------
    def _period_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.periods = QButtonGroup(self)
        for kind, text in PERIODS:
            button = BigButton(text, f"reports-period-{kind}", "action")
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, k=kind: self.presenter.choose_period(k))
            self.periods.addButton(button)
            row.addWidget(button)
        self.period = label("", "reports-period", wrap=True)
        row.addWidget(self.period, 1)
        return row

    def _range_row(self) -> QWidget:
        self.range_box = QWidget()
        row = QHBoxLayout(self.range_box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.start = field("reports-start", "dd-mm-aaaa", numeric=True, width=160)
        self.end = field("reports-end", "dd-mm-aaaa", numeric=True, width=160)
        self.start.textEdited.connect(lambda text: self.presenter.set_range(start=text))
        self.end.textEdited.connect(lambda text: self.presenter.set_range(end=text))
        self.show_range = BigButton("Ver", "reports-apply", "primary")
        self.show_range.setFixedWidth(110)
        self.show_range.clicked.connect(lambda: self.presenter.apply_range())
        for edit in (self.start, self.end):
            edit.setMinimumWidth(150)
            edit.returnPressed.connect(lambda: self.presenter.apply_range())
        row.addWidget(caption("Desde"))
        row.addWidget(self.start)
        row.addWidget(caption("Hasta"))
        row.addWidget(self.end)
        row.addWidget(self.show_range)
        row.addStretch(1)
        return self.range_box

    def _report_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.chooser = choices.combo("reports-report", self.presenter.view.reports)
        self.chooser.setFixedWidth(CHOOSER_WIDTH)
        self.chooser.activated.connect(lambda _i: self.presenter.choose_report(str(self.chooser.currentData())))
        self.variant = choices.combo("reports-variant")
        self.variant.setFixedWidth(VARIANT_WIDTH)
        self.variant.activated.connect(lambda _i: self.presenter.choose_variant(str(self.variant.currentData())))
        self.csv = BigButton("CSV", "reports-csv", "action")
        self.csv.clicked.connect(lambda: self.presenter.export("csv", self.export_to()))
        self.xlsx = BigButton("Excel", "reports-xlsx", "action")
        self.xlsx.clicked.connect(lambda: self.presenter.export("xlsx", self.export_to()))
        self.every = BigButton("Todo (Excel)", "reports-all", "action")
        self.every.setToolTip("Todos los informes del período en un libro Excel, una hoja cada uno")
        self.every.clicked.connect(lambda: self.presenter.export_all(self.export_to()))
        row.addWidget(self.chooser)
        row.addWidget(self.variant)
        row.addStretch(1)
        for button in (self.csv, self.xlsx, self.every):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            row.addWidget(button)
        return row

    # --- rendering ------------------------------------------------------------------------------------------
    def show_view(self, view: ReportsView) -> None:
        for button in self.periods.buttons():
            button.setChecked(button.objectName() == f"reports-period-{view.period_kind}"
                              or (view.custom_open and button.objectName() == "reports-period-custom"))
        self.period.setText(view.period)
        self.range_box.setVisible(view.custom_open)
        set_text(self.start, view.start)
        set_text(self.end, view.end)
        choices.pick(self.chooser, view.report)
        if tuple((self.variant.itemData(i), self.variant.itemText(i))
                 for i in range(self.variant.count())) != view.variants:
            self.variant.clear()
            for value, text in view.variants:
                self.variant.addItem(text, value)
        choices.pick(self.variant, view.variant)
        self.variant.setVisible(bool(view.variants))
        for card, figure in zip(self.cards, view.figures, strict=False):
            card.show_figure(figure)
        self.title.setText(view.title)
        self.chart.show_chart(view.chart)
        self._table(view)
        show_message(self.message, view.message, view.error)
        self.message.setVisible(bool(view.message))

    def _table(self, view: ReportsView) -> None:
        table = self.table
        table.setColumnCount(len(view.columns))
        table.setHorizontalHeaderLabels(list(view.columns))
        header = table.horizontalHeader()
        for c in range(len(view.columns)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch if c == 0
                                        else QHeaderView.ResizeMode.ResizeToContents)
        table.setRowCount(len(view.lines))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, line in enumerate(view.lines):
            cells = (line.name, line.figure, line.change)[:len(view.columns)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{text} · período anterior: {line.before}" if c and line.before else text)
                if c:
                    item.setTextAlignment(right)
                if c == 2:
                    item.setForeground(QColor(TREND_COLOURS[line.trend]))
                table.setItem(r, c, item)
        table.scrollToTop()

    # --- the shell's hooks ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.presenter.refresh()


def build(context: PageContext) -> QWidget:
    """The Reportes page of the back office's ``context`` (read only: a supervisor sees and exports the same)."""
    terminal = context.terminal
    service = terminal.reports or ReportsService(terminal.journal)
    presenter = ReportsPresenter(ServiceReports(service, lambda: terminal.journal.lock))
    page = ReportsPage(presenter, lambda: export_folder(terminal.settings.data_dir))
    presenter.refresh()
    return page

