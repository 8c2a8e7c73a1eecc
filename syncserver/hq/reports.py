"""``/hq/reportes``: every report of the back office for one store or all the user sees, for a period against the
period before, each as a server-drawn chart and its table, with the back office's CSV and XLSX files
(``shared.report_tables``) and «Todo» in one workbook (figures: ``syncserver.store.reports``; docs/reports.md).

``?informe=`` one of :data:`REPORTS` (``productos`` with ``por=unidades|pesos|margen`` and ``orden=mas|menos``),
``?tienda=`` one store (none: all the user sees), ``?periodo=hoy|semana|mes|rango`` (``rango``: ``desde`` and
``hasta``, both included, at most two years). Dueño and contador see every store; an encargado his own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlencode

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import es_cl
from shared import report_tables as rt
from syncserver import state
from syncserver.hq import charts, params, web
from syncserver.hq.web import HqUser
from syncserver.store import db, tenants
from syncserver.store import reports as figures

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORTS: Final = {"ventas-por-dia": "Ventas por día", "ventas-por-hora": "Por hora", "categorias": "Por categoría",
                  "cajeros": "Por cajero", "medios-de-pago": "Por medio de pago", "productos": "Productos",
                  "margen": "Margen", "stock": "Stock", "mermas": "Mermas", "fiado": "Fiado"}
"""The reports by their address word, as the page's list names them (the order of the back office)."""
PERIODS: Final = {"hoy": "Hoy", "semana": "Esta semana", "mes": "Este mes", "rango": "Otro período"}
METRICS: Final[dict[str, rt.ProductMetric]] = {"unidades": "units", "pesos": "pesos", "margen": "margin"}
TOP: Final = 10
"""Products listed in a top or bottom list (the back office's number)."""
CHART_ROWS: Final = 12
"""Rows drawn in a bar chart (the table lists them all)."""
COUNT_COLUMNS: Final = frozenset({"Boletas", "Pagos", "Mermas", "Productos con stock", "Devoluciones",
                                  "Unidades período anterior"})
"""Columns of whole counts (the other whole numbers of a table are pesos)."""


@dataclass(frozen=True, slots=True)
class Choice:
    """What a request asks for: ``period``; ``store`` (None: every store the user sees); ``stores`` the
    ``(id, name)`` covered (a code that is no store of the tenant: itself, nameless) and ``every`` the ones the
    picker offers; the product list's ``by`` and ``bottom``."""

    @property
    def unknown_store(self) -> bool:
        """``store`` is no store of the tenant (the page says so; the files are empty)."""
        return self.store is not None and self.store not in dict(self.every)


    period: rt.Period
    period_word: str
    store: str | None
    stores: list[tuple[str, str]]
    every: list[tuple[str, str]]
    by: rt.ProductMetric
    bottom: bool
    today: date

    @property
    def ids(self) -> list[str]:
        return [s for s, _ in self.stores]

    @property
    def by_word(self) -> str:
        """``unidades``, ``pesos`` or ``margen``: :attr:`by` as the address writes it."""
        return next(k for k, v in METRICS.items() if v == self.by)

    def query(self, **change: str) -> str:
        """The page's query string for this choice, with ``change`` applied (an empty value drops the field)."""
        fields = {"tienda": self.store or "", "periodo": self.period_word, "por": self.by_word,
                  "orden": "menos" if self.bottom else "mas"}
        if self.period_word == "rango":
            fields.update(desde=self.period.start.isoformat(), hasta=self.period.end.isoformat())
        fields.update(change)
        return urlencode({k: v for k, v in fields.items() if v})


def _period(source: params.Source, today: date) -> tuple[rt.Period, str]:
    """The period asked. Raises: params.BadInput: an unknown period, a bad date, ``hasta`` before ``desde`` or a
    range longer than :data:`shared.report_tables.MAX_DAYS` days."""
    word = params.choice_param(source, "periodo", "Período", {k: k for k in PERIODS}, default="mes")
    if word == "hoy":
        return rt.Period.day_of(today), word
    if word == "semana":
        return rt.Period.week_of(today), word
    if word == "mes":
        return rt.Period.month_of(today), word
    start = params.date_param(source, "desde", "Desde")
    end = params.date_param(source, "hasta", "Hasta")
    try:
        return rt.Period.custom(start, end), word
    except rt.InvalidPeriod as exc:
        reason = str(exc).rstrip(".")
        raise params.BadInput("hasta", "Hasta", reason[:1].lower() + reason[1:]) from None


async def _choice(request: Request, conn: db.Conn, user: HqUser) -> Choice:
    """Raises: params.BadInput (shown on the page), params.OutsideScope (403) for a store not the user's."""
    source = request.query_params
    store = params.store_param(user, source)
    today = state.clock(request)().astimezone(web.CHILE).date()
    period, word = _period(source, today)
    by = params.choice_param(source, "por", "Ordenar por", METRICS, default="pesos")
    bottom = params.choice_param(source, "orden", "Orden", {"mas": False, "menos": True}, default=False)
    every = [(s.store_id, s.name) for s in await tenants.stores(conn, user.tenant_id) if user.sees_store(s.store_id)]
    chosen = [s for s in every if store is None or s[0] == store]
    if store is not None and not chosen:  # not a store of this tenant: it sold nothing here
        chosen = [(store, "")]
    return Choice(period, word, store, chosen, every, by, bottom, today)


async def report(conn: db.Conn, tenant_id: int, choice: Choice, slug: str) -> rt.Report[Any]:
    """The report ``slug`` (a key of :data:`REPORTS`) of ``choice``'s stores, beside the period before."""
    ids, period = choice.ids, choice.period
    before = period.previous()
    spans = ((period.start, period.end), (before.start, before.end))
    if slug == "stock":  # a code that is no store of the tenant holds nothing (and its cache is not written)
        held = [] if choice.unknown_store else await figures.stock_by_category(conn, tenant_id, ids)
        return rt.state("stock_by_category", rt.TITLES["stock_by_category"], choice.today, rt.STOCK, held)
    if slug == "fiado":
        return rt.compare("fiado_outstanding", rt.TITLES["fiado_outstanding"], period, rt.FIADO,
                          *await figures.fiado_outstanding_at(conn, tenant_id, [end for _, end in spans]))
    if slug == "productos":
        by, bottom = choice.by, choice.bottom
        rows = await figures.top_products(conn, tenant_id, ids, period.start, period.end, by, bottom, TOP)
        previous = await figures.top_products(conn, tenant_id, ids, before.start, before.end, by, bottom,
                                              len(rows), skus=[r.sku for r in rows]) if rows else []
        return rt.compare(rt.product_key(by, bottom), rt.product_title(by, bottom), period, rt.product_shape(by),
                          rows, previous)
    queries: dict[str, tuple[str, rt.Shape[Any], Callable[..., Awaitable[Sequence[Any]]]]] = {
        "ventas-por-dia": ("sales_by_day", rt.DAY, figures.sales_by_day),
        "margen": ("margin_over_time", rt.MARGIN, figures.margin_over_time),
        "ventas-por-hora": ("sales_by_hour", rt.HOUR, figures.sales_by_hour),
        "categorias": ("sales_by_category", rt.CATEGORY, figures.sales_by_category),
        "cajeros": ("sales_by_cashier", rt.CASHIER, figures.sales_by_cashier),
        "medios-de-pago": ("sales_by_tender", rt.TENDER, figures.sales_by_tender),
        "mermas": ("shrinkage_by_reason", rt.SHRINK, figures.shrinkage_by_reason),
    }
    key, shape, query = queries[slug]
    rows_now, rows_before = [await query(conn, tenant_id, ids, low, high) for low, high in spans]
    return rt.compare(key, rt.TITLES[key], period, shape, rows_now, rows_before)


async def every_report(conn: db.Conn, tenant_id: int, choice: Choice, helpers: Sequence[db.Conn] = ()
                       ) -> list[rt.Report[Any]]:
    """Every report in the back office's order (``ReportsService.all_reports``): the «Todo» workbook. ``helpers``:
    more transactions of the tenant (``db.tenant_helpers``); with one, the categories and product lists are read
    there while the other reports are read on ``conn``; with two, the fiado balances on the second (the same
    figures, the waits for the database overlapped)."""
    by_day = ("ventas-por-dia", "ventas-por-hora", "cajeros", "medios-de-pago", "stock", "mermas")
    lanes = [conn, *helpers[:2]]
    products_on, fiado_on = lanes[1 % len(lanes)], lanes[2 % len(lanes)]

    async def reports_on(on: db.Conn, slugs: Sequence[str]) -> dict[str, rt.Report[Any]]:
        return {slug: await report(on, tenant_id, choice, slug) for slug in slugs}

    async def lane(on: db.Conn) -> tuple[tuple[rt.Report[Any], list[rt.Report[Any]]] | None, dict[str, Any]]:
        lists = await category_and_product_reports(on, tenant_id, choice) if on is products_on else None
        shown = await reports_on(on, [*(by_day if on is conn else ()), *(("fiado",) if on is fiado_on else ())])
        return lists, shown

    results = await asyncio.gather(*(lane(on) for on in dict.fromkeys(lanes)))
    shown = {slug: r for _lists, part in results for slug, r in part.items()}
    categories, products = next(lists for lists, _part in results if lists is not None)
    out = [shown["ventas-por-dia"], shown["ventas-por-hora"], categories, shown["cajeros"], shown["medios-de-pago"]]
    out += products
    out.append(margin_of(out[0]))
    out += [shown[slug] for slug in ("stock", "mermas", "fiado")]
    return out


PRODUCT_LISTS: Final[tuple[tuple[rt.ProductMetric, bool], ...]] = tuple(
    (by, bottom) for bottom in (False, True) for by in ("units", "pesos", "margin"))
"""The «Todo» workbook's product lists, in the back office's order: most then least sold by units, pesos, margin."""


async def category_and_product_reports(conn: db.Conn, tenant_id: int, choice: Choice
                                       ) -> tuple[rt.Report[Any], list[rt.Report[Any]]]:
    """The reports ``categorias`` and ``productos`` of every :data:`PRODUCT_LISTS` (each as :func:`report` gives
    it) from one reading of the period's product sums and one of the period before's
    (``figures.top_product_lists``)."""
    ids, period = choice.ids, choice.period
    before = period.previous()
    categories, now = await figures.top_product_lists(conn, tenant_id, ids, period.start, period.end,
                                                      PRODUCT_LISTS, TOP)
    categories_before, earlier = await figures.top_product_lists(
        conn, tenant_id, ids, before.start, before.end, PRODUCT_LISTS, TOP, skus=[[r.sku for r in rows]
                                                                                 for rows in now])
    return (rt.compare("sales_by_category", rt.TITLES["sales_by_category"], period, rt.CATEGORY, categories,
                       categories_before),
            [rt.compare(rt.product_key(by, bottom), rt.product_title(by, bottom), period, rt.product_shape(by),
                        rows, previous if rows else [])
             for (by, bottom), rows, previous in zip(PRODUCT_LISTS, now, earlier, strict=True)])


def margin_of(days: rt.Report[Any]) -> rt.Report[Any]:
    """«Margen por día» from the rows of «Ventas por día» (the same days: not read twice)."""
    return rt.compare("margin_over_time", rt.TITLES["margin_over_time"], days.period, rt.MARGIN, days.rows,
                      days.previous_rows)


# --- the page ------------------------------------------------------------------------------------------------

def _count(value: int) -> str:
    return es_cl.number(value)


def _fmt_for(metric_name: str) -> Callable[[int], str]:
    return _count if metric_name in ("unidades",) else web.fmt_clp


def cell(value: rt.Cell, column: str) -> tuple[str, bool]:
    """A table cell as the page shows it (es-CL) and whether it is a number (right-aligned)."""
    if type(value) is int:  # the most common cell (the fiado list alone has thousands): its test first
        return (_count(value) if column in COUNT_COLUMNS else web.fmt_clp(value)), True
    if isinstance(value, date):
        return web.fmt_date(value), False
    if isinstance(value, Decimal):
        return es_cl.number(value), True
    if isinstance(value, int):
        return (_count(value) if column in COUNT_COLUMNS else web.fmt_clp(value)), True
    return str(value), False


def chart(shown: rt.Report[Any]) -> Markup:
    """The report's chart: columns of the days' net sales, the margin's line, the hours' heat map, else bars of
    each row's figure (the first :data:`CHART_ROWS`) beside the period before's."""
    now_label = "este período" if shown.previous_period else "hoy"
    before_label = "período anterior"
    fmt = _fmt_for(shown.metric_name)
    title = shown.title + (" (comparado con el período anterior)" if shown.previous_period else "")
    if shown.key in ("sales_by_day", "margin_over_time"):
        days = [f"{r.day:%d-%m}" for r in shown.rows]
        values = [shown.shape.metric(r) for r in shown.rows]
        before = [shown.shape.metric(r) for r in shown.previous_rows]
        draw = charts.columns if shown.key == "sales_by_day" else charts.lines
        return draw(days, values, before, title=title, fmt=fmt, now_label=now_label, before_label=before_label)
    if shown.key == "sales_by_hour":
        grid = [[0] * 24 for _ in range(7)]
        for r in shown.rows:
            grid[r.weekday][r.hour] = r.total
        return charts.heat_map(grid, title=shown.title, fmt=web.fmt_clp)
    labels: dict[str, Callable[[Any], str]] = {"sales_by_tender": lambda r: rt.tender_name(r.kind),
             "shrinkage_by_reason": lambda r: rt.REASON_NAMES.get(r.reason, r.reason),
             "sales_by_category": lambda r: r.category, "stock_by_category": lambda r: r.category}
    label = labels.get(shown.key, lambda r: str(r.name))
    pairs = [charts.Pair(str(label(r)), shown.shape.metric(r), shown.previous_of(r) or 0)
             for r in shown.rows[:CHART_ROWS]]
    return charts.bars(pairs, title=title, fmt=fmt, now_label=now_label,
                       before_label=before_label if shown.previous_period and shown.shape.key else None)


def day_hours(hours: rt.Report[Any]) -> Markup:
    """For a one-day period: the day's sales hour by hour (its weekday's row of the hours grid) against the day
    before's, as columns."""
    day, before = hours.period.start, hours.period.previous().start
    now = {r.hour: r.total for r in hours.rows if r.weekday == day.weekday()}
    earlier = {r.hour: r.total for r in hours.previous_rows if r.weekday == before.weekday()}
    return charts.columns([f"{h}:00" for h in range(24)], [now.get(h, 0) for h in range(24)],
                          [earlier.get(h, 0) for h in range(24)],
                          title=f"Ventas del {day:%d-%m-%Y} por hora, contra el {before:%d-%m-%Y}", fmt=web.fmt_clp,
                          now_label=f"{day:%d-%m}", before_label=f"{before:%d-%m}")


def _rows(shown: rt.Report[Any]) -> tuple[list[tuple[str, bool]], Markup, int]:
    """The table's columns (with whether each is a number, from the first row: right-aligned), its rows as HTML
    (``<tr>`` of :func:`cell` each, texts escaped; written here rather than by a template loop, which cost more than the
    formatting for the fiado list's thousands of customers); the hours' grid keeps only hours with sales then or
    before (the files carry all 168); and how many rows were left out."""
    table = shown.table()
    rows = table.rows
    if shown.key == "sales_by_hour":
        rows = tuple(r for r in rows if r[2] or r[3] or r[4])
    numbers = [cell(v, c)[1] for v, c in zip(rows[0], table.columns, strict=True)] if rows else []
    body = []
    for r in rows:
        tds = []
        for v, c in zip(r, table.columns, strict=True):
            text, number = cell(v, c)
            tds.append(f'<td class="num">{text}</td>' if number else f"<td>{escape(text)}</td>")  # digits . , $ -
        body.append(f"<tr>{''.join(tds)}</tr>")
    return (list(zip(table.columns, numbers or [False] * len(table.columns), strict=True)),
            Markup("\n".join(body)), len(table.rows) - len(rows))


def _file(slug: str, choice: Choice, suffix: str) -> str:
    words = [f"reporte_{slug}"]
    if slug == "productos":
        words.append(f"{choice.by_word}_{'menos' if choice.bottom else 'mas'}")
    words += [choice.period.start.isoformat(), choice.period.end.isoformat()]
    if choice.store:
        words.append(choice.store)
    return "_".join(words) + suffix


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET /reportes``: the period's headline figures against the period before and one report (chart and
    table) with its downloads; a bad period or date is said on the page (400)."""
    slug = params.choice_param(request.query_params, "informe", "Informe", {k: k for k in REPORTS},
                               default="ventas-por-dia")
    context: dict[str, Any] = {"user": user, "section": "reportes", "reports": REPORTS, "periods": PERIODS,
                               "slug": slug, "metrics": METRICS, "error": None, "store_name": ""}
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        try:
            choice = await _choice(request, conn, user)
        except params.BadInput as exc:
            every = [(s.store_id, s.name) for s in await tenants.stores(conn, user.tenant_id)
                     if user.sees_store(s.store_id)]
            source = request.query_params
            context["error"] = exc.message
            return web.render(request, "reports.html", status=400, every=every, choice=None,
                              asked={k: source.get(k, "") for k in ("tienda", "periodo", "desde", "hasta")},
                              **context)
        if not choice.stores or choice.unknown_store:
            return web.render(request, "reports.html", choice=choice, every=choice.every, asked={}, **context)
        days = await report(conn, user.tenant_id, choice, "ventas-por-dia")
        shown = (days if slug == "ventas-por-dia" else margin_of(days) if slug == "margen"
                 else await report(conn, user.tenant_id, choice, slug))
        drawn = chart(shown)
        if shown.key == "sales_by_day" and choice.period.days == 1:  # one bar says little: the day's hours
            drawn = day_hours(await report(conn, user.tenant_id, choice, "ventas-por-hora"))
    columns, rows, hidden = _rows(shown)
    context["store_name"] = dict(choice.every).get(choice.store or "", "")
    return web.render(request, "reports.html", choice=choice, every=choice.every, asked={},
                      summary=rt.summarize(days), shown=shown, chart=drawn, columns=columns, rows=rows,
                      hidden=hidden, **context)


async def _chosen_report(request: Request, user: HqUser) -> tuple[Choice, str, rt.Report[Any]]:
    slug = params.choice_param(params.path(request.path_params), "informe", "Informe", {k: k for k in REPORTS},
                               default="")
    if not slug:
        raise params.BadInput("informe", "Informe", "no es uno de los informes")
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        choice = await _choice(request, conn, user)
        if not choice.stores:
            raise params.BadInput("tienda", "Tienda", "no hay tiendas que mostrar")
        return choice, slug, await report(conn, user.tenant_id, choice, slug)


@web.login_required
async def csv_file(request: Request, user: HqUser) -> Response:
    """``GET /reportes/{informe}.csv``: the report as the back office writes it (``shared.report_tables.to_csv``)."""
    choice, slug, shown = await _chosen_report(request, user)
    return _download(rt.to_csv(shown), "text/csv; charset=utf-8", _file(slug, choice, ".csv"))


@web.login_required
async def xlsx_file(request: Request, user: HqUser) -> Response:
    """``GET /reportes/{informe}.xlsx``: the report as a one-sheet workbook (``shared.report_tables.to_xlsx``)."""
    choice, slug, shown = await _chosen_report(request, user)
    return _download(rt.to_xlsx([shown]), XLSX, _file(slug, choice, ".xlsx"))


@web.login_required
async def everything(request: Request, user: HqUser) -> Response:
    """``GET /reportes/todo.xlsx``: every report of the choice, a sheet each, as the back office's «Todo (Excel)»."""
    pool = request.app.state.pool
    async with db.tenant_tx(pool, user.tenant_id) as conn:
        choice = await _choice(request, conn, user)
        if not choice.stores:
            raise params.BadInput("tienda", "Tienda", "no hay tiendas que mostrar")
        async with db.tenant_helpers(pool, user.tenant_id, 2) as helpers:
            reports = await every_report(conn, user.tenant_id, choice, helpers)
    name = "_".join(["reportes", choice.period.start.isoformat(), choice.period.end.isoformat(),
                     *([choice.store] if choice.store else [])]) + ".xlsx"
    return _download(rt.to_xlsx(reports), XLSX, name)


ROUTES: Final = [
    Route("/reportes", page, methods=["GET"], name="reports"),
    Route("/reportes/todo.xlsx", everything, methods=["GET"], name="reports_all_xlsx"),
    Route("/reportes/{informe}.csv", csv_file, methods=["GET"], name="reports_csv"),
    Route("/reportes/{informe}.xlsx", xlsx_file, methods=["GET"], name="reports_xlsx"),
]
