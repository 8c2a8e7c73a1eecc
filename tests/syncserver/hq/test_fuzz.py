"""Fuzzing every HQ route (Starlette's route table) as each role, through the ASGI app on the real PostgreSQL:
Unicode digits, impossible dates, NUL, long and non-UTF-8 values, repeated keys, wrong ids in the path. Never a
5xx; a refusal is a page in Spanish that changed nothing (every table of every tenant compared before and after).

The suite runs 2 examples per route, method and role and 20 random requests; more with::

    HQ_FUZZ_EXAMPLES=40 .venv/bin/python -m pytest -q -p no:cacheprovider tests/syncserver/hq/test_fuzz.py -k every
    FUZZ_EXAMPLES=4000 .venv/bin/python -m pytest -q -p no:cacheprovider tests/syncserver/hq/test_fuzz.py -k random
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.types import ASGIApp

from syncserver import hq
from tests.syncserver.hq.hq_support import PASSWORD, World, accept, invite

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]

EXAMPLES = int(os.environ.get("HQ_FUZZ_EXAMPLES", "0")) or 2
"""Examples per route, method and role: 2 in the suite, more with ``HQ_FUZZ_EXAMPLES``."""
FUZZ_RUN = int(os.environ.get("FUZZ_EXAMPLES", "0") or 0)
RANDOM_EXAMPLES = FUZZ_RUN or 20
"""Random requests of :func:`test_random_requests_to_random_routes_as_random_roles`: 20 in the suite,
``FUZZ_EXAMPLES`` in ``scripts/fuzz``."""

PRODUCT = ("sku", "name", "brand", "category", "price", "sold_by", "barcode", "plu", "iva_exempt", "favourite",
           "cost", "completo")
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    # route name -> method -> the query parameters (GET) or form fields (POST) its pages read
    "terminals": {"GET": ("hecho",)},
    "login": {"GET": ("siguiente", "salida"), "POST": ("email", "password", "siguiente")},
    "logout": {"POST": ()},
    "new_code": {"POST": ("nombre",)},
    "revoke": {"GET": (), "POST": ()},
    "quarantine": {"GET": ()},
    "sales": {"GET": ("fecha", "tienda")},
    "purchases": {"GET": ("mes", "tienda")},
    "documents": {"GET": ("estado", "tipo", "corregido")},
    "rvd": {"GET": ("reenviado",)},
    "rvd_resend": {"POST": ()},
    "document_pdf": {"GET": ("cedible",)},
    "correct_document": {"GET": (), "POST": ("motivo", "password")},
    "debit_document": {"GET": (), "POST": ("concepto_1", "detalle_1", "monto_1", "exento_1", "monto_2", "montos",
                                           "motivo", "password")},
    "emisor": {"GET": ("guardado",), "POST": ("razon_social", "giro", "acteco", "direccion", "comuna", "ciudad",
                                              "sucursal_sii", "resolucion_fecha", "resolucion_numero",
                                              "unidad_sii")},
    "certificate": {"POST": ("clave",)},
    "folios": {"GET": ("importado",), "POST": ()},
    "catalog": {"GET": ("q", "pagina")},
    "product_new": {"GET": ("codigo",), "POST": PRODUCT},
    "categories": {"GET": (), "POST": ("accion", "nueva", "orden_Lácteos", "orden_Bebidas")},
    "catalog_import": {"GET": (), "POST": ("codificacion",)},
    "catalog_import_review": {"GET": (), "POST": ("accion", "crear_categorias", "col_sku", "col_name", "col_price")},
    "catalog_import_rejects": {"GET": ()},
    "catalog_export": {"GET": ()},
    "product_deactivate": {"POST": ("motivo", "reactivar")},
    "product_stores": {"POST": ("precio_centro", "minimo_centro", "precio_norte", "minimo_norte")},
    "product": {"GET": ("guardado", "aviso"), "POST": (*PRODUCT, "version")},
    "unknown_codes": {"GET": ()},
    "pos_users": {"GET": ("aviso",), "POST": ("nombre", "rol", "tiendas", "pin", "pin2")},
    "pos_user_pin": {"POST": ("pin", "pin2")},
    "pos_user_deactivate": {"POST": ("motivo", "reactivar")},
    "pos_user": {"GET": ("aviso",), "POST": ("nombre", "rol", "tiendas", "pin")},
    "first_run": {"GET": (), "POST": ("empresa", "rut", "nombre", "correo", "clave", "clave2")},
    "invitation": {"GET": ("codigo",), "POST": ("codigo", "clave", "clave2")},
    "accounts": {"GET": ("aviso",), "POST": ("correo", "nombre", "rol", "tiendas")},
    "account_reset": {"POST": ()},
    "account_deactivate": {"POST": ("motivo", "reactivar")},
    "account": {"GET": ("aviso",), "POST": ("nombre", "rol", "tiendas")},
    "stores": {"GET": ("aviso",), "POST": ("codigo", "nombre", "direccion", "comuna", "ciudad", "sucursal_sii",
                                           "bodega")},
    "store_deactivate": {"POST": ("motivo", "reactivar")},
    "warehouse_new": {"POST": ("nombre", "tipo")},
    "warehouse_deactivate": {"POST": ("motivo", "reactivar")},
    "store": {"GET": ("aviso",), "POST": ("nombre", "direccion", "comuna", "ciudad", "sucursal_sii")},
    "audit": {"GET": ("tipo", "desde", "hasta", "quien", "pagina")},
    "open_sessions": {"GET": ("cuenta", "aviso")},
    "close_account_sessions": {"POST": ("cuenta",)},
    "close_session": {"POST": ()},
    "_missing": {"GET": ("q",)},
}
GENERIC = ("q", "pagina", "fecha", "mes", "tienda", "aviso", "nombre", "motivo", "codigo")
"""What a route not listed above is sent (a new page is fuzzed before anyone lists its fields)."""
UPLOADS = {"certificate": "pfx", "folios": "caf", "catalog_import": "archivo"}
"""Multipart routes and their file field."""

NASTY = ["²", "٣", "١٩٩٠", "１２", "-1", "0", "1", "39", "99999999999999999999999", "9999-12-31", "0001-01-01",
         "2026-02-30", "2026-11-20", "2026-11", "0000-00", "\x00", "a\x00b", "", " ", "1.990", "$1.990", "1e9", "NaN",
         "-0", "1,5", "centro", "norte", "esquina", "owner", "manager", "accountant", "cashier", "importar",
         "agregar", "..", "<b>x</b>", "' OR 1=1 --", "x" * 300, "y" * 5000, "\u202e", "🙂", "ＬＥＣ", "K", "%00"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                   st.integers(-10**20, 10**20).map(str), st.dates().map(str))
JUNK_ID = st.one_of(st.sampled_from(["²", "٣", "..", "x" * 400, "\x00", "a b", "%", "ñ", "-"]),
                    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30))
@dataclass
class Role:
    """One signed-in client (or none: ``anonymous``) and its CSRF token."""

    name: str
    email: str | None
    client: httpx.AsyncClient
    token: str = ""

    async def sign_in(self, admin: psycopg.Connection[tuple[Any, ...]]) -> None:
        if self.email is not None:
            self.client.cookies.clear()
            answer = await World.login(self.client, self.email, PASSWORD)
            if answer.status_code == 429:  # the fuzzed logins tripped the rate limit of this address: start over
                admin.execute("DELETE FROM auth_throttle")
                answer = await World.login(self.client, self.email, PASSWORD)
            assert answer.status_code == 303, (self.name, answer.status_code)
            self.token = World.token((await self.client.get("/hq/")).text)
        else:
            self.token = World.token((await self.client.get("/hq/login")).text)


@dataclass
class Fuzz:
    """The world, the roles, an admin connection and the database as the last request left it."""

    world: World
    admin: psycopg.Connection[tuple[Any, ...]]
    roles: dict[str, Role] = field(default_factory=dict)
    sent: int = 0
    last: list[tuple[Any, ...]] = field(default_factory=list)

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every table's rows as a checksum (:meth:`World.checksum`)."""
        return self.world.checksum(self.admin)


def path_values(world: World) -> dict[str, st.SearchStrategy[str]]:
    """What fills each ``{param}`` of a route: real ids of both tenants, or junk."""
    real = {"store_id": ["centro", "norte", "esquina"], "terminal_id": [*world.terminals[1], *world.terminals[2]],
            "sku": ["LEC-1", "COC-15", "SECRETO-2", "PAN-1"], "warehouse_id": ["centro-bodega", "esquina-bodega"],
            "email": ["rosa@esquina.cl"], "dia": ["2026-11-20", "9999-12-31", "2026-02-30"],
            "import_id": [], "user_id": [], "rest": ["nada", "catalogo/x/y"]}
    out: dict[str, st.SearchStrategy[str]] = {
        name: st.one_of(st.sampled_from(ids), JUNK_ID) if ids else JUNK_ID for name, ids in real.items()}
    digits = st.one_of(st.sampled_from(["39", "33", "61", "1", "0", "99999999999999999999999"]),
                       st.integers(0, 10**22).map(str))
    out["tipo"] = out["folio"] = out["session_id"] = digits
    return out


def fill(template: str, values: dict[str, str]) -> str:
    """The route's path with its ``{param}`` / ``{param:conv}`` replaced by quoted values."""
    return "/hq" + re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: quote(values[m.group(1)], safe=""), template)


@st.composite
def requests(draw: st.DrawFn, route: Route, method: str, role: str, params: dict[str, st.SearchStrategy[str]]
             ) -> dict[str, Any]:
    """One request to ``route`` as ``role``: its path and its fields (repeated, missing, non-UTF-8 or not)."""
    names = list(FIELDS.get(route.name, {}).get(method, GENERIC))
    path_names = re.findall(r"\{(\w+)", route.path)
    path = fill(route.path, {n: draw(params.get(n, JUNK_ID)) for n in path_names})
    pairs = draw(st.lists(st.tuples(st.sampled_from([*names, "tenant_id", "csrf"]) if names else
                                    st.sampled_from(["tenant_id", "x"]), VALUES), max_size=10))
    pairs += [(n, draw(VALUES)) for n in names if draw(st.integers(0, 2)) > 0 and n not in dict(pairs)]
    return {"role": role, "path": path, "pairs": pairs,
            "csrf": draw(st.sampled_from([True, True, True, False])),
            "broken": draw(st.sampled_from([None, None, None, "%FF", "%C3%28", "%E2%82"])),
            "file": draw(st.binary(max_size=300)) if route.name in UPLOADS else None}


async def send(fuzz: Fuzz, route: Route, method: str, drawn: dict[str, Any]) -> httpx.Response:
    role = fuzz.roles[drawn["role"]]
    pairs = [(k, v) for k, v in drawn["pairs"] if k != "csrf"]
    if drawn["csrf"]:
        pairs.append(("csrf", role.token))
    encoded = urlencode(pairs) + (f"&{pairs[0][0] if pairs else 'x'}={drawn['broken']}" if drawn["broken"] else "")
    if method == "GET":
        return await role.client.get(httpx.URL(drawn["path"] + ("?" + encoded if encoded else "")))
    if drawn["file"] is not None:
        data: dict[str, list[str]] = {}
        for key, value in pairs:
            data.setdefault(key, []).append(value)
        return await role.client.post(drawn["path"], data=data,
                                      files={UPLOADS[route.name]: ("archivo.xml", drawn["file"])})
    return await role.client.post(drawn["path"], content=encoded.encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})


async def check(fuzz: Fuzz, route: Route, method: str, drawn: dict[str, Any]) -> None:
    """Send one request and check the answer: no 5xx, a refusal in Spanish that changed nothing."""
    answer = await send(fuzz, route, method, drawn)
    fuzz.sent += 1
    where = (route.name, method, drawn["role"], str(answer.request.url)[:300], answer.status_code)
    assert answer.status_code < 500, (*where, answer.text[-1500:])
    after = fuzz.snapshot()
    in_hq = answer.request.url.path.startswith("/hq")  # "/hq/.." is sent as "/": the API's answer, in JSON
    if answer.status_code >= 400:
        assert '<html lang="es-CL">' in answer.text or not in_hq, (*where, answer.text[:500])
        assert after == fuzz.last, ("a refused request changed the database", *where)
    location = answer.headers.get("location", "")
    if answer.status_code == 303 and location.startswith("/hq/login"):
        await fuzz.roles[drawn["role"]].sign_in(fuzz.admin)  # logged out (or the account changed): sign in again
        after = fuzz.snapshot()
    fuzz.last = after


@contextlib.asynccontextmanager
async def signed_in(world: World, served: Served) -> AsyncIterator[Fuzz]:
    """The app with four clients: the owner, an accountant, an encargado of norte, and nobody."""
    app = world.app()
    async with served(app) as owner_client:
        fuzz = Fuzz(world, await asyncio.to_thread(psycopg.connect, world.admin_url, autocommit=True))
        owner = Role("dueño", "pepe@donpepe.cl", owner_client)
        await owner.sign_in(fuzz.admin)
        others = {name: httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://almacen.test")
                  for name in ("contador", "encargado", "anónimo")}
        async with contextlib.AsyncExitStack() as stack:
            for client in others.values():
                await stack.enter_async_context(client)
            await accept(others["contador"], await invite(owner_client, "conta@donpepe.cl", "Carla", "accountant"))
            await accept(others["encargado"], await invite(owner_client, "enc@donpepe.cl", "Enzo", "manager",
                                                           ["norte"]))
            fuzz.roles = {"dueño": owner, "contador": Role("contador", "conta@donpepe.cl", others["contador"]),
                          "encargado": Role("encargado", "enc@donpepe.cl", others["encargado"]),
                          "anónimo": Role("anónimo", None, others["anónimo"])}
            for role in fuzz.roles.values():
                await role.sign_in(fuzz.admin)
            fuzz.last = fuzz.snapshot()
            with fuzz.admin:
                yield fuzz


def routes() -> list[tuple[Route, str]]:
    """Every (route, method) of HQ's route table (HEAD is GET's)."""
    return [(r, m) for r in hq.routes() if isinstance(r, Route) for m in sorted(r.methods or ()) if m != "HEAD"]


@pytest.fixture
def hq_fuzz(world: World, served: Served) -> Iterator[tuple[asyncio.Runner, Fuzz]]:
    """The signed-in clients of :func:`signed_in` on an event loop the (synchronous) hypothesis tests drive."""
    with asyncio.Runner() as runner:
        context = signed_in(world, served)
        fuzz = runner.run(context.__aenter__())
        try:
            yield runner, fuzz
        finally:
            runner.run(context.__aexit__(None, None, None))


def fuzzer(runner: asyncio.Runner, fuzz: Fuzz, route: Route, method: str, role: str,
           params: dict[str, st.SearchStrategy[str]]) -> Callable[[], None]:
    """The hypothesis test of one route and method as one role (:data:`EXAMPLES` requests)."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 10,
              suppress_health_check=list(HealthCheck))
    @given(drawn=requests(route, method, role, params))
    def one(drawn: dict[str, Any]) -> None:
        runner.run(check(fuzz, route, method, drawn))

    return one


def test_every_hq_route_refuses_what_it_cannot_read_in_spanish_and_changes_nothing(
        world: World, hq_fuzz: tuple[asyncio.Runner, Fuzz]) -> None:
    runner, fuzz = hq_fuzz
    params = path_values(world)
    for route, method in routes():
        for role in fuzz.roles:
            fuzzer(runner, fuzz, route, method, role, params)()
    assert fuzz.sent >= EXAMPLES * len(routes()) * 4


@settings(max_examples=RANDOM_EXAMPLES, deadline=None, database=None, derandomize=not FUZZ_RUN,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_requests_to_random_routes_as_random_roles(world: World, hq_fuzz: tuple[asyncio.Runner, Fuzz],
                                                          data: st.DataObject) -> None:
    """The target of ``scripts/fuzz`` (``FUZZ_EXAMPLES`` requests, each a random route, method and role)."""
    runner, fuzz = hq_fuzz
    route, method = data.draw(st.sampled_from(routes()), label="route")
    role = data.draw(st.sampled_from(sorted(fuzz.roles)), label="role")
    runner.run(check(fuzz, route, method, data.draw(requests(route, method, role, path_values(world)))))


FOUND = [  # (route name, method, role, path, fields): inputs that once answered 500
    ("emisor", "POST", "dueño", "/hq/emisor", [("resolucion_numero", "²")]),
    ("emisor", "POST", "dueño", "/hq/emisor", [("sucursal_sii", "٣"), ("acteco", "１２")]),
    ("documents", "GET", "dueño", "/hq/documentos", [("corregido", "²:²:²:²")]),
    ("catalog", "GET", "encargado", "/hq/catalogo", [("pagina", "²")]),
    ("sales", "GET", "dueño", "/hq/ventas", [("fecha", "9999-12-31")]),
    ("sales", "GET", "contador", "/hq/ventas", [("fecha", "2026-02-30")]),
    ("purchases", "GET", "dueño", "/hq/compras", [("mes", "0000-05")]),
    ("rvd_resend", "POST", "dueño", "/hq/documentos/rvd/0001-01-01/reenviar", []),
    ("catalog_import_review", "POST", "dueño", "/hq/catalogo/importar/x", [("col_sku", "²")]),
    ("document_pdf", "GET", "dueño", "/hq/documentos/39/99999999999999999999999.pdf", []),
    ("product", "POST", "dueño", "/hq/catalogo/LEC-1", [("version", "²"), ("name", "x")]),
    ("product_stores", "POST", "dueño", "/hq/catalogo/LEC-1/tiendas", [("precio_centro", "١٩٩٠"),
                                                                        ("minimo_norte", "٣")]),
    ("categories", "POST", "dueño", "/hq/catalogo/categorias", [("accion", "ordenar"), ("orden_Lácteos", "²")]),
]


def test_inputs_that_once_answered_500_now_answer_a_spanish_page(hq_fuzz: tuple[asyncio.Runner, Fuzz]) -> None:
    runner, fuzz = hq_fuzz
    table = {r.name: r for r in hq.routes() if isinstance(r, Route)}
    for name, method, role, path, pairs in FOUND:
        drawn = {"role": role, "path": path, "pairs": pairs, "csrf": True, "broken": None, "file": None}
        runner.run(check(fuzz, table[name], method, drawn))
    assert fuzz.sent == len(FOUND)
