"""The sync server as a real ``python -m syncserver.cli`` process on a database of a local PostgreSQL cluster, so a
proof can SIGKILL it mid-batch and start it again on the same port."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import psycopg_pool

from syncserver.pgcluster import LocalCluster, free_port
from syncserver.store import schema

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


class ServerError(RuntimeError):
    """The server process exited or never answered ``/health``; the message ends with its log's tail."""


class Zygote:
    """A process that has the server's modules imported and forks a server on demand (no threads: a safe fork).

    A forked server is the same program as ``python -m syncserver.cli`` (``cli.main``), started in milliseconds
    instead of re-importing everything; it is a real process of its own that a SIGKILL ends. Use from one thread.
    """

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_zygote_loop, args=(child,), daemon=True)
        self._proc.start()
        child.close()

    def _ask(self, *message: object) -> Any:
        self._conn.send(message)
        return self._conn.recv()

    def spawn(self, argv: list[str], env: dict[str, str], log: Path) -> int:
        """Fork ``cli.main(argv)`` with ``env`` as its environment, output appended to ``log``; its pid."""
        return int(self._ask("spawn", argv, env, str(log)))

    def poll(self, pid: int) -> int | None:
        """The exit status of ``pid`` if it ended (and reap it), else None."""
        result = self._ask("poll", pid)
        return None if result is None else int(result)

    def wait(self, pid: int, timeout: float = 15) -> int | None:
        """Wait up to ``timeout`` for ``pid`` to end; its status, or None if it still runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.poll(pid)
            if status is not None:
                return status
            time.sleep(0.01)
        return None

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self._conn.send(("exit",))
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()


def _zygote_loop(conn: Any) -> None:
    import uvicorn.lifespan.on
    import uvicorn.loops.auto
    import uvicorn.protocols.http.auto  # noqa: F401  (imported before forking: the point of the zygote)

    from syncserver import app, cli, settings
    del cli
    with contextlib.suppress(Exception):  # routes import their modules lazily: do it once here (no I/O before lifespan)
        app.create_app(settings.ServerSettings(database_url="postgresql://zygote@127.0.0.1:1/none",
                                               secret_key="zygote"))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == "exit":
            return
        if message[0] == "spawn":
            _kind, argv, env, log = message
            pid = os.fork()
            if pid == 0:  # the server
                code = 1
                try:
                    conn.close()
                    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                    os.dup2(fd, 1)
                    os.dup2(fd, 2)
                    os.environ.clear()
                    os.environ.update(env)
                    from syncserver import cli
                    code = cli.main(argv)
                except BaseException:
                    import traceback
                    traceback.print_exc()
                finally:
                    os._exit(code)
            conn.send(pid)
        elif message[0] == "poll":
            try:
                done, status = os.waitpid(message[1], os.WNOHANG)
            except ChildProcessError:
                conn.send(-1)
                continue
            conn.send(os.waitstatus_to_exitcode(status) if done else None)


class ServerProcess:
    """``python -m syncserver.cli --port P`` migrating ``admin_url``'s database and serving as ``almacen_app``
    (or, given ``app_url``, serving a database already migrated, as that role).

    ``data_dir`` must exist (mode 0711 or wider: the cluster's postgres user reads nothing there, but the server
    writes its app-role password file and ``server.log`` into it).
    """

    def __init__(self, admin_url: str, data_dir: Path, *, port: int | None = None, app_url: str | None = None,
                 zygote: Zygote | None = None) -> None:
        self.zygote = zygote
        self.pid: int | None = None
        self.admin_url = admin_url
        self._app_url = app_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log = data_dir / "server.log"
        self.env = {**os.environ, "ALMACEN_DATABASE_URL": app_url or admin_url, "ALMACEN_DATA_DIR": str(data_dir),
                    "ALMACEN_SECRET_KEY": "proof-secret", "ALMACEN_LOG_LEVEL": "WARNING"}
        if app_url is None:  # the server migrates the database at each start
            self.env["ALMACEN_ADMIN_DATABASE_URL"] = admin_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    @property
    def app_url(self) -> str:
        """The application role's URL (RLS applies), once the server has migrated the database."""
        if self._app_url is not None:
            return self._app_url
        password = (self.data_dir / "app_role.password").read_text().strip()
        return schema.app_url(self.admin_url, password)

    def start(self, timeout: float = 60) -> None:
        """Start and wait for ``/health``. Raises: ServerError."""
        if self.zygote is not None:
            self.pid = self.zygote.spawn(["--port", str(self.port)], self.env, self.log)
        else:
            with self.log.open("ab") as out:
                self.proc = subprocess.Popen([sys.executable, "-m", "syncserver.cli", "--port", str(self.port)],
                                             env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
            self.pid = self.proc.pid
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self._poll()
            if code is not None:
                raise ServerError(f"server exited with {code}: {self.tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.03)
        raise ServerError(f"server did not answer /health: {self.tail()}")

    def _poll(self) -> int | None:
        if self.zygote is not None:
            assert self.pid is not None
            return self.zygote.poll(self.pid)
        assert self.proc is not None
        return self.proc.poll()

    def _wait(self, timeout: float) -> int | None:
        if self.zygote is not None:
            assert self.pid is not None
            return self.zygote.wait(self.pid, timeout)
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)
        self._wait(10)
        self.kills += 1

    def stop(self) -> None:
        """SIGTERM (then SIGKILL after 15 s) if still running."""
        if self.pid is not None and self._poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            if self._wait(15) is None:
                os.kill(self.pid, signal.SIGKILL)
                self._wait(5)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def wait_backends_gone(self, timeout: float = 20) -> None:
        """After a kill, wait until no backend of the application role holds a transaction (they roll back when
        they notice the closed socket). Raises: ServerError."""
        dbname = psycopg.conninfo.conninfo_to_dict(self.admin_url)["dbname"]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s"
                                   " AND backend_xid IS NOT NULL", (dbname, schema.APP_ROLE)).fetchone()
                if row == (0,):
                    return
                time.sleep(0.02)
        raise ServerError("a killed server's transaction is still open")

    def wait_transaction(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for a backend of the application role to hold a transaction id (a push is
        writing); whether one did."""
        dbname = psycopg.conninfo.conninfo_to_dict(self.admin_url)["dbname"]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s"
                                   " AND backend_xid IS NOT NULL", (dbname, schema.APP_ROLE)).fetchone()
                if row is not None and row[0] > 0:
                    return True
                time.sleep(0.002)
        return False


class Masters:
    """Fresh master databases on ``cluster``, each a copy of one migrated template (``CREATE DATABASE … TEMPLATE``:
    milliseconds instead of a migration per database). Not safe to use from two threads at once."""

    def __init__(self, cluster: LocalCluster, template: str = "proofs_template") -> None:
        self.cluster = cluster
        self.template = template
        admin = cluster.create_database(template, exist_ok=True)
        schema.migrate(admin)
        self.password = secrets.token_urlsafe(24)
        schema.app_url(admin, self.password)

    def create(self, name: str) -> tuple[str, str]:
        """A new database ``name``, migrated: its admin URL and its application role's URL."""
        with psycopg.connect(self.cluster.dsn(), autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                psycopg.sql.Identifier(name), psycopg.sql.Identifier(self.template)))
        admin = self.cluster.dsn(name)
        params = psycopg.conninfo.conninfo_to_dict(admin)
        params.update(user=schema.APP_ROLE, password=self.password)
        return admin, psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})

    def drop(self, name: str) -> None:
        self.cluster.drop_database(name)


def run_app(app_url: str, fn: Callable[[psycopg_pool.AsyncConnectionPool], Awaitable[T]]) -> T:
    """Run an async operation of the server's modules with the application role (RLS applies)."""
    async def main() -> T:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            return await fn(pool)
    return asyncio.run(main())
