"""The back office's benchmark data: one product of the 100k-product catalog journal given many kardex movements.

:func:`kardex_journal` copies the catalog journal (``common.Workspace.master``) and journals, for one packaged
product, a mix of the events that move its stock, through the journal's real append path (``UnitOfWork.append``:
the rules, the sealed envelope, every projection), 2,000 events per unit of work. The templates are real: the sale
is the one the till's checkout completed for that product first; the others are built as the services build them.
Every appended event moves the product, so its kardex ends with at least ``movements`` rows. With
``--catalog-cache`` the built journal is kept beside the catalog's and reused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import common
from desktop.journal import migrate
from desktop.terminal import Terminal
from shared import money
from shared.events import catalog as catalog_events
from shared.events import purchases
from shared.sale import Tender, TenderKind

BATCH = 2_000
"""Events appended per unit of work while building."""
SUPPLIER = purchases.Supplier("76.086.428-5", "Distribuidora El Ñandú Ltda.", "Comercio al por mayor")
BUILD_VERSION = 1
"""Bumped when what :func:`kardex_journal` writes changes, so a cached journal of an older mix is rebuilt."""


@dataclasses.dataclass(frozen=True, slots=True)
class KardexData:
    """A data folder whose journal holds ``movements`` stock movements of ``sku`` (sold by unit, barcode
    ``barcode``), and how long building it took (0 when reused from the cache)."""

    folder: Path
    sku: str
    barcode: str
    movements: int
    build_seconds: float


def busy_product(conn: sqlite3.Connection) -> tuple[str, str]:
    """``(sku, barcode)`` of the first active generated product sold by unit with a barcode."""
    row = conn.execute("SELECT p.sku, min(b.code) FROM products p JOIN barcodes b ON b.sku = p.sku"
                       " WHERE p.active AND p.sold_by = 'unit' AND p.sku LIKE 'GEN-%'"
                       " GROUP BY p.sku ORDER BY p.sku LIMIT 1").fetchone()
    if row is None:
        raise RuntimeError("the catalog has no generated product sold by unit with a barcode")
    return row[0], row[1]


def kardex_journal(ws: common.Workspace, movements: int) -> KardexData:
    """The catalog journal plus ``movements`` movements of one product (built, or reused from the cache)."""
    master = ws.master()
    base = ws.cache if ws.cache is not None else ws.root
    folder = base / f"kardex-{ws.sizes.products}-{movements}-v{BUILD_VERSION}-schema{migrate.SCHEMA_HEAD}"
    journal = folder / common.JOURNAL_NAME
    done = folder / "built"
    if ws.cache is not None and done.exists() and _at_head(journal):
        sku, barcode = _product_of(journal)
        ws.log(f"reusing the kardex journal ({movements:,} movements of {sku}) in {folder}")
        return KardexData(folder, sku, barcode, movements, 0.0)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in master.iterdir():
        if path.name.startswith(common.JOURNAL_NAME) and not path.name.endswith(".lock"):
            shutil.copy2(path, folder / path.name)
    ws.log(f"journaling {movements:,} movements of one product in {folder} ...")
    started = time.perf_counter()
    term = common.open_terminal(folder, id_prefix=31)
    try:
        sku, barcode = busy_product(term.journal.conn)
        written = append_movements(term, sku, barcode, movements)
    finally:
        term.close()
    seconds = time.perf_counter() - started
    done.write_text(f"{sku}\n{barcode}\n{written}\n", "utf-8")
    ws.log(f"  {written:,} movements in {seconds:.1f} s ({journal.stat().st_size / 1e6:.0f} MB; not counted)")
    return KardexData(folder, sku, barcode, written, seconds)


def append_movements(term: Terminal, sku: str, barcode: str, movements: int) -> int:
    """Journal at least ``movements`` stock movements of ``sku`` at ``term``'s sala de ventas; returns how many.

    Ana sells the product once through the checkout (the sale template); then, per cycle of 20 events, 16 sales of
    1 to 3 units, 2 purchases of 24 to 60 units (a supplier's factura, its own folio each) and 2 recounts
    (``stock.adjusted``) are appended, ``BATCH`` events per unit of work.
    """
    common.start_selling(term)
    term.checkout.scan(barcode)
    due = money.round_cash(term.checkout.sale.totals().total)
    template = term.checkout.complete((Tender(TenderKind.CASH, due),)).event
    line = template.lines[0]
    store = term.journal.identity.store_id
    number = itertools.count(template.number + 1)
    folio = itertools.count(1)

    def sale(i: int) -> Any:
        quantity = 1 + i % 3
        amount = line.unit_price * quantity
        neto = round(amount / Decimal("1.19"))
        n = next(number)
        return dataclasses.replace(
            template, sale_id=term.journal.new_id(), number=n,
            lines=(dataclasses.replace(line, quantity=Decimal(quantity), amount=amount),),
            total=amount, affected=amount, neto=neto, iva=amount - neto,
            tenders=(dataclasses.replace(template.tenders[0], amount=amount, received=amount),))

    def purchase(i: int) -> Any:
        quantity = 24 + i % 37
        unit_cost = 700 + i % 50
        cost = unit_cost * quantity
        iva = round(cost * Decimal("0.19"))
        n = next(folio)
        return purchases.PurchaseReceived(
            purchase_id=term.journal.new_id(), supplier=SUPPLIER, tipo=purchases.FACTURA, folio=n,
            fecha_emision="2026-11-20", warehouse=store,
            lines=(purchases.PurchaseLine(1, "", barcode, line.name, Decimal(quantity), "UN", unit_cost, cost, cost,
                                          False, sku, "ean"),),
            neto=cost, exento=0, iva=iva, total=cost + iva,
            digest=hashlib.sha256(f"factura {n}".encode()).hexdigest(), moves_stock=True, registered_by="rosa")

    def recount(i: int) -> Any:
        return catalog_events.StockAdjusted(sku, Decimal(1 if i % 2 else -1), "recuento")

    cycle = [sale] * 16 + [purchase] * 2 + [recount] * 2
    written = 1  # the template sale
    kinds = itertools.cycle(cycle)
    with _batches(term) as append:
        for i in range(movements - 1):
            append(next(kinds)(i))
            written += 1
    return written


@contextlib.contextmanager
def _batches(term: Terminal) -> Iterator[Callable[[Any], None]]:
    """``append(event)`` journaling events ``BATCH`` per unit of work (the last, partial one on leaving)."""
    pending: list[Any] = []

    def flush() -> None:
        with term.journal.unit_of_work() as uow:
            for event in pending:
                uow.append(event)
        pending.clear()

    def append(event: Any) -> None:
        pending.append(event)
        if len(pending) >= BATCH:
            flush()

    yield append
    if pending:
        flush()


def _at_head(path: Path) -> bool:
    if not path.exists():
        return False
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return migrate.current_revision(conn) == migrate.SCHEMA_HEAD


def _product_of(journal: Path) -> tuple[str, str]:
    lines = (journal.parent / "built").read_text("utf-8").split()
    return lines[0], lines[1]
