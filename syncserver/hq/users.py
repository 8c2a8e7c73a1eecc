"""``/hq/usuarios``: the tills' users (cashiers, supervisors, store administrators): the list, a new user with its
PIN, editing name, role and stores, a new PIN, deactivation with a reason and its undoing. The PIN is typed here
once and kept only as its argon2id hash (``syncserver.pos_users``)."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import roles
from syncserver import pos_users, state
from syncserver.hq import params, web
from syncserver.hq.web import HqUser

ROLE_CHOICES = [(r.value, r.label) for r in roles.Role]
NOTICES = {"creado": "Usuario creado. Las cajas de sus tiendas lo recibirán en su próxima sincronización.",
           "guardado": "Cambios guardados. Las cajas los recibirán en su próxima sincronización.",
           "pin": "PIN cambiado. Las cajas aceptarán el PIN nuevo desde su próxima sincronización.",
           "desactivado": "Usuario desactivado. Las cajas dejarán de aceptar su PIN en su próxima sincronización.",
           "reactivado": "Usuario reactivado. Las cajas volverán a aceptar su PIN en su próxima sincronización."}


def _hasher(request: Request) -> PasswordHasher:
    """The app's argon2id hasher (``app.state.hq_hasher``: tests set a fast one), as HQ's passwords use."""
    hasher = getattr(request.app.state, "hq_hasher", None)
    return hasher if isinstance(hasher, PasswordHasher) else PasswordHasher()


def _form(form: FormData) -> dict[str, Any]:
    return {"name": params.raw(form, "nombre", "Nombre", max_len=200) or "",
            "role": params.raw(form, "rol", "Rol", max_len=40) or "",
            "stores": params.list_param(form, "tiendas", "Tiendas")}


def _pin(form: FormData, name: str = "pin") -> str:
    return params.raw(form, name, "PIN", max_len=40) or ""


def _user_id(request: Request) -> str:
    return params.id_param(params.path(request.path_params), "user_id", "Usuario")


def _notice(request: Request) -> str:
    return params.choice_param(request.query_params, "aviso", "Aviso", NOTICES, default="")


async def _list(request: Request, user: HqUser, *, status: int = 200, form: dict[str, Any] | None = None,
                problems: dict[str, str] | None = None) -> Response:
    rows, stores = await pos_users.list_users(request.app.state.pool, user.tenant_id)
    return web.render(request, "pos_users.html", status=status, user=user, section="usuarios", users=rows,
                      stores=stores, roles=ROLE_CHOICES, role_labels=dict(ROLE_CHOICES),
                      form=form or {"name": "", "role": roles.Role.CASHIER.value, "stores": list(stores)[:1]},
                      problems=problems or {}, notice=_notice(request))


@web.login_required
async def index(request: Request, user: HqUser) -> Response:
    """``GET`` the users and the form of a new one; ``POST`` creates it (``nombre``, ``rol``, ``tiendas``, ``pin``,
    ``pin2``)."""
    if request.method != "POST":
        return await _list(request, user)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = _form(form)
    pin = _pin(form)
    if pin != _pin(form, "pin2"):
        return await _list(request, user, status=422, form=values,
                           problems={"pin": "Los dos PIN no coinciden. Escríbalo de nuevo."})
    try:
        created = await pos_users.create(
            request.app.state.pool, user.tenant_id, user_id=state.new_id(request)(), name=values["name"],
            role=values["role"], stores=values["stores"], pin=pin, by=user.name or user.email,
            at=state.clock(request)(), hasher=_hasher(request))
    except pos_users.PosUserError as exc:
        field = "pin" if exc.code.startswith("pin") else exc.code
        return await _list(request, user, status=422, form=values, problems={field: web.sentence(exc)})
    return web.redirect(f"/usuarios/{web.url_part(created.user_id)}?aviso=creado")


async def _detail(request: Request, user: HqUser, user_id: str, *, status: int = 200,
                  form: dict[str, Any] | None = None, problems: dict[str, str] | None = None) -> Response:
    row = await pos_users.get(request.app.state.pool, user.tenant_id, user_id)
    if row is None:
        return web.not_found(request, user, "El usuario")
    _rows, stores = await pos_users.list_users(request.app.state.pool, user.tenant_id)
    return web.render(request, "pos_user.html", status=status, user=user, section="usuarios", pos_user=row,
                      stores=stores, roles=ROLE_CHOICES, role_labels=dict(ROLE_CHOICES),
                      form=form or {"name": row.name, "role": row.role, "stores": row.stores},
                      problems=problems or {}, notice=_notice(request))


@web.login_required
async def detail(request: Request, user: HqUser) -> Response:
    """``GET`` one user; ``POST`` saves name, role and stores (``pin`` needed when a store is added)."""
    user_id = _user_id(request)
    if request.method != "POST":
        return await _detail(request, user, user_id)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = _form(form)
    try:
        await pos_users.edit(request.app.state.pool, user.tenant_id, user_id, name=values["name"],
                             role=values["role"], stores=values["stores"], pin=_pin(form),
                             at=state.clock(request)(), hasher=_hasher(request))
    except pos_users.PosUserError as exc:
        if exc.code == "missing":
            return web.not_found(request, user, "El usuario")
        field = "pin" if exc.code.startswith("pin") else exc.code
        return await _detail(request, user, user_id, status=422, form=values, problems={field: web.sentence(exc)})
    return web.redirect(f"/usuarios/{web.url_part(user_id)}?aviso=guardado")


@web.login_required
async def new_pin(request: Request, user: HqUser) -> Response:
    """``POST`` ``pin`` and ``pin2``: the user's new PIN."""
    user_id = _user_id(request)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    pin = _pin(form)
    problem = "Los dos PIN no coinciden. Escríbalo de nuevo." if pin != _pin(form, "pin2") else ""
    if not problem:
        try:
            await pos_users.reset_pin(request.app.state.pool, user.tenant_id, user_id, pin,
                                      at=state.clock(request)(), hasher=_hasher(request))
        except pos_users.PosUserError as exc:
            if exc.code == "missing":
                return web.not_found(request, user, "El usuario")
            problem = web.sentence(exc)
    if problem:
        return await _detail(request, user, user_id, status=422, problems={"new_pin": problem})
    return web.redirect(f"/usuarios/{web.url_part(user_id)}?aviso=pin")


@web.login_required
async def deactivate(request: Request, user: HqUser) -> Response:
    """``POST`` ``motivo``: the tills stop accepting the user's PIN (kept, with who, when and why); ``reactivar=1``
    brings the user back."""
    user_id = _user_id(request)

    async def apply(restore: bool, reason: str) -> None:
        await pos_users.set_active(request.app.state.pool, user.tenant_id, user_id, restore,
                                   by=user.name or user.email, reason=reason, at=state.clock(request)())

    async def refused(problem: str) -> Response:
        return await _detail(request, user, user_id, status=422, problems={"motivo": problem})

    return await web.set_active_form(request, user, apply, what="El usuario",
                                     done=f"/usuarios/{web.url_part(user_id)}", notices=("reactivado", "desactivado"),
                                     refused=refused)


ROUTES = [
    Route("/usuarios", index, methods=["GET", "POST"], name="pos_users"),
    Route("/usuarios/{user_id}/pin", new_pin, methods=["POST"], name="pos_user_pin"),
    Route("/usuarios/{user_id}/desactivar", deactivate, methods=["POST"], name="pos_user_deactivate"),
    Route("/usuarios/{user_id}", detail, methods=["GET", "POST"], name="pos_user"),
]
"""The POS users' pages, in match order."""
