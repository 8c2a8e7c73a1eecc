"""Paths, constants and a sale builder shared by the DTE core tests (no fixtures: those are in conftest.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from shared import money
from shared.events.sales import LineSold, SaleCompleted, TenderTaken
from shared.sale import allocate

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "tests" / "data" / "sii" / "samples"  # copies of ../shared/sii/samples (SOURCES.md there)
XSD = ROOT / "shared" / "dte" / "data" / "xsd"  # the SII's official schemas, shipped with the package
TENANT_RUT = "76235291-5"
CAF_FILES = {t: SAMPLES / f"caf_T{t}_cert_76235291-5_F1-20.xml" for t in (33, 34, 39, 41, 56, 61)}
SIGNED_SAMPLES = sorted(SAMPLES.glob("envio*.xml"))
SAMPLE_DAY = date(2025, 5, 2)
"""A day on which every sample CAF (FA 2025-04-11) is valid."""


def make_sale(lines: list[tuple[str, int, str, bool, int]], discount: int = 0) -> SaleCompleted:
    """A completed sale from (name, unit_price, quantity, iva_exempt, line_discount) rows."""
    sold = []
    for n, (name, price, qty, exempt, line_discount) in enumerate(lines, 1):
        quantity = Decimal(qty)
        amount = money.line_amount(price, quantity) - line_discount
        sold.append(LineSold(n, f"SKU-{n}", name, price, quantity, "kg" if "." in qty else "unit", exempt,
                             line_discount, amount, f"78000000000{n}"))
    shares = allocate(discount, [x.amount for x in sold])
    affected = sum(x.amount - s for x, s in zip(sold, shares, strict=True) if not x.iva_exempt)
    exento = sum(x.amount - s for x, s in zip(sold, shares, strict=True) if x.iva_exempt)
    split = money.split_iva(affected, exento)
    total = affected + exento
    return SaleCompleted(sale_id="s-1", number=1, shift_id="sh-1", cashier_id="u-1", lines=tuple(sold),
                         discount=discount, total=total, affected=affected, exento=exento, neto=split.neto,
                         iva=split.iva, tenders=(TenderTaken("cash", total, total),), rounding=0, change=0)


STAMP_TIME = datetime(2025, 5, 2, 10, 15, 0)
SIGN_TIME = datetime(2025, 5, 2, 10, 20, 0)


