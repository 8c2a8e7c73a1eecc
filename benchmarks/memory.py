"""memory: resident memory of a till process after 1,000 sales on the 100k-product journal.

A fresh child process creates the offscreen QApplication, builds the terminal, signs in, opens a shift and binds
the sale presenter to the Qt cart model; its RSS then is the baseline. It then rings up the sales through the
presenters (scans, exact cash payment, refresh) and reports its RSS again (``VmRSS`` after a ``gc.collect``)
and its peak (``VmHWM``: ``ru_maxrss`` would include the forking parent's). The figure is the RSS after the
sales; the ratio is the growth factor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks import common

NAME = "memory"
ROOT = Path(__file__).resolve().parent.parent

CHILD = r'''
import gc, json, sys
from pathlib import Path


def status_kb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def rss_kb():
    return status_kb("VmRSS")


from benchmarks import common
from benchmarks.qt import Cart, application
from desktop import terminal as terminal_mod
from desktop.presenters.payment import PaymentPresenter

data_dir, codes_file, lines = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
codes = codes_file.read_text().split()
app = application()
term = common.open_terminal(data_dir, id_prefix=3)
cashier, shift = common.start_selling(term)
presenter = terminal_mod.sale_presenter(term)
cart = Cart(presenter)
presenter.start(cashier, shift.shift_id, shift.number)
gc.collect()
before = rss_kb()
sales = 0
for start in range(0, len(codes), lines):
    for code in codes[start:start + lines]:
        presenter.scan(code)
    payment = PaymentPresenter(term.checkout)
    payment.exact()
    if not payment.finish().done:
        raise SystemExit(f"sale {sales} failed: {payment.view.message}")
    presenter.refresh()
    app.processEvents()
    sales += 1
gc.collect()
after = rss_kb()
print(json.dumps({"before_kb": before, "after_kb": after, "sales": sales, "qt_model": cart.has_model,
                  "peak_kb": status_kb("VmHWM")}), flush=True)
term.close()
'''


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    ws.master()
    data_dir = ws.fresh_copy(NAME)
    codes_file = ws.root / f"{NAME}-codes.txt"
    codes_file.write_text("\n".join(ws.random_barcodes(sizes.memory_sales * sizes.memory_lines, seed_value=33)))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(data_dir), str(codes_file), str(sizes.memory_lines)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed ({proc.returncode}): {proc.stdout}{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    before, after = report["before_kb"] / 1024, report["after_kb"] / 1024
    return common.Result(
        NAME, round(after, 1), "MB", round(before, 1), target="(reported)",
        note="" if report["qt_model"] else "desktop.ui.cart_model missing: no Qt model in the process",
        extra={"growth_mb": round(after - before, 1),
               "per_sale_kb": round((after - before) * 1024 / report["sales"], 2),
               "peak_mb": round(report["peak_kb"] / 1024, 1), "sales": report["sales"],
               "lines_per_sale": sizes.memory_lines, "products": sizes.products})
