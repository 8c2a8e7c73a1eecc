"""The catalog file's rules: its columns, reading CSV text, each row checked into a product or Spanish problems,
and the search fold HQ shares with the till (docs/catalog-import.md has the whole layout)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from shared import barcodes, errors, es_cl, text_fold

FIELDS: Final = ("sku", "name", "brand", "category", "price", "sold_by", "barcode", "plu", "iva_exempt",
                 "favourite", "cost", "active")
"""The import layout, in the order of an export (the demo's ``catalog.csv`` columns, plus ``cost`` and ``active``)."""

REQUIRED: Final = frozenset({"sku", "name", "category", "price"})

LABELS: Final = {"sku": "Código (SKU)", "name": "Nombre", "brand": "Marca", "category": "Categoría",
                 "price": "Precio con IVA", "sold_by": "Se vende por (unidad o kg)",
                 "barcode": "Códigos de barras", "plu": "PLU", "iva_exempt": "Exento de IVA",
                 "favourite": "Favorito", "cost": "Costo neto", "active": "Activo"}

_ALIASES: Final = {
    "sku": ("sku", "codigo", "codigo interno", "cod"), "name": ("name", "nombre", "producto", "descripcion"),
    "brand": ("brand", "marca"), "category": ("category", "categoria", "familia"),
    "price": ("price", "precio", "precio con iva", "precio venta"), "sold_by": ("sold by", "unidad", "se vende por"),
    "barcode": ("barcode", "barcodes", "codigo de barras", "codigos de barras", "ean"), "plu": ("plu",),
    "iva_exempt": ("iva exempt", "exento", "exento de iva"), "favourite": ("favourite", "favorite", "favorito"),
    "cost": ("cost", "costo", "costo neto"), "active": ("active", "activo"),
}

RESERVED_SKUS: Final = frozenset({"nuevo", "importar", "exportar.csv", "categorias"})
"""Words of HQ's catalog addresses (``/hq/catalogo/importar``) that cannot be a product's SKU."""

MAX_ROWS: Final = 100_000
_NAME_MAX, _CATEGORY_MAX, _SKU_MAX, _BRAND_MAX = 120, 60, 40, 60
_PESOS = re.compile(r"\$?\s*(\d{1,3}(?:\.\d{3})+|\d+)")
_SPLIT_CODES = re.compile(r"[\s|;,/]+")
_TRUE, _FALSE = frozenset({"1", "si", "sí", "s", "x", "true", "verdadero"}), frozenset({"", "0", "no", "n", "false",
                                                                                      "falso"})
_SOLD_BY: Final = {"": "unit", "unit": "unit", "unidad": "unit", "u": "unit", "un": "unit", "und": "unit",
                   "kg": "kg", "kilo": "kg", "kilos": "kg", "granel": "kg"}
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class ImportFileError(errors.PosError):
    """The file cannot be read as a catalog at all (encoding, format, no header); the message says why, in Spanish."""


def fold(text: str) -> str:
    """``text`` as search compares it (``shared.text_fold.words``), padded with a space each side
    (``"Coca-Cola 1,5 L"`` → ``" coca cola 1 5 l "``) so ``" " + word`` finds a word's start."""
    folded = text_fold.fold(text)
    return f" {folded} " if folded else " "


def search_words(query: str) -> list[str]:
    """The folded words of a search: a product matches when each is the start of one of its words."""
    return fold(query).split()


def search_text(product: Mapping[str, Any]) -> str:
    """What HQ's search looks in: name, brand, category, SKU, PLU and barcodes, folded, then folded again with the
    ``text_fold.JOINERS`` left out, so "cocacola" finds "Coca-Cola" as on the till."""
    parts = [product.get("name") or "", product.get("brand") or "", product.get("category") or "",
             product.get("sku") or "", product.get("plu") or "", *(product.get("barcodes") or ())]
    text = " ".join(str(p) for p in parts)
    return fold(text) + fold(text_fold.without_joiners(text))[1:]


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row was rejected: its line in the file (the header is line 1), the file's column name, the reason."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"fila {self.line}" + (f", columna «{self.column}»" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Table:
    """A catalog file read as text: the header's names and the rows (each as long as the header), with the line
    each row started on."""

    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    lines: list[int]


@dataclass(slots=True)
class RowResult:
    """One row checked: the product (``store.products.PRODUCT_FIELDS`` plus ``cost``) or its problems."""

    line: int
    values: tuple[str, ...]
    product: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)


def read_csv(data: bytes, encoding: str = "utf-8") -> Table:
    """Read a CSV catalog: UTF-8 (a BOM is skipped) unless ``encoding`` says otherwise; comma, semicolon or tab.

    Raises:
        ImportFileError: a byte that is not of ``encoding`` (with its line), no header, a NUL byte, too many rows.
    """
    if encoding.replace("-", "").replace("_", "").lower() in ("utf8", "utf8sig"):
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"El archivo no está en {'UTF-8' if encoding == 'utf-8-sig' else encoding} (fila {line} tiene un"
            " carácter que no se puede leer). Guárdelo como «CSV UTF-8» o elija la codificación"
            " «Windows-1252 (Excel antiguo)».") from None
    except UnicodeError:  # a codec that fails without saying where (punycode, idna)
        raise ImportFileError(f"El archivo no se puede leer como {encoding}: elija otra codificación.") from None
    except LookupError:
        raise ImportFileError(f"Codificación desconocida: {encoding}.") from None
    if "\x00" in text:
        raise ImportFileError("El archivo no es un CSV de texto (contiene bytes nulos): ¿es una planilla Excel?"
                              " Súbala con extensión .xlsx.")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    headers: tuple[str, ...] | None = None
    try:
        start = 1
        for record in reader:
            if headers is None:
                headers = tuple(h.strip() for h in record)
            elif any(v.strip() for v in record):
                rows.append(_fit(record, len(headers)))
                lines.append(start)
                if len(rows) > MAX_ROWS:
                    raise ImportFileError(f"El archivo tiene más de {es_cl.number(MAX_ROWS)} filas: divídalo.")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"Fila {reader.line_num}: el CSV está mal formado ({exc}).") from None
    return _table(headers, rows, lines)


def _fit(record: Sequence[str], width: int) -> tuple[str, ...]:
    """A row as wide as the header: missing cells empty; cells past the header kept only when not empty."""
    cells = list(record)
    while len(cells) > width and not cells[-1].strip():
        cells.pop()
    return tuple(cells) + ("",) * (width - len(cells)) if len(cells) <= width else tuple(cells)


def _table(headers: tuple[str, ...] | None, rows: list[tuple[str, ...]], lines: list[int]) -> Table:
    if not headers or not any(headers):
        raise ImportFileError("El archivo está vacío: la primera fila debe tener los nombres de las columnas.")
    if len(set(h for h in headers if h)) != len([h for h in headers if h]):
        seen: set[str] = set()
        twice = next(h for h in headers if h and (h in seen or seen.add(h)))  # type: ignore[func-returns-value]
        raise ImportFileError(f"La columna «{twice}» aparece dos veces en la primera fila.")
    return Table(headers, rows, lines)


def table_from_rows(rows: Sequence[Sequence[str]], first_line: int = 1) -> Table:
    """A :class:`Table` from rows already read as text (an XLSX sheet), the first being the header."""
    headers = tuple(h.strip() for h in rows[0]) if rows else None
    body = [(_fit(r, len(headers or ())), first_line + 1 + i) for i, r in enumerate(rows[1:])
            if any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        raise ImportFileError(f"El archivo tiene más de {es_cl.number(MAX_ROWS)} filas: divídalo.")
    return _table(headers, [b[0] for b in body], [b[1] for b in body])


def default_mapping(headers: Sequence[str]) -> dict[str, int]:
    """Which column (index into ``headers``) each field comes from, guessed from the headers' names (English as
    in the demo's ``catalog.csv``, or Spanish; accents and case ignored)."""
    folded = [fold(h).strip() for h in headers]
    mapping: dict[str, int] = {}
    for name, aliases in _ALIASES.items():
        for index, header in enumerate(folded):
            if header in aliases and index not in mapping.values():
                mapping[name] = index
                break
    return mapping


def mapping_problems(mapping: Mapping[str, int], headers: Sequence[str]) -> list[str]:
    """What is wrong with a column choice (in Spanish): a required field with no column, a column used twice."""
    out = [f"Elija la columna de «{LABELS[f]}»." for f in FIELDS if f in REQUIRED and f not in mapping]
    used: dict[int, str] = {}
    for name in FIELDS:
        index = mapping.get(name)
        if index is None:
            continue
        if not 0 <= index < len(headers):
            out.append(f"«{LABELS[name]}»: esa columna no existe en el archivo.")
        elif index in used:
            out.append(f"La columna «{headers[index]}» está elegida para «{LABELS[used[index]]}» y para"
                       f" «{LABELS[name]}».")
        else:
            used[index] = name
    return out


def parse_pesos(text: str) -> int:
    """A whole amount of pesos as a file writes it: ``1990``, ``1.990`` or ``$1.990``.

    Raises:
        InvalidAmount: decimals (``1990,5``, ``19.9``), letters, negative, or above $999.999.999.
    """
    cleaned = text.strip()
    if not _PESOS.fullmatch(cleaned):
        raise errors.InvalidAmount(text, "no es un número entero de pesos: escriba solo números, sin decimales"
                                         " (por ejemplo 1990 o 1.990)")
    value = int(cleaned.lstrip("$").strip().replace(".", ""))
    if value > 999_999_999:
        raise errors.InvalidAmount(text, "es demasiado grande")
    return value


def _gtin_ok(code: str) -> bool:
    """A quick yes for a valid EAN-13, EAN-8 or UPC-A (the GS1 mod-10 of ``shared.barcodes``); ``False`` sends the
    code to ``barcodes.validate_gtin`` for the reason."""
    if len(code) not in barcodes.GTIN_LENGTHS or not (code.isascii() and code.isdigit()):
        return False
    body = code[-2::-1]
    return (3 * sum(map(int, body[0::2])) + sum(map(int, body[1::2])) + int(code[-1])) % 10 == 0


def _flag(text: str) -> bool:
    value = text.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("escriba 1 o 0 (sí o no)")


def parse_row(values: Sequence[str], line: int, mapping: Mapping[str, int], headers: Sequence[str]) -> RowResult:
    """Check one row of the file (``values`` as wide as ``headers``) into a product, or every problem it has.

    The product has ``sku``, ``name``, ``brand``, ``category``, ``price`` (CLP with IVA), ``sold_by`` (``unit``
    or ``kg``), ``barcodes`` (verified GTINs, in the file's order, no repeats), ``plu`` (digits or None),
    ``iva_exempt``, ``favourite``, ``cost`` (CLP neto, 0 when absent) and ``active`` (True when absent).
    Never raises for what the row holds.
    """
    result = RowResult(line, tuple(values), None)
    cells = {name: values[index] for name, index in mapping.items() if index < len(values)}

    def cell(name: str) -> str:
        return cells.get(name, "")

    def problem(name: str, message: str) -> None:
        index = mapping.get(name)
        result.problems.append(Problem(line, headers[index] if index is not None else LABELS[name], message))

    for column in mapping:
        if _CONTROL.search(cell(column)):
            problem(column, "contiene caracteres de control")
    if len(values) > len(headers):
        result.problems.append(Problem(line, "", f"tiene {len(values)} columnas y el encabezado {len(headers)}"))
    if result.problems:
        return result
    sku = cell("sku").strip()
    if not sku:
        problem("sku", "falta el código (SKU)")
    elif len(sku) > _SKU_MAX or any(c.isspace() or c in "/?#%" for c in sku):
        problem("sku", f"el código debe tener hasta {_SKU_MAX} caracteres, sin espacios ni / ? # %")
    elif sku in RESERVED_SKUS:
        problem("sku", f"«{sku}» es una palabra reservada de HQ: use otro código")
    name = " ".join(cell("name").split())
    if not name:
        problem("name", "falta el nombre")
    elif len(name) > _NAME_MAX:
        problem("name", f"el nombre tiene más de {_NAME_MAX} caracteres")
    category = " ".join(cell("category").split())
    if not category:
        problem("category", "falta la categoría")
    elif len(category) > _CATEGORY_MAX:
        problem("category", f"la categoría tiene más de {_CATEGORY_MAX} caracteres")
    brand = " ".join(cell("brand").split())
    if len(brand) > _BRAND_MAX:
        problem("brand", f"la marca tiene más de {_BRAND_MAX} caracteres")
    price = 0
    if not cell("price").strip():
        problem("price", "falta el precio")
    else:
        try:
            price = parse_pesos(cell("price"))
        except errors.InvalidAmount as exc:
            problem("price", f"el precio «{cell('price').strip()}» {exc.reason}")
        else:
            if price == 0:
                problem("price", "el precio debe ser mayor que cero")
    cost = 0
    if cell("cost").strip():
        try:
            cost = parse_pesos(cell("cost"))
        except errors.InvalidAmount as exc:
            problem("cost", f"el costo «{cell('cost').strip()}» {exc.reason}")
    sold_by = _SOLD_BY.get(cell("sold_by").strip().casefold())
    if sold_by is None:
        problem("sold_by", f"«{cell('sold_by').strip()}» no es «unidad» ni «kg»")
    codes: list[str] = []
    for code in _SPLIT_CODES.split(cell("barcode").strip()):
        if not code or code in codes:
            continue
        try:
            codes.append(code if _gtin_ok(code) else barcodes.validate_gtin(code))
        except errors.InvalidBarcode as exc:
            problem("barcode", f"el código de barras {code} no es válido: {exc.reason}")
    plu = cell("plu").strip() or None
    if plu is not None and not (plu.isascii() and plu.isdigit() and len(plu) <= 6):
        problem("plu", f"el PLU «{plu}» debe tener de 1 a 6 dígitos")
    flags: dict[str, bool] = {}
    for flag, default in (("iva_exempt", False), ("favourite", False), ("active", True)):
        text = cell(flag)
        try:
            flags[flag] = _flag(text) if flag in mapping and text.strip() else default
        except ValueError as exc:
            problem(flag, f"«{text.strip()}»: {exc}")
    if not result.problems:
        result.product = {"sku": sku, "name": name, "brand": brand, "category": category, "price": price,
                          "sold_by": sold_by, "barcodes": codes, "plu": plu, "cost": cost, **flags}
    return result


def export_row(product: Mapping[str, Any]) -> list[str]:
    """A product as a row of the import layout (:data:`FIELDS` order); :func:`parse_row` reads it back."""
    return [product["sku"], product["name"], product.get("brand") or "", product["category"], str(product["price"]),
            "kg" if product["sold_by"] == "kg" else "unidad", " ".join(product.get("barcodes") or ()),
            product.get("plu") or "", "1" if product.get("iva_exempt") else "0",
            "1" if product.get("favourite") else "0", str(product.get("cost") or 0),
            "1" if product.get("active", True) else "0"]


def check(table: Table, mapping: Mapping[str, int], *, owners: Mapping[str, str] | None = None,
          categories: frozenset[str] | set[str] | None = None, create_categories: bool = True) -> list[RowResult]:
    """Every row of ``table`` checked, in order; also across rows and against what the tenant has:

    - a SKU or barcode already on an earlier row of the file rejects the later row (naming the earlier);
    - a barcode that ``owners`` (code → SKU of the tenant's products) gives to another product rejects the row;
    - a category not in ``categories`` rejects the row unless ``create_categories`` (None: every one is known).
    """
    owners = owners or {}
    seen_sku: dict[str, int] = {}
    seen_code: dict[str, tuple[int, str]] = {}
    known = {c.casefold() for c in categories} if categories is not None else None
    results = []
    for values, line in zip(table.rows, table.lines, strict=True):
        result = parse_row(values, line, mapping, table.headers)
        product = result.product
        if product is not None:
            sku_column = table.headers[mapping["sku"]]
            code_column = table.headers[mapping["barcode"]] if "barcode" in mapping else LABELS["barcode"]
            if product["sku"] in seen_sku:
                result.problems.append(Problem(line, sku_column, f"el código {product['sku']} ya está en la fila"
                                                                 f" {seen_sku[product['sku']]}"))
            for code in product["barcodes"]:
                if code in seen_code and seen_code[code][1] != product["sku"]:
                    result.problems.append(Problem(line, code_column, f"el código de barras {code} ya está en la"
                                                                      f" fila {seen_code[code][0]}"
                                                                      f" ({seen_code[code][1]})"))
                elif owners.get(code, product["sku"]) != product["sku"]:
                    result.problems.append(Problem(line, code_column, f"el código de barras {code} ya es del"
                                                                      f" producto {owners[code]}"))
            if known is not None and not create_categories and product["category"].casefold() not in known:
                result.problems.append(Problem(line, table.headers[mapping["category"]],
                                               f"la categoría «{product['category']}» no existe"))
            if result.problems:
                result.product = None
            else:
                seen_sku[product["sku"]] = line
                for code in product["barcodes"]:
                    seen_code.setdefault(code, (line, product["sku"]))
        results.append(result)
    return results
