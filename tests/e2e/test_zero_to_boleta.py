"""From nothing to an accepted boleta: an empty server database and an empty till folder; HQ in headless Chromium
creates the business, its store, the emisor and certificate, imports the CAF and a 500-product CSV, creates a
cashier with a PIN and issues an enrolment code; the till's real Qt windows run the first-run wizard, sign in with
that PIN, scan a product of the CSV and take the payment; the server's DTE scheduler signs and sends the boleta to
the SII stand-in, which accepts it, and the printed header agrees with the XML it received. Each step is
screenshotted as ``artifacts/screenshots/zero_*.png``."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import csv
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from lxml import etree
from PySide6.QtWidgets import QPushButton, QWidget

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.drivers.escpos_decode import decode
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.ui import app
from shared import rut
from syncserver import app as app_mod
from syncserver import bootstrap, sii_standin
from syncserver import settings as server_settings
from syncserver.pgcluster import LocalCluster
from tests.desktop.ui.conftest import Ui
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SAMPLES, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, holder_pfx, standin_url
from tests.syncserver.hq.hq_support import ARGS, CHROMIUM, FAST, SHOTS

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "desktop" / "demo" / "catalog.csv"
PASSWORD = "clave-segura-1"
PIN = "2468"
NS = {"s": "http://www.sii.cl/SiiDte"}

pytestmark = [pytest.mark.slow, pytest.mark.gui,
              pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")]


@dataclass
class Zero:
    url: str
    admin_url: str
    standin: sii_standin.StandIn

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def zero(cluster: LocalCluster, serve_in_thread: Any) -> Iterator[Zero]:
    """A new, empty database migrated as ``almacen server`` does on first start, its app with the DTE scheduler on
    (every 0.5 s) pointed at an SII stand-in that issued the sample CAF 39; the CAF leased whole."""
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))  # the SII knows the CAFs it issued
    with standin_url(serve_in_thread, standin) as sii_url:
        name = f"zero_{uuid.uuid4().hex[:10]}"
        admin = cluster.create_database(name)
        settings = server_settings.ServerSettings(database_url=bootstrap.migrate(admin), secret_key="test-secret",
                                                  sii_url=sii_url, dte_interval=0.5,
                                                  folio_lease_size=20, folio_low_water=2)
        hq = app_mod.create_app(settings)
        hq.state.hq_hasher = FAST
        with serve_in_thread(hq) as url:
            yield Zero(url, admin, standin)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"zero_{name}.png"), full_page=True)


def _hq(zero: Zero, tmp_path: Path) -> str:
    """Everything the owner does in HQ, from the first-run page to the enrolment code (returned)."""
    from playwright.sync_api import expect, sync_playwright

    source = tmp_path / "catalogo.csv"
    with CATALOG.open(encoding="utf-8", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    source.write_text("".join(lines[:501]), "utf-8")  # the header and the first 500 products
    pfx = tmp_path / "firma.pfx"
    pfx.write_bytes(holder_pfx())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="es-CL")
            page.goto(zero.url + "/hq/")
            expect(page.get_by_role("heading", name="Bienvenido a Almacén")).to_be_visible()
            page.get_by_label("Nombre de la empresa").fill("Almacenes Don Pepe")
            page.get_by_label("RUT de la empresa").fill(SAMPLE_RUT)  # the RUT the sample CAF was issued to
            page.get_by_label("Su nombre").fill("José Pérez")
            page.get_by_label("Correo electrónico").fill("pepe@donpepe.cl")
            page.get_by_label("Contraseña (al menos 8 caracteres)").fill(PASSWORD)
            page.get_by_label("Repita la contraseña").fill(PASSWORD)
            _shot(page, "01_primer_uso")
            page.get_by_role("button", name="Crear la empresa").click()
            expect(page.get_by_text("Su empresa quedó creada")).to_be_visible()

            page.get_by_label("Nombre", exact=True).fill("Centro")
            page.get_by_label(re.compile("^Código interno")).fill("centro")
            page.get_by_label(re.compile("^Dirección")).fill("Av. Providencia 1234")
            page.get_by_label("Comuna").fill("Providencia")
            page.get_by_label(re.compile("^Ciudad")).fill("Santiago")
            page.get_by_label(re.compile("^Código de sucursal del SII")).fill("81234567")
            page.get_by_role("button", name="Crear tienda").click()
            expect(page.get_by_text("Tienda creada")).to_be_visible()
            _shot(page, "02_tienda")

            page.goto(zero.url + "/hq/emisor")
            page.get_by_label("Razón social").fill("Almacenes Don Pepe SpA")
            page.get_by_label("Giro").fill("Venta al por menor en almacenes de barrio")
            page.get_by_label(re.compile("^Códigos de actividad")).fill("471100")
            page.get_by_label(re.compile("^Dirección")).fill("Av. Providencia 1234")
            page.get_by_label("Comuna", exact=True).fill("Providencia")
            page.get_by_label(re.compile("^Ciudad")).fill("Santiago")
            page.get_by_label(re.compile("^Código de sucursal SII")).fill("81234567")
            page.get_by_label("Fecha de la resolución del SII").fill("2024-03-15")
            page.get_by_label(re.compile("^Número de la resolución")).fill("80")
            page.get_by_role("button", name="Guardar", exact=True).click()
            expect(page.get_by_role("status").first).to_be_visible()
            page.get_by_label(re.compile("^Archivo del certificado")).set_input_files(str(pfx))
            page.get_by_label("Clave del certificado").fill(PFX_PASSWORD)
            page.get_by_role("button", name="Guardar certificado").click()
            expect(page.get_by_role("button", name="Reemplazar certificado")).to_be_visible()
            _shot(page, "03_emisor_certificado")

            page.goto(zero.url + "/hq/folios")
            page.locator("input[name=caf]").set_input_files(str(SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml"))
            page.get_by_role("button", name="Importar", exact=True).click()
            expect(page.get_by_text("CAF importado: 39:1-20")).to_be_visible()
            _shot(page, "04_folios")

            page.goto(zero.url + "/hq/catalogo")
            page.get_by_role("link", name="Importar CSV o Excel").click()
            page.get_by_label("Archivo CSV o Excel (.xlsx)").set_input_files(str(source))
            page.get_by_role("button", name="Revisar el archivo").click()
            confirm = page.get_by_role("button", name="Importar 500 productos")
            expect(confirm).to_be_visible()
            _shot(page, "05_catalogo_revision")
            confirm.click()
            expect(page.get_by_role("heading", name="Importación terminada")).to_be_visible(timeout=60000)
            _shot(page, "06_catalogo_importado")

            page.goto(zero.url + "/hq/usuarios")
            page.get_by_label("Nombre").fill("Carla Núñez")
            page.get_by_label("Cajero", exact=True).check()
            page.get_by_label("Centro", exact=True).check()
            page.get_by_label("PIN", exact=False).first.fill(PIN)
            page.get_by_label("Repita el PIN").fill(PIN)
            page.get_by_role("button", name="Crear usuario").click()
            expect(page.get_by_role("status")).to_contain_text("Usuario creado")
            _shot(page, "07_cajera")

            page.goto(zero.url + "/hq/")
            centro = page.locator("section", has=page.get_by_role("heading", name="Centro"))
            centro.get_by_placeholder("Nombre de la caja nueva").fill("Caja 1")
            centro.get_by_role("button", name="Nuevo código de enrolamiento").click()
            code = page.get_by_label("Código de enrolamiento")
            expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){2}$"))
            _shot(page, "08_codigo")
            return str(code.text_content()).strip()
        finally:
            browser.close()


def _hq_documents(zero: Zero, folio: int) -> None:
    """HQ's documents page shows the boleta as the SII accepted it."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="es-CL")
            page.goto(zero.url + "/hq/documentos")
            page.get_by_label("Correo electrónico").fill("pepe@donpepe.cl")
            page.get_by_label("Contraseña").fill(PASSWORD)
            page.get_by_role("button", name="Ingresar").click()
            row = page.locator("tr", has_text="Aceptado")
            expect(row).to_have_count(1)
            expect(row).to_contain_text(str(folio))
            _shot(page, "15_hq_documento_aceptado")
        finally:
            browser.close()


def _till_shot(widget: QWidget, name: str) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / f"zero_{name}.png"))


def test_from_an_empty_server_and_till_to_a_boleta_the_sii_accepts(qtbot, zero, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    code = _hq(zero, tmp_path)
    assert zero.rows("SELECT count(*) FROM products") == [(500,)]
    with CATALOG.open(encoding="utf-8", newline="") as f:
        product = next(r for r in list(csv.DictReader(f))[:500] if r["barcode"] and r["sold_by"] == "unit")

    printer = FakePrinter()
    s = settings_mod.TerminalSettings(data_dir=tmp_path / "till")  # an empty till folder
    term = terminal_mod.build(s, create=True, printer=printer, drawer=FakeDrawer(), hasher=FAST)
    window = None
    try:
        wizard = app.first_run_wizard(term)
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        wiz = Ui(qtbot, wizard)
        wiz.type("enroll-url", zero.url)
        wiz.type("enroll-code", code)
        _till_shot(wizard, "09_asistente")
        wiz.click("enroll-connect")
        qtbot.waitUntil(lambda: wizard.presenter.view.pulled, timeout=30000)
        assert wiz.text("enroll-count-products") == "500"
        assert wiz.text("enroll-count-users") == "1"
        assert wiz.text("enroll-count-folios") == "1"  # the CAF imported before the till existed
        _till_shot(wizard, "10_asistente_recibido")
        wiz.click("enroll-next")
        wiz.click("enroll-finish")
        assert wizard.presenter.view.done

        window = app.build_window(term)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        ui = Ui(qtbot, window)
        [carla] = [b for b in window.findChildren(QPushButton) if b.objectName().startswith("user-")
                   and b.isVisible()]
        assert carla.text().startswith("Carla Núñez")
        _till_shot(window, "11_ingreso")
        ui.sign_in(carla.objectName().removeprefix("user-"), PIN)
        ui.keypad("20000", ui.find(QWidget, "open-shift-screen"))
        ui.click("open-shift")
        ui.scan(product["barcode"])
        price = int(product["price"])
        assert ui.text("total") == f"${price:,}".replace(",", ".")
        _till_shot(window, "12_venta")
        ui.click("pay")
        pay = ui.dialog("payment-dialog")
        ui.click("exact", pay)
        ui.click("finish", pay)
        assert "Venta guardada" in ui.text("done-message", pay)
        _till_shot(pay, "13_pago")
        term.receipts.wait_idle()
        [printed] = term.printer.jobs()  # the wizard kept terminal.toml's printer: a folder of receipts
        receipt = " ".join(" ".join(decode(printed.read_bytes()).lines).split())
        ui.click("new-sale", pay)

        def accepted() -> bool:
            return zero.rows("SELECT state FROM dte_outbox WHERE tipo = 39") == [("accepted",)]

        qtbot.waitUntil(accepted, timeout=30000)
        [(folio,)] = zero.rows("SELECT folio FROM dte_outbox WHERE tipo = 39")
        assert zero.standin.documents[("76235291-5", 39, folio)].verdict.estado == "ACEPTADO"
        _till_shot(window, "14_sincronizada")
    finally:
        if window is not None:
            window.close()  # stops its sync worker before the journal closes
        term.close()

    _hq_documents(zero, folio)
    envelope = etree.fromstring(zero.standin.bodies[-1])
    em = envelope.find(".//s:Documento/s:Encabezado/s:Emisor", NS)
    car = envelope.find(".//s:Caratula", NS)
    assert em is not None and car is not None

    def text(parent: Any, name: str) -> str:
        return str(parent.findtext(f"s:{name}", namespaces=NS))

    expected = [text(em, "RznSocEmisor"), f"RUT {rut.format(text(em, 'RUTEmisor'))}", text(em, "GiroEmisor"),
                f"{text(em, 'DirOrigen')}, {text(em, 'CmnaOrigen')} · Sucursal SII {text(em, 'CdgSIISucur')}",
                f"Res. {text(car, 'NroResol')} de {text(car, 'FchResol')[:4]}"]
    assert expected[0] == "Almacenes Don Pepe SpA"
    for part in expected:
        assert part in receipt, (part, receipt)
    assert product["name"][:20] in receipt
