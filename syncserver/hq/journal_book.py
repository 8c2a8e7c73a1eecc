"""``/hq/libros/diario``: the general journal (libro diario) of a period and store for the accountant: the period's
balance de comprobación, its asientos a page at a time (``general_journal.PAGE_LINES`` lines; ``?despues=`` the
position where a page starts), every line in the CSV at ``/hq/libros/diario.csv`` (streamed) and the events that
could not be booked (``syncserver.store.general_journal``: the journal the ingest keeps).

``?desde=aaaa-mm-dd&hasta=aaaa-mm-dd`` (Chile calendar days; this month so far by default) or ``?mes=aaaa-mm`` (the
whole month, as ``/hq/libros`` links it), ``?tienda=ID`` one
store (an encargado sees only his). Accounts and entries: docs/accounting.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from typing import Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from shared import accounting, errors
from syncserver import state
from syncserver.hq import params, web
from syncserver.hq.web import HqUser
from syncserver.store import db, general_journal


def _period(request: Request, user: HqUser) -> tuple[date, date, str | None, Sequence[str] | None]:
    """The period, the chosen store and the stores to read (None: all) the query asks for.

    Raises:
        BadInput: a bad date, a period backwards or longer than a year, a bad store code.
        OutsideScope: a store that is not one of an encargado's.
    """
    today = state.clock(request)().astimezone(web.CHILE).date()
    q = request.query_params
    if q.get("mes") and not q.get("desde") and not q.get("hasta"):  # a whole month, as /libros links it
        start = params.month_param(q, "mes", "Mes", default=today.replace(day=1))
        end = (start + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    else:
        start = params.date_param(q, "desde", "Desde", default=today.replace(day=1))
        end = params.date_param(q, "hasta", "Hasta", default=max(today, start))
    store = params.store_param(user, q)
    try:
        general_journal.bounds(start, end)
    except errors.InvalidInput as exc:
        raise params.BadInput("hasta", "Período", str(exc)) from None
    return start, end, store, [store] if store is not None else user.store_scope


async def _read(request: Request, user: HqUser
                ) -> tuple[general_journal.GeneralJournal, list[tuple[str, str]], str | None, dict[str, str]]:
    """The journal's page the query asks for, the stores the user sees, the chosen store and the customers' names.

    Raises:
        BadInput: as :func:`_period`, or a page position that is not one this page wrote.
        OutsideScope: a store that is not one of an encargado's.
    """
    start, end, store, scope = _period(request, user)
    after = None
    if despues := request.query_params.get("despues"):
        try:
            after = general_journal.Position.parse(despues)
        except errors.InvalidInput as exc:
            raise params.BadInput("despues", "Página", str(exc)) from None
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        stores = [(str(s), str(n)) for s, n in await (await conn.execute(
            "SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name", (user.tenant_id,))).fetchall()
            if user.sees_store(s)]
        found = await general_journal.journal(conn, user.tenant_id, start, end, scope, after,
                                              general_journal.PAGE_LINES)
        customers = sorted({x.auxiliary.removeprefix("cliente:") for x in found.lines
                            if x.auxiliary.startswith("cliente:")})
        names = {f"cliente:{c}": str(n) for c, n in await (await conn.execute(
            "SELECT customer_id, name FROM people WHERE tenant_id = %s AND customer_id = ANY(%s)",
            (user.tenant_id, customers))).fetchall()} if customers else {}
    return found, stores, store, names


def _grouped(lines: list[accounting.JournalLine]) -> list[list[accounting.JournalLine]]:
    """The page's lines, each asiento a list of its lines."""
    groups: list[list[accounting.JournalLine]] = []
    for x in lines:
        if not groups or groups[-1][0].event_id != x.event_id:
            groups.append([])
        groups[-1].append(x)
    return groups


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET /libros/diario``: the period's trial balance and asientos."""
    found, stores, store, names = await _read(request, user)
    groups = _grouped(found.lines)
    query = f"desde={found.start.isoformat()}&hasta={found.end.isoformat()}" + (f"&tienda={store}" if store else "")
    following = f"{query}&despues={quote(found.following.text)}" if found.following else None
    return web.render(request, "journal_book.html", user=user, section="libros", journal=found, groups=groups,
                      asientos=found.asientos, following=following, balances=found.trial_balance(),
                      stores=stores, store=store, store_names=dict(stores), names=names, query=query,
                      accounts=accounting.CHART, period=period_text(found.start, found.end))


@web.login_required
async def download_csv(request: Request, user: HqUser) -> Response:
    """``GET /libros/diario.csv``: every line of the period (``accounting.csv_bytes``), streamed as it is read."""
    start, end, store, scope = _period(request, user)
    name = f"libro_diario_{start.isoformat()}_{end.isoformat()}" + (f"_{store}" if store else "")
    pool = request.app.state.pool

    async def body() -> AsyncIterator[bytes]:
        async with db.tenant_tx(pool, user.tenant_id) as conn:
            async for piece in general_journal.csv_chunks(conn, user.tenant_id, start, end, scope):
                yield piece

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                                      "Cache-Control": "no-store"})


def period_text(start: date, end: date) -> str:
    """``"01-12-2026 al 31-12-2026"``."""
    return f"{start:%d-%m-%Y} al {end:%d-%m-%Y}"

ROUTES: Final = [
    Route("/libros/diario", page, methods=["GET"], name="journal_book"),
    Route("/libros/diario.csv", download_csv, methods=["GET"], name="journal_book_csv"),
]
"""The libro diario's page and its CSV."""
