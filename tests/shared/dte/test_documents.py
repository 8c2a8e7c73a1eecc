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


def test_a_nota_de_debito_charges_net_amounts_against_a_factura(emisor: docs.Emisor, empresa: docs.Receptor) -> None:
    ref = docs.Referencia("33", "14", DAY, docs.CodRef.CORRIGE_MONTOS, "Intereses y flete")
    lines = [docs.linea_cargo("Intereses por mora", 2500), docs.linea_cargo("Flete Los Andes", 8000)]
    nd = docs.nota_debito(folio=3, fecha_emision=DAY, emisor=emisor, receptor=empresa, lineas=lines, referencia=ref)
    assert nd.tipo is docs.TipoDTE.NOTA_DEBITO and nd.id == "T56F3" and not nd.montos_brutos
    assert nd.totales == docs.Totales(neto=10500, iva=1995, exento=0, total=12495)
    assert nd.lineas[0] == docs.Linea("Intereses por mora", Decimal(1), Decimal(2500), 2500)
    brutos = docs.nota_debito(folio=4, fecha_emision=DAY, emisor=emisor, receptor=empresa,
                              lineas=[docs.linea_cargo("Diferencia de precio", 1190)], referencia=ref,
                              montos_brutos=True)
    assert brutos.totales == docs.Totales(neto=1000, iva=190, exento=0, total=1190)


@pytest.mark.parametrize(("ref", "lines", "message"), [
    (docs.Referencia("33", "14", DAY, None, "Intereses"), None, "CodRef"),
    (docs.Referencia("33", "14", DAY, docs.CodRef.ANULA, "Anula"), None, "solo anula una nota de crédito"),
    (docs.Referencia("39", "14", DAY, docs.CodRef.CORRIGE_MONTOS, "Boleta"), None, "no un documento tipo 39"),
    (docs.Referencia("34", "14", DAY, docs.CodRef.CORRIGE_MONTOS, "Exenta"), None, "todas sus líneas son exentas"),
    (docs.Referencia("33", "14", DAY, docs.CodRef.CORRIGE_MONTOS, "Nada"),
     [docs.Linea("Nada", Decimal(0), Decimal(0), 0)], "suma algo"),
], ids=["no-codref", "annuls-a-factura", "a-boleta", "affected-on-exenta", "adds-nothing"])
def test_notas_de_debito_the_sii_would_reject_are_refused(ref: docs.Referencia, lines: list[docs.Linea] | None,
                                                          message: str, emisor: docs.Emisor,
                                                          empresa: docs.Receptor) -> None:
    with pytest.raises(errors.DocumentInvalid, match=message):
        docs.nota_debito(folio=1, fecha_emision=DAY, emisor=emisor, receptor=empresa, referencia=ref,
                         lineas=lines or [docs.linea_cargo("Flete", 1000)])


def test_a_charge_is_a_positive_number_of_pesos() -> None:
    for bad in (0, -5, True):
        with pytest.raises(errors.DocumentInvalid, match="mayor que cero"):
            docs.linea_cargo("Flete", bad)
    assert docs.linea_cargo("Carga Bip!", 2000, exento=True).exento


def test_a_nota_annuls_a_document_with_its_lines_and_a_nota_de_debito_annuls_a_nota_de_credito(
        emisor: docs.Emisor, empresa: docs.Receptor) -> None:
    ref = docs.Referencia("34", "2", DAY, docs.CodRef.CORRIGE_MONTOS, "Flete")
    nd = docs.nota_debito(folio=5, fecha_emision=DAY, emisor=emisor, receptor=empresa, referencia=ref,
                          lineas=[docs.linea_cargo("Flete", 3000, exento=True)])
    assert nd.totales == docs.Totales(neto=0, iva=0, exento=3000, total=3000)
    later = date(2025, 5, 9)
    nc = docs.nota_que_anula(nd, folio=7, fecha_emision=later, razon="  Flete   cobrado por error ")
    assert (nc.tipo, nc.folio, nc.lineas, nc.totales, nc.receptor) == \
        (docs.TipoDTE.NOTA_CREDITO, 7, nd.lineas, nd.totales, nd.receptor)
    assert nc.referencias == (docs.Referencia("56", "5", DAY, docs.CodRef.ANULA, "Flete cobrado por error"),)
    back = docs.nota_que_anula(nc, folio=6, fecha_emision=later)
    assert back.tipo is docs.TipoDTE.NOTA_DEBITO and back.totales == nd.totales
    assert back.referencias == (docs.Referencia("61", "7", later, docs.CodRef.ANULA, docs.RAZON_ANULA),)


def test_a_global_discount_comes_off_the_affected_amount_before_iva(emisor: docs.Emisor,
                                                                   empresa: docs.Receptor) -> None:
    lineas = [docs.Linea("Afecto", Decimal(2), Decimal(1000), 2000), docs.Linea("Exento", Decimal(1), Decimal(500),
                                                                                500, exento=True)]
    doc = docs.documento(33, folio=1, fecha_emision=date(2025, 5, 2), emisor=emisor, receptor=empresa, lineas=lineas,
                         descuento_global=docs.DescuentoGlobal(440, "DESCUENTO GLOBAL 22%", Decimal(22)))
    assert (doc.totales.neto, doc.totales.iva, doc.totales.exento, doc.totales.total) == (1560, 296, 500, 2356)
    with pytest.raises(errors.DocumentInvalid, match="el descuento global"):
        docs.documento(33, folio=1, fecha_emision=date(2025, 5, 2), emisor=emisor, receptor=empresa, lineas=lineas,
                       descuento_global=docs.DescuentoGlobal(2001))


def test_a_boleta_carries_only_the_certification_set_reference(emisor: docs.Emisor) -> None:
    lineas = [docs.Linea("Pan", Decimal(1), Decimal(1000), 1000)]
    set_ref = docs.Referencia("", "", date(2025, 5, 2), razon="CASO-1", codigo_boleta="SET")
    doc = docs.documento(39, folio=1, fecha_emision=date(2025, 5, 2), emisor=emisor, lineas=lineas,
                         referencias=[set_ref])
    assert doc.referencias == (set_ref,)
    with pytest.raises(errors.DocumentInvalid, match="no emite boletas con referencias"):
        docs.documento(39, folio=1, fecha_emision=date(2025, 5, 2), emisor=emisor, lineas=lineas,
                       referencias=[docs.Referencia("33", "5", date(2025, 5, 2))])
