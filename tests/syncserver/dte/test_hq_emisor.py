"""The emisor data: edited in HQ (CSRF, every field checked, per tenant) and with ``almacen server admin
emisor-set`` (only the fields given); what the forwarder loads with ``load_emisor``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date
from pathlib import Path

import httpx
import psycopg_pool
import pytest
from starlette.types import ASGIApp

from syncserver import cli
from syncserver.dte import emisor
from syncserver.store import db as db_mod
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, csrf_token, hq_app, hq_login, migrated

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
FORM = {"razon_social": "Comercial Los Andes Ltda.", "giro": "Almacén de barrio", "acteco": "471100, 561000",
        "direccion": "Esmeralda 455", "comuna": "Los Andes", "ciudad": "", "sucursal_sii": "81234567",
        "resolucion_fecha": "2024-03-15", "resolucion_numero": "80"}


def _load(db: object, tenant_id: int) -> emisor.EmisorConfig | None:
    async def work(pool: psycopg_pool.AsyncConnectionPool) -> emisor.EmisorConfig | None:
        async with db_mod.tenant_tx(pool, tenant_id) as conn:
            return await emisor.load_emisor(conn, tenant_id)
    return db.run(work)  # type: ignore[attr-defined, no-any-return]


def test_hq_edits_the_emisor_data(pg_database: str, served: Served) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"}, emisor=False)
    db.run(lambda pool: emisor.store(pool, 2, {"razon_social": "Empresa Dos SpA", "giro": "Ferretería"}))
    app = hq_app(db)

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            page = await client.get("/hq/emisor")
            assert page.status_code == 200 and "Faltan: razón social, giro" in page.text
            assert "Empresa Dos" not in page.text and "76.235.291-5" in page.text
            token = csrf_token(page.text)
            assert (await client.post("/hq/emisor", data=FORM)).status_code == 403
            bad = await client.post("/hq/emisor", data={**FORM, "csrf": token, "acteco": "47-11"})
            assert bad.status_code == 422 and "Acteco" in bad.text and "Esmeralda 455" in bad.text
            long = await client.post("/hq/emisor", data={**FORM, "csrf": token, "comuna": "X" * 21})
            assert long.status_code == 422 and "comuna: máximo 20 caracteres" in long.text
            empty = await client.post("/hq/emisor", data={**FORM, "csrf": token, "giro": " "})
            assert empty.status_code == 422 and "falta: giro" in empty.text
            done = await client.post("/hq/emisor", data={**FORM, "csrf": token})
            assert done.status_code == 303 and done.headers["location"] == "/hq/emisor?guardado=1"
            saved = await client.get(done.headers["location"])
            assert "Datos del emisor guardados" in saved.text and "Faltan:" not in saved.text
            assert 'value="471100, 561000"' in saved.text

    asyncio.run(scenario())
    assert _load(db, 1) == emisor.EmisorConfig(
        rut="76235291-5", razon_social="Comercial Los Andes Ltda.", giro="Almacén de barrio", acteco=(471100, 561000),
        direccion="Esmeralda 455", comuna="Los Andes", ciudad="", sucursal_sii=81234567,
        resolution=emisor.Resolution(date(2024, 3, 15), 80))
    other = _load(db, 2)
    assert other is not None and other.razon_social == "Empresa Dos SpA" and other.direccion == ""


def test_emisor_set_updates_only_the_fields_given(pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT}, emisor=False)
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "cli-secret")
    assert cli.main(["admin", "emisor-set", "1", "--razon-social", "Almacén Don Pepe SpA", "--giro", "Almacén",
                     "--acteco", "471100"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["acteco"] == [471100]
    assert "faltan: dirección, comuna, fecha de resolución del SII" in out.err
    assert cli.main(["admin", "emisor-set", "1", "--direccion", "San Lucio 138", "--comuna", "Los Andes",
                     "--resolucion-fecha", "2025-01-20"]) == 0
    out = capsys.readouterr()
    shown = json.loads(out.out)
    assert (shown["razon_social"], shown["direccion"], shown["resolucion_numero"]) == ("Almacén Don Pepe SpA",
                                                                                       "San Lucio 138", 0)
    assert "(completos)" in out.err
    assert cli.main(["admin", "emisor-set", "1", "--acteco", "1,2,3,4,5"]) == 1
    assert "como máximo 4" in capsys.readouterr().err
    assert cli.main(["admin", "emisor-set", "1"]) == 1
    # the CLI gave the app role a new password (its own data dir): read as the admin
    assert db.rows("SELECT razon_social, acteco, comuna, resolucion_fecha FROM tenant_emisor") == [
        ("Almacén Don Pepe SpA", [471100], "Los Andes", date(2025, 1, 20))]


def test_every_save_of_the_emisor_reaches_the_tills_on_the_feed(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"}, emisor=False)
    db.run(lambda pool: emisor.store(pool, 1, {k: v for k, v in FORM.items()}))
    db.run(lambda pool: emisor.store(pool, 1, {"giro": "Minimarket"}))

    async def pull(pool: psycopg_pool.AsyncConnectionPool, tenant_id: int) -> list[dict[str, object]]:
        from syncserver.store import change_feed
        changes, _ = await change_feed.pull(pool, tenant_id, "cualquiera", 0)
        return [c for c in changes if c["kind"] == "emisor"]

    first, second = db.run(lambda pool: pull(pool, 1))
    assert first["key"] == second["key"] == "emisor"
    assert first["data"] == {"rut": "76235291-5", "razon_social": "Comercial Los Andes Ltda.",
                             "giro": "Almacén de barrio", "acteco": [471100, 561000], "direccion": "Esmeralda 455",
                             "comuna": "Los Andes", "ciudad": "", "sucursal_sii": 81234567,
                             "resolucion_fecha": "2024-03-15", "resolucion_numero": 80, "unidad_sii": ""}
    assert second["data"]["giro"] == "Minimarket" and second["data"]["direccion"] == "Esmeralda 455"
    assert db.run(lambda pool: pull(pool, 2)) == []


def test_the_owner_chooses_the_card_sales_model_and_every_till_gets_it(pg_database: str, served: Served) -> None:
    from desktop.services import sync as till_sync
    from shared.events import emisor as emisor_events
    from syncserver.store import audit, change_feed

    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    app = hq_app(db)

    async def scenario() -> None:
        async with served(app) as client:
            await hq_login(client)
            page = await client.get("/hq/emisor")
            assert "Ventas con tarjeta: boleta o voucher" in page.text and "001.380.7859" in page.text
            assert "(el predeterminado: aún nadie lo ha elegido)" in page.text
            assert 'value="boleta" checked' in page.text
            token = csrf_token(page.text)
            assert (await client.post("/hq/emisor/modelo", data={"modelo": "voucher"})).status_code == 403
            bad = await client.post("/hq/emisor/modelo", data={"csrf": token, "modelo": "ambos"})
            assert bad.status_code == 400 and "no es una de las opciones" in bad.text
            none = await client.post("/hq/emisor/modelo", data={"csrf": token})
            assert none.status_code == 422 and "Elija uno de los dos modelos" in none.text
            done = await client.post("/hq/emisor/modelo", data={"csrf": token, "modelo": "voucher"})
            assert done.status_code == 303 and done.headers["location"] == "/hq/emisor?guardado=modelo#modelo"
            saved = await client.get("/hq/emisor?guardado=modelo")
            assert "Modelo de emisión guardado" in saved.text and "elegido por pepe@donpepe.cl" in saved.text
            assert 'value="voucher" checked' in saved.text
            # the section is on the page once, and not inside the page's <title>
            assert saved.text.count('id="modelo"') == 1 and "<title>Emisor" in saved.text
            assert "<section" not in saved.text.split("<title>")[1].split("</title>")[0]
            again = await client.post("/hq/emisor/modelo", data={"csrf": token, "modelo": "voucher"})
            assert again.headers["location"] == "/hq/emisor?guardado=modelo-igual#modelo"

    asyncio.run(scenario())

    async def feed(pool: psycopg_pool.AsyncConnectionPool, tenant_id: int) -> tuple[list[dict[str, object]], list[str]]:
        changes, _ = await change_feed.pull(pool, tenant_id, "cualquiera", 0)
        async with db_mod.tenant_tx(pool, tenant_id) as conn:
            trail = await audit.search(conn, tenant_id, kinds=["card_model_changed"])
        return [c for c in changes if c["kind"] == "card_model"], [e.detail for e in trail]

    changes, trail = db.run(lambda pool: feed(pool, 1))
    assert len(changes) == 1 and changes[0]["data"]["model"] == "voucher"
    event = till_sync._event(changes[0])
    assert isinstance(event, emisor_events.CardModelReceived) and event.set_by == "pepe@donpepe.cl"
    assert trail == ["Modelo de emisión: Boleta electrónica también en ventas con tarjeta → El comprobante de la "
                     "tarjeta (voucher) es la boleta."]
    assert db.run(lambda pool: feed(pool, 2)) == ([], [])
