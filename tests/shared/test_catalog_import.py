"""The catalog file's rules: CSV reading, each row checked into a product or Spanish problems, the search fold."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import barcodes
from shared import catalog_import as ci

HEADER = "sku,name,brand,category,price,sold_by,barcode,plu,iva_exempt,favourite,stock\n"


def check(text: str, **kw: object) -> list[ci.RowResult]:
    table = ci.read_csv(text.encode())
    return ci.check(table, ci.default_mapping(table.headers), **kw)  # type: ignore[arg-type]


def test_the_demo_layout_reads_into_products() -> None:
    [row] = check(HEADER + "ALM-1,Leche Entera 1 L,Colun,Lácteos,1.150,unidad,7801234567894 78012349,,0,1,5\n")
    assert row.problems == [] and row.product == {
        "sku": "ALM-1", "name": "Leche Entera 1 L", "brand": "Colun", "category": "Lácteos", "price": 1150,
        "sold_by": "unit", "barcodes": ["7801234567894", "78012349"], "plu": None, "cost": 0,
        "iva_exempt": False, "favourite": True, "active": True}


def test_every_problem_names_the_row_and_the_column() -> None:
    rows = check(HEADER + "A,Pan,,Panadería,1990.5,kg,,1001,0,0,\n"
                          "B,,,Panadería,abc,litro,7801234967890,12a,talvez,0,\n")
    assert [str(p) for p in rows[0].problems] == [
        "fila 2, columna «price»: el precio «1990.5» no es un número entero de pesos: escriba solo números, sin"
        " decimales (por ejemplo 1990 o 1.990)"]
    assert {p.column for p in rows[1].problems} == {"name", "price", "sold_by", "barcode", "plu", "iva_exempt"}
    assert all(p.line == 3 for p in rows[1].problems)
    assert "dígito verificador incorrecto" in next(p.message for p in rows[1].problems if p.column == "barcode")
    assert rows[0].product is None and rows[1].product is None


def test_duplicates_in_the_file_and_barcodes_of_other_products_reject_the_later_row() -> None:
    rows = check(HEADER + "A,Uno,,X,100,,7801234567894,,,,\nA,Otro,,X,100,,,,,,\nB,Dos,,X,100,,7801234567894,,,,\n"
                          "C,Tres,,X,100,,78012349,,,,\n", owners={"78012349": "Z-9"})
    assert rows[0].product is not None
    assert [p.message for p in rows[1].problems] == ["el código A ya está en la fila 2"]
    assert [p.message for p in rows[2].problems] == ["el código de barras 7801234567894 ya está en la fila 2 (A)"]
    assert [p.message for p in rows[3].problems] == ["el código de barras 78012349 ya es del producto Z-9"]


def test_unknown_categories_are_created_unless_told_not_to() -> None:
    text = HEADER + "A,Uno,,Nueva,100,,,,,,\n"
    assert check(text, categories={"Lácteos"})[0].product is not None
    [row] = check(text, categories={"Lácteos"}, create_categories=False)
    assert [p.message for p in row.problems] == ["la categoría «Nueva» no existe"]


def test_bad_files_say_why_in_spanish() -> None:
    with pytest.raises(ci.ImportFileError, match="no está en UTF-8 \\(fila 3"):
        ci.read_csv(HEADER.encode() + "A,Pan,,X,1,,,,,,\nB,Ñandú,,X,1,,,,,,\n".encode("cp1252"))
    assert ci.read_csv((HEADER + "B,Ñandú,,X,1,,,,,,\n").encode("cp1252"), "cp1252").rows[0][1] == "Ñandú"
    with pytest.raises(ci.ImportFileError, match="vacío"):
        ci.read_csv(b"")
    with pytest.raises(ci.ImportFileError, match="aparece dos veces"):
        ci.read_csv(b"sku,sku\n1,2\n")
    with pytest.raises(ci.ImportFileError, match="bytes nulos"):
        ci.read_csv(b"PK\x03\x04\x00\x00")
    assert ci.read_csv(b"\xef\xbb\xbfsku;name\r\nA;B\r\n").headers == ("sku", "name")  # BOM, semicolons


def test_mapping_problems_name_the_missing_and_the_doubled() -> None:
    assert ci.mapping_problems({"sku": 0, "name": 0, "category": 1}, ("a", "b")) == [
        "Elija la columna de «Precio con IVA».", "La columna «a» está elegida para «Código (SKU)» y para «Nombre»."]


def test_search_folds_as_the_till() -> None:
    assert ci.fold("Coca-Cola 1,5 L Ñandú") == " coca cola 1 5 l nandu "
    assert ci.search_words("  LÁCTEOS-colún ") == ["lacteos", "colun"]


_text = st.text(alphabet=string.ascii_letters + "áéíóúñÑ -.,0123456789", max_size=20)


@st.composite
def products(draw: st.DrawFn) -> dict[str, object]:
    body = draw(st.text(alphabet=string.digits, min_size=12, max_size=12))
    return {"sku": draw(st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=1, max_size=12)),
            "name": " ".join(draw(_text).split()) or "X", "brand": " ".join(draw(_text).split()),
            "category": " ".join(draw(_text).split()) or "C", "price": draw(st.integers(1, 999_999_999)),
            "sold_by": draw(st.sampled_from(["unit", "kg"])), "barcodes": [body + barcodes.check_digit(body)],
            "plu": draw(st.none() | st.text(alphabet=string.digits, min_size=1, max_size=6)),
            "cost": draw(st.integers(0, 10**6)), "iva_exempt": draw(st.booleans()),
            "favourite": draw(st.booleans()), "active": draw(st.booleans())}


@given(products())
def test_an_exported_row_reads_back_as_the_same_product(product: dict[str, object]) -> None:
    mapping = {f: i for i, f in enumerate(ci.FIELDS)}
    result = ci.parse_row(ci.export_row(product), 2, mapping, ci.FIELDS)
    assert result.problems == [] and result.product == product


@given(st.lists(st.text(max_size=30), min_size=len(ci.FIELDS), max_size=len(ci.FIELDS) + 2))
def test_any_row_gives_a_product_or_problems_never_an_exception(values: list[str]) -> None:
    mapping = {f: i for i, f in enumerate(ci.FIELDS)}
    result = ci.parse_row(values, 7, mapping, ci.FIELDS)
    assert (result.product is None) == bool(result.problems)
    assert all(p.line == 7 and p.message for p in result.problems)
