"""Backups of the till's journal: a verified copy in the store's folder on a schedule and at shift close, the most
recent kept, the last good one remembered for the back office; a failure is said in Spanish and never stops a sale.

Layout (docs/backups.md): ``<folder>/almacen-<terminal>-<YYYYMMDD-HHMMSS>.sqlite3``, written as
``….sqlite3.parcial`` and renamed only once read back whole; ``<data>/backup-status.json`` keeps the last good copy
and the last failure.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from desktop.journal import archive
from desktop.journal import backup as journal_backup
from desktop.settings import BackupSettings
from shared.errors import PosError

log = logging.getLogger("desktop.services.backups")
STATUS_FILE = "backup-status.json"
PARTIAL = ".parcial"
_STAMP = "%Y%m%d-%H%M%S"

Copier = Callable[[Path, Path], None]
PAUSE = 5.0
"""The check of a copy rests 5× as long as it works (a sixth of one core): the sale's thread keeps the interpreter
(benchmarks/journal_backup.py: a sale's p99 during back-to-back backups 1.2× of none, 2.4× unpaced). ``almacen pos
backup`` checks at full speed (``pause=0``)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One backup attempt: ``ok`` with the file written and its events, or the Spanish ``error``."""

    ok: bool
    at: datetime
    reason: str
    file: str = ""
    events: int = 0
    removed: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class BackupStatus:
    """What the back office shows: the last good copy (time, file, events), whether it is too old (or there is
    none), and the last failure when it came after it. ``text`` and ``warning`` are the Spanish lines, ``short``
    two lines for a button ("Respaldo" / "hace 2 h")."""

    last_ok_at: datetime | None
    last_file: str
    events: int
    old: bool
    error: str
    folder: str
    text: str
    warning: str
    short: str


class BackupService:
    """Copies ``journal_path`` into ``settings.folder``. Thread-safe: one copy at a time. ``pause``: see
    :data:`PAUSE` (0 = check at full speed)."""

    def __init__(self, journal_path: Path, data_dir: Path, terminal_id: str, settings: BackupSettings,
                 clock: Callable[[], datetime], *, copier: Copier = journal_backup.copy_online,
                 pause: float = PAUSE) -> None:
        self.journal_path = journal_path
        self.data_dir = data_dir
        self.terminal_id = terminal_id
        self.settings = settings
        self.clock = clock
        self.copier = copier
        self.pause = pause
        self._lock = threading.Lock()

    @property
    def prefix(self) -> str:
        return f"almacen-{_safe(self.terminal_id)}-"

    def run(self, reason: str = "programado") -> Outcome:
        """Copy, verify and keep the ``keep`` newest copies; record the outcome. Never raises for the folder's
        faults (missing, full, read-only, a copy that does not read back): they come back as ``error``."""
        with self._lock:
            now = self.clock()
            try:
                outcome = self._run(now, reason)
            except journal_backup.CopyFailed as exc:
                log.warning("respaldo fallido (%s): %s", exc.reason, exc.detail)
                outcome = Outcome(False, now, reason, error=self._message(exc.reason))
            self._record(outcome)
            return outcome

    def _run(self, now: datetime, reason: str) -> Outcome:
        folder = self._folder()
        name = f"{self.prefix}{now.strftime(_STAMP)}.sqlite3"
        target = folder / name
        partial = folder / (name + PARTIAL)
        for leftover in folder.glob(f"{self.prefix}*{PARTIAL}"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        try:
            self.copier(self.journal_path, partial)
            checked = journal_backup.check(partial, pause=self.pause)
            if checked.identity.terminal_id != self.terminal_id:
                raise journal_backup.CopyFailed("corrupt", f"la copia es de la caja {checked.identity.terminal_id}")
            os.replace(partial, target)
        except OSError as exc:
            raise journal_backup.CopyFailed("full" if exc.errno == 28 else "io", str(exc)) from exc
        finally:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        removed = self._prune(folder)
        log.info("respaldo %s: %s (%d eventos)", reason, target, checked.events)
        return Outcome(True, now, reason, str(target), checked.events, removed)

    def _folder(self) -> Path:
        if not self.settings.folder:
            raise journal_backup.CopyFailed("unset", "sin carpeta")
        folder = Path(self.settings.folder).expanduser()
        if not folder.is_absolute():
            folder = self.data_dir / folder
        if not folder.is_dir():
            raise journal_backup.CopyFailed("missing", f"no existe {folder}")
        if folder.stat().st_mode & 0o222 == 0 or not os.access(folder, os.W_OK):
            raise journal_backup.CopyFailed("read_only", f"sin escritura en {folder}")
        return folder

    def copies(self) -> list[Path]:
        """The finished copies of this till in the folder, newest first ([] when the folder is not reachable)."""
        try:
            folder = self._folder()
        except journal_backup.CopyFailed:
            return []
        pattern = re.compile(re.escape(self.prefix) + r"\d{8}-\d{6}\.sqlite3$")
        return sorted((p for p in folder.iterdir() if pattern.match(p.name)), key=lambda p: p.name, reverse=True)

    def _prune(self, folder: Path) -> tuple[str, ...]:
        removed = []
        for old in self.copies()[self.settings.keep:]:
            try:
                old.unlink()
                removed.append(old.name)
            except OSError as exc:  # a copy left behind is no harm; the next run tries again
                log.warning("no se pudo borrar el respaldo antiguo %s: %s", old, exc)
        return tuple(removed)

    def due(self) -> bool:
        """True when no copy was attempted in the last ``every_minutes`` (good or failed: a missing USB stick is
        retried at the next interval, not in a loop)."""
        status = self._read()
        tried = [d for d in (_when(status.get(k)) for k in ("last_ok_at", "last_error_at")) if d is not None]
        last = max(tried, default=None)
        return last is None or self.clock() - last >= timedelta(minutes=self.settings.every_minutes)

    def archived(self) -> archive.Status | None:
        """What the journal keeps in archive files (``desktop.journal.archive``); None when it cannot be read."""
        try:
            return archive.status_of(self.journal_path)
        except PosError as exc:
            log.warning("estado de los archivos del diario ilegible: %s", exc)
            return None

    def status(self) -> BackupStatus:
        """The last good copy and the warning when there is none, it is older than ``warn_hours``, or the last
        attempt failed."""
        raw = self._read()
        now = self.clock()
        last_ok = _when(raw.get("last_ok_at"))
        failed_at = _when(raw.get("last_error_at"))
        error = str(raw.get("last_error", "")) if failed_at and (last_ok is None or failed_at > last_ok) else ""
        events = raw.get("events", 0)
        events = events if isinstance(events, int) else 0
        old = last_ok is None or now - last_ok > timedelta(hours=self.settings.warn_hours)
        if last_ok is None:
            text, short = "Respaldo: todavía no hay ninguno", "Respaldo\nninguno"
        else:
            text = f"Último respaldo: {_ago(now, last_ok)} ({events:,} eventos)".replace(",", ".")
            short = f"Respaldo\n{_ago(now, last_ok)}"
        if error and not old:
            short = "Respaldo\nfalló"
        warning = ""
        if not self.settings.folder:
            warning = self._message("unset")
        elif error:
            warning = error
        elif old:
            warning = (f"El último respaldo tiene más de {self.settings.warn_hours} horas: revise el pendrive o la "
                       "carpeta de red.")
        return BackupStatus(last_ok, str(raw.get("last_file", "")), events, old, error,
                            self.settings.folder, text, warning, short)

    def _message(self, reason: str) -> str:
        folder = self.settings.folder
        return {
            "unset": "No hay carpeta de respaldo: el diario no se está copiando. Pida a quien instaló la caja que "
                     "elija un pendrive o una carpeta de red ([backup] folder en terminal.toml).",
            "missing": f"La carpeta de respaldo {folder} no existe o no está conectada (¿pendrive desconectado?). "
                       "La caja sigue vendiendo.",
            "full": f"No queda espacio en {folder}: el respaldo no se guardó. Libere espacio; la caja sigue vendiendo.",
            "read_only": f"No se puede escribir en {folder} (solo lectura o sin permiso): el respaldo no se guardó. "
                         "La caja sigue vendiendo.",
            "corrupt": f"La copia escrita en {folder} no se pudo leer completa: se descartó. Revise el pendrive o "
                       "la carpeta de red; la caja sigue vendiendo.",
        }.get(reason, f"Error de disco al copiar el diario a {folder}: el respaldo no se guardó. La caja sigue "
                      "vendiendo.")

    # --- the status file ------------------------------------------------------------------------------------
    def _read(self) -> dict[str, object]:
        try:
            data = json.loads((self.data_dir / STATUS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _record(self, outcome: Outcome) -> None:
        data = self._read()
        if outcome.ok:
            data.update(last_ok_at=outcome.at.isoformat(), last_file=outcome.file, events=outcome.events,
                        reason=outcome.reason)
        else:
            data.update(last_error_at=outcome.at.isoformat(), last_error=outcome.error)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".backup-status-", dir=self.data_dir)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.data_dir / STATUS_FILE)
        except OSError as exc:  # the till's own disk: the journal would fail too; only log here
            log.warning("no se pudo guardar el estado del respaldo: %s", exc)


class BackupWorker:
    """Runs :meth:`BackupService.run` in a thread: when due (checked every ``poll_s``) and when :meth:`request`-ed
    (shift close). The sale never waits for it: the copy reads a snapshot of the WAL database. ``before_requested``
    runs first on a request (the till archives its due months at shift close, so the copy carries the new files);
    an Almacén error it raises is logged and the copy goes on."""

    def __init__(self, service: BackupService, *, poll_s: float = 60.0,
                 on_done: Callable[[Outcome], None] | None = None,
                 before_requested: Callable[[], object] | None = None) -> None:
        self.service = service
        self.poll_s = poll_s
        self.on_done = on_done
        self.before_requested = before_requested
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._reason = "programado"
        self._thread = threading.Thread(target=self._loop, name="almacen-backup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self, reason: str = "cierre de turno") -> None:
        self._reason = reason
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            asked = self._wake.wait(self.poll_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            if asked and self.before_requested is not None:
                try:
                    self.before_requested()
                except PosError as exc:
                    log.warning("archivo del diario al cerrar el turno: %s", exc)
            if asked or self.service.due():
                outcome = self.service.run(self._reason if asked else "programado")
                self._reason = "programado"
                if self.on_done is not None:
                    self.on_done(outcome)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _ago(now: datetime, then: datetime) -> str:
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 1:
        return "recién"
    if minutes < 60:
        return f"hace {minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"hace {hours} h"
    return f"hace {hours // 24} días"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "caja"


@dataclass(frozen=True, slots=True)
class Restored:
    """A restore done: the copy put back, its events and epoch, and where the replaced journal was moved."""

    copy: str
    events: int
    epoch: int
    head_seq: int
    previous: str


def restore(copy: Path, journal_path: Path, now: datetime) -> Restored:
    """Put the verified copy back as the till's journal (the till closed); the journal it replaces is moved aside.

    Raises:
        RestoreRefused: in Spanish: the copy does not verify, is another till's, the till is open, or the folder
            cannot be written. Nothing is changed then.
    """
    try:
        checked, aside = journal_backup.restore(copy, journal_path, now)
    except journal_backup.CopyFailed as exc:
        raise RestoreRefused(_restore_message(exc, copy)) from exc
    return Restored(str(copy), checked.events, checked.identity.epoch, checked.head_seq,
                    "" if aside is None else str(aside))


class RestoreRefused(PosError):
    """A restore that did not happen, with the reason in Spanish."""


def _restore_message(exc: journal_backup.CopyFailed, copy: Path) -> str:
    return {
        "missing": f"No existe el respaldo {copy}.",
        "corrupt": f"El respaldo {copy} no pasa la verificación (dañado o no es un diario de Almacén): no se "
                   f"restauró nada. Detalle: {exc.detail}",
        "foreign": f"El respaldo {copy} es de otra caja: no se restauró nada. Detalle: {exc.detail}",
        "locked": "La caja está abierta: ciérrela antes de restaurar un respaldo.",
        "full": "No queda espacio en el disco de la caja para restaurar: no se restauró nada.",
        "read_only": "La carpeta de datos de la caja es de solo lectura: no se restauró nada.",
    }.get(exc.reason, f"Error de disco al restaurar {copy}: {exc.detail}")
