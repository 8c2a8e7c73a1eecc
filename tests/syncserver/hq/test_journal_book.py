"""HQ's Libro diario (``/hq/libros/diario``) over real PostgreSQL and real HTTP (uvicorn): the period's trial
balance and asientos as ``syncserver.store.general_journal`` builds them from the pushed events, the CSV read
back and compared, an encargado kept to his store, the contador reading, every bad period a Spanish 400; and the
page in Chromium at desktop and phone widths (screenshots, no sideways scroll, every field labelled, axe-core finding
no violation, the keyboard reaching the pickers and the download)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import psycopg
import psycopg_pool
import pytest

from shared import accounting as acc
from syncserver.hq import auth
from syncserver.store import db, general_journal
from tests.syncserver.dte.folio_kit import HQ_PASSWORD, hq_app
from tests.syncserver.hq.hq_support import BROWSER_MARKS, FAST, PASSWORD, SHOTS, World, sign_in
from tests.syncserver.store import journal_kit

MANAGER = "juan@donpepe.cl"
ACCOUNTANT = "ana@donpepe.cl"
PERIOD = "desde=2026-12-01&hasta=2026-12-03"


def text(html: str) -> str:
    """The visible words of a page, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def seeded(pg_database: str) -> journal_kit.Seeded:
    """The week of ``journal_kit`` with an encargado of norte and a contador."""
    found = journal_kit.seed(pg_database)

    async def logins(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await auth.create_login(pool, 1, MANAGER, "Juan Soto", PASSWORD, FAST, role="manager")
        await auth.create_login(pool, 1, ACCOUNTANT, "Ana Rojas", PASSWORD, FAST, role="accountant")

    found.data.run(logins)
    with psycopg.connect(found.data.admin_url) as conn:
        conn.execute("UPDATE hq_users SET stores = '{norte}' WHERE email = %s", (MANAGER,))
    return found


@pytest.fixture
def server(seeded: journal_kit.Seeded, serve_in_thread: Any) -> Iterator[str]:
    with serve_in_thread(hq_app(seeded.data)) as url:
        yield url


def login(client: httpx.Client, email: str = "pepe@donpepe.cl", password: str = HQ_PASSWORD) -> None:
    page = client.get("/hq/login")
    done = client.post("/hq/login", data={"csrf": World.token(page.text), "email": email, "password": password})
    assert done.status_code == 303, done.text


def expected(seeded: journal_kit.Seeded, stores: list[str] | None) -> list[acc.JournalLine]:
    """Every line of the period as the master books it (the store module's own test holds it to the tills' fold)."""
    async def read(pool: psycopg_pool.AsyncConnectionPool) -> list[acc.JournalLine]:
        async with db.tenant_tx(pool, 1) as conn:
            return [x async for chunk in general_journal.lines(conn, 1, date(2026, 12, 1), date(2026, 12, 3), stores)
                    for x in chunk]
    found: list[acc.JournalLine] = seeded.data.run(read)
    return found


def test_the_owner_reads_the_periods_journal_and_downloads_it(seeded: journal_kit.Seeded, server: str) -> None:
    lines = expected(seeded, None)
    debit, credit = acc.totals(lines)
    with httpx.Client(base_url=server, timeout=20) as client:
        assert client.get("/hq/libros/diario").headers["location"].startswith("/hq/login")
        login(client)
        page = client.get(f"/hq/libros/diario?{PERIOD}")
        assert page.status_code == 200
        shown = text(page.text)
        asientos = len({x.event_id for x in lines})
        assert f"01-12-2026 al 03-12-2026 en todas las tiendas: {asientos} asientos, {len(lines)} líneas" \
            in shown
        clp = lambda n: "$" + f"{n:,}".replace(",", ".")  # noqa: E731
        assert f"Total debe {clp(debit)} Total haber {clp(credit)} Diferencia $0" in shown
        for b in acc.trial_balance(lines):
            assert f"{b.account.code} {b.account.name} {clp(b.debit)} {clp(b.credit)}" in shown
        assert f"1.1.05 Clientes fiado {journal_kit.CUSTOMER_NAME} $3.000" in shown  # the auxiliary by name
        assert "2.1.01 Proveedores RUT 96.542.180-7" in shown
        download = client.get(f"/hq/libros/diario.csv?{PERIOD}")
        assert download.headers["content-type"].startswith("text/csv")
        assert 'filename="libro_diario_2026-12-01_2026-12-03.csv"' in download.headers["content-disposition"]
        assert download.content == acc.csv_bytes(lines)
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
        assert tuple(rows[0]) == acc.CSV_HEADER and rows[-1][0] == "Totales"
        assert sum(int(r[10]) for r in rows[1:-1]) == sum(int(r[11]) for r in rows[1:-1]) == debit
        books = client.get("/hq/libros?mes=2026-12&tienda=centro").text
        assert 'href="/hq/libros/diario?mes=2026-12&amp;tienda=centro"' in books
        month = text(client.get("/hq/libros/diario?mes=2026-12&tienda=centro").text)
        assert "de 01-12-2026 al 31-12-2026 en la tienda Centro" in month
        centro = text(client.get(f"/hq/libros/diario?{PERIOD}&tienda=centro").text)
        assert "en la tienda Centro" in centro
        empty = text(client.get("/hq/libros/diario?desde=2026-10-01&hasta=2026-10-31").text)
        assert "No hay ventas, compras ni movimientos de caja o de mercaderías sincronizados en 01-10-2026 al" \
            " 31-10-2026" in empty
        for query, words in (("desde=2026-12-05&hasta=2026-12-01", "posterior a la final"),
                             ("desde=2025-01-01&hasta=2026-12-31", "366 días"),
                             ("desde=2026-02-30", "ese día no existe"), ("tienda=NO VALE", "código de tienda"),
                             (f"{PERIOD}&despues=ayer", "posición de la página")):
            refused = client.get(f"/hq/libros/diario?{query}")
            assert refused.status_code == 400 and words in refused.text, query


def test_an_encargado_reads_only_his_store_and_the_contador_reads_all_a_page_at_a_time(
        seeded: journal_kit.Seeded, server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    norte = expected(seeded, ["norte"])
    every = expected(seeded, None)
    monkeypatch.setattr(general_journal, "PAGE_LINES", 5)
    with httpx.Client(base_url=server, timeout=20) as client:
        login(client, MANAGER, PASSWORD)
        shown = text(client.get(f"/hq/libros/diario?{PERIOD}").text)
        assert f"en sus tiendas: 1 asiento, {len(norte)} líneas" in shown
        assert client.get(f"/hq/libros/diario?{PERIOD}&tienda=centro").status_code == 403
        assert client.get(f"/hq/libros/diario.csv?{PERIOD}").content == acc.csv_bytes(norte)
    with httpx.Client(base_url=server, timeout=20) as client:
        login(client, ACCOUNTANT, PASSWORD)
        assert "en todas las tiendas" in text(client.get(f"/hq/libros/diario?{PERIOD}").text)
        shown_lines = 0
        href: str | None = f"/hq/libros/diario?{PERIOD}"
        while href is not None:  # «Siguientes asientos» to the last page: every line once
            page = client.get(href).text
            shown = text(page)
            assert f"de las {len(every)} líneas" in shown
            shown_lines += int(re.search(r"Se muestran (\d+) de las", shown).group(1))  # type: ignore[union-attr]
            following = re.search(r'href="([^"]+)">Siguientes asientos', page)
            href = following.group(1).replace("&amp;", "&") if following else None
        assert shown_lines == len(every)


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_the_journal_in_chromium_at_desktop_and_phone_widths(server: str, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    for width, height, suffix in ((1280, 900, "escritorio"), (390, 844, "telefono")):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="es-CL",
                                      device_scale_factor=1, is_mobile=width < 600, has_touch=width < 600)
        page = context.new_page()
        page.goto(f"{server}/hq/libros/diario?{PERIOD}")
        sign_in(page, password=HQ_PASSWORD)
        expect(page.get_by_role("heading", name="Libro diario")).to_be_visible()
        expect(page.get_by_role("heading", name="Balance de comprobación")).to_be_visible()
        for label in ("Desde", "Hasta", "Tienda"):
            expect(page.get_by_label(label, exact=True)).to_be_visible() if label != "Tienda" else \
                expect(page.get_by_label(label, exact=True)).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, suffix  # no sideways scroll
        page.screenshot(path=str(SHOTS / f"hq_libro_diario_{suffix}.png"), full_page=True)
        results = Axe().run(page)
        assert results.violations_count == 0, f"{suffix}: {results.generate_report()}"
        reached = set()
        for _ in range(40):
            page.keyboard.press("Tab")
            reached.add(page.evaluate("(document.activeElement.labels && document.activeElement.labels[0]"
                                      " ? document.activeElement.labels[0].textContent"
                                      " : document.activeElement.textContent || '').trim()"))
        assert {"Desde", "Hasta", "Tienda", "Ver", "Descargar CSV"} <= reached, reached
        context.close()
