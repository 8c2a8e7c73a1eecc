"""HQ's server-drawn charts for the Reportes: columns and lines over time against the period before, signed bars;
each value where its scale puts it, negative values below (left of) the zero line, a text alternative that reads
the figures, labels escaped."""

from __future__ import annotations

import re

from syncserver.hq import charts


def clp(value: int) -> str:
    return f"${value}"


def rects(svg: str) -> list[dict[str, float]]:
    return [{k: float(v) for k, v in re.findall(r'(\w+)="(-?[0-9.]+)"', r)}
            for r in re.findall(r"<rect ([^>]*)/?>", svg)]


def test_columns_put_each_day_on_one_scale_with_negatives_below_zero() -> None:
    svg = str(charts.columns(["01-12", "02-12", "03-12"], [1000, -500, 0], [250, 0, 0], title="Días <x>", fmt=clp,
                             now_label="este período", before_label="período anterior"))
    assert "Días &lt;x&gt;" in svg and "<x>" not in svg
    assert "Total este período: $500; período anterior: $250. El más alto: 01-12, $1000." in svg
    now = [r for r in re.findall(r"<rect ([^>]*)/?>", svg) if charts.NOW_COLOUR in r][1:]  # [0]: the legend
    high, low, zero = (rects(f"<rect {r}/>")[0] for r in now)
    assert zero["height"] == 0 and abs(high["height"] - 2 * low["height"]) <= 0.2  # drawn to 0.1 px
    assert abs(high["y"] + high["height"] - low["y"]) <= 0.1  # above the zero line, the negative day below
    assert ">$-500<" in svg  # the scale's low end is written


def test_lines_draw_both_periods_and_name_the_best_and_worst_days() -> None:
    svg = str(charts.lines(["a", "b", "c"], [10, -20, 30], [5, 5], title="Margen", fmt=clp, now_label="ahora",
                           before_label="antes"))
    assert svg.count("<polyline") == 2 and 'stroke-dasharray="4 3"' in svg
    assert "El más alto: c, $30; el más bajo: b, $-20." in svg
    assert svg.count("<circle") == 3
    assert "<circle" not in str(charts.lines([str(i) for i in range(40)], [1] * 40, None, title="x", fmt=clp,
                                             now_label="n", before_label="b"))


def test_bars_are_signed_and_single_without_a_period_before() -> None:
    pairs = [charts.Pair("Pan", 300, 100), charts.Pair("Leche", -150, 0)]
    svg = str(charts.bars(pairs, title="Margen", fmt=clp, now_label="ahora", before_label="antes"))
    assert "Pan: $300 ahora, $100 antes; Leche: $-150 ahora, $0 antes" in svg
    drawn = [r for r in rects(svg) if r.get("height") == 16]
    pan, before, leche = drawn[0], drawn[1], drawn[2]
    assert leche["x"] + leche["width"] == pan["x"]  # the negative bar ends at the zero line where Pan starts
    assert round(pan["width"] / leche["width"], 3) == 2 and round(pan["width"] / before["width"], 3) == 3
    single = str(charts.bars(pairs[:1], title="Stock", fmt=clp, now_label="hoy", before_label=None))
    assert "antes" not in single and "Pan: $300" in single and len([r for r in rects(single)
                                                                     if r.get("height") == 16]) == 1
    assert "Sin datos." in str(charts.bars([], title="x", fmt=clp, now_label="n", before_label=None))
