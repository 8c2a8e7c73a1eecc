"""A purchase line's package factor: 5 boxes of 12 move 60 units of stock, the PPP is the box's cost / 12 exactly in
pesos (the same signed movements for the till and the master's fold), a nota de crédito takes boxes back, and a
``purchase.received`` stored before the factor existed still decodes as one unit per package."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from shared import costing
from shared.events import codec, purchases, registry

SUPPLIER = purchases.Supplier("76235291-5", "Distribuidora Ñuble Ltda.", "Mayorista")


def _line(no: int, quantity: str, cost: int, sku: str | None, factor: str = "1", unit: str = "CJ"
          ) -> purchases.PurchaseLine:
    q = Decimal(quantity)
    return purchases.PurchaseLine(no, "", None, f"línea {no}", q, unit, costing.unit_cost(cost, q), cost, cost,
                                  False, sku, "manual" if sku else "", Decimal(factor))


def _event(tipo: int, *lines: purchases.PurchaseLine, moves_stock: bool = True) -> purchases.PurchaseReceived:
    neto = sum(x.cost for x in lines)
    return purchases.PurchaseReceived("p-1", SUPPLIER, tipo, 7, "2025-07-03", "centro", lines, neto, 0,
                                      round(neto * 0.19), neto + round(neto * 0.19), "ab" * 32, moves_stock)


def test_boxes_move_units_and_the_ppp_is_the_cost_per_unit_in_pesos() -> None:
    factura = _event(33, _line(1, "5", 30000, "LEC-1", "12"), _line(2, "4", 80000, "QUE-1", "2.5", "KG"),
                     _line(3, "3", 7000, "PAN-1"), _line(4, "1", 4000, None, "6"))
    assert purchases.stock_moves(factura) == [("LEC-1", Decimal(60)), ("QUE-1", Decimal(10)), ("PAN-1", Decimal(3))]
    assert purchases.cost_moves(factura) == [("LEC-1", Decimal(60), 30000), ("QUE-1", Decimal(10), 80000),
                                             ("PAN-1", Decimal(3), 7000)]
    # 12 units on hand at $450 + 60 at $500 (a box of 12 at $6.000): (5.400 + 30.000) / 72 = $491,6667
    [(_sku, quantity, value), *_] = purchases.cost_moves(factura)
    assert costing.apply(Decimal(12), Decimal(450), quantity, value) == Decimal("491.6667")
    assert costing.apply(Decimal(0), None, Decimal(10), 80000) == Decimal(8000)

    # a nota de crédito takes 1 box (12 units) back with its $6.000: (72 × 491,6667 − 6.000) / 60 = $490
    nota = _event(61, _line(1, "1", 6000, "LEC-1", "12"))
    [(_, back, credited)] = purchases.cost_moves(nota)
    assert purchases.stock_moves(nota) == [("LEC-1", Decimal(-12))] and credited == -6000
    assert costing.apply(Decimal(72), Decimal("491.6667"), back, credited) == Decimal("490.0000")
    # a nota de débito only raises the value: no quantity, whatever the factor
    debito = _event(56, _line(1, "1", 1200, "LEC-1", "12"))
    assert purchases.stock_moves(debito) == [] and purchases.cost_moves(debito) == [("LEC-1", Decimal(0), 1200)]


def test_a_fractional_product_is_kept_to_the_gram() -> None:
    line = _line(1, "3.3333", 10000, "QUE-1", "1.5", "KG")
    assert line.store_quantity == Decimal("5.000")  # 4,99995 rounded half up to the gram
    assert _line(1, "7.250", 9425, "QUE-1").store_quantity == Decimal("7.250")  # no factor: as written


def test_a_line_stored_before_the_factor_existed_decodes_as_one_unit_per_package() -> None:
    c = registry.build_codec()
    event = _event(33, _line(1, "24", 20400, "LEC-1", "12"))
    type_, version, payload = c.encode(event)
    assert payload["lines"][0]["package_factor"] == "12"
    assert c.decode(type_, version, payload) == event
    assert version == 3  # a server that only knows v1 quarantines it rather than moving boxes as units
    old = dict(payload, lines=[{k: v for k, v in x.items() if k not in ("package_factor", "matched_by")}
                               for x in payload["lines"]])
    decoded = c.decode(type_, 1, old)  # stored as v1, upcast
    assert decoded.lines[0].package_factor == 1 and decoded.lines[0].matched_by == ""
    assert purchases.stock_moves(decoded) == [("LEC-1", Decimal(24))]
    assert decoded == replace(event, lines=(replace(event.lines[0], package_factor=Decimal(1), matched_by=""),))
    assert codec.to_payload(decoded.lines[0])["package_factor"] == "1"


def test_a_server_that_only_knows_version_1_refuses_a_version_2_purchase() -> None:
    """Tills may be upgraded before the master: an old codec must not read boxes as units."""
    from shared import errors
    from shared.events import codec as codec_mod

    class PurchaseV1(purchases.PurchaseReceived):
        VERSION = 1

    old_server = codec_mod.Codec([PurchaseV1])
    type_, version, payload = registry.build_codec().encode(_event(33, _line(1, "5", 30000, "LEC-1", "12")))
    with pytest.raises(errors.UnknownEventType):
        old_server.decode(type_, version, payload)
