"""HQ's catalog import in a real Chromium (headless) at a desktop and a phone width: upload a CSV with broken rows,
see every problem in the preview, import, download the rejected rows; the product form on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.syncserver.hq.hq_support import BROWSER_MARKS, SHOTS, World, sign_in

CSV = ("sku,name,brand,category,price,sold_by,barcode,plu,iva_exempt,favourite,stock\n"
       "ALM-1,Pan Batido,,Panadería,2690,kg,,1001,0,1,\n"
       "ALM-2,Leche Descremada Colun 1 L,Colun,Lácteos,1190,unidad,7801234567894,,0,0,\n"
       "ALM-3,Queso Gauda laminado 250 g,Colun,Lácteos,3.290,unidad,7801234567890,,0,0,\n"
       "ALM-4,Arroz Grado 1 1 kg,Tucapel,Abarrotes,1490.50,unidad,,,0,0,\n"
       "ALM-5,Detergente Omo 3 kg,Omo,Limpieza,8990,unidad,,,0,0,\n"
       "ALM-6,Agua Mineral Cachantun 1.6 L,,Bebidas,990,docena,,,0,0,\n")

pytestmark = BROWSER_MARKS


@pytest.mark.parametrize("width", [1280, 390])
def test_import_preview_import_and_rejects_at_desktop_and_phone_width(world: World, server: str,
                                                                      tmp_path: Path, width: int, browser: Any) -> None:
    from playwright.sync_api import expect

    source = tmp_path / "catalogo.csv"
    source.write_text(CSV, "utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="es-CL", accept_downloads=True)
    page.goto(server + "/hq/catalogo")
    sign_in(page)
    page.get_by_role("link", name="Importar CSV o Excel").click()
    page.get_by_label("Archivo CSV o Excel (.xlsx)").set_input_files(str(source))
    page.get_by_role("button", name="Revisar el archivo").click()
    expect(page.get_by_role("heading", name="Filas con problemas")).to_be_visible()
    expect(page.get_by_text("ya es del producto LEC-1")).to_be_visible()
    expect(page.get_by_text("«docena» no es «unidad» ni «kg»")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"hq_importar_revision_{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar filas con problemas (CSV)").click()
    assert "ALM-4" in Path(download.value.path()).read_text("utf-8-sig")
    page.get_by_role("button", name="Importar 2 productos").click()
    expect(page.get_by_role("heading", name="Importación terminada")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"hq_importar_listo_{width}.png"), full_page=True)
    # the progress bar, as a long import shows it, in a second page with this session: its 1 s meta refresh would
    # abort this page's next goto (net::ERR_ABORTED) whenever the screenshot takes longer than a second
    progress = browser.new_page(viewport={"width": width, "height": 900}, locale="es-CL",
                                storage_state=page.context.storage_state())
    progress.goto(server + "/hq/catalogo/importar")
    progress.get_by_label("Archivo CSV o Excel (.xlsx)").set_input_files(str(source))
    progress.get_by_role("button", name="Revisar el archivo").click()
    # the preview must be on screen (its row written, the navigation done) before the row is set running and the
    # page reloaded: reloading a page still navigating fails with «Not attached to an active page»
    expect(progress.get_by_role("heading", name="Filas con problemas")).to_be_visible()
    progress.wait_for_load_state("load")
    world.execute("UPDATE catalog_imports SET state = 'running', total = 20000, done = 13334,"
                  " result = jsonb_build_object('started_at', now()) WHERE state = 'preview'")
    progress.reload()
    expect(progress.get_by_role("heading", name="Importando…")).to_be_visible()
    progress.screenshot(path=str(SHOTS / f"hq_importar_progreso_{width}.png"), full_page=True)
    progress.close()
    page.goto(server + "/hq/catalogo/ALM-1")
    expect(page.get_by_label("Precio (con IVA) por kilo")).to_have_value("2.690")
    page.screenshot(path=str(SHOTS / f"hq_producto_form_{width}.png"), full_page=True)
    assert world.rows("SELECT sku FROM products WHERE sku LIKE 'ALM-%%' ORDER BY sku") == [("ALM-1",), ("ALM-5",)]
