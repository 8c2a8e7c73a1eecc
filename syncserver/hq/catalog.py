"""``/hq/catalogo``: HQ's product list (search, pages) and the product form; edits carry the version they read."""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from shared import errors, money
from syncserver import catalog
from syncserver.hq import web
from syncserver.hq.web import HqUser
from syncserver.store import db, products

PAGE_SIZE = 25
COLUMNS = ", ".join(products.PRODUCT_FIELDS) + ", version"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _page(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) < 100_000 else 1


@web.login_required
async def product_list(request: Request, user: HqUser) -> Response:
    """``?q=`` searches name, SKU, barcode or PLU; ``?pagina=N`` pages by 25."""
    query = " ".join(request.query_params.get("q", "").split())[:100]
    page = _page(request.query_params.get("pagina"))
    where, params = "tenant_id = %(tenant)s", {"tenant": user.tenant_id, "like": _like(query), "exact": query}
    if query:
        where += (" AND (name ILIKE %(like)s OR sku ILIKE %(like)s OR plu = %(exact)s"
                  " OR EXISTS (SELECT 1 FROM unnest(barcodes) AS b WHERE b LIKE %(like)s))")
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        total_row = await (await conn.execute(f"SELECT count(*) FROM products WHERE {where}", params)).fetchone()
        total = int(total_row[0]) if total_row else 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            f"SELECT sku, name, category, price, sold_by, active, barcodes FROM products WHERE {where}"
            " ORDER BY name, sku LIMIT %(limit)s OFFSET %(offset)s",
            {**params, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
        products = await cur.fetchall()
    return web.render(request, "catalog.html", user=user, section="catalogo", products=products, query=query,
                      page=page, pages=pages, total=total)


async def _product(conn: db.Conn, tenant_id: int, sku: str) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT {COLUMNS} FROM products WHERE tenant_id = %s AND sku = %s", (tenant_id, sku))
    return await cur.fetchone()


def _edited(current: dict[str, Any], form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The product with the form's name, category, price and active flag, and the problems found (per field)."""
    problems: dict[str, str] = {}
    name = " ".join(str(form.get("name", "")).split())
    category = " ".join(str(form.get("category", "")).split())
    if not name:
        problems["name"] = "Escriba el nombre del producto."
    if not category:
        problems["category"] = "Escriba la categoría."
    try:
        price = money.parse_clp(str(form.get("price", "")))
    except errors.InvalidAmount:
        price = current["price"]
        problems["price"] = "Escriba el precio en pesos, solo números (por ejemplo 1.990)."
    else:
        if price <= 0:
            problems["price"] = "El precio debe ser mayor que cero."
    product = {f: current[f] for f in products.PRODUCT_FIELDS}
    product.update(name=name[:120], category=category[:60], price=price, active=form.get("active") == "1",
                   barcodes=list(current["barcodes"] or []))
    return product, problems


@web.login_required
async def edit(request: Request, user: HqUser) -> Response:
    """``GET`` shows the form; ``POST`` saves it with the version the form was read at, or shows the conflict."""
    sku = request.path_params["sku"]
    pool = request.app.state.pool
    async with db.tenant_tx(pool, user.tenant_id) as conn:
        current = await _product(conn, user.tenant_id, sku)
    if current is None:  # never upsert a SKU the tenant does not have: that would create it
        return web.not_found(request, user, "El producto")
    if request.method != "POST":
        return web.render(request, "product.html", user=user, section="catalogo", product=current, form=None,
                          problems={}, saved=request.query_params.get("guardado") == "1", conflict=False)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    version_text = str(form.get("version", ""))
    if not version_text.isdigit():
        return web.error_page(request, 400, "Formulario incompleto", "Vuelva a abrir el producto e intente de nuevo.",
                              user)
    product, problems = _edited(current, form)
    shown = {"name": form.get("name", ""), "category": form.get("category", ""), "price": form.get("price", ""),
             "active": form.get("active") == "1", "version": int(version_text)}
    if problems:
        return web.render(request, "product.html", status=422, user=user, section="catalogo", product=current,
                          form=shown, problems=problems, saved=False, conflict=False)
    try:
        await catalog.upsert_product(pool, user.tenant_id, product, expected_version=int(version_text))
    except catalog.CatalogError as exc:
        if exc.code != "conflict":
            raise
        async with db.tenant_tx(pool, user.tenant_id) as conn:
            latest = await _product(conn, user.tenant_id, sku)
        return web.render(request, "product.html", status=409, user=user, section="catalogo", product=latest,
                          form=shown, problems={}, saved=False, conflict=True)
    return web.redirect(f"/catalogo/{web.url_part(sku)}?guardado=1")
