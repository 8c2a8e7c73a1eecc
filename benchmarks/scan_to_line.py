"""scan_to_line: a barcode entering ``SalePresenter.scan`` until the Qt cart model holds its line.

Every scan resolves the code against the catalog read model, saves the cart (one fsynced transaction) and
renders a new ``SaleView`` into the ``CartModel``. Baseline: the raw indexed SQLite lookup of the same barcode
(barcodes JOIN products) on the same journal file, through its own connection.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from benchmarks import common
from benchmarks.qt import Cart, application, none_refs
from desktop.presenters.payment import PaymentPresenter
from desktop.presenters.sale import SalePresenter

NAME = "scan_to_line"
TARGET_P99_MS = 16.0
BASELINE_SQL = ("SELECT p.sku, p.name, p.price, p.sold_by FROM barcodes b JOIN products p ON p.sku = b.sku"
                " WHERE b.code = ? AND p.active")


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    ws.master()
    data_dir = ws.fresh_copy(NAME)
    app = application()
    term = common.open_terminal(data_dir, id_prefix=1)
    raw = sqlite3.connect(f"file:{data_dir / common.JOURNAL_NAME}?mode=ro", uri=True)
    try:
        cashier, shift = common.start_selling(term)
        presenter = SalePresenter(term)
        cart = Cart(presenter)
        presenter.start(cashier, shift.shift_id, shift.number)
        warmup = 1
        codes = ws.random_barcodes((sizes.scan_sales + warmup) * sizes.scans_per_sale, seed_value=11)
        ours: list[float] = []
        base: list[float] = []
        refs_before = 0
        for number, sale_codes in enumerate(common.batched(codes, sizes.scans_per_sale)):
            if number == warmup:
                refs_before = none_refs()
            for code in sale_codes:
                started = time.perf_counter()
                presenter.scan(code)
                rows = cart.rows()
                elapsed = time.perf_counter() - started

                started = time.perf_counter()
                row = raw.execute(BASELINE_SQL, (code,)).fetchone()
                baseline = time.perf_counter() - started

                view = presenter.view
                if view.error or row is None or rows != len(view.lines) or not cart.last_name().startswith(row[1]):
                    raise AssertionError(f"scan of {code} did not reach the cart: {view.message!r}, {rows} rows")
                if number >= warmup:
                    ours.append(elapsed)
                    base.append(baseline)
            app.processEvents()
            payment = PaymentPresenter(term.checkout)
            payment.exact()
            if not payment.finish().done:
                raise AssertionError(f"sale {number} did not complete: {payment.view.message}")
            presenter.refresh()
            if cart.rows() != 0:
                raise AssertionError("the cart model kept lines after the sale completed")
        none_lost = refs_before - none_refs()
    finally:
        raw.close()
        term.close()

    p50, p99 = common.percentile(ours, 50), common.percentile(ours, 99)
    b50, b99 = common.percentile(base, 50), common.percentile(base, 99)
    notes = [] if cart.has_model else ["desktop.ui.cart_model missing: measured up to the presenter's SaleView"]
    if none_lost > 0:
        notes.append(f"PySide6 leaked {none_lost} references to None over {len(ours)} scans (see benchmarks/qt.py):"
                     " a till process aborts once None's refcount reaches 0")
    note = "; ".join(notes)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"p99 <= {TARGET_P99_MS:g} ms",
        met=p99 * 1000 <= TARGET_P99_MS, note=note,
        extra={"p50": common.ms(p50), "p99": common.ms(p99), "max": common.ms(max(ours)),
               "baseline_p50": common.ms(b50), "baseline_p99": common.ms(b99), "samples": len(ours),
               "sales": sizes.scan_sales, "products": sizes.products,
               "catalog_build_s": round(ws.build_seconds, 1), "qt_model": cart.has_model,
               "none_refs_per_scan": round(none_lost / len(ours), 2)})
