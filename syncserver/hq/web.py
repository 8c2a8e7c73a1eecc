"""What every HQ page shares: the Jinja2 environment with es-CL filters, the session user, forms with CSRF."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shared import es_cl, money, rut, sync
from syncserver.hq import csrf, params, sessions, trail

BASE = "/hq"
CHILE = ZoneInfo("America/Santiago")
TEMPLATES = Path(__file__).with_name("templates")

TENDER_LABELS = {"cash": "Efectivo", "debit": "Débito", "credit": "Crédito", "transfer": "Transferencia",
                 "fiado": "Fiado"}


OWNER, ACCOUNTANT, MANAGER = "owner", "accountant", "manager"
EVERYONE = frozenset({OWNER, ACCOUNTANT, MANAGER})
ROLE_LABELS = {OWNER: "Dueño", ACCOUNTANT: "Contador", MANAGER: "Encargado"}

ACCESS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "": (EVERYONE, frozenset({OWNER, MANAGER})),  # the stores' tills: an encargado enrols and revokes his own
    "terminales": (EVERYONE, frozenset({OWNER, MANAGER})),
    "codigo": (EVERYONE, frozenset({OWNER, MANAGER})),  # /tiendas/{id}/codigo: a new till's enrolment code
    "panel": (EVERYONE, frozenset()),  # the dashboard: read-only; an encargado sees his stores
    "ventas": (EVERYONE, frozenset({OWNER})),
    "compras": (EVERYONE, frozenset({OWNER, ACCOUNTANT})),
    "reportes": (EVERYONE, frozenset()),  # the back office's reports: read-only; an encargado sees his stores
    "libros": (EVERYONE, frozenset({OWNER})),  # the accountant's books: read-only; an encargado sees his stores
    "stock": (EVERYONE, frozenset({OWNER})),  # the inventory settings (costing, store prices) are the owner's
    "documentos": (EVERYONE, frozenset({OWNER})),  # a correction issues a new tax document: the emisor's act
    "rvd": (frozenset({OWNER, ACCOUNTANT}), frozenset({OWNER, ACCOUNTANT})),  # resending a rejected daily report
    "folios": (frozenset({OWNER, ACCOUNTANT}), frozenset({OWNER})),  # a CAF is the emisor's authorisation
    "emisor": (frozenset({OWNER, ACCOUNTANT}), frozenset({OWNER})),
    "clientes": (EVERYONE, frozenset({OWNER, MANAGER})),  # customers and their fiado: a store manager sets limits
    "catalogo": (EVERYONE, frozenset({OWNER})),
    "codigos-nuevos": (EVERYONE, frozenset({OWNER})),  # codes sold at an open price, to create their products
    "usuarios": (frozenset({OWNER, ACCOUNTANT}), frozenset({OWNER})),
    "tiendas": (EVERYONE, frozenset({OWNER})),
    "cuentas": (frozenset({OWNER}), frozenset({OWNER})),
    "auditoria": (frozenset({OWNER}), frozenset({OWNER})),  # the audit trail and the open sessions
}
"""Who may read (GET) and who may change (any other method) each HQ section (the first segment of the path under
``/hq``): dueño everything; contador reads everything but the accounts and resends a rejected RVD (what an
accountant does), read-only elsewhere; encargado the pages of his stores (each page's queries keep him to
:attr:`HqUser.store_scope`, and a store of another named in a path or a field is refused with 403,
:func:`require_store`). A section not listed is the owner's."""


def section_of(path: str) -> str:
    """The :data:`ACCESS` key of a path under HQ (``/hq/documentos/33/7.pdf`` -> ``documentos``)."""
    parts = path.removeprefix(BASE).strip("/").split("/")
    if len(parts) == 3 and parts[0] == "tiendas" and parts[2] == "codigo":
        return "codigo"
    if parts[:2] == ["documentos", "rvd"]:
        return "rvd"
    return parts[0]


@dataclass(frozen=True, slots=True)
class HqUser:
    """The signed-in HQ login: its tenant comes from the session and is checked against ``auth_hq_logins``;
    ``role`` is ``owner``, ``accountant`` or ``manager`` (then ``stores`` are the ones assigned)."""

    email: str
    tenant_id: int
    name: str
    tenant_name: str
    tenant_rut: str
    role: str = OWNER
    stores: tuple[str, ...] = ()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def store_scope(self) -> list[str] | None:
        """The stores whose data this user may see: None for all (dueño, contador), else the assigned ones."""
        return list(self.stores) if self.role == MANAGER else None

    def sees_store(self, store_id: str) -> bool:
        return self.role != MANAGER or store_id in self.stores

    def require_store(self, store_id: str) -> None:
        """Refuse (403, :class:`~syncserver.hq.params.OutsideScope`) a store the user may not see or change."""
        if not self.sees_store(store_id):
            raise params.OutsideScope(store_id)

    def can(self, section: str, write: bool = False) -> bool:
        """Whether the role may read (or, with ``write``, change) ``section`` (:data:`ACCESS`)."""
        readers, writers = ACCESS.get(section, (frozenset({OWNER}), frozenset({OWNER})))
        return self.role in (writers if write else readers)


# -- formatting (es-CL) ---------------------------------------------------------------------------------------------


def fmt_clp(amount: int | None) -> str:
    """``1990 -> "$1.990"``."""
    return money.format_clp(int(amount or 0))


def fmt_int(value: int | None) -> str:
    """``12345 -> "12.345"``."""
    return es_cl.number(int(value or 0))


def fmt_date(value: date | datetime | None) -> str:
    """``dd-mm-aaaa`` (datetimes in Chile's time zone)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(CHILE) if value.tzinfo else value
    return value.strftime("%d-%m-%Y")


def fmt_datetime(value: datetime | str | None) -> str:
    """``dd-mm-aaaa hh:mm`` in Chile's time zone (an ISO text, e.g. a document's ``stamped_at``, is read first;
    one that does not read is shown as stored); ``—`` when there is none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    return (moment.astimezone(CHILE) if moment.tzinfo else moment).strftime("%d-%m-%Y %H:%M")


def fmt_rut(value: str | None) -> str:
    """``123456785 -> "12.345.678-5"``; a value that is not a valid RUT is shown as stored."""
    if not value:
        return ""
    return rut.format(value) if rut.is_valid(value) else value


def fmt_skew(ms: int | None) -> str:
    """A terminal's clock difference: ``+2 min``, ``-45 s``, ``+1 h 5 min``, ``0``."""
    ms = int(ms or 0)
    seconds = round(abs(ms) / 1000)
    if seconds == 0:
        return "0"
    sign = "+" if ms > 0 else "-"
    if seconds < 60:
        return f"{sign}{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{sign}{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{sign}{hours} h" + (f" {rest} min" if rest else "")


def url_part(value: str) -> str:
    """A path segment (a SKU or an id) quoted for a URL."""
    return quote(str(value), safe="")


ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True)
ENV.filters.update(clp=fmt_clp, miles=fmt_int, fecha=fmt_date, fecha_hora=fmt_datetime, rut=fmt_rut, desfase=fmt_skew,
                   url=url_part, medio=lambda kind: TENDER_LABELS.get(kind, kind))
ENV.globals.update(base=BASE)


# -- responses ------------------------------------------------------------------------------------------------------


def render(request: Request, template: str, *, status: int = 200, user: HqUser | None = None,
           **context: Any) -> HTMLResponse:
    """A page of ``templates/``; every page gets the user, the active section and the session's CSRF token."""
    context.setdefault("section", "")
    token = csrf.token(request.session) if "session" in request.scope else ""  # outside the mount: no forms
    html = ENV.get_template(template).render(user=user, csrf_token=token, **context)
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "same-origin"}
    return HTMLResponse(html, status_code=status, headers=headers)


def error_page(request: Request, status: int, title: str, message: str, user: HqUser | None = None) -> HTMLResponse:
    """An error as a plain page (404 for anything not found in the session's tenant, 403 for a bad form)."""
    return render(request, "error.html", status=status, user=user, title=title, message=message)


def not_found(request: Request, user: HqUser | None = None, what: str = "Lo que busca") -> HTMLResponse:
    """404 for anything the session's tenant does not have: the same answer whether it exists elsewhere or not."""
    return error_page(request, 404, "No encontrado", f"{what} no existe o no pertenece a su empresa.", user)


def redirect(path: str) -> RedirectResponse:
    """303 See Other to a path under HQ (``"/catalogo"`` -> ``/hq/catalogo``)."""
    return RedirectResponse(BASE + path, status_code=303)


# -- session user ---------------------------------------------------------------------------------------------------


async def current_user(request: Request) -> HqUser | None:
    """The login of the cookie's server-side session (:mod:`syncserver.hq.sessions`) if the session is alive and the
    login exists, active, in the session's tenant; ``None`` otherwise (cookie emptied)."""
    found = await sessions.current(request)
    if found is None:  # none, expired, ended, or the account is gone, deactivated or reset: no page opens
        return None
    tenant_id, email, row = found
    return HqUser(email, tenant_id, row.name, row.tenant_name, row.tenant_rut, row.role, tuple(row.stores))


View = Callable[[Request, HqUser], Awaitable[Response]]


UNAUDITED: Final = {404: "no existe o no pertenece a su empresa",
                    403: "la página lo rechazó (sin permiso, o un formulario sin el código de seguridad CSRF)"}
"""A page's own 404 or 403 that it did not write to the audit trail itself: ``login_required`` writes it (another
tenant's id answers exactly as one that does not exist, and both leave a line)."""


def login_required(view: View) -> Callable[[Request], Awaitable[Response]]:
    """Run ``view(request, user)`` for a signed-in user whose role may use the page (:data:`ACCESS`: reading for
    ``GET``, changing for any other method; otherwise 403); without a session redirect to the login page (303).
    Every refusal is written to the audit trail, the page's own 404s and 403s too (:data:`UNAUDITED`)."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        user = await current_user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            after = f"?siguiente={quote(target, safe='')}" if request.method == "GET" else ""
            return redirect("/login" + after)
        request.state.tenant_id = user.tenant_id  # for the request log
        if not user.can(section_of(request.url.path), write=request.method not in ("GET", "HEAD")):
            await trail.refused(request, tenant_id=user.tenant_id, actor=user.email, status=403,
                                detail=f"su rol ({user.role_label}) no tiene acceso")
            return forbidden(request, user)
        try:
            response = await view(request, user)
        except params.BadInput as exc:
            await trail.refused(request, tenant_id=user.tenant_id, actor=user.email, status=400,
                                detail=f"dato inválido: {exc.message}"[:300])
            return bad_input(request, exc, user)
        except params.OutsideScope as exc:
            await trail.refused(request, tenant_id=user.tenant_id, actor=user.email, status=403,
                                detail=f"tienda fuera de su alcance: {exc.store_id[:60]}")
            return forbidden(request, user, store=True)
        if response.status_code in UNAUDITED and not trail.was_refused(request):  # e.g. another tenant's id
            await trail.refused(request, tenant_id=user.tenant_id, actor=user.email, status=response.status_code,
                                detail=UNAUDITED[response.status_code])
        return response

    return endpoint


async def read_form(request: Request) -> FormData | None:
    """The posted form if its CSRF token is the session's; ``None`` when it is missing or wrong. NUL characters are
    dropped from its values (no field can hold one, and PostgreSQL text cannot store it)."""
    form = await request.form(max_files=0, max_fields=500)
    if not csrf.valid(request.session, form.get(csrf.FIELD)):
        signed_in = await sessions.current(request)
        if signed_in is not None:
            await trail.refused(request, tenant_id=signed_in[0], actor=signed_in[1], status=403,
                                detail="formulario sin el código de seguridad (CSRF) de la sesión")
        return None
    if any(isinstance(v, str) and "\x00" in v for _k, v in form.multi_items()):
        form = FormData([(k, v.replace("\x00", "") if isinstance(v, str) else v) for k, v in form.multi_items()])
    return form


def sentence(exc: sync.SyncError) -> str:
    """A domain refusal's Spanish ``detail`` as a sentence: capital first letter, final period."""
    return str(exc.detail[:1].upper() + exc.detail[1:] + ".")


SetActive = Callable[[bool, str], Awaitable[None]]
"""``apply(restore, reason)``: deactivate (with the reason) or bring back one thing, raising its
:class:`~syncserver.sync.SyncError` (code ``missing`` when there is no such thing) when it cannot."""


async def set_active_form(request: Request, user: HqUser, apply: SetActive, *, what: str, done: str,
                          notices: tuple[str, str], refused: Callable[[str], Awaitable[Response]]) -> Response:
    """The ``POST .../desactivar`` of an account, a till user or a store: ``motivo`` deactivates (kept with who,
    when and why), ``reactivar=1`` brings it back. Answers the CSRF refusal, 404 for ``what`` when it is
    missing, ``refused(sentence)`` for any other refusal, else a redirect to ``done`` with
    ``?aviso=<notices[0] (reactivated) or notices[1] (deactivated)>``."""
    form = await read_form(request)
    if form is None:
        return csrf_failed(request, user)
    restore = params.flag_param(form, "reactivar", "Reactivar")
    reason = params.text_param(form, "motivo", "Motivo", max_len=200)
    try:
        await apply(restore, reason)
    except sync.SyncError as exc:
        if exc.code == "missing":
            return not_found(request, user, what)
        return await refused(sentence(exc))
    return redirect(f"{done}?aviso={notices[0] if restore else notices[1]}")


def forbidden(request: Request, user: HqUser, *, store: bool = False) -> HTMLResponse:
    """403: the account's role may not see or change this page (``store``: that store is not one of the user's)."""
    what = "esa tienda: no es una de las suyas" if store else "esto"
    return error_page(request, 403, "Sin permiso",
                      f"Su cuenta ({user.role_label}) no puede ver ni cambiar {what}. Si lo necesita, pídaselo al"
                      " dueño de la empresa.", user)


def bad_input(request: Request, exc: params.BadInput, user: HqUser | None = None) -> HTMLResponse:
    """400: a value of the address or the form that HQ cannot read, named (nothing was changed)."""
    return error_page(request, 400, "Dato inválido",
                      f"{exc.message} No se cambió nada: vuelva a la página e intente de nuevo.", user)


def csrf_failed(request: Request, user: HqUser | None = None) -> HTMLResponse:
    """403: a form without the session's token (an old tab, or a page of another site posting here)."""
    return error_page(request, 403, "Formulario vencido",
                      "El formulario no es válido o venció. Vuelva a la página, recárguela e intente de nuevo.", user)
