"""Fuzz reading catalog files (``syncserver.catalog_import.read_file`` and ``shared.catalog_import``'s rows): CSV in
each encoding and separator, XLSX with numbers, dates, formulas, huge or broken sheets. Every file is a table whose
rows are products or Spanish problems, or ``ImportFileError`` in Spanish, within its time bound."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from hypothesis import example, given, reject
from hypothesis import strategies as st

from shared import barcodes
from shared import catalog_import as rules
from syncserver import catalog_import
from tests.fuzz import catalog_kit, fuzz_kit

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")


def _checked(result: rules.RowResult) -> None:
    assert (result.product is None) == bool(result.problems), result
    for problem in result.problems:
        assert fuzz_kit.spanish(problem.message), problem
    product = result.product
    if product is None:
        return
    assert 1 <= product["price"] <= 999_999_999 and 0 <= product["cost"] <= 999_999_999
    assert 1 <= len(product["sku"]) <= 40 and not any(c.isspace() for c in product["sku"])
    assert 1 <= len(product["name"]) <= 120 and 1 <= len(product["category"]) <= 60
    assert product["sold_by"] in ("unit", "kg")
    assert all(barcodes.validate_gtin(code) == code for code in product["barcodes"])
    assert product["plu"] is None or (product["plu"].isascii() and product["plu"].isdigit())


def _read(data: bytes, filename: str, encoding: str = "utf-8", seconds: float = 20) -> list[rules.RowResult] | None:
    """The oracle: a table whose rows check into products or Spanish problems, or ImportFileError in Spanish."""
    with fuzz_kit.bounded(seconds):
        try:
            table = catalog_import.read_file(data, filename, encoding)
        except rules.ImportFileError as exc:
            assert fuzz_kit.spanish(str(exc)), str(exc)
            return None
        assert all(isinstance(h, str) for h in table.headers) and len(table.rows) == len(table.lines)
        mapping = rules.default_mapping(table.headers)
        problems = rules.mapping_problems(mapping, table.headers)
        assert all(fuzz_kit.spanish(p) for p in problems), problems
        if problems:
            return None
        results = rules.check(table, mapping)
        for result in results:
            _checked(result)
        return results


@fuzz_kit.budget(suite=60, weight=0.2)
@given(st.lists(catalog_kit.products(), min_size=1, max_size=8).map(catalog_kit.unique),
       st.sampled_from(",;\t"), st.sampled_from(ENCODINGS))
def test_an_exported_catalog_reads_back_the_same_products(items: list[dict[str, Any]], delimiter: str,
                                                          encoding: str) -> None:
    try:
        data = catalog_kit.csv_bytes(catalog_kit.rows_of(items), delimiter, encoding, "strict")
    except UnicodeEncodeError:
        reject()  # a name Latin-1 cannot write: not a file a shop could have
    results = _read(data, "catalogo.csv", "utf-8" if encoding.startswith("utf") else encoding)
    assert results is not None and [r.product for r in results] == items


@fuzz_kit.budget(suite=100, weight=0.2)
@given(st.lists(catalog_kit.products(), min_size=1, max_size=6).flatmap(
    lambda items: catalog_kit.mutated_rows(catalog_kit.rows_of(items))), st.sampled_from(",;\t"),
    st.sampled_from(ENCODINGS))
def test_mutated_csv_rows_check_into_products_or_spanish_problems(rows: list[list[str]], delimiter: str,
                                                                  encoding: str) -> None:
    data = catalog_kit.csv_bytes(rows, delimiter, encoding)
    _read(data, "catalogo.csv", "utf-8" if encoding.startswith("utf") else encoding)


@fuzz_kit.budget(suite=100, weight=0.2)
@given(st.lists(catalog_kit.products(), min_size=1, max_size=4).flatmap(
    lambda items: fuzz_kit.mutated(catalog_kit.csv_bytes(catalog_kit.rows_of(items), ";"))),
    st.sampled_from((*ENCODINGS, "cp1252", "utf-16", "idna", "punycode", "rot13", "no-such-encoding")))
@example(b"sku,name\r\nA,B.c\r\n", "punycode")  # UnicodeError, not UnicodeDecodeError (fixed)
def test_mutated_csv_bytes_read_or_are_refused_in_spanish(data: bytes, encoding: str) -> None:
    _read(data, "catalogo.csv", encoding)


@fuzz_kit.budget(suite=10, weight=0.01)
@given(st.lists(catalog_kit.products(), min_size=1, max_size=4).flatmap(
    lambda items: catalog_kit.mutated_rows(catalog_kit.rows_of(items))), st.data())
def test_xlsx_with_numbers_dates_and_formulas_reads_or_is_refused(rows: list[list[str]], data: st.DataObject) -> None:
    cells: list[list[Any]] = [[data.draw(st.one_of(st.just(v), catalog_kit.CELL_VALUES)) if i else v
                               for v in row] for i, row in enumerate(rows)]
    _read(catalog_kit.xlsx_bytes(cells, formulas=data.draw(st.booleans())), "catalogo.xlsx")


@fuzz_kit.budget(suite=40, weight=0.04)
@given(st.lists(catalog_kit.products(), min_size=1, max_size=3).flatmap(
    lambda items: fuzz_kit.mutated(catalog_kit.xlsx_bytes(catalog_kit.rows_of(items)))),
    st.sampled_from(("catalogo.xlsx", "catalogo.csv", "")))
def test_broken_xlsx_files_are_refused_in_spanish(data: bytes, filename: str) -> None:
    _read(data, filename)


SHEET = catalog_kit.xlsx_bytes([*catalog_kit.rows_of([]), ["A1", "Pan", "", "Panadería", 1990]])


@fuzz_kit.budget(suite=6, weight=0.002)
@given(st.sampled_from(("A1:XFD1048576", "A1:XFD2", "A1:E1048576", "XFD1048576", "A1:A1")),
       st.sampled_from(((), ((2, 16384),), ((100_000, 1), (3, 16384)), ((1_048_576, 16384),))))
@example("A1:XFD1048576", ((100_000, 1), (3, 16384)))  # 577 s before openpyxl was told to ignore the dimension
def test_a_sheet_claiming_or_holding_huge_ranges_is_read_or_refused_in_time(dimension: str,
                                                                          far: tuple[tuple[int, int], ...]) -> None:
    def spread(xml: bytes) -> bytes:
        rows = b"".join(b'<row r="%d"><c r="%s%d" t="inlineStr"><is><t>x</t></is></c></row>'
                        % (r, _column(c).encode(), r) for r, c in sorted(far))
        return xml.replace(b"</sheetData>", rows + b"</sheetData>")
    data = catalog_kit.with_dimension(catalog_kit.rewrite_sheet(SHEET, spread), dimension)
    _read(data, "grande.xlsx", seconds=30)


def _column(index: int) -> str:
    """Spreadsheet column letters: 1 → A, 16384 → XFD."""
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


BOMB = catalog_kit.rewrite_sheet(SHEET, lambda xml: xml.replace(
    b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    b'<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]><worksheet', 1)
    .replace(b"<t>Pan</t>", b"<t>&h;&h;&h;&h;</t>"))


def _zip_bomb(megabytes: int) -> bytes:
    """SHEET with a cell of ``megabytes`` MB of ``a``, deflated to about a thousandth of that."""
    source = zipfile.ZipFile(io.BytesIO(SHEET))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, content)
                continue
            head, tail = content.split(b"</sheetData>")
            with target.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(head + b'<row r="3"><c r="A3" t="inlineStr"><is><t>')
                for _ in range(megabytes):
                    sheet.write(b"a" * 1024 * 1024)
                sheet.write(b"</t></is></c></row></sheetData>" + tail)
    return out.getvalue()


@pytest.mark.slow
def test_entity_bombs_and_zip_bombs_in_a_sheet_are_refused_in_time() -> None:
    _read(BOMB, "bomba.xlsx", seconds=30)
    bomb = _zip_bomb(600)
    assert len(bomb) < catalog_import.MAX_BYTES // 10
    assert _read(bomb, "bomba.xlsx", seconds=30) is None
