"""POS users in HQ: created with a PIN unique in their stores (checked against argon2 hashes), edited, given a new
PIN, deactivated (who, when, why) and brought back; every change on the feed of the user's stores only, with the
hash and never the PIN. The same through ``/hq/usuarios`` (ASGI) and ``almacen server admin pos-user-*``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.types import ASGIApp

from syncserver import cli, pos_users
from syncserver.store import change_feed, db
from tests.syncserver.hq.hq_support import FAST, World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
AT = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def user_changes(world: World, store: str) -> list[dict[str, Any]]:
    async def pull(pool: Any) -> list[dict[str, Any]]:
        changes, _ = await change_feed.pull(pool, 1, store, 0, 1000)
        return [c for c in changes if c["kind"] == "user"]
    return list(world.run(pull))


def test_service_keeps_a_pin_unique_per_store_and_publishes_only_the_hash(world: World) -> None:
    async def scenario(pool: Any) -> None:
        ana = await pos_users.create(pool, 1, user_id="ana", name="  Ana   Soto ", role="cajero", stores=["centro"],
                                     pin="1234", by="José Pérez", at=AT, hasher=FAST)
        assert (ana.name, ana.stores, ana.active, ana.created_by) == ("Ana Soto", ["centro"], True, "José Pérez")
        assert FAST.verify(ana.pin_hash, "1234") and "1234" not in ana.pin_hash
        with pytest.raises(pos_users.PosUserError, match="ya lo usa otra persona en la tienda Centro") as taken:
            await pos_users.create(pool, 1, user_id="beto", name="Beto", role="supervisor",
                                   stores=["norte", "centro"], pin="1234", by="x", at=AT, hasher=FAST)
        assert taken.value.code == "pin_taken"
        # another store may use the same PIN: the till identifies people only among its own store's users
        await pos_users.create(pool, 1, user_id="beto", name="Beto", role="supervisor", stores=["norte"],
                               pin="1234", by="x", at=AT, hasher=FAST)
        for pin, problem in (("123", "entre 4 y 6"), ("1234567", "entre 4 y 6"), ("12a4", "solo números"),
                             ("١٢٣٤", "solo números")):
            with pytest.raises(pos_users.PosUserError, match=problem):
                await pos_users.create(pool, 1, user_id="x", name="X", role="cajero", stores=["centro"], pin=pin,
                                       by="x", at=AT, hasher=FAST)
        with pytest.raises(pos_users.PosUserError, match="rol"):
            await pos_users.create(pool, 1, user_id="x", name="X", role="jefe", stores=["centro"], pin="5555",
                                   by="x", at=AT, hasher=FAST)
        with pytest.raises(pos_users.PosUserError, match="al menos una tienda"):
            await pos_users.create(pool, 1, user_id="x", name="X", role="cajero", stores=[], pin="5555", by="x",
                                   at=AT, hasher=FAST)
        with pytest.raises(pos_users.PosUserError, match="la tienda esquina no existe"):  # another tenant's store
            await pos_users.create(pool, 1, user_id="x", name="X", role="cajero", stores=["esquina"], pin="5555",
                                   by="x", at=AT, hasher=FAST)
        # adding a store needs the PIN, free there
        with pytest.raises(pos_users.PosUserError, match="para agregar una tienda escriba el PIN"):
            await pos_users.edit(pool, 1, "beto", name="Beto", role="supervisor", stores=["norte", "centro"], at=AT,
                                 hasher=FAST)
        with pytest.raises(pos_users.PosUserError, match="ya lo usa otra persona"):
            await pos_users.edit(pool, 1, "beto", name="Beto", role="supervisor", stores=["norte", "centro"],
                                 pin="1234", at=AT, hasher=FAST)
        await pos_users.edit(pool, 1, "beto", name="Beto Ruiz", role="supervisor", stores=["norte", "centro"],
                             pin="9876", at=AT, hasher=FAST)
        with pytest.raises(pos_users.PosUserError, match="ya lo usa otra persona"):
            await pos_users.reset_pin(pool, 1, "ana", "9876", at=AT, hasher=FAST)
        await pos_users.reset_pin(pool, 1, "ana", "4321", at=AT, hasher=FAST)
        # a deactivated user's PIN stays taken, so bringing it back never makes two people with one PIN
        with pytest.raises(pos_users.PosUserError, match="motivo"):
            await pos_users.set_active(pool, 1, "ana", False, by="José Pérez", reason="  ", at=AT)
        gone = await pos_users.set_active(pool, 1, "ana", False, by="José Pérez", reason="renunció", at=AT)
        assert (gone.active, gone.deactivated_by, gone.deactivated_reason, gone.deactivated_at) == (
            False, "José Pérez", "renunció", AT)
        with pytest.raises(pos_users.PosUserError, match="ya lo usa otra persona"):
            await pos_users.create(pool, 1, user_id="x", name="X", role="cajero", stores=["centro"], pin="4321",
                                   by="x", at=AT, hasher=FAST)
        back = await pos_users.set_active(pool, 1, "ana", True, by="José Pérez", reason="", at=AT)
        assert back.active and back.deactivated_reason == "renunció" and back.version == 4
        await pos_users.edit(pool, 1, "beto", name="Beto Ruiz", role="administrador", stores=["centro"], at=AT,
                             hasher=FAST)
        with pytest.raises(pos_users.PosUserError) as missing:
            await pos_users.reset_pin(pool, 1, "nadie", "1111", at=AT, hasher=FAST)
        assert missing.value.code == "missing"
        assert await pos_users.get(pool, 2, "ana") is None  # another tenant sees nothing
        # a user enrolled at a till (the demo's, pushed as user.enrolled) has no store at the master: its PIN
        # counts in every store
        async with db.tenant_tx(pool, 2) as conn:
            await conn.execute("INSERT INTO users (tenant_id, user_id, name, role, pin_hash) VALUES (2, 'demo',"
                               " 'Demo', 'cajero', %s)", (FAST.hash("1111"),))
        with pytest.raises(pos_users.PosUserError, match="ya lo usa otra persona en una caja"):
            await pos_users.create(pool, 2, user_id="x", name="X", role="cajero", stores=["esquina"], pin="1111",
                                   by="x", at=AT, hasher=FAST)

    world.run(scenario)
    centro, norte = user_changes(world, "centro"), user_changes(world, "norte")
    assert [(c["key"], c["data"]["active"]) for c in centro] == [
        ("ana", True), ("beto", True), ("ana", True), ("ana", False), ("ana", True), ("beto", True)]
    assert [(c["key"], c["data"]["name"], c["data"]["active"]) for c in norte] == [
        ("beto", "Beto", True), ("beto", "Beto Ruiz", True), ("beto", "Beto Ruiz", False)]  # left norte
    assert centro[-1]["data"]["role"] == "administrador"
    assert FAST.verify(centro[2]["data"]["pin_hash"], "4321")
    assert set(centro[0]["data"]) == {"user_id", "name", "role", "pin_hash", "active"}
    assert all("1234" not in json.dumps(c) for c in centro + norte)
    assert world.rows("SELECT count(*) FROM changes WHERE tenant_id = 2 AND kind = 'user'") == [(0,)]


def test_default_hasher_is_argon2id_as_the_tills() -> None:
    assert PasswordHasher().hash("1234").startswith("$argon2id$")


def test_hq_users_page_creates_edits_resets_and_deactivates(world: World, served: Served) -> None:
    async def scenario() -> None:
        async with served(world.app()) as client:
            await World.login(client)
            empty = await client.get("/hq/usuarios")
            assert "Todavía no hay usuarios de caja" in text(empty.text)
            token = World.token(empty.text)
            form = {"csrf": token, "nombre": "Ana Soto", "rol": "cajero", "tiendas": ["centro"], "pin": "1234",
                    "pin2": "1234"}
            created = await client.post("/hq/usuarios", data=form)
            assert created.status_code == 303
            page = await client.get(created.headers["location"])
            assert "Usuario creado" in page.text and "Ana Soto" in page.text
            user_id = created.headers["location"].split("/")[-1].split("?")[0]
            again = await client.post("/hq/usuarios", data={**form, "nombre": "Beto", "tiendas": ["centro", "norte"]})
            assert again.status_code == 422
            assert "Ese PIN ya lo usa otra persona en la tienda Centro" in text(again.text)
            assert 'value="Beto"' in again.text  # what was typed stays
            mismatch = await client.post("/hq/usuarios", data={**form, "pin2": "1235"})
            assert mismatch.status_code == 422 and "no coinciden" in mismatch.text
            short = await client.post("/hq/usuarios", data={**form, "pin": "12", "pin2": "12"})
            assert short.status_code == 422 and "entre 4 y 6 dígitos" in short.text
            listed = text((await client.get("/hq/usuarios")).text)
            assert "Ana Soto Cajero Centro activo" in listed
            edit = await client.post(f"/hq/usuarios/{user_id}", data={"csrf": token, "nombre": "Ana Soto",
                                                                      "rol": "supervisor", "tiendas": ["centro"]})
            assert edit.status_code == 303
            assert "Supervisor" in (await client.get(f"/hq/usuarios/{user_id}")).text
            pin = await client.post(f"/hq/usuarios/{user_id}/pin", data={"csrf": token, "pin": "777777",
                                                                         "pin2": "777777"})
            assert "PIN cambiado" in (await client.get(pin.headers["location"])).text
            no_reason = await client.post(f"/hq/usuarios/{user_id}/desactivar", data={"csrf": token, "motivo": ""})
            assert no_reason.status_code == 422 and "Escriba el motivo" in no_reason.text
            await client.post(f"/hq/usuarios/{user_id}/desactivar", data={"csrf": token, "motivo": "vacaciones"})
            shown = text((await client.get(f"/hq/usuarios/{user_id}")).text)
            assert "Usuario desactivado" in shown and "Lo desactivó José Pérez" in shown and "«vacaciones»" in shown
            await client.post(f"/hq/usuarios/{user_id}/desactivar", data={"csrf": token, "reactivar": "1"})
            assert "Usuario reactivado" in (await client.get(f"/hq/usuarios/{user_id}?aviso=reactivado")).text
            forged = await client.post("/hq/usuarios", data={**form, "csrf": "otro"})
            assert forged.status_code == 403
        async with served(world.app()) as other:  # another tenant's owner cannot see or change the user
            await World.login(other, "rosa@esquina.cl")
            assert (await other.get(f"/hq/usuarios/{user_id}")).status_code == 404
            token2 = World.token((await other.get("/hq/usuarios")).text)
            stolen = await other.post(f"/hq/usuarios/{user_id}/pin", data={"csrf": token2, "pin": "1111",
                                                                           "pin2": "1111"})
            assert stolen.status_code == 404

    import asyncio
    asyncio.run(scenario())
    rows = world.rows("SELECT name, role, stores, active, version, pin_hash FROM users WHERE tenant_id = 1")
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [("Ana Soto", "supervisor", ["centro"], True, 5)]
    assert FAST.verify(rows[0][5], "777777")


def test_pos_users_from_the_command_line(pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "test-secret")

    def admin(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["admin", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    assert admin("tenant-add", "1", "Almacenes Don Pepe")[0] == 0
    assert admin("store-add", "1", "centro", "Centro")[0] == 0
    pin = tmp_path / "pin.txt"
    pin.write_text("2468\n", "utf-8")
    code, out, err = admin("pos-user-add", "1", "Ana Soto", "--rol", "cajero", "--tienda", "centro",
                           "--pin-file", str(pin))
    assert code == 0 and "Usuario de caja Ana Soto creado" in err
    user_id = out.strip()
    code, _, err = admin("pos-user-add", "1", "Beto", "--rol", "supervisor", "--tienda", "centro",
                         "--pin-file", str(pin))
    assert code != 0 and "ese PIN ya lo usa otra persona en la tienda Centro" in err
    assert admin("pos-user-deactivate", "1", user_id, "--motivo", "renunció")[0] == 0
    code, out, _ = admin("pos-users", "1")
    listed = json.loads(out)
    assert [(u["name"], u["active"], u["deactivated_reason"]) for u in listed] == [("Ana Soto", False, "renunció")]
    assert listed[0]["deactivated_by"].startswith("consola (")
    assert "pin_hash" not in listed[0]
    assert admin("pos-user-reactivate", "1", user_id)[0] == 0
    pin.write_text("1357", "utf-8")
    assert admin("pos-user-pin", "1", user_id, "--pin-file", str(pin))[0] == 0
    assert json.loads(admin("pos-users", "1")[1])[0]["active"] is True
