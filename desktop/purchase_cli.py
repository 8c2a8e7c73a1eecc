"""``almacen dte import FILE``: register a purchase from a supplier's signed DTE or EnvioDTE in a till's journal.

Exit status: 0 imported (with ``--dry-run``: it would be); 1 refused (a document does not verify, is for another
RUT, was registered already, is not a factura or nota...); 2 the file cannot be read or is not XML (hostile XML
included); 4 the journal cannot be opened (e.g. the till has it open: close the POS first).

``--map LINE=SKU[xFACTOR]`` (repeatable) assigns a line to a product by hand (``matched_by = "manual"``) with its
package factor (``3=LEC-1x12``: line 3 is boxes of 12 of LEC-1; ``4=QUE-1x2,5``: bags of 2,5 kg); ``LINE=`` or
``LINE=-`` takes the line's product away. The right-hand side is first taken whole as a SKU (``3=CAJAX12`` is the
product CAJAX12 when the store has it); only otherwise is it split at its last x/X/× followed by a number. With
several documents in the file, ``DOC:LINE`` (1 = the first). An unknown line or SKU, a bad factor, or a factor on a
line without product refuses the file (exit 1) and nothing is registered.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from desktop import cli_io

EXIT_IMPORTED = 0
EXIT_REFUSED = 1
EXIT_UNREADABLE = 2
MAP_RE = re.compile(r"^(?:(?P<doc>\d+):)?(?P<line>\d+)=(?P<target>.*)$")
FACTOR_RE = re.compile(r"\d+(?:[.,]\d+)*")
"""A factor after the last x/X/× (``12``, ``2,5``, ``1.000``)."""


def split_target(target: str, is_product: Any) -> tuple[str, str]:
    """``(sku, factor)`` of the right-hand side of ``--map``: the whole of it when ``is_product(target)`` (an SKU
    may end in ``x12``: ``CAJAX12``, ``COCA-2LX6``); otherwise split at the last ``x``/``X``/``×`` followed by a
    factor (``LEC-1x12`` → ``("LEC-1", "12")``); ``(target, "1")`` when there is none."""
    target = target.strip()
    if target in ("", "-") or is_product(target):
        return target, "1"
    cut = max(target.rfind(c) for c in "xX×")
    if cut >= 0 and FACTOR_RE.fullmatch(target[cut + 1:]):
        return target[:cut].strip(), target[cut + 1:]
    return target, "1"


def apply_maps(service: Any, preview: Any, maps: list[str]) -> tuple[Any, str]:
    """``preview`` with the ``--map`` assignments made, and ``""``; or the preview unchanged and why (Spanish)."""
    from desktop.journal import read_models
    from desktop.services import purchase_matching

    def is_product(sku: str) -> bool:
        product = read_models.by_sku(service.journal.conn, sku)
        return product is not None and product.active

    for item in maps:
        found = MAP_RE.match(item.strip())
        if found is None:
            return preview, (f"--map {item!r} no se entiende: escriba LÍNEA=SKU o LÍNEA=SKUxUNIDADES (p. ej. "
                             "3=LEC-1x12)")
        sku, factor = split_target(found["target"], is_product)
        document = int(found["doc"] or 1) - 1
        if found["doc"] is None and len(preview.documents) > 1:
            return preview, f"--map {item}: el archivo trae {len(preview.documents)} documentos, escriba DOC:LÍNEA"
        try:
            preview = service.assign(preview, int(found["line"]), sku if sku not in ("", "-") else None,
                                     factor, document=document)
        except purchase_matching.MappingRefused as exc:
            return preview, f"--map {item}: {exc}"
    return preview, ""


def cmd_import(args: argparse.Namespace) -> int:
    from desktop import settings as settings_mod
    from desktop import terminal
    from desktop.journal.sqlite_store import SqliteJournal
    from desktop.services import purchases
    from shared.events import registry

    path = Path(args.file)
    data = cli_io.read_input(path)
    if data is None:
        return EXIT_UNREADABLE
    if args.journal:
        journal_path = Path(args.journal)
    else:
        journal_path = cli_io.DEFAULT_DATA / "journal.sqlite3"
    try:
        store = settings_mod.load(journal_path.parent).store
    except ValueError as exc:
        cli_io.error(str(exc))
        return EXIT_UNREADABLE
    journal = SqliteJournal.open(journal_path, codec=registry.build_codec(), clock=terminal.system_clock,
                                 new_id=terminal.new_uuid7)
    try:
        service = purchases.PurchaseService(journal, store.rut, terminal.new_uuid7)
        preview = service.preview(data, warehouse=args.warehouse or "", moves_stock=not args.no_stock)
        if args.map and preview.documents:
            preview, problem = apply_maps(service, preview, args.map)
            if problem:
                error = "; ".join(x for x in (preview.error, problem) if x)
                preview = purchases.Preview(preview.kind, preview.documents, error, preview.warehouse)
        imported = False
        if preview.importable and not args.dry_run:
            try:
                service.record(preview)
                imported = True
            except purchases.PurchaseRefused as exc:
                preview = purchases.Preview(preview.kind, preview.documents, "; ".join(exc.reasons),
                                            preview.warehouse)
        out = {"file": str(path), **purchases.summary(preview, imported=imported, dry_run=args.dry_run)}
        cli_io.print_json(out)
        for reason in preview.refusals:
            cli_io.error(reason)
        if preview.importable:
            return EXIT_IMPORTED
        return EXIT_REFUSED if preview.documents else EXIT_UNREADABLE
    finally:
        journal.close()


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``import`` on the ``dte`` command's subparsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "import", help="registrar una compra desde el DTE firmado de un proveedor",
        description="Verifica cada documento (firma, timbre, CAF, esquema y totales), que sea una factura (33/34) o "
                    "nota (56/61) emitida al RUT de esta tienda y que no esté ya registrado, y registra la compra en "
                    "el diario de la caja: stock de los productos reconocidos (por EAN, código o nombre), costo "
                    "promedio e IVA crédito fiscal. Imprime un resumen JSON. Sale con 0 sólo si registró (con "
                    "--dry-run: si registraría); 1 si algún documento se rechaza (nada se registra); 2 si el archivo "
                    "no se puede leer o no es XML; 4 si el diario no se puede abrir (cierre la caja).")
    p.add_argument("file", help="DTE o EnvioDTE del proveedor (XML, ISO-8859-1 o UTF-8)")
    p.add_argument("--journal", metavar="PATH", default="",
                   help="diario de la caja (journal.sqlite3; terminal.toml se lee de su carpeta); por defecto "
                        "$ALMACEN_DATA/journal.sqlite3 o ~/.local/share/almacen/terminal/journal.sqlite3")
    p.add_argument("--warehouse", metavar="BODEGA", default="",
                   help="bodega que recibe la mercadería; por defecto la de la tienda")
    p.add_argument("--map", metavar="LÍNEA=SKU[xUNIDADES]", action="append", default=[],
                   help="asignar a mano la línea LÍNEA al producto SKU, con UNIDADES por bulto (p. ej. 3=LEC-1x12; "
                        "kg por bulto para un producto por kg: 4=QUE-1x2,5); LÍNEA= quita el producto; DOC:LÍNEA "
                        "con varios documentos. Repetible. Si existe un producto con el SKU completo (p. ej. "
                        "CAJAX12) se usa ése. Una línea o SKU desconocido rechaza el archivo")
    p.add_argument("--dry-run", action="store_true", help="verificar y mostrar el resumen sin registrar nada")
    p.add_argument("--no-stock", action="store_true",
                   help="una nota de crédito que sólo corrige precios: no devuelve mercadería al proveedor")
    p.set_defaults(func=cmd_import)
    return p
