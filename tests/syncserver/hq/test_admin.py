"""``almacen server admin ...``: tenants, stores, HQ logins, enrollment codes and the terminal list, end to end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import psycopg
import pytest
from starlette.types import ASGIApp

from shared import signing
from syncserver import cli, tenancy
from syncserver.store import schema
from tests.syncserver.hq.hq_support import World

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def test_admin_commands_set_up_a_tenant_that_can_log_in(pg_database: str, tmp_path: Path, served: Served,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")  # replaced by the app role after migrating
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "test-secret")

    def admin(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["admin", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    assert admin("tenant-add", "1", "Almacenes Don Pepe", "--rut", "761234560")[0] == 0
    assert admin("tenant-add", "1", "Otra")[:3:2] == (1, "ERROR: el tenant ya existe\n")
    assert admin("tenant-add", "2", "Mala", "--rut", "76123456-1")[0] == 1  # wrong check digit
    assert admin("store-add", "1", "centro", "Centro")[0] == 0
    code, _, err = admin("store-add", "9", "x", "X")
    assert code == 1 and "el tenant 9 no existe" in err
    password = tmp_path / "clave.txt"
    password.write_text("clave-segura-1\n")
    assert admin("hq-user-add", "1", "Pepe@DonPepe.cl", "José Pérez", "--password-file", str(password))[0] == 0
    answers = iter(["otra-clave-9", "distinta-9"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    code, _, err = admin("hq-user-add", "1", "ana@donpepe.cl", "Ana")
    assert code == 1 and "no coinciden" in err
    monkeypatch.setattr("getpass.getpass", lambda prompt: "corta")
    assert admin("hq-user-add", "1", "ana@donpepe.cl", "Ana")[0] == 1
    code, out, _ = admin("enroll-code", "1", "centro", "Caja 1")
    assert code == 0
    enroll_code = out.strip()
    assert len(enroll_code) == 14
    assert admin("enroll-code", "1", "no-existe", "Caja 1")[0] == 1
    code, out, _ = admin("terminals", "1")
    assert (code, json.loads(out)) == (0, [])

    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT tenant_id, name, rut FROM tenants").fetchall() == [
            (1, "Almacenes Don Pepe", "76.123.456-0")]
        [(email, tenant, password_hash)] = conn.execute(
            "SELECT email, tenant_id, password_hash FROM auth_hq_logins").fetchall()
        assert (email, tenant) == ("pepe@donpepe.cl", 1) and password_hash.startswith("$argon2id$")
    world = World(pg_database, schema.app_url(pg_database, (tmp_path / "app_role.password").read_text()))
    world.run(lambda pool: tenancy.enroll(pool, enroll_code, signing.public_key(signing.new_private_key()), "caja-1"))
    code, out, _ = admin("terminals", "1")
    [terminal] = json.loads(out)
    assert (terminal["terminal_id"], terminal["store_id"], terminal["name"], terminal["status"]) == (
        "caja-1", "centro", "Caja 1", "active")

    async def log_in() -> int:
        app = world.app()
        del app.state.hq_hasher  # the CLI hashed the password with the default argon2id costs
        async with served(app) as client:
            return (await World.login(client)).status_code

    assert asyncio.run(log_in()) == 303
