"""shared.events.codec and registry: every event round-trips, Decimals stay exact, old versions upcast."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from shared import errors
from shared.catalog import Product, SoldBy
from shared.events import (
    auth,
    catalog,
    codec,
    customers,
    emisor,
    fiado,
    folios,
    inventory,
    purchases,
    registry,
    returns,
    sales,
    shifts,
    stores,
    till,
)
from shared.events.envelope import canonical_bytes
from shared.sale import Sale, TenderKind

LINE = sales.LineSold(
    line_id=1,
    sku="FIA-010",
    name="Queso gauda",
    unit_price=1990,
    quantity=Decimal("0.512"),
    sold_by="kg",
    iva_exempt=False,
    discount=0,
    amount=1019,
    code="2001234005125",
)

SAMPLES: dict[type[Any], Any] = {
    sales.SaleCompleted: sales.SaleCompleted(
        sale_id="V-1",
        number=1,
        shift_id="SH-1",
        cashier_id="cajera-1",
        lines=(LINE, sales.LineSold(2, "BEB-001", "Agua", 1000, Decimal(2), "unit", False, 100, 1900)),
        discount=0,
        total=2919,
        affected=2919,
        exento=0,
        neto=2453,
        iva=466,
        tenders=(sales.TenderTaken("debit", 1000, 1000), sales.TenderTaken("cash", 5000, 1920)),
        rounding=1,
        change=3080,
    ),
    shifts.ShiftOpened: shifts.ShiftOpened("SH-1", 3, "cajera-1", 20_000),
    shifts.CashMoved: shifts.CashMoved("SH-1", "out", 8000, "retiro", "sup-1"),
    shifts.ShiftClosed: shifts.ShiftClosed(
        "SH-1",
        "sup-1",
        counted=(shifts.TenderCount("cash", 26_000), shifts.TenderCount("debit", 0)),
        expected=(shifts.TenderCount("cash", 25_990), shifts.TenderCount("debit", 0)),
    ),
    auth.UserEnrolled: auth.UserEnrolled(
        "u-1", "María José", "cashier", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", active=False
    ),
    auth.Authorised: auth.Authorised(
        "void_line",
        "sup-1",
        "cajera-1",
        "cliente se arrepintió",
        sale_id="V-1",
        detail="BEB-001 Agua x 1 = $1.000",
        shift_id="SH-1",
    ),
    auth.PinRejected: auth.PinRejected("u-1", 5, locked_until="2025-03-01T10:15:00-03:00"),
    auth.DrawerOpened: auth.DrawerOpened("u-1", "sup-1", "cambio de sencillo"),
    auth.SignedIn: auth.SignedIn("u-1"),
    catalog.ProductUpserted: catalog.ProductUpserted(
        sku="FIA-010",
        name="Queso gauda",
        price=8990,
        category="fiambrería",
        sold_by="kg",
        barcodes=(),
        plu="1234",
        brand="Colún",
        iva_exempt=False,
        favourite=True,
        active=True,
    ),
    catalog.StockAdjusted: catalog.StockAdjusted("FIA-010", Decimal("-1.250"), "merma"),
    catalog.CategoriesOrdered: catalog.CategoriesOrdered(("Panadería", "Lácteos", "Ñandú y más")),
    folios.FolioLeaseReceived: folios.FolioLeaseReceived(39, 101, 150, "<AUTORIZACION>DISEÑO</AUTORIZACION>"),
    folios.FolioLeasesRetired: folios.FolioLeasesRetired(2),
    returns.ReturnCompleted: returns.ReturnCompleted(
        "r-1", "s-1", "sh-1", "ana", "marta", "vencido",
        (returns.LineReturned(1, "PAN-1", "Pan Batido", 1990, Decimal("0.512"), "kg", False, 1019),),
        1019, 856, 163, 0, (sales.TenderTaken("cash", 1020, 1020),), 39, 7, False,
        sales.DocumentStamped(61, 3, "<TED/>", "2026-11-20T10:00:00")),
    customers.CustomerSaved: customers.CustomerSaved(
        "76123456-0", "Ferretería El Ñandú SpA", "Ferretería", "Av. Matta 1020", "Santiago"),
    purchases.PurchaseReceived: purchases.PurchaseReceived(
        "p-1", purchases.Supplier("76235291-5", "Distribuidora Ñuble Ltda.", "Mayorista"), 33, 13, "2025-07-03",
        "demo-store",
        (purchases.PurchaseLine(1, "INT-7", "7801234567894", "Leche", Decimal("24.000"), "UN", 850, 20400, 20400,
                                False, "LEC-1", "ean"),
         purchases.PurchaseLine(2, "", None, "Queso", Decimal("2.750"), "KG", 5200, 14300, 14300, False, None)),
        34700, 0, 6593, 41293, "ab" * 32, True,
        references=(purchases.DocumentReference("801", "OC-55", "2025-07-01", None, "orden de compra"),),
        registered_by="marta", document_xml="<DTE>DISEÑO</DTE>"),
    till.LineRemoved: till.LineRemoved("V-1", 2, "PAN-001", "Pan Batido", Decimal("0.512"), 1019, "cajera-1",
                                       "T-1", "Cliente desiste", "sup-1"),
    emisor.EmisorReceived: emisor.EmisorReceived("76235291-5", "Almacenes Ñandú SpA", "Almacén", "Av. Providencia 1234",
                                                 "Providencia", "Santiago", (471100, 561000), 81234567, "2024-03-15",
                                                 80, "SANTIAGO ORIENTE"),
    emisor.CardModelReceived: emisor.CardModelReceived("voucher", "duena@almacen.cl", "2026-12-07T09:30:00+00:00"),
    stores.StoreReceived: stores.StoreReceived("centro", "Almacén Ñuñoa", "Irarrázaval 3456", "Ñuñoa", "Santiago",
                                               81234999, True),
    inventory.TransferSent: inventory.TransferSent(
        "tr-1", "centro-bodega", "norte", "norte",
        (inventory.TransferLine("LEC-1", "Leche Ñuble 1 L", Decimal(12), 850),
         inventory.TransferLine("FIA-010", "Queso gauda", Decimal("2.250"), 5200)), "marta", note="reposición"),
    inventory.TransferIncoming: inventory.TransferIncoming(
        "tr-1", "centro", "centro-bodega", "norte",
        (inventory.TransferLine("LEC-1", "Leche Ñuble 1 L", Decimal(12), 850),), "marta",
        "2026-12-07T10:15:00-03:00"),
    inventory.TransferReceived: inventory.TransferReceived(
        "tr-1", "centro", "norte", (inventory.ReceivedLine("LEC-1", "Leche Ñuble 1 L", Decimal(12), Decimal(11), 850),),
        "pedro", note="una caja rota"),
    inventory.CountStarted: inventory.CountStarted("c-1", "centro", "lácteos", "marta"),
    inventory.CountPosted: inventory.CountPosted(
        "c-1", "centro", (inventory.CountLine("LEC-1", "Leche", Decimal("-2"), Decimal(10)),
                          inventory.CountLine("FIA-010", "Queso gauda", Decimal("1.250"), Decimal("1.100"))),
        "toma mensual", "pedro", "marta"),
    inventory.MermaRecorded: inventory.MermaRecorded("m-1", "centro", "FIA-010", "Queso gauda", Decimal("0.350"),
                                                     "vencimiento", 5200, "pedro", "marta", "hongos"),
    inventory.SupplierReturned: inventory.SupplierReturned(
        "sr-1", "76235291-5", "centro-bodega", (inventory.SupplierReturnLine("LEC-1", "Leche", Decimal(6), 850),),
        "vencida", "marta", "p-1", "Guía 52 N° 1234"),
    inventory.SupplierSaved: inventory.SupplierSaved("76235291-5", "Distribuidora Ñuble Ltda.", "Mayorista",
                                                     "Don Raúl", "+56 9 1234 5678", "ventas@nuble.cl", True, "marta"),
    inventory.StoreProductSet: inventory.StoreProductSet("LEC-1", 990, Decimal(6), "Pasillo 3, repisa 2", True,
                                                         "marta", 950, 42),
    inventory.InventorySettingsReceived: inventory.InventorySettingsReceived("fifo", True, 15000),
    fiado.CustomerProfileSaved: fiado.CustomerProfileSaved(
        "0193a0b0-0000-7000-8000-000000000001", "Rosa Pérez", "12345678-5", "+56 9 8765 4321", "Los Aromos 12",
        "Paga los viernes", "marta"),
    fiado.FiadoAccountSet: fiado.FiadoAccountSet("0193a0b0-0000-7000-8000-000000000001", True, 50000, "marta"),
    fiado.FiadoPaid: fiado.FiadoPaid("P-1", "0193a0b0-0000-7000-8000-000000000001", "SH-1", "cajera-1", "cash",
                                     12000, 20000, 15500),
    fiado.FiadoPaymentReversed: fiado.FiadoPaymentReversed("R-1", "P-1", "0193a0b0-0000-7000-8000-000000000001",
                                                           "SH-1", "super-1", "Abono mal digitado", "cash", 12000),
    fiado.FiadoSettingsSet: fiado.FiadoSettingsSet(20000, "credit", "marta"),
    fiado.CustomerReceived: fiado.CustomerReceived(
        "0193a0b0-0000-7000-8000-000000000001", "Rosa Pérez", "12345678-5", "", "", "", True, 50000,
        ("0193a0b0-0000-7000-8000-000000000009",),
        flags=("Saldo de $62.300 sobre el límite de $50.000: cargos desde 2 cajas que no se conocían entre sí.",)),
    fiado.FiadoSettingsReceived: fiado.FiadoSettingsReceived(20000, "credit", "marta", "2026-12-01T15:04:05.000000Z"),
    purchases.SupplierAnswerReceived: purchases.SupplierAnswerReceived(
        "96542180-7", 33, 4711, "2026-12-01", ("ERM", "ACD"), "ACD", "Acción completada OK", "pepe@donpepe.cl",
        "2026-12-02T10:00:00+00:00"),
    fiado.FiadoEntryReceived: fiado.FiadoEntryReceived(
        "0193a0b0-0000-7000-8000-0000000000aa", "0193a0b0-0000-7000-8000-000000000001", "cargo", 4990, "S2", "T9",
        "Boleta N° 77 · Local Norte", "V-77", "2026-12-01T15:04:05.000000Z"),
}

EXTRA_SAMPLES = [
    dataclasses.replace(SAMPLES[sales.SaleCompleted], customer_id="0193a0b0-0000-7000-8000-000000000001",
                        tenders=(sales.TenderTaken("fiado", 2919, 2919),),
                        fiado=fiado.FiadoCharge(2919, 15500, 50000, "super-1")),
    inventory.StoreProductSet("LEC-1", None, None, "", False, "marta"),
    inventory.InventorySettingsReceived(),
    catalog.ProductUpserted(
        "BEB-001",
        "Agua",
        1000,
        "bebidas",
        "unit",
        ("7801610001196", "96385074"),
        None,
        "",
        True,
        False,
        active=False,
    ),
    auth.PinRejected("u-1", 1),
    auth.Authorised("discount", "sup-1", "cajera-1", "cliente frecuente"),
    sales.SaleCompleted("V-2", 2, "SH-1", "cajera-1", (), 0, 0, 0, 0, 0, 0, (), 0, 0),
    sales.SaleCompleted("V-3", 3, "SH-1", "cajera-1", (LINE,), 0, 1019, 1019, 0, 856, 163,
                        (sales.TenderTaken("debit", 1019, 1019),), 0, 0,
                        sales.DocumentStamped(33, 1, "<TED/>", "2026-11-20T10:00:00"),
                        sales.CustomerData("76123456-0", "Ferretería El Ñandú SpA", "Ferretería",
                                           "Av. Matta 1020", "Santiago")),
]


@pytest.fixture
def codec_() -> codec.Codec:
    return registry.build_codec()


def test_every_registered_class_has_a_sample() -> None:
    assert set(SAMPLES) == set(registry.EVENT_CLASSES)
    types = [cls.TYPE for cls in registry.EVENT_CLASSES]
    assert len(types) == len(set(types))
    # every version above 1 has its upcasters, step by step, in the production registry
    for cls in registry.EVENT_CLASSES:
        assert all((cls.TYPE, v) in registry.UPCASTERS for v in range(1, cls.VERSION)), cls.TYPE


@pytest.mark.parametrize("event", [*SAMPLES.values(), *EXTRA_SAMPLES], ids=lambda e: type(e).__name__)
def test_encode_decode_round_trip_through_json(codec_: codec.Codec, event: Any) -> None:
    type_, version, payload = codec_.encode(event)
    assert (type_, version) == (type(event).TYPE, type(event).VERSION)
    stored = json.loads(json.dumps(payload))  # what the journal and the server keep
    canonical_bytes(stored)  # hashable by the chain: plain JSON data only
    assert codec_.decode(type_, version, stored) == event


def test_decimal_quantities_stay_exact(codec_: codec.Codec) -> None:
    _t, _v, payload = codec_.encode(SAMPLES[sales.SaleCompleted])
    assert payload["lines"][0]["quantity"] == "0.512"
    assert payload["lines"][1]["quantity"] == "2"
    decoded = codec_.decode("sale.completed", 1, json.loads(json.dumps(payload)))
    qty = decoded.lines[0].quantity
    assert isinstance(qty, Decimal)
    assert qty == Decimal("0.512") and str(qty) == "0.512"
    assert qty * 1990 == Decimal("1018.880")
    _t, _v, stock = codec_.encode(SAMPLES[catalog.StockAdjusted])
    assert stock == {"sku": "FIA-010", "delta": "-1.250", "reason": "merma"}
    assert str(codec_.decode("stock.adjusted", 1, stock).delta) == "-1.250"


def test_payload_shape_is_plain_json(codec_: codec.Codec) -> None:
    _t, _v, payload = codec_.encode(SAMPLES[shifts.ShiftClosed])
    assert payload == {
        "shift_id": "SH-1",
        "closed_by": "sup-1",
        "counted": [{"kind": "cash", "amount": 26_000}, {"kind": "debit", "amount": 0}],
        "expected": [{"kind": "cash", "amount": 25_990}, {"kind": "debit", "amount": 0}],
    }


@pytest.mark.parametrize(
    ("type_", "version"),
    [("sale.voided", 1), ("", 1), ("sale.completed", 4), ("sale.completed", 0), ("shift.opened", -1)],
)
def test_unknown_type_or_version_is_refused(codec_: codec.Codec, type_: str, version: int) -> None:
    _t, _v, payload = codec_.encode(SAMPLES[sales.SaleCompleted])
    with pytest.raises(errors.UnknownEventType) as info:
        codec_.decode(type_, version, payload)
    assert (info.value.type, info.value.version) == (type_, version)


def test_encoding_an_unregistered_class_is_refused(codec_: codec.Codec) -> None:
    @dataclasses.dataclass(frozen=True)
    class Impostor:  # same TYPE as a registered event, but not that class
        TYPE: ClassVar[str] = "shift.opened"
        VERSION: ClassVar[int] = 1
        shift_id: str

    with pytest.raises(errors.UnknownEventType) as info:
        codec_.encode(Impostor("SH-1"))
    assert info.value.type == "shift.opened"
    only_sales = codec.Codec([sales.SaleCompleted])
    with pytest.raises(errors.UnknownEventType):
        only_sales.encode(SAMPLES[auth.SignedIn])


@pytest.mark.parametrize("value", [LINE, object(), {"type": "shift.opened"}])
def test_encoding_something_that_is_not_an_event_is_refused(codec_: codec.Codec, value: Any) -> None:
    # used to escape as AttributeError (no TYPE attribute)
    with pytest.raises(errors.UnknownEventType):
        codec_.encode(value)


def test_registering_a_type_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        codec.Codec([shifts.ShiftOpened, shifts.ShiftOpened])


def payload_of(event: Any) -> dict[str, Any]:
    return registry.build_codec().encode(event)[2]


SALE_PAYLOAD = payload_of(SAMPLES[sales.SaleCompleted])


@pytest.mark.parametrize(
    ("cls", "payload"),
    [
        (
            shifts.ShiftOpened,
            {k: v for k, v in payload_of(SAMPLES[shifts.ShiftOpened]).items() if k != "opening_float"},
        ),
        (shifts.ShiftOpened, {**payload_of(SAMPLES[shifts.ShiftOpened]), "opening_float": "20000"}),
        (shifts.ShiftOpened, {**payload_of(SAMPLES[shifts.ShiftOpened]), "number": None}),
        (auth.UserEnrolled, {**payload_of(SAMPLES[auth.UserEnrolled]), "active": 1}),
        (catalog.ProductUpserted, {**payload_of(SAMPLES[catalog.ProductUpserted]), "plu": 1234}),
        (catalog.ProductUpserted, {**payload_of(SAMPLES[catalog.ProductUpserted]), "barcodes": 7}),
        # "mucho" used to escape as decimal.InvalidOperation
        (catalog.StockAdjusted, {**payload_of(SAMPLES[catalog.StockAdjusted]), "delta": "mucho"}),
        (catalog.StockAdjusted, {**payload_of(SAMPLES[catalog.StockAdjusted]), "delta": None}),
        (
            sales.SaleCompleted,
            {**SALE_PAYLOAD, "lines": [{k: v for k, v in SALE_PAYLOAD["lines"][0].items() if k != "sku"}]},
        ),
        (sales.SaleCompleted, {**SALE_PAYLOAD, "tenders": [["cash", 1, 1]]}),
        (auth.SignedIn, {}),
        (auth.SignedIn, {"user_id": None}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_a_payload_that_does_not_fit_raises_event_error(
    codec_: codec.Codec, cls: type[Any], payload: dict[str, Any]
) -> None:
    with pytest.raises(errors.EventError) as info:
        codec_.decode(cls.TYPE, cls.VERSION, payload)
    assert type(info.value) is errors.EventError  # not UnknownEventType, nor a raw KeyError/TypeError


def test_missing_field_names_the_class(codec_: codec.Codec) -> None:
    with pytest.raises(errors.EventError, match=r"ShiftOpened.*opening_float"):
        codec_.decode("shift.opened", 1, {"shift_id": "SH-1", "number": 1, "cashier_id": "c"})


def test_optional_fields_missing_from_an_old_payload_take_their_defaults(codec_: codec.Codec) -> None:
    event = codec_.decode(
        "auth.authorised", 1, {"action": "void_line", "supervisor_id": "s", "cashier_id": "c", "reason": "r"}
    )
    assert event == auth.Authorised("void_line", "s", "c", "r", sale_id="", detail="", shift_id="")
    line = codec_.decode(
        "sale.completed",
        1,
        {
            **payload_of(SAMPLES[sales.SaleCompleted]),
            "lines": [{k: v for k, v in payload_of(SAMPLES[sales.SaleCompleted])["lines"][0].items() if k != "code"}],
        },
    ).lines[0]
    assert line.code == ""


# --- upcasting ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class PriceChanged:
    """A made-up event at v3: v1 had ``precio`` and no currency; v2 renamed it and added ``currency``."""

    TYPE: ClassVar[str] = "test.price_changed"
    VERSION: ClassVar[int] = 3

    sku: str
    price: int
    currency: str
    tags: dict[str, int] = dataclasses.field(default_factory=dict)  # v3: optional, absent from older payloads


def v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in payload.items() if k != "precio"}
    return {**data, "price": payload["precio"], "currency": "CLP"}


def v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
    return payload  # v3 only added an optional field


def upcasting_codec() -> codec.Codec:
    return codec.Codec([PriceChanged], {("test.price_changed", 1): v1_to_v2, ("test.price_changed", 2): v2_to_v3})


def test_a_stored_v1_payload_decodes_as_the_current_version() -> None:
    stored = {"sku": "BEB-001", "precio": 990}
    event = upcasting_codec().decode("test.price_changed", 1, stored)
    assert event == PriceChanged(sku="BEB-001", price=990, currency="CLP", tags={})
    assert stored == {"sku": "BEB-001", "precio": 990}  # the journaled payload is not modified


def test_a_v2_payload_skips_the_first_upcaster() -> None:
    event = upcasting_codec().decode("test.price_changed", 2, {"sku": "X", "price": 5, "currency": "USD"})
    assert event == PriceChanged("X", 5, "USD")


def test_current_version_round_trips_with_a_default_factory_field() -> None:
    c = upcasting_codec()
    event = PriceChanged("X", 5, "CLP", {"promo": 2})
    assert c.encode(event) == (
        "test.price_changed",
        3,
        {"sku": "X", "price": 5, "currency": "CLP", "tags": {"promo": 2}},
    )
    assert c.decode(*c.encode(event)) == event


def test_a_missing_upcaster_is_an_unknown_version() -> None:
    c = codec.Codec([PriceChanged], {("test.price_changed", 1): v1_to_v2})
    with pytest.raises(errors.UnknownEventType) as info:
        c.decode("test.price_changed", 1, {"sku": "X", "precio": 5})
    assert (info.value.type, info.value.version) == ("test.price_changed", 2)


def test_the_production_registry_upcasts_only_what_changed() -> None:
    # purchase v2 added package_factor, v3 the lines' expiry; sale v2 the lines' cost; product v2 HQ's change id,
    # who and when; customer received v2 the master's flags
    assert set(registry.UPCASTERS) == {("purchase.received", 1), ("purchase.received", 2), ("sale.completed", 1),
                                       ("catalog.product_upserted", 1), ("sale.completed", 2), ("sale.returned", 1),
                                       ("customer.received", 1)}
    assert registry.build_codec().upcasters == registry.UPCASTERS


def test_a_product_v1_reads_as_v2_with_no_hq_change_known() -> None:
    c = registry.build_codec()
    v1 = {"sku": "LEC-1", "name": "Leche", "price": 1150, "category": "Lácteos", "sold_by": "unit",
          "barcodes": ["7801234567894"], "plu": None, "brand": "Colun", "iva_exempt": False, "favourite": False,
          "active": True, "source": "hq"}
    event = c.decode("catalog.product_upserted", 1, v1)
    assert (event.change_id, event.changed_by, event.changed_at, event.price) == (0, "", "", 1150)
    assert c.encode(event)[1] == 2


def test_a_customer_received_v1_reads_as_v2_with_no_flags() -> None:
    c = registry.build_codec()
    v1 = {"customer_id": "0193a0b0-0000-7000-8000-000000000001", "name": "Rosa Pérez", "rut": "12345678-5",
          "phone": "", "address": "", "notes": "", "fiado_enabled": True, "credit_limit": 50000,
          "aliases": ["0193a0b0-0000-7000-8000-000000000009"], "active": True}
    event = c.decode("customer.received", 1, v1)
    assert (event.flags, event.credit_limit, event.aliases) == ((), 50000, ("0193a0b0-0000-7000-8000-000000000009",))
    assert c.encode(event)[1] == 2


# --- to_payload / from_payload on other values ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Snapshot:
    when: datetime
    kind: TenderKind
    counts: dict[str, Decimal]
    maybe: int | None = None
    names: list[str] = dataclasses.field(default_factory=list)


def test_enum_datetime_dict_and_optional_round_trip() -> None:
    when = datetime(2025, 3, 1, 10, 15, tzinfo=timezone(timedelta(hours=-3)))
    snap = Snapshot(when, TenderKind.DEBIT, {"FIA-010": Decimal("0.512")}, 4, ["a", "b"])
    payload = codec.to_payload(snap)
    assert payload == {
        "when": "2025-03-01T10:15:00-03:00",
        "kind": "debit",
        "counts": {"FIA-010": "0.512"},
        "maybe": 4,
        "names": ["a", "b"],
    }
    assert codec.from_payload(Snapshot, json.loads(json.dumps(payload))) == snap
    assert codec.from_payload(Snapshot, {**payload, "maybe": None}).maybe is None
    bare = codec.from_payload(Snapshot, {k: v for k, v in payload.items() if k not in ("maybe", "names")})
    assert (bare.maybe, bare.names) == (None, [])


@pytest.mark.parametrize(
    ("key", "value"), [("kind", "cheque"), ("when", "ayer"), ("counts", {"x": "1,5"}), ("maybe", "4")]
)
def test_from_payload_bad_values_raise_event_error(key: str, value: Any) -> None:
    payload = codec.to_payload(Snapshot(datetime(2025, 1, 1, tzinfo=UTC), TenderKind.CASH, {}))
    with pytest.raises(errors.EventError):
        codec.from_payload(Snapshot, {**payload, key: value})


def test_a_cart_survives_the_draft_round_trip() -> None:
    # desktop keeps the cart across crashes as to_payload(sale) and reads it back with from_payload(Sale, ...)
    queso = Product("FIA-010", "Queso gauda", 1990, "fiambrería", sold_by=SoldBy.KG, plu="1234")
    agua = Product("BEB-001", "Agua", 1000, "bebidas", iva_exempt=True)
    sale = Sale("V-9").add(queso, Decimal("0.512")).add(agua, Decimal(3)).discount_line(2, 100).discount_sale(50)
    stored = json.loads(json.dumps(codec.to_payload(sale)))
    back = codec.from_payload(Sale, stored)
    assert back == sale
    assert back.lines[0].sold_by is SoldBy.KG
    assert back.totals() == sale.totals()


def test_to_payload_leaves_other_values_alone() -> None:
    assert codec.to_payload(Snapshot) is Snapshot  # a dataclass *class* is not an instance to flatten
    assert codec.to_payload(None) is None
    assert codec.to_payload([Decimal("1.5"), (TenderKind.CASH,)]) == ["1.5", ["cash"]]
    assert codec.to_payload({1: True}) == {"1": True}


def test_from_payload_with_loose_hints() -> None:
    assert codec.from_payload(Any, {"x": [1]}) == {"x": [1]}  # not a type: passed through
    assert codec.from_payload(int | str, 5) == 5
    with pytest.raises(errors.EventError, match="se esperaba int, llegó NoneType"):
        codec.from_payload(int | str, None)  # None is only accepted for an Optional


def test_a_sale_stored_before_line_costs_existed_decodes_without_cost(codec_: codec.Codec) -> None:
    sale = dataclasses.replace(SAMPLES[sales.SaleCompleted],
                               lines=(dataclasses.replace(LINE, cost=512), *SAMPLES[sales.SaleCompleted].lines[1:]))
    type_, version, payload = codec_.encode(sale)
    assert version == 3 and payload["lines"][0]["cost"] == 512 and payload["lines"][1]["cost"] is None
    assert codec_.decode(type_, version, json.loads(json.dumps(payload))) == sale
    old = dict(payload, lines=[{k: v for k, v in x.items() if k != "cost"} for x in payload["lines"]])
    assert [x.cost for x in codec_.decode(type_, 1, old).lines] == [None, None]
