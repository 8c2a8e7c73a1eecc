"""HQ's reports of a store equal its till's back office reports for the same events: a till that buys (costed lines),
sells with line and sale discounts, weighed lines and an uncosted product, gives goods back and records a merma
pushes through a real sync; ``syncserver.store.reports`` for that store gives exactly ``report_queries``' figures;
the figures of both stores equal an independent fold of both journals; a replayed batch and a rebuild change
nothing."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from desktop.journal import read_models
from desktop.journal import report_queries as q
from shared.events import registry
from shared.sale import Tender, TenderKind
from syncserver.ingest import rebuild
from syncserver.store import db, rollups
from syncserver.store import reports as hq
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(15)  # P000, P007 and P014 are sold by weight
SUPPLIER = ("78.345.120-4", "Comercial Los Aromos Ltda.", "Distribución de abarrotes")
CHILE = ZoneInfo("America/Santiago")
ROLLUPS_SQL = ("SELECT (SELECT json_agg(r ORDER BY store_id, day, hour, cashier_id) FROM report_sales r),"
               " (SELECT json_agg(r ORDER BY store_id, day, cashier_id) FROM report_days r),"
               " (SELECT json_agg(r ORDER BY store_id, month, cashier_id) FROM report_cashier_months r),"
               " (SELECT json_agg(r ORDER BY store_id, month, weekday, hour) FROM report_hour_months r),"
               " (SELECT json_agg(r ORDER BY store_id, day, kind) FROM report_tenders r),"
               " (SELECT json_agg(r ORDER BY store_id, month, kind) FROM report_tender_months r),"
               " (SELECT json_agg(r ORDER BY store_id, day, sku) FROM report_product_days r),"
               " (SELECT json_agg(r ORDER BY store_id, month, sku) FROM report_product_months r)")


def _synced(*tills: Any) -> None:
    for till in tills:
        for _ in range(5):
            status = till.sync.sync_once(till.terminal.journal.clock())
            assert status.online, status
            if status.pending == 0:
                break


def _sell(term: Any, items: list[tuple[str, str]], kind: TenderKind, *, line_off: int = 0, sale_off: int = 0) -> Any:
    for plu, quantity in items:
        term.checkout.add_product(read_models.by_plu(term.journal.conn, plu), Decimal(quantity))
    if line_off:
        term.checkout.discount_line(term.checkout.sale.lines[0].line_id, line_off, "9999", "cliente frecuente")
    if sale_off:
        term.checkout.discount_sale(sale_off, "9999", "redondeo a favor")
    total = term.checkout.sale.totals().total
    return term.checkout.complete((Tender(kind, total + 10 if kind is TenderKind.CASH else total),)).event


def _read(server: Any, work: Any) -> Any:
    async def go(pool: Any) -> Any:
        async with db.tenant_tx(pool, 1) as conn:
            return await work(conn)
    return server.run(go)


def _figures(server: Any, stores: list[str], start: date, end: date) -> dict[str, Any]:
    async def all_of(conn: Any) -> dict[str, Any]:
        out = {"day": await hq.sales_by_day(conn, 1, stores, start, end),
               "margin": await hq.margin_over_time(conn, 1, stores, start, end),
               "hour": await hq.sales_by_hour(conn, 1, stores, start, end),
               "cashier": await hq.sales_by_cashier(conn, 1, stores, start, end),
               "tender": await hq.sales_by_tender(conn, 1, stores, start, end),
               "category": await hq.sales_by_category(conn, 1, stores, start, end),
               "shrinkage": await hq.shrinkage_by_reason(conn, 1, stores, start, end)}
        for by in ("units", "pesos", "margin"):
            for bottom in (False, True):
                out[f"top-{by}-{bottom}"] = await hq.top_products(conn, 1, stores, start, end, by, bottom, 50)
        return out
    return _read(server, all_of)


def _till_figures(conn: Any, start: date, end: date) -> dict[str, Any]:
    out = {"day": q.sales_by_day(conn, start, end), "margin": q.sales_by_day(conn, start, end),
           "hour": q.sales_by_hour(conn, start, end), "cashier": q.sales_by_cashier(conn, start, end),
           "tender": q.sales_by_tender(conn, start, end), "category": q.sales_by_category(conn, start, end),
           "shrinkage": q.shrinkage_by_reason(conn, start, end)}
    for by in ("units", "pesos", "margin"):
        for bottom in (False, True):
            out[f"top-{by}-{bottom}"] = q.top_products(conn, start, end, by, bottom=bottom, limit=50)
    return out


def _local_day(occurred_at: str) -> date:
    return datetime.fromisoformat(occurred_at).astimezone(CHILE).date()


def _independent(tills: list[Any]) -> tuple[dict[date, list[int]], dict[str, list[Any]], dict[str, list[int]]]:
    """Per day ``[tickets, total, returns, returned]``, per SKU ``[units, total]`` after returns, per tender kind
    ``[count, amount]``, read straight from the tills' journals."""
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    products: dict[str, list[Any]] = defaultdict(lambda: [Decimal(0), 0])
    tenders: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for till in tills:
        for e in till.terminal.journal.read():
            p = e.payload
            if e.type == "sale.completed":
                day = days[_local_day(e.occurred_at)]
                day[0] += 1
                day[1] += p["total"]
                discounts = _shares(p["discount"], [x["amount"] for x in p["lines"]])
                for x, off in zip(p["lines"], discounts, strict=True):
                    products[x["sku"]][0] += Decimal(str(x["quantity"]))
                    products[x["sku"]][1] += x["amount"] - off
                for t in p["tenders"]:
                    tenders[t["kind"]][0] += 1
                    tenders[t["kind"]][1] += t["received"]
            elif e.type == "sale.returned":
                day = days[_local_day(e.occurred_at)]
                day[2] += 1
                day[3] += p["total"]
                for x in p["lines"]:
                    products[x["sku"]][0] -= Decimal(str(x["quantity"]))
                    products[x["sku"]][1] -= x["amount"]
                for t in p["refunds"]:
                    tenders[t["kind"]][1] -= t["amount"]
    return days, products, tenders


def _shares(discount: int, amounts: list[int]) -> list[int]:
    """A sale's discount over its lines in proportion, the leftover pesos to the largest remainders (first line
    first on ties): written here again, apart from ``shared.sale.allocate``."""
    whole = sum(amounts)
    if not discount or not whole:
        return [0] * len(amounts)
    parts = [discount * a // whole for a in amounts]
    rest = sorted(range(len(amounts)), key=lambda i: (-(discount * amounts[i] % whole), i))
    for i in rest[:discount - sum(parts)]:
        parts[i] += 1
    return parts


def test_hq_reports_of_a_store_equal_its_till_and_all_stores_the_fold_of_both(server, make_till):
    sync_kit.setup_tenants(server)
    centro, norte = make_till(1, "centro", ROWS), make_till(1, "norte", ROWS)
    sync_kit.lease_sample_folios(server, 1)
    _synced(centro, norte)
    stock_at_start = _read(server, lambda c: hq.stock_by_category(c, 1, ["centro", "norte"]))  # counted and kept
    a = centro.terminal
    rosa = a.auth.sign_in("rosa", "0000")
    rut, razon, giro = SUPPLIER
    today = _local_day(a.journal.clock().isoformat())
    a.purchases.record_manual(rosa, rut, 30, 101, today.isoformat(), [
        a.purchases.manual_line("P001", "24", "410"), a.purchases.manual_line("P002", "12", "520"),
        a.purchases.manual_line("P007", "7,250", "1.300")], razon_social=razon, giro=giro)
    ana = a.auth.sign_in("ana", "1234")
    a.checkout.start(ana, a.shifts.open(ana, 10_000).shift_id)
    mixed = _sell(a, [("4001", "2"), ("4007", "1.250"), ("4005", "1"), ("4002", "3")], TenderKind.CASH,
                  line_off=150, sale_off=333)
    _sell(a, [("4002", "1"), ("4007", "0.815")], TenderKind.DEBIT, sale_off=101)
    _sell(a, [("4005", "2"), ("4001", "1")], TenderKind.CREDIT)
    sync_kit.sell(a, 6, random.Random(3), len(ROWS))
    sync_kit.give_back(a, mixed.sale_id, {1: Decimal(1), 2: Decimal("0.500"), 3: Decimal(1)}, "producto vencido")
    a.mermas.record(rosa, "P002", "1", "dano", note="Envase roto")
    sync_kit.sell(norte.terminal, 7, random.Random(4), len(ROWS))
    _synced(centro, norte)
    assert sync_kit.master(server, "SELECT count(*) FROM quarantine", 1) == [(0,)]

    start, end = today - timedelta(days=1), today + timedelta(days=1)
    got = _figures(server, ["centro"], start, end)
    till = _till_figures(a.journal.conn, start, end)
    assert got == till
    sold = got["day"][1]
    assert sold.tickets == 9 and sold.returns == 1 and 0 < sold.cost < sold.neto and sold.margin != 0
    assert any(p.uncosted for p in got["top-pesos-False"]) and any(p.cost for p in got["top-pesos-False"])
    assert got["shrinkage"] and got["shrinkage"][0].reason == "dano"

    # the stock by category kept since the start, moved by the ingest, equals every product counted afresh
    kept = _read(server, lambda c: hq.stock_by_category(c, 1, ["centro", "norte"]))
    assert kept != stock_at_start and sum(c.value for c in kept) > 0
    sync_kit.admin(server, "DELETE FROM report_stock_marks RETURNING store_id")
    assert _read(server, lambda c: hq.stock_by_category(c, 1, ["centro", "norte"])) == kept

    # both stores: the tenant's rows against an independent fold of both journals
    both = _figures(server, ["centro", "norte"], start, end)
    days, products, tenders = _independent([centro, norte])
    assert {d.day: [d.tickets, d.total, d.returns, d.returned] for d in both["day"] if d.tickets or d.returns} == days
    assert {p.sku: [p.units, p.total] for p in both["top-units-False"]} == {k: v for k, v in products.items()}
    assert {t.kind: [t.count, t.amount] for t in both["tender"]} == tenders
    assert sum(c.total for c in both["category"]) == sum(v[1] for v in products.values())
    assert sum(sum(h.total for h in hour) for hour in [both["hour"]]) == sum(v[1] for v in days.values())

    # a batch pushed again adds nothing; a rebuild refolds the very same rollups
    before = sync_kit.master(server, ROLLUPS_SQL, 1)
    entries = list(a.journal.read())
    replay = sync_kit.push(server, centro, entries[-5:])
    assert replay.status_code in (200, 409), replay.text
    assert sync_kit.master(server, ROLLUPS_SQL, 1) == before
    assert server.run(lambda pool: rebuild.rebuild(pool, registry.build_codec(), 1)) > 0
    assert sync_kit.master(server, ROLLUPS_SQL, 1) == before
    assert _figures(server, ["centro"], start, end) == till

    # the migration's back-fill (synchronous, every tenant) folds the same rollups from the stored events
    with psycopg.connect(server.admin_url) as conn:
        for table in rollups.TABLES:
            conn.execute(f"DELETE FROM {table}")
        assert rollups.backfill_all(conn) == sum(1 for t in (centro, norte) for e in t.terminal.journal.read()
                                                 if e.type in rollups.TYPES)
    assert sync_kit.master(server, ROLLUPS_SQL, 1) == before
