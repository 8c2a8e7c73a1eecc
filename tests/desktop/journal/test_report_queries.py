"""Product figures over any span: whole months read from the month rollup and the edge days from the day rollup
add up to the day rollup's own sum, for spans starting and ending anywhere (hypothesis)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.journal import report_queries

FIRST = date(2025, 11, 20)
DAYS = 140
SKUS = ("LEC-1", "COC-15", "PAN-1", "ZZZ-9")  # ZZZ-9: not in the catalog (shown by its sku, no category)


def _fill(conn) -> dict[tuple[date, str], tuple[int, int, int, int, int]]:
    rng = random.Random(3)
    days: dict[tuple[date, str], tuple[int, int, int, int, int]] = {}
    months: dict[tuple[str, str], list[int]] = {}
    for i in range(DAYS):
        day = FIRST + timedelta(days=i)
        for sku in SKUS:
            if rng.random() < 0.6:
                units, total = rng.randint(1, 9) * 1000, rng.randint(500, 20_000)
                neto = round(total / 1.19)
                costed = neto if rng.random() < 0.8 else 0
                row = (units, total, neto, costed, costed * 7 // 10)
                days[(day, sku)] = row
                month = months.setdefault((day.strftime("%Y-%m"), sku), [0] * 5)
                for k, v in enumerate(row):
                    month[k] += v
    with conn:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO report_product_days VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(d.isoformat(), s, *r) for (d, s), r in days.items()])
        conn.executemany("INSERT INTO report_product_months VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(m, s, *r) for (m, s), r in months.items()])
    return days


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # filled once
@given(st.integers(0, DAYS - 1), st.integers(0, DAYS - 1))
def test_any_span_adds_the_days_it_covers(terminal, a: int, b: int) -> None:
    conn = terminal.journal.conn
    if not conn.execute("SELECT 1 FROM report_product_days LIMIT 1").fetchone():
        _fill(conn)
    days = {(date.fromisoformat(r[0]), r[1]): r[2:] for r in conn.execute("SELECT * FROM report_product_days")}
    start, end = FIRST + timedelta(days=min(a, b)), FIRST + timedelta(days=max(a, b))
    expected: dict[str, list[int]] = {}
    for (day, sku), row in days.items():
        if start <= day <= end:
            sums = expected.setdefault(sku, [0] * 5)
            for k, v in enumerate(row):
                sums[k] += v
    got = report_queries.top_products(conn, start, end, "units", limit=10)
    assert {r.sku: (r.units, r.total, r.neto, r.cost, r.margin, r.uncosted) for r in got} == {
        sku: (Decimal(u) / 1000, t, n, c, k - c, n - k) for sku, (u, t, n, k, c) in expected.items()}
    assert [r.units for r in got] == sorted((r.units for r in got), reverse=True)
    names = {r.sku: (r.name, r.category) for r in got}
    assert names.get("ZZZ-9", ("ZZZ-9", report_queries.UNCATEGORISED)) == ("ZZZ-9", report_queries.UNCATEGORISED)
    assert names.get("LEC-1", ("Leche Entera Colun 1 L", "Lácteos")) == ("Leche Entera Colun 1 L", "Lácteos")
