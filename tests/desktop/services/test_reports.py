"""The Reportes' figures on a real till journal (sales on several days and hours, two cashiers, tenders, discounts,
kg and exempt lines, a return, a merma, fiado) against an independent fold of the journaled events in the test; the
period before; the exports read back with csv and openpyxl; a rebuild gives the same rollups."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from desktop.journal import inventory_queries, report_projection
from desktop.services import reports
from desktop.services.reports import Period
from shared import money
from shared.events import purchases
from shared.sale import Tender, TenderKind
from tests.desktop.services import fiado_kit

SANTIAGO = ZoneInfo("America/Santiago")
SUPPLIER = purchases.Supplier("76.086.428-5", "Distribuidora El Ñandú Ltda.", "Comercio al por mayor")
LECHE, COCA, BIP = "7801234567894", "7801610001196", "7800000000016"


def _purchase(term: Any, sku: str, barcode: str, name: str, quantity: int, cost: int, folio: int) -> None:
    value = cost * quantity
    iva = int((Decimal(value) * Decimal("0.19")).quantize(Decimal(1), ROUND_HALF_UP))
    term.journal.append(purchases.PurchaseReceived(
        purchase_id=term.journal.new_id(), supplier=SUPPLIER, tipo=purchases.FACTURA, folio=folio,
        fecha_emision="2026-11-19", warehouse=term.journal.identity.store_id,
        lines=(purchases.PurchaseLine(1, "", barcode, name, Decimal(quantity), "UN", cost, value, value, False, sku,
                                      "ean"),),
        neto=value, exento=0, iva=iva, total=value + iva, digest=hashlib.sha256(f"{folio}".encode()).hexdigest(),
        moves_stock=True, registered_by="rosa"))


def _pay(term: Any, kind: TenderKind = TenderKind.CASH) -> Any:
    total = term.checkout.sale.totals().total
    return term.checkout.complete((Tender(kind, total + (90 if kind is TenderKind.CASH else 0)),)).event


@pytest.fixture
def store(selling: Any, clock: Any) -> Any:
    """Eight days of a small store: 2026-11-20 (Friday) to 2026-11-27, sales at several hours by Ana and Pedro."""
    term = selling
    fiado_kit.caf(term, 39)
    fiado_kit.caf(term, 61)
    _purchase(term, "LEC-1", LECHE, "Leche Entera Colun 1 L", 48, 700, 1)
    _purchase(term, "COC-15", COCA, "Coca-Cola 1,5 L", 24, 1100, 2)
    fiado_kit.customer(term)
    shift = term.checkout.shift_id
    ana, pedro = term.auth.sign_in("ana", "1234"), term.auth.sign_in("pedro", "2345")
    rosa = term.auth.sign_in("rosa", "0000")
    pan = term.catalog.resolve("PAN-1").product

    term.checkout.scan(LECHE)
    term.checkout.scan(LECHE)
    term.checkout.scan(COCA)
    first = _pay(term)                                                  # Fri 09:30, cash
    clock.advance(hours=5, minutes=10)
    term.checkout.add_product(pan, Decimal("0.750"))
    term.checkout.scan(BIP)
    term.checkout.scan(LECHE)
    term.checkout.discount_sale(300, supervisor_pin="9999", reason="cliente frecuente")
    _pay(term, TenderKind.DEBIT)                                        # Fri 14:40, debit, a sale discount
    term.mermas.record(rosa, "LEC-1", "1", "vencimiento", supervisor_pin="9999")
    clock.advance(days=1, hours=-3)
    term.checkout.start(pedro, shift)
    for _ in range(3):
        term.checkout.scan(COCA)
    _pay(term, TenderKind.CREDIT)                                       # Sat 11:40, Pedro, credit
    found = term.returns.find_sale(first.sale_id)
    term.returns.complete(found, {1: Decimal(1)}, "9999", "vencida", cashier_id="pedro", shift_id=shift)
    clock.advance(days=6, hours=8)
    term.checkout.start(ana, shift)
    fiado_kit.online(term)
    term.checkout.scan(COCA)
    term.checkout.attach_customer(fiado_kit.JUANA)
    _pay(term, TenderKind.FIADO)                                        # Fri 27 19:40, fiado
    term.checkout.scan(LECHE)
    term.mermas.record(rosa, "COC-15", "1", "dano", supervisor_pin="9999")
    _pay(term)
    return term


# --- the independent fold ------------------------------------------------------------------------------------

def _neto(gross: int, exempt: bool) -> int:
    if exempt:
        return gross
    sign = -1 if gross < 0 else 1
    return sign * int((Decimal(abs(gross)) / Decimal("1.19")).quantize(Decimal(1), ROUND_HALF_UP))


def _shares(discount: int, amounts: list[int]) -> list[int]:
    total = sum(amounts)
    if not discount or not total:
        return [0] * len(amounts)
    exact = [Decimal(discount) * a / total for a in amounts]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(amounts)), key=lambda i: (-(exact[i] - parts[i]), i))[:discount - sum(parts)]:
        parts[i] += 1
    return parts


class Fold:
    """What every report should say, folded here from the journal's events (not from the rollups)."""

    def __init__(self, term: Any) -> None:
        self.rows: list[tuple[str, date, int, Any]] = []
        for entry in term.journal.read(1):
            local = datetime.fromisoformat(entry.occurred_at).astimezone(SANTIAGO)
            self.rows.append((entry.type, local.date(), local.hour, term.journal.codec.decode(
                entry.type, entry.version, entry.payload)))
        self.sold = {e.sale_id: e for t, _, _, e in self.rows if t == "sale.completed"}

    def days(self, start: date, end: date) -> dict[date, dict[str, int]]:
        out: dict[date, dict[str, int]] = {}
        day = start
        while day <= end:
            out[day] = defaultdict(int)
            day += timedelta(days=1)
        for kind, day, _, e in self.rows:
            if day not in out:
                continue
            d = out[day]
            if kind == "sale.completed":
                d["tickets"] += 1
                d["total"] += e.total
                d["neto"] += e.neto + e.exento
                for neto, cost in self._lines(e):
                    if cost is not None:
                        d["cost"] += cost
                        d["margin"] += neto - cost
            elif kind == "sale.returned":
                d["returns"] += 1
                d["returned"] += e.total
                d["neto"] -= e.neto + e.exento
                for line in e.lines:
                    cost = self._returned_cost(e.sale_id, line)
                    if cost is not None:
                        d["cost"] -= cost
                        d["margin"] -= _neto(line.amount, line.iva_exempt) - cost
        return out

    def _lines(self, e: Any) -> list[tuple[int, int | None]]:
        shares = _shares(e.discount, [x.amount for x in e.lines])
        return [(_neto(x.amount - s, x.iva_exempt), x.cost) for x, s in zip(e.lines, shares, strict=True)]

    def _returned_cost(self, sale_id: str, line: Any) -> int | None:
        sold = next(x for x in self.sold[sale_id].lines if x.line_id == line.line_id)
        if sold.cost is None:
            return None
        return int((Decimal(sold.cost) * line.quantity / sold.quantity).quantize(Decimal(1), ROUND_HALF_UP))

    def products(self, start: date, end: date) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
        for kind, day, _, e in self.rows:
            if not start <= day <= end:
                continue
            if kind == "sale.completed":
                shares = _shares(e.discount, [x.amount for x in e.lines])
                for x, s in zip(e.lines, shares, strict=True):
                    p = out[x.sku]
                    p["units"] += x.quantity
                    p["total"] += x.amount - s
                    p["neto"] += _neto(x.amount - s, x.iva_exempt)
                    if x.cost is not None:
                        p["cost"] += x.cost
                        p["margin"] += _neto(x.amount - s, x.iva_exempt) - x.cost
            elif kind == "sale.returned":
                for line in e.lines:
                    p = out[line.sku]
                    p["units"] -= line.quantity
                    p["total"] -= line.amount
                    p["neto"] -= _neto(line.amount, line.iva_exempt)
                    cost = self._returned_cost(e.sale_id, line)
                    if cost is not None:
                        p["cost"] -= cost
                        p["margin"] -= _neto(line.amount, line.iva_exempt) - cost
        return out

    def by(self, start: date, end: date, key: Any, value: Any, kinds: tuple[str, ...] = ("sale.completed",)
           ) -> dict[Any, int]:
        out: dict[Any, int] = defaultdict(int)
        for kind, day, hour, e in self.rows:
            if kind in kinds and start <= day <= end:
                for k, v in zip(key(e, day, hour), value(e), strict=True):
                    out[k] += v
        return dict(out)


# --- the tests -----------------------------------------------------------------------------------------------

FRI, SAT, NEXT_FRI = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 27)


@pytest.mark.parametrize(("start", "end"), [(FRI, FRI), (SAT, SAT), (FRI, SAT), (SAT, NEXT_FRI),
                                            (date(2026, 11, 1), date(2026, 11, 30)), (FRI, date(2026, 12, 3))])
def test_every_figure_matches_a_fold_of_the_journal(store: Any, start: date, end: date) -> None:
    fold = Fold(store)
    service = store.reports
    period = Period.custom(start, end)
    before = period.previous()

    days = service.sales_by_day(period)
    assert days.previous_period == before
    for rows, (a, b) in ((days.rows, (start, end)), (days.previous_rows, (before.start, before.end))):
        expected = fold.days(a, b)
        assert [r.day for r in rows] == sorted(expected)
        for r in rows:
            e = expected[r.day]
            assert (r.tickets, r.total, r.returns, r.returned, r.neto, r.cost, r.margin) == (
                e["tickets"], e["total"], e["returns"], e["returned"], e["neto"], e["cost"], e["margin"]), r.day
    assert days.total == sum(e["total"] - e["returned"] for e in fold.days(start, end).values())
    assert [r.margin for r in service.margin_over_time(period).rows] == [r.margin for r in days.rows]

    hours = service.sales_by_hour(period)
    assert len(hours.rows) == 168
    expected_hours = fold.by(start, end, lambda e, d, h: [(d.weekday(), h)], lambda e: [e.total])
    assert {(r.weekday, r.hour): r.total for r in hours.rows if r.tickets} == expected_hours

    cashiers = service.sales_by_cashier(period)
    sold = fold.by(start, end, lambda e, d, h: [e.cashier_id], lambda e: [e.total])
    returned = fold.by(start, end, lambda e, d, h: [e.cashier_id], lambda e: [e.total], ("sale.returned",))
    assert {r.cashier_id: (r.total, r.returned) for r in cashiers.rows} == {
        k: (sold.get(k, 0), returned.get(k, 0)) for k in sold.keys() | returned.keys()}
    names = {r.cashier_id: r.name for r in cashiers.rows}
    assert names.get("ana", "Ana Pérez") == "Ana Pérez"

    tenders = service.sales_by_tender(period)
    taken = fold.by(start, end, lambda e, d, h: [t.kind for t in e.tenders], lambda e: [t.received for t in e.tenders])
    for kind, amount in fold.by(start, end, lambda e, d, h: [t.kind for t in e.refunds],
                                lambda e: [-t.amount for t in e.refunds], ("sale.returned",)).items():
        taken[kind] = taken.get(kind, 0) + amount
    assert {r.kind: r.amount for r in tenders.rows} == taken

    products = fold.products(start, end)
    for by in ("units", "pesos", "margin"):
        top = service.top_products(period, by, limit=50)
        assert {r.sku: (r.units, r.total, r.neto, r.cost, r.margin) for r in top.rows} == {
            sku: (p["units"], p["total"], p["neto"], p["cost"], p["margin"]) for sku, p in products.items()}
        metric = {"units": lambda r: r.units, "pesos": lambda r: r.total, "margin": lambda r: r.margin}[by]
        assert [metric(r) for r in top.rows] == sorted((metric(r) for r in top.rows), reverse=True)
        bottom = service.top_products(period, by, bottom=True, limit=2)
        assert [metric(r) for r in bottom.rows] == sorted(metric(r) for r in top.rows)[:2]

    categories = {r.category: r.total for r in service.sales_by_category(period).rows}
    catalog = {"LEC-1": "Lácteos", "COC-15": "Bebidas", "PAN-1": "Panadería", "BIP-2": "Exentos"}
    expected_categories: dict[str, int] = defaultdict(int)
    for sku, p in products.items():
        expected_categories[catalog[sku]] += p["total"]
    assert categories == dict(expected_categories)

    mermas = fold.by(start, end, lambda e, d, h: [e.reason], lambda e: [e.quantity * e.unit_cost],
                     ("inventory.merma_recorded",))
    assert {r.reason: r.value for r in service.shrinkage_by_reason(period).rows} == {
        k: int(v) for k, v in mermas.items()}


def test_the_summary_stock_and_fiado(store: Any) -> None:
    service = store.reports
    week = Period.custom(NEXT_FRI - timedelta(days=6), NEXT_FRI)
    summary = service.summary(week)
    days = service.sales_by_day(week)
    assert summary.sold == days.total and summary.tickets == sum(r.tickets for r in days.rows) == 3
    assert summary.previous_sold == days.previous_total
    assert summary.average_ticket == round(sum(r.total for r in days.rows) / 3)

    fiado = service.fiado_outstanding(week)
    assert [(r.name, r.balance) for r in fiado.rows] == [("Juana Soto", 1990)]
    assert fiado.previous_rows == () and fiado.total == 1990 and fiado.change is None

    stock = service.stock_by_category()
    assert stock.previous_period is None
    assert stock.total == inventory_queries.stock_value(store.journal.conn) > 0
    assert {r.category for r in stock.rows} >= {"Lácteos", "Bebidas"}


def test_the_periods_and_the_ones_before() -> None:
    assert Period(date(2026, 12, 1), date(2026, 12, 31), "month").previous() == Period(
        date(2026, 11, 1), date(2026, 11, 30), "month")
    assert Period.custom(date(2026, 3, 1), date(2026, 3, 31)).previous().start == date(2026, 2, 1)
    assert Period.custom(date(2026, 1, 1), date(2026, 12, 31)).previous() == Period(
        date(2025, 1, 1), date(2025, 12, 31), "custom")
    week = Period(date(2026, 12, 7), date(2026, 12, 13), "week")
    assert week.previous() == Period(date(2026, 11, 30), date(2026, 12, 6), "week")
    assert Period(date(2026, 12, 7), date(2026, 12, 7)).previous().label == "06-12-2026"
    with pytest.raises(reports.InvalidPeriod, match="antes de empezar"):
        Period.custom(date(2026, 12, 7), date(2026, 12, 6))
    with pytest.raises(reports.InvalidPeriod, match="máximo"):
        Period.custom(date(2020, 1, 1), date(2026, 1, 1))


def test_the_service_picks_today_this_week_and_this_month_in_chile(terminal: Any, clock: Any) -> None:
    service = terminal.reports
    clock.now = datetime(2026, 12, 1, 1, 30, tzinfo=ZoneInfo("UTC"))  # still 30 November in Santiago
    assert service.today() == Period(date(2026, 11, 30), date(2026, 11, 30), "today")
    assert service.this_week() == Period(date(2026, 11, 30), date(2026, 11, 30), "week")
    assert service.this_month() == Period(date(2026, 11, 1), date(2026, 11, 30), "month")


def test_exports_read_back_as_the_tables(store: Any, tmp_path: Any) -> None:
    service = store.reports
    period = Period.custom(FRI, SAT)
    everything = service.all_reports(period)
    assert len({r.key for r in everything}) == len(everything)
    days = service.sales_by_day(period)
    text = reports.to_csv(days).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    table = days.table()
    assert rows[0] == [table.title, table.subtitle] and rows[1] == list(table.columns)
    assert rows[1][-1] == "Venta neta período anterior"
    assert [r[0] for r in rows[2:]] == ["20-11-2026", "21-11-2026"]
    assert [int(r[4]) for r in rows[2:]] == [r.net_total for r in days.rows]
    top = service.top_products(period, "units")
    units = [r for r in list(csv.reader(io.StringIO(reports.to_csv(top).decode("utf-8-sig")), delimiter=";"))[2:]]
    assert [Decimal(r[3].replace(",", ".")) for r in units] == [r.units for r in top.rows]

    path = reports.save(everything, tmp_path / "reportes.xlsx")
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == len(everything)
    for report, name in zip(everything, book.sheetnames, strict=True):
        sheet = book[name]
        t = report.table()
        values = list(sheet.iter_rows(values_only=True))
        assert values[0][0] == t.title and values[2] == t.columns
        got = [tuple(c.date() if isinstance(c, datetime) else c for c in row) for row in values[3:]]
        want = [tuple(float(c) if isinstance(c, Decimal) and c != int(c) else c for c in row) for row in t.rows]
        assert got == [tuple(int(c) if isinstance(c, Decimal) else c for c in row) for row in want], name
    with pytest.raises(ValueError, match="un solo informe"):
        reports.save(everything, tmp_path / "todo.csv")
    with pytest.raises(ValueError, match="Formato desconocido"):
        reports.save(days, tmp_path / "x.pdf")


def test_a_rebuild_folds_the_same_rollups(store: Any) -> None:
    conn = store.journal.conn

    def dump() -> list[list[tuple[Any, ...]]]:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in report_projection.TABLES]

    before = dump()
    assert all(before)
    store.journal.rebuild_projections()
    assert dump() == before


@pytest.mark.parametrize("gross", [0, 1, 59, 60, 119, 4200, 1990, 999_999, 12_345_678])
def test_a_lines_neto_is_the_split_of_its_gross(gross: int) -> None:
    assert report_projection.line_neto(gross, False) == money.split_iva(gross).neto
    assert report_projection.line_neto(-gross, False) == -money.split_iva(gross).neto
    assert report_projection.line_neto(gross, True) == gross


def test_each_row_finds_its_figure_in_the_period_before(store: Any) -> None:
    service = store.reports
    days = service.sales_by_day(Period.custom(SAT, SAT))  # the day before: Friday, two sales
    assert days.previous_of(days.rows[0]) == days.previous_rows[0].net_total == days.previous_total > 0
    products = service.top_products(Period.custom(SAT, SAT), "pesos")
    friday = {r.sku: r.total for r in service.top_products(Period.custom(FRI, FRI)).rows}
    assert [r.sku for r in products.rows] == ["COC-15", "LEC-1"]  # Pedro's Coca-Colas, Ana's milk given back
    assert [products.previous_of(r) for r in products.rows] == [friday["COC-15"], friday["LEC-1"]]
    assert friday["COC-15"] > 0
    assert service.stock_by_category().previous_of(service.stock_by_category().rows[0]) is None
