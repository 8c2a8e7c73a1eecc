"""A private PostgreSQL cluster in a folder: initdb, start, stop, URLs; for development, tests and small installs.

Layout of ``data_dir`` (mode 0700, owned by the OS user the postmaster runs as)::

    pgdata/              PGDATA (initdb); ``almacen.conf`` is rewritten at every start
    run/                 the Unix socket (0700) when the path fits in 107 bytes
    postgres.log         the server log (``pg_ctl -l``)
    superuser.password   generated superuser password (0600)

Authentication: ``trust`` on the Unix socket (reachable only through the 0700 folder) and ``scram-sha-256`` on
127.0.0.1 with the generated password. Trust on TCP would let any local user become superuser; this does not.

PostgreSQL refuses to run as root: when the euid is 0, every PostgreSQL program runs as the ``postgres`` OS user
(``subprocess`` ``user=``/``group=``, no ``preexec_fn``) and the folder is chowned to it.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

import psycopg
from psycopg import sql

from shared.errors import PosError

SUPERUSER = "postgres"
PG_LIB = Path("/usr/lib/postgresql")  # Debian/Ubuntu: one <major>/bin per installed version
_SOCKET_PATH_MAX = 107
_START_TIMEOUT_S = 30


class ClusterError(PosError):
    """The embedded PostgreSQL cannot be created, started or stopped. ``message`` is for people, ``detail`` is why.

    ClusterError
    ├── PostgresNotInstalled()
    ├── PortInUse(port)
    └── WrongOwner(path, owner, expected)
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(f"{message}\n  detalle: {detail}" if detail else message)
        self.message = message
        self.detail = detail


class PostgresNotInstalled(ClusterError):
    def __init__(self, searched: list[str]) -> None:
        super().__init__("No se encontró PostgreSQL. Instale PostgreSQL: apt-get install postgresql",
                         "se buscó initdb y pg_ctl en el PATH y en " + ", ".join(searched))


class PortInUse(ClusterError):
    def __init__(self, port: int, detail: str = "") -> None:
        super().__init__(f"El puerto {port} de 127.0.0.1 ya está en uso; elija otro o detenga el programa que lo usa.",
                         detail or "bind 127.0.0.1: Address already in use")
        self.port = port


class WrongOwner(ClusterError):
    def __init__(self, path: Path, owner: str, expected: str) -> None:
        super().__init__(f"La carpeta {path} pertenece al usuario {owner}; PostgreSQL corre como {expected}.",
                         f"cambie el dueño (chown -R {expected} {path}) o use otra carpeta")
        self.path, self.owner, self.expected = path, owner, expected


def find_bindir(version: str | None = None) -> Path:
    """The folder holding ``initdb``/``pg_ctl``: ``/usr/lib/postgresql/<version>`` if given, else PATH, else newest.

    Raises:
        PostgresNotInstalled: no folder has both programs.
    """
    root = PG_LIB
    versions = sorted((p for p in root.glob("*/bin") if p.parent.name.isdigit()),
                      key=lambda p: int(p.parent.name), reverse=True) if root.is_dir() else []
    candidates = [root / version / "bin"] if version else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    candidates += versions
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresNotInstalled(["PATH", f"{root}/*/bin"])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the postmaster does: TIME_WAIT is fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class LocalCluster:
    """One PostgreSQL cluster living in ``data_dir``, started on 127.0.0.1.

    Args:
        data_dir: the cluster's folder; created with initdb on the first ``start()``, reused afterwards.
        port: TCP port; ``None`` picks a free one at every start.
        fast: fsync, synchronous_commit and full_page_writes off: for tests only, a crash can lose data.
    """

    def __init__(self, data_dir: Path, *, port: int | None = None, fast: bool = False) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.pgdata = self.data_dir / "pgdata"
        self.log_file = self.data_dir / "postgres.log"
        self.password_file = self.data_dir / "superuser.password"
        self.fast = fast
        self._requested_port = port
        self.port: int | None = None
        self.started = False  # True when this object launched the postmaster (False: adopted a running one)
        self._owned = False  # started and not detached: the atexit hook stops it
        self._bindir: Path | None = None
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterError("PostgreSQL no puede correr como root y no existe el usuario postgres.",
                                   "Instale PostgreSQL: apt-get install postgresql (crea el usuario)") from None
            self._uid, self._gid = pw.pw_uid, pw.pw_gid
        else:
            self._uid, self._gid = os.geteuid(), os.getegid()

    # -- public API -------------------------------------------------------------------------------------------------

    def start(self, *, detach: bool = False) -> None:
        """Create the cluster if needed and start it; adopt it if it is already running.

        Args:
            detach: leave the postmaster running when Python exits (``almacen server db-url``); otherwise an
                ``atexit`` hook stops it.

        Raises:
            PostgresNotInstalled, PortInUse, WrongOwner, ClusterError: with a Spanish message and the detail.
        """
        self._pg("pg_ctl")  # PostgresNotInstalled before touching any folder
        self._prepare_folder()
        running = self._running_port() if self.initialized else None
        if running is not None:
            if self._requested_port not in (None, running):
                raise ClusterError(f"El PostgreSQL de {self.data_dir} ya corre en el puerto {running}.",
                                   f"se pidió el puerto {self._requested_port}")
            self.port = running
            return
        if self._requested_port is not None and not _port_free(self._requested_port):
            raise PortInUse(self._requested_port)  # before initdb: fail fast, leave no half-made cluster
        if not self.initialized:
            self._initdb()
        for attempt in range(3):
            port = self._requested_port or free_port()
            try:
                self._start_on(port)
                break
            except PortInUse:
                if self._requested_port is not None or attempt == 2:
                    raise
        self.port, self.started = port, True
        if not detach:
            self._owned = True
            atexit.register(self.stop)

    def stop(self) -> None:
        """Stop the postmaster (``pg_ctl -m fast``) if it runs; a no-op otherwise.

        Raises:
            ClusterError: pg_ctl could not stop it.
        """
        if self._owned:
            atexit.unregister(self.stop)
            self._owned = False
        if not self.pgdata.is_dir() or self._running_port() is None:
            return
        result = self._run([self._pg("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w",
                            "-t", str(_START_TIMEOUT_S), "stop"])
        if result.returncode != 0 and self._running_port() is not None:
            raise ClusterError(f"No se pudo detener PostgreSQL en {self.data_dir}.", result.stderr.strip())

    @property
    def initialized(self) -> bool:
        return (self.pgdata / "PG_VERSION").is_file()

    def is_running(self) -> bool:
        return self.pgdata.is_dir() and self._running_port() is not None

    def pid(self) -> int | None:
        """The postmaster's pid from ``postmaster.pid`` (``None`` when there is no such file)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])
        return None

    @property
    def superuser_password(self) -> str:
        return self.password_file.read_text().strip()

    def dsn(self, dbname: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        """A libpq URL ``postgresql://user:password@127.0.0.1:port/dbname``; default user is the superuser.

        Raises:
            ClusterError: the cluster has not been started.
        """
        if self.port is None:
            raise ClusterError("PostgreSQL no está iniciado.", f"llame start() antes de dsn() ({self.data_dir})")
        if user is None:
            user, password = SUPERUSER, self.superuser_password
        auth = quote(user, safe="") + (":" + quote(password, safe="") if password is not None else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{quote(dbname, safe='')}"

    def create_database(self, name: str, *, exist_ok: bool = False) -> str:
        """``CREATE DATABASE name`` (UTF8, owned by the superuser) and return its URL.

        Raises:
            psycopg.errors.DuplicateDatabase: it exists and ``exist_ok`` is false.
        """
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not (exists and exist_ok):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """``DROP DATABASE IF EXISTS name WITH (FORCE)``: open sessions are terminated."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def replica(self, data_dir: Path, *, fast: bool = False) -> LocalCluster:
        """A streaming replica of this running cluster in ``data_dir`` (``pg_basebackup -R -X stream``), not started:
        ``start()`` it (it listens on its own port; it streams from this one with the superuser's password).

        Raises:
            ClusterError: ``data_dir`` already holds a cluster, or pg_basebackup failed (its message as detail).
        """
        standby = LocalCluster(data_dir, fast=fast)
        if standby.pgdata.exists():
            raise ClusterError(f"Ya existe una base de datos en {standby.pgdata}.", "use una carpeta vacía")
        standby._prepare_folder()
        shutil.copyfile(self.password_file, standby.password_file)
        os.chown(standby.password_file, standby._uid, standby._gid)
        os.chmod(standby.password_file, 0o600)
        result = self._run([self._pg("pg_basebackup"), "-d", self.dsn(), "-D", str(standby.pgdata), "-R",
                            "-X", "stream", "-c", "fast", *(["--no-sync"] if fast else [])])
        if result.returncode != 0:
            shutil.rmtree(standby.pgdata, ignore_errors=True)
            raise ClusterError(f"No se pudo copiar la base de datos a la réplica {data_dir}.",
                               (result.stderr or result.stdout).strip())
        return standby

    def __enter__(self) -> LocalCluster:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalCluster({str(self.data_dir)!r}, port={self.port})"

    # -- internals --------------------------------------------------------------------------------------------------

    def _pg(self, program: str) -> str:
        if self._bindir is None:
            version_file = self.pgdata / "PG_VERSION"
            self._bindir = find_bindir(version_file.read_text().strip() if version_file.is_file() else None)
        return str(self._bindir / program)

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")  # English messages we can match on
        as_other = os.geteuid() != self._uid
        return subprocess.run(argv, cwd=self.data_dir, env=env, capture_output=True, text=True, check=False,
                              user=self._uid if as_other else None, group=self._gid if as_other else None,
                              extra_groups=[] if as_other else None)

    def _prepare_folder(self) -> None:
        expected = _user_name(self._uid)
        self._check_reachable(expected)
        if not self.data_dir.exists():
            self.data_dir.mkdir(parents=True, mode=0o700)
            os.chown(self.data_dir, self._uid, self._gid)
        st = self.data_dir.stat()
        if st.st_uid != self._uid:
            if os.geteuid() == 0 and st.st_uid == 0 and not self.initialized:
                os.chown(self.data_dir, self._uid, self._gid)  # a folder root just made for us
            else:
                raise WrongOwner(self.data_dir, _user_name(st.st_uid), expected)
        os.chmod(self.data_dir, 0o700)

    def _check_reachable(self, expected: str) -> None:
        """Every parent folder must let the postmaster's user through (pytest's tmp folders are 0700 root)."""
        groups = {self._gid}
        with contextlib.suppress(OSError):
            groups.update(os.getgrouplist(expected, self._gid))
        for parent in self.data_dir.parents:
            if not parent.exists():
                continue
            st = parent.stat()
            bit = stat.S_IXUSR if st.st_uid == self._uid else stat.S_IXGRP if st.st_gid in groups else stat.S_IXOTH
            if not st.st_mode & bit:
                raise ClusterError(f"El usuario {expected} no puede entrar a la carpeta {parent}.",
                                   f"permisos {stat.filemode(st.st_mode)}; use otra carpeta o chmod o+x {parent}")

    def _initdb(self) -> None:
        if not self.password_file.exists():
            self.password_file.touch(mode=0o600)
            self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
        os.chown(self.password_file, self._uid, self._gid)
        os.chmod(self.password_file, 0o600)
        locale = "C.UTF-8" if _has_c_utf8() else "C"
        argv = [self._pg("initdb"), "-D", str(self.pgdata), "-U", SUPERUSER, f"--pwfile={self.password_file}",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", f"--locale={locale}",
                "--no-instructions"]
        if self.fast:
            argv.append("--no-sync")
        result = self._run(argv)
        if result.returncode != 0:
            shutil.rmtree(self.pgdata, ignore_errors=True)
            raise ClusterError(f"No se pudo crear la base de datos PostgreSQL en {self.pgdata}.",
                               (result.stderr or result.stdout).strip())
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write("\n# Almacén: settings rewritten at every start\ninclude_if_exists = 'almacen.conf'\n")

    def _write_conf(self, port: int) -> None:
        run_dir = self.data_dir / "run"
        run_dir.mkdir(mode=0o700, exist_ok=True)
        os.chown(run_dir, self._uid, self._gid)
        sockets = str(run_dir) if len(f"{run_dir}/.s.PGSQL.{port}") <= _SOCKET_PATH_MAX else ""
        onoff = "off" if self.fast else "on"
        conf = self.pgdata / "almacen.conf"
        conf.write_text(f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{sockets}'\n"
                        f"unix_socket_permissions = 0700\nfsync = {onoff}\nsynchronous_commit = {onoff}\n"
                        f"full_page_writes = {onoff}\n")
        os.chown(conf, self._uid, self._gid)

    def _start_on(self, port: int) -> None:
        if not _port_free(port):
            raise PortInUse(port)
        self._write_conf(port)
        result = self._run([self._pg("pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file), "-w",
                            "-t", str(_START_TIMEOUT_S), "start"])
        if result.returncode == 0:
            return
        tail = _tail(self.log_file)
        if "Address already in use" in tail or "could not bind" in tail:
            raise PortInUse(port, tail)
        raise ClusterError(f"PostgreSQL no pudo iniciar en {self.data_dir}.",
                           f"{result.stderr.strip()}\n{tail}".strip())

    def _running_port(self) -> int | None:
        """The port of the postmaster running on ``pgdata`` (``pg_ctl status``), or ``None``."""
        if self._run([self._pg("pg_ctl"), "-D", str(self.pgdata), "status"]).returncode != 0:
            return None
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.pgdata / "postmaster.pid").read_text().splitlines()[3])
        return None


def _has_c_utf8() -> bool:
    with contextlib.suppress(OSError):
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout
        return any(name.lower().replace("-", "") == "c.utf8" for name in out.split())
    return False


def _tail(path: Path, lines: int = 8) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""
