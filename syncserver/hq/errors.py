"""HQ's error pages: an address HQ cannot read, a bad value (:class:`~syncserver.hq.params.BadInput`), a refused
store, an unreadable form and any unexpected error all answer a page in Spanish; the connection never drops."""

from __future__ import annotations

import logging
from typing import Any, Final
from urllib.parse import unquote_to_bytes

import psycopg
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

from shared.errors import PosError
from syncserver.hq import params, web

log = logging.getLogger("syncserver.hq")

MAX_PATH: Final = 2048
MAX_QUERY: Final = 4096
"""Longer addresses are refused (400) before any page reads them; no HQ link comes near these lengths."""

HTTP_PAGES: Final = {
    400: ("Solicitud inválida", "El formulario o la dirección no se pudieron leer. Vuelva a la página, recárguela e"
                                " intente de nuevo."),
    404: ("No encontrado", "Esta página no existe."),
    405: ("Acción no permitida", "Esta dirección no acepta esa acción. Vuelva a la página e intente de nuevo."),
    413: ("Envío demasiado grande", "Lo que envió es demasiado grande para esta página."),
}


def address_problem(scope: Scope) -> str:
    """Why HQ cannot read the request's address (path and query), or ``""``: too long, a NUL character (``%00``:
    PostgreSQL text cannot hold one), bytes that are not UTF-8."""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    query: bytes = scope.get("query_string", b"")
    if len(raw_path) > MAX_PATH or len(query) > MAX_QUERY:
        return "la dirección es demasiado larga."
    if "\x00" in scope.get("path", "") or b"%00" in raw_path or b"%00" in query or b"\x00" in query:
        return "la dirección trae un carácter nulo (%00)."
    for part in (raw_path, query.replace(b"+", b" ")):
        try:
            unquote_to_bytes(part).decode("utf-8")
        except UnicodeDecodeError:
            return "la dirección trae caracteres que no son UTF-8."
    if "\ufffd" in scope.get("path", ""):
        return "la dirección trae caracteres que no son UTF-8."
    return ""


def page_for(request: Request, exc: Exception) -> Response:
    """The page that answers ``exc`` when no page could (no signed-in user known here)."""
    if isinstance(exc, params.BadInput):
        return web.bad_input(request, exc)
    if isinstance(exc, params.OutsideScope):
        return web.error_page(request, 403, "Sin permiso", "Esa tienda no es una de las suyas.")
    if isinstance(exc, HTTPException):
        title, message = HTTP_PAGES.get(exc.status_code, HTTP_PAGES[400])
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        response = web.error_page(request, status, title, message)
        if exc.status_code == 405 and exc.headers:
            response.headers.update(exc.headers)
        return response
    if isinstance(exc, PosError):  # a domain error no page caught: its message is Spanish
        return web.error_page(request, 400, "Solicitud inválida", str(exc))
    if isinstance(exc, psycopg.OperationalError):
        log.error("database unavailable", extra={"path": request.url.path, "error": f"{type(exc).__name__}: {exc}"})
        response = web.error_page(request, 503, "Servicio no disponible",
                                  "La base de datos no responde en este momento. Intente de nuevo en unos segundos.")
        response.headers["Retry-After"] = "5"
        return response
    log.error("HQ page failed: %s %s", request.method, request.url.path, exc_info=exc)
    return web.error_page(request, 500, "Error interno",
                          "Algo falló en el servidor y no se guardó nada de esta solicitud. Intente de nuevo; si se"
                          " repite, avise a soporte.")


async def _handled(request: Request, exc: Exception) -> Response:
    return page_for(request, exc)


HANDLERS: Final[tuple[dict[Any, ExceptionHandler], dict[int, ExceptionHandler]]] = (
    {HTTPException: _handled, PosError: _handled, psycopg.OperationalError: _handled}, {})
"""The exception handlers of HQ's routes (in place of the app's JSON ones, which suit the terminals' API)."""


class Guard:
    """The HQ mount's innermost middleware: refuses an address HQ cannot read (:func:`address_problem`, 400), gives
    HQ's routes :data:`HANDLERS` and turns any other exception of a page into :func:`page_for`'s answer. An
    exception after the page began answering can only be logged (the answer is already on its way)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = address_problem(scope)
        if problem:
            await web.error_page(Request(scope), 400, "Dirección inválida",
                                 "Solicitud inválida: " + problem)(scope, receive, send)
            return
        scope = {**scope, "starlette.exception_handlers": HANDLERS}
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:
                log.error("HQ page failed after answering: %s", scope.get("path"), exc_info=exc)
                return
            await page_for(Request(scope, receive), exc)(scope, receive, send)
