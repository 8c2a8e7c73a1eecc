"""What the back-office purchase UI tests share: a till in the store the supplier's documents are addressed to,
with a few products, and the steps to reach "Registrar compra" and pick a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from PySide6.QtWidgets import QDialog

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed

STORE = "77447842-6"
"""The store's RUT: the receptor of every supplier document in these tests."""


def product_rows(products: tuple[tuple[str, str, str, str], ...]) -> list[dict[str, str]]:
    """Catalog rows (``seed.seed``) for ``(sku, name, price, barcode)`` unit products, 12 in stock."""
    return [{"sku": sku, "name": name, "price": price, "category": "Abarrotes", "sold_by": "unit", "barcode": code,
             "plu": "", "brand": "", "iva_exempt": "0", "favourite": "1", "stock": "12"}
            for sku, name, price, code in products]


def store_terminal(tmp_path: Path, rows: list[dict[str, str]], printer: Any, scale: Any, reader: Any
                   ) -> Iterator[terminal_mod.Terminal]:
    """The window's terminal (for a fixture to yield), in the store with RUT :data:`STORE`, seeded with ``rows``."""
    s = settings_mod.TerminalSettings(data_dir=tmp_path / "caja", store=settings_mod.StoreInfo(rut="77.447.842-6"))
    term = terminal_mod.build(s, create=True, printer=printer, scale=scale, reader=reader,
                              hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    seed.seed(term, [dict(r) for r in rows])
    yield term
    term.close()


def open_purchase(ui: Any, pin: str = "9999") -> Any:
    """[Turno…] → "Registrar compra", ``pin`` typed: the PIN dialog (still open when the PIN is refused)."""
    ui.click("action-shift")
    ui.click("purchase", ui.dialog("shift-menu"))
    dialog = ui.dialog("purchase-pin-dialog")
    ui.keypad(pin, dialog)
    ui.click("purchase-pin-ok", dialog)
    return dialog


def pick(ui: Any, qtbot: Any, page: Any, path: Path) -> None:
    """Choose ``path`` in the purchase dialog's file picker."""
    ui.click("purchase-pick", page)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in page.findChildren(QDialog, "purchase-file-picker")))
    picker = page.findChild(QDialog, "purchase-file-picker")
    picker.selectFile(str(path))
    picker.accept()
