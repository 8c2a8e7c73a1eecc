"""A tenant's two stores' sales, returns, mermas and fiado over two months, pushed to the master through the real
ingest (so the report rollups are folded), and an independent fold of the same events for HQ's Reportes tests:
the figures each report of ``shared.report_tables`` should show, computed here again from the events."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared import money
from shared.events import fiado as fiado_ev
from shared.events import inventory as inv_ev
from shared.events import purchases, returns, sales
from syncserver import catalog, tenancy
from tests.syncserver.dte.folio_kit import Db, Till
from tests.syncserver.hq.hq_support import product
from tests.syncserver.ingest.fiado_kit import record

CHILE = ZoneInfo("America/Santiago")
NOW = datetime(2026, 12, 9, 15, 0, tzinfo=CHILE)
"""HQ's clock in the tests: a Wednesday afternoon; «Este mes» is December 2026, the period before November."""
PRODUCTS = {"LEC-1": ("Leche Entera Colun 1 L", 1150, "Lácteos", False, "unit"),
            "COC-15": ("Coca-Cola 1,5 L", 1990, "Bebidas", False, "unit"),
            "PAN-1": ("Pan Batido", 1990, "Panadería", False, "kg"),
            "HUE-12": ("Huevos docena", 3500, "", True, "unit")}
NAMES = {"centro": "Centro", "norte": "Norte"}
UNCATEGORISED = "Sin categoría"
SUPPLIER = purchases.Supplier("96542180-7", "Distribuidora Líder Mayorista SpA", "Venta al por mayor de abarrotes")
_folios = iter(range(1, 10**6))


def line(line_id: int, sku: str, quantity: str, cost: int | None) -> sales.LineSold:
    name, price, _category, exempt, sold_by = PRODUCTS[sku]
    q = Decimal(quantity)
    amount = int((price * q).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return sales.LineSold(line_id, sku, name, price, q, sold_by, exempt, 0, amount, cost=cost)


def sale(cashier: str, lines: tuple[sales.LineSold, ...], kind: str, *, discount: int = 0, customer_id: str = "",
         fiado: int = 0) -> sales.SaleCompleted:
    gross = sum(x.amount for x in lines)
    total = gross - discount
    exento = sum(x.amount for x in lines if x.iva_exempt)
    assert not (exento and discount), "the kit's discounted sales have no exempt line"
    split = money.split_iva(total - exento)
    tenders = (sales.TenderTaken(kind, total + (500 if kind == "cash" else 0), total),)
    return sales.SaleCompleted(str(uuid.uuid4()), 1, "s1", cashier, lines, discount, total, total - exento, exento,
                               split.neto, split.iva, tenders, 0, 500 if kind == "cash" else 0,
                               customer_id=customer_id,
                               fiado=fiado_ev.FiadoCharge(fiado, 0, 100_000) if fiado else None)


def give_back(sold: sales.SaleCompleted, line_id: int, quantity: str, kind: str) -> returns.ReturnCompleted:
    x = next(x for x in sold.lines if x.line_id == line_id)
    q = Decimal(quantity)
    amount = int((x.amount * q / x.quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    split = money.split_iva(amount)
    back = returns.LineReturned(line_id, x.sku, x.name, x.unit_price, q, x.sold_by, x.iva_exempt, amount)
    return returns.ReturnCompleted(str(uuid.uuid4()), sold.sale_id, "s1", sold.cashier_id, "pepe", "vencido",
                                   (back,), amount, split.neto, split.iva, 0,
                                   (sales.TenderTaken(kind, amount, amount),), 39, 1, False)


def bought(store: str, sku: str, quantity: int, cost: int) -> purchases.PurchaseReceived:
    """A supplier's factura of ``quantity`` units of ``sku`` costing ``cost`` CLP neto in all."""
    q = Decimal(quantity)
    item = purchases.PurchaseLine(1, sku, None, sku, q, "UN", cost // quantity, cost, cost, False, sku, "manual")
    iva = round(cost * 0.19)
    return purchases.PurchaseReceived(str(uuid.uuid4()), SUPPLIER, 33, next(_folios), "2026-11-01", store,
                                      (item,), cost, 0, iva, cost + iva, "0" * 64, True, registered_by="ana")


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHILE).isoformat()


@dataclass
class Journal:
    """What each store's till journaled: ``(occurred_at, event)`` in order."""

    stores: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)

    def events(self, stores: list[str]) -> list[tuple[str, Any]]:
        return [x for s in stores for x in self.stores.get(s, [])]


def events() -> Journal:
    """Sales in December (this month: today, yesterday, the 1st) and November (the month before), a sale with a
    discount over a kg line and an uncosted line, an exempt costed line, a partial return, mermas of two reasons,
    a fiado sale and a payment."""
    today, dec1, nov = NOW.date(), date(2026, 12, 1), date(2026, 11, 1)
    s1 = sale("ana", (line(1, "LEC-1", "2", 1400), line(2, "PAN-1", "0.750", None), line(3, "COC-15", "1", 1010)),
              "cash", discount=93)
    s2 = sale("beto", (line(1, "COC-15", "3", 3000),), "debit")
    s3 = sale("ana", (line(1, "LEC-1", "1", 690),), "credit")
    s4 = sale("ana", (line(1, "PAN-1", "1.250", 1500),), "debit")
    s5 = sale("carla", (line(1, "HUE-12", "1", 2500), line(2, "LEC-1", "1", 700)), "transfer")
    s6 = sale("carla", (line(1, "COC-15", "2", 2000),), "fiado", customer_id="c-luz", fiado=3980)
    s7 = sale("carla", (line(1, "LEC-1", "4", None),), "debit")
    centro = [(at(today, 10, 15), s1), (at(today - timedelta(days=1), 18, 40), s2),
              (at(today, 11, 5), give_back(s2, 1, "1", "cash")), (at(nov + timedelta(days=19), 12), s3),
              (at(dec1, 9, 30), s4),
              (at(today - timedelta(days=4), 9), inv_ev.MermaRecorded("m1", "centro", "COC-15", "Coca-Cola 1,5 L",
                                                                     Decimal(2), "vencimiento", 1000, "ana")),
              (at(today - timedelta(days=3), 9), inv_ev.MermaRecorded("m2", "centro", "PAN-1", "Pan Batido",
                                                                     Decimal("0.5"), "dano", 1333, "ana")),
              (at(nov + timedelta(days=9), 9), inv_ev.MermaRecorded("m3", "centro", "LEC-1", "Leche", Decimal(1),
                                                                   "vencimiento", 700, "ana"))]
    centro[:0] = [(at(nov, 8), bought("centro", "LEC-1", 24, 8400)),
                  (at(nov, 8, 5), bought("centro", "COC-15", 12, 12_000))]
    norte = [(at(nov, 8), bought("norte", "HUE-12", 10, 25_000)),
             (at(nov + timedelta(days=2), 8), fiado_ev.CustomerProfileSaved("c-luz", "Luz Rojas", "", "", "", "",
                                                                           "carla")),
             (at(nov + timedelta(days=2), 8, 1), fiado_ev.FiadoAccountSet("c-luz", True, 100_000, "carla")),
             (at(today, 9, 5), s5), (at(nov + timedelta(days=8), 20, 10), s6),
             (at(today - timedelta(days=1), 23, 30), s7),
             (at(dec1 + timedelta(days=1), 17), fiado_ev.FiadoPaid("p1", "c-luz", "s1", "carla", "cash", 1000, 1000,
                                                                    3980))]
    return Journal({"centro": sorted(centro, key=lambda x: local(x[0])),
                    "norte": sorted(norte, key=lambda x: local(x[0]))})


def seed(data: Db, journal: Journal) -> None:
    """Store ``norte``, the catalog, a till per store that journals ``journal`` and pushes it."""

    async def setup(pool: Any) -> dict[str, Till]:
        await tenancy.create_store(pool, 1, "norte", "Norte")
        for sku, (name, price, category, exempt, sold_by) in PRODUCTS.items():
            await catalog.upsert_product(pool, 1, product(sku, name, price, category, iva_exempt=exempt,
                                                          sold_by=sold_by))
        return {store: await Till.enroll(pool, 1, store) for store in journal.stores}

    tills = data.run(setup)
    for store, entries in journal.stores.items():
        for when, event in entries:
            record(tills[store], event, when)

    async def push(pool: Any) -> None:
        for till in tills.values():
            ack = await till.push(pool)
            assert ack.acked_seq == len(till.journal), ack
    data.run(push)
    quarantined = data.rows("SELECT type, reason FROM quarantine")
    assert quarantined == [], quarantined


# --- the independent fold -------------------------------------------------------------------------------------

def neto_of(gross: int, exempt: bool) -> int:
    """IVA-included pesos without IVA (19 %), half up; an exempt amount as it is."""
    return gross if exempt else int((Decimal(gross) / Decimal("1.19")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def shares(discount: int, amounts: list[int]) -> list[int]:
    """A sale's discount over its lines in proportion, the pesos left to the largest remainders."""
    whole = sum(amounts)
    if not discount:
        return [0] * len(amounts)
    parts = [discount * a // whole for a in amounts]
    order = sorted(range(len(amounts)), key=lambda i: (-(discount * amounts[i] % whole), i))
    for i in order[:discount - sum(parts)]:
        parts[i] += 1
    return parts


def local(occurred_at: str) -> datetime:
    return datetime.fromisoformat(occurred_at).astimezone(CHILE)


@dataclass
class Fold:
    """Figures of the events of some stores over ``[start, end]`` (Chile days)."""

    days: dict[date, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0] * 6))
    """day -> tickets, total, returns, returned, neto, costed neto minus cost... see :func:`fold`."""
    hours: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    cashiers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))
    tenders: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    products: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(lambda: [Decimal(0), 0, 0, 0, 0]))
    mermas: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


def fold(journal: Journal, stores: list[str], start: date, end: date) -> Fold:
    """``days[d] = [tickets, total, returns, returned, neto, cost, costed_neto]`` (7), ``hours[(weekday, hour)] =
    [tickets, total]``, ``cashiers[id] = [tickets, total, returns, returned]``, ``tenders[kind] = [count,
    amount]``, ``products[sku] = [units, total, neto, cost, costed_neto]``, ``mermas[reason] = [count, value]``."""
    out = Fold(days=defaultdict(lambda: [0] * 7))
    sold: dict[str, sales.SaleCompleted] = {}
    for when, e in journal.events(stores):
        moment = local(when)
        if isinstance(e, sales.SaleCompleted):
            sold[e.sale_id] = e
        if not start <= moment.date() <= end:
            continue
        if isinstance(e, sales.SaleCompleted):
            d = out.days[moment.date()]
            d[0] += 1
            d[1] += e.total
            d[4] += e.neto + e.exento
            h = out.hours[(moment.weekday(), moment.hour)]
            h[0] += 1
            h[1] += e.total
            c = out.cashiers[e.cashier_id]
            c[0] += 1
            c[1] += e.total
            for t in e.tenders:
                out.tenders[t.kind][0] += 1
                out.tenders[t.kind][1] += t.received
            for x, off in zip(e.lines, shares(e.discount, [x.amount for x in e.lines]), strict=True):
                gross = x.amount - off
                p = out.products[x.sku]
                p[0] += x.quantity
                p[1] += gross
                p[2] += neto_of(gross, x.iva_exempt)
                if x.cost is not None:
                    p[3] += x.cost
                    p[4] += neto_of(gross, x.iva_exempt)
                    d[5] += x.cost
                    d[6] += neto_of(gross, x.iva_exempt)
        elif isinstance(e, returns.ReturnCompleted):
            d = out.days[moment.date()]
            d[2] += 1
            d[3] += e.total
            d[4] -= e.neto + e.exento
            c = out.cashiers[e.cashier_id]
            c[2] += 1
            c[3] += e.total
            for t in e.refunds:
                out.tenders[t.kind][1] -= t.amount
            for x in e.lines:
                original = next(y for y in sold[e.sale_id].lines if y.line_id == x.line_id)
                p = out.products[x.sku]
                p[0] -= x.quantity
                p[1] -= x.amount
                p[2] -= neto_of(x.amount, x.iva_exempt)
                if original.cost is not None:
                    cost = int((Decimal(original.cost) * x.quantity / original.quantity).quantize(
                        Decimal(1), rounding=ROUND_HALF_UP))
                    p[3] -= cost
                    p[4] -= neto_of(x.amount, x.iva_exempt)
                    d[5] -= cost
                    d[6] -= neto_of(x.amount, x.iva_exempt)
        elif isinstance(e, inv_ev.MermaRecorded):
            m = out.mermas[e.reason]
            m[0] += 1
            m[1] += int((e.quantity * e.unit_cost).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return out


def fiado_balances(journal: Journal, at_end_of: date) -> dict[str, int]:
    """Each customer's balance (charges minus payments) at the end of ``at_end_of`` (every store: one account)."""
    out: dict[str, int] = defaultdict(int)
    for when, e in journal.events(list(journal.stores)):
        if local(when).date() > at_end_of:
            continue
        if isinstance(e, sales.SaleCompleted) and e.fiado:
            out[e.customer_id] += e.fiado.amount
        elif isinstance(e, fiado_ev.FiadoPaid):
            out[e.customer_id] -= e.amount
    return {k: v for k, v in out.items() if v}


def stock_by_category(journal: Journal, stores: list[str]) -> dict[str, list[int]]:
    """``category -> [products with stock > 0, value]`` now: each SKU's units bought less sold, plus returned, less
    mermas, at its purchase's unit cost (one purchase each: the weighted average is that), 0 when never bought."""
    units: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unit_cost: dict[tuple[str, str], Decimal] = {}
    for store in stores:
        for _when, e in journal.stores.get(store, []):
            if isinstance(e, purchases.PurchaseReceived):
                for x in e.lines:
                    units[(store, x.sku)] += x.quantity
                    unit_cost[(store, x.sku)] = Decimal(x.cost) / x.quantity
            elif isinstance(e, sales.SaleCompleted):
                for y in e.lines:
                    units[(store, y.sku)] -= y.quantity
            elif isinstance(e, returns.ReturnCompleted):
                for z in e.lines:
                    units[(store, z.sku)] += z.quantity
            elif isinstance(e, inv_ev.MermaRecorded):
                units[(store, e.sku)] -= e.quantity
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    skus: dict[str, set[str]] = defaultdict(set)
    for (store, sku), quantity in units.items():
        category = PRODUCTS[sku][2] or UNCATEGORISED
        if quantity > 0:
            skus[category].add(sku)
        cost = unit_cost.get((store, sku))
        out[category][1] += 0 if cost is None else int((quantity * cost).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    for category, found in skus.items():
        out[category][0] = len(found)
    return dict(out)
