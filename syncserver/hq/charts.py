"""Small charts drawn on the server as inline SVG (no script, no CDN): paired and signed bars, columns and lines over
time, a weekday × hour heat map; scaled by their ``viewBox`` to any width, each with a text alternative."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

from markupsafe import Markup

WEEKDAYS: Final = ("Lunes", "Martes", "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo")
NOW_COLOUR: Final = "#1f6f43"
"""This period's bars (the HQ's green); last week's are :data:`BEFORE_COLOUR`."""
BEFORE_COLOUR: Final = "#9aa5b1"
HEAT_STEPS: Final = ("#f1f5f2", "#cfe6d6", "#9fcdb0", "#5fae80", "#2e8a57", "#1f6f43")
"""The heat map's colours, from no sales to the busiest hour (sequential greens, legible to colour-blind eyes)."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One group of :func:`paired_bars`: its ``label``, this period's ``value`` and the comparison's ``before``."""

    label: str
    value: int
    before: int


def paired_bars(pairs: Sequence[Pair], *, title: str, fmt: Callable[[int], str], now_label: str,
                before_label: str) -> Markup:
    """Horizontal bars, two per label (this period over the comparison), sharing one scale; an SVG with
    ``role="img"``, a ``<title>`` naming the chart and a ``<desc>`` reading every value; ``fmt`` writes a value."""
    row, bar, label_w, width, first = 58, 16, 0, 320, 34
    top = max([1, *(p.value for p in pairs), *(p.before for p in pairs)])
    height = first + row * max(1, len(pairs)) - 14
    parts = []
    for i, p in enumerate(pairs):
        y = first + i * row
        parts.append(f'<text x="0" y="{y}" class="chart-label">{escape(p.label)}</text>')
        for j, (value, colour) in enumerate(((p.value, NOW_COLOUR), (p.before, BEFORE_COLOUR))):
            w = round((width - 90) * value / top, 1)
            yy = y + 6 + j * (bar + 2)
            parts.append(f'<rect x="{label_w}" y="{yy}" width="{max(w, 1)}" height="{bar}" fill="{colour}" rx="2"/>')
            parts.append(f'<text x="{label_w + max(w, 1) + 4}" y="{yy + bar - 4}" class="chart-value">'
                         f'{escape(fmt(value))}</text>')
    desc = "; ".join(f"{p.label}: {fmt(p.value)} {now_label}, {fmt(p.before)} {before_label}" for p in pairs)
    legend = (f'<g class="chart-legend" aria-hidden="true"><rect x="0" y="2" width="10" height="10"'
              f' fill="{NOW_COLOUR}"/>'
              f'<text x="14" y="11">{escape(now_label)}</text><rect x="150" y="2" width="10" height="10"'
              f' fill="{BEFORE_COLOUR}"/><text x="164" y="11">{escape(before_label)}</text></g>')
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMinYMin meet"'
                  f' aria-label="{escape(title)}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
                  f'{legend}{"".join(parts)}</svg>')


def heat_colour(value: int, top: int) -> str:
    """The :data:`HEAT_STEPS` colour of ``value`` on a scale whose busiest cell is ``top`` (0: the lightest)."""
    if value <= 0 or top <= 0:
        return HEAT_STEPS[0]
    return HEAT_STEPS[min(len(HEAT_STEPS) - 1, 1 + (len(HEAT_STEPS) - 2) * value // top)]


def heat_map(heat: Sequence[Sequence[int]], *, title: str, fmt: Callable[[int], str]) -> Markup:
    """A weekday (rows, Monday first) × hour (columns, 0–23) grid coloured by :func:`heat_colour`; each cell's
    ``<title>`` tells its day, hour and value; the ``<desc>`` names the busiest hour."""
    cell, left, head = 12, 30, 14
    top = max([0, *(v for day in heat for v in day)])
    parts = [f'<text x="{left + h * cell + cell / 2}" y="10" class="chart-hour" text-anchor="middle">{h}</text>'
             for h in range(0, 24, 3)]
    for d, day in enumerate(heat):
        y = head + d * cell
        parts.append(f'<text x="0" y="{y + cell - 3}" class="chart-day">{WEEKDAYS[d][:2]}</text>')
        for h, value in enumerate(day):
            parts.append(f'<rect x="{left + h * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}"'
                         f' fill="{heat_colour(value, top)}"><title>{WEEKDAYS[d]} {h}:00–{h + 1}:00:'
                         f' {escape(fmt(value))}</title></rect>')
    if top > 0:
        d, h = max(((d, h) for d in range(len(heat)) for h in range(24)), key=lambda dh: (heat[dh[0]][dh[1]],
                                                                                          -dh[0], -dh[1]))
        desc = f"La hora de más ventas es {WEEKDAYS[d].lower()} de {h}:00 a {h + 1}:00 ({fmt(top)})."
    else:
        desc = "Sin ventas en el período."
    width, height = left + 24 * cell, head + 7 * cell
    return Markup(f'<svg class="chart heat" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
                  f'<title>{escape(title)}</title><desc>{escape(desc)}</desc>{"".join(parts)}</svg>')


def _scale(values: Sequence[int]) -> tuple[int, int]:
    """The low (≤ 0) and high (≥ 0, never both 0) ends of a scale holding every value and zero."""
    low, high = min([0, *values]), max([0, *values])
    return low, high if high > low else low + 1


def _svg(kind: str, width: int, height: int, title: str, desc: str, body: str) -> Markup:
    return Markup(f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" role="img"'
                  f' preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}"><title>{escape(title)}</title>'
                  f'<desc>{escape(desc)}</desc>{body}</svg>')


def _legend(now_label: str, before_label: str | None, *, dashed: bool = False) -> str:
    parts = [f'<rect x="0" y="2" width="10" height="10" fill="{NOW_COLOUR}"/><text x="14" y="11">'
             f'{escape(now_label)}</text>']
    if before_label is not None:
        mark = (f'<line x1="150" y1="7" x2="162" y2="7" stroke="{BEFORE_COLOUR}" stroke-width="2"'
                f' stroke-dasharray="3 2"/>' if dashed else
                f'<rect x="150" y="2" width="10" height="10" fill="{BEFORE_COLOUR}"/>')
        parts.append(f'{mark}<text x="166" y="11">{escape(before_label)}</text>')
    return f'<g class="chart-legend" aria-hidden="true">{"".join(parts)}</g>'


def _ticks(count: int, most: int = 7) -> list[int]:
    """Which of ``count`` positions get a label on the time axis: the first, the last and evenly between."""
    if count <= most:
        return list(range(count))
    step = -(-(count - 1) // (most - 1))
    return sorted({*range(0, count, step), count - 1})


def columns(labels: Sequence[str], values: Sequence[int], before: Sequence[int] | None, *, title: str,
            fmt: Callable[[int], str], now_label: str, before_label: str) -> Markup:
    """Vertical bars over time (one per label: a day), this period's (green) in front of the period before's at the
    same position (grey, ``before``: None for none); a zero line, the scale's ends written, labels under some
    bars; the ``<desc>`` gives both sums and the highest bar."""
    width, height, top, bottom, left = 360, 190, 22, 22, 52
    plot_w, plot_h = width - left - 12, height - top - bottom
    earlier = list(before or [])
    low, high = _scale([*values, *earlier])
    zero = top + plot_h * high / (high - low)
    slot = plot_w / max(1, len(values))

    def bar(i: int, value: int, colour: str, share: float) -> str:
        y = top + plot_h * (high - max(value, 0)) / (high - low)
        h = max(abs(value) * plot_h / (high - low), 0.8 if value else 0)
        w = max(slot * share, 0.6)
        x = left + i * slot + (slot - w) / 2
        return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}"/>'

    parts = [f'<line x1="{left}" y1="{zero:.1f}" x2="{width}" y2="{zero:.1f}" stroke="#5b6878" stroke-width="0.8"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="chart-value">{escape(fmt(high))}</text>',
             f'<text x="{left - 4}" y="{zero + 4:.1f}" text-anchor="end" class="chart-value">{escape(fmt(0))}</text>']
    if low < 0:
        parts.append(f'<text x="{left - 4}" y="{top + plot_h:.1f}" text-anchor="end" class="chart-value">'
                     f'{escape(fmt(low))}</text>')
    for i, value in enumerate(values):
        if i < len(earlier):
            parts.append(bar(i, earlier[i], BEFORE_COLOUR, 0.85))
        parts.append(bar(i, value, NOW_COLOUR, 0.5 if earlier else 0.75))
    for i in _ticks(len(labels)):
        x = left + i * slot + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" class="chart-axis">'
                     f'{escape(labels[i])}</text>')
    best = max(range(len(values)), key=lambda i: (values[i], -i)) if values else None
    desc = f"Total {now_label}: {fmt(sum(values))}"
    if before is not None:
        desc += f"; {before_label}: {fmt(sum(earlier))}"
    if best is not None and values[best]:
        desc += f". El más alto: {labels[best]}, {fmt(values[best])}"
    return _svg("columns", width, height, title, desc + ".",
                _legend(now_label, before_label if before is not None else None) + "".join(parts))


def lines(labels: Sequence[str], values: Sequence[int], before: Sequence[int] | None, *, title: str,
          fmt: Callable[[int], str], now_label: str, before_label: str) -> Markup:
    """A line over time for this period (green, a dot per point when few) and a dashed one for the period before at
    the same positions; a zero line; negative values below it. The ``<desc>`` gives both sums, the best and the
    worst point."""
    width, height, top, bottom, left = 360, 190, 22, 22, 52
    plot_w, plot_h = width - left - 16, height - top - bottom
    earlier = list(before or [])
    low, high = _scale([*values, *earlier])
    step = plot_w / max(1, len(values) - 1)

    def point(i: int, value: int) -> tuple[float, float]:
        return left + 3 + i * step, top + plot_h * (high - value) / (high - low)

    zero = point(0, 0)[1]
    parts = [f'<line x1="{left}" y1="{zero:.1f}" x2="{width}" y2="{zero:.1f}" stroke="#5b6878" stroke-width="0.8"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="chart-value">{escape(fmt(high))}</text>',
             f'<text x="{left - 4}" y="{zero + 4:.1f}" text-anchor="end" class="chart-value">{escape(fmt(0))}</text>']
    if low < 0:
        parts.append(f'<text x="{left - 4}" y="{top + plot_h:.1f}" text-anchor="end" class="chart-value">'
                     f'{escape(fmt(low))}</text>')
    for series, colour, extra in ((earlier, BEFORE_COLOUR, ' stroke-dasharray="4 3"'), (values, NOW_COLOUR, "")):
        if not series:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(series)))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{extra}/>')
    if len(values) <= 31:
        for i, value in enumerate(values):
            x, y = point(i, value)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{NOW_COLOUR}"><title>{escape(labels[i])}:'
                         f' {escape(fmt(value))}</title></circle>')
    for i in _ticks(len(labels)):
        parts.append(f'<text x="{point(i, 0)[0]:.1f}" y="{height - 6}" text-anchor="middle" class="chart-axis">'
                     f'{escape(labels[i])}</text>')
    desc = f"Total {now_label}: {fmt(sum(values))}"
    if before is not None:
        desc += f"; {before_label}: {fmt(sum(earlier))}"
    if values:
        best = max(range(len(values)), key=lambda i: (values[i], -i))
        worst = min(range(len(values)), key=lambda i: (values[i], i))
        desc += (f". El más alto: {labels[best]}, {fmt(values[best])};"
                 f" el más bajo: {labels[worst]}, {fmt(values[worst])}")
    return _svg("lines", width, height, title, desc + ".",
                _legend(now_label, before_label if before is not None else None, dashed=True) + "".join(parts))


def bars(pairs: Sequence[Pair], *, title: str, fmt: Callable[[int], str], now_label: str,
         before_label: str | None) -> Markup:
    """Horizontal bars, the label above each group: this period's value and (``before_label`` not None) the period
    before's under it, on one scale from the lowest value (or zero) to the highest, negative values to the left of
    the zero line; the ``<desc>`` reads every value."""
    paired = before_label is not None
    row = 58 if paired else 40
    bar, width, first, room = 16, 320, 34, 86
    low, high = _scale([v for p in pairs for v in ((p.value, p.before) if paired else (p.value,))])
    plot = width - room
    zero = plot * -low / (high - low)
    parts = []
    for i, p in enumerate(pairs):
        y = first + i * row
        parts.append(f'<text x="0" y="{y}" class="chart-label">{escape(p.label)}</text>')
        shown = ((p.value, NOW_COLOUR), (p.before, BEFORE_COLOUR)) if paired else ((p.value, NOW_COLOUR),)
        for j, (value, colour) in enumerate(shown):
            w = max(plot * abs(value) / (high - low), 1)
            x = zero if value >= 0 else zero - w
            yy = y + 6 + j * (bar + 2)
            parts.append(f'<rect x="{x:.1f}" y="{yy}" width="{w:.1f}" height="{bar}" fill="{colour}" rx="2"/>')
            parts.append(f'<text x="{max(x + w, zero) + 4:.1f}" y="{yy + bar - 4}" class="chart-value">'
                         f'{escape(fmt(value))}</text>')
    if low < 0:
        parts.append(f'<line x1="{zero:.1f}" y1="20" x2="{zero:.1f}" y2="{first + row * len(pairs) - 14}"'
                     ' stroke="#5b6878" stroke-width="0.8"/>')
    height = first + row * max(1, len(pairs)) - 14
    if paired:
        desc = "; ".join(f"{p.label}: {fmt(p.value)} {now_label}, {fmt(p.before)} {before_label}" for p in pairs)
    else:
        desc = "; ".join(f"{p.label}: {fmt(p.value)}" for p in pairs)
    return _svg("bars", width, height, title, desc or "Sin datos.",
                _legend(now_label, before_label) + "".join(parts))
