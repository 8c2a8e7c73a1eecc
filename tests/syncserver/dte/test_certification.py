"""A certification run on a test set written like the SII's: every case's document carries the figures of the
SET BÁSICO the SII accepted from another issuer (tests/data/sii/samples, same cases), the envelopes validate
against the XSDs and verify with xmlsec1, the samples print (rendered to PNG), and what cannot be built says why."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from shared.dte import caf as caf_mod
from shared.dte import documents, schema, signature, xmlcore
from syncserver.dte import certification as cert
from syncserver.dte import certification_set as cs
from syncserver.dte import pipeline
from syncserver.hq import pdf_reportlab
from tests.syncserver.dte import dte_kit
from tests.syncserver.dte.folio_kit import SAMPLES

SET_FILE = Path(__file__).parent / "data" / "set_pruebas_76235291-5.txt"
ACCEPTED = SAMPLES / "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
_NS = {"s": "http://www.sii.cl/SiiDte"}


def _params(**changes: object) -> cert.Parametros:
    cafs = {t: dte_kit.caf(t) for t in (33, 39, 56, 61)}
    base = cert.Parametros(emisor=dte_kit.EMISOR, signer=signature.load_pfx(dte_kit.PFX.read_bytes(), "testpass"),
                           cafs=cafs, fecha=dte_kit.DAY, timestamp=datetime(2025, 5, 2, 11, 30),
                           resolucion=date(2025, 3, 26), rut_envia="12.345.678-5")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def archivo() -> cs.ArchivoSet:
    return cs.parse(cs.decode(SET_FILE.read_bytes()))


@pytest.fixture(scope="module")
def resultado(archivo: cs.ArchivoSet) -> cert.Resultado:
    return cert.build(archivo, _params())


def _dtes(envelope: bytes) -> list[etree._Element]:
    return list(xmlcore.parse(envelope).iterfind("s:SetDTE/s:DTE", _NS))


def _txt(el: etree._Element, path: str) -> str:
    return el.findtext(path, default="", namespaces=_NS)


def test_every_case_has_the_figures_the_sii_accepted(resultado: cert.Resultado) -> None:
    basico = resultado.envios[0]
    ours = _dtes(basico.xml)
    theirs = _dtes(ACCEPTED.read_bytes())
    assert len(ours) == len(theirs) == 8
    totals = ("MntNeto", "MntExe", "IVA", "MntTotal")
    for mine, accepted in zip(ours, theirs, strict=True):
        head = "s:Documento/s:Encabezado/"
        assert _txt(mine, head + "s:IdDoc/s:TipoDTE") == _txt(accepted, head + "s:IdDoc/s:TipoDTE")
        mine_totals = [int(_txt(mine, head + f"s:Totales/s:{t}") or 0) for t in totals]
        assert mine_totals == [int(_txt(accepted, head + f"s:Totales/s:{t}") or 0) for t in totals]
        assert [int(_txt(d, "s:MontoItem")) for d in mine.iterfind("s:Documento/s:Detalle", _NS)] == \
            [int(_txt(d, "s:MontoItem")) for d in accepted.iterfind("s:Documento/s:Detalle", _NS)]
        refs = mine.findall("s:Documento/s:Referencia", _NS)
        assert (_txt(refs[0], "s:TpoDocRef"), _txt(refs[0], "s:RazonRef")) == \
            ("SET", _txt(accepted.find("s:Documento/s:Referencia", _NS), "s:RazonRef"))  # type: ignore[arg-type]
    case2 = ours[1].find("s:Documento/s:Detalle", _NS)
    assert case2 is not None and (_txt(case2, "s:DescuentoPct"), _txt(case2, "s:DescuentoMonto")) == ("10", "445837")
    case4 = ours[3].find("s:Documento/s:DscRcgGlobal", _NS)
    assert case4 is not None and (_txt(case4, "s:TpoMov"), _txt(case4, "s:ValorDR")) == ("D", "816457")


def test_notas_reference_the_document_of_their_case(resultado: cert.Resultado) -> None:
    docs = {d.caso.numero: d.documento for d in resultado.envios[0].documentos}
    expected = {"4352553-5": ("33", "1", documents.CodRef.CORRIGE_TEXTO, "4352553-1"),
                "4352553-6": ("33", "2", documents.CodRef.CORRIGE_MONTOS, "4352553-2"),
                "4352553-7": ("33", "3", documents.CodRef.ANULA, "4352553-3"),
                "4352553-8": ("61", "1", documents.CodRef.ANULA, "4352553-5")}
    for numero, (tipo, folio, codigo, original) in expected.items():
        ref = docs[numero].referencias[1]
        assert (ref.tipo_documento, ref.folio, ref.codigo) == (tipo, folio, codigo)
        assert docs[numero].receptor == docs[original].receptor
    facturas = [d for d in docs.values() if d.tipo is documents.TipoDTE.FACTURA]
    assert len({d.receptor.rut for d in facturas}) == 4  # the SII asks for a different RUT on each factura
    devolucion = docs["4352553-6"].lineas[0]
    assert (devolucion.cantidad, devolucion.precio, devolucion.descuento_pct) == (Decimal(278), Decimal(5874),
                                                                                  Decimal(10))
    assert resultado.folios == {33: (1, 4), 39: (1, 5), 56: (1, 1), 61: (1, 3)}


def test_the_boleta_set_goes_in_an_envio_boleta_with_the_set_reference(resultado: cert.Resultado) -> None:
    boletas = resultado.envios[1]
    assert boletas.nombre_archivo == "EnvioBOLETA_SET_DE_PRUEBAS_BOLETA_ELECTRONICA_4352560.xml"
    dtes = _dtes(boletas.xml)
    assert [int(_txt(d, "s:Documento/s:Encabezado/s:Totales/s:MntTotal")) for d in dtes] == [
        29800, 2040, 4100, 14720, 3500]
    assert [(_txt(d, "s:Documento/s:Referencia/s:CodRef"), _txt(d, "s:Documento/s:Referencia/s:RazonRef"))
            for d in dtes] == [("SET", f"CASO-{n}") for n in range(1, 6)]
    assert _txt(dtes[3], "s:Documento/s:Encabezado/s:Totales/s:MntExe") == "2000"


def test_envelopes_validate_and_verify_independently(resultado: cert.Resultado, tmp_path: Path) -> None:
    envelopes = [e.xml for e in resultado.envios]
    for envio in resultado.envios:
        schema.validate(envio.xml, pipeline.XSD_DIR)
        caratula = xmlcore.parse(envio.xml).find("s:SetDTE/s:Caratula", _NS)
        assert caratula is not None
        assert [_txt(caratula, f"s:{t}") for t in ("RutEnvia", "RutReceptor", "NroResol")] == [
            "12345678-5", "60803000-K", "0"]
    tampered = envelopes[0].replace(b"<MntTotal>1188861<", b"<MntTotal>1188862<")
    assert tampered != envelopes[0]
    assert _xmlsec([*envelopes, tampered], "SetDTE", tmp_path, "/*/*[local-name()='Signature']") == \
        ["OK", "OK", "FAIL"]
    dtes = [d.dte for e in resultado.envios for d in e.documentos]
    assert _xmlsec(dtes, "Documento", tmp_path) == ["OK"] * 13


def _xmlsec(files: list[bytes], id_element: str, folder: Path, node_xpath: str = "") -> list[str]:
    """Debian's xmlsec1 on each file (one run), trusting only the test certificate's key: "OK" or "FAIL" each."""
    binary = shutil.which("xmlsec1")
    assert binary is not None, "xmlsec1 is not installed: run ./scripts/setup (apt package xmlsec1)"
    signer = signature.load_pfx(dte_kit.PFX.read_bytes(), "testpass")
    (folder / "cert.pem").write_bytes(signer.certificate.public_bytes(serialization.Encoding.PEM))
    paths = []
    for n, data in enumerate(files):
        paths.append(folder / f"{id_element}{n}.xml")
        paths[-1].write_bytes(data)
    cmd = [binary, "--verify", "--id-attr:ID", f"http://www.sii.cl/SiiDte:{id_element}", "--pubkey-cert-pem",
           str(folder / "cert.pem")]
    if node_xpath:
        cmd += ["--node-xpath", node_xpath]
    result = subprocess.run([*cmd, *map(str, paths)], capture_output=True, text=True, timeout=60, check=False)
    return [line for line in result.stderr.splitlines() if line in ("OK", "FAIL")]


def test_the_run_writes_envelopes_samples_and_the_checklist(resultado: cert.Resultado, tmp_path: Path) -> None:
    written = cert.write(resultado, tmp_path, backend=pdf_reportlab.ReportlabBackend(), p=_params())
    names = [p.relative_to(tmp_path).as_posix() for p in written]
    assert names[:2] == ["EnvioDTE_SET_BASICO_4352553.xml", "EnvioBOLETA_SET_DE_PRUEBAS_BOLETA_ELECTRONICA_4352560.xml"]
    assert "dte/T33F4_CASO_4352553-4.xml" in names
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert len(pdfs) == 13 + 4  # each document, and the CEDIBLE copy of each factura
    assert "muestras/T33F4_CASO_4352553-4_CEDIBLE.pdf" in pdfs
    leeme = (tmp_path / "LEEME.txt").read_text(encoding="utf-8")
    assert "tipo 33 (factura): 1 a 4; el siguiente libre es 5" in leeme
    assert "NO generado: SET LIBRO DE VENTAS" in leeme and "Muestras impresas" in leeme
    page = tmp_path / "T33F4"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(tmp_path / "muestras" /
                    "T33F4_CASO_4352553-4.pdf"), str(page)], check=True, timeout=60)
    png = page.with_suffix(".png")
    assert png.stat().st_size > 10_000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, SCREENSHOTS / "certification_factura_descuento_global.png")
    text = subprocess.run(["pdftotext", str(tmp_path / "muestras" / "T33F4_CASO_4352553-4.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert "DESCUENTO GLOBAL 22% ITEMES" in text and "3.458.370" in text and "CASO 4352553-4" in text


def test_a_rerun_takes_the_folios_it_is_told(archivo: cs.ArchivoSet) -> None:
    again = cert.build(archivo, _params(desde={33: 9, 61: 4}))
    assert again.folios[33] == (9, 12) and again.folios[61] == (4, 6)
    nota = again.envios[0].documentos[6].documento
    assert (nota.folio, nota.referencias[1].folio) == (6, "11")


@pytest.mark.parametrize(("changes", "message"), [
    ({"cafs": {t: dte_kit.caf(t) for t in (33, 39, 56)}}, "falta el CAF de certificación tipo 61"),
    ({"desde": {33: 18}}, "el CAF tipo 33 (folios 1 a 20) no alcanza: el set necesita 4 folio(s) desde el 18"),
    ({"rut_envia": ""}, "el certificado no trae el RUT de su titular"),
    ({"receptores": cert.RECEPTORES_PRUEBA[:3]}, "más facturas que receptores (3)"),
    ({"emisor": dataclasses.replace(dte_kit.EMISOR, rut="11.111.111-1")}, "el CAF tipo 33 es del RUT 76235291-5"),
])
def test_what_cannot_be_built_says_why(archivo: cs.ArchivoSet, changes: dict[str, object], message: str) -> None:
    with pytest.raises(cert.CertificationError) as raised:
        cert.build(archivo, _params(**changes))
    assert message in str(raised.value)


def test_a_nota_de_debito_that_annuls_a_factura_is_refused_with_its_line() -> None:
    text = ("SET BASICO - NUMERO DE ATENCION: 7\n\nCASO 7-1\n===\nDOCUMENTO\tFACTURA ELECTRONICA\n\n"
            "ITEM\tCANTIDAD\tPRECIO UNITARIO\nCajón AFECTO\t2\t1000\n\nCASO 7-2\n===\n"
            "DOCUMENTO\tNOTA DE DEBITO ELECTRONICA\nREFERENCIA\tFACTURA ELECTRONICA CORRESPONDIENTE A CASO 7-1\n"
            "RAZON REFERENCIA\tANULA FACTURA\n")
    with pytest.raises(cert.CertificationError) as raised:
        cert.build(cs.parse(text), _params())
    assert "el CASO 7-2 pide una nota de débito para anular una factura: la anula una nota de crédito" in \
        str(raised.value)


def test_receptors_come_from_a_csv_and_bad_lines_are_named() -> None:
    read = cert.receptores_csv("RUT;Razón social;Giro;Dirección;Comuna\n77.447.842-6;Baca SpA;Juegos;Cillero 11;"
                               "Rancagua\n")
    assert [(r.rut, r.razon_social, r.comuna) for r in read] == [("77447842-6", "Baca SpA", "Rancagua")]
    with pytest.raises(cert.CertificationError, match=r"receptores, línea 2: «77\.447\.842-7» no es un RUT válido"):
        cert.receptores_csv("RUT;a;b;c;d\n77.447.842-7;Baca;Juegos;Cillero;Rancagua\n")
    with pytest.raises(cert.CertificationError, match="línea 1: se esperan RUT"):
        cert.receptores_csv("77.447.842-6;Baca\n")


def test_sample_cafs_are_the_certification_ones() -> None:
    assert {dte_kit.caf(t).idk for t in (33, 39, 56, 61)} == {caf_mod.IDK_CERTIFICACION}


EXENTA = ("SET FACTURA EXENTA - NUMERO DE ATENCION: 5000001\n\nCASO 5000001-1\n==============\n"
          "DOCUMENTO\tFACTURA NO AFECTA O EXENTA ELECTRONICA\n\nITEM\t\t\tCANTIDAD\tUNIDAD MEDIDA\tPRECIO UNITARIO\n"
          "HORAS PROGRAMADOR\t\t12\tHora\t7251\nASESORIA CONTABLE\t\t1\t\t150000\n\n"
          "CASO 5000001-2\n==============\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n"
          "REFERENCIA\tFACTURA NO AFECTA O EXENTA ELECTRONICA CORRESPONDIENTE A CASO 5000001-1\n"
          "RAZON REFERENCIA\tMODIFICA MONTO\n\nITEM\t\t\tCANTIDAD\tPRECIO UNITARIO\nHORAS PROGRAMADOR\t\t12\t1000\n\n"
          "CASO 5000001-3\n==============\nDOCUMENTO\tNOTA DE DEBITO ELECTRONICA\n"
          "REFERENCIA\tFACTURA NO AFECTA O EXENTA ELECTRONICA CORRESPONDIENTE A CASO 5000001-1\n"
          "RAZON REFERENCIA\tINTERES POR MORA\n\nITEM\t\t\tCANTIDAD\tPRECIO UNITARIO\nINTERES POR MORA\t\t1\t5400\n\n"
          "CASO 5000001-4\n==============\nDOCUMENTO\tNOTA DE DEBITO ELECTRONICA\n"
          "REFERENCIA\tNOTA DE CREDITO ELECTRONICA CORRESPONDIENTE A CASO 5000001-2\n"
          "RAZON REFERENCIA\tANULA NOTA DE CREDITO ELECTRONICA\n")
"""A factura exenta set: an empty UNIDAD MEDIDA cell, a nota de crédito and a nota de débito that correct amounts,
and the nota de débito that annuls the nota de crédito."""


def test_the_factura_exenta_set_with_notas_de_debito() -> None:
    archivo = cs.parse(EXENTA)
    envio = cert.build(archivo, _params(cafs={t: dte_kit.caf(t) for t in (34, 56, 61)})).envios[0]
    docs = [d.documento for d in envio.documentos]
    assert [(int(d.tipo), d.totales.exento, d.totales.total) for d in docs] == [
        (34, 12 * 7251 + 150000, 237012), (61, 12000, 12000), (56, 5400, 5400), (56, 12000, 12000)]
    assert all(x.exento for d in docs for x in d.lineas)  # notas of an exempt factura carry exempt lines
    assert [x.unidad for x in docs[0].lineas] == ["Hora", ""]
    assert [(r.tipo_documento, r.codigo) for d in docs[1:] for r in d.referencias[1:]] == [
        ("34", documents.CodRef.CORRIGE_MONTOS), ("34", documents.CodRef.CORRIGE_MONTOS),
        ("61", documents.CodRef.ANULA)]
    schema.validate(envio.xml, pipeline.XSD_DIR)
    assert signature.require_valid(envio.xml)
