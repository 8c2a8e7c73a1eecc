"""The domain rules of every event type (``shared.events.rules``): what the till builds keeps them, and what an
attacker or a bug changes in a payload is refused with a Spanish reason, never with another exception."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import errors
from shared.events import fiado, inventory, purchases, registry, returns, rules, sales, shifts
from tests.shared.events import strategies

FEW = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
"""The suite's share; ``scripts/fuzz`` runs the same strategies with many more examples."""
SPANISH = ("campo", "se esperaba", "falta", "no es", "debe", "valor", "pagos", "tipo")


def _sale(**changes: object) -> sales.SaleCompleted:
    """A valid cash sale of 2 units at $1.000 (a boleta), as the till builds it, with ``changes``."""
    line = sales.LineSold(1, "COCA-15", "Coca-Cola 1,5 L", 1000, Decimal(2), "unit", False, 0, 2000, "7801234567894")
    sale = sales.SaleCompleted(
        sale_id="0192d6c8-0000-7000-8000-000000000001", number=7, shift_id="t-1", cashier_id="u-ana",
        lines=(line,), discount=0, total=2000, affected=2000, exento=0, neto=1681, iva=319,
        tenders=(sales.TenderTaken("cash", 5000, 2000),), rounding=0, change=3000,
        document=sales.DocumentStamped(39, 12, "<TED/>", "2026-11-20T10:15:00"))
    return replace(sale, **changes)  # type: ignore[arg-type]


def test_every_event_type_of_the_registry_has_its_rules_and_a_label() -> None:
    assert set(rules.RULES) == set(registry.EVENT_CLASSES)
    assert set(rules.LABELS) == {cls.TYPE for cls in registry.EVENT_CLASSES}


def test_the_reference_sale_keeps_the_rules() -> None:
    assert rules.problem(_sale()) is None


@pytest.mark.parametrize(("changes", "field"), [
    # the reported attacks: −5 units whose amount is positive (stock would go up), a fully negative sale
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal(-5), "unit", False, 0, 5000),)},
     "lines[0].quantity"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", -1000, Decimal(2), "unit", False, 0, -2000),), "total": -2000,
      "affected": -2000, "neto": -1681, "iva": -319, "tenders": (sales.TenderTaken("cash", -2000, -2000),),
      "change": 0}, "lines[0].unit_price"),
    ({"lines": (sales.LineSold(1, "COCA-15", "x" * 1_048_576, 1000, Decimal(2), "unit", False, 0, 2000),)},
     "lines[0].name"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal("0.5"), "unit", False, 0, 500),)},
     "lines[0].quantity"),
    ({"lines": (sales.LineSold(1, "QUESO", "Queso", 9990, Decimal("0.2505"), "kg", False, 0, 2502),)},
     "lines[0].quantity"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal(2), "unit", False, 2500, 0),)},
     "lines[0].discount"),
    ({"lines": (sales.LineSold(1, "COCA-15", "Coca", 1000, Decimal(2), "unit", False, 0, 1999),)}, "lines[0].amount"),
    ({"discount": 2001}, "discount"),
    ({"total": 1999}, "total"),
    ({"neto": 1700, "iva": 300}, "neto"),
    ({"tenders": (sales.TenderTaken("cash", 1000, 1000),), "change": 0}, "tenders"),
    ({"tenders": (sales.TenderTaken("debit", 3000, 3000),), "change": 0}, "tenders"),
    ({"tenders": (sales.TenderTaken("bitcoin", 2000, 2000),), "change": 0}, "tenders[0].kind"),
    ({"change": 2999}, "change"),
    ({"tenders": (sales.TenderTaken("cash", 5000, 5000),)}, "tenders[0].received"),
    ({"lines": ()}, "lines"),
    ({"document": sales.DocumentStamped(33, 12, "<TED/>", "2026-11-20T10:15:00")}, "document.tipo"),
    ({"document": sales.DocumentStamped(41, 12, "<TED/>", "2026-11-20T10:15:00")}, "document.tipo"),
    ({"customer": sales.CustomerData("66666666-6", "Nadie", "Giro", "Calle 1", "Ñuñoa")}, "customer.rut"),
    ({"sale_id": "s" * 65}, "sale_id"),
    ({"cashier_id": ""}, "cashier_id"),
])
def test_an_impossible_sale_names_the_field_in_spanish(changes: dict[str, object], field: str) -> None:
    reason = rules.problem(_sale(**changes))
    assert reason is not None and field in reason, reason
    assert len(reason) < 300  # a 1 MB name is counted, never echoed
    with pytest.raises(rules.RuleBroken, match=r"^No se registró la venta: "):
        rules.check(_sale(**changes))


def test_a_wrong_type_from_a_bug_is_a_broken_rule_not_a_crash() -> None:
    line = sales.LineSold(1, "COCA-15", "Coca", 1000, 2.0, "unit", False, 0, 2000)  # type: ignore[arg-type]
    assert "lines[0].quantity" in (rules.problem(_sale(lines=(line,))) or "")
    assert "no es un evento conocido" in (rules.problem(object()) or "")


@FEW
@given(strategies.valid_events())
def test_what_the_till_builds_keeps_the_rules(event: object) -> None:
    assert rules.problem(event) is None
    type_, version, payload = strategies.CODEC.encode(event)
    assert strategies.verdict(type_, version, payload) is None


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(strategies.mutations())
def test_a_mutated_payload_is_refused_in_spanish_and_nothing_else_is_raised(
        mutation: tuple[str, int, dict[str, object], str, tuple[object, ...], object]) -> None:
    type_, version, payload, kind, path, original = mutation
    reason = strategies.verdict(type_, version, payload)  # raises nothing
    if reason is None:
        assert not strategies.must_refuse(kind, type_, path, original), (kind, path)
        return
    assert isinstance(reason, str) and any(word in reason for word in SPANISH), reason
    assert len(reason) < 400


@FEW
@given(strategies.sale_events(), st.sampled_from(["quantity", "amount", "unit_price", "discount"]))
def test_a_sale_line_with_a_flipped_sign_is_refused(sale: sales.SaleCompleted, name: str) -> None:
    line = sale.lines[0]
    value = getattr(line, name)
    flipped = replace(line, **{name: -value if value else (Decimal(-1) if name == "quantity" else -1)})
    reason = rules.problem(replace(sale, lines=(flipped, *sale.lines[1:])))
    assert reason is not None and "lines[0]." in reason, reason


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(strategies.mutations(strategies.sale_events()))
def test_the_sales_fast_path_agrees_with_the_rules_walked_field_by_field(
        mutation: tuple[str, int, dict[str, object], str, tuple[object, ...], object]) -> None:
    type_, version, payload, _kind, _path, _original = mutation
    try:
        sale = strategies.CODEC.decode(type_, version, payload)
    except errors.EventError:
        return
    assert (rules._sale(sale) is None) == (rules._sale_walked(sale) is None)


@pytest.mark.parametrize("cost", [-1, 10**15 + 1, True, Decimal(5)])
def test_a_sale_line_cost_is_whole_pesos_or_none(cost: object) -> None:
    line = replace(_sale().lines[0], cost=cost)  # type: ignore[arg-type]
    reason = rules.problem(_sale(lines=(line,)))
    assert reason is not None and "lines[0].cost" in reason, reason
    assert rules.problem(_sale(lines=(replace(line, cost=1230),))) is None


# --- the back office's events ------------------------------------------------------------------------------

_T = inventory.TransferLine("LEC-1", "Leche", Decimal(12), 850)
GOOD: dict[str, object] = {
    "sent": inventory.TransferSent("tr-1", "centro-bodega", "norte", "norte", (_T,), "marta"),
    "incoming": inventory.TransferIncoming("tr-1", "centro", "centro-bodega", "norte", (_T,), "marta",
                                           "2026-12-07T10:15:00-03:00"),
    "received": inventory.TransferReceived(
        "tr-1", "centro", "norte", (inventory.ReceivedLine("LEC-1", "Leche", Decimal(12), Decimal(0), 850),), "pedro"),
    "started": inventory.CountStarted("c-1", "centro", "", "marta"),
    "posted": inventory.CountPosted("c-1", "centro", (inventory.CountLine("LEC-1", "Leche", Decimal(-2), Decimal(0)),),
                                    "toma mensual", "pedro", "marta"),
    "merma": inventory.MermaRecorded("m-1", "centro", "QUE-1", "Queso", Decimal("0.350"), "dano", 5200, "pedro"),
    "returned": inventory.SupplierReturned(
        "sr-1", "76235291-5", "centro", (inventory.SupplierReturnLine("LEC-1", "Leche", Decimal(6), 850),), "vencida",
        "marta"),
    "supplier": inventory.SupplierSaved("76235291-5", "Distribuidora Ñuble Ltda.", "Mayorista", email="a@b.cl"),
    "product": inventory.StoreProductSet("LEC-1", None, Decimal(6), "Pasillo 3", True, "marta"),
    "settings": inventory.InventorySettingsReceived("fifo", True, 15000),
}


def test_the_back_offices_reference_events_keep_the_rules() -> None:
    assert {name: rules.problem(e) for name, e in GOOD.items()} == dict.fromkeys(GOOD)


@pytest.mark.parametrize(("name", "changes", "field", "words"), [
    ("sent", {"lines": ()}, "lines", "elementos"),
    ("sent", {"lines": (replace(_T, quantity=Decimal(-5)),)}, "lines[0].quantity", "mayor que 0"),
    ("sent", {"lines": (replace(_T, quantity=Decimal(0)),)}, "lines[0].quantity", "mayor que 0"),
    ("sent", {"lines": (replace(_T, quantity=Decimal("1.0005")),)}, "lines[0].quantity", "3 decimales"),
    ("sent", {"lines": (replace(_T, quantity=Decimal(10) ** 9),)}, "lines[0].quantity", "1.000.000.000"),
    ("sent", {"lines": (replace(_T, quantity=Decimal("NaN")),)}, "lines[0].quantity", "debe ser"),
    ("sent", {"lines": (replace(_T, unit_cost=850.5),)}, "lines[0].unit_cost", "número entero"),
    ("sent", {"lines": (replace(_T, unit_cost=-1),)}, "lines[0].unit_cost", "costo unitario"),
    ("sent", {"lines": (replace(_T, unit_cost=10**9 + 1),)}, "lines[0].unit_cost", "costo unitario"),
    ("sent", {"lines": (replace(_T, unit_cost=10**9, quantity=Decimal(10**7)),)}, "lines[0].unit_cost", "supera"),
    ("sent", {"lines": (_T, _T)}, "lines[1].sku", "se repite"),
    ("sent", {"to_store": "centro", "to_warehouse": "centro-bodega"}, "to_warehouse", "misma bodega"),
    ("sent", {"transfer_id": ""}, "transfer_id", "vacío"),
    ("sent", {"note": "x" * 201}, "note", "máximo"),
    ("incoming", {"sent_at": "ayer"}, "sent_at", "fecha"),
    ("received", {"lines": (inventory.ReceivedLine("LEC-1", "Leche", Decimal(12), Decimal(-1), 850),)},
     "lines[0].received", "0 o más"),
    ("received", {"received_by": ""}, "received_by", "vacío"),
    ("started", {"category": "x" * 61}, "category", "máximo"),
    ("posted", {"lines": ()}, "lines", "elementos"),
    ("posted", {"lines": (inventory.CountLine("LEC-1", "Leche", Decimal(1), Decimal(2)),
                          inventory.CountLine("LEC-1", "Leche", Decimal(1), Decimal(3)))}, "lines[1].sku", "se repite"),
    ("posted", {"lines": (inventory.CountLine("LEC-1", "Leche", Decimal(1), Decimal(-2)),)}, "lines[0].counted",
     "0 o más"),
    ("posted", {"reason": " "}, "reason", "vacío"),
    ("posted", {"approved_by": ""}, "approved_by", "vacío"),
    ("merma", {"reason": "aburrimiento"}, "reason", "debe ser uno de"),
    ("merma", {"quantity": Decimal("-0.350")}, "quantity", "mayor que 0"),
    ("merma", {"unit_cost": Decimal(5200)}, "unit_cost", "número entero"),
    ("returned", {"supplier_rut": "76235291-6"}, "supplier_rut", "RUT válido"),
    ("returned", {"lines": ()}, "lines", "elementos"),
    ("supplier", {"rut": "76235291-K"}, "rut", "RUT válido"),
    ("supplier", {"razon_social": ""}, "razon_social", "vacío"),
    ("supplier", {"email": "ventas arroba nuble"}, "email", "correo"),
    ("product", {"price": -990}, "price", "pesos"),
    ("product", {"min_stock": Decimal(-1)}, "min_stock", "0 o más"),
    ("product", {"location": "x" * 81}, "location", "máximo"),
    ("settings", {"costing": "lifo"}, "costing", "debe ser uno de"),
    ("settings", {"merma_pin_above": -1}, "merma_pin_above", "pesos"),
])
def test_a_bad_back_office_event_is_refused_in_spanish(name: str, changes: dict[str, object], field: str,
                                                      words: str) -> None:
    event = replace(GOOD[name], **changes)  # type: ignore[type-var]
    reason = rules.problem(event)
    assert reason is not None and f"el campo {field}" in reason and words in reason, reason
    with pytest.raises(rules.RuleBroken, match=r"^No se registró (el|la|los) "):
        rules.check(event)


def _manual(**changes: object) -> purchases.PurchaseReceived:
    line = purchases.PurchaseLine(1, "", None, "Leche", Decimal(12), "UN", 850, 10200, 10200, False, "LEC-1",
                                  "manual", expiry="2027-01-31")
    event = purchases.PurchaseReceived("p-1", purchases.Supplier("76235291-5", "Ñuble", "Mayorista"), 52, 1234,
                                       "2026-12-01", "centro", (line,), 10200, 0, 1938, 12138, "", True)
    return replace(event, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("tipo", sorted(purchases.MANUAL_TIPOS))
def test_a_document_typed_in_by_hand_is_a_purchase_without_xml(tipo: int) -> None:
    assert rules.problem(_manual(tipo=tipo)) is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"tipo": 39, "digest": "ab" * 32}, "tipo"),  # with its XML only the SII's electronic purchase documents
    ({"tipo": 801}, "tipo"),
    ({"tipo": 33, "document_xml": "<DTE/>"}, "digest"),
    ({"lines": (replace(_manual().lines[0], expiry="31-01-2027"),)}, "lines[0].expiry"),
])
def test_a_manual_purchase_is_refused_when_it_is_not_one(changes: dict[str, object], field: str) -> None:
    reason = rules.problem(_manual(**changes))
    assert reason is not None and f"el campo {field}" in reason, reason


def test_an_hq_product_change_names_its_change_id_who_and_when_or_nothing() -> None:
    from shared.events import catalog

    leche = catalog.ProductUpserted("LEC-1", "Leche", 1150, "Lácteos", "unit", (), None, "Colun", False, False,
                                    source="hq", change_id=57, changed_by="pepe@donpepe.cl",
                                    changed_at="2026-12-07T13:31:00+00:00")
    assert rules.problem(leche) is None
    assert rules.problem(replace(leche, change_id=0, changed_by="", changed_at="")) is None
    assert "changed_at" in (rules.problem(replace(leche, changed_at="ayer")) or "")
    assert "change_id" in (rules.problem(replace(leche, change_id=-1)) or "")


def _fiado_sale(**changes: object) -> sales.SaleCompleted:
    """The reference sale, $1.500 of it put on customer C-1's account and $500 in cash."""
    sale = _sale(tenders=(sales.TenderTaken("fiado", 1500, 1500), sales.TenderTaken("cash", 500, 500)), change=0,
                 customer_id="C-1", fiado=fiado.FiadoCharge(1500, 3000, 50_000))
    return replace(sale, **changes)  # type: ignore[arg-type]


def test_a_sale_on_fiado_keeps_the_rules_alone_or_mixed() -> None:
    assert rules.problem(_fiado_sale()) is None
    alone = _fiado_sale(tenders=(sales.TenderTaken("fiado", 2000, 2000),),
                        fiado=fiado.FiadoCharge(2000, 0, 2000, "sup-1"))
    assert rules.problem(alone) is None
    assert rules.problem(_sale(customer_id="C-1")) is None  # a customer attached, paid in cash


@pytest.mark.parametrize(("changes", "words"), [
    ({"customer_id": ""}, "customer_id falta"),
    ({"fiado": None}, "el campo fiado falta"),
    ({"fiado": fiado.FiadoCharge(1400, 3000, 50_000)}, "fiado.amount (1400) debe ser la suma de los pagos fiado"),
    ({"fiado": fiado.FiadoCharge(1500, 3000, -1)}, "fiado.credit_limit"),
    ({"tenders": (sales.TenderTaken("cash", 2000, 2000),)}, "el campo fiado sobra"),
    ({"tenders": (sales.TenderTaken("fiado", 2500, 2500),)}, "no pagan el total"),
    ({"tenders": (sales.TenderTaken("fiado", 1500, 1000), sales.TenderTaken("cash", 500, 500))}, "received"),
    ({"fiado": "1500"}, "no es un cargo de fiado"),
])
def test_a_wrong_sale_on_fiado_is_refused_in_spanish(changes: dict[str, object], words: str) -> None:
    reason = rules.problem(_fiado_sale(**changes))
    assert reason is not None and words in reason


def _fiado_return(**changes: object) -> returns.ReturnCompleted:
    line = returns.LineReturned(1, "COCA-15", "Coca-Cola 1,5 L", 1000, Decimal(2), "unit", False, 2000)
    event = returns.ReturnCompleted("D-1", "0192d6c8-0000-7000-8000-000000000001", "t-1", "u-ana", "u-sup", "vencido",
                                    (line,), 2000, 1681, 319, 0, (sales.TenderTaken("fiado", 2000, 2000),), 39, 12,
                                    True, customer_id="C-1")
    return replace(event, **changes)  # type: ignore[arg-type]


def test_a_fiado_refund_needs_the_sales_customer() -> None:
    assert rules.problem(_fiado_return()) is None
    reason = rules.problem(_fiado_return(customer_id=""))
    assert reason is not None and "customer_id falta" in reason


def test_a_return_of_a_mixed_fiado_sale_credits_the_account_first_then_refunds_the_rest() -> None:
    split = (sales.TenderTaken("fiado", 1500, 1500), sales.TenderTaken("cash", 500, 500))
    assert rules.problem(_fiado_return(refunds=split)) is None
    rounded = (sales.TenderTaken("fiado", 1496, 1496), sales.TenderTaken("cash", 500, 500))  # 504 in cash -> 500
    assert rules.problem(_fiado_return(refunds=rounded)) is None
    for refunds, words in (
            ((sales.TenderTaken("cash", 500, 500), sales.TenderTaken("fiado", 1500, 1500)), "la primera abona"),
            ((sales.TenderTaken("fiado", 1000, 1000), sales.TenderTaken("fiado", 1000, 1000)), "la primera abona"),
            ((sales.TenderTaken("fiado", 2000, 2000), sales.TenderTaken("cash", 0, 0)), "menos que el total"),
            ((sales.TenderTaken("fiado", 1500, 1500), sales.TenderTaken("debit", 400, 400)), "refunds[1] (400)"),
            ((sales.TenderTaken("fiado", 1500, 1500), sales.TenderTaken("cash", 500, 500),
              sales.TenderTaken("debit", 0, 0)), "refunds")):
        reason = rules.problem(_fiado_return(refunds=refunds))
        assert reason is not None and words in reason, (refunds, reason)
    reason = rules.problem(_fiado_return(refunds=split, customer_id=""))
    assert reason is not None and "customer_id falta" in reason


def test_a_shift_close_counts_no_fiado() -> None:
    closed = shifts.ShiftClosed("t-1", "u-ana", (shifts.TenderCount("fiado", 0),), ())
    reason = rules.problem(closed)
    assert reason is not None and "counted[0].kind" in reason


def test_a_forwarded_entry_has_a_real_time() -> None:
    entry = fiado.FiadoEntryReceived("E-1", "C-1", "cargo", 1500, "S-1", "T-1", "Boleta N° 12", "V-1",
                                     "2026-12-01T12:00:00.000000+00:00", counter_account="ventas_fiado")
    assert rules.problem(entry) is None
    reason = rules.problem(replace(entry, at="ayer"))
    assert reason is not None and "ISO 8601" in reason


_ROSA = "0193a0b0-0000-7000-8000-000000000001"


def test_the_masters_flags_on_a_customer_are_texts_and_nothing_else() -> None:
    flagged = fiado.CustomerReceived(_ROSA, "Rosa Pérez", "", "", "", "", True, 50_000,
                                     flags=("Saldo de $62.300 sobre el límite de $50.000: cargos desde 2 cajas.",))
    assert rules.problem(flagged) is None
    for bad in (("",), ("x" * (rules.FLAG_MAX + 1),), (7,), ["una lista"]):
        reason = rules.problem(replace(flagged, flags=bad))
        assert reason is not None and "el campo flags" in reason, bad


def test_the_store_settings_forwarded_by_the_master_keep_the_settings_rules() -> None:
    assert rules.problem(fiado.FiadoSettingsReceived(20_000, "credit", "marta", "2026-12-01T15:04:05Z")) is None
    assert rules.problem(fiado.FiadoSettingsReceived(0, "refuse", "")) is None  # who set them may be unknown
    assert "overpayment" in str(rules.problem(fiado.FiadoSettingsReceived(0, "regalar", "marta")))
    assert "offline_allowance" in str(rules.problem(fiado.FiadoSettingsReceived(-1, "credit", "marta")))


def test_an_answer_to_a_supplier_forwarded_by_the_master_is_checked() -> None:
    answer = purchases.SupplierAnswerReceived("96542180-7", 33, 4711, "2026-12-01", ("ACD",), "ACD", "OK",
                                              "pepe@donpepe.cl", "2026-12-02T10:00:00+00:00")
    assert rules.problem(answer) is None
    assert rules.problem(replace(answer, received="", taken=(), action="RCD")) is None  # refused, not asked yet
    for field, bad, says in (("tipo", 61, "tipo"), ("received", "ayer", "received"), ("taken", ("XYZ",), "taken"),
                             ("action", "ZZZ", "action"), ("supplier_rut", "1-2", "supplier_rut"),
                             ("answered_at", "hoy", "answered_at"), ("message", "x" * 501, "message")):
        reason = rules.problem(replace(answer, **{field: bad}))
        assert reason is not None and says in reason, (field, reason)
