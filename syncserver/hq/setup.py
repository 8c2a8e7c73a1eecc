"""HQ pages used before signing in: the first-run page that creates the business and its owner (only while the
server holds no tenant) and the invitation page where an invited (or reset) account sets its password."""

from __future__ import annotations

from argon2 import PasswordHasher
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncserver import accounts, state
from syncserver.hq import auth, params, web

FIELDS = {"email": "correo", "name": "nombre", "password": "clave", "tenant": "rut", "taken": "correo"}


def _hasher(request: Request) -> PasswordHasher:
    hasher = getattr(request.app.state, "hq_hasher", None)
    return hasher if isinstance(hasher, PasswordHasher) else auth.DEFAULT_HASHER


async def first_run(request: Request) -> Response:
    """``GET /hq/primer-uso``: the form (empresa, RUT, owner's name, e-mail and password twice); ``POST`` creates
    the tenant and its owner account and signs the owner in. Once the server holds a tenant: 404 (the page is gone).
    """
    pool = request.app.state.pool
    if not await accounts.server_is_empty(pool):
        return web.not_found(request, await web.current_user(request), "Esta página")
    values = {"empresa": "", "rut": "", "nombre": "", "correo": ""}
    if request.method != "POST":
        return web.render(request, "setup.html", form=values, problems={})
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request)
    values = {key: params.text_param(form, key, key, max_len=254) for key in values}
    password = params.raw(form, "clave", "Contraseña", max_len=1000) or ""
    if password != (params.raw(form, "clave2", "Contraseña (otra vez)", max_len=1000) or ""):
        return web.render(request, "setup.html", status=422, form=values,
                          problems={"clave": "Las dos contraseñas no coinciden. Escríbala de nuevo."})
    if values["rut"]:
        try:
            values["rut"] = params.rut_param(form, "rut", "RUT")
        except params.BadInput as exc:
            return web.render(request, "setup.html", status=422, form=values,
                              problems={"rut": f"El RUT «{values['rut']}» {exc.reason}."})
    try:
        business = await accounts.create_business(
            pool, name=values["empresa"], rut=values["rut"], owner_email=values["correo"],
            owner_name=values["nombre"], password=password, hasher=_hasher(request), at=state.clock(request)(),
            only_if_empty=True)
    except accounts.AccountError as exc:
        if exc.code == "exists":
            return web.not_found(request, None, "Esta página")
        field = "empresa" if exc.code == "name" and "empresa" in exc.detail else FIELDS.get(exc.code, "empresa")
        return web.render(request, "setup.html", status=422, form=values, problems={field: web.sentence(exc)})
    await auth.start_session(request, business.owner_email, business.tenant_id)
    return web.redirect("/tiendas?aviso=bienvenida")


async def invitation(request: Request) -> Response:
    """``GET /hq/invitacion?codigo=...``: the form to choose a password; ``POST`` (``codigo``, ``clave``,
    ``clave2``) sets it, spends the code and signs the account in."""
    code = params.text_param(request.query_params, "codigo", "Código", max_len=40)
    pool, now = request.app.state.pool, state.clock(request)()
    locked = await auth.invitation_locked(request)  # rate limit per address (docs/security.md)
    if locked:
        return web.render(request, "invitation.html", status=429, code="", email="", problems={"clave": locked})
    if request.method != "POST":
        email = await accounts.invite_email(pool, code, at=now) if code else None
        locked = await auth.invitation_refused(request) if code and email is None else ""
        return web.render(request, "invitation.html", status=429 if locked else 200, code=code, email=email or "",
                          problems={"clave": locked} if locked else {})
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request)
    code = params.text_param(form, "codigo", "Código", max_len=40)
    password = params.raw(form, "clave", "Contraseña", max_len=1000) or ""
    problem = ""
    if password != (params.raw(form, "clave2", "Contraseña (otra vez)", max_len=1000) or ""):
        problem = "Las dos contraseñas no coinciden. Escríbala de nuevo."
    else:
        try:
            opened = await accounts.accept_invite(pool, code, password, at=now, hasher=_hasher(request))
        except accounts.AccountError as exc:
            problem = web.sentence(exc)
            locked = await auth.invitation_refused(request) if exc.code == "code" else ""
    if problem:
        return web.render(request, "invitation.html", status=429 if locked else 422, code=code,
                          email=await accounts.invite_email(pool, code, at=now) or "",
                          problems={"clave": locked or problem})
    await auth.start_session(request, opened.email, opened.tenant_id)  # a deactivated account is refused by each page
    return web.redirect("/panel")


ROUTES = [
    Route("/primer-uso", first_run, methods=["GET", "POST"], name="first_run"),
    Route("/invitacion", invitation, methods=["GET", "POST"], name="invitation"),
]
"""The pages used before signing in."""
