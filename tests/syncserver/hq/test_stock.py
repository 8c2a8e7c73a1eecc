"""HQ's Stock pages (``/hq/stock``) over real PostgreSQL and real HTTP (uvicorn): stock across stores with its
filters, alerts, values and goods in transit; a product's kardex per store (paged, CSV and XLSX); the inventory
settings (owner only, audited, published to the tills); each role seeing what it may; every bad filter a Spanish
400 page; and the pages in Chromium at desktop and phone widths (screenshots)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest

from shared.events import inventory as inventory_events
from syncserver.hq import auth, stock
from tests.syncserver.dte.folio_kit import CODEC, HQ_PASSWORD, hq_app
from tests.syncserver.hq.hq_support import BROWSER_MARKS, FAST, PASSWORD, SHOTS, World, sign_in
from tests.syncserver.ingest import back_office_kit as kit

MANAGER = "juan@donpepe.cl"
ACCOUNTANT = "ana@donpepe.cl"


def text(html: str) -> str:
    """The visible words of a page, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@dataclass(frozen=True)
class Move:
    """A stock movement as the master's fold writes it to ``kardex`` (signed quantity, the cost it carried)."""

    store: str
    warehouse: str
    sku: str
    kind: str
    quantity: str
    unit_cost: int
    document: str
    who: str
    at: str


def write_moves(world: World, tenant: int, moves: list[Move]) -> None:
    """Write ``moves`` as the fold leaves them: ``kardex`` rows with each warehouse's running balance and value,
    ``stock`` per warehouse and ``cost_state`` per store (the last cost a movement carried); products new to the
    stores of each call."""
    balance: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    store_units: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    cost: dict[tuple[str, str], int] = {}
    pos: dict[str, int] = defaultdict(int)
    with psycopg.connect(world.admin_url) as conn:
        for m in moves:
            q = Decimal(m.quantity)
            balance[(m.warehouse, m.sku)] += q
            store_units[(m.store, m.sku)] += q
            cost[(m.store, m.sku)] = m.unit_cost
            if m.store not in pos:  # after what the store's kardex holds
                found = conn.execute("SELECT COALESCE(max(pos), 0) FROM kardex WHERE tenant_id = %s AND"
                                     " store_id = %s", (tenant, m.store)).fetchone()
                pos[m.store] = int(found[0]) if found else 0
            pos[m.store] += 1
            value = int((q * m.unit_cost).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            conn.execute(
                "INSERT INTO kardex (tenant_id, store_id, pos, warehouse_id, sku, kind, quantity, balance, unit_cost,"
                " value, document, reference, who, lot, occurred_at) VALUES (%s, %s, %s,"
                " %s, %s, %s, %s, %s, %s, %s, %s, '', %s, '', %s)",
                (tenant, m.store, pos[m.store], m.warehouse, m.sku, m.kind, q, balance[(m.warehouse, m.sku)],
                 m.unit_cost, value, m.document, m.who, m.at))
        for (warehouse, sku), quantity in balance.items():
            conn.execute("INSERT INTO stock (tenant_id, warehouse_id, sku, quantity) VALUES (%s, %s, %s, %s)",
                         (tenant, warehouse, sku, quantity))
        for (store, sku), unit_cost in cost.items():
            conn.execute("INSERT INTO cost_state (tenant_id, store_id, sku, on_hand, unit_cost, state)"
                         " VALUES (%s, %s, %s, %s, %s, '{}')", (tenant, store, sku, store_units[(store, sku)],
                                                                unit_cost))


CENTRO = [
    Move("centro", "centro-bodega", "LEC-1", "compra", "24", 800, "Factura 33 N° 5.120 · 96.542.180-7", "Pepe",
         "2026-11-18T09:00:00-03:00"),
    Move("centro", "centro-bodega", "LEC-1", "traslado_salida", "-12", 800, "Traslado a Sala de ventas", "Pepe",
         "2026-11-18T09:30:00-03:00"),
    Move("centro", "centro", "LEC-1", "traslado_entrada", "12", 800, "Traslado desde Bodega", "Pepe",
         "2026-11-18T09:30:00-03:00"),
    Move("centro", "centro", "LEC-1", "venta", "-2", 800, "Boleta N° 123", "Ana", "2026-11-19T11:15:00-03:00"),
    Move("centro", "centro", "LEC-1", "merma", "-1", 800, "Merma: vencimiento", "Pepe", "2026-11-20T08:00:00-03:00"),
    Move("centro", "centro-bodega", "LEC-1", "traslado_salida", "-6", 800, "Traslado a Norte", "Pepe",
         "2026-11-20T10:00:00-03:00"),
    Move("centro", "centro", "PAN-1", "compra", "12.5", 1100, "Guía de despacho N° 88", "Pepe",
         "2026-11-20T07:00:00-03:00"),
    Move("centro", "centro", "COC-15", "compra", "30", 1200, "Factura 33 N° 77", "Pepe", "2026-11-17T12:00:00-03:00"),
]
"""Centro: 24 leches in, 12 to the sala, 2 sold, 1 lost, 6 sent to Norte: sala 9, bodega 6 (15 < its minimum of
20); 12,5 kg of bread; 30 Coca-Colas."""
NORTE = [
    Move("norte", "norte", "COC-15", "compra", "6", 1200, "Factura 33 N° 78", "Rosa", "2026-11-17T12:00:00-03:00"),
    Move("norte", "norte", "COC-15", "venta", "-8", 1200, "Boleta N° 9", "Rosa", "2026-11-20T20:00:00-03:00"),
]
"""Norte sold 8 Coca-Colas of the 6 it received: -2 (negative)."""


@pytest.fixture
def stocked(world: World) -> World:
    """``world`` with the stock of :data:`CENTRO` and :data:`NORTE`, Centro's bodega, a minimum for Centro's milk,
    6 leches in transit from Centro to Norte, and tenant 2's own stock; an encargado of Centro and a contador."""
    world.execute("INSERT INTO warehouses (tenant_id, warehouse_id, store_id, name, kind)"
                  " VALUES (1, 'centro-bodega', 'centro', 'Bodega Centro', 'bodega')")
    write_moves(world, 1, CENTRO)
    write_moves(world, 1, NORTE)
    write_moves(world, 2, [Move("esquina", "esquina", "SECRETO-2", "compra", "5", 5000, "Factura 33 N° 1",
                                "Rosa", "2026-11-19T10:00:00-03:00")])
    world.execute("INSERT INTO store_products (tenant_id, store_id, sku, min_stock) VALUES (1, 'centro', 'LEC-1', 20)")
    world.execute("INSERT INTO transfers (tenant_id, transfer_id, from_store, from_warehouse, to_store, to_warehouse,"
                  " state, sent_by, sent_at) VALUES (1, 'tr-1', 'centro', 'centro-bodega', 'norte', 'norte',"
                  " 'in_transit', 'Pepe', '2026-11-20T10:00:00-03:00')")
    world.execute("INSERT INTO transfer_lines (tenant_id, transfer_id, line_no, sku, name, quantity, unit_cost)"
                  " VALUES (1, 'tr-1', 1, 'LEC-1', 'Leche Entera Colun 1 L', 6, 800)")

    async def logins(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await auth.create_login(pool, 1, MANAGER, "Juan Soto", PASSWORD, FAST, role="manager")
        await auth.create_login(pool, 1, ACCOUNTANT, "Ana Rojas", PASSWORD, FAST, role="accountant")

    world.run(logins)
    world.execute("UPDATE hq_users SET stores = '{centro}' WHERE email = %s", MANAGER)
    return world


@pytest.fixture
def http(stocked: World, serve_in_thread: Any) -> Iterator[httpx.Client]:
    """A real HTTP client of the app of ``stocked`` served by uvicorn (not signed in)."""
    with serve_in_thread(stocked.app()) as url, httpx.Client(base_url=url, timeout=20) as client:
        yield client


def login(client: httpx.Client, email: str = "pepe@donpepe.cl") -> None:
    page = client.get("/hq/login")
    done = client.post("/hq/login", data={"csrf": World.token(page.text), "email": email, "password": PASSWORD})
    assert done.status_code == 303, done.text


def test_owner_sees_stock_across_stores_with_values_alerts_and_transit(http: httpx.Client) -> None:
    assert http.get("/hq/stock").headers["location"] == "/hq/login?siguiente=%2Fhq%2Fstock"
    login(http)
    page = http.get("/hq/stock")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'aria-current="page">Stock<' in page.text
    shown = text(page.text)
    # alerts first: Norte's negative Coca-Cola, then Centro's milk below its minimum (9 + 6 = 15 < 20) in both
    assert shown.index("Coca-Cola 1,5 L COC-15 · Bebidas Norte Sala de ventas Norte -2") < shown.index(
        "Leche Entera Colun 1 L LEC-1 · Lácteos Centro Bodega Centro 6")
    assert "Norte Sala de ventas Norte -2 — — $1.200 -$2.400 negativo" in shown
    assert "Centro Bodega Centro 6 20 — $800 $4.800 bajo el mínimo" in shown
    assert "Centro Sala de ventas Centro 9 20 — $800 $7.200 bajo el mínimo" in shown
    assert "Pan Batido PAN-1 · Panadería Centro Sala de ventas Centro 12,500 kg — — $1.100 $13.750 —" in shown
    # the 6 leches on their way to Norte: a row of their own there, and the transfer listed
    assert "Leche Entera Colun 1 L LEC-1 · Lácteos Norte Sala de ventas Norte 0 — 6 — $0 —" in shown
    assert "20-11-2026 10:00 Centro Bodega Centro Norte Sala de ventas Norte 1 $4.800 Pepe" in shown
    # each store's value at cost, alerts and value in transit to it; the total
    centro = 4_800 + 7_200 + 13_750 + 36_000
    assert f"Centro ${centro:,} 2 alertas".replace(",", ".") in shown
    assert "Norte -$2.400 1 alerta · $4.800 en tránsito hacia ella" in shown
    assert f"Total ${centro - 2_400:,} 3 alertas · $4.800 en tránsito".replace(",", ".") in shown
    assert "6 filas (producto por bodega)" in shown
    assert "Secreto" not in shown and "SECRETO" not in shown  # tenant 2's


def test_the_stock_filters(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    login(http)
    norte = text(http.get("/hq/stock?tienda=norte").text)
    assert "2 filas" in norte and "Lácteos Centro" not in norte and "Pan Batido" not in norte
    assert "Centro Bodega Centro Norte Sala de ventas Norte 1 $4.800" in norte  # the transfer to it
    assert "Norte -$2.400 1 alerta" in norte and "total-tile" not in http.get("/hq/stock?tienda=norte").text
    bodega = text(http.get("/hq/stock?bodega=centro-bodega").text)
    assert "1 fila " in bodega and "Centro Bodega Centro 6" in bodega and "Sala de ventas Centro 9" not in bodega
    dairy = text(http.get("/hq/stock?categoria=L%C3%A1cteos").text)
    assert "3 filas" in dairy and "Coca-Cola" not in dairy and "Pan Batido" not in dairy
    for query in ("leche colun", "LECHE", "colun-1", "7801234567894", "lec-1"):  # words, case, hyphens, codes
        found = text(http.get("/hq/stock", params={"q": query}).text)
        assert "3 filas" in found and "Pan Batido" not in found, query
    accents = text(http.get("/hq/stock", params={"q": "pán"}).text)
    assert "1 fila " in accents and "Pan Batido" in accents
    alerts = text(http.get("/hq/stock?alertas=1").text)
    assert "3 filas" in alerts and "Pan Batido" not in alerts and "solo con alertas" in alerts
    none = text(http.get("/hq/stock?alertas=1&tienda=centro&categoria=Panader%C3%ADa").text)
    assert "No hay productos bajo el mínimo ni con stock negativo con estos filtros." in none
    unknown = http.get("/hq/stock?tienda=sur")
    assert unknown.status_code == 200 and "No hay una tienda con ese código" in unknown.text

    monkeypatch.setattr(stock, "PAGE_SIZE", 2)  # the same process serves: pages of 2 rows
    first = http.get("/hq/stock")
    assert "Página 1 de 3" in first.text and 'href="/hq/stock?pagina=2"' in first.text
    last = text(http.get("/hq/stock?pagina=3").text)
    assert "Página 3 de 3" in last and "Pan Batido" in last and "Coca-Cola 1,5 L COC-15 · Bebidas Norte" not in last
    beyond = text(http.get("/hq/stock?pagina=9").text)
    assert "Página 3 de 3" in beyond
    kept = http.get("/hq/stock?tienda=centro&alertas=1&q=leche")
    assert "2 filas" in text(kept.text) and 'aria-label="Páginas"' not in kept.text  # one page: no pager


BAD_FILTERS = [
    ("tienda=CENTRO", "«Tienda» (tienda): no es un código de tienda"),
    ("tienda=centro&tienda=norte", "«Tienda» (tienda): viene repetido"),
    ("bodega=bodega-fantasma", "«Bodega» (bodega): no es una de las bodegas de sus tiendas"),
    ("tienda=norte&bodega=centro-bodega", "«Bodega» (bodega): no es una bodega de la tienda elegida"),
    ("categoria=Juguetes", "«Categoría» (categoria): no es una de las opciones de la lista"),
    ("alertas=si", "«Solo alertas» (alertas): no es una de las opciones de la lista"),
    ("pagina=0", "«Página» (pagina): debe estar entre 1 y 100000"),
    ("pagina=dos", "«Página» (pagina): debe ser un número entero"),
    ("pagina=%D9%A3", "«Página» (pagina): debe ser un número entero"),
    ("q=" + "x" * 101, "«Buscar» (q): es demasiado largo"),
]


@pytest.mark.parametrize(("query", "message"), BAD_FILTERS)
def test_a_bad_filter_is_a_spanish_400_page(http: httpx.Client, query: str, message: str) -> None:
    login(http)
    page = http.get("/hq/stock?" + query)
    assert page.status_code == 400, page.text
    assert "Dato inválido" in page.text and message in text(page.text)
    assert "No se cambió nada" in page.text


def test_kardex_pages_newest_first_and_downloads(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    login(http)
    page = http.get("/hq/stock/centro/LEC-1")
    assert page.status_code == 200
    shown = text(page.text)
    assert "Kardex: Leche Entera Colun 1 L" in shown and "LEC-1 · Lácteos · tienda Centro" in shown
    assert "Sala de ventas Centro 9 $7.200 al costo ($800 c/u) · bajo el mínimo" in shown
    assert "Bodega Centro 6 $4.800 al costo" in shown
    assert "6 movimientos, del más reciente al más antiguo." in shown
    assert ("20-11-2026 10:00 Traslado a Norte Bodega Centro Pepe -6 6 $800 -$4.800"
            " 20-11-2026 08:00 Merma: vencimiento Sala de ventas Centro Pepe -1 9 $800 -$800") in shown
    assert "18-11-2026 09:00 Factura 33 N° 5.120 · 96.542.180-7 Bodega Centro Pepe +24 24 $800 $19.200" in shown
    sala = text(http.get("/hq/stock/centro/LEC-1?bodega=centro").text)
    assert "3 movimientos" in sala and "Factura 33" not in sala.split("movimientos")[1]
    kg = text(http.get("/hq/stock/centro/PAN-1").text)
    assert "Guía de despacho N° 88 Sala de ventas Centro Pepe +12,500 kg 12,500 kg $1.100 $13.750" in kg

    monkeypatch.setattr(stock, "PAGE_SIZE", 4)  # the same process serves: 4 movements at a time
    first = http.get("/hq/stock/centro/LEC-1")
    assert 'href="/hq/stock/centro/LEC-1?antes=3">Más antiguos' in first.text and "Los más recientes" not in first.text
    assert "Factura 33" not in text(first.text)
    second = http.get("/hq/stock/centro/LEC-1?antes=3")
    shown = text(second.text)
    assert "Factura 33 N° 5.120" in shown and "Merma:" not in shown and "Más antiguos" not in shown
    assert 'href="/hq/stock/centro/LEC-1">↑ Los más recientes' in second.text
    sala = http.get("/hq/stock/centro/LEC-1?bodega=centro&antes=5")
    assert "Traslado desde Bodega" in text(sala.text) and "Boleta N° 123" in text(sala.text)
    assert 'href="/hq/stock/centro/LEC-1?bodega=centro">↑ Los más recientes' in sala.text

    download = http.get("/hq/stock/centro/LEC-1/kardex.csv")
    assert download.status_code == 200 and download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"] == 'attachment; filename="kardex-centro-LEC-1.csv"'
    assert download.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(stock.KARDEX_HEADERS) and len(rows) == 7  # oldest first, every movement
    assert rows[1] == ["18-11-2026 09:00", "Factura 33 N° 5.120 · 96.542.180-7", "Bodega Centro", "Pepe", "24", "24",
                       "800", "19200"]
    assert rows[-1] == ["20-11-2026 10:00", "Traslado a Norte", "Bodega Centro", "Pepe", "-6", "6", "800", "-4800"]
    bread = list(csv.reader(io.StringIO(http.get("/hq/stock/centro/PAN-1/kardex.csv").text.lstrip("\ufeff")),
                            delimiter=";"))
    assert bread[1][4:6] == ["12,500", "12,500"]

    import openpyxl

    book = http.get("/hq/stock/centro/LEC-1/kardex.xlsx?bodega=centro")
    assert book.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Kardex de Leche Entera Colun 1 L (LEC-1) en Centro"
    assert values[1] == list(stock.KARDEX_HEADERS) and len(values) == 5
    assert values[2][0].strftime("%d-%m-%Y %H:%M") == "18-11-2026 09:30"
    assert values[2][1:] == ["Traslado desde Bodega", "Sala de ventas Centro", "Pepe", 12, 12, 800, 9600]
    assert values[-1][4:] == [-1, 9, 800, -800]

    for missing in ("/hq/stock/centro/NO-EXISTE", "/hq/stock/sur/LEC-1", "/hq/stock/esquina/SECRETO-2",
                    "/hq/stock/centro/SECRETO-2/kardex.csv"):
        refused = http.get(missing)
        assert refused.status_code == 404 and "no existe o no pertenece a su empresa" in refused.text, missing
    for bad, message in (("?bodega=norte", "«Bodega» (bodega): no es una de las opciones"),
                         ("?antes=-1", "«Antes de» (antes): debe ser un número entero"),
                         ("?antes=%C2%B2", "«Antes de» (antes): debe ser un número entero"),
                         ("/kardex.csv?bodega=x&bodega=y", "«Bodega» (bodega): viene repetido")):
        refused = http.get("/hq/stock/centro/LEC-1" + bad)
        assert refused.status_code == 400 and message in text(refused.text), bad


def test_an_encargado_sees_only_his_stores(http: httpx.Client) -> None:
    login(http, MANAGER)
    shown = text(http.get("/hq/stock").text)
    assert "Leche Entera Colun 1 L" in shown and "Bodega Centro" in shown
    assert "-$2.400" not in shown and "Coca-Cola 1,5 L COC-15 · Bebidas Norte" not in shown and "4 filas" in shown
    assert '<option value="norte"' not in http.get("/hq/stock").text
    # the transfer he sent names where it went
    assert "20-11-2026 10:00 Centro Bodega Centro Norte Sala de ventas Norte 1 $4.800 Pepe" in shown
    for path in ("/hq/stock?tienda=norte", "/hq/stock?bodega=norte", "/hq/stock/norte/COC-15",
                 "/hq/stock/norte/COC-15/kardex.csv", "/hq/stock/norte/COC-15/kardex.xlsx"):
        refused = http.get(path)
        assert refused.status_code == 403 and "no es una de las suyas" in refused.text, path
    assert http.get("/hq/stock/centro/LEC-1/kardex.csv").status_code == 200
    settings = http.get("/hq/stock/ajustes")
    assert settings.status_code == 200 and "Solo el dueño de la empresa puede cambiar" in settings.text
    assert 'name="costeo"' not in settings.text
    posted = http.post("/hq/stock/ajustes", data={"csrf": World.token(settings.text), "costeo": "fifo",
                                                  "pin_merma": "1"})
    assert posted.status_code == 403


def test_the_owner_changes_the_inventory_settings(http: httpx.Client, stocked: World) -> None:
    login(http)
    page = http.get("/hq/stock/ajustes")
    assert page.status_code == 200
    shown = text(page.text)
    assert "Cambiar el método rige desde ahora" in shown and 'value="20.000"' in page.text
    assert re.search(r'value="ppp"\s+checked', page.text)
    token = World.token(page.text)
    before = stocked.checksum()
    for form, message in (({"costeo": "lifo", "pin_merma": "1"}, "«Método de costeo» (costeo)"),
                          ({"pin_merma": "1"}, "«Método de costeo» (costeo): elija PPP o FIFO"),
                          ({"costeo": "fifo", "pin_merma": "20,5"}, "«PIN de supervisor en mermas sobre» (pin_merma)"),
                          ({"costeo": "fifo", "pin_merma": ""}, "falta el monto"),
                          ({"costeo": "fifo", "pin_merma": "99.999.999"}, "debe ser a lo más $10.000.000"),
                          ({"costeo": "fifo", "pin_merma": "1", "precios_tienda": "quizas"}, "(precios_tienda)")):
        refused = http.post("/hq/stock/ajustes", data={"csrf": token, **form})
        assert refused.status_code == 400 and message in text(refused.text), form
    assert http.post("/hq/stock/ajustes", data={"costeo": "fifo", "pin_merma": "1"}).status_code == 403  # no CSRF
    assert stocked.checksum() == before

    saved = http.post("/hq/stock/ajustes", data={"csrf": token, "costeo": "fifo", "precios_tienda": "1",
                                                 "pin_merma": "$35.000"})
    assert (saved.status_code, saved.headers["location"]) == (303, "/hq/stock/ajustes?aviso=guardado")
    assert stocked.rows("SELECT costing, store_prices, merma_pin_above, updated_by FROM inventory_settings") == [
        ("fifo", True, 35_000, "pepe@donpepe.cl")]
    assert stocked.rows("SELECT tenant_id, kind, key, store_id, data FROM changes WHERE kind = 'inventory_settings'"
                        ) == [(1, "inventory_settings", "settings", None,
                               {"costing": "fifo", "store_prices": True, "merma_pin_above": 35_000})]
    assert stocked.rows("SELECT actor, detail FROM audit_log WHERE kind = 'inventory_settings_changed'") == [
        ("pepe@donpepe.cl", "Ajustes de inventario: método de costeo PPP → FIFO (rige desde ahora); precios propios"
                            " de cada tienda no → sí; PIN de supervisor en mermas sobre $20.000 → $35.000.")]
    after = text(http.get("/hq/stock/ajustes?aviso=guardado").text)
    assert "Ajustes guardados." in after and "por pepe@donpepe.cl" in after
    assert "costeo FIFO: primero en entrar" in text(http.get("/hq/stock/centro/LEC-1").text)

    again = http.post("/hq/stock/ajustes", data={"csrf": token, "costeo": "fifo", "precios_tienda": "1",
                                                 "pin_merma": "35000"})
    assert again.headers["location"] == "/hq/stock/ajustes?aviso=sin-cambios"
    assert len(stocked.rows("SELECT 1 FROM changes WHERE kind = 'inventory_settings'")) == 1
    assert len(stocked.rows("SELECT 1 FROM audit_log WHERE kind = 'inventory_settings_changed'")) == 1


def test_the_accountant_reads_everything_and_changes_nothing(http: httpx.Client, stocked: World) -> None:
    login(http, ACCOUNTANT)
    shown = text(http.get("/hq/stock").text)
    assert "Norte -$2.400" in shown and "Centro" in shown
    assert http.get("/hq/stock/norte/COC-15").status_code == 200
    page = http.get("/hq/stock/ajustes")
    assert "Solo el dueño de la empresa puede cambiar" in page.text and "<form method=\"post\" action=\"/hq/stock" \
        not in page.text
    refused = http.post("/hq/stock/ajustes", data={"csrf": World.token(page.text), "costeo": "fifo",
                                                   "pin_merma": "1"})
    assert refused.status_code == 403 and "Sin permiso" in refused.text
    assert stocked.rows("SELECT count(*) FROM inventory_settings") == [(0,)]
    assert stocked.rows("SELECT detail FROM audit_log WHERE kind = 'request_refused'")[-1][0].startswith(
        "403 POST /hq/stock/ajustes")


def test_a_product_outside_hqs_catalog_shows_with_its_kardex(http: httpx.Client, stocked: World) -> None:
    """A store's own product (not adopted by HQ yet) is listed by its SKU, and its kardex opens."""
    write_moves(stocked, 1, [Move("norte", "norte", "LOCAL-9", "compra", "3", 500, "Boleta de compra N° 4", "Rosa",
                                  "2026-11-21T09:00:00-03:00")])
    login(http)
    shown = text(http.get("/hq/stock", params={"q": "local-9"}).text)
    assert "1 fila " in shown
    assert "LOCAL-9 LOCAL-9 · no está en el catálogo de HQ Norte Sala de ventas Norte 3 — — $500 $1.500 —" in shown
    assert 'href="/hq/stock/norte/LOCAL-9"' in http.get("/hq/stock?tienda=norte").text
    kardex = text(http.get("/hq/stock/norte/LOCAL-9").text)
    assert "Kardex: LOCAL-9" in kardex and "no está en el catálogo de HQ" in kardex
    assert "21-11-2026 09:00 Boleta de compra N° 4 Sala de ventas Norte Rosa +3 3 $500 $1.500" in kardex
    assert http.get("/hq/stock/centro/LOCAL-9").status_code == 404  # no movements in Centro


def test_the_settings_page_offers_every_costing_method_the_events_know() -> None:
    assert list(stock.COSTING_LABELS) == list(inventory_events.COSTING_METHODS)


def test_tenant_2_never_sees_tenant_1s_stock(http: httpx.Client) -> None:
    login(http, "rosa@esquina.cl")
    shown = text(http.get("/hq/stock", headers={"X-Tenant-Id": "1"}).text)
    assert "Pisco Secreto Esquina" in shown and "$25.000" in shown
    for marker in ("Leche", "Centro", "Norte", "Coca-Cola 1,5 L COC"):
        assert marker not in shown
    for path in ("/hq/stock/centro/LEC-1", "/hq/stock/centro/LEC-1/kardex.csv"):
        assert http.get(path).status_code == 404
    assert http.get("/hq/stock?tienda=centro").text.count("No hay una tienda con ese código") == 1


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_stock_pages_in_chromium_at_desktop_and_phone_widths(stocked: World, serve_in_thread: Any,
                                                              browser: Any) -> None:
    from playwright.sync_api import expect

    with serve_in_thread(stocked.app()) as server:
        for width, height, suffix in ((1280, 900, "escritorio"), (390, 844, "telefono")):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="es-CL",
                                          device_scale_factor=1, is_mobile=width < 600, has_touch=width < 600)
            page = context.new_page()
            page.goto(server + "/hq/stock")
            sign_in(page)
            expect(page.get_by_role("heading", name="Stock")).to_be_visible()
            expect(page.get_by_text("bajo el mínimo").first).to_be_visible()
            page.screenshot(path=str(SHOTS / f"hq_stock_{suffix}.png"), full_page=True)

            page.get_by_label("Tienda", exact=True).select_option(label="Centro")
            page.get_by_label("Solo alertas").check()
            page.get_by_role("button", name="Ver").click()
            expect(page.get_by_text("2 filas")).to_be_visible()
            page.get_by_role("link", name="Leche Entera Colun 1 L").first.click()
            expect(page.get_by_role("heading", name="Kardex: Leche Entera Colun 1 L")).to_be_visible()
            expect(page.get_by_text("Traslado a Norte")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"hq_stock_kardex_{suffix}.png"), full_page=True)
            with page.expect_download() as download:
                page.get_by_role("link", name="Descargar Excel").click()
            assert download.value.suggested_filename == "kardex-centro-LEC-1.xlsx"

            page.goto(server + "/hq/stock/ajustes")
            expect(page.get_by_text("Cambiar el método rige desde ahora")).to_be_visible()
            if width > 600:  # the owner switches to FIFO; the phone's page then shows who changed it and when
                page.get_by_label("FIFO: primero en entrar, primero en salir").check()
                page.get_by_role("button", name="Guardar ajustes").click()
                expect(page.get_by_role("status")).to_have_text(
                    "Ajustes guardados. Las cajas los reciben en su próxima sincronización.")
            else:
                expect(page.get_by_label("FIFO: primero en entrar, primero en salir")).to_be_checked()
                expect(page.get_by_text("por pepe@donpepe.cl")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"hq_stock_ajustes_{suffix}.png"), full_page=True)
            context.close()


def test_the_stock_page_shows_what_two_stores_tills_pushed(pg_database: str, serve_in_thread: Any) -> None:
    """The real way in: Centro's till buys, sells more than its sala holds and sends goods to Norte, pushes; the
    master folds it (``syncserver.ingest``), and the Stock page and the kardex show what ``shared.inventory.fold``
    of the till's journal gives: stock per warehouse, value at the store's cost, the alert, the goods in transit."""
    data = kit.world(pg_database)
    centro = kit.enroll(data, "centro")
    centro.record(kit.purchase("ACE-1", "10", 10_000, "centro-bodega"))
    centro.record(kit.sale("ACE-1", "3"))  # sold from the sala, where nothing was moved: -3
    centro.record(kit.sent("tr-1", "centro-bodega", "norte", "norte-bodega", "ACE-1", "2", 1000))
    assert kit.push(data, centro).quarantined == 0, kit.quarantined(data)
    book = kit.book(centro, "ppp", CODEC)
    assert kit.book_stock(book) == {("centro", "ACE-1"): Decimal(-3), ("centro-bodega", "ACE-1"): Decimal(8)}
    moves = [r for r in book.kardex if r.movement.sku == "ACE-1"]
    assert [r.unit_cost for r in moves] == [1000, 1000, 1000]

    with serve_in_thread(hq_app(data)) as url, httpx.Client(base_url=url, timeout=20) as client:
        page = client.get("/hq/login")
        client.post("/hq/login", data={"csrf": World.token(page.text), "email": "pepe@donpepe.cl",
                                       "password": HQ_PASSWORD})
        shown = text(client.get("/hq/stock").text)
        assert "ACE-1 ACE-1 · no está en el catálogo de HQ Centro Sala de ventas Centro -3 — — $1.000 -$3.000" \
            " negativo" in shown
        assert "Centro Bodega Centro 8 — — $1.000 $8.000" in shown
        assert "Norte Bodega Norte 0 — 2 — $0" in shown  # on its way, not received
        assert "Centro $5.000 1 alerta" in shown and "Norte $0 sin alertas · $2.000 en tránsito hacia ella" in shown
        assert "Centro Bodega Centro Norte Bodega Norte 1 $2.000 ana" in shown
        kardex = text(client.get("/hq/stock/centro/ACE-1").text)
        assert f"{len(moves)} movimientos" in kardex
        documents = [r.movement.document for r in moves]
        assert kardex.index(documents[-1]) < kardex.index(documents[1]) < kardex.index(documents[0])  # newest first
        assert f"{moves[0].movement.document} Bodega Centro ana +10 10 $1.000 $10.000" in kardex
        assert f"{moves[1].movement.document} Sala de ventas Centro ana -3 -3 $1.000 -$3.000" in kardex
