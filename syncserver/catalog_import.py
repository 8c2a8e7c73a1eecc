"""Catalog import and export: a CSV or XLSX file read into rows, previewed against the tenant's catalog, and the
accepted rows written in one transaction (COPY into a staging table, one change-feed entry per product); rejected
rows are reported, never half-written. HQ's import pages and ``almacen server admin catalog-import`` call this."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared import catalog_import as rules
from shared.catalog_import import ImportFileError, RowResult, Table

__all__ = ["ImportFileError", "RowResult", "Table"]
from syncserver.store import change_feed, db, products

MAX_BYTES = 30 * 1024 * 1024
"""The largest file accepted (a 100,000-row catalog in CSV is about 10 MB)."""

Progress = Callable[[int, int], Awaitable[None]]
"""Called with (rows done, rows in all) while an import runs."""


def read_file(data: bytes, filename: str, encoding: str = "utf-8") -> Table:
    """The rows of a catalog file: XLSX by its name or content (first sheet), otherwise CSV in ``encoding``.

    Raises:
        ImportFileError: too big, empty, an .xls, an .xlsx that is not one, a CSV not in ``encoding``.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"El archivo pesa más de {MAX_BYTES // (1024 * 1024)} MB: divídalo.")
    if not data.strip():
        raise ImportFileError("El archivo está vacío.")
    lower = filename.lower()
    if lower.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError("Es una planilla Excel antigua (.xls): ábrala en Excel y guárdela como «Libro de Excel"
                              " (.xlsx)» o como «CSV UTF-8».")
    if lower.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return read_xlsx(data, filename)
    return rules.read_csv(data, encoding)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


MAX_COLUMNS = 64
"""Columns of a sheet that are read (the layout has 12; a cell past them is not part of the catalog)."""
MAX_UNZIPPED = 512 * 1024 * 1024
"""The most an XLSX may hold once unzipped (a 100,000-row catalog is about 40 MB): a zip bomb is refused unread."""


def read_xlsx(data: bytes, filename: str = "") -> Table:
    """The first sheet of an XLSX workbook as text rows (whole numbers without ``.0``; formulas as last computed;
    at most its first :data:`MAX_COLUMNS` columns).

    Raises:
        ImportFileError: the file is not an XLSX workbook (damaged, encrypted, another format, more than
            :data:`MAX_UNZIPPED` unzipped), or it has too many rows.
    """
    import openpyxl

    not_xlsx = ImportFileError(f"El archivo «{filename or 'subido'}» no es una planilla XLSX válida (está dañado o"
                               " es de otro tipo): ábralo en Excel y guárdelo como «Libro de Excel (.xlsx)» o como"
                               " «CSV UTF-8».")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
        raise not_xlsx from None
    if unzipped > MAX_UNZIPPED:
        raise ImportFileError(f"El archivo «{filename or 'subido'}» ocupa más de {MAX_UNZIPPED // (1024 * 1024)} MB"
                              " descomprimido: divídalo o guárdelo como «CSV UTF-8».")
    # a damaged workbook fails in openpyxl's zip, zlib or XML layer with whatever each raises (BadZipFile,
    # zlib.error, EOFError, RuntimeError for an encrypted part, NotImplementedError, ParseError, KeyError…)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise not_xlsx from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise not_xlsx
        # the sheet's claim of its size (``A1:XFD1048576`` in a 5 kB file) would have every row padded to it:
        # its width is kept within MAX_COLUMNS, and its height ignored (rows are read as they come)
        width = min(getattr(sheet, "max_column", None) or MAX_COLUMNS, MAX_COLUMNS)
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        rows: list[tuple[str, ...]] = []
        for values in sheet.iter_rows(values_only=True, max_col=width):
            rows.append(tuple(_cell(v) for v in values) if values.count(None) < len(values) else ())
            if len(rows) > rules.MAX_ROWS + 1:
                raise ImportFileError(f"El archivo tiene más de {rules.MAX_ROWS:,} filas: divídalo.".replace(",", "."))
    except ImportFileError:
        raise
    except Exception:
        raise not_xlsx from None
    finally:
        book.close()
    return rules.table_from_rows(rows)


@dataclass(slots=True)
class Preview:
    """A file checked against the tenant's catalog: every row's result, the categories it would create, and what
    is wrong with the column choice (an import needs none)."""

    table: Table
    mapping: dict[str, int]
    results: list[RowResult]
    new_categories: list[str]
    mapping_problems: list[str]
    updates: int = 0

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [r.product for r in self.results if r.product is not None]

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.results if r.product is None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an import wrote: products created and updated, rows rejected, categories created."""

    created: int
    updated: int
    rejected: list[RowResult] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


async def _check(conn: db.Conn, tenant_id: int, table: Table, mapping: dict[str, int],
                 create_categories: bool, count_updates: bool = True) -> Preview:
    problems = rules.mapping_problems(mapping, table.headers)
    if problems:
        return Preview(table, mapping, [], [], problems)
    owners = await products.barcode_owners(conn, tenant_id)
    known = await products.category_names(conn, tenant_id)
    results = rules.check(table, mapping, owners=owners, categories=known, create_categories=create_categories)
    folded = {k.casefold() for k in known}
    new = list(dict.fromkeys(r.product["category"] for r in results
                             if r.product is not None and r.product["category"].casefold() not in folded))
    updates = 0
    if count_updates:
        skus = [r.product["sku"] for r in results if r.product is not None]
        cur = await conn.execute("SELECT count(*) FROM products WHERE tenant_id = %s AND sku = ANY(%s)",
                                 (tenant_id, skus))
        row = await cur.fetchone()
        updates = int(row[0]) if row else 0
    return Preview(table, mapping, results, new, [], updates)


async def preview(pool: db.Pool, tenant_id: int, table: Table, mapping: dict[str, int] | None = None,
                  create_categories: bool = True) -> Preview:
    """Check every row of ``table`` (columns by ``mapping``, guessed from the header when None) as an import
    would, writing nothing."""
    mapping = rules.default_mapping(table.headers) if mapping is None else mapping
    async with db.tenant_tx(pool, tenant_id) as conn:
        return await _check(conn, tenant_id, table, mapping, create_categories)


class ImportRefused(ImportFileError):
    """The import cannot run as chosen (columns missing, or nothing to import); nothing was written."""


async def run(pool: db.Pool, tenant_id: int, table: Table, mapping: dict[str, int] | None, *, now: datetime,
              create_categories: bool = True, progress: Progress | None = None, by: str = "") -> Outcome:
    """Import ``table``: its accepted rows are written in one transaction (all or none), each product published
    once on the change feed; rejected rows are returned, not written. The tenant's catalog is locked against a
    second import for the duration. ``by``: the HQ account importing (the feed tells the tills who and when).

    Raises:
        ImportRefused: the column choice has problems, or no row can be imported.
    """
    mapping = rules.default_mapping(table.headers) if mapping is None else mapping
    total = len(table.rows)
    async with db.tenant_tx(pool, tenant_id) as conn:
        await products.lock_catalog(conn, tenant_id)
        checked = await _check(conn, tenant_id, table, mapping, create_categories, count_updates=False)
        if checked.mapping_problems:
            raise ImportRefused(" ".join(checked.mapping_problems))
        accepted = checked.accepted
        if not accepted:
            raise ImportRefused("Ninguna fila se puede importar: revise los problemas de cada fila.")
        if progress:
            await progress(total // 3, total)
        created_categories = await products.add_categories(conn, tenant_id, checked.new_categories)
        try:
            versions = await products.bulk_upsert(conn, tenant_id, accepted, now)
        except products.BarcodeTaken as exc:  # only if written outside the catalog lock (by hand): nothing is kept
            raise ImportRefused(f"El código de barras {exc.code} ya es del producto {exc.sku}: no se importó"
                                " nada; revise el archivo e intente de nuevo.") from None
        if progress:
            await progress(total * 2 // 3, total)
        await change_feed.append_selected(conn, tenant_id, "product", len(accepted), products.STAGED_FEED_SQL,
                                          {"staged_tenant": tenant_id, "staged_by": by,
                                           "staged_at": now.isoformat()})
        cur = await conn.execute("SELECT store_id, sku, price FROM store_products WHERE tenant_id = %s"
                                 " AND price IS NOT NULL AND sku = ANY(%s)", (tenant_id, [p["sku"] for p in accepted]))
        by_sku = {p["sku"]: (p, v) for p, (_s, v) in zip(accepted, versions, strict=True)}
        for store_id, sku, price in await cur.fetchall():
            product, version = by_sku[sku]
            await change_feed.append_change(conn, tenant_id, "product", sku,
                                            {**products.feed_data(product, version, by, now), "price": int(price)},
                                            store_id=store_id)
    if progress:
        await progress(total, total)
    updated = sum(1 for _s, v in versions if v > 1)
    return Outcome(len(versions) - updated, updated, checked.rejected, created_categories)


def rejects_csv(headers: Sequence[str], rejected: Sequence[RowResult]) -> str:
    """The rejected rows as a CSV in the file's own columns, with ``fila`` (its line) and ``problemas`` first, to
    fix and import again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["fila", "problemas", *headers])
    for result in rejected:
        writer.writerow([result.line, "; ".join(f"{p.column}: {p.message}" if p.column else p.message
                                                for p in result.problems), *result.values])
    return "\ufeff" + out.getvalue()


def rejected_as_json(rejected: Sequence[RowResult]) -> list[dict[str, Any]]:
    """Rejected rows as stored with a finished import (line, the row's cells, its problems)."""
    return [{"line": r.line, "values": list(r.values), "problems": [[p.column, p.message] for p in r.problems]}
            for r in rejected]


def rejected_from_json(items: Sequence[Mapping[str, Any]]) -> list[RowResult]:
    """:func:`rejected_as_json` read back."""
    return [RowResult(int(i["line"]), tuple(i["values"]), None,
                      [rules.Problem(int(i["line"]), str(c), str(m)) for c, m in i["problems"]]) for i in items]


async def export_csv(pool: db.Pool, tenant_id: int) -> str:
    """Every product of the tenant as a CSV in the import layout (``shared.catalog_import.FIELDS``), UTF-8 with
    a BOM so Excel opens it with its accents."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        rows = await products.all_products(conn, tenant_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rules.FIELDS)
    writer.writerows(rules.export_row(r) for r in rows)
    return "\ufeff" + out.getvalue()
