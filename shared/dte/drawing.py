"""The drawing primitives a printed DTE is laid out in, and the port of the PDF backend that paints them.

``shared.dte.layout`` turns a document into a :class:`Drawing` (pages of canvas operations, in points from the
page's lower left corner); a :class:`PdfBackend` measures text for the layout and paints the drawing as a PDF.
The backends live in the apps (reportlab, outside the pure core): ``desktop.drivers.pdf_reportlab`` and
``syncserver.hq.pdf_reportlab``, held to the same bytes by ``tests/contract/test_pdf_backends.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, Protocol

MM: Final = 72 / 25.4
"""Points per millimetre."""

Rgb = tuple[float, float, float]
Align = Literal["left", "right", "center"]


@dataclass(frozen=True, slots=True)
class Fonts:
    """The font names the layout sets text in (registered by the backend)."""

    regular: str
    bold: str
    narrow: str
    narrow_bold: str


HELVETICA: Final = Fonts("Helvetica", "Helvetica-Bold", "Helvetica", "Helvetica-Bold")
"""The PDF's standard fonts (WinAnsi: á é í ó ú ñ ° included): what a backend uses when DejaVu is missing."""
DEJAVU_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU: Final = {"AlmacenSans": "DejaVuSans.ttf", "AlmacenSans-Bold": "DejaVuSans-Bold.ttf",
                 "AlmacenSansNarrow": "DejaVuSansCondensed.ttf",
                 "AlmacenSansNarrow-Bold": "DejaVuSansCondensed-Bold.ttf"}
"""Font name → file in :data:`DEJAVU_DIR` (Debian ``fonts-dejavu-core``), in :class:`Fonts` field order; embedded
as subsets when all four are installed."""


@dataclass(frozen=True, slots=True)
class FillColor:
    rgb: Rgb


@dataclass(frozen=True, slots=True)
class StrokeColor:
    rgb: Rgb


@dataclass(frozen=True, slots=True)
class LineWidth:
    width: float


@dataclass(frozen=True, slots=True)
class Font:
    name: str
    size: float


@dataclass(frozen=True, slots=True)
class Text:
    """``text`` on the baseline ``y``: starting at ``x`` (left), ending at it (right) or centred on it."""

    x: float
    y: float
    text: str
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    stroke: bool
    fill: bool


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


Op = FillColor | StrokeColor | LineWidth | Font | Text | Rect | Line
"""One canvas operation; colours, line width and font hold until the next operation that sets them."""


@dataclass(frozen=True, slots=True)
class Drawing:
    """A laid-out document: ``size`` (width, height) in points and its pages, each a sequence of operations;
    ``title``, ``author``, ``subject`` and ``creator`` go into the PDF's information dictionary."""

    size: tuple[float, float]
    pages: tuple[tuple[Op, ...], ...]
    title: str
    author: str
    subject: str
    creator: str


class Canvas:
    """Collects operations page by page into a :class:`Drawing` (the layout draws on it)."""

    def __init__(self) -> None:
        self.pages: list[tuple[Op, ...]] = []
        self.ops: list[Op] = []

    def fill(self, rgb: Rgb) -> None:
        self.ops.append(FillColor(rgb))

    def stroke(self, rgb: Rgb) -> None:
        self.ops.append(StrokeColor(rgb))

    def line_width(self, width: float) -> None:
        self.ops.append(LineWidth(width))

    def font(self, name: str, size: float) -> None:
        self.ops.append(Font(name, size))

    def text(self, x: float, y: float, text: str, align: Align = "left") -> None:
        self.ops.append(Text(x, y, text, align))

    def rect(self, x: float, y: float, width: float, height: float, *, stroke: bool, fill: bool) -> None:
        self.ops.append(Rect(x, y, width, height, stroke, fill))

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.ops.append(Line(x1, y1, x2, y2))

    def end_page(self) -> None:
        self.pages.append(tuple(self.ops))
        self.ops = []


class PdfBackend(Protocol):
    """Measures text for the layout and paints its drawing as PDF bytes (deterministic: same drawing, same bytes)."""

    def fonts(self) -> Fonts:
        """The fonts to lay out in: DejaVu (:data:`DEJAVU`) when installed, else :data:`HELVETICA`."""
        ...

    def width(self, text: str, font: str, size: float) -> float:
        """Width in points of ``text`` set in ``font`` at ``size`` points."""
        ...

    def paint(self, drawing: Drawing) -> bytes:
        """The PDF file of ``drawing``."""
        ...
