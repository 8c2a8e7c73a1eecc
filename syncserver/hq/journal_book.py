"""``/hq/libros/diario``: the general journal (libro diario) of a period and store for the accountant: the period's
balance de comprobación, its asientos (the first :data:`SHOWN` lines on the page, every one in the CSV at
``/hq/libros/diario.csv``) and the events that could not be booked (``syncserver.store.general_journal``).

``?desde=aaaa-mm-dd&hasta=aaaa-mm-dd`` (Chile calendar days; this month so far by default) or ``?mes=aaaa-mm`` (the
whole month, as ``/hq/libros`` links it), ``?tienda=ID`` one
store (an encargado sees only his). Accounts and entries: docs/accounting.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import accounting, errors
from syncserver import state
from syncserver.hq import params, web
from syncserver.hq.web import HqUser
from syncserver.store import db, general_journal

SHOWN: Final = 500
"""Most journal lines drawn on the page (whole asientos); the CSV has them all."""


def _download(body: bytes, filename: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


async def _read(request: Request, user: HqUser
                ) -> tuple[general_journal.GeneralJournal, list[tuple[str, str]], str | None, dict[str, str]]:
    """The journal the query asks for, the stores the user sees, the chosen store and the customers' names.

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
    scope = [store] if store is not None else user.store_scope
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        stores = [(str(s), str(n)) for s, n in await (await conn.execute(
            "SELECT store_id, name FROM stores WHERE tenant_id = %s ORDER BY name", (user.tenant_id,))).fetchall()
            if user.sees_store(s)]
        try:
            found = await general_journal.journal(conn, user.tenant_id, start, end, scope)
        except errors.InvalidInput as exc:
            raise params.BadInput("hasta", "Período", str(exc)) from None
        customers = sorted({x.auxiliary.removeprefix("cliente:") for x in found.lines
                            if x.auxiliary.startswith("cliente:")})
        names = {f"cliente:{c}": str(n) for c, n in await (await conn.execute(
            "SELECT customer_id, name FROM people WHERE tenant_id = %s AND customer_id = ANY(%s)",
            (user.tenant_id, customers))).fetchall()} if customers else {}
    return found, stores, store, names


def _shown(lines: list[accounting.JournalLine]) -> list[list[accounting.JournalLine]]:
    """The first asientos up to :data:`SHOWN` lines (at least one asiento), each a list of its lines."""
    groups: list[list[accounting.JournalLine]] = []
    for count, x in enumerate(lines):
        if not groups or groups[-1][0].event_id != x.event_id:
            if count >= SHOWN:
                break
            groups.append([])
        groups[-1].append(x)
    return groups


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET /libros/diario``: the period's trial balance and asientos."""
    found, stores, store, names = await _read(request, user)
    groups = _shown(found.lines)
    asientos = len({x.event_id for x in found.lines})
    query = f"desde={found.start.isoformat()}&hasta={found.end.isoformat()}" + (f"&tienda={store}" if store else "")
    return web.render(request, "journal_book.html", user=user, section="libros", journal=found, groups=groups,
                      asientos=asientos, shown_lines=sum(len(g) for g in groups), balances=found.trial_balance(),
                      stores=stores, store=store, store_names=dict(stores), names=names, query=query,
                      accounts=accounting.CHART, period=period_text(found.start, found.end))


@web.login_required
async def download_csv(request: Request, user: HqUser) -> Response:
    """``GET /libros/diario.csv``: every line of the period (``accounting.csv_bytes``)."""
    found, _stores, store, _names = await _read(request, user)
    name = f"libro_diario_{found.start.isoformat()}_{found.end.isoformat()}" + (f"_{store}" if store else "")
    return _download(found.csv(), f"{name}.csv")


def period_text(start: date, end: date) -> str:
    """``"01-12-2026 al 31-12-2026"``."""
    return f"{start:%d-%m-%Y} al {end:%d-%m-%Y}"

ROUTES: Final = [
    Route("/libros/diario", page, methods=["GET"], name="journal_book"),
    Route("/libros/diario.csv", download_csv, methods=["GET"], name="journal_book_csv"),
]
"""The libro diario's page and its CSV."""
