"""shared.inventory: the movements of every stock-moving event, PPP and FIFO costs, and the reference fold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared import errors
from shared import inventory as inv
from shared.events import catalog, purchases, returns, sales
from shared.events import inventory as ie

STORE = "centro"
BODEGA = "centro-bodega"
SUPPLIER = purchases.Supplier("76235291-5", "Distribuidora Ñuble Ltda.", "Mayorista")


def buy(purchase_id: str, quantity: str, cost: int, sku: str = "LEC-1", *, tipo: int = 33, folio: int = 1,
        warehouse: str = STORE, expiry: str = "") -> purchases.PurchaseReceived:
    line = purchases.PurchaseLine(1, "", None, "Leche", Decimal(quantity), "UN", 0, cost, cost, False, sku,
                                  expiry=expiry)
    return purchases.PurchaseReceived(purchase_id, SUPPLIER, tipo, folio, "2026-12-01", warehouse, (line,), cost, 0, 0,
                                      cost, "ab" * 32, True)


def sell(quantity: str, sku: str = "LEC-1", number: int = 1, folio: int | None = None) -> sales.SaleCompleted:
    q = Decimal(quantity)
    line = sales.LineSold(1, sku, "Leche", 1000, q, "unit", False, 0, int(1000 * q))
    doc = None if folio is None else sales.DocumentStamped(39, folio, "<TED/>", "2026-12-01T10:00:00")
    return sales.SaleCompleted(f"v-{number}", number, "sh", "ana", (line,), 0, line.amount, line.amount, 0, 0, 0, (),
                               0, 0, doc)


def give_back(quantity: str, sku: str = "LEC-1") -> returns.ReturnCompleted:
    line = returns.LineReturned(1, sku, "Leche", 1000, Decimal(quantity), "unit", False, 1000)
    return returns.ReturnCompleted("r-1", "v-1", "sh", "ana", "marta", "mala", (line,), 1000, 840, 160, 0,
                                   (sales.TenderTaken("cash", 1000, 1000),), 39, 7, False,
                                   sales.DocumentStamped(61, 3, "<TED/>", "2026-12-01T10:00:00"))


def folded(events: list[object], method: str) -> inv.Book:
    return inv.fold(STORE, [(None, e) for e in events], method)


def test_each_stock_moving_event_gives_its_signed_movements() -> None:
    sent = ie.TransferSent("t-1", STORE, STORE, BODEGA, (ie.TransferLine("LEC-1", "Leche", Decimal(3), 850),), "marta")
    out = ie.TransferSent("t-2", BODEGA, "norte", "norte", (ie.TransferLine("LEC-1", "Leche", Decimal(2), 850),),
                          "marta")
    got = ie.TransferReceived("t-3", "norte", BODEGA,
                              (ie.ReceivedLine("LEC-1", "Leche", Decimal(5), Decimal(4), 900),
                               ie.ReceivedLine("PAN-1", "Pan", Decimal(1), Decimal(0), 900)), "pedro")
    count = ie.CountPosted("c-1", BODEGA, (ie.CountLine("LEC-1", "Leche", Decimal(5), Decimal(3)),
                                           ie.CountLine("PAN-1", "Pan", Decimal(2), Decimal(2))), "mensual", "pedro",
                           "marta")
    merma = ie.MermaRecorded("m-1", STORE, "LEC-1", "Leche", Decimal("1"), "dano", 850, "pedro")
    back = ie.SupplierReturned("sr-1", "76235291-5", BODEGA, (ie.SupplierReturnLine("LEC-1", "Leche", Decimal(3),
                                                                                       851),),
                               "vencida", "marta", "p-1", "Guía 52 N° 9")
    table = [(m.kind, m.warehouse, m.quantity, m.value, m.internal) for e in
             (sell("2", folio=123), give_back("1"), buy("p-1", "12", 10200), catalog.StockAdjusted("LEC-1", Decimal(4),
                                                                                                     "apertura"),
              sent, out, got, count, merma, back) for m in inv.movements(STORE, None, e)]
    assert table == [
        ("venta", STORE, Decimal(-2), None, False), ("devolucion", STORE, Decimal(1), None, False),
        ("compra", STORE, Decimal(12), 10200, False), ("ajuste", STORE, Decimal(4), None, False),
        ("traslado_salida", STORE, Decimal(-3), None, True), ("traslado_entrada", BODEGA, Decimal(3), None, True),
        ("traslado_salida", BODEGA, Decimal(-2), None, False), ("traslado_entrada", BODEGA, Decimal(4), 3600, False),
        ("toma", BODEGA, Decimal(-2), None, False), ("merma", STORE, Decimal(-1), None, False),
        ("devolucion_proveedor", BODEGA, Decimal(-3), -2553, False)]
    docs = [m.document for e in (sell("2", folio=123), buy("p-1", "12", 10200), sent, merma)
            for m in inv.movements(STORE, None, e)]
    assert docs == ["Boleta N° 123", "Factura 33 N° 1 · 76.235.291-5", "Traslado a Bodega",
                    "Traslado desde Sala de ventas", "Merma: daño"]
    assert inv.movements(STORE, None, ie.CountStarted("c-1", STORE, "", "pedro")) == []
    assert inv.movements(STORE, None, ie.SupplierSaved("76235291-5", "Ñuble", "x")) == []


def test_a_purchase_line_keeps_its_lot() -> None:
    (m,) = inv.movements(STORE, None, buy("p-9", "6", 6000, expiry="2027-01-31"))
    assert m.lot == inv.Lot("76235291-5", "2027-01-31", "p-9") and m.reference == "p-9"


def test_ppp_averages_purchases_and_sales_leave_at_the_average() -> None:
    book = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000), sell("15")], "ppp")
    assert [(r.unit_cost, r.value) for r in book.kardex] == [(100, 1000), (300, 3000), (200, -3000)]
    assert book.costs["LEC-1"].avg == Decimal(200) and book.value("LEC-1") == 1000


def test_fifo_consumes_the_oldest_lots_first_then_the_last_cost() -> None:
    book = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000), sell("15"), sell("10")], "fifo")
    assert [(r.unit_cost, r.value) for r in book.kardex] == [(100, 1000), (300, 3000), (167, -2500), (300, -3000)]
    assert book.costs["LEC-1"].layers == () and book.on_hand("LEC-1") == Decimal(-5)
    book = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000, expiry="2027-01-31"), sell("15")], "fifo")
    (layer,) = book.costs["LEC-1"].layers
    assert (layer.quantity, layer.value, layer.lot) == (Decimal(5), 1500, inv.Lot("76235291-5", "2027-01-31", "p-2"))


def test_an_internal_transfer_moves_quantity_never_cost() -> None:
    sent = ie.TransferSent("t-1", STORE, STORE, BODEGA, (ie.TransferLine("LEC-1", "Leche", Decimal(4), 1),), "marta")
    for method in inv.METHODS:
        before = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000)], method)
        after = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000), sent], method)
        assert after.costs == before.costs
        assert (after.stock[(STORE, "LEC-1")], after.stock[(BODEGA, "LEC-1")]) == (Decimal(16), Decimal(4))


def test_a_transfer_from_another_store_enters_at_the_senders_cost() -> None:
    got = ie.TransferReceived("t-3", "norte", BODEGA, (ie.ReceivedLine("LEC-1", "Leche", Decimal(5), Decimal(4),
                                                                       900),), "pedro")
    for method in inv.METHODS:
        book = folded([got, sell("1")], method)
        assert [(r.unit_cost, r.value) for r in book.kardex] == [(900, 3600), (900, -900)]


def test_a_return_comes_back_at_the_current_cost() -> None:
    ppp = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000), sell("5"), give_back("1")], "ppp")
    assert (ppp.kardex[-1].unit_cost, ppp.kardex[-1].value) == (200, 200)
    fifo = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000), sell("5"), give_back("1")], "fifo")
    assert (fifo.kardex[-1].unit_cost, fifo.kardex[-1].value) == (100, 100)
    assert fifo.costs["LEC-1"].layers[0].quantity == Decimal(6)


def test_opening_stock_without_cost_takes_the_cost_of_the_first_purchase() -> None:
    events = [catalog.StockAdjusted("LEC-1", Decimal(5), "apertura"), sell("1"), buy("p-1", "10", 1500)]
    for method in inv.METHODS:
        book = folded(events, method)
        assert [r.value for r in book.kardex] == [0, 0, 1500]
        assert book.value("LEC-1") == 2100, method  # 14 on hand at $150


def test_sale_line_cost_is_what_the_line_would_cost_now() -> None:
    assert inv.sale_line_cost(inv.CostState(), Decimal(1), "ppp") is None
    assert inv.sale_line_cost(inv.CostState(), Decimal(1), "fifo") is None
    fifo = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000)], "fifo").costs["LEC-1"]
    assert inv.sale_line_cost(fifo, Decimal(15), "fifo") == 2500
    assert inv.sale_line_cost(fifo, Decimal(25), "fifo") == 5500  # 5 past the layers at the last cost
    ppp = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000)], "ppp").costs["LEC-1"]
    assert inv.sale_line_cost(ppp, Decimal("0.5"), "ppp") == 100


def test_the_cost_state_survives_its_json() -> None:
    state = folded([buy("p-1", "10", 1000), buy("p-2", "3", 1000, expiry="2027-01-31")], "fifo").costs["LEC-1"]
    assert inv.CostState.from_json(state.to_json()) == state
    for bad in ("", "[]", '{"avg": 1, "last": null, "layers": []}', '{"avg": "NaN", "last": null, "layers": []}'):
        with pytest.raises(errors.InvalidInput, match="estado de costo"):
            inv.CostState.from_json(bad)


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="método de costeo"):
        inv.fold(STORE, [], "lifo")
