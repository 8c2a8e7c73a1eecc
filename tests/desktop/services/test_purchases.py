"""Purchases from suppliers' signed DTEs: the SII sample and our own facturas and notas are registered with their
stock, PPP cost and IVA crédito fiscal; the same document twice, tampered, unsigned, re-serialized, hostile,
mis-encoded or addressed to another RUT is refused with its reason and nothing is recorded; the projections
rebuild identically."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from desktop import cli
from desktop import settings as settings_mod
from desktop.journal import purchases_projection as pp
from desktop.journal import read_models
from desktop.services.purchases import PurchaseRefused
from shared.dte import xmlcore
from shared.dte.documents import CodRef, Totales
from shared.events import catalog
from tests import supplier_dte as sd

STORE = "77447842-6"  # the receptor of the SII sample
PRODUCTS = [
    {"sku": sku, "name": name, "price": "1990", "category": "Almacén", "sold_by": "unit", "barcode": code, "plu": "",
     "brand": "", "iva_exempt": exempt, "favourite": "0", "stock": stock}
    for sku, name, code, exempt, stock in (
        ("LEC-1", "Leche Entera Colun 1 L", "7801234567894", "0", "24"),
        ("COC-15", "Coca-Cola 1,5 L", "7801610001196", "0", "12"),
        ("BIP-2", "Carga Bip! $2.000", "7800000000016", "1", ""),
        ("CAJ-1", "Cajon Afecto", "", "0", "10"))]


@pytest.fixture
def store(make_terminal):
    return make_terminal(rows=PRODUCTS, store=settings_mod.StoreInfo(rut="77.447.842-6"))


def _state(term) -> tuple:
    """Everything a refused import must leave as it was: the journal head and every read model."""
    return term.journal.head, cli.projection_digest(term.journal.conn)


def _stock(term, sku: str) -> Decimal:
    return read_models.stock_on_hand(term.journal.conn, sku)


def test_the_sii_sample_envio_dte_is_registered_once(store, clock):
    data = sd.SAMPLE_F13.read_bytes()
    preview = store.purchases.preview(data)
    assert preview.importable, preview.refusals
    [doc] = preview.documents
    assert doc.label == "factura N° 13 de Diseño y Entretenimientos Within Play Ltda."
    assert "certificación" in doc.warnings[0]
    [event] = store.purchases.record(preview)
    assert (event.tipo, event.folio, event.supplier.rut) == (33, 13, "76235291-5")
    assert (event.neto, event.iva, event.total) == (999043, 189818, 1188861)
    cajon, relleno = event.lines
    # "Cajón AFECTO" is the store's "Cajon Afecto" (same name, accents and case aside); "Relleno" is not sold here
    assert (cajon.sku, cajon.matched_by, cajon.quantity, cajon.unit_cost, cajon.cost) == (
        "CAJ-1", "nombre", Decimal(168), 3490, 586320)
    assert relleno.sku is None and relleno.cost == 412723
    assert _stock(store, "CAJ-1") == 10 + 168
    # the 10 units counted at opening had no cost: they take this receipt's
    assert pp.product_cost(store.journal.conn, "CAJ-1") == (Decimal("3490.0000"), 3490)
    conn = store.journal.conn
    assert conn.execute("SELECT SUM(iva) FROM purchases").fetchone() == (189818,)
    assert conn.execute("SELECT name, sku, quantity FROM purchase_lines ORDER BY line_no").fetchall() == [
        ("Cajón AFECTO", "CAJ-1", 168000), ("Relleno AFECTO", None, 71000)]
    assert conn.execute("SELECT razon_social FROM suppliers").fetchall() == [
        ("Diseño y Entretenimientos Within Play Ltda.",)]

    before = _state(store)
    clock.advance(days=1)
    again = store.purchases.preview(data)
    assert not again.importable
    assert again.refusals == ["factura N° 13 de Diseño y Entretenimientos Within Play Ltda.: ya registrado el "
                              "20-11-2026 09:30"]
    with pytest.raises(PurchaseRefused, match="ya registrado el 20-11-2026 09:30"):
        store.purchases.record(again)
    # even a preview taken before the first import cannot register it twice (the projection's key backs this)
    with pytest.raises(PurchaseRefused, match="ya se registró el 20-11-2026 09:30"):
        store.purchases.record(preview)
    assert _state(store) == before


def _iva(dte: etree._Element) -> int:
    """The IVA the supplier wrote on the document."""
    return int(xmlcore.text(dte, "Documento/Encabezado/Totales/IVA"))


def test_ppp_iva_and_stock_across_facturas_sales_and_notas(store):
    leche = ("Leche Entera Colun 1 L", "24", "850", "7801234567894", False)
    coca = ("Coca-Cola 1,5 L x6", "6", "1200", "COC-15", False)  # the supplier's code is the store's SKU
    bip = ("Carga Bip! $2.000", "10", "2000", "7800000000016", True)
    flete = ("Flete", "1", "5000", "", False)
    f1 = sd.dte(33, 1, [leche, coca, bip, flete], STORE)
    [e1] = store.purchases.import_file(sd.envio([f1], STORE))[1]
    by_name = {x.name: x for x in e1.lines}
    assert by_name["Leche Entera Colun 1 L"].matched_by == "ean"
    assert (by_name["Coca-Cola 1,5 L x6"].matched_by, by_name["Coca-Cola 1,5 L x6"].code) == ("sku", "COC-15")
    assert by_name["Carga Bip! $2.000"].exento and by_name["Carga Bip! $2.000"].cost == 20000
    assert by_name["Flete"].sku is None and by_name["Flete"].cost == 5000
    assert (e1.neto, e1.exento, e1.iva) == (32600, 20000, 6194) and e1.iva == _iva(f1)
    assert _stock(store, "LEC-1") == 24 + 24 and _stock(store, "COC-15") == 12 + 6
    assert pp.product_cost(store.journal.conn, "LEC-1") == (Decimal(850), 850)
    assert pp.product_cost(store.journal.conn, "BIP-2") == (Decimal(2000), 2000)

    # 8 leches leave: the average stays, the stock goes down
    store.journal.append(catalog.StockAdjusted("LEC-1", Decimal(-8), "merma"))
    # a second factura at a higher price: (40 × 850 + 20 × 910) / 60 = 870
    f2 = sd.dte(33, 2, [(leche[0], "20", "910", leche[3], False)], STORE)
    store.purchases.import_file(xmlcore.to_bytes(f2))
    assert pp.product_cost(store.journal.conn, "LEC-1") == (Decimal(870), 910)
    assert _stock(store, "LEC-1") == 60
    # the supplier takes 5 back at 910 (nota de crédito, corrige montos): (60 × 870 − 4.550) / 55
    nc = sd.nota(61, 1, [(leche[0], "5", "910", leche[3], False)], STORE, 2, CodRef.CORRIGE_MONTOS)
    [credit] = store.purchases.import_file(xmlcore.to_bytes(nc))[1]
    assert credit.moves_stock and credit.sign == -1
    assert _stock(store, "LEC-1") == 55
    assert pp.product_cost(store.journal.conn, "LEC-1") == (Decimal("866.3636"), 910)
    # a nota de débito raises the cost of what is on hand and moves nothing: + 550 / 55
    nd = sd.nota(56, 1, [(leche[0], "1", "550", leche[3], False)], STORE, 2, CodRef.CORRIGE_MONTOS)
    store.purchases.import_file(xmlcore.to_bytes(nd))
    assert _stock(store, "LEC-1") == 55
    assert pp.product_cost(store.journal.conn, "LEC-1") == (Decimal("876.3636"), 910)
    # a nota de crédito that only lowers the price (no goods go back, the manager says): − 1.100 / 55
    nc2 = sd.nota(61, 2, [(leche[0], "1", "1100", leche[3], False)], STORE, 2, CodRef.CORRIGE_MONTOS)
    [price_only] = store.purchases.import_file(xmlcore.to_bytes(nc2), moves_stock=False)[1]
    assert not price_only.moves_stock and _stock(store, "LEC-1") == 55
    assert pp.product_cost(store.journal.conn, "LEC-1") == (Decimal("856.3636"), 910)
    # IVA crédito fiscal is each document's IVA: facturas and débitos add, créditos take away
    iva = store.journal.conn.execute("SELECT SUM(CASE WHEN tipo = 61 THEN -iva ELSE iva END) FROM purchases")
    assert iva.fetchone()[0] == _iva(f1) + _iva(f2) - _iva(nc) + _iva(nd) - _iva(nc2)


def test_goods_into_another_warehouse(store):
    f = sd.dte(33, 3, [("Leche Entera Colun 1 L", "12", "850", "7801234567894", False)], STORE)
    [e] = store.purchases.import_file(xmlcore.to_bytes(f), warehouse="bodega-norte")[1]
    assert e.warehouse == "bodega-norte"
    assert _stock(store, "LEC-1") == 24  # the store's own stock is not where the goods went
    assert pp.warehouse_stock(store.journal.conn, "bodega-norte", "LEC-1") == 12


def _unsigned(data: bytes) -> bytes:
    root = xmlcore.parse(data)
    for sig in list(root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature")):
        sig.getparent().remove(sig)
    return xmlcore.to_bytes(root)


def _pretty(data: bytes) -> bytes:
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1", pretty_print=True)


SAMPLE = sd.SAMPLE_F13.read_bytes()
BAD_FILES = {
    "tampered amount": (SAMPLE.replace(b"<MontoItem>586320</MontoItem>", b"<MontoItem>58632</MontoItem>"),
                        "la firma XML no es válida"),
    "tampered total": (SAMPLE.replace(b"<MntTotal>1188861</MntTotal>", b"<MntTotal>1188862</MntTotal>"),
                       "el timbre (TED) no es válido"),
    "unsigned": (_unsigned(SAMPLE), "no está firmado"),
    "re-serialized": (_pretty(SAMPLE), "la firma XML no es válida"),
    "billion laughs": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
                       b'<!ENTITY c "&b;&b;&b;&b;&b;">]><EnvioDTE>&c;</EnvioDTE>', "XML rechazado por seguridad"),
    "external entity": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                        b'<DTE>&e;</DTE>', "XML rechazado por seguridad"),
    "declared UTF-8, bytes ISO-8859-1": (SAMPLE.replace(b'encoding="ISO-8859-1"', b'encoding="UTF-8"', 1),
                                         "XML inválido"),
    "declared ISO-8859-1, bytes UTF-8": (SAMPLE.decode("latin-1").encode("utf-8"), "la firma XML no es válida"),
    "a CAF": ((sd.SAMPLES / "caf_T33_cert_76235291-5_F1-20.xml").read_bytes(), "archivo de folios (CAF)"),
    "boletas": ((sd.SAMPLES / "envioboleta_T39_prod_libredte_F18094.xml").read_bytes(), "no dan crédito fiscal"),
    "some documents for other RUTs": (
        (sd.SAMPLES / "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml").read_bytes(),
        "factura N° 18 de Diseño y Entretenimientos Within Play Ltda.: documento emitido a otro RUT (77470948-7); "
        "esta tienda es 77.447.842-6"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_recorded(store, case):
    data, reason = BAD_FILES[case]
    before = _state(store)
    preview = store.purchases.preview(data)
    assert not preview.importable
    assert any(reason in r for r in preview.refusals), preview.refusals
    with pytest.raises(PurchaseRefused) as refused:
        store.purchases.record(preview)
    assert any(reason in r for r in refused.value.reasons)
    assert _state(store) == before


def test_a_document_for_another_rut_is_refused(make_terminal):
    term = make_terminal(rows=PRODUCTS)  # the demo store is 76.235.291-5
    before = _state(term)
    preview = term.purchases.preview(SAMPLE)
    assert preview.refusals == ["factura N° 13 de Diseño y Entretenimientos Within Play Ltda.: documento emitido a "
                                "otro RUT (77447842-6); esta tienda es 76.235.291-5"]
    with pytest.raises(PurchaseRefused, match="documento emitido a otro RUT"):
        term.purchases.record(preview)
    assert _state(term) == before


def test_a_document_whose_totals_do_not_add_up_is_refused_even_when_signed(store):
    # stamped and signed by the supplier, but IVA is not 19 % of the neto and MntTotal is not their sum
    f = sd.dte(33, 4, [("Leche Entera Colun 1 L", "2", "850", "7801234567894", False)], STORE,
               totales=Totales(neto=1700, iva=373, exento=0, total=2000))
    before = _state(store)
    preview = store.purchases.preview(xmlcore.to_bytes(f))
    [doc] = preview.documents
    assert doc.checks["signature"]["valid"] and doc.checks["ted"]["valid"]
    assert preview.refusals == [
        "factura N° 4 de Distribuidora Within Play Ltda.: los totales no cuadran: MntTotal 2000 ≠ MntNeto 1700 + "
        "IVA 373 + MntExe 0; IVA 373 ≠ 19 % de 1700 (323)"]
    assert _state(store) == before


def test_rebuild_gives_the_same_projections_after_purchases(store, tmp_path, capsys):
    leche = ("Leche Entera Colun 1 L", "24", "850", "7801234567894", False)
    store.purchases.import_file(SAMPLE)
    store.purchases.import_file(xmlcore.to_bytes(sd.dte(33, 5, [leche], STORE)))
    store.journal.append(catalog.StockAdjusted("LEC-1", Decimal(-30), "venta"))
    store.purchases.import_file(xmlcore.to_bytes(sd.dte(33, 6, [replace_qty(leche, "10", "990")], STORE)))
    nc = sd.nota(61, 3, [replace_qty(leche, "4", "990")], STORE, 6, CodRef.ANULA)
    store.purchases.import_file(xmlcore.to_bytes(nc), warehouse="bodega-norte")
    before = cli.projection_digest(store.journal.conn)
    assert {"suppliers", "purchases", "purchase_lines", "product_costs", "warehouse_stock"} <= set(before)
    costs = pp.product_cost(store.journal.conn, "LEC-1")
    store.journal.rebuild_projections()
    assert cli.projection_digest(store.journal.conn) == before
    assert pp.product_cost(store.journal.conn, "LEC-1") == costs
    # and the command the store manager runs says so too
    data_dir = store.settings.data_dir
    store.close()
    assert cli.main(["pos", "rebuild-projections", "--data", str(data_dir)]) == 0
    assert '"identical": true' in capsys.readouterr().out


def replace_qty(line: sd.Line, qty: str, price: str) -> sd.Line:
    return (line[0], qty, price, line[3], line[4])


@pytest.mark.parametrize("field", [b"Folio", b"TipoDTE"])
def test_a_folio_or_tipo_no_sqlite_integer_holds_is_refused_not_a_crash(store, field):
    """A forged file with a 30-digit Folio/TipoDTE used to raise OverflowError out of preview (the duplicate
    lookup), which the purchase dialog does not catch."""
    value = {b"Folio": b"13", b"TipoDTE": b"33"}[field]
    data = SAMPLE.replace(b"<%s>%s</%s>" % (field, value, field), b"<%s>%s</%s>" % (field, b"9" * 30, field), 1)
    before = _state(store)
    preview = store.purchases.preview(data)
    assert not preview.importable and any("no cumple el esquema del SII" in r for r in preview.refusals)
    assert _state(store) == before
