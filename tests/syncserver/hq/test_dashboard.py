"""HQ's dashboard (``/hq/panel``) over real PostgreSQL and real HTTP (uvicorn): the first page after login, its
figures equal to an independent fold of random sales, each role seeing what it may (an encargado his stores only,
another store 403), the figures' fragment answering 204 while nothing changed, and the event stream's headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import httpx
import psycopg_pool
import pytest

from shared import money
from syncserver.hq import auth, charts, dashboard
from tests.syncserver.hq.hq_support import FAST, PASSWORD, World
from tests.syncserver.store import dashboard_kit as kit

MANAGER = "juan@donpepe.cl"
ACCOUNTANT = "ana@donpepe.cl"


def text(html: str) -> str:
    """The visible words of a page, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def clp(amount: int) -> str:
    return money.format_clp(amount)


@pytest.fixture
def sold(world: World) -> World:
    """``world`` with its tenant 1 sales replaced by 400 random ones of centro and norte (with lines and costs), an
    encargado of norte and an accountant."""
    world.execute("DELETE FROM sale_tenders WHERE tenant_id = 1")
    world.execute("DELETE FROM sales WHERE tenant_id = 1")
    for sku, (name, price, exempt) in kit.PRODUCTS.items():
        world.execute("INSERT INTO products (tenant_id, sku, name, price, category, sold_by, iva_exempt)"
                      " VALUES (1, %s, %s, %s, 'Abarrotes', 'unit', %s) ON CONFLICT (tenant_id, sku) DO UPDATE"
                      " SET iva_exempt = EXCLUDED.iva_exempt", sku, name, price, exempt)
    kit.write(world.admin_url, 1, kit.generate(3, ["centro", "norte"], 400))

    async def logins(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await auth.create_login(pool, 1, MANAGER, "Juan Soto", PASSWORD, FAST, role="manager")
        await auth.create_login(pool, 1, ACCOUNTANT, "Ana Rojas", PASSWORD, FAST, role="accountant")

    world.run(logins)
    world.execute("UPDATE hq_users SET stores = '{norte}' WHERE email = %s", MANAGER)
    return world


@pytest.fixture
def http(sold: World, serve_in_thread: Any) -> Iterator[httpx.Client]:
    """A real HTTP client of the app of ``sold`` at :data:`kit.NOW` (not signed in)."""
    app = sold.app()
    app.state.clock = lambda: kit.NOW.astimezone(UTC)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=20) as client:
        yield client


def login(client: httpx.Client, email: str = "pepe@donpepe.cl") -> httpx.Response:
    page = client.get("/hq/login")
    done = client.post("/hq/login", data={"csrf": World.token(page.text), "email": email, "password": PASSWORD})
    assert done.status_code == 303, done.text
    return done


def test_the_owner_lands_on_the_dashboard_and_sees_the_fold_of_every_store(http: httpx.Client, sold: World) -> None:
    assert http.get("/hq/panel").headers["location"] == "/hq/login?siguiente=%2Fhq%2Fpanel"
    assert login(http).headers["location"] == "/hq/panel"
    page = http.get("/hq/panel")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'aria-current="page">Panel<' in page.text and "/hq/static/dashboard.js" in page.text
    shown = text(page.text)
    sales = kit.generate(3, ["centro", "norte"], 400)
    expected = kit.fold(sales, ["centro", "norte"])
    today = sum(v[1] for v in expected.per_store.values())
    week = sum(v[5] for v in expected.per_store.values())
    assert f"Vendido hoy {clp(today)}" in shown and f"Vendido esta semana {clp(week)}" in shown
    for store, name in (("centro", "Centro"), ("norte", "Norte")):
        v = expected.per_store[store]
        assert (f"{name} {v[0]} {clp(v[1])} {clp(v[3])} {dashboard.change(v[1], v[3])}") in shown
        assert (f"{name} {v[4]} {clp(v[5])} {clp(v[7])} {dashboard.change(v[5], v[7])}") in shown
    neto, cost = expected.margin[0], expected.margin[1]
    assert f"Margen de la semana {clp(neto - cost)}" in shown
    top_sku, _units, top_amount, top_neto, top_cost = expected.top[0]
    assert f"{kit.PRODUCTS[top_sku][0]} {top_sku}" in shown and clp(top_amount) in shown
    assert clp(top_neto - top_cost) in shown
    for kind, amount in expected.tenders:
        assert f"{dashboard.web.TENDER_LABELS[kind]} {clp(amount)}" in shown
    # the heat map names its busiest hour; the charts are inline SVG with a text alternative
    assert page.text.count('role="img"') == 3
    busiest = max(v for day in expected.heat for v in day)
    assert f"({clp(busiest)})" in page.text
    # another tenant's store is not offered, and its sales never count
    assert "La Esquina" not in shown and "77.777" not in shown
    # the alerts of the fixture: tills never synced or long ago, one quarantined event of tenant 1
    assert "1 evento en cuarentena" in shown and "cajas sin sincronizar" in shown.lower()


def test_each_role_sees_what_it_may(http: httpx.Client) -> None:
    login(http, MANAGER)
    page = http.get("/hq/panel")
    assert page.status_code == 200
    shown = text(page.text)
    assert "Norte" in shown and '<option value="centro"' not in page.text and "<strong>Centro</strong>" not in page.text
    assert "evento en cuarentena" not in shown  # the quarantined event is centro's till's
    for path in ("/hq/panel?tienda=centro", "/hq/panel/datos?tienda=centro", "/hq/panel/eventos?tienda=centro"):
        refused = http.get(path)
        assert refused.status_code == 403 and "no es una de las suyas" in refused.text, path
    assert http.get("/hq/panel?tienda=norte").status_code == 200
    http.post("/hq/salir", data={"csrf": World.token(page.text)})
    login(http, ACCOUNTANT)
    assert "<strong>Centro</strong>" in http.get("/hq/panel").text
    refused = http.post("/hq/panel", data={})
    assert refused.status_code in (403, 405)


def test_the_figures_fragment_answers_204_while_nothing_changed(http: httpx.Client, sold: World) -> None:
    login(http)
    first = http.get("/hq/panel/datos")
    mark = first.headers["x-marca"]
    assert first.status_code == 200 and "Vendido hoy" in first.text and "<nav" not in first.text
    assert f'data-marca="{mark}"' in first.text and '<html lang="es-CL">' in first.text
    same = http.get(f"/hq/panel/datos?marca={mark}")
    assert same.status_code == 204 and same.headers["x-marca"] == mark
    kit.write(sold.admin_url, 1, [kit.Sale("nueva", "norte", "2026-11-25T15:00:00-03:00",
                                           [kit.Line("LEC-1", kit.Decimal(2), 2300, 1400)], {"cash": 2300})])
    changed = http.get(f"/hq/panel/datos?marca={mark}")
    assert changed.status_code == 200 and changed.headers["x-marca"] != mark
    bad = http.get("/hq/panel/datos?marca=" + "x" * 65)
    assert bad.status_code == 400


def test_the_event_stream_sends_the_marker_when_it_differs(http: httpx.Client, sold: World) -> None:
    login(http)
    mark = http.get("/hq/panel/datos").headers["x-marca"]
    once = http.get(f"/hq/panel/eventos?marca={mark}")  # not an EventSource: the marker once, then the end
    assert once.text == f"retry: 2000\n\nevent: cambio\ndata: {mark}\n\n"
    with http.stream("GET", "/hq/panel/eventos?marca=stale", headers={"Accept": "text/event-stream"}) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 2000"
        got = [next(lines) for _ in range(3)]
        assert got == ["", "event: cambio", f"data: {mark}"]
        sold.execute("UPDATE terminals SET last_sync_at = now() WHERE tenant_id = 1")  # a till synced
        got = [next(lines) for _ in range(3)]
        assert got[:2] == ["", "event: cambio"] and got[2] != f"data: {mark}"


def test_charts_scale_and_name_their_values() -> None:
    bars = charts.paired_bars([charts.Pair("Centro <1>", 1000, 0), charts.Pair("Norte", 0, 500)], title="Hoy",
                              fmt=clp, now_label="hoy", before_label="antes")
    assert 'viewBox="0 0 320' in bars and "Centro &lt;1&gt;: $1.000 hoy, $0 antes; Norte: $0 hoy, $500 antes" in bars
    heat = [[0] * 24 for _ in range(7)]
    heat[5][12] = 9000
    heat[0][9] = 3000
    drawn = charts.heat_map(heat, title="Calor", fmt=clp)
    assert "La hora de más ventas es sábado de 12:00 a 13:00 ($9.000)." in drawn
    assert drawn.count("<rect") == 7 * 24 and charts.heat_colour(9000, 9000) == charts.HEAT_STEPS[-1]
    assert charts.heat_colour(0, 9000) == charts.HEAT_STEPS[0] and charts.heat_colour(1, 9000) == charts.HEAT_STEPS[1]
    assert "Sin ventas" in charts.heat_map([[0] * 24 for _ in range(7)], title="x", fmt=clp)
    assert [dashboard.change(*p) for p in ((110, 100), (97, 100), (0, 0), (5, 0), (100, 100))] == [
        "+10 %", "-3 %", "=", "nuevo", "="]
