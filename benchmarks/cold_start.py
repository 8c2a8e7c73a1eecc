"""cold_start: a fresh ``python`` process until the till is ready to scan, on the 100k-product journal.

The child imports the app, loads the settings, builds the Terminal (``desktop.terminal.build``: opens the
journal, quick_check, schema check), creates the main window with ``desktop.ui.app.build_window(terminal)``
(or, while there is none, the presenters and the cart model), shows it and processes events until it is
exposed (offscreen). The figure is the parent's wall time from spawning the process to reading its "ready"
line; the child also reports the time since its first statement and since the kernel started it.

Baseline: ``python`` importing PySide6.QtWidgets, creating a QApplication and showing an empty QWidget, timed the
same way. Runs alternate (baseline, app) after one unmeasured warm-up of each, so the file cache is warm for
both: this measures a fresh process, not a cold disk.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import common

NAME = "cold_start"
TARGET_S = 1.5
ROOT = Path(__file__).resolve().parent.parent

CHILD = r'''
import time
T0 = time.perf_counter()
import json, os, sys


def since_exec():
    """Seconds since the kernel started this process (10 ms resolution)."""
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")


def wait_exposed(app, widget):
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        app.processEvents()
        handle = widget.windowHandle()
        if widget.isVisible() and handle is not None and handle.isExposed():
            return
    raise SystemExit("the window was never exposed")


mode, data_dir = sys.argv[1], sys.argv[2]
how = mode
if mode == "baseline":
    from PySide6.QtWidgets import QApplication, QWidget
    app = QApplication([])
    window = QWidget()
    window.show()
    wait_exposed(app, window)
else:
    from pathlib import Path
    from desktop import settings, terminal
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    term = terminal.build(settings.load(Path(data_dir)))
    try:
        from desktop.ui.app import build_window
    except ImportError:
        build_window = None
    if build_window is not None:
        how = "build_window"
        window = build_window(term)
        window.show()
        wait_exposed(app, window)
    else:
        how = "presenters"
        from desktop.ui import binding
        from desktop.ui.cart_model import CartModel
        session = terminal.session_presenter(term)
        sale = terminal.sale_presenter(term)
        model = CartModel()
        binding.bind(sale, lambda v: model.set_lines(v.lines))
ready = time.perf_counter()
print(json.dumps({"script_s": ready - T0, "since_exec_s": since_exec(), "how": how}), flush=True)
if mode != "baseline":
    term.close()
os._exit(0)  # measured; skip finalization, where PySide6 6.12 on 3.11 may abort (see benchmarks/qt.py)
'''


def spawn(mode: str, data_dir: Path) -> dict[str, Any]:
    """Run the child once; its wall time (spawn to "ready" line) and what it reported."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    with subprocess.Popen([sys.executable, "-c", CHILD, mode, str(data_dir)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        wall = time.perf_counter() - started
        _out, err = proc.communicate(timeout=60)
    if proc.returncode != 0 or not line.startswith("{"):
        raise RuntimeError(f"cold start child ({mode}) failed ({proc.returncode}): {line}{err[-2000:]}")
    return {"wall_s": wall, **json.loads(line)}


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    ws.master()
    data_dir = ws.fresh_copy(NAME)
    spawn("baseline", data_dir)
    first = spawn("app", data_dir)
    ours: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    for _ in range(sizes.cold_runs):
        base.append(spawn("baseline", data_dir))
        ours.append(spawn("app", data_dir))

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 3)

    value = median(ours, "wall_s")
    note = "" if first["how"] == "build_window" else (
        "desktop.ui.app.build_window missing: measured to the presenters and cart model, no window")
    return common.Result(
        NAME, value, "s", median(base, "wall_s"), target=f"median <= {TARGET_S:g} s", met=value <= TARGET_S,
        note=note,
        extra={"runs": sizes.cold_runs, "max": round(max(r["wall_s"] for r in ours), 3),
               "script_s": median(ours, "script_s"), "since_exec_s": median(ours, "since_exec_s"),
               "baseline_script_s": median(base, "script_s"), "ready_at": first["how"],
               "products": sizes.products})
