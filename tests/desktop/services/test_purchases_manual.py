"""Paper documents typed in at the till (factura, boleta, guía de despacho) by scanning their lines with cost, and
returns to a supplier: stock and cost move, the same document twice, a bad RUT, a cost with decimals or a total
that does not match are refused in Spanish with nothing journaled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.journal import purchases_projection as pp
from desktop.journal import read_models
from desktop.services import inventory
from desktop.services.auth import User
from desktop.services.purchases import PurchaseRefused
from shared import errors, roles
from shared.events import purchases as events

ROSA = User("rosa", "Rosa Díaz", roles.Role.ADMIN)
MARTA = User("marta", "Marta Rojas", roles.Role.SUPERVISOR)
SUR = "76.123.456-0"


def test_a_paper_factura_is_registered_with_its_iva_and_moves_stock(terminal) -> None:
    svc = terminal.purchases
    lines = [svc.manual_line("7801234567894", "24", "790"), svc.manual_line("BIP-2", "10", "$2.000"),
             svc.manual_line("PAN-1", "5,000", "1.100")]
    event = svc.record_manual(ROSA, SUR, events.FACTURA, "4.521", "19-11-2026", lines,
                              razon_social="Distribuidora Sur SpA", giro="Distribución", total="49.107")
    assert (event.tipo, event.folio, event.fecha_emision, event.digest, event.document_xml) == (
        33, 4521, "2026-11-19", "", "")
    assert (event.neto, event.exento, event.iva, event.total) == (24460, 20000, 4647, 49107)
    assert [(x.sku, x.quantity, x.unit_cost, x.cost, x.exento, x.matched_by) for x in event.lines] == [
        ("LEC-1", Decimal(24), 790, 18960, False, "manual"), ("BIP-2", Decimal(10), 2000, 20000, True, "manual"),
        ("PAN-1", Decimal("5.000"), 1100, 5500, False, "manual")]
    assert read_models.stock_on_hand(terminal.journal.conn, "LEC-1") == 48
    assert event.registered_by == "rosa"
    assert pp.registered(terminal.journal.conn, "76123456-0", 33, 4521) is not None


def test_a_boleta_and_a_guia_carry_no_iva_credit(terminal) -> None:
    svc = terminal.purchases
    boleta = svc.record_manual(ROSA, SUR, 39, "88", "20-11-2026", [svc.manual_line("COC-15", "6", "1.490")],
                               razon_social="Supermercado Centro")
    assert (boleta.neto, boleta.iva, boleta.total) == (8940, 0, 8940)
    guia = svc.record_manual(ROSA, SUR, 52, "1234", "2026-11-20", [svc.manual_line("LEC-1", "12", "800")])
    assert (guia.iva, guia.total, guia.supplier.razon_social) == (0, 9600, "Supermercado Centro")


def test_bad_manual_documents_are_refused_and_nothing_is_journaled(terminal) -> None:
    svc = terminal.purchases
    line = svc.manual_line("LEC-1", "1", "800")
    head = terminal.journal.head
    with pytest.raises(errors.InvalidAmount, match="no llevan decimales"):
        svc.manual_line("LEC-1", "1", "12,5")
    with pytest.raises(errors.InvalidQuantity, match="negativa"):
        svc.manual_line("LEC-1", "-1", "800")
    with pytest.raises(errors.InvalidQuantity, match="fuera de rango"):
        svc.manual_line("LEC-1", "7801234567894", "800")
    with pytest.raises(errors.InvalidRut, match="dígito verificador incorrecto"):
        svc.record_manual(ROSA, "76.123.456-1", 33, "1", "19-11-2026", [line], razon_social="X")
    with pytest.raises(PurchaseRefused, match="no está registrado: indique su razón social"):
        svc.record_manual(ROSA, SUR, 33, "1", "19-11-2026", [line])
    with pytest.raises(PurchaseRefused, match="no se ingresa a mano"):
        svc.record_manual(ROSA, SUR, 46, "1", "19-11-2026", [line], razon_social="X")
    with pytest.raises(PurchaseRefused, match="folio 'abc' no válido"):
        svc.record_manual(ROSA, SUR, 33, "abc", "19-11-2026", [line], razon_social="X")
    with pytest.raises(PurchaseRefused, match="posterior a hoy"):
        svc.record_manual(ROSA, SUR, 33, "1", "21-12-2026", [line], razon_social="X")
    with pytest.raises(PurchaseRefused, match="fecha de emisión '31-02-2026' no válida"):
        svc.record_manual(ROSA, SUR, 33, "1", "31-02-2026", [line], razon_social="X")
    with pytest.raises(PurchaseRefused, match="no tiene líneas"):
        svc.record_manual(ROSA, SUR, 33, "1", "19-11-2026", [], razon_social="X")
    with pytest.raises(PurchaseRefused, match=r"el total escrito \(\$1.000\) no cuadra con las líneas \(\$952"):
        svc.record_manual(ROSA, SUR, 33, "1", "19-11-2026", [line], razon_social="X", total="1.000")
    with pytest.raises(inventory.UnknownWarehouse):
        svc.record_manual(ROSA, SUR, 33, "1", "19-11-2026", [line], razon_social="X", warehouse="sur")
    with pytest.raises(inventory.NotAdministrator):
        svc.record_manual(MARTA, SUR, 33, "1", "19-11-2026", [line], razon_social="X")
    assert terminal.journal.head == head
    svc.record_manual(ROSA, SUR, 33, "1", "19-11-2026", [line], razon_social="X")
    head = terminal.journal.head
    with pytest.raises(PurchaseRefused, match="factura N° 1 de X ya registrado el 20-11-2026 09:30"):
        svc.record_manual(ROSA, SUR, 33, "1", "19-11-2026", [line])
    assert terminal.journal.head == head


def test_goods_go_back_to_the_supplier_at_the_purchases_cost(terminal) -> None:
    svc = terminal.purchases
    bought = svc.record_manual(ROSA, SUR, 33, "77", "19-11-2026", [svc.manual_line("LEC-1", "24", "790")],
                               razon_social="Distribuidora Sur SpA")
    store = terminal.journal.identity.store_id
    event = svc.return_to_supplier(ROSA, SUR, [("7801234567894", "4", None), ("LEC-1", "2", None)],
                                   reason="vencidas", purchase_id=bought.purchase_id, document="Guía 52 N° 9")
    assert [(x.sku, x.quantity, x.unit_cost) for x in event.lines] == [("LEC-1", Decimal(6), 790)]
    assert (event.supplier_rut, event.warehouse, event.returned_by, event.document) == (
        "76123456-0", store, "rosa", "Guía 52 N° 9")
    free = svc.return_to_supplier(ROSA, SUR, [("COC-15", "1", "1.200")], reason="mal estado")
    assert free.lines[0].unit_cost == 1200 and free.purchase_id == ""
    head = terminal.journal.head
    with pytest.raises(PurchaseRefused, match="línea 1: se devuelven 30 de Leche Entera Colun 1 L y la compra trajo"):
        svc.return_to_supplier(ROSA, SUR, [("LEC-1", "30", None)], reason="x", purchase_id=bought.purchase_id)
    with pytest.raises(PurchaseRefused, match="línea 1: Coca-Cola 1,5 L no viene en esa compra"):
        svc.return_to_supplier(ROSA, SUR, [("COC-15", "1", None)], reason="x", purchase_id=bought.purchase_id)
    with pytest.raises(PurchaseRefused, match="esa compra es de Distribuidora Sur SpA"):
        svc.return_to_supplier(ROSA, "77.447.842-6", [("LEC-1", "1", None)], reason="x",
                               purchase_id=bought.purchase_id)
    with pytest.raises(PurchaseRefused, match="línea 1: monto '12,5': los pesos no llevan decimales"):
        svc.return_to_supplier(ROSA, SUR, [("LEC-1", "1", "12,5")], reason="x")
    with pytest.raises(inventory.Refused, match="Indique el motivo"):
        svc.return_to_supplier(ROSA, SUR, [("LEC-1", "1", None)], reason="")
    with pytest.raises(errors.InvalidRut):
        svc.return_to_supplier(ROSA, "1-2", [("LEC-1", "1", None)], reason="x")
    with pytest.raises(inventory.NotAdministrator):
        svc.return_to_supplier(MARTA, SUR, [("LEC-1", "1", None)], reason="x")
    assert terminal.journal.head == head


def test_a_paper_nota_de_credito_takes_goods_back_and_expiry_dates_are_kept(terminal) -> None:
    svc = terminal.purchases
    factura = svc.record_manual(ROSA, SUR, 30, "10", "19-11-2026",
                                [svc.manual_line("LEC-1", "12", "800", expiry="15-12-2026")], razon_social="Sur")
    assert factura.lines[0].expiry == "2026-12-15" and factura.iva == 1824
    nota = svc.record_manual(ROSA, SUR, 60, "3", "20-11-2026", [svc.manual_line("LEC-1", "2", "800")])
    assert (nota.sign, nota.neto, nota.iva) == (-1, 1600, 304)
    assert read_models.stock_on_hand(terminal.journal.conn, "LEC-1") == 24 + 12 - 2
    with pytest.raises(PurchaseRefused, match="fecha de vencimiento 'pronto' no válida"):
        svc.manual_line("LEC-1", "1", "800", expiry="pronto")


def test_the_factura_of_a_guia_records_its_iva_without_moving_the_goods_again(terminal) -> None:
    svc = terminal.purchases
    svc.record_manual(ROSA, SUR, 52, "500", "18-11-2026", [svc.manual_line("LEC-1", "12", "800")],
                      razon_social="Distribuidora Sur SpA")
    assert read_models.stock_on_hand(terminal.journal.conn, "LEC-1") == 36
    factura = svc.record_manual(ROSA, SUR, 33, "9001", "19-11-2026", [svc.manual_line("LEC-1", "12", "800")],
                                guia="500")
    assert (factura.moves_stock, factura.iva, [x.sku for x in factura.lines]) == (False, 1824, [None])
    assert factura.references[0].tipo == "52" and factura.references[0].folio == "500"
    assert read_models.stock_on_hand(terminal.journal.conn, "LEC-1") == 36
    head = terminal.journal.head
    with pytest.raises(PurchaseRefused, match="no hay una guía de despacho N° 501"):
        svc.record_manual(ROSA, SUR, 33, "9002", "19-11-2026", [svc.manual_line("LEC-1", "1", "800")], guia="501")
    with pytest.raises(PurchaseRefused, match="solo una factura hace referencia"):
        svc.record_manual(ROSA, SUR, 39, "9002", "19-11-2026", [svc.manual_line("LEC-1", "1", "800")], guia="500")
    assert terminal.journal.head == head
    terminal.suppliers.save(ROSA, SUR, "Distribuidora Sur SpA", active=False)
    head = terminal.journal.head
    with pytest.raises(PurchaseRefused, match="está inactivo: actívelo en Proveedores"):
        svc.record_manual(ROSA, SUR, 33, "9003", "19-11-2026", [svc.manual_line("LEC-1", "1", "800")])
    assert terminal.journal.head == head
