"""The timbre as drawn on a printed DTE: the PDF417 of the TED sized within the SII's limits, as bars in modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from shared.dte import drawing, errors, ted

TIMBRE_MAX_W: Final = 88 * drawing.MM
TIMBRE_MAX_H: Final = 38 * drawing.MM
"""Within the manual's 9 × 4 cm with its quiet zones, leaving a margin for printers that scale."""
MODULE_MAX: Final = 0.34 * drawing.MM
MODULE_MIN: Final = 0.19 * drawing.MM
TIMBRE_COLUMNS: Final = range(10, 21)


@dataclass(frozen=True, slots=True)
class Timbre:
    """The PDF417 as drawn: ``bars`` are (x, y, width, height) in modules from the top-left corner of the
    symbol with its quiet zone; ``module`` the module width in points; sizes in points, quiet zone included."""

    columns: int
    module: float
    width_modules: int
    height_modules: int
    bars: tuple[tuple[int, int, int, int], ...]

    @property
    def width(self) -> float:
        return self.width_modules * self.module

    @property
    def height(self) -> float:
        return self.height_modules * self.module


def timbre(payload: bytes) -> Timbre:
    """The PDF417 of ``payload`` (the flattened TED) with the widest module that keeps the symbol within the
    SII's size (:data:`TIMBRE_MAX_W` × :data:`TIMBRE_MAX_H`), trying 10-20 data columns.

    Raises:
        UnprintableDocument: no symbol fits with modules of at least :data:`MODULE_MIN`.
    """
    best: tuple[float, int, Any] | None = None
    for columns in TIMBRE_COLUMNS:
        try:
            image = ted.pdf417_image(payload, columns=columns, scale=1)
        except errors.DocumentInvalid:
            continue
        module = min(TIMBRE_MAX_W / image.width, TIMBRE_MAX_H / image.height, MODULE_MAX)
        if best is None or module > best[0] + 1e-9:
            best = (module, columns, image)
    if best is None or best[0] < MODULE_MIN:
        raise errors.UnprintableDocument("el timbre no cabe en el tamaño que el SII permite")
    module, columns, image = best
    width, height = image.width, image.height
    pixels = image.load()
    bars: list[tuple[int, int, int, int]] = []
    previous: list[tuple[int, int]] = []
    open_bars: dict[tuple[int, int], int] = {}
    for y in range(height + 1):
        runs: list[tuple[int, int]] = []
        if y < height:
            x = 0
            while x < width:
                if pixels[x, y] < 128:
                    start = x
                    while x < width and pixels[x, y] < 128:
                        x += 1
                    runs.append((start, x - start))
                else:
                    x += 1
        if runs != previous:  # a new symbol row: close the bars of the previous one
            for run in previous:
                top = open_bars.pop(run)
                bars.append((run[0], top, run[1], y - top))
            for run in runs:
                open_bars[run] = y
            previous = runs
    return Timbre(columns=columns, module=module, width_modules=width, height_modules=height, bars=tuple(bars))
