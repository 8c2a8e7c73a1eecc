"""``shared.dte.received``: a supplier's DTE read into plain values (the SII samples, with and without namespace),
line costs that add up to the header under a global discount, GTINs among the item codes, and a factura exenta
whose lines carry no IndExe."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric import rsa

from shared.dte import caf as caf_mod
from shared.dte import documents as docs
from shared.dte import received, signature, ted, verdict, xmlcore
from shared.dte import xml as dte_xml
from tests.shared.dte.dte_samples import SAMPLES, SIGN_TIME, STAMP_TIME

BASICO = SAMPLES / "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml"


def _read(path) -> list[received.ReceivedDocument]:
    return [received.read(d) for d in received.documents_in(xmlcore.parse(path.read_bytes()))]


def test_the_basic_set_reads_with_its_totals_and_references() -> None:
    read = {(d.tipo, d.folio): d for d in _read(BASICO)}
    f13 = _read(SAMPLES / "enviodte_T33_cert_76235291-5_F13.xml")[0]
    assert (f13.rut_emisor, f13.rut_receptor, f13.fecha_emision) == ("76235291-5", "77447842-6", "2025-07-03")
    assert f13.razon_social == "Diseño y Entretenimientos Within Play Ltda."
    assert [(x.name, x.quantity, x.amount) for x in f13.lines] == [
        ("Cajón AFECTO", Decimal("168.000"), 586320), ("Relleno AFECTO", Decimal("71.000"), 412723)]
    assert f13.line_costs() == [586320, 412723]
    # factura 20: a 22 % global discount on affected items; the costs are shares of MntNeto, exempt apart
    f20 = read[(33, 20)]
    costs = f20.line_costs()
    assert sum(c for c, x in zip(costs, f20.lines, strict=True) if not x.exento) == f20.neto == 2894709
    assert sum(c for c, x in zip(costs, f20.lines, strict=True) if x.exento) == f20.exento == 13666
    nc = read[(61, 13)]
    assert [(r.tipo, r.folio, r.codigo) for r in nc.references] == [("SET", "4352553-6", None), ("33", "000018", 3)]
    # the digest identifies the document whatever the envelope: the standalone copy has the same one
    alone = xmlcore.parse(f13.xml)
    assert received.read(alone).digest == f13.digest
    bare = xmlcore.parse(f13.xml.replace(b' xmlns="http://www.sii.cl/SiiDte"', b""))
    assert received.read(bare).total == f13.total


def test_gtins_among_the_item_codes() -> None:
    line = received.ReceivedLine(1, (("INT1", "A-77"), ("EAN13", "7801234567894")), "Leche", Decimal(1), "", 0, 0,
                                 False)
    assert (line.ean, line.supplier_code) == ("7801234567894", "A-77")
    untyped = received.ReceivedLine(1, (("INT1", "7801610001196"),), "Bebida", Decimal(1), "", 0, 0, False)
    assert (untyped.ean, untyped.supplier_code) == ("7801610001196", "7801610001196")
    assert received.is_gtin("17801234567891") and not received.is_gtin("7801234567895")


def test_a_factura_exenta_without_ind_exe_adds_up(cafs: dict[int, caf_mod.Caf], emisor: docs.Emisor,
                                                   empresa: docs.Receptor, signer: signature.Signer,
                                                   sii_keys: dict[int, rsa.RSAPublicKey]) -> None:
    doc = docs.documento(34, folio=2, fecha_emision=date(2025, 5, 2), emisor=emisor, receptor=empresa, forma_pago=1,
                         lineas=[docs.Linea("Libro Historia de Chile", Decimal(3), Decimal(12000), 36000, exento=True)])
    root = dte_xml.render_dte(doc, ted.stamp(cafs[34], doc, STAMP_TIME), SIGN_TIME)
    for ind in list(root.iter("{http://www.sii.cl/SiiDte}IndExe")):
        ind.getparent().remove(ind)
    data = dte_xml.xmlcore.to_bytes(dte_xml.sign_dte(root, signer))
    v = verdict.verify(data, sii_keys=sii_keys)
    assert v.ok and v.documents[0]["totals"]["valid"], v.documents[0]["totals"]
    read = received.read(xmlcore.parse(data))
    assert read.lines[0].exento and read.line_costs() == [36000]
