"""shared.catalog: product validation, quantities per kind of product and the shelf price label."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared import errors
from shared.catalog import Product, SoldBy


def unit_product(**overrides: object) -> Product:
    fields: dict[str, object] = {
        "sku": "BEB-001",
        "name": "Coca-Cola 1,5 L",
        "price": 1990,
        "category": "bebidas",
        "barcodes": ("7801610001196",),
    }
    fields.update(overrides)
    return Product(**fields)  # type: ignore[arg-type]


def kg_product(**overrides: object) -> Product:
    fields: dict[str, object] = {
        "sku": "FIA-010",
        "name": "Queso gauda",
        "price": 8990,
        "category": "fiambrería",
        "sold_by": SoldBy.KG,
        "plu": "1234",
    }
    fields.update(overrides)
    return Product(**fields)  # type: ignore[arg-type]


def test_valid_products_keep_their_fields_and_defaults() -> None:
    p = unit_product(barcodes=("7801610001196", "96385074", "036000291452"))
    assert p.barcodes == ("7801610001196", "96385074", "036000291452")
    assert p.sold_by is SoldBy.UNIT
    assert not p.weighed
    assert (p.plu, p.brand, p.iva_exempt, p.favourite, p.active) == (None, "", False, False, True)
    assert kg_product().weighed
    assert unit_product(price=0).price == 0  # a free item (e.g. a bag) is allowed


@pytest.mark.parametrize("sku", ["", "   "])
def test_empty_sku_is_rejected(sku: str) -> None:
    with pytest.raises(errors.InvalidInput, match="un producto necesita SKU"):
        unit_product(sku=sku)


@pytest.mark.parametrize("name", ["", " \t"])
def test_empty_name_is_rejected(name: str) -> None:
    with pytest.raises(errors.InvalidInput, match="el producto BEB-001 necesita nombre"):
        unit_product(name=name)


def test_negative_price_is_rejected() -> None:
    with pytest.raises(errors.InvalidAmount) as info:
        unit_product(price=-1)
    assert info.value.value == -1
    assert info.value.reason == "precio negativo en BEB-001"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("7801610001197", "dígito verificador incorrecto"),
        ("780161000119", "dígito verificador incorrecto"),
        ("ABC", "contiene caracteres que no son dígitos"),
        ("1234567", "largo 7: se esperan 8, 12 o 13 dígitos"),
    ],
)
def test_bad_barcode_is_rejected(code: str, reason: str) -> None:
    with pytest.raises(errors.InvalidBarcode) as info:
        unit_product(barcodes=("7801610001196", code))
    assert info.value.code == code
    assert info.value.reason == reason


@pytest.mark.parametrize("plu", ["", "12a", "-1", "1.5", "²³", " 12"])
def test_non_numeric_plu_is_rejected(plu: str) -> None:
    with pytest.raises(errors.InvalidInput, match="debe ser numérico"):
        kg_product(plu=plu)


def test_numeric_plu_is_accepted() -> None:
    assert kg_product(plu="00042").plu == "00042"


@pytest.mark.parametrize(("text", "qty"), [("3", Decimal(3)), (2, Decimal(2)), (Decimal("1"), Decimal(1))])
def test_unit_goods_take_whole_units(text: str | int | Decimal, qty: Decimal) -> None:
    assert unit_product().parse_quantity(text) == qty


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0,5", "no es una cantidad válida"),
        ("0.5", "la cantidad debe ser un número entero"),
        (Decimal("0.512"), "la cantidad debe ser un número entero"),
        ("0", "la cantidad debe ser mayor que cero"),
        ("10000", "cantidad fuera de rango"),
    ],
)
def test_unit_goods_refuse_fractions_and_nonsense(text: str | Decimal, reason: str) -> None:
    with pytest.raises(errors.InvalidQuantity) as info:
        unit_product().parse_quantity(text)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("text", "qty"),
    [
        ("0,512", Decimal("0.512")),
        ("0.512", Decimal("0.512")),
        (Decimal("1.5"), Decimal("1.500")),
        (2, Decimal("2.000")),  # an int from a quantity key is read as kg
    ],
)
def test_weighed_goods_take_kg_to_the_gram(text: str | int | Decimal, qty: Decimal) -> None:
    value = kg_product().parse_quantity(text)
    assert value == qty
    assert value.as_tuple().exponent == -3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0,5125", "máximo 3 decimales (gramos)"),
        ("0", "el peso debe ser mayor que cero"),
        (0, "el peso debe ser mayor que cero"),
        (-1, "el peso debe ser mayor que cero"),
        ("100", "peso fuera de rango"),
        ("medio", "no es un peso válido"),
    ],
)
def test_weighed_goods_refuse_bad_weights(text: str | int, reason: str) -> None:
    with pytest.raises(errors.InvalidQuantity) as info:
        kg_product().parse_quantity(text)
    assert info.value.reason == reason


def test_price_label() -> None:
    assert unit_product().price_label() == "$1.990"
    assert kg_product().price_label() == "$8.990/kg"
    assert unit_product(price=1_234_567).price_label() == "$1.234.567"
    assert kg_product(price=0).price_label() == "$0/kg"


def test_products_are_immutable_values() -> None:
    p = unit_product()
    with pytest.raises(AttributeError):
        p.price = 10  # type: ignore[misc]
    assert p == unit_product()
