"""``almacen pos ...``: the store terminal's commands (a part of :mod:`shared.launcher`, like ``dte`` and ``server``).

Also ``python -m desktop.cli pos|dte ...``: the terminal's parts without the launcher.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop import cli_io, dte_cli
from desktop import settings as settings_mod
from desktop.journal.errors import JournalError, JournalProblem
from shared import errors, launcher

if TYPE_CHECKING:
    from desktop.services.sync import SyncStatus


def _settings(args: argparse.Namespace) -> settings_mod.TerminalSettings:
    return settings_mod.load(Path(args.data))


def cmd_init(args: argparse.Namespace) -> int:
    from desktop import terminal
    from desktop.demo import seed

    s = _settings(args)
    if s.journal_path.exists():
        print(f"Ya existe un diario en {s.journal_path}; no se modifica.", file=sys.stderr)
        return 1
    term = terminal.build(s, create=True)
    try:
        if args.demo:
            seed.seed(term)
        print(f"Diario creado en {s.journal_path} ({term.journal.head[0]} eventos)")
    finally:
        term.close()
    return 0


def simulated_scale(s: settings_mod.TerminalSettings, protocol: str) -> tuple[settings_mod.TerminalSettings, Any]:
    """Start a ``ScaleSimulator`` of ``protocol`` on a pty playing the demo routine, and point ``[scale]`` at it
    (a Magellan also becomes the scanner). Returns the settings and the simulator (close it at the end).

    Raises:
        ValueError: an unknown protocol.
    """
    from dataclasses import replace

    from desktop.drivers.scale_sim import ScaleSimulator
    from desktop.drivers.scales import protocols
    from desktop.drivers.scales.config import ScaleConfig
    from desktop.drivers.scanner import ScannerConfig

    if protocol not in protocols.PROTOCOLS:
        raise ValueError(f"protocolo de balanza desconocido: {protocol!r} (use {', '.join(protocols.PROTOCOLS)})")
    simulator = ScaleSimulator(protocol)
    simulator.demo()
    s = replace(s, scale=ScaleConfig(protocol, simulator.port))
    if protocol == "magellan_scc":
        s = replace(s, scanner=ScannerConfig("magellan_scc"))
    print(f"Balanza {simulator.dialect.title} simulada en {simulator.port}: pone y saca productos sola.",
          flush=True)
    return s, simulator


def cmd_run(args: argparse.Namespace) -> int:
    import desktop.ui.app as ui_app
    from desktop import terminal

    s, simulator = _settings(args), None
    if args.simulated_scale:
        try:
            s, simulator = simulated_scale(s, args.simulated_scale)
        except ValueError as exc:
            print(f"ERROR: {exc}", file=sys.stderr)
            return 2
    try:
        term = terminal.build(s)
        try:
            return int(ui_app.run(term, fullscreen=args.fullscreen))
        finally:
            term.close()
    finally:
        if simulator is not None:
            simulator.close()


def cmd_verify(args: argparse.Namespace) -> int:
    """Read every page of the journal, every archive file and every epoch's chain across them; print what holds
    (``archive``: events archived, files, folder, last month archived)."""
    from desktop import terminal
    from desktop.journal import archive

    term = terminal.build(_settings(args))
    try:
        term.journal.check_pages()  # the till's start trusts a cleanly closed file; verify reads every page
        count = term.journal.verify()
        seq, head = term.journal.head
        with term.journal.lock:
            held = archive.status(term.journal.conn, term.journal.path)
        print(json.dumps({"events": count, "epoch": term.journal.identity.epoch, "head_seq": seq,
                          "head_hash": head, "verified": True, "archive": held.as_dict()}, ensure_ascii=False))
    finally:
        term.close()
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    """Move the months acknowledged by the server and older than ``[journal] retention_days`` (or ``--days``) into
    verified archive files (``desktop.journal.archive.run``), then compact the journal unless ``--no-compact``."""
    from desktop import terminal
    from desktop.journal import archive

    s = _settings(args)
    days = args.days or s.journal.retention_days
    if days < 31:
        print("ERROR: --days debe ser 31 o más (el mes que el contador cierra)", file=sys.stderr)
        return 2
    term = terminal.build(s)
    try:
        outcome = archive.run(term.journal, term.journal.clock(), days, compact=not args.no_compact)
        with term.journal.lock:
            held = archive.status(term.journal.conn, term.journal.path)
        print(json.dumps({"archived": [{"file": a.name, "month": a.month, "events": a.events, "bytes": a.size}
                                       for a in outcome.archived],
                          "journal_bytes_before": outcome.size_before, "journal_bytes_after": outcome.size_after,
                          "compacted": outcome.compacted, "archive": held.as_dict()}, ensure_ascii=False))
    finally:
        term.close()
    return 0


def _backups(s: settings_mod.TerminalSettings) -> Any:
    """The backup service of the journal in ``s`` (named by the journal's own terminal id; the till may run)."""
    from datetime import UTC, datetime

    from desktop.journal import backup as journal_backup
    from desktop.services.backups import BackupService

    if not s.journal_path.exists():
        raise JournalError(JournalProblem.MISSING, str(s.journal_path))
    try:
        terminal_id = journal_backup.identity(s.journal_path).terminal_id
    except journal_backup.CopyFailed as exc:
        raise JournalError(JournalProblem.CORRUPT, str(s.journal_path), exc.detail) from exc
    return BackupService(s.journal_path, s.data_dir, terminal_id, s.backup, lambda: datetime.now(UTC), pause=0)


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the journal now into the ``[backup]`` folder (or ``--folder``), verified; exit 6 when it failed."""
    from dataclasses import replace

    s = _settings(args)
    if args.folder:
        s = replace(s, backup=replace(s.backup, folder=args.folder))
    outcome = _backups(s).run("manual")
    if not outcome.ok:
        print(f"ERROR: {outcome.error}", file=sys.stderr)
        return 6
    print(json.dumps({"ok": True, "file": outcome.file, "events": outcome.events, "removed": list(outcome.removed)},
                     ensure_ascii=False))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup back (FILE, or the newest in the ``[backup]`` folder) with the till closed."""
    from datetime import UTC, datetime

    from desktop.services import backups

    s = _settings(args)
    if args.file:
        copy = Path(args.file)
    else:
        newest = _backups(s).copies() if s.journal_path.exists() else []
        if not newest:
            print("ERROR: no hay respaldos en la carpeta de respaldo; indique el archivo.", file=sys.stderr)
            return 1
        copy = newest[0]
    from desktop.services import folios

    mark = folios.mark_restore(s.data_dir)  # the till retires the copy's leases when it opens, even after a power cut
    try:
        done = backups.restore(copy, s.journal_path, datetime.now(UTC))
    except backups.RestoreRefused:
        mark.unlink()
        raise
    report: dict[str, object] = {"restored": True, "copy": done.copy, "events": done.events, "epoch": done.epoch,
                                 "head_seq": done.head_seq, "previous": done.previous}
    report.update(_retire_folios(s))
    print(json.dumps(report, ensure_ascii=False))
    return 0


RESTORED_FOLIOS = ("Diario restaurado. Los folios que la caja tenía al momento del respaldo quedaron retirados: pudo "
                   "usarlos después del respaldo, y repetir un folio duplica un documento tributario. Conecte la caja "
                   "a HQ antes de vender para recibir folios nuevos; sin conexión vende sin boleta hasta recibirlos. "
                   "Si la caja usa un CAF cargado a mano, cargue uno nuevo (almacen pos caf-load).")
"""What ``almacen pos restore`` tells the technician (stderr) once the restored journal gave up its leases."""


def _retire_folios(s: settings_mod.TerminalSettings) -> dict[str, object]:
    """After a restore: open the till, which journals ``folio.leases_retired`` (``FolioService.retire_if_restored``)
    and, when the till is enrolled and the server answers, sync right away so it leases new ranges; what the
    restore's report adds."""
    from desktop import terminal
    from desktop.journal import read_models
    from desktop.services.folios import FolioService

    term = terminal.build(s)  # retires the copy's leases (FolioService.retire_if_restored: the mark is there)
    try:
        retired = read_models.retired_leases(term.journal.conn)
        print(RESTORED_FOLIOS, file=sys.stderr)
        added: dict[str, object] = {"folios_retired": [list(r) for r in retired]}
        if term.sync is None:
            return added
        status = term.sync.sync_once(term.journal.clock())
        added["sync"] = sync_report(status)
        left = FolioService(term.journal, s.store.rut).folios_left(39)
        added["boleta_folios"] = left
        if status.online and left:
            print(f"Sincronizada con HQ: {left} folios de boleta nuevos.", file=sys.stderr)
        else:
            print("No se recibieron folios nuevos todavía (" + (status.failure or status.label) + "): conecte la "
                  "caja y use 'almacen pos sync'.", file=sys.stderr)
        return added
    finally:
        term.close()


def projection_digest(conn: object) -> dict[str, str]:
    """SHA-256 of every read-model table's rows in key order: equal digests = identical projections."""
    from desktop.journal.projections import PROJECTION_TABLES

    result = {}
    for table in PROJECTION_TABLES:
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # type: ignore[attr-defined]
        result[table] = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    return result


def cmd_rebuild(args: argparse.Namespace) -> int:
    from desktop import terminal

    term = terminal.build(_settings(args))
    try:
        before = projection_digest(term.journal.conn)
        replayed = term.journal.rebuild_projections()
        after = projection_digest(term.journal.conn)
        print(json.dumps({"replayed": replayed, "identical": before == after, "tables": after}, indent=2))
        return 0 if before == after else 3
    finally:
        term.close()


def cmd_enroll(args: argparse.Namespace) -> int:
    """Enroll with HQ; create the journal with HQ's identity when there is none (``--demo`` loads the store)."""
    import uuid
    from dataclasses import replace

    from desktop import terminal
    from desktop.demo import seed
    from desktop.services import enrollment

    s = _settings(args)
    existing = terminal.build(s) if s.journal_path.exists() else None
    try:
        if existing is None:
            terminal_id = str(uuid.uuid4())
            registered = enrollment.register(s.data_dir, args.url, args.code, terminal_id)
            s = replace(s, tenant_id=registered.tenant_id, store_id=registered.store_id, terminal_id=terminal_id)
            existing = terminal.build(s, create=True)
            existing.journal.set_sync_state(server_url=registered.server_url)
            if args.demo:
                seed.seed(existing)
        else:
            registered = enrollment.enroll_existing(existing.journal, s.data_dir, args.url, args.code)
        ident = existing.journal.identity
        print(json.dumps({"enrolled": True, "tenant_id": ident.tenant_id, "store_id": ident.store_id,
                          "terminal_id": ident.terminal_id, "server": registered.server_url}))
    finally:
        if existing is not None:
            existing.close()
    return 0


def sync_report(status: SyncStatus) -> dict[str, object]:
    """What ``almacen pos sync`` prints: ``pushed`` is what the server acknowledged in the round, also when the
    round stopped midway; ``error`` says why it stopped (absent when it did not)."""
    report: dict[str, object] = {"online": status.online, "pending": status.pending, "pushed": status.pushed,
                                 "pulled": status.pulled, "status": status.label}
    if status.failure:
        report["error"] = status.failure
    return report


def cmd_sync(args: argparse.Namespace) -> int:
    """One sync round now (push, then pull); prints :func:`sync_report` (exit 5 when the round stopped)."""
    from desktop import terminal

    term = terminal.build(_settings(args))
    try:
        if term.sync is None:
            print("Esta caja no está enrolada: use 'almacen pos enroll URL CODIGO'.", file=sys.stderr)
            return 1
        status = term.sync.sync_once(term.journal.clock())
        print(json.dumps(sync_report(status), ensure_ascii=False))
        return 0 if status.online else 5
    finally:
        term.close()


def cmd_caf_load(args: argparse.Namespace) -> int:
    """Load a CAF file as a folio lease of this terminal (offline use, demo, tests)."""
    from datetime import date

    from desktop import terminal
    from desktop.services.folios import FolioService

    s = _settings(args)
    data = Path(args.file).read_bytes()
    term = terminal.build(s)
    try:
        event = FolioService(term.journal, s.store.rut).load_caf(data, today=date.today())
        left = FolioService(term.journal, s.store.rut).folios_left(event.tipo)
        print(json.dumps({"loaded": True, "tipo": event.tipo, "desde": event.desde, "hasta": event.hasta,
                          "folios_left": left}))
    finally:
        term.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.demo import headless

    if not args.headless:
        print("Use scripts/demo para abrir la ventana; --headless corre la tienda sin ventana.", file=sys.stderr)
        return 2
    try:
        summary = headless.run(Path(args.out), sales=args.sales, seed_value=args.seed)
    except FileExistsError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``pos`` and its commands on an ``add_subparsers()`` object; each sets ``func(args) -> int``."""
    pos: argparse.ArgumentParser = subparsers.add_parser(
        "pos", help="la caja de la tienda (terminal táctil)",
        description="La caja: diario local, ventas, turnos e impresión.")
    sub = pos.add_subparsers(dest="command", required=True)

    def add(name: str, func: object, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--data", default=str(cli_io.DEFAULT_DATA), help="carpeta de datos de la caja (terminal.toml y "
                       "journal.sqlite3); por defecto $ALMACEN_DATA o ~/.local/share/almacen/terminal")
        p.set_defaults(func=func)
        return p

    add("init", cmd_init, "crear el diario de una caja nueva").add_argument(
        "--demo", action="store_true", help="cargar la tienda de demostración (2.000+ productos y usuarios)")
    run = add("run", cmd_run, "abrir la ventana de la caja")
    run.add_argument("--fullscreen", action="store_true", help="pantalla completa (terminal táctil)")
    run.add_argument("--simulated-scale", metavar="PROTOCOLO", default="",
                     help="usar una balanza simulada en un pseudo-terminal (toledo8217, cas_ecr, cas_indicator, "
                          "dibal, digi_ds781, magellan_scc); su peso cambia solo")
    add("verify", cmd_verify, "verificar la cadena de hash del diario y de sus archivos")
    arch = add("archive", cmd_archive, "archivar los meses ya recibidos por el servidor y más antiguos que la "
               "retención ([journal] retention_days) en archivos verificados junto al diario")
    arch.add_argument("--days", type=int, default=0, help="retención en días (por defecto la de terminal.toml, 400)")
    arch.add_argument("--no-compact", action="store_true",
                      help="no reescribir el diario sin las páginas liberadas (SQLite las reusa igual)")
    enroll = add("enroll", cmd_enroll, "enrolar esta caja con HQ usando un código de un solo uso")
    enroll.add_argument("url", help="dirección del servidor, p. ej. http://hq.example.cl:8700")
    enroll.add_argument("code", help="código de enrolamiento entregado por HQ")
    enroll.add_argument("--demo", action="store_true", help="si la caja es nueva, cargar la tienda de demostración")
    add("sync", cmd_sync, "sincronizar ahora con HQ (enviar y recibir)")
    add("backup", cmd_backup, "copiar ahora el diario a la carpeta de respaldo, verificado").add_argument(
        "--folder", default="", help="otra carpeta (por defecto [backup] folder de terminal.toml)")
    add("restore", cmd_restore, "restaurar un respaldo del diario (con la caja cerrada)").add_argument(
        "file", nargs="?", default="", help="archivo de respaldo; por defecto el más reciente de la carpeta")
    add("rebuild-projections", cmd_rebuild, "reconstruir las vistas (stock, turnos, productos) desde el diario")
    add("caf-load", cmd_caf_load, "cargar un archivo CAF del SII como folios de esta caja (sin conexión)"
        ).add_argument("file", help="archivo CAF (XML del SII, ISO-8859-1)")
    demo = add("demo", cmd_demo, "correr la tienda de demostración")
    demo.add_argument("--headless", action="store_true", help="sin ventana: un cajero simulado vende")
    demo.add_argument("--sales", type=int, default=50, help="cantidad de ventas")
    demo.add_argument("--out", default="demo-out", help="carpeta de salida (recibos y summary.json)")
    demo.add_argument("--seed", type=int, default=2026, help="semilla del cajero simulado")
    return pos


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; a journal error exits 4 (with its file and detail), any other Almacén error 1."""
    try:
        return int(args.func(args))
    except JournalError as exc:
        print(f"ERROR: {exc.message}\n  archivo: {exc.path}\n  detalle: {exc.detail}", file=sys.stderr)
        return 4
    except errors.PosError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    """``pos`` and ``dte`` under one root, for :func:`main` (the launcher adds ``server`` when it is installed)."""
    root = argparse.ArgumentParser(prog="almacen", description="Almacén: la caja y los documentos tributarios.")
    parts = root.add_subparsers(dest="part", required=True, metavar="{pos,dte}")
    add_parser(parts)
    dte_cli.add_parser(parts)
    return root


def main(argv: list[str] | None = None) -> int:
    """``almacen pos|dte ...`` without the launcher (``python -m desktop.cli``, tests)."""
    return run(parser().parse_args(argv))


POS = launcher.Part(add_parser, run)
"""``almacen pos`` (entry point ``almacen.commands``)."""
DTE = launcher.Part(dte_cli.add_parser, run)
"""``almacen dte`` (entry point ``almacen.commands``): the terminal's errors, the same exit codes as ``pos``."""


if __name__ == "__main__":
    sys.exit(main())
