"""``/hq/clientes``: the tenant's customers and their fiado as the master folds it (``syncserver.store.customers``):
balance, limit and its use, days overdue and flags across stores; create and edit a customer, enable fiado with a
limit, merge two customers; a customer's ledger entries across stores and the estado de cuenta as a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import errors, rut
from syncserver import state
from syncserver.hq import params, statement_pdf, trail, web
from syncserver.hq.web import HqUser
from syncserver.store import audit, db, tenants
from syncserver.store import customers as store

PAGE_SIZE: Final = 50
"""Customers a page of the list shows."""
MAX_LISTED: Final = 5_000
"""Customers the list reads at most (a chain of almacenes knows a few hundred); the filters narrow it."""
MAX_PAGE: Final = 100_000
MAX_LIMIT: Final = 99_999_999
"""The highest credit limit HQ accepts (CLP): above it the amount is surely a typo."""
MAX_RANGE_DAYS: Final = 3 * 366
"""The longest period a customer's page or statement covers (three years)."""
MAX_ENTRIES: Final = 5_000
"""Entries a customer's page lists at most for its period (the PDF has them all)."""
FIELD_LIMITS: Final = {"nombre": 120, "telefono": 40, "direccion": 200, "notas": 500}
ENTRY_KINDS: Final = {"cargo": "Venta al fiado", "abono": "Abono", "devolucion": "Devolución", "reverso": "Reversa"}
"""How the page names each ledger entry kind (``shared.events.fiado.ENTRY_KINDS``)."""
FLAG_KINDS: Final = {"over_limit": "Sobre el cupo", "merge_with_balances": "Fusión con saldos"}
"""How the page names each flag the master raises (``syncserver.store.customers.flags``)."""
NOTICES: Final = {"creado": "Cliente creado. Las cajas de todas las tiendas lo reciben en su próxima sincronización.",
                  "guardado": "Cambios guardados. Las cajas los reciben en su próxima sincronización.",
                  "fiado": "Fiado guardado. Las cajas usan el cupo nuevo desde su próxima sincronización.",
                  "fusionado": "Clientes fusionados: los movimientos de ambos quedan en esta ficha."}
AUDIT_SAVED: Final = "customer_saved"
AUDIT_FIADO: Final = "fiado_account_set"
AUDIT_MERGED: Final = "customers_merged"


@dataclass(frozen=True, slots=True)
class Filters:
    """What the customers list shows: one store or all, a search (name, RUT, phone), only those with a balance
    (owed or in favour), only those who owe (an unpaid charge: ``overdue``); the page number."""

    store: str | None
    search: str
    with_balance: bool
    overdue: bool
    page: int

    def query(self, **changes: Any) -> str:
        """This filter as a query string (``changes`` replace values: ``page=2``)."""
        values = {"tienda": self.store or "", "q": self.search, "saldo": "1" if self.with_balance else "",
                  "deben": "1" if self.overdue else "", "pagina": str(self.page)}
        values.update({{"page": "pagina", "store": "tienda"}.get(k, k): str(v) for k, v in changes.items()})
        if values["pagina"] == "1":
            values["pagina"] = ""
        return urlencode({k: v for k, v in values.items() if v})


def today(request: Request) -> date:
    """The day in Chile by the app's clock."""
    return state.clock(request)().astimezone(web.CHILE).date()


def shown_use(row: store.CustomerRow) -> int | None:
    """The share of the limit in use as the pages show it: None without fiado enabled or without a limit, 0 with
    saldo a favor (``CustomerRow.use_pct`` otherwise)."""
    if not row.enabled or row.use_pct is None:
        return None
    return max(0, row.use_pct)


def fmt_balance(amount: int | None) -> str:
    """A balance: ``$12.000`` owed, ``$500 a favor`` when negative."""
    amount = int(amount or 0)
    return web.fmt_clp(amount) if amount >= 0 else f"{web.fmt_clp(-amount)} a favor"


web.ENV.filters.update(saldo=fmt_balance)


async def _stores(conn: db.Conn, user: HqUser) -> tuple[list[tenants.StoreRow], dict[str, str]]:
    """The stores the user sees, and every store's name by id (an entry made elsewhere names its store)."""
    every = await tenants.stores(conn, user.tenant_id)
    return [s for s in every if user.sees_store(s.store_id)], {s.store_id: s.name for s in every}


def _filters(request: Request, user: HqUser) -> Filters:
    """The list's query, strictly read (a store the user sees, else 403).

    Raises:
        params.BadInput: an unreadable value. params.OutsideScope: a store that is not one of an encargado's.
    """
    query = request.query_params
    return Filters(store=params.store_param(user, query),
                   search=" ".join(params.text_param(query, "q", "Buscar", max_len=100).split()),
                   with_balance=params.flag_param(query, "saldo", "Solo con saldo"),
                   overdue=params.flag_param(query, "deben", "Solo los que deben"),
                   page=params.int_param(query, "pagina", "Página", low=1, high=MAX_PAGE, default=1))


@web.login_required
async def list_page(request: Request, user: HqUser) -> Response:
    """``GET ?tienda=&q=&saldo=1&deben=1&pagina=N``: the customers by name (50 a page) with their balance across
    stores, limit, limit use, days overdue and open flags; how many owe and how much; the open flags. A store
    filter keeps the customers created there or with entries made there; an encargado filters only by his stores
    (customers are the tenant's: every till has them)."""
    chosen = _filters(request, user)
    day = today(request)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        stores, names = await _stores(conn, user)
        rows = await store.list_customers(conn, user.tenant_id, store=chosen.store, search=chosen.search,
                                          only_with_balance=chosen.with_balance, overdue_only=chosen.overdue,
                                          today=day, limit=MAX_LISTED)
        open_flags = await store.flags(conn, user.tenant_id, store=chosen.store)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(chosen.page, pages)
    flagged: dict[str, list[store.FlagRow]] = {}
    for flag in open_flags:
        flagged.setdefault(flag.customer_id, []).append(flag)
    return web.render(request, "customers.html", user=user, section="clientes", filters=chosen, stores=stores,
                      rows=rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], total=len(rows), page=page, pages=pages,
                      flagged=flagged, flags=open_flags, flag_kinds=FLAG_KINDS,
                      owed=sum(r.balance for r in rows if r.balance > 0),
                      owing=sum(1 for r in rows if r.balance > 0), use_of=shown_use, notice=_notice(request),
                      unknown_store=chosen.store is not None and chosen.store not in names,
                      can_edit=user.can("clientes", write=True))


def _notice(request: Request) -> str:
    return params.choice_param(request.query_params, "aviso", "Aviso", NOTICES, default="")


FORM_FIELDS: Final = {"name": "nombre", "rut": "rut", "phone": "telefono", "address": "direccion",
                      "notes": "notas"}
"""``store.CustomerError.field`` -> the form field it is shown under ("" and others: the name's)."""


def _profile_form(form: FormData) -> tuple[dict[str, str], dict[str, str]]:
    """The customer form's values as typed and the problems found (field -> Spanish sentence): a name is needed, a
    RUT when given must be valid (módulo 11), a phone of digits, each text within its length."""
    values = {name: params.text_param(form, name, name, max_len=limit + 50) for name, limit in FIELD_LIMITS.items()}
    values["rut"] = params.text_param(form, "rut", "RUT", max_len=20)
    values = {k: " ".join(v.split()) if k != "notas" else v.strip() for k, v in values.items()}
    problems: dict[str, str] = {}
    if not values["nombre"]:
        problems["nombre"] = "Escriba el nombre del cliente."
    for name, limit in FIELD_LIMITS.items():
        if len(values[name]) > limit:
            problems[name] = f"Es demasiado largo: máximo {limit} caracteres."
    if values["rut"]:
        try:
            values["rut"] = rut.format(values["rut"])
        except errors.InvalidRut as exc:
            problems["rut"] = f"El RUT no es válido ({exc.reason}). Déjelo vacío si no lo sabe."
    if values["telefono"] and not all(c.isdigit() or c in " +-()" for c in values["telefono"]):
        problems["telefono"] = "El teléfono lleva solo números, espacios y «+»."
    return values, problems


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


async def _save(request: Request, user: HqUser, customer_id: str | None, values: dict[str, str]
                ) -> tuple[str, dict[str, str]]:
    """Create (``customer_id`` None) or edit the customer with ``values`` and audit it, in one transaction: the
    customer's id (the survivor's when its RUT merged it into a customer the master had) and the problems the
    store's checks found (form field -> Spanish sentence; nothing saved when there are any)."""
    now = state.clock(request)()
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        try:
            saved = await store.save_customer(conn, user.tenant_id, customer_id=customer_id, name=values["nombre"],
                                              rut_text=values["rut"], phone=values["telefono"],
                                              address=values["direccion"], notes=values["notas"], by=user.email,
                                              at=now)
        except store.CustomerError as exc:
            return "", {FORM_FIELDS.get(exc.field, "nombre"): _sentence(str(exc))}
        what = "creó" if customer_id is None else "editó"
        merged = f"; su RUT ya era de otro cliente y quedó unido a él ({saved})" if saved != (
            customer_id or saved) else ""
        await audit.record(conn, tenant_id=user.tenant_id, kind=AUDIT_SAVED, actor=user.email,
                           address=trail.address(request), at=now,
                           detail=f"Cliente {values['nombre']}" + (f" (RUT {values['rut']})" if values["rut"] else "")
                                  + f": se {what} desde HQ{merged}.")
    return saved, {}


EMPTY: Final = {"nombre": "", "rut": "", "telefono": "", "direccion": "", "notas": ""}


@web.login_required
async def new_page(request: Request, user: HqUser) -> Response:
    """``GET`` an empty customer form; ``POST`` (``nombre``, ``rut``, ``telefono``, ``direccion``, ``notas``) creates
    the customer (published to every till of the tenant; a RUT another customer has joins that customer, as the
    ingest does) and opens its page."""
    if request.method != "POST":
        return web.render(request, "customer_form.html", user=user, section="clientes", form=EMPTY, problems={},
                          customer=None)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values, problems = _profile_form(form)
    customer_id = ""
    if not problems:
        customer_id, problems = await _save(request, user, None, values)
    if problems:
        return web.render(request, "customer_form.html", status=422, user=user, section="clientes", form=values,
                          problems=problems, customer=None)
    return web.redirect(f"/clientes/{web.url_part(customer_id)}?aviso=creado")


def _customer_id(request: Request) -> str:
    return params.id_param(params.path(request.path_params), "customer_id", "Cliente", max_len=params.MAX_ID)


@web.login_required
async def edit_page(request: Request, user: HqUser) -> Response:
    """``GET`` the customer's form; ``POST`` saves it (published to every till); 404 for a customer the tenant does
    not have."""
    customer_id = _customer_id(request)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        found = await store.customer(conn, user.tenant_id, customer_id, today=today(request))
    if found is None:
        return web.not_found(request, user, "El cliente")
    if request.method != "POST":
        values = {"nombre": found.row.name, "rut": web.fmt_rut(found.row.rut), "telefono": found.row.phone,
                  "direccion": found.address, "notas": found.notes}
        return web.render(request, "customer_form.html", user=user, section="clientes", form=values, problems={},
                          customer=found.row)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values, problems = _profile_form(form)
    saved = found.row.customer_id
    if not problems:
        saved, problems = await _save(request, user, found.row.customer_id, values)
    if problems:
        return web.render(request, "customer_form.html", status=422, user=user, section="clientes", form=values,
                          problems=problems, customer=found.row)
    return web.redirect(f"/clientes/{web.url_part(saved)}?aviso=guardado")


def _period(request: Request) -> tuple[date, date]:
    """The ``desde``/``hasta`` of a customer's page or statement (default: this month up to today), at most
    :data:`MAX_RANGE_DAYS` long, ``desde`` not after ``hasta``.

    Raises:
        params.BadInput: a date that does not read, or a period backwards or too long.
    """
    day = today(request)
    query = request.query_params
    start = params.date_param(query, "desde", "Desde", default=day.replace(day=1))
    end = params.date_param(query, "hasta", "Hasta", default=max(day, start))
    if start > end:
        raise params.BadInput("hasta", "Hasta", "es anterior a «Desde»")
    if (end - start).days > MAX_RANGE_DAYS:
        raise params.BadInput("hasta", "Hasta", "el período puede ser de a lo más tres años")
    return start, end


async def _detail(request: Request, user: HqUser, customer_id: str, *, status: int = 200,
                  problems: dict[str, str] | None = None, limit_text: str | None = None,
                  merge_search: str = "") -> Response:
    start, end = _period(request)
    day = today(request)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        found = await store.customer(conn, user.tenant_id, customer_id, today=day)
        if found is None:
            return web.not_found(request, user, "El cliente")
        _seen, names = await _stores(conn, user)
        row = found.row
        rows = await store.entries(conn, user.tenant_id, row.customer_id, start, end)
        statement = await store.statement(conn, user.tenant_id, row.customer_id, start, end)
        candidates: list[store.CustomerRow] = []
        if merge_search:
            candidates = [c for c in await store.list_customers(conn, user.tenant_id, search=merge_search,
                                                                today=day, limit=21)
                          if c.customer_id != row.customer_id][:20]
    running, after = statement.opening, []
    for entry in rows:  # oldest first: the balance after each, as the statement runs it
        running += entry.amount
        after.append(running)
    return web.render(request, "customer.html", status=status, user=user, section="clientes", customer=found,
                      row=row, entries=list(zip(rows, after, strict=True))[-MAX_ENTRIES:],
                      more_entries=len(rows) > MAX_ENTRIES, statement=statement, start=start, end=end,
                      flag_kinds=FLAG_KINDS, kinds=ENTRY_KINDS, store_names=names, use=shown_use(row),
                      problems=problems or {}, notice=_notice(request),
                      limit_text=limit_text if limit_text is not None else (
                          web.fmt_int(row.credit_limit) if row.credit_limit else ""),
                      merge_search=merge_search, candidates=candidates, can_edit=user.can("clientes", write=True))


@web.login_required
async def customer_page(request: Request, user: HqUser) -> Response:
    """``GET ?desde=&hasta=&fusionar=texto``: the customer's profile, fiado account (balance across stores, limit,
    use, days overdue), flags, its ledger entries of the period (of every store, with the balance after each), the
    statement's opening and closing; ``fusionar`` lists other customers to merge into this one. A merged
    customer's address shows its survivor; 404 for a customer the tenant does not have."""
    search = " ".join(params.text_param(request.query_params, "fusionar", "Buscar cliente a fusionar",
                                        max_len=100).split())
    return await _detail(request, user, _customer_id(request), merge_search=search)


@web.login_required
async def fiado_form(request: Request, user: HqUser) -> Response:
    """``POST`` ``habilitado`` (check box) and ``cupo`` (pesos): enables fiado with that limit (> 0) or disables it
    (the limit kept); published to every till, audited. A limit of zero (or none) with fiado enabled is refused."""
    customer_id = _customer_id(request)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    enabled = params.flag_param(form, "habilitado", "Fiado habilitado")
    typed = params.text_param(form, "cupo", "Cupo", max_len=20)
    problem = ""
    limit = 0
    try:
        limit = params.peso_param(form, "cupo", "Cupo", required=False) or 0
    except params.BadInput:
        problem = "Escriba el cupo en pesos, sin decimales: por ejemplo 50000 o 50.000."
    if not problem and enabled and limit <= 0:
        problem = "Para fiar, el cupo debe ser mayor que $0."
    elif not problem and limit > MAX_LIMIT:
        problem = f"El cupo puede ser a lo más {web.fmt_clp(MAX_LIMIT)}."
    if problem:
        return await _detail(request, user, customer_id, status=422, problems={"cupo": problem}, limit_text=typed)
    now = state.clock(request)()
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        found = await store.customer(conn, user.tenant_id, customer_id, today=today(request))
        if found is None:
            return web.not_found(request, user, "El cliente")
        row = found.row
        try:
            await store.set_limit(conn, user.tenant_id, row.customer_id, enabled=enabled, credit_limit=limit,
                                  by=user.email, at=now)
        except store.CustomerError as exc:
            problem = _sentence(str(exc))
        else:
            before = f"habilitado con cupo {web.fmt_clp(row.credit_limit)}" if row.enabled else "deshabilitado"
            after = f"habilitado con cupo {web.fmt_clp(limit)}" if enabled else "deshabilitado"
            await audit.record(conn, tenant_id=user.tenant_id, kind=AUDIT_FIADO, actor=user.email,
                               address=trail.address(request), at=now,
                               detail=f"Fiado de {row.name}: {after} (antes: {before}).")
    if problem:
        return await _detail(request, user, customer_id, status=422, problems={"cupo": problem}, limit_text=typed)
    return web.redirect(f"/clientes/{web.url_part(row.customer_id)}?aviso=fiado")


@web.login_required
async def merge_form(request: Request, user: HqUser) -> Response:
    """``POST`` ``otro`` (a customer id): merges that customer into this one (this one survives; the other becomes
    its alias, both histories kept), published to every till, audited. Refused with a Spanish message when both
    have an open balance, when ``otro`` is this customer or not one of the tenant's."""
    customer_id = _customer_id(request)
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    now = state.clock(request)()
    problem = ""
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        keep = await store.customer(conn, user.tenant_id, customer_id, today=today(request))
        if keep is None:
            return web.not_found(request, user, "El cliente")
        other = params.id_param(form, "otro", "Cliente a fusionar", max_len=params.MAX_ID)
        drop = await store.customer(conn, user.tenant_id, other, today=today(request))
        if drop is None:
            problem = "El cliente a fusionar no existe o no pertenece a su empresa."
        elif drop.row.customer_id == keep.row.customer_id:
            problem = "Un cliente no se puede fusionar consigo mismo: elija otro."
        else:
            try:
                await store.merge(conn, user.tenant_id, keep.row.customer_id, drop.row.customer_id, by=user.email,
                                  at=now)
            except store.CustomerError as exc:
                problem = _sentence(str(exc))
            else:
                await audit.record(conn, tenant_id=user.tenant_id, kind=AUDIT_MERGED, actor=user.email,
                                   address=trail.address(request), at=now,
                                   detail=f"Cliente {drop.row.name} ({drop.row.customer_id}) fusionado en"
                                          f" {keep.row.name} ({keep.row.customer_id}) desde HQ.")
    if problem:
        return await _detail(request, user, customer_id, status=422, problems={"fusion": problem})
    return web.redirect(f"/clientes/{web.url_part(keep.row.customer_id)}?aviso=fusionado")


@web.login_required
async def statement_download(request: Request, user: HqUser) -> Response:
    """``GET /clientes/{id}/estado.pdf?desde=&hasta=``: the estado de cuenta of the period as a PDF
    (:func:`syncserver.hq.statement_pdf.render`): opening balance, each entry of every store (named), closing
    balance."""
    customer_id = _customer_id(request)
    start, end = _period(request)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        found = await store.customer(conn, user.tenant_id, customer_id, today=today(request))
        if found is None:
            return web.not_found(request, user, "El cliente")
        statement = await store.statement(conn, user.tenant_id, found.row.customer_id, start, end)
        entries = await store.entries(conn, user.tenant_id, found.row.customer_id, start, end)
        _seen, names = await _stores(conn, user)
    row = found.row
    stores = {e.entry_id: names.get(e.store_id, e.store_id) for e in entries}
    printed = state.clock(request)().astimezone(web.CHILE).replace(tzinfo=None)
    heading = statement_pdf.Heading(business=user.tenant_name, business_rut=web.fmt_rut(user.tenant_rut),
                                    customer=row.name, customer_rut=web.fmt_rut(row.rut), phone=row.phone,
                                    start=start, end=end, printed_at=printed, fiado_enabled=row.enabled,
                                    credit_limit=row.credit_limit)
    name = f"estado-de-cuenta-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return Response(statement_pdf.render(heading, statement, stores), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store",
                             "X-Content-Type-Options": "nosniff"})


ROUTES: Final = [
    Route("/clientes", list_page, methods=["GET"], name="customers"),
    Route("/clientes/nuevo", new_page, methods=["GET", "POST"], name="customer_new"),
    Route("/clientes/{customer_id}/editar", edit_page, methods=["GET", "POST"], name="customer_edit"),
    Route("/clientes/{customer_id}/fiado", fiado_form, methods=["POST"], name="customer_fiado"),
    Route("/clientes/{customer_id}/fusionar", merge_form, methods=["POST"], name="customer_merge"),
    Route("/clientes/{customer_id}/estado.pdf", statement_download, methods=["GET"], name="customer_statement"),
    Route("/clientes/{customer_id}", customer_page, methods=["GET"], name="customer"),
]
"""The customers' pages, in match order (the fixed ``nuevo`` before a customer's id)."""
