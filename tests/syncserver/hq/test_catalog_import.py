"""HQ's catalog over ASGI: products created, edited, deactivated and brought back; search as the till; the import
(upload, preview with every row's problems, all-or-nothing write, rejected rows file) and the export."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import openpyxl
from starlette.types import ASGIApp

from shared import catalog_import as ci
from syncserver import catalog_import
from tests.syncserver.hq.hq_support import World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
HEADER = "sku,name,brand,category,price,sold_by,barcode,plu,iva_exempt,favourite,stock\n"


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def upload(client: object, data: bytes, filename: str, encoding: str = "utf-8") -> object:
    page = await client.get("/hq/catalogo/importar")  # type: ignore[attr-defined]
    return await client.post("/hq/catalogo/importar", data={"csrf": World.token(page.text), "codificacion": encoding},  # type: ignore[attr-defined]
                             files={"archivo": (filename, data)})


def test_products_created_edited_deactivated_and_found_as_the_till_finds_them(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            page = await client.get("/hq/catalogo/nuevo")
            form = {"csrf": World.token(page.text), "completo": "1", "sku": "CHO-1", "name": "Chocolate Sahne-Nuss",
                    "brand": "Nestlé", "category": "Confites", "price": "1.490", "sold_by": "unit",
                    "barcode": "7801234567894", "plu": "", "cost": "900", "favourite": "1"}
            taken = await client.post("/hq/catalogo/nuevo", data=form)
            assert taken.status_code == 422 and "ya es del producto LEC-1" in taken.text
            created = await client.post("/hq/catalogo/nuevo", data={**form, "barcode": "78012349\n7802000000003"})
            assert created.status_code == 303, text(created.text)
            again = await client.post("/hq/catalogo/nuevo", data={**form, "barcode": ""})
            assert again.status_code == 422 and "Ya existe un producto con el código CHO-1" in again.text
            bad = await client.post("/hq/catalogo/nuevo", data={**form, "sku": "X-2", "price": "1490,5",
                                                                   "barcode": "7801234567890"})
            assert bad.status_code == 422 and "dígito verificador incorrecto" in bad.text and "solo números" in bad.text
            for query in ("sahne nuss", "SAHNE-NUSS", "nestle", "choco sah", "78012349", "cho-1"):
                assert "Chocolate Sahne-Nuss" in (await client.get(f"/hq/catalogo?q={query}")).text, query
            assert "0 productos" in text((await client.get("/hq/catalogo?q=nuss sahnex")).text)
            product = await client.get("/hq/catalogo/CHO-1")
            token = World.token(product.text)
            refused = await client.post("/hq/catalogo/CHO-1/desactivar", data={"csrf": token, "motivo": " "})
            assert "Escriba el motivo" in (await client.get(refused.headers["location"])).text
            await client.post("/hq/catalogo/CHO-1/desactivar", data={"csrf": token, "motivo": "descontinuado"})
            shown = text((await client.get("/hq/catalogo/CHO-1")).text)
            assert "Producto desactivado" in shown and "José Pérez" in shown and "«descontinuado»" in shown
            await client.post("/hq/catalogo/CHO-1/desactivar", data={"csrf": token, "reactivar": "1"})
            await client.post("/hq/catalogo/CHO-1/tiendas", data={"csrf": token, "precio_norte": "1.590",
                                                                   "minimo_norte": "4", "precio_centro": ""})
            cats = await client.get("/hq/catalogo/categorias")
            assert "Confites" in cats.text

    asyncio.run(scenario())
    assert world.rows("SELECT active, deactivated_by, version, cost FROM products WHERE sku = 'CHO-1'") == [
        (True, None, 3, 900)]
    changes = world.rows("SELECT store_id, data->>'price', data->>'active' FROM changes WHERE tenant_id = 1"
                         " AND key = 'CHO-1' ORDER BY change_id")
    assert changes == [(None, "1490", "true"), (None, "1490", "false"), (None, "1490", "true"), (None, "1490", "true"),
                       ("norte", "1590", "true")]
    assert world.rows("SELECT code FROM product_barcodes WHERE sku = 'CHO-1' ORDER BY code") == [
        ("78012349",), ("7802000000003",)]


def test_import_preview_then_all_accepted_rows_at_once_and_a_file_of_the_rejected(world: World,
                                                                                  served: Served) -> None:
    rows = [f"IMP-{i:05d},Producto {i},,Nueva {i % 3},{1000 + i},unidad,,,0,0,\n" for i in range(10_000)]
    rows[10] = "IMP-00010,Producto roto,,Nueva 1,12.5,unidad,,,0,0,\n"
    rows[20] = "IMP-00020,Con código ajeno,,Nueva 1,100,unidad,7801234567894,,0,0,\n"  # LEC-1's barcode
    rows[30] = "IMP-00001,Repetido,,Nueva 1,100,unidad,,,0,0,\n"
    rows[40] = "IMP-00040,Mal código,,Nueva 1,100,unidad,7801234567890,,0,0,\n"
    data = (HEADER + "".join(rows)).encode()

    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            opened = await upload(client, data, "catalogo.csv")
            assert opened.status_code == 303
            review = await client.get(opened.headers["location"])
            shown = text(review.text)
            assert "Filas en el archivo 10.000" in shown and "Se importarán 9.996" in shown
            assert "Con problemas (no se importan) 4" in shown and "Nueva 0, Nueva 1, Nueva 2" in shown
            assert "ya es del producto LEC-1" in shown and "ya está en la fila 3" in shown
            # a preview writes nothing
            assert world.rows("SELECT count(*) FROM products WHERE sku LIKE 'IMP-%%'") == [(0,)]
            rejected = await client.get(opened.headers["location"] + "/rechazadas.csv")
            lines = rejected.content.decode("utf-8-sig").splitlines()
            assert len(lines) == 5 and lines[1].startswith("12,\"price: el precio «12.5» no es un número entero")
            done = await client.post(opened.headers["location"], data={
                "csrf": World.token(review.text), "accion": "importar", "crear_categorias": "1",
                **{f"col_{f}": str(i) for i, f in enumerate(ci.FIELDS[:10])}})
            result = text((await client.get(done.headers["location"])).text)
            assert "9.996 productos nuevos, 0 actualizados" in result and "4 filas no se importaron" in result
            export = await client.get("/hq/catalogo/exportar.csv")
            table = ci.read_csv(export.content)
            assert table.headers == ci.FIELDS and len(table.rows) == 9_996 + 3

    asyncio.run(scenario())
    assert world.rows("SELECT count(*) FROM products WHERE tenant_id = 1 AND sku LIKE 'IMP-%%'") == [(9_996,)]
    assert world.rows("SELECT count(*) FROM changes WHERE tenant_id = 1 AND key LIKE 'IMP-%%'") == [(9_996,)]
    assert world.rows("SELECT count(*) FROM categories WHERE tenant_id = 1 AND name LIKE 'Nueva %%'") == [(3,)]
    [(data,)] = world.rows("SELECT data FROM changes WHERE tenant_id = 1 AND key = 'IMP-00002'")
    from datetime import datetime

    changed_at = datetime.fromisoformat(data.pop("changed_at"))  # when the import ran, as HQ's clock said
    assert changed_at.tzinfo is not None
    assert data == {"sku": "IMP-00002", "name": "Producto 2", "price": 1002, "category": "Nueva 2", "sold_by": "unit",
                    "plu": None, "brand": "", "barcodes": [], "iva_exempt": False, "favourite": False, "active": True,
                    "version": 1, "changed_by": "pepe@donpepe.cl"}  # products.feed_data's shape


def test_bad_files_are_refused_in_spanish_and_nothing_is_written(world: World, served: Served) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Código", "Descripción", "Categoría", "Precio"])
    sheet.append(["XL-1", "Té Supremo", "Abarrotes", 1990])
    sheet.append(["XL-2", "Café", "Abarrotes", 2990.5])
    xlsx = io.BytesIO()
    book.save(xlsx)

    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            latin = await upload(client, (HEADER + "Ñ-1,Ñandú,,X,1,,,,,,\n").encode("cp1252"), "c.csv")
            assert latin.status_code == 422 and "no está en UTF-8 (fila 2" in text(latin.text)
            fake = await upload(client, b"PK\x03\x04 not really a zip", "c.xlsx")
            assert fake.status_code == 422 and "no es una planilla XLSX válida" in text(fake.text)
            old = await upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "c.xls")
            assert old.status_code == 422 and "Excel antigua (.xls)" in text(old.text)
            good = await upload(client, xlsx.getvalue(), "planilla.xlsx")
            review = await client.get(good.headers["location"])
            assert "Té Supremo" in review.text and "2990.5" in text(review.text)

    asyncio.run(scenario())
    assert world.rows("SELECT count(*) FROM products WHERE sku LIKE 'XL-%%' OR sku LIKE 'Ñ%%'") == [(0,)]


def test_an_import_that_fails_half_way_writes_nothing(world: World) -> None:
    table = ci.read_csv((HEADER + "OK-1,Uno,,X,100,,,,,,\nOK-2,Dos,,X,200,,,,,,\n").encode())

    async def work(pool: object) -> None:
        async def boom(done: int, total: int) -> None:
            if done == total * 2 // 3:
                raise RuntimeError("disco lleno")
        try:
            await catalog_import.run(pool, 1, table, None, now=world_now(), progress=boom)  # type: ignore[arg-type]
        except RuntimeError:
            return
        raise AssertionError("the import should have failed")

    world.run(work)  # type: ignore[arg-type]
    assert world.rows("SELECT count(*) FROM products WHERE sku LIKE 'OK-%%'") == [(0,)]
    assert world.rows("SELECT count(*) FROM changes WHERE key LIKE 'OK-%%'") == [(0,)]
    assert json.dumps(world.rows("SELECT count(*) FROM categories WHERE name = 'X'")) == "[[0]]"


def world_now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime
    return datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_a_running_import_shows_its_progress_and_refreshes_itself(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            opened = await upload(client, (HEADER + "R-1,Uno,,X,100,,,,,,\n").encode(), "c.csv")
            world.execute("UPDATE catalog_imports SET state = 'running', total = 20000, done = 6667,"
                          " result = jsonb_build_object('started_at', now())")
            page = await client.get(opened.headers["location"])
            assert '<meta http-equiv="refresh" content="1">' in page.text
            assert '<progress max="20000" value="6667"' in page.text and "6.667 de 20.000 filas" in text(page.text)
            page = await client.get(opened.headers["location"])
            again = await client.post(opened.headers["location"], data={"csrf": World.token(page.text),
                                                                          "accion": "importar", "col_sku": "0"})
            assert again.status_code == 303  # a second confirm does not start it again nor change its columns
            other = await client.get("/hq/catalogo/importar/no-existe")
            assert other.status_code == 404
            stopped = await upload(client, (HEADER + "R-2,Dos,,X,100,,,,,,\n").encode(), "d.csv")
            world.execute("UPDATE catalog_imports SET state = 'running', result = jsonb_build_object('started_at',"
                          " now() - interval '1 hour') WHERE filename = 'd.csv'")
            page = text((await client.get(stopped.headers["location"])).text)
            assert "La importación no se hizo" in page and "se interrumpió" in page

    asyncio.run(scenario())
    assert world.rows("SELECT state, mapping->>'name' FROM catalog_imports ORDER BY filename") == [
        ("running", "1"), ("failed", "1")]
    assert world.rows("SELECT count(*) FROM products WHERE sku = 'R-1'") == [(0,)]


def test_columns_chosen_by_hand_and_categories_put_in_tab_order(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            data = "Código;Artículo;Familia;Valor\nK-1;Kuchen de nuez;Pastelería;4.990\n".encode()
            opened = await upload(client, data, "planilla.csv")
            review = await client.get(opened.headers["location"])
            assert "Elija la columna de «Nombre»." in text(review.text)
            assert "Elija la columna de «Precio con IVA»." in text(review.text)
            assert 'disabled' in review.text.split('value="importar"')[1].split(">")[0]
            chosen = await client.post(opened.headers["location"], data={
                "csrf": World.token(review.text), "accion": "columnas", "col_sku": "0", "col_name": "1",
                "col_category": "2", "col_price": "3", "crear_categorias": "1"})
            review = await client.get(chosen.headers["location"])
            shown = text(review.text)
            assert "Se importarán 1" in shown and "Kuchen de nuez" in shown and "$4.990" in shown
            done = await client.post(opened.headers["location"], data={
                "csrf": World.token(review.text), "accion": "importar", "col_sku": "0", "col_name": "1",
                "col_category": "2", "col_price": "3", "crear_categorias": "1"})
            assert "1 producto nuevo" in text((await client.get(done.headers["location"])).text)
            page = await client.get("/hq/catalogo/categorias")
            names = re.findall(r'name="orden_([^"]+)"', page.text)
            assert names[-1] == "Pastelería"
            order = {f"orden_{n}": str(len(names) - i) for i, n in enumerate(names)}  # reverse the tabs
            saved = await client.post("/hq/catalogo/categorias", data={"csrf": World.token(page.text),
                                                                        "accion": "ordenar", **order})
            assert "Orden guardado" in saved.text
            assert re.findall(r'name="orden_([^"]+)"', saved.text) == names[::-1]
            bad = await client.post("/hq/catalogo/categorias", data={"csrf": World.token(page.text),
                                                                      "accion": "ordenar", "orden_Bebidas": "cero"})
            assert bad.status_code == 422 and "número de 1 a 999" in bad.text

    asyncio.run(scenario())
    [(data,)] = world.rows("SELECT data FROM changes WHERE tenant_id = 1 AND kind = 'categories'")
    assert data["names"][0] == "Pastelería"


def test_another_tenant_sees_neither_the_import_nor_the_products(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            opened = await upload(client, (HEADER + "T1-1,Secreto,,X,100,,,,,,\n").encode(), "c.csv")
            where = opened.headers["location"]
        async with served(world.app()) as other:
            await World.login(other, "rosa@esquina.cl")
            assert (await other.get(where)).status_code == 404
            assert (await other.get(where + "/rechazadas.csv")).status_code == 404
            page = await other.get("/hq/catalogo/categorias")
            assert (await other.post(where, data={"csrf": World.token(page.text), "accion": "importar"})
                    ).status_code == 404
            export = (await other.get("/hq/catalogo/exportar.csv")).content.decode("utf-8-sig")
            assert "SECRETO-2" in export and "LEC-1" not in export and "T1-1" not in export

    asyncio.run(scenario())
    assert world.rows("SELECT state FROM catalog_imports") == [("preview",)]
