"""Backups of the master database: ``pg_dump`` of the whole database (events, read models, the DTE outbox, the
encrypted certificates, CAFs) into one file read back before it counts, and its restore into an empty database.

The certificates stay encrypted with the server's ``secret_key``, which is not in the dump: keep it apart
(docs/backups.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from shared.errors import PosError
from syncserver import pgcluster

APP_ROLE = "almacen_app"
REQUIRED = ("events", "sync_tracking", "terminals", "dte_outbox", "dte_documents", "tenant_certificates",
            "alembic_version")
"""Tables whose data a dump must hold to count as a backup of the master."""
_TIMEOUT_S = 3600


class BackupError(PosError):
    """A backup or restore that did not happen; the message says why, in Spanish."""


@dataclass(frozen=True, slots=True)
class DumpInfo:
    """A verified dump: its file, size in bytes, SHA-256 and the tables whose data it holds."""

    file: str
    size: int
    sha256: str
    tables: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RestoreInfo:
    """A restore done: the database, the dump's SHA-256, events and tenants it holds, and the name the database
    that was there before was kept under ("" when there was none), and how many terminals were asked to report
    their folio leases (leasing is on hold until they have: :func:`hold_folios`)."""

    database: str
    sha256: str
    events: int
    tenants: int
    previous: str
    held: int = 0


def backup(admin_url: str, target: Path) -> DumpInfo:
    """``pg_dump --format=custom`` of ``admin_url``'s database into ``target`` (written as ``….parcial``, read back
    with ``pg_restore --list``, then renamed; an existing file is not overwritten).

    Raises:
        BackupError: the target exists or cannot be written, pg_dump fails, or the dump lacks a required table.
    """
    if target.exists():
        raise BackupError(f"Ya existe {target}: elija otro nombre (un respaldo no se sobrescribe).")
    if not target.parent.is_dir():
        raise BackupError(f"La carpeta {target.parent} no existe.")
    partial = target.with_name(target.name + ".parcial")
    try:
        _run([_program("pg_dump"), "--format=custom", "--compress=6", "--file", str(partial),
              "--dbname", admin_url], "pg_dump")
        info = check(partial)
        os.replace(partial, target)
        _fsync(target)
    except OSError as exc:
        raise BackupError(f"No se pudo escribir el respaldo en {target}: {exc.strerror or exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return DumpInfo(str(target), info.size, info.sha256, info.tables)


def check(dump: Path) -> DumpInfo:
    """Read ``dump`` back: ``pg_restore --list`` must parse it whole and list the data of every table of
    :data:`REQUIRED`.

    Raises:
        BackupError: missing, unreadable, not a dump, or a required table's data absent.
    """
    if not dump.is_file():
        raise BackupError(f"No existe el respaldo {dump}.")
    listing = _run([_program("pg_restore"), "--list", str(dump)], "pg_restore --list")
    tables = tuple(sorted(set(re.findall(r"TABLE DATA \S+ (\S+) ", listing))))
    missing = [t for t in REQUIRED if t not in tables]
    if missing:
        raise BackupError(f"El archivo {dump} no es un respaldo completo de Almacén: faltan {', '.join(missing)}.")
    digest = hashlib.sha256()
    with dump.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return DumpInfo(str(dump), dump.stat().st_size, digest.hexdigest(), tables)


def restore(admin_url: str, dump: Path, now: datetime, *, replace: bool = False) -> RestoreInfo:
    """Restore ``dump`` into ``admin_url``'s database, created anew: the application role is created if the
    cluster lacks it (a new cluster), ``pg_restore --single-transaction --exit-on-error``, then the migrations to
    head (a dump of an older version) and the role's grants; then folio leasing is put on hold
    (:func:`hold_folios`).

    A database that exists with tables is refused unless ``replace``: then it is renamed
    ``<name>_antes_<YYYYMMDDHHMMSS>`` (its sessions ended), never dropped. Stop the server first.

    Raises:
        BackupError: the dump does not verify, the database holds data (without ``replace``), or pg_restore fails
            (the new database is dropped again and the renamed one, if any, put back).
    """
    from syncserver.store import schema

    info = check(dump)
    params = conninfo_to_dict(admin_url)
    name = str(params.get("dbname") or "")
    if not name or name == "postgres":
        raise BackupError("La URL de administración debe nombrar la base de datos de Almacén (no 'postgres').")
    maintenance = make_conninfo(admin_url, dbname="postgres")
    previous = ""
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            if not _has_tables(admin_url):  # an empty database (created by hand, or by a start that failed)
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            elif not replace:
                raise BackupError(f"La base de datos {name} ya tiene datos: use --reemplazar para guardarla con "
                                  "otro nombre y restaurar en su lugar.")
            else:
                previous = f"{name}_antes_{now.strftime('%Y%m%d%H%M%S')}"
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
                             " AND pid <> pg_backend_pid()", (name,))
                conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(name),
                                                                            sql.Identifier(previous)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'almacen_app') THEN "
                     "CREATE ROLE almacen_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS; END IF; END $$")
        try:
            _run([_program("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
                  "--dbname", admin_url, str(dump)], "pg_restore")
            schema.migrate(admin_url)
            held = hold_folios(admin_url, now)
            new_feed_generation(admin_url, now)
        except BaseException:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if previous:
                conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(previous),
                                                                            sql.Identifier(name)))
            raise
    with psycopg.connect(admin_url) as conn:
        events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]
        tenants = int(conn.execute("SELECT count(*) FROM tenants").fetchone()[0])  # type: ignore[index]
    return RestoreInfo(name, info.sha256, events, tenants, previous, held)


SERVER_TERMINAL = "hq"
"""The terminal HQ's own folio leases are held under (``syncserver.dte.folios.SERVER_TERMINAL``, a layer above)."""


def hold_folios(admin_url: str, now: datetime) -> int:
    """Put folio leasing on hold in every tenant of the restored database (one transaction): each active terminal
    is asked to report the leases it holds (``syncserver.dte.folio_hold``; the previous restore's list is replaced),
    and HQ's own open leases are retired (it may have stamped folios from them after the dump: the dump's count of
    them is behind, so HQ takes a new range when the hold ends). Returns how many terminals were asked."""
    asked = 0
    with psycopg.connect(admin_url) as conn:
        tenant_ids = [int(r[0]) for r in conn.execute("SELECT tenant_id FROM tenant_ids ORDER BY 1").fetchall()]
        for tenant_id in tenant_ids:  # the tables' row-level security is forced, on their owner too
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
            conn.execute("DELETE FROM folio_holds WHERE tenant_id = %s", (tenant_id,))
            conn.execute("UPDATE folio_leases SET retired_at = %s WHERE tenant_id = %s AND terminal_id = %s"
                         " AND retired_at IS NULL", (now, tenant_id, SERVER_TERMINAL))
            asked += conn.execute(
                "INSERT INTO folio_holds (tenant_id, terminal_id, restored_at) SELECT tenant_id, terminal_id, %s"
                " FROM terminals WHERE tenant_id = %s AND status = 'active'", (now, tenant_id)).rowcount
    return asked


FEED_MARKER = "feed_restored"
"""``syncserver.store.change_feed.GENERATION_KIND`` (a layer above): the restore's marker in each tenant's feed."""
_GENERATION_ORIGIN = datetime(2024, 1, 1, tzinfo=UTC)


def new_feed_generation(admin_url: str, now: datetime) -> None:
    """Start a new generation of every tenant's change feed (one transaction): a marker change, never delivered to a
    till (``store_id`` ``''``), with the generation (seconds since 2024, past the previous one) and the last change
    id the dump held. A till whose cursor is of an older generation reads again from that id on, so the changes
    HQ publishes after the restore, with ids the till passed in the lost feed, still reach it
    (``change_feed.resume_from``)."""
    with psycopg.connect(admin_url) as conn:
        tenant_ids = [int(r[0]) for r in conn.execute("SELECT tenant_id FROM tenant_ids ORDER BY 1").fetchall()]
        for tenant_id in tenant_ids:  # the tables' row-level security is forced, on their owner too
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
            row = conn.execute("SELECT last_change_id FROM change_counters WHERE tenant_id = %s",
                               (tenant_id,)).fetchone()
            dump_last = int(row[0]) if row else 0
            row = conn.execute("SELECT max((data->>'generation')::bigint) FROM changes WHERE tenant_id = %s"
                               " AND store_id = '' AND kind = %s", (tenant_id, FEED_MARKER)).fetchone()
            number = max(int((now - _GENERATION_ORIGIN).total_seconds()), (int(row[0]) if row and row[0] else 0) + 1)
            conn.execute("INSERT INTO change_counters (tenant_id, last_change_id) VALUES (%s, %s) ON CONFLICT"
                         " (tenant_id) DO UPDATE SET last_change_id = excluded.last_change_id",
                         (tenant_id, dump_last + 1))
            conn.execute("INSERT INTO changes (tenant_id, change_id, kind, key, store_id, data)"
                         " VALUES (%s, %s, %s, 'restore', '', %s)",
                         (tenant_id, dump_last + 1, FEED_MARKER, json.dumps(
                             {"generation": number, "dump_last": dump_last, "restored_at": now.isoformat()})))


def _has_tables(admin_url: str) -> bool:
    with psycopg.connect(admin_url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    return bool(row and row[0])


def _program(name: str) -> str:
    """``pg_dump``/``pg_restore`` of the newest PostgreSQL installed (they read older servers' databases)."""
    found = shutil.which(name)
    try:
        folder = pgcluster.find_bindir()
    except pgcluster.ClusterError:
        folder = None
    if folder is not None and (folder / name).is_file():
        return str(folder / name)
    if found:
        return found
    raise BackupError(f"No se encontró {name}. Instale el cliente de PostgreSQL: apt-get install postgresql-client")


def _run(argv: list[str], what: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what} no pudo correr: {exc}") from exc
    if done.returncode != 0:
        detail = _redact(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"código {done.returncode}")
        raise BackupError(f"{what} falló: {detail}")
    return done.stdout


def _redact(text: str) -> str:
    """No password of a URL in a message."""
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
