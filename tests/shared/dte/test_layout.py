"""The layout of a printed DTE as drawing primitives (``shared.dte.layout``), measured by a fake backend: no
reportlab, no PDF. What the SII's manual fixes is checked on the primitives themselves."""

from __future__ import annotations

import pytest

from shared.dte import drawing, errors, layout, printed, xmlcore
from tests.shared.dte.dte_samples import SAMPLES

SET_BASICO = SAMPLES / "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml"
MM = drawing.MM


class MonospaceBackend:
    """Every character half as wide as the font is tall; paints nothing (the layout never asks it to)."""

    def fonts(self) -> drawing.Fonts:
        return drawing.HELVETICA

    def width(self, text: str, font: str, size: float) -> float:
        return len(text) * size * 0.5

    def paint(self, sheet: drawing.Drawing) -> bytes:
        raise AssertionError("the layout does not paint")


def _documents() -> list[printed.Printed]:
    dtes, _ = printed.dtes(xmlcore.parse(SET_BASICO.read_bytes()))
    return [printed.read(d) for d in dtes]


def _lay_out(doc: printed.Printed, *, cedible: bool = False, unidad_sii: str | None = None,
             papel: str = "carta") -> drawing.Drawing:
    return layout.lay_out(doc, resolution=(0, 2025), cedible=cedible, unidad_sii=unidad_sii,
                          papel=papel, backend=MonospaceBackend())  # type: ignore[arg-type]  # papel: any str


def _texts(page: tuple[drawing.Op, ...]) -> list[str]:
    return [op.text for op in page if isinstance(op, drawing.Text)]


def _stroked_in(page: tuple[drawing.Op, ...], colour: drawing.Rgb) -> list[drawing.Rect]:
    """The stroked rectangles drawn while the stroke colour was ``colour``."""
    current: drawing.Rgb | None = None
    out = []
    for op in page:
        if isinstance(op, drawing.StrokeColor):
            current = op.rgb
        elif isinstance(op, drawing.Rect) and op.stroke and current == colour:
            out.append(op)
    return out


def test_a_factura_is_one_carta_page_with_the_red_recuadro_in_the_upper_right_corner() -> None:
    factura = next(d for d in _documents() if d.folio == 20)
    sheet = _lay_out(factura)
    assert sheet.size == (612.0, 792.0)
    assert sheet.title == "Factura electrónica N° 20"
    assert sheet.subject == "R.U.T. 76.235.291-5 - Factura electrónica N° 20"
    [page] = sheet.pages
    [recuadro] = _stroked_in(page, layout.RED)
    assert (round(recuadro.width / MM, 3), round(recuadro.height / MM, 3)) == (70, 30)
    assert recuadro.x + recuadro.width == pytest.approx(612.0 - 15 * MM)
    assert recuadro.y + recuadro.height == pytest.approx(792.0 - 12 * MM)
    texts = _texts(page)
    for expected in ("R.U.T.: 76.235.291-5", "FACTURA ELECTRÓNICA", "N° 20", "S.I.I. - LOS ANDES",
                     "Timbre Electrónico SII", "Res. 0 de 2025", "$ 3.458.370",
                     "Factura electrónica N° 20 - Hoja 1 de 1"):
        assert expected in texts, expected


def test_the_timbre_starts_2_cm_from_the_left_edge_and_fits_the_sii_size() -> None:
    factura = _documents()[0]
    [page] = _lay_out(factura).pages
    bars = [op for op in page if isinstance(op, drawing.Rect) and op.fill and not op.stroke]
    left, right = min(b.x for b in bars), max(b.x + b.width for b in bars)
    bottom, top = min(b.y for b in bars), max(b.y + b.height for b in bars)
    assert left >= 20 * MM
    assert 50 * MM <= right - left <= 90 * MM and 20 * MM <= top - bottom <= 40 * MM
    assert top < 792.0 / 2  # in the lower half of the page


def test_only_facturas_laid_out_as_cedible_carry_the_acuse_de_recibo() -> None:
    factura = _documents()[0]
    [plain] = _lay_out(factura).pages
    [cedible] = _lay_out(factura, cedible=True).pages
    assert "CEDIBLE" not in _texts(plain) and "ACUSE DE RECIBO" not in _texts(plain)
    assert {"CEDIBLE", "ACUSE DE RECIBO", "Nombre:", "R.U.T.:", "Firma:"} <= set(_texts(cedible))
    assert _lay_out(factura, cedible=True).title == "Factura electrónica N° 17 (cedible)"


def test_a4_paper_and_an_unknown_paper() -> None:
    factura = _documents()[0]
    assert _lay_out(factura, papel="a4").size == pytest.approx((210 * MM, 297 * MM))
    with pytest.raises(errors.UnprintableDocument, match="carta o a4"):
        _lay_out(factura, papel="oficio")


def test_without_a_comuna_the_unidad_del_sii_must_be_given() -> None:
    factura = _documents()[0]
    factura.comuna = factura.ciudad = ""
    with pytest.raises(errors.UnprintableDocument, match="unidad del SII"):
        _lay_out(factura)
    [page] = _lay_out(factura, unidad_sii="Santiago Oriente").pages
    assert "S.I.I. - SANTIAGO ORIENTE" in _texts(page)


def test_a_long_detail_continues_on_more_pages_with_the_recuadro_on_each_and_totals_on_the_last() -> None:
    factura = _documents()[0]
    factura.lines = [factura.lines[0]] * 80
    pages = _lay_out(factura).pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        texts = _texts(page)
        assert len(_stroked_in(page, layout.RED)) == 1
        assert f"Factura electrónica N° 17 - Hoja {number} de {len(pages)}" in texts
        assert ("Timbre Electrónico SII" in texts) == (number == len(pages))
        assert ("Total" in texts) == (number == len(pages))
    assert sum(_texts(page).count(factura.lines[0].monto) for page in pages) == 80
