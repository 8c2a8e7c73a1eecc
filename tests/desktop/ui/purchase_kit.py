"""What the back-office purchase UI tests share: a till in the store the supplier's documents are addressed to,
with a few products, and the steps to reach the back office's Compras page, open the XML registration and pick a
file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from PySide6.QtWidgets import QDialog, QWidget

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


def compras(ui: Any, user: str = "rosa", pin: str = "0000") -> QWidget:
    """The back office's Compras page for ``user`` signed in with ``pin`` (Rosa is the administradora, Marta a
    supervisor: 9999)."""
    ui.sign_in(user, pin)
    ui.click("section-purchases", ui.find(QWidget, "back-office"))
    return ui.find(QWidget, "page-purchases")


def open_purchase(ui: Any, user: str = "rosa") -> QDialog:
    """Compras → XML del proveedor → "Registrar XML del proveedor…" by ``user``: the registration, over the whole
    window."""
    compras(ui, user)
    ui.click("purchases-section-xml")
    ui.click("purchases-xml-open")
    return ui.dialog("purchase-dialog")


def pick(ui: Any, qtbot: Any, page: Any, path: Path) -> None:
    """Choose ``path`` in the purchase dialog's file picker."""
    ui.click("purchase-pick", page)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in page.findChildren(QDialog, "purchase-file-picker")))
    picker = page.findChild(QDialog, "purchase-file-picker")
    picker.selectFile(str(path))
    picker.accept()
