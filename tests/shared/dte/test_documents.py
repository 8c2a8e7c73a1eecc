"""The document model: types chosen from the sale, the SII's amount rules, and the checks that stop a document the
SII would reject."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.dte import documents as docs
from shared.dte import errors
from tests.shared.dte.dte_samples import make_sale

DAY = date(2025, 5, 2)


def test_a_boleta_splits_iva_from_the_gross_total(emisor: docs.Emisor) -> None:
    sale = make_sale([("Leche Entera Colun 1 L", 1150, "2", False, 0), ("Coca-Cola 1,5 L", 1900, "1", False, 0)])
    doc = docs.boleta_desde_venta(sale, folio=1, fecha_emision=DAY, emisor=emisor)
    assert doc.tipo is docs.TipoDTE.BOLETA and doc.id == "T39F1"
    assert doc.totales == docs.Totales(neto=3529, iva=671, exento=0, total=4200)
    assert doc.receptor == docs.RECEPTOR_ANONIMO


def test_an_all_exempt_sale_is_a_boleta_exenta_and_a_mixed_one_carries_mntexe(emisor: docs.Emisor) -> None:
    exenta = docs.boleta_desde_venta(make_sale([("Carga Bip! $2.000", 2000, "1", True, 0)]), folio=1,
                                     fecha_emision=DAY, emisor=emisor)
    assert exenta.tipo is docs.TipoDTE.BOLETA_EXENTA
    assert exenta.totales == docs.Totales(neto=0, iva=0, exento=2000, total=2000)
    mixed = docs.boleta_desde_venta(make_sale([("Pan", 1990, "0.512", False, 0), ("Bip", 2000, "1", True, 0)]),
                                    folio=2, fecha_emision=DAY, emisor=emisor)
    assert mixed.tipo is docs.TipoDTE.BOLETA
    assert mixed.totales == docs.Totales(neto=856, iva=163, exento=2000, total=3019)
    assert mixed.lineas[0].unidad == "KG" and mixed.lineas[0].cantidad == Decimal("0.512")


def test_sale_and_line_discounts_fold_into_line_discounts_and_keep_the_sales_totals(emisor: docs.Emisor) -> None:
    sale = make_sale([("A", 1000, "3", False, 100), ("B", 1500, "1", True, 0), ("C", 999, "2", False, 0)],
                     discount=500)
    doc = docs.boleta_desde_venta(sale, folio=3, fecha_emision=DAY, emisor=emisor)
    assert sum(x.monto for x in doc.lineas) == sale.total
    assert sum(x.descuento for x in doc.lineas) == 100 + 500
    assert (doc.totales.neto, doc.totales.iva, doc.totales.exento) == (sale.neto, sale.iva, sale.exento)


def test_a_factura_at_pos_prices_uses_mntbruto_and_needs_a_complete_receptor(
        emisor: docs.Emisor, empresa: docs.Receptor) -> None:
    sale = make_sale([("Leche", 1150, "2", False, 0), ("Coca-Cola", 1900, "1", False, 0)])
    doc = docs.factura_desde_venta(sale, folio=1, fecha_emision=DAY, emisor=emisor, receptor=empresa)
    assert doc.tipo is docs.TipoDTE.FACTURA and doc.montos_brutos and doc.forma_pago == 1
    assert doc.totales == docs.Totales(neto=3529, iva=671, exento=0, total=4200)
    assert doc.receptor.rut == "77447842-6"
    with pytest.raises(errors.DocumentInvalid, match="giro"):
        docs.factura_desde_venta(sale, folio=1, fecha_emision=DAY, emisor=emisor,
                                 receptor=docs.Receptor(rut="77447842-6", razon_social="X", direccion="Y", comuna="Z"))
    with pytest.raises(errors.DocumentInvalid, match="RUT real"):
        docs.factura_desde_venta(sale, folio=1, fecha_emision=DAY, emisor=emisor,
                                 receptor=docs.Receptor(rut=docs.RUT_ANONIMO, razon_social="X", giro="G",
                                                        direccion="Y", comuna="Z"))


def test_a_factura_at_net_prices_computes_iva_on_the_neto(emisor: docs.Emisor, empresa: docs.Receptor) -> None:
    lines = [docs.Linea("Cajón", Decimal(168), Decimal(3490), 586320),
             docs.Linea("Relleno", Decimal(71), Decimal(5813), 412723)]
    doc = docs.documento(33, folio=13, fecha_emision=DAY, emisor=emisor, receptor=empresa, lineas=lines,
                         forma_pago=2)
    # the sample factura F13T33: 999.043 neto, 189.818 IVA, 1.188.861 total
    assert doc.totales == docs.Totales(neto=999043, iva=189818, exento=0, total=1188861)


def test_a_nota_de_credito_must_reference_a_document(emisor: docs.Emisor, empresa: docs.Receptor) -> None:
    line = docs.Linea("Leche", Decimal(1), Decimal(1150), 1150)
    ref = docs.Referencia("33", "1", DAY, docs.CodRef.CORRIGE_MONTOS, "Devolución de mercadería")
    nc = docs.nota_credito(folio=1, fecha_emision=DAY, emisor=emisor, receptor=empresa, lineas=[line], referencia=ref)
    assert nc.tipo is docs.TipoDTE.NOTA_CREDITO and nc.referencias == (ref,)
    assert nc.totales == docs.Totales(neto=966, iva=184, exento=0, total=1150)
    with pytest.raises(errors.DocumentInvalid, match="referenciar"):
        docs.documento(61, folio=1, fecha_emision=DAY, emisor=emisor, receptor=empresa, lineas=[line])


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(tipo=41, lineas=[docs.Linea("A", Decimal(1), Decimal(100), 100)]), "solo lleva líneas exentas"),
    (dict(tipo=39, lineas=[docs.Linea("A", Decimal(1), Decimal(100), 100, exento=True)]), "tipo 41"),
    (dict(tipo=39, lineas=[docs.Linea("A", Decimal(2), Decimal(100), 150)]), "no es 150"),
    (dict(tipo=39, lineas=[]), "de 1 a 1000"),
    (dict(tipo=39, lineas=[docs.Linea("A", Decimal(1), Decimal(100), 100)], folio=0), "folio 0"),
    (dict(tipo=33, lineas=[docs.Linea("A", Decimal(1), Decimal(100), 100)] * 61), "de 1 a 60"),
    (dict(tipo=33, lineas=[docs.Linea("A", Decimal(1), Decimal(100), 100)], receptor=None), "falta el receptor"),
], ids=["exenta-with-affected", "boleta-all-exempt", "bad-montoitem", "no-lines", "folio-0", "61-lines",
        "factura-without-receptor"])
def test_documents_the_sii_would_reject_are_refused(kwargs: dict[str, object], message: str, emisor: docs.Emisor,
                                                    empresa: docs.Receptor) -> None:
    values: dict[str, object] = dict(folio=1, fecha_emision=DAY, emisor=emisor, receptor=empresa)
    values.update(kwargs)
    tipo = values.pop("tipo")
    with pytest.raises(errors.DocumentInvalid, match=message):
        docs.documento(tipo, **values)  # type: ignore[arg-type]


def test_an_emisor_without_acteco_cannot_issue_facturas(emisor: docs.Emisor, empresa: docs.Receptor) -> None:
    from dataclasses import replace
    with pytest.raises(errors.DocumentInvalid, match="Acteco"):
        docs.documento(33, folio=1, fecha_emision=DAY, emisor=replace(emisor, acteco=()), receptor=empresa,
                       lineas=[docs.Linea("A", Decimal(1), Decimal(100), 100)])


def test_texts_are_cleaned_to_what_iso_8859_1_carries() -> None:
    assert docs.clean_text("  Pan \u201cIdeal\u201d\u2014 500\u00a0g\t\n") == 'Pan "Ideal"- 500 g'
    assert docs.clean_text("Caf\u00e9 \u0106evap \u20ac 1 \U0001F600") == "Café Cevap EUR 1 ?"
    assert docs.clean_text("Ñandú\x00\x07") == "Ñandú"
