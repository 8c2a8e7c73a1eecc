"""The back office's and HQ's report figures: the row shapes both show, and the one rollup arithmetic of a sale or a
return (its Chile day and hour, discount shared among lines, each line's neto, a return's cost in proportion) that
the till's ``desktop.journal.report_projection`` and the master's ``syncserver.store.rollups`` both fold.

Money CLP (``total`` IVA included; ``neto``, ``cost`` and ``margin`` without it), quantities Decimal (units, or kg
for goods sold by weight) in the rows, thousandths (int) in the rollups. ``margin`` counts only lines whose cost was
recorded (``costed_neto - cost``). Rules: docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from shared import fiado as fiado_mod
from shared.events import returns as returns_events
from shared.events import sales as sales_events
from shared.sale import allocate

MILLI: Final = Decimal(1000)
UNCATEGORISED: Final = "Sin categoría"
ProductMetric = Literal["units", "pesos", "margin"]
PRODUCT_METRICS: Final = ("units", "pesos", "margin")


def local_slot(occurred_at: str) -> tuple[str, int]:
    """``("YYYY-MM-DD", hour)`` of a journal time in the store's clock (Chile); a naive time is read as UTC.

    Raises: ValueError: not an ISO 8601 date and time."""
    moment = datetime.fromisoformat(occurred_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(fiado_mod.CHILE)
    return local.date().isoformat(), local.hour


def line_neto(gross: int, exempt: bool) -> int:
    """The neto of a line's IVA-included ``gross`` (an exempt line's is its amount; a negative one mirrors):
    ``shared.money.split_iva``'s ``round(gross / 1.19)`` half up, in integers (``gross * 100 / 119`` is never a
    tie, so this is exactly its Decimal result)."""
    if exempt:
        return gross
    if gross < 0:
        return -((-gross * 200 + 119) // 238)
    return (gross * 200 + 119) // 238


@dataclass(frozen=True, slots=True)
class ProductRollup:
    """One product's part of a sale (positive) or a return (negative): ``units`` in thousandths, ``total`` (IVA
    incl.), ``neto``, and ``costed_neto``/``cost`` of the lines whose cost is known."""

    units: int
    total: int
    neto: int
    costed_neto: int
    cost: int


@dataclass(frozen=True, slots=True)
class Rollup:
    """What one sale or return adds to the report rollups, at its Chile ``day`` (``YYYY-MM-DD``) and ``hour``, for
    ``cashier_id``: a sale counts one ticket (``total``, ``neto`` with exento), a return one ``returns`` of
    ``returned`` CLP and subtracts its neto; ``tenders`` ``(kind, count, amount)`` as taken (a sale: received, net of
    change; a return: refunds, negative); ``products`` by SKU, in the order first met."""

    day: str
    hour: int
    cashier_id: str
    tickets: int
    total: int
    neto: int
    costed_neto: int
    cost: int
    returns: int
    returned: int
    tenders: tuple[tuple[str, int, int], ...]
    products: dict[str, ProductRollup] = field(default_factory=dict)

    @property
    def month(self) -> str:
        """``YYYY-MM`` of :attr:`day`."""
        return self.day[:7]


def _add(rows: dict[str, list[int]], sku: str, units: int, total: int, neto: int, cost: int | None) -> None:
    row = rows.get(sku)
    if row is None:
        row = rows[sku] = [0, 0, 0, 0, 0]
    row[0] += units
    row[1] += total
    row[2] += neto
    if cost is not None:
        row[3] += neto
        row[4] += cost


def _products(rows: dict[str, list[int]]) -> dict[str, ProductRollup]:
    return {sku: ProductRollup(*r) for sku, r in rows.items()}


def sale_rollup(occurred_at: str, e: sales_events.SaleCompleted) -> Rollup:
    """A completed sale's :class:`Rollup`: its discount shared among its lines as ``shared.sale.Sale.totals``
    shares it (``allocate``), each line's neto by :func:`line_neto` of its share.

    Raises: ValueError: ``occurred_at`` is not an ISO 8601 time."""
    day, hour = local_slot(occurred_at)
    shares = allocate(e.discount, [x.amount for x in e.lines]) if e.discount else [0] * len(e.lines)
    rows: dict[str, list[int]] = {}
    for line, share in zip(e.lines, shares, strict=True):
        gross = line.amount - share
        _add(rows, line.sku, int(line.quantity * MILLI), gross, line_neto(gross, line.iva_exempt), line.cost)
    products = _products(rows)
    return Rollup(day, hour, e.cashier_id, 1, e.total, e.neto + e.exento,
                  sum(p.costed_neto for p in products.values()), sum(p.cost for p in products.values()), 0, 0,
                  tuple((t.kind, 1, t.received) for t in e.tenders), products)


SoldLines = Mapping[int, tuple[Decimal, "int | None"]]
"""``{line_id: (quantity sold, cost CLP or None)}`` of the sale a return gives back from ({} when it is unknown)."""


def return_cost(cost: int | None, sold: Decimal, returned: Decimal) -> int | None:
    """The cost of ``returned`` units of a line that sold ``sold`` units for ``cost`` (in proportion, half up);
    None when the cost is unknown or nothing was sold."""
    if cost is None or sold <= 0:
        return None
    return int((Decimal(cost) * returned / sold).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def return_rollup(occurred_at: str, e: returns_events.ReturnCompleted, sold: SoldLines) -> Rollup:
    """A return's :class:`Rollup`, subtracted on the day it is made: each line's amount and neto, its cost by
    :func:`return_cost` from ``sold`` (the sale's lines; a line not there counts as uncosted).

    Raises: ValueError: ``occurred_at`` is not an ISO 8601 time."""
    day, hour = local_slot(occurred_at)
    rows: dict[str, list[int]] = {}
    for line in e.lines:
        quantity, cost = sold.get(line.line_id, (Decimal(0), None))
        part = return_cost(cost, quantity, line.quantity)
        _add(rows, line.sku, -int(line.quantity * MILLI), -line.amount, -line_neto(line.amount, line.iva_exempt),
             None if part is None else -part)
    products = _products(rows)
    return Rollup(day, hour, e.cashier_id, 0, 0, -(e.neto + e.exento),
                  sum(p.costed_neto for p in products.values()), sum(p.cost for p in products.values()), 1, e.total,
                  tuple((t.kind, 0, -t.amount) for t in e.refunds), products)


def units_of(milli: int) -> Decimal:
    """Thousandths as a quantity (``1500`` → ``Decimal("1.5")``)."""
    return Decimal(milli) / MILLI


@dataclass(frozen=True, slots=True)
class DaySales:
    """One calendar day: ``tickets`` sales, ``total`` sold (IVA incl.), ``returns`` and ``returned`` (IVA incl.),
    ``net_total = total - returned``, ``neto`` (after returns), ``cost`` and ``margin`` of costed lines."""

    day: date
    tickets: int
    total: int
    returns: int
    returned: int
    neto: int
    cost: int
    margin: int

    @property
    def net_total(self) -> int:
        return self.total - self.returned


@dataclass(frozen=True, slots=True)
class HourSales:
    """Sales made on ``weekday`` (0 Monday … 6 Sunday) at ``hour`` (0-23, the store's clock) over the span."""

    weekday: int
    hour: int
    tickets: int
    total: int


@dataclass(frozen=True, slots=True)
class CashierSales:
    """Sales rung up by one cashier: ``name`` as enrolled (the id when unknown), ``returns``/``returned`` made."""

    cashier_id: str
    name: str
    tickets: int
    total: int
    returns: int
    returned: int

    @property
    def average_ticket(self) -> int:
        return round(self.total / self.tickets) if self.tickets else 0


@dataclass(frozen=True, slots=True)
class TenderSales:
    """Money taken by one tender ``kind`` (cash net of change, after refunds), in ``count`` sales."""

    kind: str
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class ProductSales:
    """One product over the span (after returns): ``units`` sold, ``total`` (IVA incl.), ``neto``, ``cost`` and
    ``margin`` of its costed lines, ``uncosted`` the neto of its lines sold without a recorded cost."""

    sku: str
    name: str
    category: str
    units: Decimal
    total: int
    neto: int
    cost: int
    margin: int
    uncosted: int


@dataclass(frozen=True, slots=True)
class CategorySales:
    """One category (the product's category today) over the span, after returns."""

    category: str
    units: Decimal
    total: int
    neto: int
    cost: int
    margin: int


@dataclass(frozen=True, slots=True)
class CategoryStock:
    """The stock of one category now, in all the store's warehouses: ``products`` with stock, ``value`` at cost."""

    category: str
    products: int
    value: int


@dataclass(frozen=True, slots=True)
class ShrinkageReason:
    """Mermas of one reason code (``shared.events.inventory.MERMA_REASONS``) in the span: how many, value at cost."""

    reason: str
    count: int
    value: int


@dataclass(frozen=True, slots=True)
class FiadoOwed:
    """What one customer (merged aliases counted with their survivor) owed at the end of a day (+ owes; − saldo a
    favor)."""

    customer_id: str
    name: str
    balance: int
