"""Random sales (lines with and without cost, tenders, mixed UTC offsets) written as the master's fold leaves them
(the read models and the report rollups), and an independent fold of the dashboard's figures over them, for the
dashboard's store and page tests."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import psycopg

from shared import money, reports
from shared.events import sales as sales_events
from syncserver.store import rollups

CHILE = ZoneInfo("America/Santiago")
NOW = datetime(2026, 11, 25, 15, 30, tzinfo=CHILE)
"""A Wednesday afternoon: the week so far is Monday, Tuesday and part of Wednesday."""
PRODUCTS = {"LEC-1": ("Leche Entera Colun 1 L", 1150, False), "COC-15": ("Coca-Cola 1,5 L", 1990, False),
            "PAN-1": ("Pan Batido", 1990, False), "HUE-12": ("Huevos 12 un.", 3290, True)}
"""sku -> (name, price, iva_exempt). ``HUE-12`` is exempt here so that a line's neto is its amount."""


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: Decimal
    amount: int
    cost: int | None


@dataclass(frozen=True)
class Sale:
    sale_id: str
    store: str
    occurred_at: str
    lines: list[Line]
    tenders: dict[str, int]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def local(self) -> datetime:
        return datetime.fromisoformat(self.occurred_at).astimezone(CHILE).replace(tzinfo=None)


def generate(seed: int, stores: list[str], count: int, now: datetime = NOW, days: int = 36) -> list[Sale]:
    """``count`` sales spread over the ``days`` before ``now`` (some after it: a till's clock ahead), times written
    with a Chile offset or in UTC as tills do, 1–4 lines each (a fifth without a cost), 1–2 tenders."""
    rng = random.Random(seed)
    sales = []
    for i in range(count):
        moment = now - timedelta(minutes=rng.randrange(-120, days * 24 * 60))
        text = (moment.astimezone(ZoneInfo("UTC")).isoformat() if rng.random() < 0.3
                else moment.astimezone(CHILE).isoformat())
        lines = []
        for _ in range(rng.randint(1, 4)):
            sku = rng.choice(list(PRODUCTS))
            quantity = Decimal(rng.randint(1, 3))
            amount = int(quantity) * PRODUCTS[sku][1]
            cost = None if rng.random() < 0.2 else int(amount * rng.uniform(0.4, 0.8))
            lines.append(Line(sku, quantity, amount, cost))
        total = sum(line.amount for line in lines)
        kinds = rng.sample(["cash", "debit", "credit", "transfer"], rng.randint(1, 2))
        first = total if len(kinds) == 1 else rng.randint(0, total)
        tenders = {kinds[0]: first, **({kinds[1]: total - first} if len(kinds) > 1 else {})}
        sales.append(Sale(f"sale-{seed}-{i}", rng.choice(stores), text, lines, tenders))
    return sales


def write(admin_url: str, tenant: int, sales: list[Sale], terminal: str = "t") -> None:
    """Write ``sales`` to ``sales``, ``sale_lines`` and ``sale_tenders`` as the ingest's fold does."""
    with psycopg.connect(admin_url) as conn:
        for n, s in enumerate(sales, 1):
            conn.execute(
                "INSERT INTO sales (tenant_id, sale_id, store_id, terminal_id, epoch, seq, number, shift_id,"
                " cashier_id, occurred_at, total, neto, iva, exento, discount, rounding, change)"
                " VALUES (%s, %s, %s, %s, 1, %s, %s, 's', 'ana', %s, %s, 0, 0, 0, 0, 0, 0)",
                (tenant, s.sale_id, s.store, terminal, n, n, s.occurred_at, s.total))
            for i, line in enumerate(s.lines, 1):
                conn.execute(
                    "INSERT INTO sale_lines (tenant_id, sale_id, line_id, sku, name, quantity, unit_price, discount,"
                    " amount, cost) VALUES (%s, %s, %s, %s, %s, %s, %s, 0, %s, %s)",
                    (tenant, s.sale_id, i, line.sku, PRODUCTS[line.sku][0], line.quantity, PRODUCTS[line.sku][1],
                     line.amount, line.cost))
            for kind, amount in s.tenders.items():
                conn.execute("INSERT INTO sale_tenders (tenant_id, sale_id, kind, amount, received)"
                             " VALUES (%s, %s, %s, %s, %s)", (tenant, s.sale_id, kind, amount, amount))
        totals = rollups.Totals()
        for s in sales:
            totals.add(s.store, reports.sale_rollup(s.occurred_at, event(s)))
        with conn.cursor() as cur:
            for sql, params in totals.statements(tenant):
                cur.execute(sql, params)


def event(s: Sale) -> sales_events.SaleCompleted:
    """``s`` as the till journals it (what the ingest folds into the rollups)."""
    lines = tuple(sales_events.LineSold(i, x.sku, PRODUCTS[x.sku][0], PRODUCTS[x.sku][1], x.quantity, "unit",
                                        PRODUCTS[x.sku][2], 0, x.amount, cost=x.cost)
                  for i, x in enumerate(s.lines, 1))
    exento = sum(x.amount for x in s.lines if PRODUCTS[x.sku][2])
    split = money.split_iva(s.total - exento, exento)
    return sales_events.SaleCompleted(s.sale_id, 1, "s", "ana", lines, 0, s.total, s.total - exento, exento,
                                      split.neto, split.iva, tuple(sales_events.TenderTaken(k, a, a)
                                                                   for k, a in s.tenders.items()), 0, 0)


def neto(line: Line) -> int:
    """A line's amount without IVA (19 %, half up) unless its product is exempt."""
    if PRODUCTS[line.sku][2]:
        return line.amount
    return int((Decimal(line.amount) / Decimal("1.19")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Fold:
    """The dashboard's figures folded from the generated sales in Python."""

    per_store: dict[str, list[int]]
    heat: list[list[int]]
    top: list[tuple[str, Decimal, int, int, int]]
    margin: tuple[int, int, int]
    tenders: list[tuple[str, int]]


def fold(sales: list[Sale], stores: list[str], now: datetime = NOW) -> Fold:
    """Per store ``[today count, today total, same day last week count, total, week count, total, last week count,
    total]`` (each window up to the same time of day); the heat map of the last 28 days; this week's top products
    ``(sku, units, amount, neto costed, cost)``, margin ``(neto, cost, uncosted neto)`` and tenders (these three
    count today's sales whatever their time: every sale synced so far)."""
    local = now.astimezone(CHILE).replace(tzinfo=None)
    today = datetime.combine(local.date(), time())
    monday = today - timedelta(days=today.weekday())
    week = timedelta(days=7)
    windows = [(today, local), (today - week, local - week), (monday, local), (monday - week, local - week)]
    per_store = {s: [0] * 8 for s in stores}
    heat = [[0] * 24 for _ in range(7)]
    products: dict[str, list[object]] = {}
    margin = [0, 0, 0]
    tenders: dict[str, int] = defaultdict(int)
    for s in sales:
        at = s.local
        for i, (start, end) in enumerate(windows):
            if start <= at <= end:
                per_store[s.store][2 * i] += 1
                per_store[s.store][2 * i + 1] += s.total
        if today - timedelta(days=27) <= at <= local:
            heat[at.weekday()][at.hour] += s.total
        if monday <= at and at.date() <= local.date():
            for kind, amount in s.tenders.items():
                tenders[kind] += amount
            for line in s.lines:
                row = products.setdefault(line.sku, [line.sku, Decimal(0), 0, 0, 0])
                row[1] = row[1] + line.quantity  # type: ignore[operator]
                row[2] = row[2] + line.amount  # type: ignore[operator]
                if line.cost is None:
                    margin[2] += neto(line)
                else:
                    row[3] = row[3] + neto(line)  # type: ignore[operator]
                    row[4] = row[4] + line.cost  # type: ignore[operator]
                    margin[0] += neto(line)
                    margin[1] += line.cost
    top = sorted((tuple(r) for r in products.values()), key=lambda r: (-r[2], r[0]))  # type: ignore[operator]
    return Fold(per_store, heat, top[:10], (margin[0], margin[1], margin[2]),  # type: ignore[arg-type]
                sorted(tenders.items(), key=lambda kv: (-kv[1], kv[0])))
