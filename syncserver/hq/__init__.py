"""HQ web pages for the owner: terminals, sales, catalog; server-rendered in Spanish, tenant from the session only.

    hq/
    ├── accounts.py        /hq/cuentas: HQ accounts, invitations, password resets (owner only)
    ├── audit.py           /hq/auditoria: the audit trail and the open sessions (owner only)
    ├── auth.py            HQ logins: argon2id, rate limits, login and logout
    ├── books.py           /hq/libros: libro de ventas, libro de compras, IVA for the F29; CSV, XLSX, JSON
    ├── catalog.py         /hq/catalogo: products and the product form
    ├── catalog_import.py  /hq/catalogo/importar and exportar.csv
    ├── csrf.py            CSRF tokens for HQ forms
    ├── charts.py          small SVG charts drawn on the server: paired bars, the weekday × hour heat map
    ├── customers.py       /hq/clientes: customers and their fiado across stores, statements (PDF)
    ├── dashboard.py       /hq/panel: the first page after login, live figures of the stores (SSE, polling)
    ├── documents.py       /hq/documentos: each document's way to the SII; corrections, notas de débito; PDFs
    ├── emisor.py          /hq/emisor: the emisor's data and the certificate
    ├── errors.py          error pages in Spanish: bad addresses and values (400), refusals, any failure (500)
    ├── folios.py          /hq/folios: CAFs and the ranges leased to each terminal
    ├── journal_book.py    /hq/libros/diario: the general journal (libro diario) of a period and store, CSV
    ├── params.py          strict reading of query and form values (ASCII digits, real dates, lengths)
    ├── pdf_reportlab.py   the server's PDF backend (reportlab) for HQ's downloads
    ├── purchases.py       /hq/compras: the stores' purchases by month, the answers to suppliers' facturas
    ├── reports.py         /hq/reportes: the back office's reports for one store or all, charts, CSV and XLSX
    ├── rvd.py             /hq/documentos/rvd: the daily sales reports
    ├── sales.py           /hq/ventas: a day's sales per store
    ├── sessions.py        the server-side session behind the cookie: login, expiry, logout
    ├── setup.py           pages before signing in: first run (the business and its owner), invitations
    ├── statement_pdf.py   a customer's estado de cuenta as a PDF (reportlab)
    ├── stock.py           /hq/stock: stock across stores, a product's kardex per store, the inventory settings
    ├── stores.py          /hq/tiendas: stores with their SII sucursal data, and their warehouses
    ├── terminals.py       /hq/: stores and terminals, sync state, quarantine, codes
    ├── trail.py           audit lines written from HQ requests (refusals): address, clock, account
    ├── unknown_codes.py   /hq/codigos-nuevos: codes sold at an open price, to create products
    ├── users.py           /hq/usuarios: the tills' users and their PINs
    └── web.py             what every page shares: templates, es-CL filters, session user
"""

from __future__ import annotations

import logging
import secrets

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from syncserver import settings as settings_mod
from syncserver.hq import (
    accounts,
    audit,
    auth,
    books,
    catalog,
    customers,
    dashboard,
    documents,
    emisor,
    errors,
    folios,
    journal_book,
    purchases,
    reports,
    rvd,
    sales,
    setup,
    stock,
    stores,
    terminals,
    unknown_codes,
    users,
    web,
)

log = logging.getLogger("syncserver.hq")

SESSION_COOKIE = "almacen_hq"


async def _missing(request: Request) -> Response:
    return web.not_found(request, await web.current_user(request), "Esta página")


def routes() -> list[BaseRoute]:
    """The HQ pages, relative to their mount point (``/hq``)."""
    return [
        Route("/", terminals.index, methods=["GET"], name="terminals"),
        Route("/login", auth.login, methods=["GET", "POST"], name="login"),
        Route("/salir", auth.logout, methods=["POST"], name="logout"),
        Route("/tiendas/{store_id}/codigo", terminals.new_code, methods=["POST"], name="new_code"),
        Route("/terminales/{terminal_id}/revocar", terminals.revoke, methods=["GET", "POST"], name="revoke"),
        Route("/terminales/{terminal_id}/cuarentena", terminals.quarantine, methods=["GET"], name="quarantine"),
        Route("/ventas", sales.day, methods=["GET"], name="sales"),
        Route("/compras", purchases.month, methods=["GET"], name="purchases"),
        Route("/compras/respuesta", purchases.answer, methods=["POST"], name="purchase_answer"),
        Route("/documentos", documents.page, methods=["GET"], name="documents"),
        Route("/documentos/rvd", rvd.page, methods=["GET"], name="rvd"),
        Route("/documentos/rvd/{dia}/reenviar", rvd.resend, methods=["POST"], name="rvd_resend"),
        Route("/documentos/{tipo:int}/{folio:int}.pdf", documents.pdf, methods=["GET"], name="document_pdf"),
        Route("/documentos/{tipo:int}/{folio:int}/corregir", documents.correct, methods=["GET", "POST"],
              name="correct_document"),
        Route("/documentos/{tipo:int}/{folio:int}/nota-debito", documents.debit, methods=["GET", "POST"],
              name="debit_document"),
        Route("/emisor", emisor.page, methods=["GET", "POST"], name="emisor"),
        Route("/emisor/certificado", emisor.certificate, methods=["POST"], name="certificate"),
        Route("/emisor/modelo", emisor.card_model_page, methods=["POST"], name="card_model"),
        Route("/folios", folios.page, methods=["GET", "POST"], name="folios"),
        *catalog.ROUTES,
        *unknown_codes.ROUTES,
        *users.ROUTES,
        *setup.ROUTES,
        *accounts.ROUTES,
        *audit.ROUTES,
        *stores.ROUTES,
        *stock.ROUTES,
        *customers.ROUTES,
        *books.ROUTES,
        *reports.ROUTES,
        *journal_book.ROUTES,
        *dashboard.ROUTES,
        Mount("/static", app=StaticFiles(packages=[("syncserver.hq", "static")]), name="static"),
        Route("/{rest:path}", _missing, methods=["GET"]),
    ]


def middleware(settings: settings_mod.ServerSettings) -> list[Middleware]:
    """The signed session cookie (HttpOnly, SameSite=Lax, path ``/hq``) holding the tenant and the session's token
    (:mod:`syncserver.hq.sessions`), kept by the browser ``hq_session_max_hours``;
    marked Secure (sent by browsers over HTTPS only) with ``hq_secure_cookie``, for HQ served behind TLS."""
    secret = settings.secret_key
    if not secret:
        log.warning("no secret_key: HQ sessions last until the server restarts")
        secret = secrets.token_urlsafe(32)
    return [Middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE,
                       max_age=settings.hq_session_max_hours * 3600,
                       path=web.BASE, same_site="lax", https_only=settings.hq_secure_cookie),
            Middleware(errors.Guard)]  # innermost: unreadable addresses and any page's exception → a Spanish page


def mount(settings: settings_mod.ServerSettings) -> Mount:
    """``/hq`` with its session middleware, for ``syncserver.app.routes``."""
    return Mount(web.BASE, routes=routes(), middleware=middleware(settings), name="hq")
