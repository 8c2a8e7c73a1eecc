"""The server shell: settings, JSON logs, create_app (health, errors, request log) and the real process."""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import gc
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import psycopg_pool
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from shared.errors import PaymentShort
from syncserver import app as app_mod
from syncserver import bootstrap, cli, health, logs, pgcluster, state
from syncserver import settings as settings_mod

ROOT = Path(__file__).resolve().parents[2]


def make_settings(tmp_path: Path, **changes: object) -> settings_mod.ServerSettings:
    return settings_mod.ServerSettings(data_dir=tmp_path, secret_key="test", **changes)  # type: ignore[arg-type]


def app_with_faults(url: str, tmp_path: Path) -> Starlette:
    async def boom(request: Request) -> Response:
        raise RuntimeError("boom")

    async def short(request: Request) -> Response:
        raise PaymentShort(1990, 1000)

    async def conflict(request: Request) -> Response:
        raise HTTPException(409, "versión desactualizada")

    extra = [Route("/boom", boom), Route("/short", short), Route("/conflict", conflict)]
    return app_mod.create_app(make_settings(tmp_path, database_url=url), extra_routes=extra)


Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


async def get_all(served: Served, app: ASGIApp, *requests: tuple[str, str]) -> list[httpx.Response]:
    async with served(app) as client:
        return [await client.request(method, path) for method, path in requests]


# -- settings ---------------------------------------------------------------------------------------------------


def test_settings_from_env_then_toml(tmp_path: Path) -> None:
    env = {"ALMACEN_PORT": "9000", "ALMACEN_HOST": "0.0.0.0", "ALMACEN_DATA_DIR": str(tmp_path / "d"),
           "ALMACEN_MAX_BATCH_EVENTS": "100", "ALMACEN_LOG_LEVEL": "debug"}
    config = tmp_path / "server.toml"
    config.write_text('port = 9100\ndatabase_url = "postgresql://u:p@db/almacen"\nmax_batch_bytes = 1024\n')
    s = settings_mod.load(config, env=env)
    assert (s.port, s.host, s.max_batch_events, s.max_batch_bytes, s.log_level) == (9100, "0.0.0.0", 100, 1024,
                                                                                      "DEBUG")
    assert s.database_url == "postgresql://u:p@db/almacen"
    assert "p@db" not in repr(s)  # the URL may hold a password: not in reprs or logs
    assert settings_mod.load(env={"ALMACEN_CONFIG": str(config), **env}).port == 9100


def test_settings_defaults_and_generated_secret(tmp_path: Path) -> None:
    s = settings_mod.load(env={"ALMACEN_DATA_DIR": str(tmp_path / "server")})
    assert (s.database_url, s.host, s.port, s.max_batch_bytes, s.max_batch_events) == (
        None, "127.0.0.1", 8700, 8 * 1024 * 1024, 5000)
    key_file = tmp_path / "server" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(s.secret_key) >= 40
    assert settings_mod.load(env={"ALMACEN_DATA_DIR": str(tmp_path / "server")}).secret_key == s.secret_key
    assert settings_mod.load(env={"ALMACEN_DATA_DIR": str(tmp_path), "ALMACEN_SECRET_KEY": "k"}).secret_key == "k"


@pytest.mark.parametrize(("toml", "env", "fragment"), [
    ("prot = 1\n", {}, "clave desconocida 'prot'"),
    ('port = "x"\n', {}, "clave 'port': valor inválido"),
    ("", {"ALMACEN_MAX_BATCH_BYTES": "mucho"}, "ALMACEN_MAX_BATCH_BYTES: valor inválido"),
    ('log_level = "ruidoso"\n', {}, "log_level"),
    ("port = 0\n", {}, "fuera de rango"),
])
def test_settings_errors_name_the_key(tmp_path: Path, toml: str, env: dict[str, str], fragment: str) -> None:
    config = tmp_path / "server.toml"
    config.write_text(toml)
    with pytest.raises(settings_mod.SettingsError, match=fragment):
        settings_mod.load(config, env={"ALMACEN_SECRET_KEY": "k", **env})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(settings_mod.SettingsError, match="No se pudo leer"):
        settings_mod.load(tmp_path / "nope.toml", env={})


# -- logs -------------------------------------------------------------------------------------------------------


def test_json_log_line_has_extra_fields() -> None:
    record = logging.LogRecord("syncserver.ingest", logging.INFO, __file__, 1, "batch %s", ("ok",), None)
    record.tenant_id, record.terminal_id = 7, "caja-1"
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["level"] == "INFO" and line["logger"] == "syncserver.ingest" and line["msg"] == "batch ok"
    assert (line["tenant_id"], line["terminal_id"]) == (7, "caja-1")
    assert line["ts"].endswith("+00:00") and line["pid"] == os.getpid()


def test_configure_replaces_its_own_handler() -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        stream = io.StringIO()
        logs.configure("INFO", io.StringIO())
        logs.configure("WARNING", stream)
        assert sum(h.get_name() == "almacen-json" for h in root.handlers) == 1
        logging.getLogger("syncserver.test").warning("ojo", extra={"path": "/x"})
        assert json.loads(stream.getvalue().splitlines()[-1])["path"] == "/x"
    finally:
        root.handlers[:], root.level = before


# -- the app ----------------------------------------------------------------------------------------------------


def test_health_ok_with_the_real_database(served: Served, pg_database: str, tmp_path: Path) -> None:
    app = app_mod.create_app(make_settings(tmp_path, database_url=pg_database))
    [response] = asyncio.run(get_all(served, app, ("GET", "/health")))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": health.version()}
    assert response.headers["cache-control"] == "no-store"


def test_health_503_when_the_database_is_down(served: Served, tmp_path: Path) -> None:
    url = f"postgresql://postgres:x@127.0.0.1:{pgcluster.free_port()}/almacen"
    app = app_mod.create_app(make_settings(tmp_path, database_url=url, health_timeout=0.3))
    [response] = asyncio.run(get_all(served, app, ("GET", "/health")))  # the app starts although PostgreSQL is down
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "unavailable", "version": health.version()}


def test_health_uses_an_injected_pool(served: Served, pg_database: str, tmp_path: Path) -> None:
    async def scenario() -> tuple[int, bool]:
        async with psycopg_pool.AsyncConnectionPool(pg_database, min_size=1, open=False) as pool:
            app = app_mod.create_app(make_settings(tmp_path), pool=pool)
            [response] = await get_all(served, app, ("GET", "/health"))
            return response.status_code, pool.closed  # the app must not close a pool it does not own

    assert asyncio.run(scenario()) == (200, False)


def test_startups_objects_are_left_out_of_garbage_collections_while_serving(served: Served, pg_database: str,
                                                                           tmp_path: Path) -> None:
    """A Todo workbook's thousands of cells set off full collections, which walked every object of the imported
    app each time (~30 ms at 50 stores): the lifespan freezes them (``gc.freeze``) and thaws them at shutdown."""
    async def frozen(request: Request) -> Response:
        return PlainTextResponse(str(gc.get_freeze_count()))

    app = app_mod.create_app(make_settings(tmp_path, database_url=pg_database), extra_routes=[Route("/frozen", frozen)])
    [response] = asyncio.run(get_all(served, app, ("GET", "/frozen")))
    assert int(response.text) > 10_000 and gc.get_freeze_count() == 0


def test_errors_are_json(served: Served, pg_database: str, tmp_path: Path) -> None:
    app = app_with_faults(pg_database, tmp_path)
    missing, wrong_method, conflict, short, boom = asyncio.run(get_all(
        served, app, ("GET", "/nope"), ("POST", "/health"), ("GET", "/conflict"), ("GET", "/short"), ("GET", "/boom")))
    assert (missing.status_code, missing.json()) == (404, {"error": "not_found", "message": "No existe."})
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")
    assert (conflict.status_code, conflict.json()) == (409, {"error": "conflict", "message": "versión desactualizada"})
    assert (short.status_code, short.json()["error"]) == (400, "payment_short")
    assert (boom.status_code, boom.json()) == (500, {"error": "internal_error",
                                                     "message": "Error interno del servidor."})


def test_requests_are_logged(served: Served, pg_database: str, tmp_path: Path,
                             caplog: pytest.LogCaptureFixture) -> None:
    app = app_with_faults(pg_database, tmp_path)
    with caplog.at_level(logging.DEBUG, logger="syncserver.requests"):
        asyncio.run(get_all(served, app, ("GET", "/nope"), ("GET", "/health")))
    records = [r for r in caplog.records if r.name == "syncserver.requests"]
    fields = [(r.levelname, r.method, r.path, r.status) for r in records]  # type: ignore[attr-defined]
    assert fields == [("INFO", "GET", "/nope", 404), ("DEBUG", "GET", "/health", 200)]
    assert all(isinstance(r.ms, float) for r in records)  # type: ignore[attr-defined]


def test_handlers_get_the_injected_clock_id_factory_and_settings(served: Served, pg_database: str,
                                                                  tmp_path: Path) -> None:
    async def now(request: Request) -> Response:
        return Response(f"{state.clock(request)().isoformat()} {state.new_id(request)()} "
                        f"{state.settings(request).folio_lease_size}")

    app = app_mod.create_app(make_settings(tmp_path, database_url=pg_database), clock=lambda: datetime(2026, 3, 1,
                             tzinfo=UTC), new_id=lambda: "id-1", extra_routes=[Route("/now", now)])
    [response] = asyncio.run(get_all(served, app, ("GET", "/now")))
    assert response.text == "2026-03-01T00:00:00+00:00 id-1 100"


def test_bootstrap_migrates_an_external_database_with_the_admin_url(pg_database: str, tmp_path: Path) -> None:
    external = make_settings(tmp_path, database_url="postgresql://almacen_app@db.example/almacen")
    with bootstrap.database(external, env={}) as ready:
        assert ready == external  # no admin URL: the schema is the operator's business
    with bootstrap.database(make_settings(tmp_path, database_url="unused"),
                            env={bootstrap.ADMIN_URL_VARIABLE: pg_database}) as ready:
        app_url = ready.database_url
    assert app_url is not None and "almacen_app" in app_url
    password = (tmp_path / bootstrap.PASSWORD_FILE).read_text()
    assert password in app_url and (tmp_path / bootstrap.PASSWORD_FILE).stat().st_mode & 0o777 == 0o600
    with psycopg.connect(app_url) as conn:  # the app role logs in and sees the migrated schema, under RLS
        assert conn.execute("SELECT count(*) FROM tenants").fetchone() == (0,)


# -- the command --------------------------------------------------------------------------------------------------


def test_server_parser_registers_on_any_cli(capsys: pytest.CaptureFixture[str]) -> None:
    root = argparse.ArgumentParser(prog="almacen")
    cli.add_parser(root.add_subparsers(dest="part"))
    args = root.parse_args(["server", "--workers", "4", "--port", "9001", "--config", "x.toml"])
    assert (args.func, args.workers, args.port, args.config) == (cli.cmd_run, 4, 9001, Path("x.toml"))
    assert root.parse_args(["server", "--config", "x.toml", "db-url"]).func is cli.cmd_db_url
    with pytest.raises(SystemExit) as exited:
        root.parse_args(["server", "--help"])
    assert exited.value.code == 0
    assert "--workers" in capsys.readouterr().out


@pytest.mark.timeout(180)
def test_real_process_serves_and_stops_its_postgres_on_sigterm(pg_tmp: Path) -> None:
    port = pgcluster.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALMACEN_", "PG"))}
    env["ALMACEN_DATA_DIR"] = str(pg_tmp / "server")
    log_path = pg_tmp / "server.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "syncserver.cli", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log_file, stderr=subprocess.STDOUT)
    try:
        # initdb and 42+ migrations: ~10 s quiet, past 30 s on a loaded 2-core machine (a CI run failed there)
        deadline, response = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, log_path.read_text()
        assert response.status_code == 200 and response.json()["database"] == "ok"
        cluster = pgcluster.LocalCluster(pg_tmp / "server" / "pg")
        pid = cluster.pid()
        assert pid is not None and cluster.is_running()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not cluster.is_running()
    assert not (pg_tmp / "server" / "pg" / "pgdata" / "postmaster.pid").exists()
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    messages = [line["msg"] for line in lines]
    assert "embedded postgresql running" in messages and "embedded postgresql stopped" in messages


@pytest.mark.slow  # spawned workers import the whole app: ~20 s on the shared 2-core machine
@pytest.mark.timeout(150)
def test_two_workers_share_the_port_and_both_answer(pg_database: str, pg_tmp: Path) -> None:
    port = pgcluster.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALMACEN_", "PG"))}
    env.update(ALMACEN_DATA_DIR=str(pg_tmp / "server"), ALMACEN_DATABASE_URL=pg_database)
    log_path = pg_tmp / "server.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "syncserver.cli", "--workers", "2", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)

    def logged(message: str, path: str | None = None) -> set[int]:
        lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
        return {line["pid"] for line in lines if line["msg"] == message and line.get("path") == path}

    try:
        deadline, statuses = time.monotonic() + 120, []
        while time.monotonic() < deadline and proc.poll() is None and len(logged("Application startup complete.")) < 2:
            time.sleep(0.2)
        while time.monotonic() < deadline and proc.poll() is None and len(logged("request", "/nope")) < 2:
            with concurrent.futures.ThreadPoolExecutor(8) as pool:  # a new connection each: the kernel spreads them
                statuses += pool.map(lambda _: httpx.get(f"http://127.0.0.1:{port}/nope", timeout=10).status_code,
                                     range(16))
        pids = logged("request", "/nope")
        assert len(pids) == 2 and proc.pid not in pids, log_path.read_text()[-3000:]  # two worker processes answered
        assert set(statuses) == {404}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, log_path.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
