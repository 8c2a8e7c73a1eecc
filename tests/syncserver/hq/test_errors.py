"""HQ's error pages: unreadable addresses get a 400, a bad value names its field, any failure a Spanish 500."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import psycopg
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from syncserver.hq import errors, params
from tests.syncserver.hq.hq_support import World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


async def fails(request: Request) -> Response:
    raise RuntimeError("a bug")


async def bad_value(request: Request) -> Response:
    params.int_param(request.query_params, "pagina", "Página", low=1, high=9)
    return PlainTextResponse("ok")


async def database_down(request: Request) -> Response:
    raise psycopg.OperationalError("connection refused")


async def form(request: Request) -> Response:
    await request.form(max_fields=2)
    return PlainTextResponse("ok")


APP = Starlette(routes=[Mount("/hq", routes=[Route("/falla", fails), Route("/valor", bad_value),
                                             Route("/base", database_down), Route("/form", form, methods=["POST"])],
                              middleware=[Middleware(SessionMiddleware, secret_key="s"), Middleware(errors.Guard)])])
"""Mounted as HQ is (``syncserver.hq.mount``): the guard sees what the mount's routes raise."""


def get(method: str, url: str, **kwargs: object) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(APP), base_url="http://hq.test") as client:
            return await client.request(method, "/hq" + url, **kwargs)  # type: ignore[arg-type]
    return asyncio.run(go())


def test_an_unexpected_error_is_a_spanish_500_page_not_a_dropped_connection() -> None:
    answer = get("GET", "/falla")
    assert answer.status_code == 500 and 'lang="es-CL"' in answer.text and "Error interno" in answer.text
    assert "a bug" not in answer.text and "Traceback" not in answer.text
    down = get("GET", "/base")
    assert down.status_code == 503 and down.headers["retry-after"] == "5" and "base de datos" in down.text


def test_a_bad_value_is_a_400_naming_the_field() -> None:
    answer = get("GET", "/valor?pagina=%C2%B2")  # "²"
    assert answer.status_code == 400 and "«Página» (pagina)" in answer.text and "cifras 0 a 9" in answer.text
    assert get("GET", "/valor?pagina=3").text == "ok"


def test_unreadable_addresses_and_forms_are_refused_in_spanish() -> None:
    for url in ("/valor?pagina=%00", "/val%00or", "/valor?pagina=%FF", "/valor%FF", "/valor?q=" + "x" * 5000):
        answer = get("GET", url)
        assert answer.status_code == 400 and "Solicitud inválida" in answer.text, url
    too_many = get("POST", "/form", data={"a": "1", "b": "2", "c": "3"})
    assert too_many.status_code == 400 and "no se pudieron leer" in too_many.text
    wrong_method = get("DELETE", "/form")
    assert wrong_method.status_code == 405 and "no acepta esa acción" in wrong_method.text


def test_an_hq_address_the_mount_cannot_match_is_an_hq_page(world: World, served: Served) -> None:
    """A newline in the path does not match ``/hq/{path}``: the app's 404 under /hq is HQ's Spanish page."""
    async def scenario() -> None:
        async with served(world.app()) as client:
            for path in ("/hq/terminales/%0A/cuarentena", "/hq/%0A"):
                answer = await client.get(path)
                assert answer.status_code == 404 and '<html lang="es-CL">' in answer.text, path
            assert (await client.get("/nada")).json()["error"] == "not_found"  # the API keeps its JSON
    asyncio.run(scenario())
