"""``/hq/libros``: the accountant's books of a month — libro de ventas, libro de compras and the IVA summary for
the F29 — for all stores or one, with their CSV, XLSX and JSON downloads (docs/books.md).

``?mes=aaaa-mm`` (the current month by default), ``?tienda=ID`` one store, ``?tipo=N`` shows only that type's
lines (each figure of the summary links there). Dueño and contador see every store; an encargado his own
(:attr:`~syncserver.hq.web.HqUser.store_scope`). The downloads are byte for byte what ``./scripts/demo --headless``
writes under ``DIR/books/`` (``shared.books`` writes both).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import books
from syncserver import state
from syncserver.hq import params, purchases, web
from syncserver.hq.web import HqUser
from syncserver.store import books as books_store
from syncserver.store import db

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TIPOS: Final = {str(t): t for t in sorted(books.SALES_TIPOS | books.PURCHASE_TIPOS)}


@dataclass(frozen=True, slots=True)
class Month:
    """What a request asks for: the month, the store (None: all the user sees) and the user's scope."""

    month: date
    store: str | None
    scope: list[str] | None


def _chosen(request: Request, user: HqUser) -> Month:
    today = state.clock(request)().astimezone(web.CHILE).date()
    month = params.month_param(request.query_params, "mes", "Mes", default=today.replace(day=1))
    return Month(month, params.store_param(user, request.query_params), user.store_scope)


async def _books(request: Request, user: HqUser, chosen: Month) -> tuple[
        tuple[books.SalesBookRow, ...], tuple[books.PurchaseBookRow, ...], books.IvaSummary]:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        args = (conn, user.tenant_id, chosen.month, chosen.store)
        sales = await books_store.sales_book(*args, scope=chosen.scope)
        bought = await books_store.purchase_book(*args, scope=chosen.scope)
        carried_in = await books_store.remanente_before(*args, scope=chosen.scope)
    return sales, bought, books.iva_summary(chosen.month, sales, bought, remanente_anterior=carried_in)


def xlsx(header: Sequence[str], cells: list[list[object]], title: str, by_tipo: Sequence[books.TipoTotal]) -> bytes:
    """A book as an Excel workbook (openpyxl, write-only): sheet «Libro» with a title row, ``header`` and the typed
    cells (dates as dates, pesos as numbers with a ``$`` format), and sheet «Resumen» with each type's count and
    signed amounts (notas de crédito negative) and the total."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Libro")
    sheet.append([title])
    sheet.append(list(header))
    money_columns = {i for i, name in enumerate(header) if name.startswith(("Monto", "Valor"))}
    for row in cells:
        out = []
        for i, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, date):
                cell.number_format = "dd-mm-yyyy"
            elif i in money_columns:
                cell.number_format = '"$"#,##0'
            out.append(cell)
        sheet.append(out)
    summary = book.create_sheet("Resumen")
    summary.append([title])
    summary.append(["Tipo Doc", "Documento", "Cantidad", "Monto Exento", "Monto Neto", "Monto IVA", "Monto Total"])
    total = books.TipoTotal(0, sum(g.documentos for g in by_tipo), sum(g.exento for g in by_tipo),
                            sum(g.neto for g in by_tipo), sum(g.iva for g in by_tipo), sum(g.total for g in by_tipo))
    for g in (*by_tipo, total):
        summary.append([g.tipo or "", g.name if g.tipo else "Total", g.documentos, g.exento, g.neto, g.iva, g.total])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def clp(amount: int) -> str:
    """``web.fmt_clp`` for an int, without its conversions (``-1990 -> "-$1.990"``): the books' pages format
    thousands of amounts."""
    return f"-${-amount:,}".replace(",", ".") if amount < 0 else f"${amount:,}".replace(",", ".")


def _amounts(sign: int, *values: int) -> str:
    """The ``<td class="num">`` cells of signed amounts, as the template's ``amount`` macro writes them."""
    return "".join(f'<td class="num{" neg" if sign * v < 0 else ""}">{clp(sign * v)}</td>' for v in values)


class _Memo(dict[Any, str]):
    """A formatter that remembers what it wrote (a month's lines repeat their days, RUTs and types)."""

    def __init__(self, write: Callable[[Any], str]) -> None:
        super().__init__()
        self.write = write

    def __missing__(self, key: Any) -> str:
        self[key] = text = self.write(key)
        return text


def _formatters() -> tuple[_Memo, _Memo, _Memo]:
    """Day (``dd-mm-aaaa``), RUT (``web.fmt_rut``, escaped) and type (its name and code, escaped) formatters."""
    return (_Memo(web.fmt_date), _Memo(lambda rut: str(escape(web.fmt_rut(rut)))),
            _Memo(lambda tipo: f"{escape(books.TIPO_NAMES.get(tipo, tipo))} ({tipo})"))


def sales_lines(rows: Sequence[books.SalesBookRow]) -> Markup:
    """The libro de ventas' table rows (``<tr>``, one a line), as books.html showed them when it wrote each row in
    a Jinja loop (thousands of lines: written here, ten times faster; test_books checks they are the same)."""
    day, rut, tipo = _formatters()
    out = []
    for r in rows:
        if r.tipo == books.VOUCHER:
            folio = f'<span class="muted">{web.fmt_int(r.documentos)} vouchers</span>'
        elif r.summary:
            folio = (f'{web.fmt_int(r.folio)}–{web.fmt_int(r.folio_hasta)}<br><span class="muted">'
                     f'{web.fmt_int(r.documentos)} boletas</span>')
        else:
            folio = f'<a href="{web.BASE}/documentos/{r.tipo}/{r.folio}.pdf">{web.fmt_int(r.folio)}</a>'
        who = ('<span class="muted">Resumen del día</span>' if r.summary else
               f'{escape(r.razon_social)}<br><span class="muted nowrap">RUT {rut[r.rut]}</span>')
        ref = f"{r.ref_tipo} N° {web.fmt_int(r.ref_folio)}" if r.ref_tipo else ""
        out.append(f'      <tr><td class="nowrap">{day[r.fecha]}</td><td>{tipo[r.tipo]}</td>\n'
                   f'        <td class="num nowrap">{folio}</td>\n        <td>{who}</td>\n'
                   f'        {_amounts(r.sign, r.exento, r.neto, r.iva, r.total)}\n'
                   f'        <td class="nowrap">{ref}</td></tr>\n')
    return Markup("".join(out))


def purchase_lines(rows: Sequence[books.PurchaseBookRow]) -> Markup:
    """The libro de compras' table rows, as :func:`sales_lines` writes the sales'."""
    day, rut, tipo = _formatters()
    return Markup("".join(
        f'      <tr><td class="nowrap">{day[r.fecha]}</td><td>{escape(r.razon_social)}<br>'
        f'<span class="muted nowrap">RUT {rut[r.rut]}</span></td>\n'
        f'        <td>{tipo[r.tipo]}</td><td class="num">{web.fmt_int(r.folio)}</td>\n'
        f'        {_amounts(r.sign, r.exento, r.neto, r.iva, r.total)}</tr>\n' for r in rows))


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _suffix(chosen: Month) -> str:
    return f"_{chosen.store}" if chosen.store else ""


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """The month's IVA summary, each book's totals by type and both books' lines (``?tipo=`` one type's)."""
    chosen = _chosen(request, user)
    only = params.choice_param(request.query_params, "tipo", "Tipo de documento", {"": None, **_TIPOS},
                               default=None)
    sales, bought, summary = await _books(request, user, chosen)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        stores = [s for s in await (await conn.execute(
            "SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name", (user.tenant_id,))).fetchall()
            if user.sees_store(s[0])]
    today = state.clock(request)().astimezone(web.CHILE).date()
    month = chosen.month
    nxt = books_store.next_month(month)
    shown_sales = [r for r in sales if only is None or r.tipo == only]
    shown_bought = [r for r in bought if only is None or r.tipo == only]
    return web.render(
        request, "books.html", user=user, section="libros", month_name=purchases.month_name(month),
        month_value=purchases.month_text(month), is_current=month == today.replace(day=1), store=chosen.store,
        store_name=next((name for store_id, name in stores if store_id == chosen.store), ""), stores=stores,
        summary=summary, sales=sales_lines(shown_sales) if shown_sales else "",
        purchases=purchase_lines(shown_bought) if shown_bought else "", only=only,
        sales_totals=books.total_of(summary.debito_by_tipo), purchase_totals=books.total_of(summary.credito_by_tipo),
        tipo_names=books.TIPO_NAMES, files=books.file_names(month),
        previous=purchases.month_text(date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1))
        if month > params.MIN_DATE else "",
        following=purchases.month_text(nxt) if nxt <= params.MAX_DATE else "")


@web.login_required
async def sales_csv(request: Request, user: HqUser) -> Response:
    """``GET /libros/ventas.csv``: the libro de ventas (``shared.books.sales_csv``)."""
    chosen = _chosen(request, user)
    sales, _, _ = await _books(request, user, chosen)
    name = books.file_names(chosen.month)[0].removesuffix(".csv") + _suffix(chosen) + ".csv"
    return _download(books.sales_csv(sales), "text/csv; charset=utf-8", name)


@web.login_required
async def purchases_csv(request: Request, user: HqUser) -> Response:
    """``GET /libros/compras.csv``: the libro de compras (``shared.books.purchase_csv``)."""
    chosen = _chosen(request, user)
    _, bought, _ = await _books(request, user, chosen)
    name = books.file_names(chosen.month)[1].removesuffix(".csv") + _suffix(chosen) + ".csv"
    return _download(books.purchase_csv(bought), "text/csv; charset=utf-8", name)


@web.login_required
async def sales_xlsx(request: Request, user: HqUser) -> Response:
    """``GET /libros/ventas.xlsx``: the libro de ventas as a workbook (:func:`xlsx`)."""
    chosen = _chosen(request, user)
    sales, _, _ = await _books(request, user, chosen)
    title = f"Libro de ventas de {purchases.month_name(chosen.month)} · {user.tenant_name} · RUT {user.tenant_rut}"
    name = books.file_names(chosen.month)[0].removesuffix(".csv") + _suffix(chosen) + ".xlsx"
    return _download(xlsx(books.SALES_HEADER, books.sales_cells(sales), title, books.by_tipo(sales)), XLSX, name)


@web.login_required
async def purchases_xlsx(request: Request, user: HqUser) -> Response:
    """``GET /libros/compras.xlsx``: the libro de compras as a workbook (:func:`xlsx`)."""
    chosen = _chosen(request, user)
    _, bought, _ = await _books(request, user, chosen)
    title = f"Libro de compras de {purchases.month_name(chosen.month)} · {user.tenant_name} · RUT {user.tenant_rut}"
    name = books.file_names(chosen.month)[1].removesuffix(".csv") + _suffix(chosen) + ".xlsx"
    return _download(xlsx(books.PURCHASE_HEADER, books.purchase_cells(bought), title, books.by_tipo(bought)),
                     XLSX, name)


@web.login_required
async def iva_json(request: Request, user: HqUser) -> Response:
    """``GET /libros/iva.json``: the IVA summary (``shared.books.iva_json``)."""
    chosen = _chosen(request, user)
    _, _, summary = await _books(request, user, chosen)
    name = books.file_names(chosen.month)[2].removesuffix(".json") + _suffix(chosen) + ".json"
    return _download(books.iva_json(summary), "application/json", name)


ROUTES: Final = [
    Route("/libros", page, methods=["GET"], name="books"),
    Route("/libros/ventas.csv", sales_csv, methods=["GET"], name="books_sales_csv"),
    Route("/libros/ventas.xlsx", sales_xlsx, methods=["GET"], name="books_sales_xlsx"),
    Route("/libros/compras.csv", purchases_csv, methods=["GET"], name="books_purchases_csv"),
    Route("/libros/compras.xlsx", purchases_xlsx, methods=["GET"], name="books_purchases_xlsx"),
    Route("/libros/iva.json", iva_json, methods=["GET"], name="books_iva_json"),
]
