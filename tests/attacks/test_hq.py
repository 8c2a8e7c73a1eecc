"""HQ attacked from every route of its route table (``syncserver.hq.routes``), by every role: A's dueño, contador and
encargado of centro against tenant B's ids and against each other's limits, the encargado against norte (the other
store of his own tenant), B's dueño against A's ids, and nobody signed in. A route added later is attacked at once:
its path parameters must have a victim in :data:`VICTIMS` (or be listed in :data:`NOT_IDS`), or
``test_every_route_and_parameter_is_attacked`` fails.

Each case asserts the refusal (status and Spanish message), that nothing was applied (every table's rows, but the
audit trail, the rate-limit counters and the sessions' last use, compared before and after), that no page shows the
victim's data, and that the attacker's tenant's audit trail names the account, the address and the refused address.
A request without a session, or one for a tenant no account has, belongs to no tenant: the server log has it, the
audit trail cannot (docs/security.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import httpx
import pytest
from starlette.routing import Route

from syncserver import hq
from syncserver.hq import web
from tests.attacks.attack_kit import ADDRESS, CUSTOMERS, MARKERS, RUT_B, Attack
from tests.syncserver.hq.hq_support import World

PUBLIC = {"login", "first_run", "invitation", "_missing", "static"}
"""Routes that open without a session (attacked in their own cases below)."""
NOT_IDS = {"dia", "rest", "informe"}
"""Path parameters that name no tenant's object (a day; the unknown-address catch-all; a report's name)."""
VICTIMS: dict[str, dict[str, str]] = {
    # param -> whose -> the victim's id: "B" tenant B's (for A's accounts), "A" tenant A's (for B's dueño),
    # "A2" the other store of the encargado's own tenant (only for store-scoped params)
    "store_id": {"B": "esquina", "A": "centro", "A2": "norte"},
    "terminal_id": {"B": "till:B", "A": "till:A1", "A2": "till:A2"},
    "warehouse_id": {"B": "esquina-bodega", "A": "centro-bodega", "A2": "norte-bodega"},
    "sku": {"B": "SECRETO-2", "A": "LEC-1"},
    "email": {"B": "rosa@esquina.cl", "A": "pepe@donpepe.cl"},
    "import_id": {"B": "imp-esquina", "A": "imp-norte"},
    "user_id": {"B": "u-esquina", "A": "u-norte", "A2": "u-norte"},
    "session_id": {"B": "session:B", "A": "session:A"},
    "tipo": {"B": "39", "A": "39"},
    "folio": {"B": "4242", "A": "4242"},  # no tenant holds this document
    "customer_id": {"B": CUSTOMERS["B"][0], "A": CUSTOMERS["A1"][0]},
}
HOSTILE_HEADERS = {"X-Tenant-Id": "2", "X-Tenant": "2", "X-Store": "esquina", "X-Forwarded-Host": "esquina.test"}
UPLOADS = {"certificate": "pfx", "folios": "caf", "catalog_import": "archivo"}
"""Routes that read a multipart form (a file), attacked with one."""
STORE_FILTERS = {"sales", "purchases", "stock", "customers", "books", "books_sales_csv", "books_sales_xlsx",
                 "books_purchases_csv", "books_purchases_xlsx", "books_iva_json", "journal_book", "journal_book_csv",
                 "dashboard", "dashboard_figures", "dashboard_events", "reports", "reports_csv", "reports_xlsx",
                 "reports_all_xlsx"}
"""Pages whose ``tienda`` filter an encargado is held to (another store's: 403, audited)."""
NO_ROLE = {"logout"}
"""Routes any session may use (no role check): only their CSRF token guards them."""
ATTACKERS = {"dueño A": "B", "contador A": "B", "encargado A1": "B", "dueño B": "A", "anónimo": "B"}


def methods(route: Route) -> list[str]:
    return [m for m in sorted(route.methods or ()) if m != "HEAD"]


def id_params(route: Route) -> list[str]:
    return [p for p in re.findall(r"\{(\w+)", route.path) if p not in NOT_IDS]


@dataclass(frozen=True)
class Case:
    route: str
    path: str
    method: str
    attacker: str
    victim: str  # "B", "A" or "A2"

    @property
    def id(self) -> str:
        return f"{self.method} {self.route} {self.attacker}->{self.victim}"


def cases() -> list[Case]:
    """Every (route, method) x attacker, against the other tenant's ids, and for the encargado also against the other
    store's ids where the route names a store-scoped thing."""
    found: list[Case] = []
    for route in hq.routes():
        if not isinstance(route, Route) or route.name in PUBLIC:
            continue
        for method in methods(route):
            for attacker, victim in ATTACKERS.items():
                found.append(Case(route.name, route.path, method, attacker, victim))
                if attacker == "encargado A1" and any("A2" in VICTIMS[p] for p in id_params(route)):
                    found.append(Case(route.name, route.path, method, attacker, "A2"))
    return found


def fill(attack: Attack, case: Case) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in NOT_IDS:
            return {"dia": "2026-11-20", "informe": "cajeros"}.get(name, "x")
        raw = VICTIMS[name].get(case.victim) or VICTIMS[name]["A" if case.victim == "A" else "B"]
        if raw.startswith("till:"):
            raw = attack.tills[raw[5:]].terminal_id
        elif raw.startswith("session:"):
            raw = attack.ids[f"session_{raw[8:]}"]
        return quote(raw, safe="")
    return "/hq" + re.sub(r"\{(\w+)(?::\w+)?\}", value, case.path)


def victim_tenant(case: Case) -> int:
    return 1 if case.victim in ("A", "A2") else 2


def hostile_fields(attack: Attack, case: Case) -> list[tuple[str, str]]:
    """Form or query fields naming the victim: its tenant, store, till, account."""
    store = {"B": "esquina", "A": "centro", "A2": "norte"}[case.victim]
    till = attack.tills[{"B": "B", "A": "A1", "A2": "A2"}[case.victim]].terminal_id
    return [("tenant_id", str(victim_tenant(case))), ("tienda", store), ("tiendas", store), ("store_id", store),
            ("terminal_id", till), ("cuenta", "rosa@esquina.cl" if case.victim == "B" else "pepe@donpepe.cl"),
            ("sku", "SECRETO-2"), ("nombre", "Intruso"), ("precio", "1"), ("price", "1"), ("motivo", "robo"),
            ("pin", "9999"), ("pin2", "9999"), ("rol", "owner"),
            ("otro", CUSTOMERS["B" if case.victim == "B" else "A1"][0]), ("habilitado", "1"), ("cupo", "1")]


async def send(attack: Attack, case: Case, *, csrf: bool) -> httpx.Response:
    account = attack.accounts[case.attacker]
    path, fields = fill(attack, case), hostile_fields(attack, case)
    if case.method == "GET":
        return await account.client.get(path + "?" + urlencode(fields), headers=HOSTILE_HEADERS)
    if csrf:
        fields.append(("csrf", account.token))
    if case.route in UPLOADS:  # a forged upload form: the victim's tenant and store beside the file
        data: dict[str, list[str]] = {}
        for key, value in [f for f in fields if f[0] in ("tenant_id", "tienda", "csrf")]:
            data.setdefault(key, []).append(value)
        return await account.client.post(path, data=data, headers=HOSTILE_HEADERS,
                                         files={UPLOADS[case.route]: ("archivo.xml", b"<x/>")})
    return await account.client.post(path, content=urlencode(fields).encode(), headers={
        **HOSTILE_HEADERS, "Content-Type": "application/x-www-form-urlencoded"})


def expected(case: Case, route: Route) -> tuple[int, str, str]:
    """(status, Spanish text of the page, what the audit line's detail says) the case must get."""
    if case.route in NO_ROLE:
        return 403, "Formulario vencido", "" if case.attacker == "anónimo" else "CSRF"
    if case.attacker == "anónimo":
        return 303, "", ""
    role = {"dueño A": "owner", "contador A": "accountant", "encargado A1": "manager", "dueño B": "owner"}[
        case.attacker]
    user = web.HqUser("x", 1, "x", "x", "x", role, ("centro",) if role == "manager" else ())
    path = "/hq" + route.path
    if not user.can(web.section_of(path), write=case.method != "GET"):
        return 403, "Sin permiso", "su rol"
    if case.method == "POST" and not id_params(route):
        return 403, "Formulario vencido", "CSRF"
    if role == "manager" and ("store_id" in id_params(route) or case.route in STORE_FILTERS):
        return 403, "no es una de las suyas", "tienda fuera de su alcance"
    if case.victim == "A2":
        return 403, "no es una de las suyas", "tienda fuera de su alcance"
    if id_params(route):
        return 404, "no pertenece a su empresa", "404"
    return 200, "", ""


ROUTES = {r.name: r for r in hq.routes() if isinstance(r, Route)}


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_hq_refuses_the_attack_applies_nothing_and_audits_it(attack: Attack, case: Case) -> None:
    route = ROUTES[case.route]
    status, text, audited = expected(case, route)
    before, mark = attack.snapshot(), attack.audit_mark()
    answer = attack.run(send(attack, case, csrf=bool(id_params(route))))
    where = (case.id, str(answer.request.url)[:200], answer.status_code)
    assert answer.status_code == status, (*where, answer.text[-800:])
    assert text in answer.text, where
    if status == 303:
        assert answer.headers["location"].startswith("/hq/login"), where
    elif "text/html" in answer.headers.get("content-type", ""):
        assert '<html lang="es-CL">' in answer.text, where
    else:  # a download (the catalog's CSV): the attacker's own
        assert status == 200, where
    markers = MARKERS[victim_tenant(case)] if case.victim != "A2" else ()
    if case.attacker == "encargado A1":  # whatever he asks, nothing of norte, the store that is not his
        markers += ("Caja Norte", "Cajera norte", "lista-norte")
    for marker in markers:
        assert marker not in answer.text, (*where, marker)
    account = attack.accounts[case.attacker]
    assert [t for t in attack.changed(before) if t not in attack.kept_by(account.tenant_id if account.email else None)
            ] == [], where
    lines = attack.run(attack.trail(account.tenant_id, mark)) if account.email else []
    if audited:
        hits = [e for e in lines if e.kind == "request_refused" and e.actor == account.email
                and e.address == ADDRESS and f"{status} {case.method} {answer.request.url.path}" in e.detail
                and audited.lower() in e.detail.lower()]
        assert hits, (*where, [(e.kind, e.actor, e.detail) for e in lines])
    if case.attacker != "anónimo":
        assert not attack.run(attack.trail(victim_tenant(case), mark)) or victim_tenant(case) == account.tenant_id


def test_every_route_and_parameter_is_attacked() -> None:
    """A route added to HQ gets cases from :func:`cases`; a path parameter no victim is known for fails here."""
    attacked = {(c.route, c.method) for c in cases()}
    for route in hq.routes():
        if not isinstance(route, Route) or route.name in PUBLIC:
            continue
        for method in methods(route):
            assert (route.name, method) in attacked
        for param in id_params(route):
            assert param in VICTIMS, f"{route.path}: no victim for {{{param}}}; add one to VICTIMS or NOT_IDS"
    assert len(cases()) >= 200


# -- the routes that open without a session, and the session itself ------------------------------------------------


def _forged_session(attack: Attack, victim_tenant_id: int) -> str:
    """A cookie signed with the server's real secret (the worst case: the secret leaked) naming ``victim_tenant_id``
    and an owner e-mail of that tenant, with a token the server never issued."""
    import json
    from base64 import b64encode

    from itsdangerous import TimestampSigner

    email = "rosa@esquina.cl" if victim_tenant_id == 2 else "pepe@donpepe.cl"
    session = {"tenant_id": victim_tenant_id, "email": email, "token": "t" * 43, "csrf": "c" * 43}
    return TimestampSigner("test-secret").sign(b64encode(json.dumps(session).encode())).decode()


@pytest.mark.parametrize("victim", [1, 2])
def test_a_forged_session_cookie_opens_nothing(attack: Attack, victim: int) -> None:
    """Without a session, or with one the server never stored, no tenant is known: the log has it, not a trail."""
    before, mark = attack.snapshot(), attack.audit_mark()

    async def scenario() -> list[httpx.Response]:
        assert attack.app is not None
        transport = httpx.ASGITransport(attack.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://almacen.test") as client:
            client.cookies.set("almacen_hq", _forged_session(attack, victim), domain="almacen.test", path="/hq")
            return [await client.get("/hq/ventas", headers=HOSTILE_HEADERS), await client.post(
                f"/hq/terminales/{attack.tills['B' if victim == 2 else 'A1'].terminal_id}/revocar",
                data={"csrf": "c" * 43}, headers=HOSTILE_HEADERS)]

    for answer in attack.run(scenario()):
        assert answer.status_code == 303 and answer.headers["location"].startswith("/hq/login"), answer.text[:300]
    assert attack.changed(before) == []
    assert attack.run(attack.trail(victim, mark)) == []


@pytest.mark.parametrize("attacker", ["dueño A", "contador A", "encargado A1", "anónimo"])
def test_a_wrong_password_for_tenant_bs_owner_is_refused_and_audited_in_b(attack: Attack, attacker: str) -> None:
    """A login attempt on B's owner from anywhere (another tenant's session included) is refused (401), opens
    nothing, and B's trail names the e-mail and the address."""
    account = attack.accounts[attacker]
    before, mark = attack.snapshot(), attack.audit_mark()

    async def scenario() -> httpx.Response:
        assert attack.app is not None
        transport = httpx.ASGITransport(attack.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://almacen.test") as client:
            page = await client.get("/hq/login")
            return await client.post("/hq/login", headers=HOSTILE_HEADERS, data={
                "csrf": World.token(page.text), "email": "rosa@esquina.cl", "password": f"adivino-{attacker}",
                "tenant_id": "2", "siguiente": "/hq/ventas"})

    answer = attack.run(scenario())
    assert answer.status_code == 401 and "almacen_hq" not in answer.headers.get("set-cookie", "x"), answer.text[:300]
    assert "incorrect" in answer.text.lower() or "no son correctos" in answer.text, answer.text[-1500:]
    assert [t for t in attack.changed(before) if t != "auth_hq_logins"] == []  # (its failure count)
    lines = attack.run(attack.trail(2, mark))
    assert [(e.kind, e.actor, e.address) for e in lines] == [("login_failed", "rosa@esquina.cl", ADDRESS)], lines
    assert account.email is None or attack.run(attack.trail(account.tenant_id, mark)) == []


@pytest.mark.parametrize("path", ["/hq/primer-uso", "/hq/invitacion"])
def test_first_run_and_a_guessed_invitation_code_open_nothing(attack: Attack, path: str) -> None:
    """Once a tenant exists the first-run page is gone (404: no one creates a second owner); a guessed invitation
    code opens no account (422). Neither names a tenant: the server log has them."""
    before = attack.snapshot()

    async def scenario() -> httpx.Response:
        client = attack.accounts["anónimo"].client
        page = await client.get(path + "?codigo=AAAA-BBBB")
        token = World.token(page.text) if 'name="csrf"' in page.text else attack.accounts["anónimo"].token
        return await client.post(path, headers=HOSTILE_HEADERS, data={
            "csrf": token, "codigo": "AAAA-BBBB-CCCC", "clave": "clave-segura-9", "clave2": "clave-segura-9",
            "empresa": "Toma SpA", "rut": RUT_B, "nombre": "Intruso", "correo": "x@x.cl", "tenant_id": "2"})

    answer = attack.run(scenario())
    assert answer.status_code == (404 if path.endswith("primer-uso") else 422), answer.text[-800:]
    assert '<html lang="es-CL">' in answer.text
    assert [t for t in attack.changed(before) if t != "auth_hq_logins"] == []


def test_tenant_bs_csrf_token_in_tenant_as_form_is_refused_and_audited(attack: Attack) -> None:
    """A form of A's owner carrying the CSRF token of B's session (a page of B's posting into A's session): 403,
    nothing revoked, A's trail names the account and address."""
    owner, other = attack.accounts["dueño A"], attack.accounts["dueño B"]
    before, mark = attack.snapshot(), attack.audit_mark()
    till = attack.tills["A2"].terminal_id
    answer = attack.run(owner.client.post(f"/hq/terminales/{till}/revocar", data={"csrf": other.token}))
    assert answer.status_code == 403 and "Formulario vencido" in answer.text
    assert attack.changed(before) == []
    lines = attack.run(attack.trail(1, mark))
    assert [(e.kind, e.actor, e.address) for e in lines] == [("request_refused", owner.email, ADDRESS)]
    assert "CSRF" in lines[0].detail and f"/hq/terminales/{till}/revocar" in lines[0].detail
