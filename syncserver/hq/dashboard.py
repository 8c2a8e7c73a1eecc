"""``/hq/panel``: HQ's first page after login, the figures of ``syncserver.store.dashboard`` with SVG charts, kept
live by server-sent events (``/hq/panel/eventos``) and, where they fail, by polling ``/hq/panel/datos``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from syncserver import state
from syncserver.hq import charts, params, web
from syncserver.hq.web import HqUser
from syncserver.store import dashboard, db, tenants

CHECK_EVERY: Final = 1.0
"""Seconds between two looks at the marker while a page listens (the live update's delay, at most)."""
STREAM_FOR: Final = 300.0
"""Seconds an event stream stays open; the browser's EventSource then reconnects by itself (``retry``)."""
KEEPALIVE: Final = 15.0
"""Seconds between two comments on a quiet stream, so that proxies keep it open."""
POLL_SECONDS: Final = 15
"""How often the page polls ``/panel/datos`` when server-sent events do not work."""


async def _scope(request: Request, conn: db.Conn, user: HqUser) -> tuple[list[tuple[str, str]], str | None]:
    """The ``(store_id, name)`` the page covers: the one ``?tienda=`` names (one the user sees, else 403) or every
    store he sees; and the chosen store id (None: all)."""
    chosen = params.store_param(user, request.query_params)
    stores = [(s.store_id, s.name) for s in await tenants.stores(conn, user.tenant_id) if user.sees_store(s.store_id)]
    if chosen is not None:
        stores = [s for s in stores if s[0] == chosen]
    return stores, chosen


async def _figures(request: Request, user: HqUser) -> tuple[dashboard.Dashboard, list[tuple[str, str]], str | None,
                                                           list[tuple[str, str]], str]:
    now = state.clock(request)()
    async with db.tenant_tx(state.read_pool(request), user.tenant_id) as conn:  # reads only: the replica if set
        stores, chosen = await _scope(request, conn, user)
        every = [(s.store_id, s.name) for s in await tenants.stores(conn, user.tenant_id)
                 if user.sees_store(s.store_id)]
        ids = [s for s, _ in stores]
        figures = await dashboard.dashboard(conn, user.tenant_id, stores, now,
                                            every_store=chosen is None and user.store_scope is None)
        mark = await dashboard.marker(conn, user.tenant_id, ids, now)
    return figures, stores, chosen, every, mark


def _context(figures: dashboard.Dashboard) -> dict[str, Any]:
    """What the figures' template needs beside them: the charts and the totals of every store."""
    s = figures.stores
    totals = {k: sum(getattr(x, k) for x in s) for k in (
        "today_count", "today_total", "last_today_count", "last_today_total", "week_count", "week_total",
        "last_week_count", "last_week_total")}
    today_chart = charts.paired_bars([charts.Pair(x.name, x.today_total, x.last_today_total) for x in s],
                                     title="Ventas de hoy por tienda, contra el mismo día de la semana pasada",
                                     fmt=web.fmt_clp, now_label="hoy", before_label="semana pasada")
    week_chart = charts.paired_bars([charts.Pair(x.name, x.week_total, x.last_week_total) for x in s],
                                    title="Ventas de esta semana por tienda, contra los mismos días de la pasada",
                                    fmt=web.fmt_clp, now_label="esta semana", before_label="semana pasada")
    tender_top = max([1, *(v for _k, v in figures.tenders)])
    heat = charts.heat_map(figures.heat, title="Ventas por día de la semana y hora, últimas 4 semanas",
                           fmt=web.fmt_clp)
    return {"d": figures, "totals": totals, "today_chart": today_chart, "week_chart": week_chart, "heat": heat,
            "tender_total": sum(v for _k, v in figures.tenders), "tender_top": tender_top,
            "tender_labels": web.TENDER_LABELS, "store_names": {x.store_id: x.name for x in s},
            "stale_after": int(dashboard.STALE_AFTER.total_seconds() // 60)}


def change(now: int, before: int) -> str:
    """A figure against its comparison as es-CL reads it: ``"+12 %"``, ``"-3 %"``, ``"="``, ``"nuevo"`` (nothing
    before)."""
    if before == 0:
        return "=" if now == 0 else "nuevo"
    percent = round(100 * (now - before) / before)
    return "=" if percent == 0 else ("+" if percent > 0 else "-") + web.fmt_int(abs(percent)) + " %"


web.ENV.filters.update(variacion=lambda pair: change(*pair))


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """``GET /panel?tienda=``: every figure of the stores the user sees (or one of them), live."""
    figures, _stores, chosen, every, mark = await _figures(request, user)
    query = f"?tienda={web.url_part(chosen)}" if chosen else ""
    return web.render(request, "dashboard.html", user=user, section="panel", stores=every, store=chosen,
                      marker=mark, query=query, poll_seconds=POLL_SECONDS, **_context(figures))


@web.login_required
async def figures_fragment(request: Request, user: HqUser) -> Response:
    """``GET /panel/datos?tienda=&marca=``: the figures alone (a bare HTML page whose ``#panel-datos`` the live page
    takes) with their marker in ``X-Marca``; 204 when
    ``marca`` is already the current marker (nothing changed since the page got it)."""
    known = params.text_param(request.query_params, "marca", "Marca", max_len=64)
    figures, _stores, _chosen, _every, mark = await _figures(request, user)
    if known and known == mark:
        return Response(status_code=204, headers={"Cache-Control": "no-store", "X-Marca": mark})
    response = web.render(request, "dashboard_figures.html", user=user, marker=mark, **_context(figures))
    response.headers["X-Marca"] = mark
    return response


@web.login_required
async def events(request: Request, user: HqUser) -> Response:
    """``GET /panel/eventos?tienda=&marca=``: a ``text/event-stream`` that sends ``event: cambio`` with the new
    marker each time what the page shows may have changed (checked every :data:`CHECK_EVERY` s), a comment every
    :data:`KEEPALIVE` s, and closes after :data:`STREAM_FOR` s (the browser reconnects). A client that does not
    ask for an event stream (``Accept`` without ``text/event-stream``, as every EventSource sends it) gets the
    current marker once and the answer ends: nothing waits on a client that would read the whole answer first."""
    known = params.text_param(request.query_params, "marca", "Marca", max_len=64)
    pool = request.app.state.pool
    clock = state.clock(request)
    async with db.tenant_tx(pool, user.tenant_id) as conn:
        stores, _chosen = await _scope(request, conn, user)
    ids = [s for s, _ in stores]

    listening = "text/event-stream" in request.headers.get("accept", "")

    async def stream() -> AsyncIterator[str]:
        last = known
        yield "retry: 2000\n\n"
        loop = asyncio.get_running_loop()
        started = quiet = loop.time()
        while True:
            if await request.is_disconnected():
                return
            async with db.tenant_tx(pool, user.tenant_id) as conn:
                mark = await dashboard.marker(conn, user.tenant_id, ids, clock())
            if mark != last or not listening:
                last = mark
                quiet = loop.time()
                yield f"event: cambio\ndata: {mark}\n\n"
            elif loop.time() - quiet >= KEEPALIVE:
                quiet = loop.time()
                yield ": sigue\n\n"
            if not listening or loop.time() - started >= STREAM_FOR:
                return
            await asyncio.sleep(CHECK_EVERY)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


ROUTES: Final = [
    Route("/panel", page, methods=["GET"], name="dashboard"),
    Route("/panel/datos", figures_fragment, methods=["GET"], name="dashboard_figures"),
    Route("/panel/eventos", events, methods=["GET"], name="dashboard_events"),
]
"""The dashboard, its figures alone (polling) and its event stream (live)."""
