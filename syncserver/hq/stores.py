"""``/hq/tiendas``: the stores with the SII's sucursal data their documents carry (address, comuna, ciudad, código
de sucursal) and their warehouses (sala de ventas, bodega): created, edited, deactivated (who, when, why) and
brought back by the owner; the others see them read-only (an encargado only his stores)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from syncserver import state, tenancy
from syncserver.hq import params, web
from syncserver.hq.web import HqUser
from syncserver.store import db, tenants

NOTICES = {"bienvenida": "Su empresa quedó creada y usted ya entró como dueño. Siga con su primera tienda: después"
                         " complete los datos del emisor, los productos y los usuarios de caja.",
           "creada": "Tienda creada. Sus cajas reciben sus datos en la próxima sincronización.",
           "guardada": "Cambios guardados. Los documentos de la tienda y sus cajas usan los datos nuevos.",
           "desactivada": "Tienda desactivada.", "reactivada": "Tienda reactivada.",
           "bodega": "Bodega agregada.", "bodega-desactivada": "Bodega desactivada.",
           "bodega-reactivada": "Bodega reactivada."}
FIELDS = ("name", "address", "comuna", "ciudad", "sucursal_sii")


def _form(form: FormData) -> dict[str, Any]:
    """The store form's values (each refused when longer than a store field can be: :class:`params.BadInput`)."""
    fields = {"store_id": "codigo", "name": "nombre", "address": "direccion", "comuna": "comuna", "ciudad": "ciudad",
              "sucursal_sii": "sucursal_sii"}
    return {key: params.raw(form, name, name, max_len=200) or "" for key, name in fields.items()} | {
        "bodega": params.flag_param(form, "bodega", "Bodega")}


def _store_id(request: Request, user: HqUser) -> str:
    """The ``{store_id}`` of the address, refused (403) when it is not one of the user's stores."""
    store_id = params.id_param(params.path(request.path_params), "store_id", "Tienda")
    user.require_store(store_id)
    return store_id


def _notice(request: Request) -> str:
    return params.choice_param(request.query_params, "aviso", "Aviso", NOTICES, default="")


async def _list(request: Request, user: HqUser, *, status: int = 200, form: dict[str, Any] | None = None,
                problems: dict[str, str] | None = None) -> Response:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        rows = [s for s in await tenants.stores(conn, user.tenant_id) if user.sees_store(s.store_id)]
        by_store: dict[str, list[tenants.WarehouseRow]] = {}
        for w in await tenants.warehouses(conn, user.tenant_id):
            by_store.setdefault(w.store_id, []).append(w)
    empty = {"store_id": "", "name": "", "address": "", "comuna": "", "ciudad": "", "sucursal_sii": "",
             "bodega": True}
    return web.render(request, "stores.html", status=status, user=user, section="tiendas", stores=rows,
                      warehouses=by_store, kinds=tenancy.WAREHOUSE_KINDS, form=form or empty,
                      problems=problems or {}, notice=_notice(request), can_edit=user.can("tiendas", write=True))


@web.login_required
async def index(request: Request, user: HqUser) -> Response:
    """``GET`` the stores and their warehouses; ``POST`` (``codigo``, ``nombre``, ``direccion``, ``comuna``,
    ``ciudad``, ``sucursal_sii``, ``bodega``) creates a store."""
    if request.method != "POST":
        return await _list(request, user)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = _form(form)
    try:
        await tenancy.create_store(request.app.state.pool, user.tenant_id, values["store_id"], values["name"],
                                   address=values["address"], comuna=values["comuna"], ciudad=values["ciudad"],
                                   sucursal_sii=values["sucursal_sii"], bodega=values["bodega"])
    except tenancy.StoreError as exc:
        field = "store_id" if exc.code == "taken" else exc.code
        return await _list(request, user, status=422, form=values, problems={field: web.sentence(exc)})
    return web.redirect(f"/tiendas/{web.url_part(values['store_id'].strip().lower())}?aviso=creada")


async def _detail(request: Request, user: HqUser, store_id: str, *, status: int = 200,
                  form: dict[str, Any] | None = None, problems: dict[str, str] | None = None) -> Response:
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        row = await tenants.store(conn, user.tenant_id, store_id)
        rooms = await tenants.warehouses(conn, user.tenant_id, store_id)
    if row is None or not user.sees_store(store_id):
        return web.not_found(request, user, "La tienda")
    values = form or {"name": row.name, "address": row.address, "comuna": row.comuna, "ciudad": row.ciudad,
                      "sucursal_sii": "" if row.sucursal_sii is None else str(row.sucursal_sii)}
    return web.render(request, "store.html", status=status, user=user, section="tiendas", store=row,
                      warehouses=rooms, kinds=tenancy.WAREHOUSE_KINDS, form=values, problems=problems or {},
                      notice=_notice(request), can_edit=user.can("tiendas", write=True))


@web.login_required
async def detail(request: Request, user: HqUser) -> Response:
    """``GET`` one store; ``POST`` saves its name and sucursal data."""
    store_id = _store_id(request, user)
    if request.method != "POST":
        return await _detail(request, user, store_id)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = _form(form)
    try:
        data = tenancy.check_store(*(values[key] for key in FIELDS))
        await tenancy.edit_store(request.app.state.pool, user.tenant_id, store_id, data)
    except tenancy.StoreError as exc:
        if exc.code == "missing":
            return web.not_found(request, user, "La tienda")
        return await _detail(request, user, store_id, status=422, form=values, problems={exc.code: web.sentence(exc)})
    return web.redirect(f"/tiendas/{web.url_part(store_id)}?aviso=guardada")


@web.login_required
async def deactivate(request: Request, user: HqUser) -> Response:
    """``POST`` ``motivo``: the store is deactivated (kept with who, when and why); ``reactivar=1`` brings it back."""
    store_id = _store_id(request, user)

    async def apply(restore: bool, reason: str) -> None:
        await tenancy.set_store_active(request.app.state.pool, user.tenant_id, store_id, restore,
                                       by=user.name or user.email, reason=reason, at=state.clock(request)())

    async def refused(problem: str) -> Response:
        return await _detail(request, user, store_id, status=422, problems={"motivo": problem})

    return await web.set_active_form(request, user, apply, what="La tienda", done=f"/tiendas/{web.url_part(store_id)}",
                                     notices=("reactivada", "desactivada"), refused=refused)


@web.login_required
async def new_warehouse(request: Request, user: HqUser) -> Response:
    """``POST`` ``nombre`` and ``tipo`` (``sala`` or ``bodega``): a new warehouse of the store."""
    store_id = _store_id(request, user)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    try:
        await tenancy.add_warehouse(request.app.state.pool, user.tenant_id, store_id,
                                    params.text_param(form, "nombre", "Nombre", max_len=200),
                                    params.text_param(form, "tipo", "Tipo", max_len=20))
    except tenancy.StoreError as exc:
        if exc.code == "missing":
            return web.not_found(request, user, "La tienda")
        return await _detail(request, user, store_id, status=422, problems={"warehouse": web.sentence(exc)})
    return web.redirect(f"/tiendas/{web.url_part(store_id)}?aviso=bodega")


@web.login_required
async def warehouse_active(request: Request, user: HqUser) -> Response:
    """``POST`` ``motivo`` deactivates a warehouse of the store; ``reactivar=1`` brings it back."""
    store_id = _store_id(request, user)
    warehouse_id = params.id_param(params.path(request.path_params), "warehouse_id", "Bodega")
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    restore = params.flag_param(form, "reactivar", "Reactivar")
    try:
        async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
            found = await tenants.warehouse(conn, user.tenant_id, warehouse_id)
        if found is None or found.store_id != store_id:
            raise tenancy.StoreError("missing", "la bodega no existe")
        await tenancy.set_warehouse_active(request.app.state.pool, user.tenant_id, warehouse_id, restore,
                                           by=user.name or user.email,
                                           reason=params.text_param(form, "motivo", "Motivo", max_len=200),
                                           at=state.clock(request)())
    except tenancy.StoreError as exc:
        if exc.code == "missing":
            return web.not_found(request, user, "La bodega")
        return await _detail(request, user, store_id, status=422, problems={"warehouse": web.sentence(exc)})
    notice = "bodega-reactivada" if restore else "bodega-desactivada"
    return web.redirect(f"/tiendas/{web.url_part(store_id)}?aviso={notice}")


ROUTES = [
    Route("/tiendas", index, methods=["GET", "POST"], name="stores"),
    Route("/tiendas/{store_id}/desactivar", deactivate, methods=["POST"], name="store_deactivate"),
    Route("/tiendas/{store_id}/bodegas", new_warehouse, methods=["POST"], name="warehouse_new"),
    Route("/tiendas/{store_id}/bodegas/{warehouse_id}/desactivar", warehouse_active, methods=["POST"],
          name="warehouse_deactivate"),
    Route("/tiendas/{store_id}", detail, methods=["GET", "POST"], name="store"),
]
"""The stores' pages, in match order (``/tiendas/{id}/codigo`` is the terminals page's)."""
