"""HQ «Reportes» (``/hq/reportes``): every report of the back office for all stores and for one, this month against
the month before, shown (chart and table) and downloaded (CSV, XLSX, «Todo») equal to an independent fold of the
events the tills pushed; bad periods and another's store are refused in Spanish; an encargado sees his store only;
in Chromium at desktop and phone widths (screenshots hq_reports_*.png) with axe-core finding no violation."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import httpx
import openpyxl
from starlette.types import ASGIApp

from shared import report_tables as rt
from syncserver.hq import reports
from tests.syncserver.dte.folio_kit import HQ_PASSWORD, SAMPLE_RUT, hq_app, hq_login, migrated
from tests.syncserver.hq import reports_kit as kit
from tests.syncserver.hq.hq_support import BROWSER_MARKS, SHOTS, accept, invite

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
Row = tuple[Any, ...]


def _q3(value: Decimal) -> Decimal:
    """A quantity as the files write it: whole units without decimals, else to the gram."""
    return Decimal(int(value)) if value == value.to_integral_value() else value.quantize(Decimal("0.001"))


def expected(journal: kit.Journal, stores: list[str], period: rt.Period) -> dict[str, tuple[list[str], list[Row]]]:
    """Every report's columns and rows (``Report.table()``'s layout) from the fold of ``journal``, by title."""
    before = period.previous()
    now, old = kit.fold(journal, stores, period.start, period.end), kit.fold(journal, stores, before.start,
                                                                             before.end)
    days = [period.start + (d - period.start) for d in _days(period)]
    old_days = _days(before)
    out: dict[str, tuple[list[str], list[Row]]] = {}

    def day(f: kit.Fold, d: date) -> list[int]:
        return f.days.get(d, [0] * 7)

    def net(f: kit.Fold, d: date) -> int:
        return day(f, d)[1] - day(f, d)[3]

    def margin(f: kit.Fold, d: date) -> int:
        return day(f, d)[6] - day(f, d)[5]

    out["Ventas por día"] = (
        ["Día", "Boletas", "Vendido", "Devuelto", "Venta neta", "Neto", "Costo", "Margen",
         "Venta neta período anterior"],
        [(d, day(now, d)[0], day(now, d)[1], day(now, d)[3], net(now, d), day(now, d)[4], day(now, d)[5],
          margin(now, d), net(old, old_days[i]) if i < len(old_days) else "") for i, d in enumerate(days)])
    out["Ventas por hora y día de la semana"] = (
        ["Día de la semana", "Hora", "Boletas", "Vendido", "Vendido período anterior"],
        [(rt.WEEKDAYS[w], f"{h:02d}:00", now.hours.get((w, h), [0, 0])[0], now.hours.get((w, h), [0, 0])[1],
          old.hours.get((w, h), [0, 0])[1]) for w in range(7) for h in range(24)])

    def categories(f: kit.Fold) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for sku, (units, total, neto, cost, costed) in f.products.items():
            c = found.setdefault(kit.PRODUCTS[sku][2] or kit.UNCATEGORISED, [Decimal(0), 0, 0, 0, 0])
            for i, v in enumerate((units, total, neto, cost, costed - cost)):
                c[i] += v
        return found

    cats, old_cats = categories(now), categories(old)
    out["Ventas por categoría"] = (
        ["Categoría", "Cantidad", "Vendido", "Neto", "Costo", "Margen", "Vendido período anterior"],
        [(c, _q3(v[0]), *v[1:], old_cats[c][1] if c in old_cats else 0)
         for c, v in sorted(cats.items(), key=lambda x: (-x[1][1], x[0]))])
    out["Ventas por cajero"] = (
        ["Cajero", "Boletas", "Vendido", "Boleta promedio", "Devoluciones", "Devuelto", "Vendido período anterior"],
        [(k, v[0], v[1], round(v[1] / v[0]) if v[0] else 0, v[2], v[3], old.cashiers[k][1] if k in old.cashiers
          else 0) for k, v in sorted(now.cashiers.items(), key=lambda x: (-x[1][1], x[0]))])
    out["Ventas por medio de pago"] = (
        ["Medio de pago", "Pagos", "Monto", "Monto período anterior"],
        [(rt.tender_name(k), v[0], v[1], old.tenders[k][1] if k in old.tenders else 0)
         for k, v in sorted(now.tenders.items(), key=lambda x: (-x[1][1], x[0]))])
    for bottom in (False, True):
        for by in ("units", "pesos", "margin"):
            def metric(v: list[Any], by: str = by) -> int:
                return int(v[0]) if by == "units" else v[1] if by == "pesos" else v[4] - v[3]
            order = {"units": lambda v: v[0], "pesos": lambda v: v[1], "margin": lambda v: v[4] - v[3]}[by]
            ranked = sorted(now.products.items(), key=lambda x: x[0])
            ranked.sort(key=lambda x: order(x[1]), reverse=not bottom)
            if not bottom:  # ties by SKU ascending under a descending figure
                ranked.sort(key=lambda x: (-order(x[1]), x[0]))
            out[rt.product_title(by, bottom)] = (  # type: ignore[index]
                ["SKU", "Producto", "Categoría", "Cantidad", "Vendido", "Neto", "Costo", "Margen", "Neto sin costo",
                 f"{rt.METRIC_NAMES[by].capitalize()} período anterior"],
                [(s, kit.PRODUCTS[s][0], kit.PRODUCTS[s][2] or kit.UNCATEGORISED, _q3(v[0]), v[1], v[2], v[3],
                  v[4] - v[3], v[2] - v[4], metric(old.products[s]) if s in old.products else 0)
                 for s, v in ranked[:reports.TOP]])
    out["Margen por día"] = (["Día", "Neto", "Costo", "Margen", "Margen período anterior"],
                             [(d, day(now, d)[4], day(now, d)[5], margin(now, d),
                               margin(old, old_days[i]) if i < len(old_days) else "") for i, d in enumerate(days)])
    stock = kit.stock_by_category(journal, stores)
    out["Valor del stock por categoría"] = (["Categoría", "Productos con stock", "Valor al costo"],
                                            [(c, v[0], v[1]) for c, v in sorted(stock.items(),
                                                                                key=lambda x: (-x[1][1], x[0]))])
    out["Mermas por motivo"] = (["Motivo", "Mermas", "Valor al costo", "Valor período anterior"],
                                [(rt.REASON_NAMES[k], v[0], v[1], old.mermas[k][1] if k in old.mermas else 0)
                                 for k, v in sorted(now.mermas.items(), key=lambda x: (-x[1][1], x[0]))])
    owed, owed_before = kit.fiado_balances(journal, period.end), kit.fiado_balances(journal, before.end)
    out["Fiado por cobrar"] = (["Cliente", "Saldo", "Saldo período anterior"],
                               [("Luz Rojas", v, owed_before.get(k, 0)) for k, v in owed.items()])
    return out


def _days(period: rt.Period) -> list[date]:
    return [date.fromordinal(n) for n in range(period.start.toordinal(), period.end.toordinal() + 1)]


class _Table(HTMLParser):
    """The cells of the page's report table (``table.report-table``), row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.head: list[str] = []
        self._in = self._cell = False
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and "report-table" in (dict(attrs).get("class") or ""):
            self._in = True
        elif self._in and tag == "tr":
            self.rows.append([])
        elif self._in and tag in ("td", "th"):
            self._cell, self._text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in = False
        elif self._in and tag in ("td", "th"):
            self._cell = False
            self.rows[-1].append(" ".join(self._text.split()))

    def handle_data(self, data: str) -> None:
        if self._cell:
            self._text += data


def shown_table(html: str) -> list[list[str]]:
    parser = _Table()
    parser.feed(html)
    return parser.rows


def as_shown(columns: list[str], rows: list[Row], hours: bool = False) -> list[list[str]]:
    if hours:
        rows = [r for r in rows if r[2] or r[3] or r[4]]
    return [columns] + [[reports.cell(v, c)[0] for v, c in zip(r, columns, strict=True)] for r in rows]


def csv_cell(value: Any) -> str:
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return str(value)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float):
        return _q3(Decimal(str(value)))
    return "" if value is None else value


def _xlsx_expected(value: Any) -> Any:
    return _q3(value) if isinstance(value, Decimal) else value


def test_every_report_shown_and_exported_equals_the_fold_and_bad_input_is_refused(pg_database: str,
                                                                                    served: Served) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})
    journal = kit.events()
    kit.seed(data, journal)
    app = hq_app(data)
    app.state.clock = lambda: kit.NOW.astimezone(UTC)
    month = rt.Period.month_of(kit.NOW.date())
    slugs = {"Ventas por día": "ventas-por-dia", "Ventas por hora y día de la semana": "ventas-por-hora",
             "Ventas por categoría": "categorias", "Ventas por cajero": "cajeros",
             "Ventas por medio de pago": "medios-de-pago", "Margen por día": "margen",
             "Valor del stock por categoría": "stock", "Mermas por motivo": "mermas", "Fiado por cobrar": "fiado"}

    async def scenario() -> dict[str, Any]:
        got: dict[str, Any] = {}
        async with served(app) as client:
            await hq_login(client)
            for store in ("", "centro"):
                where = f"&tienda={store}" if store else ""
                got[store] = {"todo": await client.get(f"/hq/reportes/todo.xlsx?periodo=mes{where}")}
                for title, slug in slugs.items():
                    got[store][title] = (await client.get(f"/hq/reportes?informe={slug}&periodo=mes{where}"),
                                         await client.get(f"/hq/reportes/{slug}.csv?periodo=mes{where}"))
                for bottom in (False, True):
                    for by, word in (("units", "unidades"), ("pesos", "pesos"), ("margin", "margen")):
                        query = f"informe=productos&por={word}&orden={'menos' if bottom else 'mas'}&periodo=mes{where}"
                        got[store][rt.product_title(by, bottom)] = (  # type: ignore[arg-type]
                            await client.get(f"/hq/reportes?{query}"),
                            await client.get(f"/hq/reportes/productos.csv?{query}"))
            got["xlsx"] = await client.get("/hq/reportes/cajeros.xlsx?periodo=mes&tienda=centro")
        await refusals_and_scope(app, journal, served)
        return got

    got = asyncio.run(scenario())
    for store, stores in (("", ["centro", "norte"]), ("centro", ["centro"])):
        want = expected(journal, stores, month)
        assert want["Ventas por día"][1][8][1] > 0 and want["Mermas por motivo"][1]  # the data reach the reports
        book = openpyxl.load_workbook(io.BytesIO(got[store]["todo"].content), read_only=True)
        assert got[store]["todo"].headers["content-disposition"] == (
            f'attachment; filename="reportes_2026-12-01_2026-12-31{"_" + store if store else ""}.xlsx"')
        titles = [book[name]["A1"].value for name in book.sheetnames]
        assert sorted(titles) == sorted(want), titles
        for name in book.sheetnames:
            read = [list(r) for r in book[name].iter_rows(values_only=True)]
            title = read[0][0]
            columns, rows = want[title]
            assert read[1][0] == "Período: 01-12-2026 al 31-12-2026 · anterior: 01-11-2026 al 30-11-2026" or (
                title == "Valor del stock por categoría" and read[1][0] == "Período: 09-12-2026"), read[1]
            assert [c for c in read[2] if c is not None] == columns, title
            assert [[xlsx_value(v) for v in r[:len(columns)]] for r in read[3:]] == [
                [_xlsx_expected(v) for v in r] for r in rows], title
        for title, (page, file) in ((t, v) for t, v in got[store].items() if t != "todo"):
            columns, rows = want[title]
            assert page.status_code == 200 and file.status_code == 200, title
            assert shown_table(page.text) == as_shown(columns, rows, hours=title.startswith("Ventas por hora")), title
            assert read_csv(file.content)[1:] == [columns] + [[csv_cell(v) for v in r] for r in rows], title
            assert "<svg" in page.text and 'role="img"' in page.text, title
        page = got[store]["Ventas por día"][0].text
        sold = sum(r[4] for r in want["Ventas por día"][1])
        assert f"<strong>{reports.web.fmt_clp(sold)}</strong>" in page
    centro_cashiers = openpyxl.load_workbook(io.BytesIO(got["xlsx"].content), read_only=True)
    assert centro_cashiers.sheetnames == ["Ventas por cajero"]
    assert got["xlsx"].headers["content-disposition"] == (
        'attachment; filename="reporte_cajeros_2026-12-01_2026-12-31_centro.xlsx"')


async def refusals_and_scope(app: ASGIApp, journal: kit.Journal, served: Served) -> None:
    """Bad periods and stores are answered in Spanish; an encargado sees his store's figures only."""
    async with served(app) as owner:
        await hq_login(owner)
        backwards = await owner.get("/hq/reportes?periodo=rango&desde=2026-12-09&hasta=2026-12-01")
        assert backwards.status_code == 400
        assert "(hasta): el período termina (01-12-2026) antes de empezar (09-12-2026)" in backwards.text
        long = await owner.get("/hq/reportes?periodo=rango&desde=2024-01-01&hasta=2026-01-31")
        assert long.status_code == 400 and "el máximo es 731" in long.text
        bad = await owner.get("/hq/reportes?periodo=rango&desde=2026-02-30&hasta=2026-03-01")
        assert bad.status_code == 400 and "ese día no existe en el calendario" in bad.text
        assert (await owner.get("/hq/reportes?periodo=siempre")).status_code == 400
        assert (await owner.get("/hq/reportes?informe=todo")).status_code == 400
        assert (await owner.get("/hq/reportes/nada.csv")).status_code == 400
        assert (await owner.get("/hq/reportes/cajeros.csv?periodo=rango&desde=2026-12-09&hasta=2026-12-01")
                ).status_code == 400
        unknown = await owner.get("/hq/reportes?tienda=sur")
        assert unknown.status_code == 200 and "No hay una tienda con ese código en su empresa." in unknown.text
        assert read_csv((await owner.get("/hq/reportes/cajeros.csv?tienda=sur")).content)[2:] == []
        ranged = await owner.get("/hq/reportes?periodo=rango&desde=2026-12-08&hasta=2026-12-09&tienda=centro")
        assert ranged.status_code == 200
        want = expected(journal, ["centro"], rt.Period.custom(date(2026, 12, 8), date(2026, 12, 9)))
        assert shown_table(ranged.text) == as_shown(*want["Ventas por día"])
        assert "comparado con 06-12-2026 al 07-12-2026" in ranged.text
        today = await owner.get("/hq/reportes?periodo=hoy&tienda=centro")  # one day: drawn hour by hour
        day = kit.NOW.date()
        now = kit.fold(journal, ["centro"], day, day).hours
        before = kit.fold(journal, ["centro"], day - timedelta(days=1), day - timedelta(days=1)).hours
        busiest = max(now, key=lambda k: now[k][1])
        assert (f"Total 09-12: {reports.web.fmt_clp(sum(v[1] for v in now.values()))};"
                f" 08-12: {reports.web.fmt_clp(sum(v[1] for v in before.values()))}."
                f" El más alto: {busiest[1]}:00, {reports.web.fmt_clp(now[busiest][1])}.") in today.text
        code = await invite(owner, "ana@donpepe.cl", "Ana", "manager", ["norte"])
    async with served(app) as manager:
        assert (await accept(manager, code, HQ_PASSWORD)).status_code == 303
        mine = await manager.get("/hq/reportes?informe=cajeros&periodo=mes")
        assert mine.status_code == 200
        assert [r[0] for r in shown_table(mine.text)[1:]] == ["carla"]
        assert ">Centro<" not in mine.text
        assert (await manager.get("/hq/reportes?tienda=centro")).status_code == 403
        assert (await manager.get("/hq/reportes/todo.xlsx?tienda=centro")).status_code == 403
        assert (await manager.post("/hq/reportes")).status_code in (403, 405)


def test_the_period_words_pick_today_this_week_and_this_month() -> None:
    day = date(2026, 12, 9)
    assert reports._period(reports.params.ImmutableMultiDict({"periodo": "hoy"}), day) == (
        rt.Period(day, day, "today"), "hoy")
    assert reports._period(reports.params.ImmutableMultiDict({"periodo": "semana"}), day)[0] == rt.Period(
        date(2026, 12, 7), day, "week")
    assert reports._period(reports.params.ImmutableMultiDict({}), day)[0].previous() == rt.Period(
        date(2026, 11, 1), date(2026, 11, 30), "month")
    assert re.fullmatch(r"tienda=centro&periodo=mes&por=pesos&orden=mas", reports.Choice(
        rt.Period.month_of(day), "mes", "centro", [], [], "pesos", False, day).query())


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_reportes_in_chromium_at_desktop_and_phone_widths_pass_axe(pg_database: str, serve_in_thread: Any,
                                                                    browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    from tests.syncserver.hq.hq_support import sign_in

    def setup() -> Any:  # in a thread: playwright's loop runs in this one
        data = migrated(pg_database, {1: SAMPLE_RUT})
        kit.seed(data, kit.events())
        return hq_app(data)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        app = pool.submit(setup).result()
    app.state.clock = lambda: kit.NOW.astimezone(UTC)
    axe = Axe()
    with serve_in_thread(app) as server:
        for name, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})):
            page = browser.new_page(viewport=viewport, locale="es-CL", device_scale_factor=2 if name == "phone" else 1)
            page.goto(server + "/hq/login")
            sign_in(page, password=HQ_PASSWORD)
            page.goto(server + "/hq/reportes")
            expect(page.get_by_role("heading", name="Ventas por día")).to_be_visible()
            widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1], widths
            results = axe.run(page)
            assert results.violations_count == 0, f"{name}: {results.generate_report()}"
            page.screenshot(path=str(SHOTS / f"hq_reports_{name}.png"), full_page=True)
            if name == "phone":
                page.close()
        page.get_by_role("link", name="Por hora").click()
        expect(page.get_by_role("heading", name="Ventas por hora y día de la semana")).to_be_visible()
        page.screenshot(path=str(SHOTS / "hq_reports_hours_desktop.png"), full_page=True)
        page.get_by_role("link", name="Productos", exact=True).click()
        page.get_by_role("link", name="margen", exact=True).click()
        expect(page.get_by_role("heading", name="Productos más vendidos por margen")).to_be_visible()
        assert axe.run(page).violations_count == 0
        page.screenshot(path=str(SHOTS / "hq_reports_products_desktop.png"), full_page=True)
        page.goto(server + "/hq/reportes")
        reached = set()
        for _ in range(70):
            page.keyboard.press("Tab")
            reached.add(page.evaluate("(document.activeElement.labels && document.activeElement.labels[0]"
                                      " ? document.activeElement.labels[0].textContent : document.activeElement"
                                      ".textContent || '').trim()"))
        wanted = {"Local", "Ver", "Margen", "Todo (Excel)", "CSV", "Excel"}
        assert wanted <= reached, wanted - reached
        page.get_by_label("Local").select_option("norte")
        page.get_by_role("radio", name="Otro período").check()
        page.get_by_label("Desde (otro período)").fill("2026-12-01")
        page.get_by_label("Hasta").fill("2026-12-09")
        page.get_by_role("button", name="Ver").click()
        expect(page.get_by_role("heading", name="Reportes · Norte")).to_be_visible()
        expect(page.get_by_text("Período: 01-12-2026 al 09-12-2026")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="CSV").click()
        assert download.value.suggested_filename == "reporte_ventas-por-dia_2026-12-01_2026-12-09_norte.csv"
        page.close()


def test_todo_reads_the_same_reports_on_one_two_or_three_connections(pg_database: str, served: Served) -> None:
    """«Todo» spreads its readings over the connections the pool can spare (``db.tenant_helpers``: none when it is
    busy): whatever it got, every report's rows are the same, in the same order."""
    from syncserver.store import db

    data = migrated(pg_database, {1: SAMPLE_RUT})
    kit.seed(data, kit.events())
    app = hq_app(data)
    app.state.clock = lambda: kit.NOW.astimezone(UTC)

    async def scenario() -> list[list[tuple[str, list[Any], list[Any]]]]:
        async with served(app) as client:
            await hq_login(client)  # the app is up: its pool is open
            pool = app.state.pool
            async with db.tenant_tx(pool, 1) as conn:
                stores = [(str(a), str(b)) for a, b in await (await conn.execute(
                    "SELECT store_id, name FROM stores ORDER BY store_id")).fetchall()]
            choice = reports.Choice(rt.Period.month_of(kit.NOW.date()), "mes", None, stores, stores, "units", False,
                                    kit.NOW.date())
            out = []
            for count in (0, 1, 2):
                async with db.tenant_tx(pool, 1) as conn, db.tenant_helpers(pool, 1, count) as helpers:
                    assert len(helpers) == count
                    got = await reports.every_report(conn, 1, choice, helpers)
                out.append([(r.title, list(r.rows), list(r.previous_rows)) for r in got])
            return out

    alone, two, three = asyncio.run(scenario())
    assert len(alone) == 15 and any(rows for _title, rows, _before in alone)
    assert alone == two == three
