"""Catalog files for the import targets: products as the export writes them (``shared.catalog_import.export_row``),
as CSV in each encoding and separator a shop's spreadsheet uses, and as XLSX written by openpyxl."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from typing import Any

import openpyxl
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shared import barcodes
from shared import catalog_import as rules

SKU = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=40).filter(
    lambda s: s not in rules.RESERVED_SKUS)
WORDS = st.text(st.characters(codec="cp1252", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                max_size=30).map(lambda s: " ".join(s.split())).filter(bool)
TRICKY = st.sampled_from(["", " ", "0", "-5", "1990,5", "19.9", "$1.990", "1.990", "1,990", "²", "١٩٩٠", "１９９０",
                          "9" * 20, "=1+1", "=HYPERLINK(\"x\")", "\x00", "\x07", "kg", "KILO", "granel", "litro",
                          "sí", "talvez", "NaN", "1e3", "7801234567894", "78012349", "7801234567890", "2000001",
                          "a/b", "nuevo", "x" * 200, "\u202e", "\ufeff", "Ñandú", "\r\n", '"', ";", ","])


@st.composite
def products(draw: st.DrawFn) -> dict[str, Any]:
    """A product ``parse_row`` accepts, as the store holds it."""
    length = draw(st.sampled_from((8, 12, 13)))
    codes = []
    for _ in range(draw(st.integers(0, 2))):
        body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
        codes.append(body + barcodes.check_digit(body))
    return {"sku": draw(SKU), "name": draw(WORDS), "brand": draw(st.one_of(st.just(""), WORDS)),
            "category": draw(WORDS), "price": draw(st.integers(1, 999_999_999)),
            "sold_by": draw(st.sampled_from(("unit", "kg"))), "barcodes": list(dict.fromkeys(codes)),
            "plu": draw(st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=6))),
            "iva_exempt": draw(st.booleans()), "favourite": draw(st.booleans()),
            "cost": draw(st.integers(0, 999_999_999)), "active": draw(st.booleans())}


def unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Products with distinct SKUs and barcodes (a file whose rows all import)."""
    out, skus, codes = [], set(), set()
    for p in items:
        if p["sku"] in skus or codes & set(p["barcodes"]):
            continue
        skus.add(p["sku"])
        codes |= set(p["barcodes"])
        out.append(p)
    return out


def rows_of(items: list[dict[str, Any]]) -> list[list[str]]:
    return [list(rules.FIELDS)] + [rules.export_row(p) for p in items]


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8", errors: str = "replace") -> bytes:
    """``rows`` as a CSV file (CRLF), in ``encoding``; characters it lacks become ``?`` unless ``errors="strict"``."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding, errors)


@st.composite
def mutated_rows(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    """``rows`` with a few cells replaced by tricky values, rows dropped, duplicated or widened."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(rows) - 1))
        action = draw(st.sampled_from(("cell", "cell", "cell", "drop", "duplicate", "widen", "shorten")))
        if action == "cell" and rows[at]:
            rows[at][draw(st.integers(0, len(rows[at]) - 1))] = draw(st.one_of(TRICKY, st.text(max_size=20)))
        elif action == "drop" and len(rows) > 1:
            del rows[at]
        elif action == "duplicate":
            rows.insert(at, list(rows[at]))
        elif action == "widen":
            rows[at].append(draw(st.one_of(TRICKY, st.text(max_size=8))))
        elif action == "shorten" and rows[at]:
            rows[at].pop()
    return rows


def xlsx_bytes(rows: list[list[Any]], *, formulas: bool = False) -> bytes:
    """A workbook whose first sheet holds ``rows`` (cells as given: text, numbers, dates, booleans, formulas)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) and (formulas or not v.startswith("="))
                      else " " + v if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return _stable(out.getvalue())


def _stable(data: bytes) -> bytes:
    """``data`` (an XLSX) without the moment it was saved (zip entry times, core properties' dates), so the same
    rows give the same bytes (hypothesis replays an input by drawing it again)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb">\d{4}-\d\d-\d\dT[^<]*<", b">2026-01-01T00:00:00Z<", content)
            target.writestr(zipfile.ZipInfo(item.filename, (2026, 1, 1, 0, 0, 0)), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


CELL_VALUES = st.one_of(
    st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.dates(min_value=date(1900, 3, 1)), st.datetimes(min_value=datetime(1900, 3, 1)), TRICKY,
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20))


def rewrite_sheet(data: bytes, edit: Any) -> bytes:
    """``data`` (an XLSX) with ``edit(sheet1 XML bytes) -> bytes`` applied to its first sheet."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = edit(content)
            target.writestr(item, content)
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """An XLSX whose sheet claims to span ``ref`` (``A1:XFD1048576``) whatever it holds."""
    return rewrite_sheet(data, lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(),
                                                  xml))
