"""The PDF backend contract (``shared.dte.drawing.PdfBackend``): the terminal's and the server's reportlab backends
are twins (the apps may not import each other) and must measure and paint alike, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.drivers import pdf_reportlab as desktop_backend
from shared.dte import drawing, pdf
from syncserver.hq import pdf_reportlab as server_backend

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "sii" / "samples"
SET_BASICO = "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml"

BACKENDS: list[drawing.PdfBackend] = [desktop_backend.ReportlabBackend(), server_backend.ReportlabBackend()]

EVERY_OP = drawing.Drawing(
    size=(200.0, 100.0), title="Prueba", author="Almacén", subject="ñandú", creator="Almacén",
    pages=((drawing.FillColor((0.78, 0.0, 0.0)), drawing.StrokeColor((0.72, 0.72, 0.72)), drawing.LineWidth(0.5),
            drawing.Font("Helvetica", 9), drawing.Text(10, 80, "izquierda"), drawing.Text(190, 70, "derecha", "right"),
            drawing.Text(100, 60, "al centro", "center"), drawing.Rect(10, 10, 50, 20, stroke=True, fill=False),
            drawing.Rect(70, 10, 50, 20, stroke=False, fill=True), drawing.Line(0, 0, 200, 100)),
           (drawing.Font("Helvetica-Bold", 12), drawing.Text(10, 50, "Hoja 2"))))


@pytest.fixture(params=BACKENDS, ids=["desktop", "syncserver"])
def backend(request: pytest.FixtureRequest) -> drawing.PdfBackend:
    chosen: drawing.PdfBackend = request.param
    return chosen


def test_fonts_are_dejavu_when_installed_else_helvetica(backend: drawing.PdfBackend) -> None:
    installed = all((drawing.DEJAVU_DIR / f).is_file() for f in drawing.DEJAVU.values())
    assert backend.fonts() == (drawing.Fonts(*drawing.DEJAVU) if installed else drawing.HELVETICA)


def test_text_is_measured_in_points(backend: drawing.PdfBackend) -> None:
    fonts = backend.fonts()
    assert backend.width("", fonts.regular, 10) == 0
    assert 0 < backend.width("Total", fonts.regular, 10) < backend.width("Total", fonts.bold, 20)
    assert backend.width("MMMM", fonts.narrow, 8) == pytest.approx(2 * backend.width("MM", fonts.narrow, 8))


def test_painting_is_deterministic_and_a_pdf(backend: drawing.PdfBackend) -> None:
    data = backend.paint(EVERY_OP)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/Count 2" in data  # two pages
    assert backend.paint(EVERY_OP) == data


def test_the_twins_paint_the_same_bytes() -> None:
    first, second = BACKENDS
    assert first.paint(EVERY_OP) == second.paint(EVERY_OP)
    data = (SAMPLES / SET_BASICO).read_bytes()
    for options in ({}, {"cedible": True}, {"papel": "a4"}):
        one = pdf.render_pdfs(data, backend=first, **options)
        two = pdf.render_pdfs(data, backend=second, **options)
        assert [d.pdf for d in one] == [d.pdf for d in two]
        assert len(one) == 8
