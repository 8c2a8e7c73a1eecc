"""Terminal settings: where the journal lives, the store's header, the devices and the till's policies.

Read from (and written by the device page to) ``terminal.toml`` in the terminal's data folder; every field has a
default suited to the demo store. Devices are ``[printer]``, ``[drawer]``, ``[scale]`` and ``[scanner]``; no
``[scale]`` means no scale (weights are typed) and no ``[scanner]`` means keyboard-wedge scanners only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from desktop.drivers.ports import DrawerConfig
from desktop.drivers.printers import PrinterConfig
from desktop.drivers.receipt import PaperWidth
from desktop.drivers.scales.config import ScaleConfig
from desktop.drivers.scanner import ScannerConfig

FILE_NAME = "terminal.toml"
CASHIER_CHANGES = ("count", "drawer", "shared")
"""What [Cambiar cajero] does: a blind count closing the outgoing cashier's shift, a drawer and shift per cashier,
or the same shift goes on."""


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """The header printed on every receipt."""

    name: str = "Almacén Don Pepe"
    rut: str = "76.235.291-5"
    giro: str = "Comercio al por menor de alimentos"
    address: str = "Av. Independencia 1234, Independencia, Santiago"
    comuna: str = "Independencia"
    acteco: int = 471100  # SII activity code (notas de crédito need one): retail, mostly food
    sii_office: str = ""  # the SII unit of the store's address, printed under the recuadro ("SANTIAGO NORTE")
    logo: str = str(Path(__file__).with_name("demo") / "logo.png")  # image file; "" prints no logo


@dataclass(frozen=True, slots=True)
class DocumentSettings:
    """The SII documents the till stamps (``[documents]``).

    ``boleta_for_cards``: card-only sales get a boleta too (off when the store treats the card voucher as the
    document) until HQ publishes the business's «modelo de emisión», which then rules (docs/card-sales.md);
    ``low_folios``: below this many folios left of a type the sale view warns; ``resolution_number`` and
    ``resolution_year``: the SII resolution printed under the timbre ("Res. 0 de 2026" in certificación).
    """

    boleta_for_cards: bool = True
    low_folios: int = 50
    resolution_number: int = 0
    resolution_year: int = 2026


@dataclass(frozen=True, slots=True)
class BackupSettings:
    """Copies of the journal (``[backup]``, docs/backups.md): ``folder`` the store chooses (a USB stick, a network
    share; "" = none yet), the ``keep`` most recent kept, one every ``every_minutes`` while the till runs and one at
    each shift close; the back office warns when the last good copy is older than ``warn_hours``."""

    folder: str = ""
    keep: int = 7
    every_minutes: int = 60
    warn_hours: int = 26

    def validate(self) -> None:
        if self.keep < 1:
            raise ValueError("[backup] keep debe ser 1 o más")
        if self.every_minutes < 1:
            raise ValueError("[backup] every_minutes debe ser 1 o más")
        if self.warn_hours < 1:
            raise ValueError("[backup] warn_hours debe ser 1 o más")


@dataclass(frozen=True, slots=True)
class JournalSettings:
    """The journal's archive files (``[journal]``, docs/year-journal.md): months the server acknowledged that ended
    more than ``retention_days`` ago move out of the journal into verified files beside it."""

    retention_days: int = 400

    def validate(self) -> None:
        if self.retention_days < 31:
            raise ValueError("[journal] retention_days debe ser 31 o más (el mes que el contador cierra)")


@dataclass(frozen=True, slots=True)
class TerminalSettings:
    """Everything a terminal needs to start. ``discount_limit_pct``: above it a supervisor PIN is required.

    Store policies (top-level keys of ``terminal.toml``): ``void_needs_pin`` (default false): removing a line
    before payment needs a supervisor's PIN; without it the cashier removes it alone, and either way the removal is
    journaled (``sale.line_removed``). Undoing a completed sale is always a return with a supervisor's PIN.
    ``open_price_needs_pin`` (default false): selling a scanned code missing from the catalog at a typed price
    needs a supervisor's PIN (the sale's line keeps the code, for HQ's list of unknown codes).
    ``cashier_change`` (default ``"count"``): at [Cambiar cajero] the outgoing cashier counts the drawer blind and
    their shift closes with its Z report, so a cash difference is one person's; the next cashier opens a shift
    with that cash as the float. ``"drawer"``: a drawer (cash tray) per cashier: each has their own shift, kept
    open while another sells and closed with its own count. ``"shared"``: the shift goes on under the next cashier
    (one drawer, one count).
    """

    data_dir: Path
    tenant_id: int = 1
    store_id: str = "demo-store"
    terminal_id: str = "caja-1"
    store: StoreInfo = field(default_factory=StoreInfo)
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    printer: PrinterConfig = field(default_factory=lambda: PrinterConfig(kind="directory", path="receipts"))
    drawer: DrawerConfig = field(default_factory=DrawerConfig)
    scale: ScaleConfig | None = None
    scanner: ScannerConfig | None = None
    discount_limit_pct: int = 10
    void_needs_pin: bool = False
    open_price_needs_pin: bool = False
    cashier_change: str = "count"
    max_pin_failures: int = 5
    lockout_minutes: int = 5
    label_prefixes_weight: tuple[str, ...] = ("20", "21", "22", "23", "24")
    label_prefixes_price: tuple[str, ...] = ("25", "26", "27", "28", "29")
    label_item_digits: int = 5
    draft_durability: str = "FULL"
    backup: BackupSettings = field(default_factory=BackupSettings)
    journal: JournalSettings = field(default_factory=JournalSettings)

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.sqlite3"

    def printer_config(self) -> PrinterConfig:
        """The printer config with a relative file/folder path resolved against the data folder."""
        if self.printer.kind in ("file", "directory") and not Path(self.printer.path).is_absolute():
            return replace(self.printer, path=str(self.data_dir / self.printer.path))
        return self.printer


def load(data_dir: Path) -> TerminalSettings:
    """Settings from ``data_dir/terminal.toml`` (missing file = defaults).

    Raises:
        ValueError: an unknown key or a value of the wrong kind, naming it.
    """
    path = data_dir / FILE_NAME
    return parse(path.read_text("utf-8") if path.exists() else "", data_dir, source=str(path))


def parse(text: str, data_dir: Path, *, source: str = FILE_NAME) -> TerminalSettings:
    """Settings from the TOML ``text`` of a ``terminal.toml`` (``source`` names it in errors).

    Raises:
        ValueError: not TOML, an unknown key or a value of the wrong kind, naming it.
    """
    path = source
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: no es TOML válido ({exc})") from None
    known = {f.name for f in fields(TerminalSettings)} - {"data_dir"}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{path}: claves desconocidas {sorted(unknown)}")
    tables = {name: raw.pop(name) for name in ("store", "documents", "printer", "drawer", "scale", "scanner",
                                                 "backup", "journal") if name in raw}
    for key in ("label_prefixes_weight", "label_prefixes_price"):
        if key in raw:
            raw[key] = tuple(raw[key])
    try:
        settings = TerminalSettings(data_dir=data_dir, **raw)
        devices = {name: _table(cls, tables[name], name) for name, cls in (
            ("store", StoreInfo), ("documents", DocumentSettings), ("printer", PrinterConfig),
            ("drawer", DrawerConfig), ("scale", ScaleConfig), ("scanner", ScannerConfig),
            ("backup", BackupSettings), ("journal", JournalSettings)) if name in tables}
        settings = replace(settings, **devices)
        validate(settings)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    return settings


def _table(cls: type, table: Any, name: str) -> Any:
    if not isinstance(table, dict):
        raise ValueError(f"[{name}] debe ser una tabla")
    unknown = set(table) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"[{name}] claves desconocidas {sorted(unknown)}")
    for f in fields(cls):
        if f.name in table and not _fits(table[f.name], f.type):
            raise ValueError(f"[{name}] {f.name} = {table[f.name]!r} no es del tipo esperado")
    return cls(**table)


def _fits(value: Any, annotation: Any) -> bool:
    kinds: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "float": (int, float), "bool": bool,
                                                 "Kind": str}
    expected = kinds.get(str(annotation))
    if expected is None:
        return True
    if isinstance(value, bool) and str(annotation) != "bool":
        return False
    return isinstance(value, expected)


def validate(s: TerminalSettings) -> None:
    """Check the device settings together (a Magellan scanner needs its scale, pins, widths…).

    Raises:
        ValueError: in Spanish, naming the section.
    """
    if s.cashier_change not in CASHIER_CHANGES:
        raise ValueError(f"cashier_change = {s.cashier_change!r}: use {' o '.join(map(repr, CASHIER_CHANGES))}")
    PaperWidth.parse(s.printer.width)
    s.drawer.validate()
    s.backup.validate()
    s.journal.validate()
    if s.scale is not None:
        s.scale.validate()
    if s.scanner is not None:
        s.scanner.validate(s.scale)


def dump(s: TerminalSettings) -> str:
    """``s`` as TOML: top-level values that differ from the defaults, then the device tables; only known keys."""
    defaults = TerminalSettings(data_dir=s.data_dir)
    top, tables = [], []
    for f in fields(TerminalSettings):
        value = getattr(s, f.name)
        if f.name == "data_dir" or value is None:
            continue
        if dataclasses.is_dataclass(value):
            always = f.name in ("printer", "drawer", "scale", "scanner")
            if always or value != getattr(defaults, f.name):
                tables.append(_dump_table(f.name, value))
        elif value != getattr(defaults, f.name):
            top.append(f"{f.name} = {_toml(value)}")
    return "\n".join([*top, *([""] if top else []), *tables]).strip() + "\n"


def _dump_table(name: str, value: Any) -> str:
    blank = type(value)(**{f.name: getattr(value, f.name) for f in fields(value)
                           if f.default is dataclasses.MISSING})
    lines = [f"[{name}]"]
    for f in fields(value):
        item = getattr(value, f.name)
        if f.default is dataclasses.MISSING or item != getattr(blank, f.name) or f.name in ("width", "enabled", "pin"):
            lines.append(f"{f.name} = {_toml(item)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string: JSON's escapes are all valid TOML


def save(s: TerminalSettings) -> Path:
    """Write ``s`` to ``s.data_dir/terminal.toml`` atomically (temporary file, fsync, rename); returns the path.

    Raises:
        ValueError: invalid settings (nothing is written).
        OSError: the folder cannot be written.
    """
    validate(s)
    text = dump(s)
    if parse(text, s.data_dir) != s:
        raise ValueError("la configuración no se puede guardar tal cual (valores fuera de lo que TOML conserva)")
    s.data_dir.mkdir(parents=True, exist_ok=True)
    path = s.data_dir / FILE_NAME
    fd, tmp = tempfile.mkstemp(prefix=".terminal-", suffix=".toml", dir=s.data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path

