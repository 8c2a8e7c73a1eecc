"""HQ «Libros» (``/hq/libros``): the month's IVA summary and both books as the owner, contador and encargado see
them, and the downloads read back (csv, openpyxl, json) against folds of the pushed events; in Chromium at desktop
and phone widths (screenshots hq_books_*.png) with axe-core finding no violation and the keyboard reaching the
pickers and the downloads."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any

import httpx
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.types import ASGIApp

from shared import books
from syncserver.hq import books as hq_books
from syncserver.hq import web
from tests.syncserver.dte.folio_kit import HQ_PASSWORD, SAMPLE_RUT, hq_app, hq_login, migrated
from tests.syncserver.hq.hq_support import BROWSER_MARKS, SHOTS, accept, invite
from tests.syncserver.store import books_kit

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_libros_shows_the_months_iva_and_books_and_the_files_read_back(pg_database: str, served: Served) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})
    journal = books_kit.events()
    books_kit.seed(data, journal)
    b2 = journal["centro"][1]
    expected, credito, credito_april = books_kit.fold(journal["centro"] + journal["norte"], (61, b2.iva))
    debito = sum(iva for _, iva in expected.values())
    app = hq_app(data)

    async def scenario() -> dict[str, Any]:
        async with served(app) as client:
            assert (await client.get("/hq/libros")).status_code == 303
            await hq_login(client)
            page = await client.get("/hq/libros?mes=2025-05")
            assert page.status_code == 200 and 'aria-current="page">Libros<' in page.text
            shown = text(page.text)
            assert "Libros de mayo de 2025" in shown
            assert f"Débito fiscal (538) {web.fmt_clp(debito)}" in shown
            assert f"Crédito fiscal (537) {web.fmt_clp(credito)}" in shown
            assert f"Remanente del mes anterior {web.fmt_clp(credito_april)}" in shown
            remainder = debito - credito - credito_april
            assert (f"Remanente para el mes siguiente {web.fmt_clp(-remainder)}" if remainder < 0
                    else f"IVA a pagar {web.fmt_clp(remainder)}") in shown
            assert f"Boleta electrónica (39) {expected[39][0]}" in shown
            assert "Comercial Ñuble Ltda." in shown and "Resumen del día" in shown
            assert 'href="/hq/libros?mes=2025-05&amp;tipo=61#ventas"' in page.text
            only = text((await client.get("/hq/libros?mes=2025-05&tipo=61")).text)
            assert "Mostrando solo Nota de crédito electrónica (61)" in only and "Resumen del día" not in only
            norte = text((await client.get("/hq/libros?mes=2025-05&tienda=norte")).text)
            assert "solo de la tienda Norte" in norte and "Baca Juegos" not in norte
            assert (await client.get("/hq/libros?mes=2025-13")).status_code == 400
            assert (await client.get("/hq/libros?mes=2025-05&tipo=99")).status_code == 400
            files = {name: await client.get(f"/hq/libros/{name}?mes=2025-05") for name in
                     ("ventas.csv", "compras.csv", "ventas.xlsx", "compras.xlsx", "iva.json")}
            files["norte"] = await client.get("/hq/libros/ventas.csv?mes=2025-05&tienda=norte")
            return files

    files = asyncio.run(scenario())
    assert all(r.status_code == 200 for r in files.values())
    assert files["ventas.csv"].headers["content-disposition"] == 'attachment; filename="libro_ventas_2025-05.csv"'
    assert files["norte"].headers["content-disposition"] == 'attachment; filename="libro_ventas_2025-05_norte.csv"'

    ventas = _rows(files["ventas.csv"].content)
    assert ventas[0] == list(books.SALES_HEADER)
    folded: dict[int, list[int]] = {}
    for row in ventas[1:]:
        tipo, count, iva = int(row[1]), int(row[7]), int(row[11])
        f = folded.setdefault(tipo, [0, 0])
        f[0] += count
        f[1] += -iva if tipo == 61 else iva
    assert folded == expected
    assert [r[1] for r in _rows(files["norte"].content)[1:]] == ["39"]

    compras = _rows(files["compras.csv"].content)
    assert compras[0] == list(books.PURCHASE_HEADER)
    assert sum(-int(r[9]) if r[1] == "61" else int(r[9]) for r in compras[1:]) == credito
    assert sorted(r[1] for r in compras[1:]) == ["33", "34", "56", "61"]

    for name, rows in (("ventas.xlsx", ventas), ("compras.xlsx", compras)):
        sheet = openpyxl.load_workbook(io.BytesIO(files[name].content), read_only=True)["Libro"]
        read = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert read[1] == rows[0]
        as_text = [[v.strftime("%d/%m/%Y") if isinstance(v, datetime) else "" if v is None else str(v) for v in r]
                   for r in read[2:]]
        assert as_text == rows[1:], name

    summary = json.loads(files["iva.json"].content)
    assert (summary["debito"], summary["credito"], summary["remanente_anterior"]) == (debito, credito,
                                                                                      credito_april)
    assert summary["remainder"] == debito - credito - credito_april


JINJA_LINES = (
    '''{% macro amount(value, tag="td") %}<{{ tag }} class="num{% if value < 0 %} neg{% endif %}">{{ value|clp }}</{{ tag }}>{% endmacro %}
    <tbody>
    {% for r in sales %}
      <tr><td class="nowrap">{{ r.fecha|fecha }}</td><td>{{ tipo_names.get(r.tipo, r.tipo) }} ({{ r.tipo }})</td>
        <td class="num nowrap">{% if r.tipo == 48 %}<span class="muted">{{ r.documentos|miles }} vouchers</span>{% elif r.summary %}{{ r.folio|miles }}–{{ r.folio_hasta|miles }}<br><span class="muted">{{ r.documentos|miles }} boletas</span>{% else %}<a href="{{ base }}/documentos/{{ r.tipo }}/{{ r.folio }}.pdf">{{ r.folio|miles }}</a>{% endif %}</td>
        <td>{% if r.summary %}<span class="muted">Resumen del día</span>{% else %}{{ r.razon_social }}<br><span class="muted nowrap">RUT {{ r.rut|rut }}</span>{% endif %}</td>
        {{ amount(r.sign * r.exento) }}{{ amount(r.sign * r.neto) }}{{ amount(r.sign * r.iva) }}{{ amount(r.sign * r.total) }}
        <td class="nowrap">{% if r.ref_tipo %}{{ r.ref_tipo }} N° {{ r.ref_folio|miles }}{% endif %}</td></tr>
    {% endfor %}
    </tbody>
    <tbody>
    {% for r in purchases %}
      <tr><td class="nowrap">{{ r.fecha|fecha }}</td><td>{{ r.razon_social }}<br><span class="muted nowrap">RUT {{ r.rut|rut }}</span></td>
        <td>{{ tipo_names.get(r.tipo, r.tipo) }} ({{ r.tipo }})</td><td class="num">{{ r.folio|miles }}</td>
        {{ amount(r.sign * r.exento) }}{{ amount(r.sign * r.neto) }}{{ amount(r.sign * r.iva) }}{{ amount(r.sign * r.total) }}</tr>
    {% endfor %}
    </tbody>
''')  # noqa: E501 (the template's lines as they were)
"""books.html's lines as its Jinja loops wrote them before ``syncserver.hq.books`` wrote them in Python."""


def test_the_lines_written_in_python_are_the_jinja_loops_lines() -> None:
    day = date(2025, 5, 7)
    sales = [books.boleta_summary(39, day, 1, 1_234, 1_234, 0, 840_336, 159_664, 1_000_000, "centro"),
             books.boleta_summary(41, day, 7, 7, 1, 5_000, 0, 0, 5_000),
             books.voucher_summary(day, 12, 0, 10_084, 1_916, 12_000),
             books.SalesBookRow(33, 1_001, 1_001, 1, day, "76543210-3", 'Baca <Juegos> & "Cía"', 0, 8_403, 1_597,
                                10_000, store_id="norte"),
             books.SalesBookRow(61, 12, 12, 1, day, "76543210-3", "Comercial Ñuble", 0, 840, 160, 1_000, 33, 1_001),
             books.SalesBookRow(56, 3, 3, 1, day, "no es un rut", "O'Higgins", 100, 0, 0, 100, 61, 12),
             books.SalesBookRow(61, 4, 4, 1, day, "", "", 0, 0, 0, 0, 0, 0)]
    bought = [books.PurchaseBookRow(33, 77, day, "96511460-2", "Distribuidora <Sur>", 0, 84_034, 15_966, 0, 100_000),
              books.PurchaseBookRow(61, 8, day, "96511460-2", "Distribuidora Sur", 10, 840, 160, 5, 1_015, "centro"),
              books.PurchaseBookRow(46, 9, day, "1-9", "Feria", 0, 0, 0, 0, 0)]
    jinja = web.ENV.from_string(JINJA_LINES).render(sales=sales, purchases=bought, tipo_names=books.TIPO_NAMES)
    python = (f"    <tbody>\n{hq_books.sales_lines(sales)}    </tbody>\n"
              f"    <tbody>\n{hq_books.purchase_lines(bought)}    </tbody>\n")
    assert python == jinja + "\n"  # Jinja drops the template's last newline


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_clp_writes_pesos_as_fmt_clp(amount: int) -> None:
    assert hq_books.clp(amount) == web.fmt_clp(amount)


def test_an_encargado_sees_only_his_stores_books_and_the_contador_reads(pg_database: str, served: Served) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})
    books_kit.seed(data, books_kit.events())
    app = hq_app(data)

    async def scenario() -> None:
        async with served(app) as owner:
            await hq_login(owner)
            manager_code = await invite(owner, "ana@donpepe.cl", "Ana", "manager", ["norte"])
            accountant_code = await invite(owner, "luis@contador.cl", "Luis", "accountant")
        async with served(app) as manager:
            assert (await accept(manager, manager_code, HQ_PASSWORD)).status_code == 303
            shown = text((await manager.get("/hq/libros?mes=2025-05")).text)
            assert "Baca Juegos" not in shown and "Comercial Ñuble" not in shown
            assert (await manager.get("/hq/libros?mes=2025-05&tienda=centro")).status_code == 403
            csv_rows = _rows((await manager.get("/hq/libros/ventas.csv?mes=2025-05")).content)
            assert [r[1] for r in csv_rows[1:]] == ["39"]
        async with served(app) as accountant:
            assert (await accept(accountant, accountant_code, HQ_PASSWORD)).status_code == 303
            shown = text((await accountant.get("/hq/libros?mes=2025-05")).text)
            assert "Baca Juegos" in shown and "Comercial Ñuble" in shown
            assert (await accountant.post("/hq/libros?mes=2025-05")).status_code in (403, 405)

    asyncio.run(scenario())


@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (390, 844, "phone")])
@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_libros_in_chromium(pg_database: str, serve_in_thread: Any, width: int, height: int, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect, sync_playwright

    from tests.syncserver.hq.hq_support import ARGS, CHROMIUM, sign_in

    data = migrated(pg_database, {1: SAMPLE_RUT})
    books_kit.seed(data, books_kit.events())
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve_in_thread(hq_app(data)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="es-CL")
            page.goto(server + "/hq/libros")
            sign_in(page, password=HQ_PASSWORD)
            page.get_by_label("Mes", exact=True).fill("2025-05")
            page.get_by_role("button", name="Ver").click()
            expect(page.get_by_role("heading", name="Libros de mayo de 2025")).to_be_visible()
            expect(page.get_by_role("heading", name="Libro de ventas")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scroll"
            page.screenshot(path=str(SHOTS / f"hq_books_{name}.png"), full_page=True)
            results = Axe().run(page)
            assert results.violations_count == 0, f"{name}: {results.generate_report()}"
            reached = set()
            for _ in range(40):
                page.keyboard.press("Tab")
                reached.add(page.evaluate("(document.activeElement.labels && document.activeElement.labels[0]"
                                          " ? document.activeElement.labels[0].textContent"
                                          " : document.activeElement.textContent || '').trim()"))
            assert {"Mes", "Tienda", "Ver", "Resumen IVA (JSON)", "CSV"} <= reached, reached
            page.get_by_role("link", name="Nota de crédito electrónica (61)").first.click()
            expect(page.get_by_text("Mostrando solo Nota de crédito electrónica (61)")).to_be_visible()
        finally:
            browser.close()
