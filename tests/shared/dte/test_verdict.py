"""``shared.dte.verdict``: the verdict on CAFs, DTEs and envelopes as received, on the SII samples and on
tampered, unsigned, re-serialized, re-encoded, namespace-less and hostile copies."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from shared.dte import caf as caf_mod
from shared.dte import documents as docs
from shared.dte import signature, ted, verdict, xmlcore
from shared.dte import xml as dte_xml
from tests.shared.dte.dte_samples import CAF_FILES, SAMPLES, SIGN_TIME, STAMP_TIME, make_sale

DAY = date(2025, 5, 2)
Keys = dict[int, rsa.RSAPublicKey]


@pytest.fixture(scope="module")
def boletas(cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor, signer: signature.Signer) -> bytes:
    """An EnvioBOLETA of two boletas made by our own code: everything verifies."""
    signed = []
    for folio, lines in ((3, [("Leche Entera Colun 1 L", 1150, "2", False, 0)]),
                         (4, [("Pan Batido", 1990, "0.512", False, 0), ("Carga Bip!", 2000, "1", True, 0)])):
        doc = docs.boleta_desde_venta(make_sale(lines), folio=folio, fecha_emision=DAY, emisor=emisor)
        signed.append(dte_xml.build_dte(doc, ted.stamp(cafs[39], doc, STAMP_TIME), signer, SIGN_TIME))
    caratula = dte_xml.Caratula(rut_emisor="76235291-5", rut_envia="76235291-5", fecha_resolucion=date(2025, 3, 26),
                                numero_resolucion=0)
    return dte_xml.build_envelope(signed, caratula, signer, SIGN_TIME)


def _check(data: bytes, keys: Keys) -> dict:
    return verdict.verify(data, sii_keys=keys).as_json()


def test_the_samples(sii_keys: Keys) -> None:
    for tipo, path in CAF_FILES.items():
        v = _check(path.read_bytes(), sii_keys)
        assert v["ok"] and v["kind"] == "CAF" and v["documents"][0]["tipo"] == tipo
        assert v["documents"][0]["ambiente"] == "certificación"
    v = _check((SAMPLES / "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml").read_bytes(), sii_keys)
    assert v["ok"] and v["kind"] == "EnvioDTE" and len(v["documents"]) == 8
    assert all(d["schema"]["valid"] and d["totals"]["valid"] for d in v["documents"])
    assert v["envelope"]["signature"]["valid"] and v["envelope"]["schema"]["valid"]
    # the public boleta sample was edited after signing: TED and CAF fine, the DTE's digest is not
    v = _check((SAMPLES / "envioboleta_T39_prod_libredte_F18094.xml").read_bytes(), sii_keys)
    doc = v["documents"][0]
    assert not v["ok"] and doc["ted"]["valid"] and doc["caf_signature"]["valid"]
    assert doc["caf_signature"]["ambiente"] == "producción"
    assert doc["signature"]["digest"] is False and "digest" in doc["signature"]["reason"]
    assert doc["signature"]["certificate"]["rut"] == "13312481-0"


def test_our_envio_boleta_verifies_in_any_encoding(boletas: bytes, sii_keys: Keys) -> None:
    v = _check(boletas, sii_keys)
    assert v["ok"], v
    assert [d["folio"] for d in v["documents"]] == [3, 4]
    assert all(d["totals"]["valid"] and d["schema"]["valid"] for d in v["documents"])
    utf8 = boletas.replace(b'encoding="ISO-8859-1"', b'encoding="UTF-8"', 1).decode("latin-1").encode("utf-8")
    assert _check(utf8, sii_keys)["ok"]
    undeclared = boletas.split(b"?>", 1)[1]
    assert _check(undeclared, sii_keys)["ok"]


def test_tampered_unsigned_and_reserialized_documents_fail_with_the_reason(boletas: bytes, sii_keys: Keys) -> None:
    tampered = boletas.replace(b"<MntTotal>2300</MntTotal>", b"<MntTotal>230</MntTotal>", 1)
    assert tampered != boletas
    v = _check(tampered, sii_keys)
    doc = v["documents"][0]
    assert not v["ok"] and doc["signature"]["digest"] is False and "alterado" in doc["signature"]["reason"]
    assert not doc["ted"]["valid"] and "MNT" in doc["ted"]["reason"]
    assert not doc["totals"]["valid"]
    assert v["documents"][1]["ok"] and not v["envelope"]["signature"]["valid"]
    # re-serialized: pretty-printed again by another tool
    root = etree.fromstring(boletas, etree.XMLParser(remove_blank_text=True))
    pretty = etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1", pretty_print=True)
    v = _check(pretty, sii_keys)
    assert not v["ok"] and not v["envelope"]["signature"]["valid"]
    assert all(not d["signature"]["valid"] for d in v["documents"])
    assert all(d["ted"]["valid"] for d in v["documents"])  # the TED is signed over its flattened form
    # unsigned: every Signature removed
    root = xmlcore.parse(boletas)
    for sig in list(root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature")):
        sig.getparent().remove(sig)
    v = _check(xmlcore.to_bytes(root), sii_keys)
    assert not v["ok"] and v["envelope"]["signature"]["reason"].startswith("no está firmado")
    assert all("no está firmado" in d["signature"]["reason"] for d in v["documents"])


def test_a_forged_ted_and_a_tampered_caf_fail(sii_keys: Keys) -> None:
    data = (SAMPLES / "enviodte_T33_cert_76235291-5_F13.xml").read_bytes()
    forged = data.replace(b"<F>13</F>", b"<F>14</F>", 1)
    assert forged != data
    doc = _check(forged, sii_keys)["documents"][0]
    assert not doc["ok"] and not doc["ted"]["valid"] and "FRMT" in doc["ted"]["reason"]
    caf = CAF_FILES[39].read_bytes().replace(b"<H>20</H>", b"<H>99</H>")
    v = _check(caf, sii_keys)
    assert not v["ok"] and not v["documents"][0]["caf_signature"]["valid"]


def test_a_dte_without_the_sii_namespace(cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor,
                                         signer: signature.Signer, sii_keys: Keys) -> None:
    doc = docs.boleta_desde_venta(make_sale([("Leche", 1150, "1", False, 0)]), folio=8, fecha_emision=DAY,
                                  emisor=emisor)
    rendered = dte_xml.render_dte(doc, ted.stamp(cafs[39], doc, STAMP_TIME), SIGN_TIME)
    bare = etree.fromstring(xmlcore.to_bytes(rendered).replace(b' xmlns="http://www.sii.cl/SiiDte"', b""))
    assert etree.QName(bare).namespace is None
    signature.sign(bare, "T39F8", signer)
    v = _check(xmlcore.to_bytes(bare), sii_keys)
    assert v["ok"] and v["kind"] == "DTE", v
    assert v["documents"][0]["schema"]["valid"] and "espacio de nombres" in v["documents"][0]["schema"]["note"]


@pytest.mark.parametrize("hostile", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><DTE>&b;</DTE>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><DTE>&e;</DTE>',
    b"<DTE>" + b"<a>x</a>" * 5_000_000 + b"</DTE>",
    b"<DTE><unclosed></DTE>",
    b"<Otro/>",
])
def test_hostile_and_unknown_xml_is_refused(hostile: bytes, sii_keys: Keys) -> None:
    v = verdict.verify(hostile, sii_keys=sii_keys)
    assert not v.ok and v.error and not v.documents
