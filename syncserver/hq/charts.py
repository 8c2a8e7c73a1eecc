"""Small charts drawn on the server as inline SVG (no script, no CDN): paired bars and a weekday × hour heat map,
scaled by their ``viewBox`` to any width, each with a text alternative for screen readers."""

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
