"""The boleta as printed: title, folio, the TED as a PDF417 that decodes to the stamped bytes and verifies,
within the SII's size on 80 mm paper, and the SII's legends."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp

from desktop.drivers.escpos_decode import decode, to_image
from desktop.drivers.fakes import FakePrinter
from desktop.drivers.receipt import PaperWidth
from desktop.services import timbre
from desktop.settings import DocumentSettings
from shared.dte import ted
from shared.sale import Tender, TenderKind

SAMPLES = Path(__file__).parents[2] / "data" / "sii" / "samples"


def _sell(term, code: str, tipo: int = 39):
    term.checkout.folios.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes())
    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    term.checkout.scan(code)
    done = term.checkout.complete((Tender(TenderKind.CASH, 5000),))
    term.receipts.wait_idle()
    return done, term.printer.jobs[-1]


def test_the_boleta_receipt_carries_a_timbre_that_decodes_and_verifies(make_terminal):
    term = make_terminal(documents=DocumentSettings(resolution_number=80, resolution_year=2014))
    done, job = _sell(term, "7801234567894")
    doc = done.event.document
    decoded = decode(job)
    text = "\n".join(decoded.lines)
    assert "BOLETA ELECTRÓNICA" in text and f"N° {doc.folio}" in text
    for legend in ("Timbre Electrónico SII", "Res. 80 de 2014", "Verifique documento: www.sii.cl"):
        assert legend in text
    assert text.index("Vuelto") < text.index("Timbre Electrónico SII")
    paper = to_image(job, PaperWidth.MM80.dots)
    found = zxingcpp.read_barcodes(paper, formats=zxingcpp.BarcodeFormat.PDF417)
    assert len(found) == 1
    payload = found[0].bytes
    assert payload == doc.ted.encode("latin-1")
    data = ted.verify_ted(payload)
    assert (data.folio, data.tipo_dte, data.monto_total) == (doc.folio, 39, 1150)
    # the printed symbol: every raster fits the paper, and the stitched timbre is inside the SII's box
    rasters = [im for im in decoded.images if im.width <= PaperWidth.MM80.dots]
    assert len(rasters) == len(decoded.images)
    image = timbre.timbre_image(doc.ted, PaperWidth.MM80.dots)
    width, height = ted.pdf417_size_cm(image, timbre.DPI)
    assert ted.PDF417_MIN_CM[0] <= width <= ted.PDF417_MAX_CM[0] and ted.PDF417_MIN_CM[1] <= height <= 4.0


def test_an_exempt_sale_prints_a_boleta_exenta(make_terminal):
    term = make_terminal()
    done, job = _sell(term, "7800000000016", tipo=41)
    assert done.event.document.tipo == 41
    assert "BOLETA NO AFECTA O EXENTA ELECTRÓNICA" in "\n".join(decode(job).lines)


def test_without_a_document_the_receipt_is_a_comprobante(selling):
    selling.checkout.scan("7801234567894")
    selling.checkout.complete((Tender(TenderKind.CASH, 2000),))
    selling.receipts.wait_idle()
    lines = decode(selling.printer.jobs[-1]).lines
    assert any("COMPROBANTE DE VENTA" in x for x in lines) and not any("Timbre" in x for x in lines)


@pytest.mark.parametrize("width", list(PaperWidth))
def test_the_timbre_fits_every_paper_and_reads_back(width):
    from datetime import date, datetime

    from shared.dte import caf as caf_mod

    caf = caf_mod.parse_caf((SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml").read_bytes())
    stamped = ted.build_ted(caf, folio=20, fecha_emision=date(2026, 11, 20), rut_receptor="66666666-6",
                            razon_social_receptor="Ñandú " * 10, monto_total=9_999_999, item1="Ñoquis " * 10,
                            timestamp=datetime(2026, 11, 20, 23, 59, 59))
    image = timbre.timbre_image(stamped.decode("latin-1"), width.dots)
    assert image.width <= width.dots
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.PDF417)
    assert [f.bytes for f in found] == [stamped]
    if width is not PaperWidth.MM58:
        assert ted.pdf417_size_cm(image, timbre.DPI)[1] <= ted.PDF417_MAX_CM[1]


def test_a_reprint_carries_the_same_timbre(make_terminal):
    term = make_terminal(printer=FakePrinter())
    done, first = _sell(term, "7801234567894")
    term.receipts.print_sale(done.event, reprint=True)
    term.receipts.wait_idle()
    again = term.printer.jobs[-1]
    read = [zxingcpp.read_barcodes(to_image(j, 576), formats=zxingcpp.BarcodeFormat.PDF417)[0].bytes
            for j in (first, again)]
    assert read[0] == read[1] == done.event.document.ted.encode("latin-1")
