"""PDFs of signed DTEs (``shared.dte.pdf``, painted by the reportlab backend): what a customer and an accountant
read on them (pdftotext), the timbre a scanner reads off the printed page (pdftoppm at 200 dpi, zxing-cpp) byte for
byte, the SII's size and position rules, pagination of long documents, and hostile or foreign files refused."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from desktop.drivers import pdf_reportlab
from shared.dte import caf as caf_mod
from shared.dte import documents as docs
from shared.dte import errors, pdf, printed, signature, ted, xmlcore
from shared.dte import xml as dte_xml
from tests.shared.dte.dte_samples import SAMPLES, SIGN_TIME, STAMP_TIME

DAY = date(2025, 5, 2)
DPI = 200
RES = (80, 2014)
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
SET_BASICO = SAMPLES / "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml"
BACKEND = pdf_reportlab.ReportlabBackend()


def render_pdf(xml: bytes, **options: Any) -> bytes:
    return pdf.render_pdf(xml, backend=BACKEND, **options)


def render_pdfs(xml: bytes, **options: Any) -> list[pdf.DtePdf]:
    return pdf.render_pdfs(xml, backend=BACKEND, **options)


def _signed(doc: docs.Documento, cafs: dict[int, caf_mod.Caf], signer: signature.Signer) -> tuple[bytes, bytes]:
    """(the signed DTE, the TED stamped into it)."""
    stamped = ted.stamp(cafs[int(doc.tipo)], doc, STAMP_TIME)
    return dte_xml.build_dte(doc, stamped, signer, SIGN_TIME), stamped


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run ./scripts/setup (apt package poppler-utils)")
    return path


def _pages_text(data: bytes, tmp_path: Path) -> list[str]:
    """pdftotext of each page, whitespace collapsed to single spaces."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(data)
    out = subprocess.run([_tool("pdftotext"), "-layout", str(source), "-"], capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    return [" ".join(page.split()) for page in out.split("\f") if page.strip()]


def _png_pages(data: bytes, tmp_path: Path, name: str = "page") -> list[Path]:
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run([_tool("pdftoppm"), "-r", str(DPI), "-png", str(source), str(tmp_path / name)], check=True,
                   timeout=120)
    return sorted(tmp_path.glob(f"{name}-*.png"))


def _timbres(png: Path) -> list[zxingcpp.Barcode]:
    with Image.open(png) as image:
        return list(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.PDF417))


def _cm(pixels: float) -> float:
    return pixels / DPI * 2.54


def _assert_timbre_as_the_sii_requires(png: Path, expected: bytes) -> None:
    """One PDF417 on the page, decoding to ``expected``; 5-9 × 2-4 cm, ≥ 2 cm from the left edge, at the bottom."""
    found = _timbres(png)
    assert len(found) == 1
    barcode = found[0]
    assert barcode.bytes == expected  # the TED exactly as in the XML (ISO-8859-1 bytes, no ECI)
    p = barcode.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    width, height = _cm(max(xs) - min(xs)), _cm(max(ys) - min(ys))
    assert 5.0 <= width <= 9.0 and 2.0 <= height <= 4.0, (width, height)
    assert _cm(min(xs)) >= 2.0
    with Image.open(png) as image:
        page_h = image.height
    assert min(ys) > 0.6 * page_h  # in the lower part of the page


def _colours(png: Path) -> tuple[int, int]:
    """(red pixels in the page's top-right quarter, green pixels anywhere)."""
    with Image.open(png) as opened:
        image = opened.convert("RGB")
    small = image.resize((image.width // 4, image.height // 4), Image.Resampling.NEAREST)
    red = green = 0
    for y in range(small.height):
        for x in range(small.width):
            r, g, b = small.getpixel((x, y))  # type: ignore[misc]
            if g > r + 60 and g > b + 60:
                green += 1
            if r > 150 and g < 90 and b < 90 and x > small.width / 2 and y < small.height / 4:
                red += 1
    return red, green


def _factura(emisor: docs.Emisor, empresa: docs.Receptor, folio: int, n_lines: int) -> docs.Documento:
    lineas = []
    for n in range(1, n_lines + 1):
        price = Decimal(1000 + 37 * n)
        qty = Decimal(n % 7 + 1)
        discount = 100 if n % 5 == 0 else 0
        amount = int(price * qty) - discount
        lineas.append(docs.Linea(nombre=f"Producto {n:02d} café de grano tostado, ñandú", cantidad=qty,
                                 precio=price, monto=amount, descuento=discount, codigo=f"78000{n:05d}",
                                 unidad="UN"))
    return docs.documento(docs.TipoDTE.FACTURA, folio=folio, fecha_emision=DAY, emisor=emisor, receptor=empresa,
                          lineas=lineas, forma_pago=2)


def test_a_factura_shows_recuadro_parties_detail_totals_and_a_timbre_that_scans_to_its_ted(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        tmp_path: Path) -> None:
    doc = _factura(emisor, empresa, folio=5, n_lines=3)
    signed, stamped = _signed(doc, cafs, signer)
    rendered = render_pdf(signed, resolucion=RES)
    assert rendered.startswith(b"%PDF-")
    assert render_pdf(signed, resolucion=RES) == rendered  # deterministic: same XML, same file
    [text] = _pages_text(rendered, tmp_path)
    t = doc.totales
    for expected in ("R.U.T.: 76.235.291-5", "FACTURA ELECTRÓNICA", "N° 5", "S.I.I. - LOS ANDES",
                     "Diseño y Entretenimientos Within Play Ltda.", "Giro: Venta al por menor en almacenes",
                     "San Lucio 138, Los Andes", "Fecha de emisión: 2 de mayo de 2025", "Forma de pago: Crédito",
                     "Señor(es): Baca Juegos y Accesorios SPA", "R.U.T.: 77.447.842-6",
                     "Giro: Venta de juegos y accesorios", "Dirección: Cillero 11", "Comuna: Rancagua",
                     "Producto 01 café de grano tostado, ñandú", "7800000001", "2 UN", "1.037", "$ 2.074",
                     f"Monto neto {printed.clp(t.neto)}", f"IVA 19 % {printed.clp(t.iva)}",
                     f"Total {printed.clp(t.total)}",
                     "Timbre Electrónico SII", "Res. 80 de 2014", "Verifique documento: www.sii.cl",
                     "Hoja 1 de 1"):
        assert expected in text, expected
    assert "CEDIBLE" not in text and "Monto exento" not in text
    [png] = _png_pages(rendered, tmp_path)
    _assert_timbre_as_the_sii_requires(png, stamped)
    red, green = _colours(png)
    assert red > 200 and green == 0  # the recuadro is red, nothing is green
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # a fresh clone has no artifacts/ yet
    shutil.copyfile(png, SCREENSHOTS / "pdf_factura.png")


def test_the_cedible_copy_of_a_factura_has_the_acuse_de_recibo_and_a_nota_has_none(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        tmp_path: Path) -> None:
    factura = _factura(emisor, empresa, folio=6, n_lines=2)
    signed, _ = _signed(factura, cafs, signer)
    [text] = _pages_text(render_pdf(signed, resolucion=RES, cedible=True), tmp_path)
    for expected in ("CEDIBLE", "ACUSE DE RECIBO", "Nombre:", "R.U.T.:", "Fecha:", "Recinto:", "Firma:",
                     "letra b) del Art. 4°, y la letra c) del Art. 5° de la Ley 19.983"):
        assert expected in text, expected
    ref = docs.Referencia(tipo_documento="33", folio="6", fecha=DAY, codigo=docs.CodRef.ANULA, razon="Anula factura")
    nc = docs.nota_credito(folio=3, fecha_emision=DAY, emisor=emisor, receptor=empresa, lineas=factura.lineas,
                           referencia=ref, montos_brutos=False)
    nc_signed, _ = _signed(nc, cafs, signer)
    envelope = dte_xml.build_envelope([signed, nc_signed], dte_xml.Caratula(
        rut_emisor="76235291-5", rut_envia="76235291-5", fecha_resolucion=date(2025, 3, 26), numero_resolucion=0),
        signer, SIGN_TIME)
    both = render_pdfs(envelope, cedible=True)
    assert [(d.tipo, d.folio, d.cedible, d.filename) for d in both] == [
        (33, 6, True, "76235291-5_T33F6_cedible.pdf"), (61, 3, False, "76235291-5_T61F3.pdf")]
    [nc_text] = _pages_text(both[1].pdf, tmp_path)
    assert "CEDIBLE" not in nc_text and "ACUSE DE RECIBO" not in nc_text
    assert "Res. 0 de 2025" in nc_text  # from the envelope's Carátula
    # one DTE of the envelope, chosen by type and folio
    assert _pages_text(render_pdf(envelope, tipo=61, folio=3), tmp_path) == [nc_text]
    with pytest.raises(errors.UnprintableDocument, match="tipo 61 folio 9"):
        render_pdf(envelope, tipo=61, folio=9)


def test_a_60_line_factura_continues_on_more_pages_each_identified_and_totals_and_timbre_on_the_last(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        tmp_path: Path) -> None:
    doc = _factura(emisor, empresa, folio=7, n_lines=60)
    signed, stamped = _signed(doc, cafs, signer)
    rendered = render_pdf(signed, resolucion=RES, papel="a4")
    pages = _pages_text(rendered, tmp_path)
    n = len(pages)
    assert n >= 2
    for number, page in enumerate(pages, 1):
        assert "R.U.T.: 76.235.291-5" in page and "FACTURA ELECTRÓNICA" in page and "N° 7" in page
        assert f"Hoja {number} de {n}" in page
        assert ("Timbre Electrónico SII" in page) == (number == n)
        assert ("Total " + printed.clp(doc.totales.total) in page) == (number == n)
    everything = " ".join(pages)
    for line in range(1, 61):  # every line printed exactly once, in order
        assert everything.count(f"Producto {line:02d} ") == 1
    positions = [everything.index(f"Producto {line:02d} ") for line in range(1, 61)]
    assert positions == sorted(positions)
    assert "Señor(es): Baca Juegos" in pages[0] and "Señor(es)" not in pages[1]
    pngs = _png_pages(rendered, tmp_path)
    assert len(pngs) == n
    assert all(not _timbres(p) for p in pngs[:-1])
    _assert_timbre_as_the_sii_requires(pngs[-1], stamped)


def test_a_nota_de_credito_referencing_a_boleta_prints_the_reference(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, signer: signature.Signer, tmp_path: Path) -> None:
    persona = docs.Receptor(rut="12.345.678-5", razon_social="Juana Pérez Muñoz", giro="Particular",
                            direccion="Avenida Irarrázaval 3210, depto. 41", comuna="Ñuñoa")
    ref = docs.Referencia(tipo_documento="39", folio="7", fecha=date(2025, 4, 30), codigo=docs.CodRef.ANULA,
                          razon="Devolución de la compra")
    nc = docs.nota_credito(folio=8, fecha_emision=DAY, emisor=emisor, receptor=persona,
                           lineas=[docs.Linea("Leche Entera Colun 1 L", Decimal(2), Decimal(1150), 2300),
                                   docs.Linea("Coca-Cola 1,5 L", Decimal(1), Decimal(1900), 1900)], referencia=ref)
    signed, stamped = _signed(nc, cafs, signer)
    rendered = render_pdf(signed, resolucion=RES, unidad_sii="Santiago Oriente")
    [text] = _pages_text(rendered, tmp_path)
    for expected in ("NOTA DE CRÉDITO ELECTRÓNICA", "N° 8", "S.I.I. - SANTIAGO ORIENTE", "Juana Pérez Muñoz",
                     "R.U.T.: 12.345.678-5", "Comuna: Ñuñoa", "Avenida Irarrázaval 3210, depto. 41",
                     "Referencias", "Boleta electrónica 7 30-04-2025 1 - Anula documento Devolución de la compra",
                     "Precios y montos de las líneas con IVA incluido.",
                     f"Monto neto {printed.clp(nc.totales.neto)}", f"IVA 19 % {printed.clp(nc.totales.iva)}",
                     "Total $ 4.200"):
        assert expected in text, expected
    assert (nc.totales.neto, nc.totales.iva) == (3529, 671)
    [png] = _png_pages(rendered, tmp_path)
    _assert_timbre_as_the_sii_requires(png, stamped)
    red, green = _colours(png)
    assert red > 200 and green == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # a fresh clone has no artifacts/ yet
    shutil.copyfile(png, SCREENSHOTS / "pdf_nota_credito.png")


def test_a_nota_de_debito_prints_its_charges_and_the_factura_it_modifies(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        tmp_path: Path) -> None:
    ref = docs.Referencia(tipo_documento="33", folio="14", fecha=date(2025, 4, 28), codigo=docs.CodRef.CORRIGE_MONTOS,
                          razon="Intereses por pago atrasado y flete")
    nd = docs.nota_debito(folio=2, fecha_emision=DAY, emisor=emisor, receptor=empresa, referencia=ref,
                          lineas=[docs.linea_cargo("Intereses por mora (30 días)", 2500),
                                  docs.linea_cargo("Flete Los Andes - Rancagua", 8000)], forma_pago=2)
    signed, stamped = _signed(nd, cafs, signer)
    rendered = render_pdf(signed, resolucion=RES)
    [text] = _pages_text(rendered, tmp_path)
    for expected in ("NOTA DE DÉBITO ELECTRÓNICA", "N° 2", "Señor(es): Baca Juegos y Accesorios SPA",
                     "Intereses por mora (30 días)", "Flete Los Andes - Rancagua", "$ 8.000", "Referencias",
                     "Factura electrónica 14 28-04-2025 3 - Corrige montos Intereses por pago atrasado y flete",
                     "Forma de pago: Crédito", "Monto neto $ 10.500", "IVA 19 % $ 1.995", "Total $ 12.495"):
        assert expected in text, expected
    assert "CEDIBLE" not in _pages_text(render_pdf(signed, resolucion=RES, cedible=True), tmp_path)[0]
    [png] = _png_pages(rendered, tmp_path)
    _assert_timbre_as_the_sii_requires(png, stamped)
    red, green = _colours(png)
    assert red > 200 and green == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # a fresh clone has no artifacts/ yet
    shutil.copyfile(png, SCREENSHOTS / "pdf_nota_debito.png")


def test_a_factura_exenta_shows_only_the_exempt_amount(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        tmp_path: Path) -> None:
    doc = docs.documento(docs.TipoDTE.FACTURA_EXENTA, folio=2, fecha_emision=DAY, emisor=emisor, receptor=empresa,
                         lineas=[docs.Linea("Asesoría contable mensual", Decimal(1), Decimal(250000), 250000,
                                            exento=True),
                                 docs.Linea("Libros de contabilidad", Decimal(3), Decimal(12990), 38970,
                                            exento=True)], forma_pago=1)
    signed, stamped = _signed(doc, cafs, signer)
    rendered = render_pdf(signed, resolucion=RES, cedible=True)
    [text] = _pages_text(rendered, tmp_path)
    for expected in ("FACTURA NO AFECTA O EXENTA", "ELECTRÓNICA", "N° 2", "Forma de pago: Contado",
                     "Asesoría contable mensual", "$ 250.000", "Monto exento $ 288.970", "Total $ 288.970",
                     "CEDIBLE"):
        assert expected in text, expected
    assert "IVA" not in text and "Monto neto" not in text
    [png] = _png_pages(rendered, tmp_path)
    _assert_timbre_as_the_sii_requires(png, stamped)


def test_the_sii_set_basico_envelope_prints_every_document_with_its_global_discount(tmp_path: Path) -> None:
    data = SET_BASICO.read_bytes()
    rendered = render_pdfs(data)
    assert [(d.tipo, d.folio) for d in rendered] == [(33, 17), (33, 18), (33, 19), (33, 20), (61, 12), (61, 13),
                                                     (61, 14), (56, 7)]
    root = xmlcore.parse(data)
    tds = {(int(xmlcore.text(t, "DD/TD") or 0), int(xmlcore.text(t, "DD/F") or 0)): t
           for t in root.iter("{http://www.sii.cl/SiiDte}TED")}
    factura = next(d for d in rendered if d.folio == 20)
    [text] = _pages_text(factura.pdf, tmp_path)
    for expected in ("Casa Lagunillas SpA", "Res. 0 de 2025", "Set de pruebas SII 4352553-4",
                     "$ 816.457", "Monto exento $ 13.666", "Total $ 3.458.370"):
        assert expected in text, expected
    [png] = _png_pages(factura.pdf, tmp_path, "f20")
    _assert_timbre_as_the_sii_requires(png, ted.ted_payload(tds[(33, 20)]))
    nota = next(d for d in rendered if d.tipo == 56)
    [nd_text] = _pages_text(nota.pdf, tmp_path)
    assert "NOTA DE DÉBITO" in nd_text and "ELECTRÓNICA" in nd_text
    assert "Nota de crédito electrónica 000012 08-07-2025 1 - Anula documento ANULA NOTA DE CREDITO" in nd_text


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b'<DTE version="1.0"><Documento>&lol3;</Documento></DTE>')
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE DTE [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   b'<DTE xmlns="http://www.sii.cl/SiiDte"><Documento>&xxe;</Documento></DTE>')


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_hostile_xml_is_refused_before_anything_is_drawn(hostile: bytes) -> None:
    with pytest.raises(errors.HostileXml, match="seguridad"):
        render_pdf(hostile, resolucion=RES)
    with pytest.raises(errors.HostileXml):
        render_pdfs(hostile, resolucion=RES)


def test_files_that_are_not_a_printable_dte_get_a_clear_error(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer) -> None:
    with pytest.raises(errors.UnprintableDocument, match="AUTORIZACION"):
        render_pdf((SAMPLES / "caf_T33_cert_76235291-5_F1-20.xml").read_bytes(), resolucion=RES)
    with pytest.raises(errors.XmlError):
        render_pdf(b"<DTE><Documento>", resolucion=RES)
    signed, _ = _signed(_factura(emisor, empresa, folio=9, n_lines=1), cafs, signer)
    with pytest.raises(errors.UnprintableDocument, match="resolución"):
        render_pdf(signed)  # a lone DTE has no Carátula to take it from
    wrong_folio = signed.replace(b"<Folio>9</Folio>", b"<Folio>10</Folio>")
    with pytest.raises(errors.UnprintableDocument, match=r"timbre \(TED\) no corresponde.*F '9' ≠ '10'"):
        render_pdf(wrong_folio, resolucion=RES)
    no_ted = re.sub(rb"<TED .*</TED>", b"", signed, flags=re.S)
    with pytest.raises(errors.UnprintableDocument, match="no tiene timbre"):
        render_pdf(no_ted, resolucion=RES)
    other_type = signed.replace(b"<TipoDTE>33</TipoDTE>", b"<TipoDTE>52</TipoDTE>")
    with pytest.raises(errors.UnprintableDocument, match="'52' no se imprime"):
        render_pdf(other_type, resolucion=RES)
    with pytest.raises(errors.UnprintableDocument, match="inválida"):
        render_pdf(signed, resolucion=(80, 14))


def test_a_boleta_to_an_anonymous_buyer_prints_no_receptor_and_shows_the_iva(tmp_path: Path) -> None:
    data = (SAMPLES / "envioboleta_T39_prod_libredte_F18094.xml").read_bytes()
    [boleta] = render_pdfs(data)
    assert (boleta.tipo, boleta.folio, boleta.filename) == (39, 18094, "7555986-0_T39F18094.pdf")
    [text] = _pages_text(boleta.pdf, tmp_path)
    for expected in ("R.U.T.: 7.555.986-0", "BOLETA ELECTRÓNICA", "N° 18094", "S.I.I. - VILLA ALEMANA",
                     "Fecha de emisión: 30 de noviembre de 2022", "Monto neto $ 3.529", "IVA 19 % $ 671",
                     "Total $ 4.200", "Res. 80 de 2014"):
        assert expected in text, expected
    assert "Señor(es)" not in text and "66.666.666-6" not in text
    ted_el = next(xmlcore.parse(data).iter("{http://www.sii.cl/SiiDte}TED"))
    [png] = _png_pages(boleta.pdf, tmp_path)
    _assert_timbre_as_the_sii_requires(png, ted.ted_payload(ted_el))
