"""reportlab paints the DTE PDFs that ``shared.dte.layout`` lays out: the server's backend, for HQ's document
downloads (``desktop.drivers.pdf_reportlab`` is its twin on the terminal; ``tests/contract/test_pdf_backends.py``
holds the two to the same bytes)."""

from __future__ import annotations

import io
from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from shared.dte import drawing


class ReportlabBackend:
    """``shared.dte.drawing.PdfBackend`` on reportlab (no type information: its objects stay inside this class)."""

    def fonts(self) -> drawing.Fonts:
        return _fonts()

    def width(self, text: str, font: str, size: float) -> float:
        return float(pdfmetrics.stringWidth(text, font, size))

    def paint(self, sheet: drawing.Drawing) -> bytes:
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, pagesize=sheet.size, invariant=1, pageCompression=1)
        c.setTitle(sheet.title)
        c.setAuthor(sheet.author)
        c.setSubject(sheet.subject)
        c.setCreator(sheet.creator)
        for page in sheet.pages:
            for op in page:
                match op:
                    case drawing.FillColor(rgb):
                        c.setFillColorRGB(*rgb)
                    case drawing.StrokeColor(rgb):
                        c.setStrokeColorRGB(*rgb)
                    case drawing.LineWidth(width):
                        c.setLineWidth(width)
                    case drawing.Font(name, size):
                        c.setFont(name, size)
                    case drawing.Text(x, y, text, "left"):
                        c.drawString(x, y, text)
                    case drawing.Text(x, y, text, "right"):
                        c.drawRightString(x, y, text)
                    case drawing.Text(x, y, text, "center"):
                        c.drawCentredString(x, y, text)
                    case drawing.Rect(x, y, width, height, stroke, fill):
                        c.rect(x, y, width, height, stroke=int(stroke), fill=int(fill))
                    case drawing.Line(x1, y1, x2, y2):
                        c.line(x1, y1, x2, y2)
            c.showPage()
        c.save()
        return buffer.getvalue()


@cache
def _fonts() -> drawing.Fonts:
    """DejaVu Sans (and Condensed for tables) registered once when installed, else the standard Helvetica."""
    if not all((drawing.DEJAVU_DIR / file).is_file() for file in drawing.DEJAVU.values()):
        return drawing.HELVETICA
    for name, file in drawing.DEJAVU.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(drawing.DEJAVU_DIR / file)))
    return drawing.Fonts(*drawing.DEJAVU)
