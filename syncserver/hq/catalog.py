"""``/hq/catalogo``: HQ's product list (search as the till searches, pages) with the products stores created
themselves pending adoption, the product form (create and edit, with the version it read), deactivation with a
reason and its undoing, each store's price and minimum stock, and the categories in the till's tab order."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import catalog_import
from syncserver import catalog, state
from syncserver.hq import catalog_import as import_pages
from syncserver.hq import params, trail, web
from syncserver.hq.web import HqUser
from syncserver.store import db, local_products, products, tenants

PAGE_SIZE = 25
FORM_FIELDS = ("sku", "name", "brand", "category", "price", "sold_by", "barcode", "plu", "iva_exempt", "favourite",
               "cost")
_IDENTITY = {f: i for i, f in enumerate(FORM_FIELDS)}


MAX_FIELD = {"name": 200, "brand": 100, "category": 100, "barcode": 2000, "sku": 100}
"""The longest text each product form field may bring (longer is refused before the row rules read it)."""
_MINIMUM = re.compile(r"[0-9]{1,7}(?:[.,][0-9]{1,3})?", re.ASCII)


def sku_of(request: Request) -> str:
    """The ``{sku}`` of the address."""
    return params.id_param(params.path(request.path_params), "sku", "Producto")


@web.login_required
async def product_list(request: Request, user: HqUser) -> Response:
    """``?q=`` finds what the till finds (word starts; accents, hyphens and case ignored) and exact SKU, barcode or
    PLU; ``?pagina=N`` pages by 25."""
    query = " ".join(params.text_param(request.query_params, "q", "Buscar", max_len=100).split())
    page = params.int_param(request.query_params, "pagina", "Página", low=1, high=100_000, default=1)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        total, rows = await products.search(conn, user.tenant_id, query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:
            page = pages
            total, rows = await products.search(conn, user.tenant_id, query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        proposals = await local_products.pending(conn, user.tenant_id, user.store_scope)
        store_names = {s.store_id: s.name for s in await tenants.stores(conn, user.tenant_id)}
    notice = params.choice_param(request.query_params, "aviso", "Aviso",
                                 {"adoptado": "adoptado", "descartado": "descartado"}, default="")
    return web.render(request, "catalog.html", user=user, section="catalogo", products=rows, query=query,
                      page=page, pages=pages, total=total, proposals=proposals, store_names=store_names,
                      notice=notice, notice_sku=params.text_param(request.query_params, "sku", "Producto", max_len=100),
                      problem="")


@web.login_required
async def decide_store_product(request: Request, user: HqUser) -> Response:
    """``POST`` ``tienda``, ``sku``: ``/adoptar`` makes a store's own product HQ's (published to every store),
    ``/descartar`` takes it off the pending list (the store keeps it and its sales). Owner only (catalog writes)."""
    action = request.url.path.rstrip("/").rsplit("/", 1)[-1]  # adoptar or descartar (the two routes)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    store_id = params.id_param(form, "tienda", "Tienda")
    sku = params.id_param(form, "sku", "Producto")
    user.require_store(store_id)
    adopt = action == "adoptar"
    decide = catalog.adopt_store_product if adopt else catalog.set_aside_store_product
    try:
        await decide(request.app.state.pool, user.tenant_id, store_id, sku, by=user.name or user.email,
                     address=trail.address(request), now=state.clock(request)())
    except catalog.CatalogError as exc:
        if exc.code == "missing":
            return web.not_found(request, user, "El producto de la tienda")
        async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
            total, rows = await products.search(conn, user.tenant_id, "", PAGE_SIZE, 0)
            proposals = await local_products.pending(conn, user.tenant_id, user.store_scope)
            store_names = {s.store_id: s.name for s in await tenants.stores(conn, user.tenant_id)}
        return web.render(request, "catalog.html", status=409, user=user, section="catalogo", products=rows,
                          query="", page=1, pages=max(1, -(-total // PAGE_SIZE)), total=total, proposals=proposals,
                          store_names=store_names, notice="", notice_sku="",
                          problem=f"No se pudo {'adoptar' if adopt else 'descartar'} {sku}: {web.sentence(exc)}")
    return web.redirect(f"/catalogo?aviso={'adoptado' if adopt else 'descartado'}&sku={web.url_part(sku)}")


def _form_product(form: FormData, sku: str | None, active: bool, current: dict[str, Any] | None = None
                  ) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The product the form describes, checked by the import's row rules (``shared.catalog_import.parse_row``),
    and the problems per form field. A form without ``completo`` (a partial edit) keeps ``current``'s values of
    the fields it does not send."""
    complete = params.flag_param(form, "completo", "Formulario completo")
    kept = catalog_import.export_row(current) if current is not None and not complete else None
    sent = {f: params.raw(form, f, f, max_len=MAX_FIELD.get(f, 30)) for f in FORM_FIELDS}
    values = [_or(sent[f], kept[i] if kept else "") for i, f in enumerate(FORM_FIELDS)]
    if sku is not None:
        values[0] = sku
    values[FORM_FIELDS.index("barcode")] = " ".join(values[FORM_FIELDS.index("barcode")].split())
    for flag in ("iva_exempt", "favourite"):
        index = FORM_FIELDS.index(flag)
        values[index] = "1" if params.flag_param(form, flag, flag) else (kept[index] if kept else "0")
    result = catalog_import.parse_row(values, 0, _IDENTITY, FORM_FIELDS)
    problems: dict[str, str] = {}
    for problem in result.problems:
        message = problem.message[:1].upper() + problem.message[1:] + "."
        problems[problem.column] = problems.get(problem.column, "") + (" " if problem.column in problems else "") \
            + message
    if result.product is None:
        return None, problems
    product = dict(result.product)
    product["active"] = active
    return product, problems


def _or(value: str | None, default: str) -> str:
    return default if value is None else value


def _shown(form: FormData) -> dict[str, Any]:
    return {f: str(form.get(f, "")) for f in FORM_FIELDS} | {"iva_exempt": form.get("iva_exempt") == "1",
                                                           "favourite": form.get("favourite") == "1",
                                                           "version": str(form.get("version", ""))}


def _as_form(product: dict[str, Any]) -> dict[str, Any]:
    return {"sku": product["sku"], "name": product["name"], "brand": product["brand"] or "",
            "category": product["category"], "price": web.fmt_int(product["price"]), "sold_by": product["sold_by"],
            "barcode": "\n".join(product["barcodes"] or []), "plu": product["plu"] or "",
            "iva_exempt": product["iva_exempt"], "favourite": product["favourite"],
            "cost": web.fmt_int(product["cost"]) if product["cost"] else "", "version": str(product["version"])}


async def _context(request: Request, user: HqUser, sku: str | None) -> dict[str, Any]:
    """The form's categories, the product and its settings in the stores the user sees (an encargado: his)."""
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        cats = await products.categories(conn, user.tenant_id)
        stores = await products.store_settings(conn, user.tenant_id, sku) if sku else []
        current = await products.get(conn, user.tenant_id, sku) if sku else None
    stores = [s for s in stores if user.sees_store(s["store_id"])]
    return {"categories": [c["name"] for c in cats], "stores": stores, "product": current}


def _render_form(request: Request, user: HqUser, ctx: dict[str, Any], form: dict[str, Any], *, status: int = 200,
                 problems: dict[str, str] | None = None, **flags: Any) -> Response:
    return web.render(request, "product.html", status=status, user=user, section="catalogo", form=form,
                      problems=problems or {}, saved=flags.get("saved", False), conflict=flags.get("conflict", False),
                      message=flags.get("message", ""), **ctx)


@web.login_required
async def new(request: Request, user: HqUser) -> Response:
    """``GET`` an empty product form; ``POST`` creates the product (its SKU must be new)."""
    ctx = await _context(request, user, None)
    empty = {f: "" for f in FORM_FIELDS} | {"sold_by": "unit", "iva_exempt": False, "favourite": False,
                                           "version": "", "barcode": params.text_param(request.query_params, "codigo",
                                                                                       "Código", max_len=14)}
    if request.method != "POST":
        return _render_form(request, user, ctx, empty)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    product, problems = _form_product(form, None, True)
    if product is None:
        return _render_form(request, user, ctx, _shown(form), status=422, problems=problems)
    try:
        await catalog.upsert_product(request.app.state.pool, user.tenant_id, product, create=True,
                                     now=state.clock(request)(), by=user.email or user.name)
    except catalog.CatalogError as exc:
        field = "sku" if exc.code == "exists" else "barcode"
        return _render_form(request, user, ctx, _shown(form), status=422,
                            problems={field: web.sentence(exc)})
    return web.redirect(f"/catalogo/{web.url_part(product['sku'])}?guardado=1")


@web.login_required
async def edit(request: Request, user: HqUser) -> Response:
    """``GET`` shows the form; ``POST`` saves it with the version the form was read at, or shows the conflict."""
    sku = sku_of(request)
    pool = request.app.state.pool
    ctx = await _context(request, user, sku)
    current = ctx["product"]
    if current is None:  # never upsert a SKU the tenant does not have: that would create it
        return web.not_found(request, user, "El producto")
    if request.method != "POST":
        query = request.query_params
        return _render_form(request, user, ctx, _as_form(current), saved=params.flag_param(query, "guardado", "Aviso"),
                            message=params.choice_param(query, "aviso", "Aviso", {"motivo": "motivo"}, default=""))
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    version = params.int_param(form, "version", "Versión del producto", low=0, high=2**31 - 1)
    product, problems = _form_product(form, sku, bool(current["active"]), current)
    if product is None:
        return _render_form(request, user, ctx, _shown(form), status=422, problems=problems)
    try:
        await catalog.upsert_product(pool, user.tenant_id, product, expected_version=version,
                                     now=state.clock(request)(), by=user.email or user.name)
    except catalog.CatalogError as exc:
        if exc.code == "barcode":
            return _render_form(request, user, ctx, _shown(form), status=422,
                                problems={"barcode": web.sentence(exc)})
        ctx = await _context(request, user, sku)
        return _render_form(request, user, ctx, _shown(form), status=409, conflict=True)
    return web.redirect(f"/catalogo/{web.url_part(sku)}?guardado=1")


@web.login_required
async def deactivate(request: Request, user: HqUser) -> Response:
    """``POST`` with ``motivo``: the product stops being sold (kept, with who, when and why); ``reactivar=1``
    brings it back."""
    sku = sku_of(request)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    restore = params.flag_param(form, "reactivar", "Reactivar")
    reason = " ".join(params.text_param(form, "motivo", "Motivo", max_len=200).split())
    if not restore and not reason:
        return web.redirect(f"/catalogo/{web.url_part(sku)}?aviso=motivo")
    try:
        await catalog.set_active(request.app.state.pool, user.tenant_id, sku, restore, by=user.name or user.email,
                                 reason=reason, at=state.clock(request)())
    except catalog.CatalogError:
        return web.not_found(request, user, "El producto")
    return web.redirect(f"/catalogo/{web.url_part(sku)}?guardado=1")


@web.login_required
async def store_settings(request: Request, user: HqUser) -> Response:
    """``POST`` each store's own price (``precio_<tienda>``, empty: the catalog's) and minimum stock
    (``minimo_<tienda>``, empty: none)."""
    sku = sku_of(request)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    ctx = await _context(request, user, sku)
    if ctx["product"] is None:
        return web.not_found(request, user, "El producto")
    settings: dict[str, tuple[int | None, Decimal | None]] = {}
    problems: dict[str, str] = {}
    for store in ctx["stores"]:
        sid = store["store_id"]
        price_text = params.text_param(form, f"precio_{sid}", f"Precio en {store['name']}", max_len=20)
        min_text = params.text_param(form, f"minimo_{sid}", f"Mínimo en {store['name']}", max_len=20)
        price = minimum = None
        try:
            price = params.peso_param(form, f"precio_{sid}", "precio", required=False, low=1)
        except params.BadInput as exc:
            problems["stores"] = f"{store['name']}: el precio «{price_text}» {exc.reason}."
        if _MINIMUM.fullmatch(min_text):
            minimum = Decimal(min_text.replace(",", "."))
        elif min_text:
            problems["stores"] = f"{store['name']}: el mínimo «{min_text}» debe ser un número (hasta 3 decimales)."
        settings[sid] = (price, minimum)
    if problems:
        return _render_form(request, user, ctx, _as_form(ctx["product"]), status=422, problems=problems)
    await catalog.set_store_settings(request.app.state.pool, user.tenant_id, sku, settings,
                                     by=user.email or user.name, at=state.clock(request)())
    return web.redirect(f"/catalogo/{web.url_part(sku)}?guardado=1")


@web.login_required
async def categories(request: Request, user: HqUser) -> Response:
    """``GET`` the categories in tab order; ``POST`` ``nueva`` adds one, ``orden_<n>`` fields reorder them."""
    pool = request.app.state.pool
    message, status, problem = "", 200, ""
    if request.method == "POST":
        form = await web.read_form(request)
        if form is None:
            return web.csrf_failed(request, user)
        new_name = " ".join(params.text_param(form, "nueva", "Nueva categoría", max_len=200).split())
        if params.choice_param(form, "accion", "Acción", {"agregar": True, "ordenar": False}, default=False):
            if not new_name or len(new_name) > 60:
                problem, status = "Escriba el nombre de la categoría (hasta 60 caracteres).", 422
            elif await catalog.add_category(pool, user.tenant_id, new_name):
                message = f"Categoría «{new_name}» creada."
            else:
                problem, status = f"La categoría «{new_name}» ya existe.", 422
        else:
            positions: dict[str, int] = {}
            for key in dict.fromkeys(k for k in form if k.startswith("orden_")):
                try:
                    positions[key[len("orden_"):]] = params.int_param(form, key, "Orden", low=1, high=999)
                except params.BadInput:
                    problem, status = "El orden debe ser un número de 1 a 999.", 422
                    break
            if not problem:
                await catalog.order_categories(pool, user.tenant_id, positions)
                message = "Orden guardado. Las cajas lo recibirán en su próxima sincronización."
    async with db.tenant_tx(pool, user.tenant_id) as conn:
        rows = await products.categories(conn, user.tenant_id)
    return web.render(request, "categories.html", status=status, user=user, section="catalogo", categories=rows,
                      message=message, problem=problem)


ROUTES = [
    Route("/catalogo", product_list, methods=["GET"], name="catalog"),
    Route("/catalogo/nuevo", new, methods=["GET", "POST"], name="product_new"),
    Route("/catalogo/categorias", categories, methods=["GET", "POST"], name="categories"),
    Route("/catalogo/de-tiendas/adoptar", decide_store_product, methods=["POST"], name="store_product_adopt"),
    Route("/catalogo/de-tiendas/descartar", decide_store_product, methods=["POST"], name="store_product_set_aside"),
    *import_pages.ROUTES,
    Route("/catalogo/{sku:path}/desactivar", deactivate, methods=["POST"], name="product_deactivate"),
    Route("/catalogo/{sku:path}/tiendas", store_settings, methods=["POST"], name="product_stores"),
    Route("/catalogo/{sku:path}", edit, methods=["GET", "POST"], name="product"),
]
"""HQ's catalog pages, in match order (fixed words before the SKU path: ``shared.catalog_import.RESERVED_SKUS``)."""
