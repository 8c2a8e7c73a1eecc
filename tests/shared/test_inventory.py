"""shared.inventory: the movements of every stock-moving event, PPP and FIFO costs, and the reference fold."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# --- properties over random sequences ------------------------------------------------------------------------

SKUS = ("LEC-1", "QUE-1")
WAREHOUSES = (STORE, BODEGA)
_units = st.integers(1, 20).map(Decimal)
_kilos = st.integers(1, 20_000).map(lambda n: Decimal(n) / 1000)


@st.composite
def histories(draw: st.DrawFn, *, one_price: bool = False) -> list[object]:
    """A store's events in journal order: purchases (facturas, notas de crédito and débito, by hand or from XML),
    sales, returns, internal transfers, transfers to and from another store, counts, mermas, goods back to a
    supplier and adjustments, over two SKUs (one sold by unit, one by kg) and two warehouses. ``one_price``: every
    valued entry at $700 a unit, whole units, no notas (PPP and FIFO must then agree on every movement)."""
    events: list[object] = []
    purchases_made: list[str] = []
    kinds = ["buy", "sell", "return", "move", "send", "receive", "count", "merma", "supplier", "adjust"]
    if not one_price:
        kinds += ["credit", "debit"]
    for n in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(kinds))
        sku = draw(st.sampled_from(SKUS))
        q = draw(_units if one_price or sku == "LEC-1" else _kilos)
        cost = 700 * int(q) if one_price else draw(st.integers(0, 200_000))
        unit_cost = 700 if one_price else draw(st.integers(0, 5_000))
        wh, other = draw(st.permutations(WAREHOUSES))
        if kind == "buy":
            events.append(buy(f"p-{n}", str(q), cost, sku, folio=n + 1, warehouse=wh,
                              expiry=draw(st.sampled_from(["", "2027-03-31"]))))
            purchases_made.append(f"p-{n}")
        elif kind in ("credit", "debit"):
            note = buy(f"p-{n}", str(q), cost, sku, tipo=61 if kind == "credit" else 56, folio=n + 1, warehouse=wh)
            if draw(st.booleans()):  # a credit for the price only
                note = replace(note, moves_stock=False)
            events.append(note)
        elif kind == "sell":
            events.append(sell(str(q) if sku == "LEC-1" else "1", sku, number=n + 1, folio=n + 1)
                          if sku == "LEC-1" else _sell_kg(q, n))
        elif kind == "return":
            events.append(give_back(str(q), sku) if sku == "LEC-1" else _give_back_kg(q))
        elif kind == "move":
            events.append(ie.TransferSent(f"t-{n}", wh, STORE, other, (ie.TransferLine(sku, "x", q, 0),), "marta"))
        elif kind == "send":
            events.append(ie.TransferSent(f"t-{n}", wh, "norte", "norte", (ie.TransferLine(sku, "x", q, 0),),
                                          "marta"))
        elif kind == "receive":
            received = q if one_price else draw(st.sampled_from([q, q / 2, Decimal(0)])).quantize(Decimal("0.001"))
            events.append(ie.TransferReceived(f"t-{n}", "norte", wh, (ie.ReceivedLine(sku, "x", q, received,
                                                                                      unit_cost),), "pedro"))
        elif kind == "count":
            expected = draw(_units if one_price or sku == "LEC-1" else _kilos)
            events.append(ie.CountPosted(f"c-{n}", wh, (ie.CountLine(sku, "x", expected, q),), "mensual", "pedro",
                                         "marta"))
        elif kind == "merma":
            events.append(ie.MermaRecorded(f"m-{n}", wh, sku, "x", q, draw(st.sampled_from(ie.MERMA_REASONS)), 0,
                                           "pedro"))
        elif kind == "supplier":
            origin = draw(st.sampled_from(["", *purchases_made]))
            events.append(ie.SupplierReturned(f"sr-{n}", "76235291-5", wh,
                                              (ie.SupplierReturnLine(sku, "x", q, unit_cost),), "vencida", "marta",
                                              origin))
        else:
            events.append(catalog.StockAdjusted(sku, q * draw(st.sampled_from([1, -1])), "ajuste"))
    return events


def _sell_kg(q: Decimal, n: int) -> sales.SaleCompleted:
    line = sales.LineSold(1, "QUE-1", "Queso", 9990, q, "kg", False, 0, 0)
    return sales.SaleCompleted(f"v-{n}", n + 1, "sh", "ana", (line,), 0, 0, 0, 0, 0, 0, (), 0, 0)


def _give_back_kg(q: Decimal) -> returns.ReturnCompleted:
    line = returns.LineReturned(1, "QUE-1", "Queso", 9990, q, "kg", False, 0)
    return returns.ReturnCompleted("r-1", "v-1", "sh", "ana", "marta", "mala", (line,), 0, 0, 0, 0,
                                   (sales.TenderTaken("cash", 0, 0),), 39, 7, False)


def _expected_stock(events: list[object]) -> dict[tuple[str, str], Decimal]:
    """The stock each event leaves, read from the events themselves (not from ``movements``)."""
    stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for e in events:
        if isinstance(e, sales.SaleCompleted):
            for x in e.lines:
                stock[(STORE, x.sku)] -= x.quantity
        elif isinstance(e, returns.ReturnCompleted):
            for r in e.lines:
                stock[(STORE, r.sku)] += r.quantity
        elif isinstance(e, purchases.PurchaseReceived):
            for p in e.lines:
                if e.moves_stock and e.tipo != 56 and p.sku is not None:
                    stock[(e.warehouse, p.sku)] += -p.quantity if e.tipo == 61 else p.quantity
        elif isinstance(e, catalog.StockAdjusted):
            stock[(STORE, e.sku)] += e.delta
        elif isinstance(e, ie.TransferSent):
            for t in e.lines:
                stock[(e.from_warehouse, t.sku)] -= t.quantity
                if e.to_store == STORE:
                    stock[(e.to_warehouse, t.sku)] += t.quantity
        elif isinstance(e, ie.TransferReceived):
            for g in e.lines:
                stock[(e.to_warehouse, g.sku)] += g.received
        elif isinstance(e, ie.CountPosted):
            for c in e.lines:
                stock[(e.warehouse, c.sku)] += c.counted - c.expected
        elif isinstance(e, ie.MermaRecorded):
            stock[(e.warehouse, e.sku)] -= e.quantity
        elif isinstance(e, ie.SupplierReturned):
            for s in e.lines:
                stock[(e.warehouse, s.sku)] -= s.quantity
    return stock


MANY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@MANY
@given(histories(), st.sampled_from(inv.METHODS))
def test_stock_never_drifts_from_the_events(events: list[object], method: str) -> None:
    book = folded(events, method)
    expected = _expected_stock(events)
    keys = set(expected) | set(book.stock)
    assert {k: book.stock[k] for k in keys} == {k: expected[k] for k in keys}
    for sku in SKUS:
        assert book.on_hand(sku) == sum((expected[(wh, sku)] for wh in WAREHOUSES), Decimal(0))
    for row in book.kardex:  # the running balance is the warehouse's stock after each movement
        assert row.movement.kind in inv.KINDS


@MANY
@given(histories(), st.sampled_from(inv.METHODS))
def test_fold_equals_stepping_through_the_json_the_till_and_the_master_keep(events: list[object], method: str) -> None:
    book = folded(events, method)
    stored: dict[str, str] = {}
    stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    rows = []
    for e in events:
        for m in inv.movements(STORE, None, e):
            state = inv.CostState.from_json(stored[m.sku]) if m.sku in stored else inv.CostState()
            on_hand = sum((q for (_, sku), q in stock.items() if sku == m.sku), Decimal(0))
            state, costed = inv.step(state, m, on_hand, method)
            stored[m.sku] = state.to_json()
            stock[(m.warehouse, m.sku)] += m.quantity
            rows.append((m, costed.unit_cost, costed.value, stock[(m.warehouse, m.sku)]))
    assert rows == [(r.movement, r.unit_cost, r.value, r.balance) for r in book.kardex]
    assert {sku: inv.CostState.from_json(text) for sku, text in stored.items()} == book.costs
    assert {sku: state.to_json() for sku, state in book.costs.items()} == stored


@MANY
@given(histories())
def test_fifo_layers_hold_the_stock_and_its_value_to_the_peso(events: list[object]) -> None:
    book = inv.Book(STORE, "fifo")
    clean = dict.fromkeys(SKUS, True)  # no stock below zero, none without cost, no credit spread over layers
    flows = dict.fromkeys(SKUS, 0)
    for e in events:
        rows = book.apply(None, e)
        for row in rows:
            flows[row.movement.sku] += 0 if row.movement.internal else row.value
            if isinstance(e, ie.SupplierReturned) or (isinstance(e, purchases.PurchaseReceived)
                                                      and e.tipo in (56, 61)):
                clean[row.movement.sku] = False
        for sku in SKUS:
            state, on_hand = book.costs.get(sku, inv.CostState()), book.on_hand(sku)
            assert all(x.quantity > 0 and x.value >= 0 for x in state.layers)
            if on_hand < 0 or (on_hand > 0 and state.last is None):
                clean[sku] = False
            if state.last is not None:
                assert sum((x.quantity for x in state.layers), Decimal(0)) == max(on_hand, Decimal(0))
            assert book.value(sku) == sum(x.value for x in state.layers) or state.last is None
            if clean[sku]:
                assert flows[sku] == book.value(sku), sku


@MANY
@given(histories())
def test_ppp_values_the_stock_at_the_average(events: list[object]) -> None:
    book = folded(events, "ppp")
    for sku in SKUS:
        state, on_hand = book.costs.get(sku, inv.CostState()), book.on_hand(sku)
        assert state.layers == () and (state.avg is None or state.avg >= 0)
        expected = 0 if state.avg is None or on_hand <= 0 else int((state.avg * on_hand).quantize(Decimal(1),
                                                                                                  ROUND_HALF_UP))
        assert book.value(sku) == expected


@MANY
@given(histories(one_price=True))
def test_ppp_and_fifo_agree_when_every_unit_cost_the_same(events: list[object]) -> None:
    ppp, fifo = folded(events, "ppp"), folded(events, "fifo")
    for a, b in zip(ppp.kardex, fifo.kardex, strict=True):
        if a.movement.value is not None or a.unit_cost:  # a cost known to both (never-costed stock moves at $0)
            assert (a.unit_cost, a.value) == (b.unit_cost, b.value), a.movement
    for sku in SKUS:
        assert ppp.value(sku) == fifo.value(sku)
        assert inv.sale_line_cost(ppp.costs.get(sku, inv.CostState()), Decimal(3), "ppp") == \
            inv.sale_line_cost(fifo.costs.get(sku, inv.CostState()), Decimal(3), "fifo")


@MANY
@given(histories(), st.sampled_from(inv.METHODS), st.sampled_from(inv.METHODS))
def test_a_change_of_method_keeps_the_stock_value(events: list[object], first: str, then: str) -> None:
    book = folded(events, first)
    for sku, state in book.costs.items():
        on_hand = book.on_hand(sku)
        if on_hand > 0 and state.last is not None:
            value = inv.stock_value(state, on_hand, then)
            assert abs(value - book.value(sku)) <= 1, (first, then)


def test_a_state_kept_under_the_other_method_is_read_under_this_one() -> None:
    fifo = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000)], "fifo").costs["LEC-1"]
    assert inv.sale_line_cost(fifo, Decimal(2), "ppp") == 400  # the layers' average, $200
    emptied = folded([buy("p-1", "10", 1000), sell("10")], "fifo").costs["LEC-1"]
    assert emptied.layers == () and inv.sale_line_cost(emptied, Decimal(1), "ppp") == 100  # the last cost
    ppp = folded([buy("p-1", "10", 1000), buy("p-2", "10", 3000)], "ppp").costs["LEC-1"]
    assert inv.sale_line_cost(ppp, Decimal(2), "fifo") == 400
    state, costed = inv.step(ppp, inv.movements(STORE, None, sell("5"))[0], Decimal(20), "fifo")
    assert (costed.value, state.avg, sum(x.quantity for x in state.layers)) == (-1000, None, Decimal(15))
