"""Rendering: a boleta from a sale, a factura, a nota de crédito, and their envelopes validate against the SII's
schemas; every signature verifies with our verifier and with xmlsec1; TEDs inside verify and print."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from shared.dte import caf as caf_mod
from shared.dte import documents as docs
from shared.dte import errors, schema, signature, ted, xmlcore
from shared.dte import xml as dte_xml
from tests.shared.dte.dte_samples import SIGN_TIME, SIGNED_SAMPLES, STAMP_TIME, XSD, make_sale

DAY = date(2025, 5, 2)
SII = "{http://www.sii.cl/SiiDte}"
Xmlsec = Callable[..., bool]


def _stamp(caf: caf_mod.Caf, doc: docs.Documento) -> bytes:
    return ted.stamp(caf, doc, STAMP_TIME)


def _caratula() -> dte_xml.Caratula:
    return dte_xml.Caratula(rut_emisor="76235291-5", rut_envia="76235291-5", fecha_resolucion=date(2025, 3, 26),
                            numero_resolucion=0)


@pytest.mark.parametrize("sample", SIGNED_SAMPLES, ids=[p.name for p in SIGNED_SAMPLES])
def test_the_sii_samples_validate_against_the_schemas(sample: object) -> None:
    from pathlib import Path
    assert isinstance(sample, Path)
    schema.validate(sample.read_bytes(), XSD)


def test_a_boleta_from_a_sale_validates_its_ted_verifies_and_its_pdf417_scans(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, signer: signature.Signer, xmlsec1: Xmlsec,
        sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    sale = make_sale([("Leche Entera Colun 1 L", 1150, "2", False, 0), ("Coca-Cola 1,5 L", 1900, "1", False, 0)])
    doc = docs.boleta_desde_venta(sale, folio=7, fecha_emision=DAY, emisor=emisor)
    stamped = _stamp(cafs[39], doc)
    signed = dte_xml.build_dte(doc, stamped, signer, SIGN_TIME)
    assert signed.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<DTE xmlns="http://www.sii.cl/SiiDte"')
    schema.validate(signed, XSD)
    root = xmlcore.parse(signed)
    totales = root.find(f"{SII}Documento/{SII}Encabezado/{SII}Totales")
    assert totales is not None
    assert [(c.tag.split("}")[1], c.text) for c in totales] == [("MntNeto", "3529"), ("IVA", "671"),
                                                                 ("MntTotal", "4200")]
    ted_el = root.find(f"{SII}Documento/{SII}TED")
    assert ted_el is not None
    assert ted.verify_ted(ted_el, cafs[39].public_key, sii_keys=sii_keys).monto_total == 4200
    assert ted.ted_payload(ted_el) == stamped  # the timbre inside the XML is the printed one
    scanned = zxingcpp.read_barcode(ted.pdf417_image(ted.ted_payload(ted_el)))
    assert scanned is not None and scanned.bytes == stamped
    assert [c.valid for c in signature.verify_all(signed)] == [True]
    assert xmlsec1(signed)
    # in its EnvioBOLETA
    envelope = dte_xml.build_envelope([signed], _caratula(), signer, SIGN_TIME)
    schema.validate(envelope, XSD)
    checks = signature.require_valid(envelope)
    assert [(c.reference, c.c14n) for c in checks] == [("#T39F7", "independiente"), ("#SetDoc", "en contexto")]
    assert xmlsec1(envelope, "SetDTE", node_xpath="/*/*[local-name()='Signature']")
    assert b"<RutReceptor>60803000-K</RutReceptor>" in envelope


def test_a_boleta_exenta_and_a_mixed_boleta_validate(cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor,
                                                     signer: signature.Signer, xmlsec1: Xmlsec) -> None:
    exenta = docs.boleta_desde_venta(make_sale([("Carga Bip! $2.000", 2000, "1", True, 0)]), folio=3,
                                     fecha_emision=DAY, emisor=emisor)
    mixed = docs.boleta_desde_venta(make_sale([("Pan Batido", 1990, "0.512", False, 0),
                                               ("Carga Bip!", 2000, "1", True, 0)], discount=19),
                                    folio=8, fecha_emision=DAY, emisor=emisor)
    signed = [dte_xml.build_dte(d, _stamp(cafs[int(d.tipo)], d), signer, SIGN_TIME) for d in (exenta, mixed)]
    for xml in signed:
        schema.validate(xml, XSD)
        assert xmlsec1(xml)
    assert b"<Totales><MntExe>2000</MntExe><MntTotal>2000</MntTotal></Totales>" in signed[0]
    assert b"<IndExe>1</IndExe>" in signed[1] and b"<DescuentoMonto>" in signed[1]
    envelope = dte_xml.build_envelope(signed, _caratula(), signer, SIGN_TIME)
    schema.validate(envelope, XSD)
    assert b"<SubTotDTE><TpoDTE>39</TpoDTE><NroDTE>1</NroDTE></SubTotDTE><SubTotDTE><TpoDTE>41</TpoDTE>" in envelope


def test_a_signed_factura_validates_and_verifies_with_our_code_and_xmlsec1(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        xmlsec1: Xmlsec) -> None:
    sale = make_sale([("Cajón \"AFECTO\" D'Or", 3490, "168", False, 0), ("Carga Bip!", 2000, "1", True, 0)],
                     discount=1000)
    doc = docs.factura_desde_venta(sale, folio=13, fecha_emision=DAY, emisor=emisor, receptor=empresa)
    signed = dte_xml.build_dte(doc, _stamp(cafs[33], doc), signer, SIGN_TIME)
    schema.validate(signed, XSD)
    assert b"<MntBruto>1</MntBruto><FmaPago>1</FmaPago>" in signed
    assert b"<TasaIVA>19</TasaIVA>" in signed and b"<MntExe>" in signed
    assert b"<NmbItem>Caj\xf3n &quot;AFECTO&quot; D&apos;Or</NmbItem>" in signed
    assert signature.require_valid(signed)[0].c14n == "en contexto"
    assert xmlsec1(signed)
    ted.verify_ted(xmlcore.parse(signed).find(f"{SII}Documento/{SII}TED"), cafs[33].public_key)  # type: ignore[arg-type]


def test_a_nota_de_credito_referencing_a_factura_validates_and_goes_in_an_envio_dte(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        xmlsec1: Xmlsec) -> None:
    factura = docs.factura_desde_venta(make_sale([("Leche", 1150, "2", False, 0), ("Pan", 1990, "1", False, 0)]),
                                       folio=14, fecha_emision=DAY, emisor=emisor, receptor=empresa)
    ref = docs.Referencia(tipo_documento="33", folio="14", fecha=DAY, codigo=docs.CodRef.CORRIGE_MONTOS,
                          razon="Devolución de 1 leche")
    nc = docs.nota_credito(folio=4, fecha_emision=DAY, emisor=emisor, receptor=empresa,
                           lineas=[docs.Linea("Leche", Decimal(1), Decimal(1150), 1150)], referencia=ref)
    signed = [dte_xml.build_dte(d, _stamp(cafs[int(d.tipo)], d), signer, SIGN_TIME) for d in (factura, nc)]
    for xml in signed:
        schema.validate(xml, XSD)
        assert xmlsec1(xml)
    assert (b"<Referencia><NroLinRef>1</NroLinRef><TpoDocRef>33</TpoDocRef><FolioRef>14</FolioRef>"
            b"<FchRef>2025-05-02</FchRef><CodRef>3</CodRef><RazonRef>Devoluci\xf3n de 1 leche</RazonRef></Referencia>"
            b"<TED") in signed[1]
    envelope = dte_xml.build_envelope(signed, _caratula(), signer, SIGN_TIME)
    schema.validate(envelope, XSD)
    assert envelope.count(b"<Signature xmlns=") == 3
    assert all(c.valid for c in signature.require_valid(envelope))
    assert xmlsec1(envelope, "SetDTE", node_xpath="/*/*[local-name()='Signature']")
    # every DTE taken back out of the envelope is byte-for-byte verifiable on its own by xmlsec1
    for dte in xmlcore.parse(envelope).iter(f"{SII}DTE"):
        assert xmlsec1(xmlcore.to_bytes(copy.deepcopy(dte)))


def test_tampering_with_a_signed_dte_is_caught_by_both_verifiers_and_the_timbre(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, signer: signature.Signer, xmlsec1: Xmlsec) -> None:
    doc = docs.boleta_desde_venta(make_sale([("Leche", 1150, "1", False, 0)]), folio=9, fecha_emision=DAY,
                                  emisor=emisor)
    signed = dte_xml.build_dte(doc, _stamp(cafs[39], doc), signer, SIGN_TIME)
    tampered = signed.replace(b"<MntTotal>1150</MntTotal>", b"<MntTotal>1151</MntTotal>")
    assert tampered != signed
    assert not xmlsec1(tampered)
    with pytest.raises(errors.SignatureInvalid, match="digest"):
        signature.require_valid(tampered)
    re_stamped = signed.replace(b"<MNT>1150</MNT>", b"<MNT>1151</MNT>")
    with pytest.raises(errors.TedSignatureInvalid):
        ted.verify_ted(xmlcore.parse(re_stamped).find(f"{SII}Documento/{SII}TED"))  # type: ignore[arg-type]
    # a re-indented (re-serialised) DTE no longer verifies
    pretty = etree.tostring(etree.fromstring(signed), pretty_print=True)
    assert not signature.verify_all(pretty)[0].valid


def test_stamping_needs_the_caf_of_the_documents_type(cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor) -> None:
    doc = docs.boleta_desde_venta(make_sale([("Leche", 1150, "1", False, 0)]), folio=9, fecha_emision=DAY,
                                  emisor=emisor)
    with pytest.raises(errors.DocumentInvalid, match="tipo 33"):
        ted.stamp(cafs[33], doc, STAMP_TIME)


def test_a_ted_for_another_document_is_refused(cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor) -> None:
    doc = docs.boleta_desde_venta(make_sale([("Leche", 1150, "1", False, 0)]), folio=9, fecha_emision=DAY,
                                  emisor=emisor)
    other = docs.boleta_desde_venta(make_sale([("Leche", 1150, "2", False, 0)]), folio=9, fecha_emision=DAY,
                                    emisor=emisor)
    with pytest.raises(errors.DocumentInvalid, match="MNT"):
        dte_xml.render_dte(doc, _stamp(cafs[39], other), SIGN_TIME)


def test_schema_violations_are_listed_clearly(cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor,
                                              signer: signature.Signer) -> None:
    doc = docs.boleta_desde_venta(make_sale([("Leche", 1150, "1", False, 0)]), folio=9, fecha_emision=DAY,
                                  emisor=emisor)
    unsigned = dte_xml.render_dte(doc, _stamp(cafs[39], doc), SIGN_TIME)
    with pytest.raises(errors.SchemaInvalid, match="Signature") as raised:
        schema.validate(unsigned, XSD)
    assert raised.value.errors and raised.value.errors[0].startswith("línea ")
    signed = xmlcore.to_bytes(dte_xml.sign_dte(unsigned, signer))
    broken = signed.replace(b"<IndServicio>3</IndServicio>", b"<IndServicio>7</IndServicio>")
    problems = schema.schema_errors(broken, XSD)
    assert any("IndServicio" in p for p in problems)
    with pytest.raises(errors.SchemaInvalid, match="espacio de nombres"):
        schema.validate(b"<DTE/>", XSD)


def test_envelopes_keep_boletas_apart_and_dtes_are_signed_alone(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer) -> None:
    boleta = docs.boleta_desde_venta(make_sale([("Leche", 1150, "1", False, 0)]), folio=9, fecha_emision=DAY,
                                     emisor=emisor)
    factura = docs.factura_desde_venta(make_sale([("Leche", 1150, "1", False, 0)]), folio=9, fecha_emision=DAY,
                                       emisor=emisor, receptor=empresa)
    signed = [dte_xml.build_dte(d, _stamp(cafs[int(d.tipo)], d), signer, SIGN_TIME) for d in (boleta, factura)]
    with pytest.raises(errors.DocumentInvalid, match="EnvioBOLETA"):
        dte_xml.build_envelope(signed, _caratula(), signer, SIGN_TIME)
    with pytest.raises(errors.DocumentInvalid, match="no tiene documentos"):
        dte_xml.build_envelope([], _caratula(), signer, SIGN_TIME)
    holder = etree.Element("x")
    dte = dte_xml.render_dte(boleta, _stamp(cafs[39], boleta), SIGN_TIME)
    holder.append(dte)
    with pytest.raises(errors.DocumentInvalid, match="se firma solo"):
        dte_xml.sign_dte(dte, signer)


def test_a_nota_de_debito_and_the_nota_de_credito_annulling_it_validate_and_verify(
        cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, empresa: docs.Receptor, signer: signature.Signer,
        xmlsec1: Xmlsec) -> None:
    ref = docs.Referencia("33", "14", DAY, docs.CodRef.CORRIGE_MONTOS, "Intereses por pago atrasado")
    nd = docs.nota_debito(folio=2, fecha_emision=DAY, emisor=emisor, receptor=empresa, referencia=ref,
                          lineas=[docs.linea_cargo("Intereses por mora", 2500), docs.linea_cargo("Flete", 8000)])
    nc = docs.nota_que_anula(nd, folio=5, fecha_emision=DAY, razon="Intereses condonados")
    signed = [dte_xml.build_dte(d, _stamp(cafs[int(d.tipo)], d), signer, SIGN_TIME) for d in (nd, nc)]
    for xml in signed:
        schema.validate(xml, XSD)
        assert xmlsec1(xml) and all(c.valid for c in signature.require_valid(xml))
    assert b"<TipoDTE>56</TipoDTE><Folio>2</Folio>" in signed[0] and b"<MntBruto>" not in signed[0]
    assert (b"<Totales><MntNeto>10500</MntNeto><TasaIVA>19</TasaIVA><IVA>1995</IVA><MntTotal>12495</MntTotal>"
            b"</Totales>") in signed[0]
    assert (b"<TpoDocRef>33</TpoDocRef><FolioRef>14</FolioRef><FchRef>2025-05-02</FchRef><CodRef>3</CodRef>"
            b"<RazonRef>Intereses por pago atrasado</RazonRef>") in signed[0]
    assert (b"<TpoDocRef>56</TpoDocRef><FolioRef>2</FolioRef><FchRef>2025-05-02</FchRef><CodRef>1</CodRef>"
            b"<RazonRef>Intereses condonados</RazonRef>") in signed[1]
    stamp = ted.verify_ted(xmlcore.parse(signed[0]).find(f"{SII}Documento/{SII}TED"),  # type: ignore[arg-type]
                           cafs[56].public_key)
    assert (stamp.tipo_dte, stamp.folio, stamp.monto_total) == (56, 2, 12495)
    envelope = dte_xml.build_envelope(signed, _caratula(), signer, SIGN_TIME)
    schema.validate(envelope, XSD)
    assert xmlsec1(envelope, "SetDTE", node_xpath="/*/*[local-name()='Signature']")
    assert b"<TpoDTE>56</TpoDTE><NroDTE>1</NroDTE>" in envelope and b"<TpoDTE>61</TpoDTE><NroDTE>1</NroDTE>" in envelope
