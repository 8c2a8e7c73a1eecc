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
from desktop.journal import inventory_queries, migrate
from desktop.terminal import Terminal
from shared import money
from shared.events import catalog as catalog_events
from shared.events import inventory, purchases
from shared.sale import Tender, TenderKind

BATCH = 2_000
"""Events appended per unit of work while building."""
SUPPLIER = purchases.Supplier("76.086.428-5", "Distribuidora El Ñandú Ltda.", "Comercio al por mayor")
BUILD_VERSION = 2
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
    """Journal at least ``movements`` stock movements of ``sku`` at ``term``'s store; returns how many.

    Ana sells the product once through the checkout (the sale template); then, per cycle of 20 events: 13 sales of
    1 to 3 units, 2 purchases of 24 to 60 units (a supplier's factura, its own folio each), a recount
    (``stock.adjusted``), a merma, a count of the sala posted with one line (started, then posted: one movement),
    goods sent from the sala to the bodega and a transfer back (two movements each), ``BATCH`` events per unit of
    work. A movement is a kardex row: what ``shared.inventory.movements`` gives for the event.
    """
    common.start_selling(term)
    term.checkout.scan(barcode)
    due = money.round_cash(term.checkout.sale.totals().total)
    template = term.checkout.complete((Tender(TenderKind.CASH, due),)).event
    line = template.lines[0]
    store = term.journal.identity.store_id
    bodega = f"{store}-bodega"
    number = itertools.count(template.number + 1)
    folio = itertools.count(1)
    on_hand = {store: quantity_in(term, store, sku), bodega: Decimal(0)}
    cost = 700

    def sale(i: int) -> list[Any]:
        quantity = 1 + i % 3
        amount = line.unit_price * quantity
        neto = round(amount / Decimal("1.19"))
        on_hand[store] -= quantity
        return [dataclasses.replace(
            template, sale_id=term.journal.new_id(), number=next(number),
            lines=(dataclasses.replace(line, quantity=Decimal(quantity), amount=amount),),
            total=amount, affected=amount, neto=neto, iva=amount - neto,
            tenders=(dataclasses.replace(template.tenders[0], amount=amount, received=amount),))]

    def purchase(i: int) -> list[Any]:
        nonlocal cost
        quantity = 24 + i % 37
        cost = 700 + i % 50
        value = cost * quantity
        iva = round(value * Decimal("0.19"))
        n = next(folio)
        on_hand[store] += quantity
        return [purchases.PurchaseReceived(
            purchase_id=term.journal.new_id(), supplier=SUPPLIER, tipo=purchases.FACTURA, folio=n,
            fecha_emision="2026-11-20", warehouse=store,
            lines=(purchases.PurchaseLine(1, "", barcode, line.name, Decimal(quantity), "UN", cost, value, value,
                                          False, sku, "ean"),),
            neto=value, exento=0, iva=iva, total=value + iva,
            digest=hashlib.sha256(f"factura {n}".encode()).hexdigest(), moves_stock=True, registered_by="rosa")]

    def recount(i: int) -> list[Any]:
        delta = Decimal(1 if i % 2 else -1)
        on_hand[store] += delta
        return [catalog_events.StockAdjusted(sku, delta, "recuento")]

    def merma(i: int) -> list[Any]:
        on_hand[store] -= 1
        return [inventory.MermaRecorded(term.journal.new_id(), store, sku, line.name, Decimal(1),
                                        inventory.MERMA_REASONS[i % len(inventory.MERMA_REASONS)], cost, "rosa")]

    def count(i: int) -> list[Any]:
        count_id = term.journal.new_id()
        expected = on_hand[store]
        on_hand[store] = counted = expected + (1 if i % 2 else -1)
        return [inventory.CountStarted(count_id, store, "", "rosa"),
                inventory.CountPosted(count_id, store, (inventory.CountLine(sku, line.name, expected, counted),),
                                      "Toma mensual", "rosa", "rosa")]

    def transfer(source: str, target: str) -> Callable[[int], list[Any]]:
        def send(i: int) -> list[Any]:
            quantity = Decimal(2 + i % 5)
            on_hand[source] -= quantity
            on_hand[target] += quantity
            return [inventory.TransferSent(term.journal.new_id(), source, store, target,
                                           (inventory.TransferLine(sku, line.name, quantity, cost),), "rosa")]
        return send

    cycle: list[tuple[Callable[[int], list[Any]], int]] = [
        (sale, 1), (sale, 1), (purchase, 1), (sale, 1), (sale, 1), (recount, 1), (sale, 1), (sale, 1),
        (transfer(store, bodega), 2), (sale, 1), (sale, 1), (merma, 1), (sale, 1), (purchase, 1), (sale, 1),
        (count, 1), (sale, 1), (sale, 1), (transfer(bodega, store), 2), (sale, 1)]
    written = 1  # the template sale
    kinds = itertools.cycle(cycle)
    with _batches(term) as append:
        i = 0
        while written < movements:
            make, moves = next(kinds)
            for event in make(i):
                append(event)
            written += moves
            i += 1
    return written


def quantity_in(term: Terminal, warehouse: str, sku: str) -> Decimal:
    """On hand of ``sku`` in ``warehouse`` at ``term`` (what a count expects)."""
    return inventory_queries.on_hand(term.journal.conn, sku, warehouse)


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
