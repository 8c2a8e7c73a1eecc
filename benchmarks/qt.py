"""The offscreen QApplication and the cart model the sale screen draws, bound the way the UI binds it."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from typing import Any

from desktop.presenters.sale import SalePresenter, SaleView

_NONE_GUARDED = False


def application() -> Any:
    """The process's QApplication (offscreen unless a platform was chosen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    keep_none_alive()
    return QApplication.instance() or QApplication([])


def keep_none_alive(refs: int = 1_000_000) -> None:
    """Give ``None``, ``True`` and ``False`` references that are never released, so this process survives.

    With PySide6 6.12 on CPython 3.11 (where ``None`` is not yet immortal) every call from Python of a Qt method
    returning void drops a reference to ``None`` that it never took (``True``/``False`` likewise for bool
    methods); after a few thousand calls ``None`` is deallocated and the process aborts ("none_dealloc"), at
    the latest while finalizing. The benchmarks measure the leak (``none_refs_per_scan``) and keep themselves
    alive by raising the three refcounts once (CPython only; a no-op from 3.12 on).
    """
    global _NONE_GUARDED
    if _NONE_GUARDED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += refs  # ob_refcnt is the first field of every object
    _NONE_GUARDED = True


def none_refs() -> int:
    """The reference count of ``None`` (meaningless on 3.12+, where it is immortal)."""
    return sys.getrefcount(None)


class Cart:
    """The Qt ``CartModel`` bound to a presenter (or, while the UI has none, the presenter's view alone)."""

    def __init__(self, presenter: SalePresenter) -> None:
        try:
            from desktop.ui.cart_model import CartModel
        except ImportError:
            self.model: Any = None
        else:
            self.model = CartModel()
        self.presenter = presenter
        draw: Callable[[SaleView], None] = (lambda v: None) if self.model is None else (
            lambda v: self.model.set_lines(v.lines))
        try:
            from desktop.ui import binding
        except ImportError:
            presenter.on_change = draw
            draw(presenter.view)
        else:
            binding.bind(presenter, draw)

    @property
    def has_model(self) -> bool:
        return self.model is not None

    def rows(self) -> int:
        return self.model.rowCount() if self.model is not None else len(self.presenter.view.lines)

    def last_name(self) -> str:
        """The product name the model shows on its last row (what a cashier sees was added)."""
        if self.model is None:
            return self.presenter.view.lines[-1].name
        from PySide6.QtCore import Qt

        index = self.model.index(self.model.rowCount() - 1, 0)
        return str(self.model.data(index, Qt.ItemDataRole.DisplayRole))
