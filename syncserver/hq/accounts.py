"""``/hq/cuentas`` (owner only): HQ accounts: the list, an invitation (a one-time code and link shown once), name,
role and stores, a password reset (a new one-time code), deactivation with a reason and its undoing."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncserver import accounts, state
from syncserver.hq import params, trail, web
from syncserver.hq.web import HqUser
from syncserver.store import db, tenants

ROLE_CHOICES = [(r.value, r.label) for r in accounts.Role]
NOTICES = {"guardado": "Cambios guardados.", "desactivado": "Cuenta desactivada: ya no puede entrar a HQ.",
           "reactivado": "Cuenta reactivada: puede volver a entrar con su contraseña."}


def _form(form: FormData) -> dict[str, Any]:
    return {"email": params.text_param(form, "correo", "Correo", max_len=254),
            "name": params.raw(form, "nombre", "Nombre", max_len=200) or "",
            "role": params.raw(form, "rol", "Rol", max_len=40) or "",
            "stores": params.list_param(form, "tiendas", "Tiendas")}


def _email(request: Request) -> str:
    return params.id_param(params.path(request.path_params), "email", "Cuenta", max_len=254)


def _notice(request: Request) -> str:
    return params.choice_param(request.query_params, "aviso", "Aviso", NOTICES, default="")


async def _stores(request: Request, user: HqUser) -> dict[str, str]:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        return {s.store_id: s.name for s in await tenants.stores(conn, user.tenant_id) if s.active}


async def _list(request: Request, user: HqUser, *, status: int = 200, form: dict[str, Any] | None = None,
                problems: dict[str, str] | None = None) -> Response:
    rows = await accounts.list_accounts(request.app.state.pool, user.tenant_id)
    return web.render(request, "accounts.html", status=status, user=user, section="cuentas", accounts=rows,
                      stores=await _stores(request, user), roles=ROLE_CHOICES, role_labels=dict(ROLE_CHOICES),
                      form=form or {"email": "", "name": "", "role": accounts.Role.ACCOUNTANT.value, "stores": []},
                      problems=problems or {}, notice=_notice(request))


def _code_page(request: Request, user: HqUser, email: str, code: str, *, reset: bool) -> Response:
    link = str(request.url_for("hq:invitation").include_query_params(codigo=code))
    return web.render(request, "account_code.html", user=user, section="cuentas", email=email, code=code,
                      link=link, reset=reset, days=accounts.INVITE_TTL.days)


@web.login_required
async def index(request: Request, user: HqUser) -> Response:
    """``GET`` the accounts and the invitation form; ``POST`` (``correo``, ``nombre``, ``rol``, ``tiendas``)
    creates the account and shows its one-time code once."""
    if request.method != "POST":
        return await _list(request, user)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = _form(form)
    try:
        code = await accounts.invite(request.app.state.pool, user.tenant_id, email=values["email"],
                                     name=values["name"], role=values["role"], stores=values["stores"],
                                     by=user.name or user.email, at=state.clock(request)())
    except accounts.AccountError as exc:
        field = "email" if exc.code == "taken" else exc.code
        return await _list(request, user, status=422, form=values, problems={field: web.sentence(exc)})
    role = dict(ROLE_CHOICES).get(values["role"], values["role"])
    await trail.record(request, tenant_id=user.tenant_id, kind="account_changed", actor=values["email"].lower(),
                       detail=f"Cuenta creada e invitada como {role} por {user.email}.")
    return _code_page(request, user, accounts.normalise_email(values["email"]), code, reset=False)


async def _detail(request: Request, user: HqUser, email: str, *, status: int = 200,
                  form: dict[str, Any] | None = None, problems: dict[str, str] | None = None) -> Response:
    row = await accounts.get(request.app.state.pool, user.tenant_id, email)
    if row is None:
        return web.not_found(request, user, "La cuenta")
    return web.render(request, "account.html", status=status, user=user, section="cuentas", account=row,
                      stores=await _stores(request, user), roles=ROLE_CHOICES, role_labels=dict(ROLE_CHOICES),
                      form=form or {"name": row.name, "role": row.role, "stores": row.stores},
                      problems=problems or {}, notice=_notice(request))


@web.login_required
async def detail(request: Request, user: HqUser) -> Response:
    """``GET`` one account; ``POST`` saves its name, role and stores."""
    email = _email(request)
    if request.method != "POST":
        return await _detail(request, user, email)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = _form(form)
    try:
        await accounts.edit(request.app.state.pool, user.tenant_id, email, name=values["name"],
                            role=values["role"], stores=values["stores"], by_email=user.email)
    except accounts.AccountError as exc:
        if exc.code == "missing":
            return web.not_found(request, user, "La cuenta")
        field = "role" if exc.code in ("self", "last_owner") else exc.code
        return await _detail(request, user, email, status=422, form=values, problems={field: web.sentence(exc)})
    role = dict(ROLE_CHOICES).get(values["role"], values["role"])
    await trail.record(request, tenant_id=user.tenant_id, kind="account_changed", actor=email,
                       detail=f"Nombre, rol ({role}) o tiendas guardados por {user.email}.")
    return web.redirect(f"/cuentas/{web.url_part(email)}?aviso=guardado")


@web.login_required
async def reset(request: Request, user: HqUser) -> Response:
    """``POST``: a new one-time code for the account (its password stops working), shown once."""
    email = _email(request)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    try:
        code = await accounts.reset(request.app.state.pool, user.tenant_id, email, at=state.clock(request)())
    except accounts.AccountError:
        return web.not_found(request, user, "La cuenta")
    await trail.record(request, tenant_id=user.tenant_id, kind="account_changed", actor=email,
                       detail=f"Contraseña restablecida por {user.email}: sus sesiones se cerraron.")
    return _code_page(request, user, email, code, reset=True)


@web.login_required
async def deactivate(request: Request, user: HqUser) -> Response:
    """``POST`` ``motivo``: the account can no longer sign in (kept with who, when and why); ``reactivar=1``
    brings it back."""
    email = _email(request)

    async def apply(restore: bool, reason: str) -> None:
        await accounts.set_active(request.app.state.pool, user.tenant_id, email, restore,
                                  by=user.name or user.email, by_email=user.email, reason=reason,
                                  at=state.clock(request)())
        await trail.record(request, tenant_id=user.tenant_id, kind="account_changed", actor=email,
                           detail=f"Reactivada por {user.email}." if restore else
                           f"Desactivada por {user.email}: sus sesiones se cerraron.")

    async def refused(problem: str) -> Response:
        return await _detail(request, user, email, status=422, problems={"motivo": problem})

    return await web.set_active_form(request, user, apply, what="La cuenta", done=f"/cuentas/{web.url_part(email)}",
                                     notices=("reactivado", "desactivado"), refused=refused)


ROUTES = [
    Route("/cuentas", index, methods=["GET", "POST"], name="accounts"),
    Route("/cuentas/{email}/restablecer", reset, methods=["POST"], name="account_reset"),
    Route("/cuentas/{email}/desactivar", deactivate, methods=["POST"], name="account_deactivate"),
    Route("/cuentas/{email}", detail, methods=["GET", "POST"], name="account"),
]
"""The HQ accounts' pages, in match order."""
