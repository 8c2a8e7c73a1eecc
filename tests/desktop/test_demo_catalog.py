"""The demo catalog shipped as data, and the generator of big benchmark catalogs."""

from __future__ import annotations

from collections import Counter
from itertools import islice

import pytest

from desktop.demo.catalog_data import COLUMNS, generate_rows, load_demo_rows


def check_digit_ok(code: str) -> bool:
    """GS1 mod 10, written out independently: weights 3,1,3,... from the digit left of the check digit."""
    if not code.isdigit() or len(code) not in (8, 12, 13):
        return False
    body, check = code[:-1], int(code[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def test_check_digit_helper_against_known_codes() -> None:
    assert check_digit_ok("4006381333931")  # EAN-13 example from the GS1 spec
    assert not check_digit_ok("4006381333932")
    assert check_digit_ok("96385074")  # EAN-8 from the GS1 spec
    assert check_digit_ok("036000291452")  # UPC-A from the GS1 spec


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return load_demo_rows()


def test_has_the_columns_and_enough_products(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= 2000
    assert all(tuple(row) == COLUMNS for row in rows)


def test_skus_barcodes_plus_and_names_are_unique(rows: list[dict[str, str]]) -> None:
    for column in ("sku", "barcode", "plu", "name"):
        values = [row[column] for row in rows if row[column]]
        assert len(values) == len(set(values)), [v for v, c in Counter(values).items() if c > 1]
    assert all(row["sku"].startswith("ALM-") and len(row["sku"]) == 10 for row in rows)


def test_names_fit_a_touch_tile(rows: list[dict[str, str]]) -> None:
    assert all(0 < len(row["name"]) <= 40 for row in rows)


def test_unit_goods_have_valid_barcodes_and_no_plu(rows: list[dict[str, str]]) -> None:
    units = [row for row in rows if row["sold_by"] == "unit"]
    assert all(row["barcode"] and not row["plu"] for row in units)
    assert all(check_digit_ok(row["barcode"]) for row in units), [
        row["barcode"] for row in units if not check_digit_ok(row["barcode"])
    ]
    lengths = Counter(len(row["barcode"]) for row in units)
    assert lengths[13] > 0.9 * len(units)
    for row in units:
        if len(row["barcode"]) != 12:  # EAN-8 and EAN-13 carry Chile's GS1 prefix; UPC-A is imported
            assert row["barcode"].startswith("780"), row


def test_weighed_goods_have_a_plu_and_no_barcode(rows: list[dict[str, str]]) -> None:
    weighed = [row for row in rows if row["sold_by"] == "kg"]
    assert len(weighed) >= 80
    assert all(row["plu"].isdigit() and len(row["plu"]) in (4, 5) and not row["barcode"] for row in weighed)
    assert {row["sold_by"] for row in rows} == {"unit", "kg"}


def test_prices_and_stock_are_well_formed(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert row["price"].isdigit() and int(row["price"]) > 0, row
        if row["sold_by"] == "kg":
            whole, _, grams = row["stock"].partition(".")
            assert whole.isdigit() and len(grams) == 3 and grams.isdigit(), row
        else:
            assert row["stock"].isdigit(), row
    assert sum(row["price"].endswith("0") for row in rows) > 0.9 * len(rows)


def test_categories_favourites_and_exempt_items(rows: list[dict[str, str]]) -> None:
    assert 12 <= len({row["category"] for row in rows}) <= 16
    assert 15 <= sum(row["favourite"] == "1" for row in rows) <= 40
    assert {row["favourite"] for row in rows} <= {"0", "1"}
    exempt = [row for row in rows if row["iva_exempt"] == "1"]
    assert 1 <= len(exempt) <= 6
    assert {row["iva_exempt"] for row in rows} == {"0", "1"}


def test_skus_are_numbered_in_file_order_grouped_by_known_category(rows: list[dict[str, str]]) -> None:
    assert [row["sku"] for row in rows] == [f"ALM-{n:06d}" for n in range(1, len(rows) + 1)]
    known = ("Panadería", "Lácteos", "Fiambrería", "Frutas y Verduras", "Carnes", "Abarrotes", "Bebidas", "Licores",
             "Snacks y Dulces", "Desayuno", "Congelados", "Limpieza", "Aseo Personal", "Mascotas", "Bebé", "Exentos")
    order = [known.index(row["category"]) for row in rows]
    assert order == sorted(order)


def test_generate_rows_makes_a_big_catalog(rows: list[dict[str, str]]) -> None:
    generated = list(generate_rows(100_000))
    assert len(generated) == 100_000
    assert all(tuple(row) == COLUMNS for row in generated[:1000])
    skus = {row["sku"] for row in generated}
    assert len(skus) == 100_000
    barcodes = [row["barcode"] for row in generated if row["barcode"]]
    assert len(barcodes) == len(set(barcodes))
    assert all(len(code) == 13 and code.startswith("780") and check_digit_ok(code) for code in barcodes)
    assert not set(barcodes) & {row["barcode"] for row in rows}
    plus = [row["plu"] for row in generated if row["sold_by"] == "kg"]
    assert plus and len(plus) == len(set(plus))
    assert not set(plus) & {row["plu"] for row in rows}
    assert len(barcodes) + len(plus) == 100_000
    assert all(int(row["price"]) > 0 and len(row["name"]) <= 40 for row in generated)


def test_generate_rows_is_deterministic_for_a_seed() -> None:
    first = list(islice(generate_rows(100_000), 100))
    assert first == list(islice(generate_rows(100_000), 100))
    assert first != list(islice(generate_rows(100_000, seed=8), 100))
    assert list(generate_rows(0)) == []
