"""The server process's composition root: ``create_app(settings, clock=, new_id=)`` wires routes, middleware, pool,
errors and the DTE scheduler (``syncserver.sii.scheduler``, when ``dte_interval > 0``)."""

from __future__ import annotations

import gc
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from http import HTTPStatus

import psycopg
import psycopg_pool
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import clock as clock_mod
from shared.errors import PosError
from syncserver import health, logs
from syncserver import settings as settings_mod

log = logging.getLogger("syncserver.app")
request_log = logging.getLogger("syncserver.requests")

POOL_MAX_SIZE = 10


def routes(settings: settings_mod.ServerSettings) -> list[BaseRoute]:
    """Every route the server serves: health, the terminals' sync API, and HQ under ``/hq``."""
    from syncserver import hq
    from syncserver.api import sync as sync_api

    return [
        Route("/health", health.endpoint, methods=["GET"]),
        *sync_api.routes(),
        hq.mount(settings),  # /hq: the owner's pages, with their own session cookie + CSRF (syncserver/hq)
    ]


def create_app(settings: settings_mod.ServerSettings, *, clock: clock_mod.Clock = clock_mod.utc_clock,
               new_id: clock_mod.IdFactory = clock_mod.new_uuid7, pool: psycopg_pool.AsyncConnectionPool | None = None,
               extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The ASGI app. Handlers use ``app.state.settings``, ``.clock``, ``.new_id`` (typed in :mod:`syncserver.state`)
    and, inside the lifespan, ``app.state.pool`` (and ``app.state.read_pool``: ``settings.hq_read_url``'s replica
    for HQ's read-only pages, else the same pool).

    Args:
        settings: ``database_url`` must be set unless ``pool`` is given.
        clock: the server's only source of the current time (aware UTC); tests pass one they move by hand.
        new_id: the server's only source of new ids (UUIDv7 text).
        pool: an open pool owned by the caller (tests); otherwise the lifespan opens and closes one.
        extra_routes: appended after ``routes(settings)`` (tests, plug-ins).
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own = pool is None
        if own:
            if not settings.database_url:
                raise settings_mod.SettingsError("Falta database_url (ALMACEN_DATABASE_URL) para el servidor.")
            app.state.pool = psycopg_pool.AsyncConnectionPool(settings.database_url, min_size=1,
                                                              max_size=POOL_MAX_SIZE, open=False, name="almacen")
            await app.state.pool.open(wait=False)  # start even if PostgreSQL is down: /health says 503
        else:
            app.state.pool = pool
        replica = settings.hq_read_url
        if replica:
            app.state.read_pool = psycopg_pool.AsyncConnectionPool(replica, min_size=1, max_size=POOL_MAX_SIZE,
                                                                   open=False, name="almacen-hq-read")
            await app.state.read_pool.open(wait=False)
        else:
            app.state.read_pool = app.state.pool
        from syncserver.sii import scheduler

        gc.freeze()  # the modules and objects of startup are left out of every garbage collection (docs/reports.md)
        try:
            async with scheduler.running(app.state.pool, settings, clock=clock):  # every dte_interval s (0 = off)
                yield
        finally:
            gc.unfreeze()
            if replica:
                await app.state.read_pool.close()
            if own:
                await app.state.pool.close()

    app = Starlette(routes=[*routes(settings), *extra_routes], middleware=[Middleware(RequestLogMiddleware)],
                    exception_handlers={HTTPException: http_error, PosError: domain_error,
                                        psycopg.OperationalError: database_error, Exception: unhandled_error},
                    lifespan=lifespan)
    app.state.settings = settings
    app.state.clock = clock
    app.state.new_id = new_id
    return app


def app_from_env() -> Starlette:
    """uvicorn factory for ``--workers N``: each worker reads settings from ``ALMACEN_*`` and configures logs."""
    settings = settings_mod.load()
    logs.configure(settings.log_level)
    return create_app(settings)


# -- errors as JSON {"error": code, "message": text} ----------------------------------------------------------------


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name.replace("-", "")).lower()


async def http_error(request: Request, exc: Exception) -> Response:
    """``HTTPException(status, detail)`` → ``{"error": "not_found", "message": detail or a Spanish default}``."""
    assert isinstance(exc, HTTPException)
    if request.url.path == "/hq" or request.url.path.startswith("/hq/"):  # e.g. a newline in the path: not mounted
        from syncserver.hq import errors as hq_errors

        return hq_errors.page_for(request, exc)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "http error"
    message = _SPANISH.get(exc.status_code, exc.detail) if exc.detail == phrase else exc.detail
    return error_response(exc.status_code, _snake(phrase.replace(" ", "")), message, exc.headers)


async def domain_error(request: Request, exc: Exception) -> Response:
    """An Almacén error that escaped an endpoint (``PaymentShort`` → 400 ``payment_short``)."""
    return error_response(400, _snake(type(exc).__name__), str(exc))


async def database_error(request: Request, exc: Exception) -> Response:
    log.error("database unavailable", extra={"path": request.url.path, "error": f"{type(exc).__name__}: {exc}"})
    return error_response(503, "database_unavailable", "La base de datos no está disponible; reintente más tarde.",
                          {"Retry-After": "5"})


async def unhandled_error(request: Request, exc: Exception) -> Response:
    """500 as JSON; Starlette re-raises the exception afterwards and uvicorn logs its traceback."""
    return error_response(500, "internal_error", "Error interno del servidor.")


_SPANISH = {
    400: "Solicitud inválida.", 401: "Se requiere autenticación.", 403: "Acceso denegado.",
    404: "No existe.", 405: "Método no permitido.", 413: "La solicitud es demasiado grande.",
    429: "Demasiadas solicitudes; reintente más tarde.",
}


# -- request log ----------------------------------------------------------------------------------------------------


class RequestLogMiddleware:
    """Logs one line per HTTP request: method, path, status, ms, and tenant_id/terminal_id when auth set them.

    ``/health`` is logged at DEBUG so load-balancer probes do not flood the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app raises before answering, ServerErrorMiddleware answers 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            fields: dict[str, object] = {"method": scope["method"], "path": scope["path"], "status": status,
                                         "ms": round((time.perf_counter() - started) * 1000, 1)}
            state = scope.get("state") or {}
            fields.update({k: state[k] for k in ("tenant_id", "terminal_id") if k in state})
            level = logging.DEBUG if scope["path"] == "/health" and status == 200 else logging.INFO
            request_log.log(level, "request", extra=fields)
