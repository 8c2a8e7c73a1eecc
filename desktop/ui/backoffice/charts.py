"""The Reportes' chart: a presenter's ``Chart`` drawn with pyqtgraph (bars by day with the period before as a dashed
line, a line, horizontal bars by name with the period before beside each, a weekday × hour heat map), still to the
touch (no pan or zoom a finger could trigger by accident)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QStackedLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice.reports import Chart, short_amount
from desktop.ui.widgets import label
from shared import es_cl

NOW = "#1d4ed8"
"""This period: the till's blue."""
BEFORE = "#94a3b8"
"""The period before: slate, behind."""
INK = "#334155"
HEAT = ((0.0, (248, 250, 252)), (0.001, (219, 234, 254)), (1.0, (30, 58, 138)))
"""The heat map's colours: an hour without sales nearly white, the busiest dark blue."""
TICK_PX = 13
LABEL_CHARS = 18
"""A name on the horizontal bars' axis is cut to this many characters (the table has it whole)."""
MAX_TICKS = 8
"""Day labels under the bars at most (every n-th day past it)."""


class ValueAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph ships no types
    """An axis of amounts in es-CL: pesos short (``$12 mil``) or units; category ticks when ``setTicks`` is given."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.money = True
        font = QFont()
        font.setPixelSize(TICK_PX)
        self.setStyle(tickFont=font, tickTextOffset=4)
        self.setPen(pg.mkPen(BEFORE))
        self.setTextPen(pg.mkPen(INK))

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        if self.money:
            return [short_amount(v * scale) for v in values]
        return [es_cl.number(round(v * scale)) for v in values]


def nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ that cuts ``span`` into at most ``most`` steps."""
    if span <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(span / most))
    return next(k * power for k in (1.0, 2.0, 5.0, 10.0) if span / (k * power) <= most)


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"


class ChartView(QWidget):
    """``show_chart(chart)`` draws it (objectName ``reports-chart``); ``legend`` says what each colour is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reports-chart")
        self.legend = label("", "reports-chart-legend", wrap=True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setStyleSheet(f"font-size: 14px; color: {INK};")
        self.left, self.bottom = ValueAxis("left"), ValueAxis("bottom")
        self.plot = pg.PlotWidget(background="w", axisItems={"left": self.left, "bottom": self.bottom})
        self.plot.setObjectName("reports-plot")
        item = self.plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=False, y=False)
        self.empty = label("", "reports-chart-empty", "hint", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.empty)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.legend)
        column.addLayout(self.stack, 1)
        self.chart = Chart()
        self.drawn: list[Any] = []
        """The items on the plot now (tests read them)."""

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        item = self.plot.getPlotItem()
        item.clear()
        self.drawn = []
        self.left.setTicks(None)
        self.bottom.setTicks(None)
        self.bottom.setTickSpacing()  # automatic, but for the amounts under horizontal bars (below)
        self.left.money = self.bottom.money = chart.money
        item.invertY(False)
        if chart.empty or not chart.values:
            self.legend.setText("")
            self.empty.setText(chart.empty)
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.plot)
        {"bars": self._bars, "line": self._line, "hbars": self._hbars, "heatmap": self._heatmap}[chart.kind](chart)
        for drawn in self.drawn:
            item.addItem(drawn)

    # --- kinds ----------------------------------------------------------------------------------------------
    def _legend(self, now: str, before: str) -> None:
        parts = [f'<span style="color:{NOW}">■</span> {self.chart.series[0]}']
        if before and self.chart.previous:
            parts.append(f'<span style="color:{BEFORE}">{before}</span> {self.chart.series[1]}')
        self.legend.setText("&nbsp;&nbsp;&nbsp;".join(parts) if now else "")

    def _day_ticks(self, count: int) -> None:
        step = max(1, math.ceil(count / MAX_TICKS))
        self.bottom.setTicks([[(i, self.chart.labels[i]) for i in range(0, count, step)], []])

    def _value_range(self, values: Sequence[int], *, room: float = 1.08) -> tuple[float, float]:
        low, high = min((0, *values)), max((0, *values))
        if low == high:
            high = 1
        return low * room, high * room

    def _bars(self, chart: Chart) -> None:
        xs = np.arange(len(chart.values))
        self.drawn.append(pg.BarGraphItem(x=xs, height=np.array(chart.values, dtype=float), width=0.7,
                                          brush=NOW, pen=pg.mkPen(None)))
        self._previous_line(chart)
        self._day_ticks(len(chart.values))
        item = self.plot.getPlotItem()
        item.setXRange(-0.6, len(chart.values) - 0.4, padding=0)
        item.setYRange(*self._value_range((*chart.values, *chart.previous)), padding=0)
        self._legend("■", "┄●")

    def _previous_line(self, chart: Chart) -> None:
        if chart.previous:
            self.drawn.append(pg.PlotDataItem(
                np.arange(len(chart.previous)), np.array(chart.previous, dtype=float),
                pen=pg.mkPen(BEFORE, width=2, style=Qt.PenStyle.DashLine), symbol="o", symbolSize=6,
                symbolBrush=BEFORE, symbolPen=pg.mkPen(None)))

    def _line(self, chart: Chart) -> None:
        self.drawn.append(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#cbd5e1")))
        self._previous_line(chart)
        self.drawn.append(pg.PlotDataItem(np.arange(len(chart.values)), np.array(chart.values, dtype=float),
                                          pen=pg.mkPen(NOW, width=3), symbol="o", symbolSize=7, symbolBrush=NOW,
                                          symbolPen=pg.mkPen(None)))
        self._day_ticks(len(chart.values))
        item = self.plot.getPlotItem()
        item.setXRange(-0.4, max(len(chart.values), len(chart.previous)) - 0.6, padding=0)
        item.setYRange(*self._value_range((*chart.values, *chart.previous)), padding=0)
        self._legend("■", "┄●")

    def _hbars(self, chart: Chart) -> None:
        count = len(chart.values)
        ys = np.arange(count, dtype=float)
        compare = bool(chart.previous)
        thick = 0.4 if compare else 0.7
        now_y = ys - 0.2 if compare else ys
        self.drawn.append(pg.BarGraphItem(x0=0, y=now_y, height=thick, width=np.array(chart.values, dtype=float),
                                          brush=NOW, pen=pg.mkPen(None)))
        if compare:
            self.drawn.append(pg.BarGraphItem(x0=0, y=ys + 0.2, height=thick,
                                              width=np.array(chart.previous, dtype=float), brush=BEFORE,
                                              pen=pg.mkPen(None)))
        font = QFont()
        font.setPixelSize(TICK_PX)
        for y, value in zip(now_y, chart.values, strict=True):
            text = pg.TextItem(short_amount(value) if chart.money else es_cl.number(value), color=INK,
                               anchor=(0, 0.5))
            text.setFont(font)
            text.setPos(max(value, 0), y)
            self.drawn.append(text)
        self.left.setTicks([[(i, _short(name)) for i, name in enumerate(chart.labels)], []])
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.setYRange(-0.6, count - 0.4, padding=0)
        low, high = self._value_range((*chart.values, *chart.previous), room=1.0)
        item.setXRange(low * 1.1, high * 1.3, padding=0)  # room for the figure after the longest bar
        step = nice_step(high * 1.3 - low * 1.1, 3)  # "$100 mil" is wide: three amounts fit under the bars
        self.bottom.setTickSpacing(step, step)
        self._legend("■", "■")

    def _heatmap(self, chart: Chart) -> None:
        rows, columns = len(chart.labels), len(chart.columns)
        grid = np.array(chart.values, dtype=float).reshape(rows, columns).T  # pyqtgraph reads [x, y]
        top = float(grid.max()) or 1.0
        image = pg.ImageItem(grid)
        colours = pg.ColorMap([p for p, _c in HEAT], [c for _p, c in HEAT])
        image.setLookupTable(colours.getLookupTable(nPts=256))
        image.setLevels((0, top))
        self.drawn.append(image)
        self.bottom.setTicks([[(h + 0.5, chart.columns[h]) for h in range(0, columns, 3)], []])
        self.left.setTicks([[(w + 0.5, chart.labels[w]) for w in range(rows)], []])
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.setXRange(0, columns, padding=0)
        item.setYRange(0, rows, padding=0)
        busiest = int(np.argmax(grid))
        hour, weekday = divmod(busiest, rows)
        self.legend.setText(f'<span style="color:#bfdbfe">■</span><span style="color:#1e3a8a">■</span> más '
                            f"oscuro, más vendido · máx. {short_amount(top)} ({chart.labels[weekday]} "
                            f"{chart.columns[hour]}:00)")
