"""``/hq/catalogo``: HQ's product list (search as the till searches, pages), the product form (create and edit,
with the version it read), deactivation with a reason and its undoing, each store's price and minimum stock, and
the categories in the till's tab order."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import catalog_import, errors
from syncserver import catalog, state
from syncserver.hq import catalog_import as import_pages
from syncserver.hq import web
from syncserver.hq.web import HqUser
from syncserver.store import db, products

PAGE_SIZE = 25
FORM_FIELDS = ("sku", "name", "brand", "category", "price", "sold_by", "barcode", "plu", "iva_exempt", "favourite",
               "cost")
_IDENTITY = {f: i for i, f in enumerate(FORM_FIELDS)}


def _page(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) < 100_000 else 1


@web.login_required
async def product_list(request: Request, user: HqUser) -> Response:
    """``?q=`` finds what the till finds (word starts; accents, hyphens and case ignored) and exact SKU, barcode or
    PLU; ``?pagina=N`` pages by 25."""
    query = " ".join(request.query_params.get("q", "").split())[:100]
    page = _page(request.query_params.get("pagina"))
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        total, rows = await products.search(conn, user.tenant_id, query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:
            page = pages
            total, rows = await products.search(conn, user.tenant_id, query, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return web.render(request, "catalog.html", user=user, section="catalogo", products=rows, query=query,
                      page=page, pages=pages, total=total)


def _form_product(form: FormData, sku: str | None, active: bool, current: dict[str, Any] | None = None
                  ) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The product the form describes, checked by the import's row rules (``shared.catalog_import.parse_row``),
    and the problems per form field. A form without ``completo`` (a partial edit) keeps ``current``'s values of
    the fields it does not send."""
    kept = catalog_import.export_row(current) if current is not None and form.get("completo") != "1" else None
    values = [str(form[f]) if f in form else (kept[i] if kept else "") for i, f in enumerate(FORM_FIELDS)]
    if sku is not None:
        values[0] = sku
    values[FORM_FIELDS.index("barcode")] = " ".join(values[FORM_FIELDS.index("barcode")].split())
    for flag in ("iva_exempt", "favourite"):
        index = FORM_FIELDS.index(flag)
        values[index] = "1" if form.get(flag) == "1" else (kept[index] if kept else "0")
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
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        cats = await products.categories(conn, user.tenant_id)
        stores = await products.store_settings(conn, user.tenant_id, sku) if sku else []
        current = await products.get(conn, user.tenant_id, sku) if sku else None
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
                                           "version": "", "barcode": request.query_params.get("codigo", "")[:14]}
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
                                     now=state.clock(request)())
    except catalog.CatalogError as exc:
        field = "sku" if exc.code == "exists" else "barcode"
        return _render_form(request, user, ctx, _shown(form), status=422,
                            problems={field: exc.detail[:1].upper() + exc.detail[1:] + "."})
    return web.redirect(f"/catalogo/{web.url_part(product['sku'])}?guardado=1")


@web.login_required
async def edit(request: Request, user: HqUser) -> Response:
    """``GET`` shows the form; ``POST`` saves it with the version the form was read at, or shows the conflict."""
    sku = request.path_params["sku"]
    pool = request.app.state.pool
    ctx = await _context(request, user, sku)
    current = ctx["product"]
    if current is None:  # never upsert a SKU the tenant does not have: that would create it
        return web.not_found(request, user, "El producto")
    if request.method != "POST":
        return _render_form(request, user, ctx, _as_form(current), saved=request.query_params.get("guardado") == "1",
                            message=request.query_params.get("aviso", ""))
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    version_text = str(form.get("version", ""))
    if not version_text.isdigit():
        return web.error_page(request, 400, "Formulario incompleto", "Vuelva a abrir el producto e intente de nuevo.",
                              user)
    product, problems = _form_product(form, sku, bool(current["active"]), current)
    if product is None:
        return _render_form(request, user, ctx, _shown(form), status=422, problems=problems)
    try:
        await catalog.upsert_product(pool, user.tenant_id, product, expected_version=int(version_text),
                                     now=state.clock(request)())
    except catalog.CatalogError as exc:
        if exc.code == "barcode":
            return _render_form(request, user, ctx, _shown(form), status=422,
                                problems={"barcode": exc.detail[:1].upper() + exc.detail[1:] + "."})
        ctx = await _context(request, user, sku)
        return _render_form(request, user, ctx, _shown(form), status=409, conflict=True)
    return web.redirect(f"/catalogo/{web.url_part(sku)}?guardado=1")


@web.login_required
async def deactivate(request: Request, user: HqUser) -> Response:
    """``POST`` with ``motivo``: the product stops being sold (kept, with who, when and why); ``reactivar=1``
    brings it back."""
    sku = request.path_params["sku"]
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    restore = form.get("reactivar") == "1"
    reason = " ".join(str(form.get("motivo", "")).split())[:200]
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
    sku = request.path_params["sku"]
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
        price_text, min_text = str(form.get(f"precio_{sid}", "")).strip(), str(form.get(f"minimo_{sid}", "")).strip()
        price = minimum = None
        try:
            price = catalog_import.parse_pesos(price_text) if price_text else None
            if price == 0:
                raise errors.InvalidAmount(price_text, "debe ser mayor que cero")
        except errors.InvalidAmount as exc:
            problems["stores"] = f"{store['name']}: el precio «{price_text}» {exc.reason}."
        try:
            minimum = Decimal(min_text.replace(",", ".")) if min_text else None
            if minimum is not None and (not minimum.is_finite() or minimum < 0 or minimum > 9_999_999
                                        or -minimum.as_tuple().exponent > 3):  # type: ignore[operator]
                raise InvalidOperation
        except InvalidOperation:
            problems["stores"] = f"{store['name']}: el mínimo «{min_text}» debe ser un número (hasta 3 decimales)."
        settings[sid] = (price, minimum)
    if problems:
        return _render_form(request, user, ctx, _as_form(ctx["product"]), status=422, problems=problems)
    await catalog.set_store_settings(request.app.state.pool, user.tenant_id, sku, settings)
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
        new_name = " ".join(str(form.get("nueva", "")).split())
        if form.get("accion") == "agregar":
            if not new_name or len(new_name) > 60:
                problem, status = "Escriba el nombre de la categoría (hasta 60 caracteres).", 422
            elif await catalog.add_category(pool, user.tenant_id, new_name):
                message = f"Categoría «{new_name}» creada."
            else:
                problem, status = f"La categoría «{new_name}» ya existe.", 422
        else:
            positions: dict[str, int] = {}
            for key, value in form.multi_items():
                if key.startswith("orden_") and isinstance(value, str):
                    if not value.strip().isdigit() or not 0 < int(value) < 1000:
                        problem, status = "El orden debe ser un número de 1 a 999.", 422
                        break
                    positions[key[len("orden_"):]] = int(value)
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
    *import_pages.ROUTES,
    Route("/catalogo/{sku:path}/desactivar", deactivate, methods=["POST"], name="product_deactivate"),
    Route("/catalogo/{sku:path}/tiendas", store_settings, methods=["POST"], name="product_stores"),
    Route("/catalogo/{sku:path}", edit, methods=["GET", "POST"], name="product"),
]
"""HQ's catalog pages, in match order (fixed words before the SKU path: ``shared.catalog_import.RESERVED_SKUS``)."""
