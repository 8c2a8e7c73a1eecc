"""Suppliers' signed DTEs for the purchase tests: real documents from the SII sample CAFs (emisor 76235291-5),
stamped and signed with the test .pfx (``testpass``), with EAN-13 codes in CdgItem, addressed to a store's RUT."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from shared.dte import caf as caf_mod
from shared.dte import documents as docs
from shared.dte import signature, ted, xmlcore
from shared.dte import xml as dte_xml

SAMPLES = Path(__file__).parent / "data" / "sii" / "samples"
SAMPLE_F13 = SAMPLES / "enviodte_T33_cert_76235291-5_F13.xml"
"""The SII sample EnvioDTE: factura 33 N° 13 to 77447842-6 (Cajón AFECTO 168 × 3.490, Relleno AFECTO 71 × 5.813)."""
SAMPLE_RECEPTOR = "77447842-6"
SUPPLIER_RUT = "76235291-5"
DAY = date(2025, 5, 2)
STAMP_TIME = datetime(2025, 5, 2, 10, 15, 0)
SIGN_TIME = datetime(2025, 5, 2, 10, 20, 0)
SUPPLIER = docs.Emisor(rut=SUPPLIER_RUT, razon_social="Distribuidora Within Play Ltda.",
                       giro="Venta al por mayor de abarrotes", direccion="San Lucio 138", comuna="Los Andes",
                       acteco=(463000,))


@cache
def signer() -> signature.Signer:
    return signature.load_pfx((SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass")


@cache
def caf(tipo: int) -> caf_mod.Caf:
    keys = caf_mod.load_sii_keys(SAMPLES)
    return caf_mod.load_caf((SAMPLES / f"caf_T{tipo}_cert_76235291-5_F1-20.xml").read_bytes(), keys,
                            rut=SUPPLIER_RUT, today=DAY)


def store(rut: str) -> docs.Receptor:
    return docs.Receptor(rut=rut, razon_social="Almacén Don Pepe SpA", giro="Comercio al por menor de alimentos",
                         direccion="Av. Independencia 1234", comuna="Independencia")


Line = tuple[str, str, str, str, bool]
"""``(name, quantity, unit price neto, EAN-13 or "", exento)``."""


def dte(tipo: int, folio: int, lines: Sequence[Line], receptor_rut: str, *,
        referencias: Sequence[docs.Referencia] = (), totales: docs.Totales | None = None) -> etree._Element:
    """A signed standalone ``DTE`` element of the supplier (codes in CdgItem typed EAN13); ``totales`` replaces the
    computed ones (a supplier whose arithmetic is wrong, stamped and signed all the same)."""
    lineas = [docs.Linea(nombre=name, cantidad=Decimal(qty), precio=Decimal(price),
                         monto=int((Decimal(qty) * Decimal(price)).quantize(Decimal(1))), exento=exento,
                         codigo=ean) for name, qty, price, ean, exento in lines]
    doc = docs.documento(tipo, folio=folio, fecha_emision=DAY, emisor=SUPPLIER, receptor=store(receptor_rut),
                         lineas=lineas, referencias=referencias, forma_pago=None if tipo in (56, 61) else 1)
    if totales is not None:
        doc = replace(doc, totales=totales)
    root = dte_xml.render_dte(doc, ted.stamp(caf(tipo), doc, STAMP_TIME), SIGN_TIME)
    for kind in root.iter("{http://www.sii.cl/SiiDte}TpoCodigo"):
        kind.text = "EAN13"
    return dte_xml.sign_dte(root, signer())


def envio(dtes: Sequence[etree._Element], receptor_rut: str) -> bytes:
    """The supplier's signed EnvioDTE with ``dtes``, addressed to the store."""
    caratula = dte_xml.Caratula(rut_emisor=SUPPLIER_RUT, rut_envia=SUPPLIER_RUT, fecha_resolucion=date(2025, 3, 26),
                                numero_resolucion=0, rut_receptor=receptor_rut)
    return dte_xml.build_envelope([xmlcore.to_bytes(d) for d in dtes], caratula, signer(), SIGN_TIME)


def nota(tipo: int, folio: int, lines: Sequence[Line], receptor_rut: str, factura_folio: int,
         codref: docs.CodRef) -> etree._Element:
    """A nota de crédito (61) or débito (56) referencing the supplier's factura ``factura_folio``."""
    ref = docs.Referencia("33", str(factura_folio), DAY, codref, "Devolución de mercadería")
    return dte(tipo, folio, lines, receptor_rut, referencias=[ref])


def literal_timbre_envio(receptor_rut: str, *, folio: int = 7) -> bytes:
    """The supplier's signed EnvioDTE with one factura whose timbre was signed over the DD *as written in the
    file*, where the issuer wrote «Ó» of the first item as the numeric reference ``&#211;`` (documents like this
    were accepted by the SII in production). The XML signatures still verify: C14N resolves the reference."""
    lines: list[Line] = [("JAMÓN ACARAMELADO SAN JORGE 250 G", "4", "1990", "7801234000015", False)]
    lineas = [docs.Linea(nombre=name, cantidad=Decimal(qty), precio=Decimal(price),
                         monto=int(Decimal(qty) * Decimal(price)), exento=exento, codigo=ean)
              for name, qty, price, ean, exento in lines]
    doc = docs.documento(33, folio=folio, fecha_emision=DAY, emisor=SUPPLIER, receptor=store(receptor_rut),
                         lineas=lineas, forma_pago=1)
    canonical = ted.stamp(caf(33), doc, STAMP_TIME)
    dd = canonical[canonical.index(b"<DD>"):canonical.index(b"</DD>") + 5]
    assert b"\xd3" in dd
    literal_dd = dd.replace(b"\xd3", b"&#211;")
    frmt = base64.b64encode(caf(33).signing_key().sign(literal_dd, padding.PKCS1v15(), hashes.SHA1()))
    stamped = b'<TED version="1.0">' + literal_dd + b'<FRMT algoritmo="SHA1withRSA">' + frmt + b"</FRMT></TED>"
    root = dte_xml.render_dte(doc, stamped, SIGN_TIME)
    out = envio([dte_xml.sign_dte(root, signer())], receptor_rut)
    start, end = out.index(b"<DD>"), out.index(b"</DD>") + 5
    return out[:start] + out[start:end].replace(b"\xd3", b"&#211;") + out[end:]
