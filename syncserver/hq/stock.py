"""``/hq/stock``: the stores' stock as the master folds it (``syncserver.store.inventory``): on hand and value at
cost per product and warehouse, alerts, goods in transit between stores, each store's value; a product's kardex
per store (page, CSV, XLSX); and the tenant's inventory settings (costing method, store prices, the merma value
that asks a supervisor's PIN), which only the owner changes (audit trail, published to the tills)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import es_cl
from syncserver import state
from syncserver.hq import params, trail, web
from syncserver.hq.web import HqUser
from syncserver.store import audit, db, inventory, products, tenants

PAGE_SIZE: Final = 50
"""Rows of the stock list and of a kardex page."""
MAX_PAGE: Final = 100_000
MAX_POS: Final = 10**15
"""The largest place in a store's kardex an address may name (``antes``)."""
MAX_TRANSIT: Final = 500
"""Transfers in transit the Stock page lists at most."""
MAX_WAREHOUSES: Final = 100
COSTING_LABELS: Final = {"ppp": "Precio promedio ponderado (PPP)", "fifo": "FIFO: primero en entrar, primero en salir"}
"""The costing methods the settings page offers (``shared.events.inventory.COSTING_METHODS``)."""
MAX_MERMA_PIN: Final = 10_000_000
"""The highest merma value (CLP neto) above which a PIN may be asked: above that the setting is surely a typo."""
KARDEX_HEADERS: Final = ("Fecha", "Documento", "Bodega", "Quién", "Cantidad", "Saldo", "Costo unitario", "Valor")
OUTSIDE_CATALOG: Final = "no está en el catálogo de HQ"
"""What the kardex says of a product the store moved but HQ's catalog does not have (a store's own product)."""
SETTINGS_CHANGED: Final = "inventory_settings_changed"
"""The audit trail's kind of a change of the inventory settings (``syncserver.store.audit``)."""
NOTICES: Final = {"guardado": "Ajustes guardados. Las cajas los reciben en su próxima sincronización.",
                  "sin-cambios": "No cambió nada: los ajustes ya eran esos."}


@dataclass(frozen=True, slots=True)
class Filters:
    """What the stock page shows: one store or all the user sees, one warehouse, one category, a search (as the
    catalog searches), only rows with an alert; the page number."""

    store: str | None
    warehouse: str | None
    category: str | None
    search: str
    alerts_only: bool
    page: int

    def query(self, **changes: Any) -> str:
        """This filter as a query string (``changes`` replace values: ``page=2``)."""
        values = {"tienda": self.store or "", "bodega": self.warehouse or "", "categoria": self.category or "",
                  "q": self.search, "alertas": "1" if self.alerts_only else "", "pagina": str(self.page)}
        values.update({{"page": "pagina", "store": "tienda", "warehouse": "bodega"}.get(k, k): str(v)
                       for k, v in changes.items()})
        if values["pagina"] == "1":
            values["pagina"] = ""
        return urlencode({k: v for k, v in values.items() if v})


def fmt_quantity(value: Decimal | int | None, sold_by: str = "unit") -> str:
    """A stock quantity as es-CL reads it: units ``"1.234"`` (``"-3"``), kg with 3 decimals ``"12,500 kg"``."""
    if value is None:
        return "—"
    if sold_by == "kg":
        return es_cl.number(Decimal(value), places=3) + " kg"
    return es_cl.number(Decimal(value))


def fmt_signed(value: Decimal | int, sold_by: str = "unit") -> str:
    """A movement's quantity with its sign: ``"+24"``, ``"-1,250 kg"``."""
    text = fmt_quantity(value, sold_by)
    return text if Decimal(value) < 0 else "+" + text


def fmt_cost(value: Decimal | int | None) -> str:
    """A unit cost in whole pesos (``Decimal("1500.5") -> "$1.501"``, half up); ``—`` when never costed."""
    if value is None:
        return "—"
    return web.fmt_clp(int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


web.ENV.filters.update(cantidad=fmt_quantity, movimiento=fmt_signed, costo=fmt_cost)


async def _visible_stores(conn: db.Conn, user: HqUser) -> list[tenants.StoreRow]:
    return [s for s in await tenants.stores(conn, user.tenant_id) if user.sees_store(s.store_id)]


async def _filters(request: Request, conn: db.Conn, user: HqUser, warehouses: Sequence[tenants.WarehouseRow],
                   categories: Sequence[str]) -> Filters:
    """The stock page's query, strictly read: a store the user sees (else 403), a warehouse of the tenant whose
    store he sees (of the chosen store when one is), a category of the tenant.

    Raises:
        params.BadInput: a value that is not one of the lists, or not readable.
        params.OutsideScope: a store, or a warehouse's store, that is not one of an encargado's.
    """
    query = request.query_params
    store = params.store_param(user, query)
    warehouse = params.text_param(query, "bodega", "Bodega", max_len=params.MAX_ID) or None
    if warehouse is not None:
        found = next((w for w in warehouses if w.warehouse_id == warehouse), None)
        if found is None:
            found = await tenants.warehouse(conn, user.tenant_id, warehouse)
            if found is not None:  # another store's, not his: the same 403 as naming that store
                user.require_store(found.store_id)
            raise params.BadInput("bodega", "Bodega", "no es una de las bodegas de sus tiendas")
        if store is not None and found.store_id != store:
            raise params.BadInput("bodega", "Bodega", "no es una bodega de la tienda elegida")
    category = params.choice_param(query, "categoria", "Categoría", {c: c for c in categories}, default=None)
    search = " ".join(params.text_param(query, "q", "Buscar", max_len=100).split())
    alerts_only = params.flag_param(query, "alertas", "Solo alertas")
    page = params.int_param(query, "pagina", "Página", low=1, high=MAX_PAGE, default=1)
    return Filters(store, warehouse, category, search, alerts_only, page)


@web.login_required
async def stock_page(request: Request, user: HqUser) -> Response:
    """``GET ?tienda=&bodega=&categoria=&q=&alertas=1&pagina=N``: on hand, value at cost and alerts per product and
    warehouse (50 a page, alerts first), each store's totals, the transfers between stores in transit; an
    encargado sees only his stores."""
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        all_stores = await tenants.stores(conn, user.tenant_id)
        all_warehouses = await tenants.warehouses(conn, user.tenant_id)
        stores = [s for s in all_stores if user.sees_store(s.store_id)]
        warehouses = [w for w in all_warehouses if user.sees_store(w.store_id)]
        categories = [c["name"] for c in await products.categories(conn, user.tenant_id)]
        chosen = await _filters(request, conn, user, warehouses, categories)
        scope = [chosen.store] if chosen.store else [s.store_id for s in stores]
        page = chosen.page
        while True:
            found, totals = await inventory.stock_in(
                conn, user.tenant_id, stores=scope, warehouse_id=chosen.warehouse, category=chosen.category,
                search=chosen.search, alerts_only=chosen.alerts_only, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
            pages = max(1, -(-found.total // PAGE_SIZE))
            if page <= pages:
                break
            page = pages  # past the last page: show the last one
        facts = await inventory.product_facts(conn, user.tenant_id, sorted({r.sku for r in found.rows}))
        transit = [t for t in await inventory.transfers(conn, user.tenant_id, state="in_transit", limit=MAX_TRANSIT)
                   if t.from_store in scope or t.to_store in scope]
        settings = await inventory.settings(conn, user.tenant_id)
    incoming = {s: sum(t.value for t in transit if t.to_store == s) for s in scope}
    # a transfer between one of his stores and another names that other store (where his goods went, or came from)
    transit_names = ({s.store_id: s.name for s in all_stores}, {w.warehouse_id: w.name for w in all_warehouses})
    return web.render(request, "stock.html", user=user, section="stock", filters=chosen, found=found,
                      rows=found.rows, facts=facts, page=page, pages=pages, stores=stores, warehouses=warehouses,
                      categories=categories, totals=totals, incoming=incoming, transit=transit,
                      transit_names=transit_names, unknown_store=chosen.store is not None and all(
                          s.store_id != chosen.store for s in stores),
                      costing=COSTING_LABELS.get(settings.costing, settings.costing))


async def _kardex_target(request: Request, conn: db.Conn, user: HqUser
                         ) -> tuple[tenants.StoreRow, dict[str, Any], list[tenants.WarehouseRow], str | None] | None:
    """The store, product and warehouses a kardex address names (None: not in the tenant; a product HQ's catalog
    lacks counts when the store has movements of it), and the ``bodega`` filter (one of the store's warehouses).

    Raises:
        params.BadInput: an unreadable path or filter. params.OutsideScope: a store not the encargado's.
    """
    where = params.path(request.path_params)
    store_id = params.id_param(where, "store_id", "Tienda")
    sku = params.id_param(where, "sku", "Producto")
    user.require_store(store_id)
    store = await tenants.store(conn, user.tenant_id, store_id)
    if store is None:
        return None
    product = await products.get(conn, user.tenant_id, sku)
    if product is None:  # a product the store created itself, not (yet) in HQ's catalog: known by its movements
        if not await inventory.kardex_count(conn, user.tenant_id, store_id, sku):
            return None
        product = {"sku": sku, "name": sku, "category": OUTSIDE_CATALOG, "sold_by": "unit"}
    warehouses = await tenants.warehouses(conn, user.tenant_id, store_id)
    choices = {w.warehouse_id: w.warehouse_id for w in warehouses}
    warehouse = params.choice_param(request.query_params, "bodega", "Bodega", choices, default=None)
    return store, product, warehouses, warehouse


@web.login_required
async def kardex_page(request: Request, user: HqUser) -> Response:
    """``GET /stock/{tienda}/{sku}?bodega=&antes=POS``: the product's movements in that store, newest first, 50 at a
    time (``antes``: those older than the movement at that place of the store's kardex), with the running
    quantity, unit cost and value; 404 for a store or product the tenant does not have."""
    before = params.int_param(request.query_params, "antes", "Antes de", low=1, high=MAX_POS, default=0) or None
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        target = await _kardex_target(request, conn, user)
        if target is None:
            return web.not_found(request, user, "Ese producto o esa tienda")
        store, product, warehouses, warehouse = target
        sku = str(product["sku"])
        rows = await inventory.kardex(conn, user.tenant_id, store.store_id, sku, warehouse_id=warehouse,
                                      before=before, limit=PAGE_SIZE + 1)
        total = await inventory.kardex_count(conn, user.tenant_id, store.store_id, sku, warehouse_id=warehouse)
        found, _totals = await inventory.stock_in(conn, user.tenant_id, stores=[store.store_id], sku=sku,
                                                  limit=MAX_WAREHOUSES)
        settings = await inventory.settings(conn, user.tenant_id)
    older = rows[PAGE_SIZE - 1].pos if len(rows) > PAGE_SIZE else None
    here = {"bodega": warehouse} if warehouse else {}
    return web.render(request, "kardex.html", user=user, section="stock", store=store, product=product,
                      rows=rows[:PAGE_SIZE], total=total, before=before, warehouses=warehouses, warehouse=warehouse,
                      warehouse_names={w.warehouse_id: w.name for w in warehouses},
                      on_hand=[r for r in found.rows if r.sku == sku], filter_query=urlencode(here),
                      older_query=urlencode({**here, "antes": older}) if older else "",
                      costing=COSTING_LABELS.get(settings.costing, settings.costing))


async def _all_kardex(request: Request, user: HqUser
                      ) -> tuple[tenants.StoreRow, dict[str, Any], dict[str, str], list[inventory.KardexRow]] | None:
    """The store, product, warehouse names and every movement (oldest first) a download's address names."""
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        target = await _kardex_target(request, conn, user)
        if target is None:
            return None
        store, product, warehouses, warehouse = target
        count = await inventory.kardex_count(conn, user.tenant_id, store.store_id, product["sku"],
                                             warehouse_id=warehouse)
        rows = await inventory.kardex(conn, user.tenant_id, store.store_id, product["sku"], warehouse_id=warehouse,
                                      limit=max(1, count))
    return store, product, {w.warehouse_id: w.name for w in warehouses}, rows[::-1]


def _local(moment: datetime | str) -> datetime:
    """A movement's time in Chile's time zone, without the zone (what a spreadsheet cell holds)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return (moment.astimezone(web.CHILE) if moment.tzinfo else moment).replace(tzinfo=None)


def kardex_csv(rows: Sequence[inventory.KardexRow], warehouse_names: dict[str, str], sold_by: str) -> str:
    """The kardex as a CSV for a Chilean Excel: UTF-8 with a BOM, ``;`` between fields, decimal comma, pesos
    without thousands dots, dates ``dd-mm-aaaa hh:mm``, oldest movement first (:data:`KARDEX_HEADERS`)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(KARDEX_HEADERS)
    places = 3 if sold_by == "kg" else None
    for r in rows:
        writer.writerow([_local(r.occurred_at).strftime("%d-%m-%Y %H:%M"), r.document,
                         warehouse_names.get(r.warehouse_id, r.warehouse_id), r.who,
                         es_cl.number(Decimal(r.quantity), places=places, group=False),
                         es_cl.number(Decimal(r.balance), places=places, group=False), r.unit_cost, r.value])
    return "\ufeff" + out.getvalue()


def kardex_xlsx(rows: Sequence[inventory.KardexRow], warehouse_names: dict[str, str], title: str) -> bytes:
    """The kardex as an Excel workbook (openpyxl, streamed): a title row, :data:`KARDEX_HEADERS`, one typed row per
    movement, oldest first (dates as dates, quantities as numbers, pesos with a ``$`` format)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Kardex")
    sheet.append([title])
    sheet.append(list(KARDEX_HEADERS))
    formats = {0: "dd-mm-yyyy hh:mm", 4: "#,##0.###", 5: "#,##0.###", 6: '"$"#,##0', 7: '"$"#,##0'}
    for r in rows:
        values = [_local(r.occurred_at), r.document, warehouse_names.get(r.warehouse_id, r.warehouse_id), r.who,
                  Decimal(r.quantity), Decimal(r.balance), int(r.unit_cost), int(r.value)]
        cells = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(sheet, value=value)
            if i in formats:
                cell.number_format = formats[i]
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _download(body: bytes, media_type: str, filename: str) -> Response:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in filename)
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"})


@web.login_required
async def kardex_download_csv(request: Request, user: HqUser) -> Response:
    """``GET /stock/{tienda}/{sku}/kardex.csv?bodega=``: every movement, oldest first (:func:`kardex_csv`)."""
    found = await _all_kardex(request, user)
    if found is None:
        return web.not_found(request, user, "Ese producto o esa tienda")
    store, product, names, rows = found
    return _download(kardex_csv(rows, names, product["sold_by"]).encode("utf-8"), "text/csv; charset=utf-8",
                     f"kardex-{store.store_id}-{product['sku']}.csv")


@web.login_required
async def kardex_download_xlsx(request: Request, user: HqUser) -> Response:
    """``GET /stock/{tienda}/{sku}/kardex.xlsx?bodega=``: every movement, oldest first (:func:`kardex_xlsx`)."""
    found = await _all_kardex(request, user)
    if found is None:
        return web.not_found(request, user, "Ese producto o esa tienda")
    store, product, names, rows = found
    title = f"Kardex de {product['name']} ({product['sku']}) en {store.name}"
    return _download(kardex_xlsx(rows, names, title),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"kardex-{store.store_id}-{product['sku']}.xlsx")


def _describe(before: inventory.InventorySettings, after: inventory.InventorySettings) -> str:
    """The audit line of a settings change: each value that changed, before → after (Spanish)."""
    def yes(value: bool) -> str:
        return "sí" if value else "no"

    parts = []
    if before.costing != after.costing:
        parts.append(f"método de costeo {before.costing.upper()} → {after.costing.upper()} (rige desde ahora)")
    if before.store_prices != after.store_prices:
        parts.append(f"precios propios de cada tienda {yes(before.store_prices)} → {yes(after.store_prices)}")
    if before.merma_pin_above != after.merma_pin_above:
        parts.append(f"PIN de supervisor en mermas sobre {web.fmt_clp(before.merma_pin_above)} →"
                     f" {web.fmt_clp(after.merma_pin_above)}")
    return "Ajustes de inventario: " + "; ".join(parts) + "."


def _same(a: inventory.InventorySettings, b: inventory.InventorySettings) -> bool:
    return (a.costing, a.store_prices, a.merma_pin_above) == (b.costing, b.store_prices, b.merma_pin_above)


FORM_FIELDS: Final = {"costing": ("costeo", "Método de costeo"),
                      "merma_pin_above": ("pin_merma", "PIN de supervisor en mermas sobre")}
"""``inventory.SettingsError.field`` -> the form field and its label."""


@web.login_required
async def settings_page(request: Request, user: HqUser) -> Response:
    """``GET`` the tenant's inventory settings; ``POST`` (owner only: ``costeo`` ppp|fifo, ``precios_tienda``,
    ``pin_merma`` pesos) saves them, publishes them to every till (feed change ``inventory_settings``) and writes
    what changed to the audit trail, all in one transaction; nothing when nothing changed."""
    notice = params.choice_param(request.query_params, "aviso", "Aviso", NOTICES, default="")
    if request.method != "POST":
        async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
            current = await inventory.settings(conn, user.tenant_id)
        return web.render(request, "stock_settings.html", user=user, section="stock", settings=current,
                          costings=COSTING_LABELS, notice=notice, can_edit=user.can("stock", write=True))
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    costing = params.choice_param(form, "costeo", "Método de costeo", {m: m for m in COSTING_LABELS}, default="")
    if not costing:
        raise params.BadInput("costeo", "Método de costeo", "elija PPP o FIFO")
    store_prices = params.flag_param(form, "precios_tienda", "Precios propios de cada tienda")
    pin_above = params.peso_param(form, "pin_merma", "PIN de supervisor en mermas sobre")
    assert pin_above is not None  # required
    if pin_above > MAX_MERMA_PIN:
        raise params.BadInput("pin_merma", "PIN de supervisor en mermas sobre",
                              f"debe ser a lo más {web.fmt_clp(MAX_MERMA_PIN)}")
    wanted = inventory.InventorySettings(costing=costing, store_prices=store_prices, merma_pin_above=pin_above)
    now = state.clock(request)()
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        before = await inventory.settings_for_update(conn, user.tenant_id)
        if _same(before, wanted):
            return web.redirect("/stock/ajustes?aviso=sin-cambios")
        try:
            await inventory.save_settings(conn, user.tenant_id, costing=costing, store_prices=store_prices,
                                          merma_pin_above=pin_above, by=user.email, at=now)
        except inventory.SettingsError as exc:  # the store's own checks, should they ever be stricter than ours
            field, label = FORM_FIELDS.get(exc.field, (exc.field, exc.field))
            raise params.BadInput(field, label, str(exc)) from None
        await audit.record(conn, tenant_id=user.tenant_id, kind=SETTINGS_CHANGED, actor=user.email,
                           address=trail.address(request), detail=_describe(before, wanted), at=now)
    return web.redirect("/stock/ajustes?aviso=guardado")


ROUTES: Final = [
    Route("/stock", stock_page, methods=["GET"], name="stock"),
    Route("/stock/ajustes", settings_page, methods=["GET", "POST"], name="stock_settings"),
    Route("/stock/{store_id}/{sku}/kardex.csv", kardex_download_csv, methods=["GET"], name="kardex_csv"),
    Route("/stock/{store_id}/{sku}/kardex.xlsx", kardex_download_xlsx, methods=["GET"], name="kardex_xlsx"),
    Route("/stock/{store_id}/{sku}", kardex_page, methods=["GET"], name="kardex"),
]
"""The stock pages, in match order (the fixed ``ajustes`` before a store's product)."""
