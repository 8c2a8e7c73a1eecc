"""ted_stamp: the timbre of one boleta at the terminal, the TED stamped with the CAF key plus its PDF417 image
fitted to 80 mm paper (``FolioService.stamp_sale``'s TED and ``timbre.timbre_image``). Target: ≤ 5 ms per receipt.

Baseline: the PDF417 alone as ``shared.dte.ted.pdf417_image`` draws it (zxing-cpp, 14 columns, 2 px modules), the
part of the figure no terminal code adds to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from benchmarks import common
from desktop.drivers.receipt import PaperWidth
from desktop.services import timbre
from shared.dte import caf as caf_mod
from shared.dte import ted

NAME = "ted_stamp"
TARGET_MS = 5.0
CAF39 = Path(__file__).resolve().parent.parent / "tests" / "data" / "sii" / "samples" / \
    "caf_T39_cert_76235291-5_F1-20.xml"


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    del ws, log
    caf = caf_mod.parse_caf(CAF39.read_bytes())
    samples = sizes.commit_sales * 5  # 1,000 receipts (150 with --quick)
    stamps: list[float] = []
    plain: list[float] = []
    timbre.timbre_image(ted.build_ted(caf, folio=1, fecha_emision=date(2026, 11, 20), rut_receptor="66666666-6",
                                      razon_social_receptor="CONSUMIDOR FINAL", monto_total=1,
                                      item1="x", timestamp=datetime(2026, 11, 20)).decode("latin-1"), 576)  # warm
    for n in range(samples):
        folio = 1 + n % 20
        started = time.perf_counter()
        stamped = ted.build_ted(caf, folio=folio, fecha_emision=date(2026, 11, 20), rut_receptor="66666666-6",
                                razon_social_receptor="CONSUMIDOR FINAL", monto_total=3319 + n,
                                item1="Leche Entera Colun 1 L", timestamp=datetime(2026, 11, 20, 9, 30))
        timbre.timbre_image(stamped.decode("latin-1"), PaperWidth.MM80.dots)
        stamps.append(time.perf_counter() - started)
        started = time.perf_counter()
        ted.pdf417_image(stamped)
        plain.append(time.perf_counter() - started)
    p50, p99 = common.ms(common.percentile(stamps, 50)), common.ms(common.percentile(stamps, 99))
    return common.Result(NAME, p50, "ms", common.ms(common.percentile(plain, 50)), target=f"p50 <= {TARGET_MS} ms",
                         met=p50 <= TARGET_MS, extra={"p50": p50, "p99": p99, "samples": samples})
