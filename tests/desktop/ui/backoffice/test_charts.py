"""The Reportes' chart drawn from hand-made ``Chart`` views: what each kind puts on the plot, the axes' words, the
ranges (negative margins too), the heat map's busiest hour, and the notice instead of an empty plot."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
import pytest

from desktop.presenters.backoffice.reports import WEEKDAYS_SHORT, Chart
from desktop.ui.backoffice.charts import ChartView, ValueAxis, nice_step

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def view(qtbot: Any) -> ChartView:
    chart = ChartView()
    qtbot.addWidget(chart)
    chart.resize(440, 300)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


@pytest.mark.parametrize(("span", "most", "step"), [
    (130_000, 3, 50_000), (90_000, 3, 50_000), (30_000, 3, 10_000), (7, 3, 5), (1.3, 3, 0.5), (0, 3, 1.0),
])
def test_nice_steps(span: float, most: int, step: float) -> None:
    assert nice_step(span, most) == pytest.approx(step)


def test_axis_words(qtbot: Any) -> None:
    axis = ValueAxis("left")
    assert axis.tickStrings([0, 12_400, 1_540_000], 1, 1) == ["$0", "$12 mil", "$1,5 M"]
    axis.money = False
    assert axis.tickStrings([0, 1500], 1, 1) == ["0", "1.500"]


def test_days_as_bars_with_the_period_before_as_a_line(view: ChartView) -> None:
    view.show_chart(Chart("bars", tuple(f"Lu {d:02d}" for d in range(1, 32)), tuple(range(31)), (5,) * 30))
    bars, before = view.drawn
    assert isinstance(bars, pg.BarGraphItem) and isinstance(before, pg.PlotDataItem)
    assert len(before.getData()[1]) == 30
    ticks = view.bottom._tickLevels[0]
    assert len(ticks) <= 8 and ticks[0] == (0, "Lu 01")  # every fourth day of 31
    assert "Período anterior" in view.legend.text() and view.stack.currentWidget() is view.plot


def test_a_line_that_goes_below_zero(view: ChartView) -> None:
    view.show_chart(Chart("line", ("Lu 01", "Ma 02", "Mi 03"), (4_000, -2_500, 1_000), ()))
    low, high = view.plot.getPlotItem().getViewBox().viewRange()[1]
    assert low < -2_500 and high > 4_000
    assert [type(i).__name__ for i in view.drawn] == ["InfiniteLine", "PlotDataItem"]  # no line before
    assert "Período anterior" not in view.legend.text()


def test_names_as_bars_with_their_figures(view: ChartView) -> None:
    view.show_chart(Chart("hbars", ("Bebidas", "Lácteos con un nombre muy largo"), (258_930, 118_450),
                          (300_000, 0)))
    now, before, *texts = view.drawn
    assert isinstance(now, pg.BarGraphItem) and isinstance(before, pg.BarGraphItem)
    assert [t.toPlainText() for t in texts] == ["$259 mil", "$118 mil"]
    assert view.left._tickLevels[0] == [(0, "Bebidas"), (1, "Lácteos con un no…")]
    view.show_chart(Chart("hbars", ("Coca-Cola",), (48,), (), money=False))
    assert [t.toPlainText() for t in view.drawn[1:]] == ["48"] and len(view.drawn) == 2  # no period before


def test_the_hours_heat_map(view: ChartView) -> None:
    values = [0] * (7 * 24)
    values[4 * 24 + 19] = 69_000  # Friday 19:00
    values[0 * 24 + 9] = 15_750
    view.show_chart(Chart("heatmap", WEEKDAYS_SHORT, tuple(values), (), tuple(str(h) for h in range(24))))
    (image,) = view.drawn
    assert isinstance(image, pg.ImageItem) and image.image.shape == (24, 7)
    assert image.image[19, 4] == 69_000 and image.image[9, 0] == 15_750
    assert "máx. $69 mil (Vi 19:00)" in view.legend.text()
    assert [label for _x, label in view.left._tickLevels[0]] == list(WEEKDAYS_SHORT)


def test_nothing_to_draw(view: ChartView) -> None:
    view.show_chart(Chart("hbars", ("Bebidas",), (1,), ()))
    view.show_chart(Chart("hbars", (), (), (), empty="Sin mermas en el período"))
    assert view.stack.currentWidget() is view.empty and view.empty.text() == "Sin mermas en el período"
    assert view.drawn == [] and view.plot.getPlotItem().listDataItems() == []
