"""HQ's Clientes pages (``/hq/clientes``) over real PostgreSQL and real HTTP (uvicorn), with the fiado the stores'
tills pushed and the master folded: every store's customers with balance, limit, use, days overdue and flags;
search and filters; create and edit (RUT checked); fiado enabled with a limit (owner and encargado; contador reads);
merge (refused while both owe); a customer's entries across stores and the estado de cuenta PDF (read back with
pdftotext, turned to PNG with pdftoppm); and the pages in Chromium at desktop and phone widths (screenshots)."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import psycopg_pool
import pytest

from shared import money, sync
from shared.events import envelope, sales, shifts
from shared.events import fiado as fiado_events
from syncserver.hq import auth, customers
from syncserver.store import customers as store
from tests.syncserver.dte.folio_kit import CODEC, Till
from tests.syncserver.hq.hq_support import BROWSER_MARKS, FAST, PASSWORD, SHOTS, World, sign_in

MANAGER = "juan@donpepe.cl"
ACCOUNTANT = "ana@donpepe.cl"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
"""The app's clock: 30-11-2026, 12:00 in Chile."""
MARIA, JUAN, ROSA, PEDRO = (f"0193a000-0000-7000-8000-00000000000{n}" for n in range(1, 5))


def text(html: str) -> str:
    """The visible words of a page, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def record_at(till: Till, event: Any, at: str) -> str:
    """Journal ``event`` at the till as happening at ``at`` (ISO with Chile's offset); its event id (the ledger
    entry's id)."""
    type_, version, payload = CODEC.encode(event)
    prev = till.journal[-1].hash if till.journal else envelope.GENESIS_HASH
    event_id = str(uuid.uuid4())
    till.journal.append(envelope.seal(
        event_id=event_id, tenant_id=till.tenant_id, store_id=till.store_id, terminal_id=till.terminal_id,
        epoch=till.epoch, seq=len(till.journal) + 1, occurred_at=at, type=type_, version=version, payload=payload,
        prev_hash=prev))
    return event_id


def profile(customer_id: str, name: str, rut: str = "", phone: str = "") -> fiado_events.CustomerProfileSaved:
    return fiado_events.CustomerProfileSaved(customer_id, name, rut, phone, "", "", "ana")


def fiado_sale(till: Till, customer_id: str, amount: int, balance_before: int, limit: int, at: str) -> str:
    """A sale of ``amount`` all on fiado to ``customer_id``."""
    till.number += 1
    line = sales.LineSold(1, "PAN-1", "Pan", amount, Decimal(1), "unit", False, 0, amount)
    split = money.split_iva(amount)
    sale = sales.SaleCompleted(
        sale_id=str(uuid.uuid4()), number=till.number, shift_id=f"turno-{till.store_id}", cashier_id="ana",
        lines=(line,), discount=0, total=amount, affected=amount, exento=0, neto=split.neto, iva=split.iva,
        tenders=(sales.TenderTaken("fiado", amount, amount),), rounding=0, change=0, customer_id=customer_id,
        fiado=fiado_events.FiadoCharge(amount, balance_before, limit))
    return record_at(till, sale, at)


def paid(till: Till, customer_id: str, amount: int, balance_before: int, at: str) -> str:
    return record_at(till, fiado_events.FiadoPaid(str(uuid.uuid4()), customer_id, f"turno-{till.store_id}", "ana",
                                                  "cash", amount, amount, balance_before), at)


@dataclass
class Fiado:
    """The world with fiado pushed by Centro's and Norte's tills (see :func:`fiado`)."""

    world: World
    centro: Till
    norte: Till


@pytest.fixture
def fiado(world: World) -> Fiado:
    """Centro's till creates María (RUT 12.345.678-5, limit $50.000) and Rosa; Norte's creates Juan (limit $30.000)
    and Pedro (no fiado). María is charged $12.000 at Centro (02-11) and $25.300 at Norte (10-11), pays $5.000 at
    Centro (15-11) and is charged $30.000 at Centro (18-11): each till within the limit by what it knew, together
    $62.300, over it (flagged). Juan owes $8.400 since 25-11. Rosa paid $1.500 more than she owed (saldo a favor).
    An encargado of Centro and a contador."""
    centro: Till = world.run(lambda pool: Till.enroll(pool, 1, "centro"))
    norte: Till = world.run(lambda pool: Till.enroll(pool, 1, "norte"))
    for till in (centro, norte):
        opened = shifts.ShiftOpened(shift_id=f"turno-{till.store_id}", number=1, cashier_id="ana",
                                    opening_float=10_000)
        record_at(till, opened, "2026-11-01T08:00:00-03:00")
    record_at(centro, profile(MARIA, "María González Pérez", "12345678-5", "+56 9 8765 4321"),
              "2026-11-01T09:00:00-03:00")
    record_at(centro, fiado_events.FiadoAccountSet(MARIA, True, 50_000, "pepe"), "2026-11-01T09:01:00-03:00")
    record_at(centro, profile(ROSA, "Rosa Muñoz", "9876543-3"), "2026-11-01T09:02:00-03:00")
    record_at(centro, fiado_events.FiadoAccountSet(ROSA, True, 20_000, "pepe"), "2026-11-01T09:03:00-03:00")
    fiado_sale(centro, MARIA, 12_000, 0, 50_000, "2026-11-02T11:00:00-03:00")
    fiado_sale(centro, ROSA, 3_500, 0, 20_000, "2026-11-03T11:00:00-03:00")
    paid(centro, ROSA, 5_000, 3_500, "2026-11-04T11:00:00-03:00")
    record_at(norte, profile(JUAN, "Juan Carrasco", "", "22 345 6789"), "2026-11-01T09:00:00-03:00")
    record_at(norte, fiado_events.FiadoAccountSet(JUAN, True, 30_000, "rosa"), "2026-11-01T09:01:00-03:00")
    record_at(norte, profile(PEDRO, "Pedro Soto", "", "+56 9 1111 2222"), "2026-11-01T09:02:00-03:00")
    # each till knows only its own charges (no pull): both within the limit, together over it
    fiado_sale(norte, MARIA, 25_300, 0, 50_000, "2026-11-10T11:00:00-03:00")
    paid(centro, MARIA, 5_000, 12_000, "2026-11-15T11:00:00-03:00")
    fiado_sale(centro, MARIA, 30_000, 7_000, 50_000, "2026-11-18T11:00:00-03:00")
    fiado_sale(norte, JUAN, 8_400, 0, 30_000, "2026-11-25T11:00:00-03:00")
    for till in (centro, norte):
        ack: sync.Ack = world.run(till.push)
        assert ack.quarantined == 0, world.rows("SELECT type, reason FROM quarantine WHERE tenant_id = 1 AND seq > 7")

    async def logins(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await auth.create_login(pool, 1, MANAGER, "Juan Soto", PASSWORD, FAST, role="manager")
        await auth.create_login(pool, 1, ACCOUNTANT, "Ana Rojas", PASSWORD, FAST, role="accountant")

    world.run(logins)
    world.execute("UPDATE hq_users SET stores = '{centro}' WHERE email = %s", MANAGER)
    return Fiado(world, centro, norte)


def app_at_now(world: World) -> Any:
    app = world.app()
    app.state.clock = lambda: NOW
    return app


@pytest.fixture
def http(fiado: Fiado, serve_in_thread: Any) -> Iterator[httpx.Client]:
    """A real HTTP client of the app of ``fiado`` served by uvicorn (not signed in), its clock at :data:`NOW`."""
    with serve_in_thread(app_at_now(fiado.world)) as url, httpx.Client(base_url=url, timeout=20) as client:
        yield client


def login(client: httpx.Client, email: str = "pepe@donpepe.cl") -> None:
    page = client.get("/hq/login")
    done = client.post("/hq/login", data={"csrf": World.token(page.text), "email": email, "password": PASSWORD})
    assert done.status_code == 303, done.text


def test_owner_sees_every_stores_customers_with_balance_limit_use_overdue_and_flags(http: httpx.Client) -> None:
    assert http.get("/hq/clientes").headers["location"] == "/hq/login?siguiente=%2Fhq%2Fclientes"
    login(http)
    page = http.get("/hq/clientes")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'aria-current="page">Clientes<' in page.text
    shown = text(page.text)
    # largest balance first; María's $62.300 over her $50.000 (125 %), owed since 02-11 (28 days), flagged
    assert "María González Pérez RUT 12.345.678-5 +56 9 8765 4321 $62.300 $50.000 125 % 28 Sobre el cupo" in shown
    assert "Juan Carrasco 22 345 6789 $8.400 $30.000 28 % 5 —" in shown
    assert "Pedro Soto +56 9 1111 2222 $0 sin fiado — — —" in shown
    assert "Rosa Muñoz RUT 9.876.543-3 — $1.500 a favor $20.000 0 % — —" in shown
    table = shown.split("Cliente Teléfono Saldo Cupo Uso Días vencido Alertas")[1]
    assert table.index("Juan Carrasco") < table.index("María González") < table.index("Pedro") < table.index("Rosa")
    assert "Clientes 4 2 con deuda" in shown and "Total adeudado $70.700" in shown
    assert "Alertas de fiado Sobre el cupo María González Pérez" in shown


def test_the_customer_filters(http: httpx.Client) -> None:
    login(http)
    for query in ("maria", "MARÍA gonzález", "12.345.678-5", "12345678", "87654321"):
        found = text(http.get("/hq/clientes", params={"q": query}).text)
        assert "María González Pérez" in found and "Juan Carrasco" not in found, query
    owing = text(http.get("/hq/clientes?saldo=1").text)
    assert "María González" in owing and "Juan Carrasco" in owing and "Pedro Soto" not in owing
    assert "Rosa Muñoz" in owing  # saldo a favor is a balance too
    overdue = text(http.get("/hq/clientes?deben=1").text)
    assert "María González" in overdue and "Juan Carrasco" in overdue and "Rosa Muñoz" not in overdue
    nobody = text(http.get("/hq/clientes", params={"q": "zzz"}).text)
    assert "No hay clientes con estos filtros." in nobody
    unknown = http.get("/hq/clientes?tienda=sur")
    assert unknown.status_code == 200 and "No hay una tienda con ese código" in unknown.text
    for bad, message in (("tienda=CENTRO", "«Tienda» (tienda): no es un código de tienda"),
                         ("saldo=si", "«Solo con saldo» (saldo): no es una de las opciones"),
                         ("pagina=0", "«Página» (pagina): debe estar entre 1 y 100000"),
                         ("q=" + "x" * 101, "«Buscar» (q): es demasiado largo")):
        refused = http.get("/hq/clientes?" + bad)
        assert refused.status_code == 400 and message in text(refused.text), bad


def test_a_customers_page_lists_entries_across_stores_and_the_statement_pdf(http: httpx.Client) -> None:
    login(http)
    page = http.get(f"/hq/clientes/{MARIA}")
    assert page.status_code == 200
    shown = text(page.text)
    assert "María González Pérez" in shown and "RUT 12.345.678-5 · Teléfono +56 9 8765 4321" in shown
    assert "Saldo $62.300 en todas las tiendas" in shown and "Uso del cupo 125 %" in shown
    assert "Días vencido 28 desde el 02-11-2026" in shown
    assert "Del 01-11-2026 al 30-11-2026: saldo inicial $0 , saldo final $62.300 ." in shown
    assert re.search(r"02-11-2026 11:00 Venta al fiado .*? Centro \$12\.000 \$12\.000", shown)
    assert re.search(r"10-11-2026 11:00 Venta al fiado .*? Norte \$25\.300 \$37\.300", shown)
    assert re.search(r"15-11-2026 11:00 Abono .*? Centro \$5\.000 \$32\.300", shown)
    assert re.search(r"18-11-2026 11:00 Venta al fiado .*? Centro \$30\.000 \$62\.300", shown)
    later = text(http.get(f"/hq/clientes/{MARIA}?desde=2026-11-12&hasta=2026-11-20").text)
    assert "saldo inicial $37.300 , saldo final $62.300" in later and "02-11-2026 11:00" not in later

    pdf = http.get(f"/hq/clientes/{MARIA}/estado.pdf?desde=2026-11-12&hasta=2026-11-30")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils (pdftotext)")
    words = " ".join(subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True,
                                    check=True).stdout.decode().split())
    assert "Almacenes Don Pepe · RUT 76.123.456-0 Estado de cuenta" in words
    assert "María González Pérez · RUT 12.345.678-5" in words
    assert "Período: del 12-11-2026 al 30-11-2026 · emitido el 30-11-2026 12:00" in words
    assert "Saldo inicial $37.300" in words and "Saldo final $62.300" in words
    assert "Cupo de crédito $50.000 (disponible $0)" in words
    assert "18-11-2026 Venta N° 3 Centro $30.000 $62.300" in words
    assert "30-11-2026 Saldo final $30.000 $5.000 $62.300" in words
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf_path = SHOTS / "hq_customers_estado.pdf"
    pdf_path.write_bytes(pdf.content)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(pdf_path),
                    str(SHOTS / "hq_customers_estado")], check=True)
    pdf_path.unlink()
    assert (SHOTS / "hq_customers_estado.png").stat().st_size > 10_000

    for bad, message in (("desde=2026-11-31", "«Desde» (desde): ese día no existe"),
                         ("desde=2026-11-20&hasta=2026-11-10", "«Hasta» (hasta): es anterior a «Desde»"),
                         ("desde=2020-01-01&hasta=2026-11-10", "a lo más tres años")):
        for suffix in ("", "/estado.pdf"):
            refused = http.get(f"/hq/clientes/{MARIA}{suffix}?{bad}")
            assert refused.status_code == 400 and message in text(refused.text), (bad, suffix)
    for missing in ("/hq/clientes/no-existe", "/hq/clientes/no-existe/estado.pdf", "/hq/clientes/no-existe/editar"):
        assert http.get(missing).status_code == 404, missing


def test_create_and_edit_a_customer(http: httpx.Client, fiado: Fiado) -> None:
    login(http)
    form = http.get("/hq/clientes/nuevo")
    token = World.token(form.text)
    before = fiado.world.checksum()
    for fields, message in (({"nombre": ""}, "Escriba el nombre del cliente."),
                            ({"nombre": "Ana", "rut": "12.345.678-9"}, "El RUT no es válido"),
                            ({"nombre": "Ana", "telefono": "llamar"}, "El teléfono lleva solo números"),
                            ({"nombre": "A" * 121}, "máximo 120 caracteres")):
        refused = http.post("/hq/clientes/nuevo", data={"csrf": token, **fields})
        assert refused.status_code == 422 and message in text(refused.text), fields
        assert "no se guardó nada" in refused.text
    assert http.post("/hq/clientes/nuevo", data={"nombre": "Ana"}).status_code == 403  # no CSRF
    assert fiado.world.checksum() == before

    made = http.post("/hq/clientes/nuevo", data={"csrf": token, "nombre": "  Ana   Pizarro ", "rut": "76086428-5",
                                                 "telefono": "+56 9 5555 0000", "direccion": "Los Olmos 12",
                                                 "notas": "Vecina del local"})
    assert made.status_code == 303
    location = made.headers["location"]
    assert location.startswith("/hq/clientes/") and location.endswith("?aviso=creado")
    customer_id = location.removeprefix("/hq/clientes/").split("?")[0]
    shown = text(http.get(location).text)
    assert "Cliente creado." in shown and "Ana Pizarro" in shown and "RUT 76.086.428-5" in shown
    assert "Sin fiado las cajas no le fían" in shown
    assert fiado.world.rows("SELECT name, rut, phone FROM people WHERE customer_id = %s", customer_id) == [
        ("Ana Pizarro", "76086428-5", "+56 9 5555 0000")]
    assert fiado.world.rows("SELECT count(*) FROM changes WHERE kind = 'customer' AND key = %s", customer_id)[0][0] >= 1
    assert fiado.world.rows("SELECT actor, detail FROM audit_log WHERE kind = 'customer_saved'") == [
        ("pepe@donpepe.cl", "Cliente Ana Pizarro (RUT 76.086.428-5): se creó desde HQ.")]

    edit = http.get(f"/hq/clientes/{customer_id}/editar")
    assert 'value="76.086.428-5"' in edit.text and "Vecina del local" in edit.text
    saved = http.post(f"/hq/clientes/{customer_id}/editar", data={"csrf": token, "nombre": "Ana Pizarro Rojas",
                                                                   "rut": "", "telefono": "", "direccion": "",
                                                                   "notas": ""})
    assert saved.headers["location"] == f"/hq/clientes/{customer_id}?aviso=guardado"
    assert fiado.world.rows("SELECT name, rut, phone FROM people WHERE customer_id = %s", customer_id) == [
        ("Ana Pizarro Rojas", "", "")]


def test_fiado_is_enabled_with_a_limit_by_the_owner_and_the_encargado(http: httpx.Client, fiado: Fiado) -> None:
    login(http)
    page = http.get(f"/hq/clientes/{PEDRO}")
    token = World.token(page.text)
    before = fiado.world.checksum()
    for fields, message in (({"habilitado": "1", "cupo": "0"}, "el cupo debe ser mayor que $0"),
                            ({"habilitado": "1"}, "el cupo debe ser mayor que $0"),
                            ({"habilitado": "1", "cupo": "50,5"}, "Escriba el cupo en pesos"),
                            ({"habilitado": "1", "cupo": "999.999.999"}, "a lo más $99.999.999")):
        refused = http.post(f"/hq/clientes/{PEDRO}/fiado", data={"csrf": token, **fields})
        assert refused.status_code == 422 and message in text(refused.text), fields
    assert fiado.world.checksum() == before

    saved = http.post(f"/hq/clientes/{PEDRO}/fiado", data={"csrf": token, "habilitado": "1", "cupo": "$40.000"})
    assert saved.headers["location"] == f"/hq/clientes/{PEDRO}?aviso=fiado"
    assert "Cupo $40.000 disponible $40.000" in text(http.get(f"/hq/clientes/{PEDRO}").text)
    assert fiado.world.rows("SELECT enabled, credit_limit FROM fiado_accounts WHERE customer_id = %s", PEDRO) == [
        (True, 40_000)]
    assert fiado.world.rows("SELECT detail FROM audit_log WHERE kind = 'fiado_account_set'") == [
        ("Fiado de Pedro Soto: habilitado con cupo $40.000 (antes: deshabilitado).",)]

    manager = httpx.Client(base_url=str(http.base_url), timeout=20)
    with manager:
        login(manager, MANAGER)
        page = manager.get(f"/hq/clientes/{JUAN}")
        assert page.status_code == 200 and 'name="cupo"' in page.text
        done = manager.post(f"/hq/clientes/{JUAN}/fiado", data={"csrf": World.token(page.text), "cupo": "30000"})
        assert done.status_code == 303
    assert fiado.world.rows("SELECT enabled, credit_limit FROM fiado_accounts WHERE customer_id = %s", JUAN) == [
        (False, 30_000)]


def test_the_accountant_reads_and_changes_nothing(http: httpx.Client, fiado: Fiado) -> None:
    login(http, ACCOUNTANT)
    assert "María González Pérez" in text(http.get("/hq/clientes").text)
    page = http.get(f"/hq/clientes/{MARIA}")
    assert page.status_code == 200 and 'name="cupo"' not in page.text and "solo puede ver el fiado" in page.text
    assert "Nuevo cliente" not in page.text and "/editar" not in page.text
    token = World.token(page.text)
    before = fiado.world.checksum()
    for path, fields in ((f"/hq/clientes/{MARIA}/fiado", {"habilitado": "1", "cupo": "1"}),
                         ("/hq/clientes/nuevo", {"nombre": "X"}), (f"/hq/clientes/{MARIA}/editar", {"nombre": "X"}),
                         (f"/hq/clientes/{MARIA}/fusionar", {"otro": PEDRO})):
        refused = http.post(path, data={"csrf": token, **fields})
        assert refused.status_code == 403 and "Sin permiso" in refused.text, path
    assert fiado.world.checksum() == before


def test_an_encargado_filters_only_by_his_stores(http: httpx.Client) -> None:
    login(http, MANAGER)
    page = http.get("/hq/clientes")
    assert page.status_code == 200 and '<option value="norte"' not in page.text
    refused = http.get("/hq/clientes?tienda=norte")
    assert refused.status_code == 403 and "no es una de las suyas" in refused.text
    assert http.get("/hq/clientes?tienda=centro").status_code == 200


def test_merge_two_customers_refused_while_both_owe(http: httpx.Client, fiado: Fiado) -> None:
    login(http)
    page = http.get(f"/hq/clientes/{MARIA}", params={"fusionar": "juan"})
    assert "Juan Carrasco" in text(page.text) and 'name="otro" value="' + JUAN in page.text
    token = World.token(page.text)
    before = fiado.world.checksum()
    refused = http.post(f"/hq/clientes/{MARIA}/fusionar", data={"csrf": token, "otro": JUAN})
    assert refused.status_code == 422
    assert "saldo" in text(refused.text).split("Fusionar con otro cliente")[1]
    for other, message in ((MARIA, "no se puede fusionar consigo mismo"), ("no-existe", "no existe o no pertenece")):
        answer = http.post(f"/hq/clientes/{MARIA}/fusionar", data={"csrf": token, "otro": other})
        assert answer.status_code == 422 and message in text(answer.text), other
    assert fiado.world.checksum() == before

    merged = http.post(f"/hq/clientes/{MARIA}/fusionar", data={"csrf": token, "otro": PEDRO})
    assert merged.headers["location"] == f"/hq/clientes/{MARIA}?aviso=fusionado"
    assert fiado.world.rows("SELECT alias_id, customer_id FROM customer_aliases") == [(PEDRO, MARIA)]
    shown = text(http.get(f"/hq/clientes/{MARIA}?aviso=fusionado").text)
    assert "Clientes fusionados" in shown and "Saldo $62.300" in shown
    assert fiado.world.rows("SELECT count(*) FROM audit_log WHERE kind = 'customers_merged'") == [(1,)]


def test_tenant_2_never_sees_tenant_1s_customers(http: httpx.Client) -> None:
    login(http, "rosa@esquina.cl")
    shown = text(http.get("/hq/clientes").text)
    assert "María" not in shown and "Todavía no hay clientes" in shown
    for path in (f"/hq/clientes/{MARIA}", f"/hq/clientes/{MARIA}/estado.pdf", f"/hq/clientes/{MARIA}/editar"):
        assert http.get(path).status_code == 404, path


def test_the_shown_use_of_the_limit_and_balances() -> None:
    def row(balance: int, limit: int, enabled: bool = True) -> store.CustomerRow:
        use = round(100 * balance / limit) if limit else None
        return store.CustomerRow("c", "C", "", "", "centro", True, enabled, limit, balance, use, None, None, 0)

    assert customers.shown_use(row(62_300, 50_000)) == 125
    assert customers.shown_use(row(-1_500, 20_000)) == 0  # saldo a favor
    assert customers.shown_use(row(5_000, 0)) is None and customers.shown_use(row(5_000, 10_000, False)) is None
    assert customers.fmt_balance(-1_500) == "$1.500 a favor" and customers.fmt_balance(0) == "$0"


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_customer_pages_in_chromium_at_desktop_and_phone_widths(fiado: Fiado, serve_in_thread: Any,
                                                                 browser: Any) -> None:
    from playwright.sync_api import expect

    with serve_in_thread(app_at_now(fiado.world)) as server:
        for width, height, suffix in ((1280, 900, "escritorio"), (390, 844, "telefono")):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="es-CL",
                                          device_scale_factor=1, is_mobile=width < 600, has_touch=width < 600)
            page = context.new_page()
            page.goto(server + "/hq/clientes")
            sign_in(page)
            expect(page.get_by_role("heading", name="Clientes", exact=True)).to_be_visible()
            expect(page.get_by_text("Sobre el cupo").first).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SHOTS / f"hq_customers_{suffix}.png"), full_page=True)

            page.get_by_role("link", name="María González Pérez").first.click()
            expect(page.get_by_role("heading", name="María González Pérez")).to_be_visible()
            expect(page.get_by_text("$62.300").first).to_be_visible()
            page.get_by_label("Buscar cliente a fusionar").fill("juan")
            page.get_by_role("button", name="Buscar").click()
            page.get_by_role("button", name="Fusionar Juan Carrasco en esta ficha").click()
            expect(page.get_by_role("alert").or_(page.locator(".field-error")).first).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SHOTS / f"hq_customers_ficha_{suffix}.png"), full_page=True)

            page.goto(server + "/hq/clientes/nuevo")
            page.get_by_label("Nombre").fill("Cliente de prueba")
            page.get_by_label("RUT").fill("12.345.678-9")
            page.get_by_role("button", name="Crear cliente").click()
            expect(page.get_by_text("El RUT no es válido")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"hq_customers_nuevo_{suffix}.png"), full_page=True)
            context.close()
