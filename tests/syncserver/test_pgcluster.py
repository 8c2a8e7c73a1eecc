"""LocalCluster against the real PostgreSQL binaries: create, reuse, stop, and its clear errors."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from syncserver import pgcluster

ROOT = Path(__file__).resolve().parents[2]


def process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie waiting for init to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def can_connect(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def test_start_stop_then_reuse_the_folder(pg_tmp: Path) -> None:
    folder = pg_tmp / "pg"
    with pgcluster.LocalCluster(folder, fast=True) as cluster:
        assert cluster.is_running()
        url = cluster.create_database("kept")
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE t (x int)")
            conn.execute("INSERT INTO t VALUES (42)")
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
        pid = cluster.pid()
        assert pid is not None
        version_mtime = (folder / "pgdata" / "PG_VERSION").stat().st_mtime_ns
        password = cluster.superuser_password

    assert not cluster.is_running()
    assert process_gone(pid)
    assert not (folder / "pgdata" / "postmaster.pid").exists()
    assert not can_connect(url)

    again = pgcluster.LocalCluster(folder)  # not fast: the same folder, the durable settings
    again.start()
    try:
        assert (folder / "pgdata" / "PG_VERSION").stat().st_mtime_ns == version_mtime  # no second initdb
        assert again.superuser_password == password
        with psycopg.connect(again.dsn("kept")) as conn:
            assert conn.execute("SELECT x FROM t").fetchone() == (42,)
            assert conn.execute("SHOW fsync").fetchone() == ("on",)
    finally:
        again.stop()
    assert not again.is_running()


def test_layout_permissions_and_owner(pg_cluster: pgcluster.LocalCluster) -> None:
    folder = pg_cluster.data_dir
    expected_owner = pwd.getpwnam("postgres").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert folder.stat().st_uid == expected_owner
    assert folder.stat().st_mode & 0o777 == 0o700
    assert pg_cluster.password_file.stat().st_mode & 0o777 == 0o600
    with psycopg.connect(pg_cluster.dsn()) as conn:
        row = conn.execute("SELECT current_user, current_setting('server_encoding'), "
                           "current_setting('listen_addresses')").fetchone()
    assert row == ("postgres", "UTF8", "127.0.0.1")


def test_tcp_requires_the_password(pg_cluster: pgcluster.LocalCluster) -> None:
    assert not can_connect(pg_cluster.dsn(user="postgres", password="wrong"))
    assert not can_connect(pg_cluster.dsn(user="postgres"))  # no password at all: not trust on TCP


def test_create_and_drop_database(pg_cluster: pgcluster.LocalCluster) -> None:
    url = pg_cluster.create_database("twice")
    assert pg_cluster.create_database("twice", exist_ok=True) == url
    with pytest.raises(psycopg.errors.DuplicateDatabase):
        pg_cluster.create_database("twice")
    pg_cluster.drop_database("twice")
    assert not can_connect(url)


def test_pg_database_is_fresh_and_empty(pg_database: str) -> None:
    with psycopg.connect(pg_database) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)


def test_taken_port_is_a_clear_error(pg_cluster: pgcluster.LocalCluster, pg_tmp: Path) -> None:
    other = pgcluster.LocalCluster(pg_tmp / "other", port=pg_cluster.port, fast=True)
    with pytest.raises(pgcluster.PortInUse) as caught:
        other.start()
    assert caught.value.port == pg_cluster.port
    assert f"El puerto {pg_cluster.port}" in caught.value.message
    assert "en uso" in str(caught.value)
    assert not other.initialized  # refused before initdb
    assert pg_cluster.is_running()  # the cluster on that port is untouched


def test_starting_a_running_folder_adopts_it(pg_tmp: Path) -> None:
    with pgcluster.LocalCluster(pg_tmp / "pg", fast=True) as first:
        assert first.started
        twin = pgcluster.LocalCluster(pg_tmp / "pg")
        twin.start()
        assert (twin.port, twin.pid(), twin.started) == (first.port, first.pid(), False)
        with pytest.raises(pgcluster.ClusterError, match="ya corre en el puerto"):
            pgcluster.LocalCluster(pg_tmp / "pg", port=pgcluster.free_port()).start()
    assert not twin.is_running()


def test_missing_binaries_say_how_to_install(monkeypatch: pytest.MonkeyPatch, pg_tmp: Path) -> None:
    monkeypatch.setenv("PATH", str(pg_tmp))
    monkeypatch.setattr(pgcluster, "PG_LIB", pg_tmp / "nowhere")
    with pytest.raises(pgcluster.PostgresNotInstalled) as caught:
        pgcluster.LocalCluster(pg_tmp / "pg").start()
    assert "apt-get install postgresql" in caught.value.message
    assert not (pg_tmp / "pg").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand a folder to another user")
def test_folder_of_another_user_is_refused(pg_tmp: Path) -> None:
    folder = pg_tmp / "pg"
    folder.mkdir()
    os.chown(folder, 65534, 65534)  # nobody
    with pytest.raises(pgcluster.WrongOwner) as caught:
        pgcluster.LocalCluster(folder).start()
    assert "pertenece al usuario" in caught.value.message
    assert "chown" in caught.value.detail


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's private folders block the postgres user")
def test_unreachable_parent_is_a_clear_error(pg_tmp: Path) -> None:
    private = pg_tmp / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(pgcluster.ClusterError, match="no puede entrar a la carpeta"):
        pgcluster.LocalCluster(private / "pg").start()


def test_python_exit_stops_the_postmaster(pg_tmp: Path) -> None:
    script = ("import sys; from pathlib import Path; from syncserver import pgcluster\n"
              "c = pgcluster.LocalCluster(Path(sys.argv[1]), fast=True); c.start(); print(c.pid())\n")
    out = subprocess.run([sys.executable, "-c", script, str(pg_tmp / "pg")], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True)
    pid = int(out.stdout)
    assert process_gone(pid)
    assert not pgcluster.LocalCluster(pg_tmp / "pg").is_running()
