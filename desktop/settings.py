"""Terminal settings: where the journal lives, the store's header, the printer and the till's policies.

Read from ``terminal.toml`` in the terminal's data folder; every field has a default suited to the demo store.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from desktop.drivers.printers import PrinterConfig


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """The header printed on every receipt."""

    name: str = "Almacén Don Pepe"
    rut: str = "76.235.291-5"
    giro: str = "Comercio al por menor de alimentos"
    address: str = "Av. Independencia 1234, Independencia, Santiago"


@dataclass(frozen=True, slots=True)
class TerminalSettings:
    """Everything a terminal needs to start. ``discount_limit_pct``: above it a supervisor PIN is required."""

    data_dir: Path
    tenant_id: int = 1
    store_id: str = "demo-store"
    terminal_id: str = "caja-1"
    store: StoreInfo = field(default_factory=StoreInfo)
    printer: PrinterConfig = field(default_factory=lambda: PrinterConfig(kind="directory", path="receipts"))
    discount_limit_pct: int = 10
    max_pin_failures: int = 5
    lockout_minutes: int = 5
    label_prefixes_weight: tuple[str, ...] = ("20", "21", "22", "23", "24")
    label_prefixes_price: tuple[str, ...] = ("25", "26", "27", "28", "29")
    label_item_digits: int = 5
    draft_durability: str = "FULL"

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
    path = data_dir / "terminal.toml"
    raw: dict[str, Any] = tomllib.loads(path.read_text("utf-8")) if path.exists() else {}
    known = {f.name for f in fields(TerminalSettings)} - {"data_dir"}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{path}: claves desconocidas {sorted(unknown)}")
    store = StoreInfo(**raw.pop("store", {}))
    printer = PrinterConfig(**raw.pop("printer")) if "printer" in raw else None
    for key in ("label_prefixes_weight", "label_prefixes_price"):
        if key in raw:
            raw[key] = tuple(raw[key])
    settings = TerminalSettings(data_dir=data_dir, store=store, **raw)
    return replace(settings, printer=printer) if printer else settings
