"""The offscreen QApplication and the cart model the sale screen draws, bound the way the UI binds it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from desktop.presenters.sale import SalePresenter, SaleView

_NONE_BALLAST: list[None] = []


def application() -> Any:
    """The process's QApplication (offscreen unless a platform was chosen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    keep_none_alive()
    return QApplication.instance() or QApplication([])


def keep_none_alive(refs: int = 250_000) -> None:
    """Hold extra references to ``None`` so this process survives PySide6's refcount leak.

    With PySide6 6.12 on CPython 3.11 (where ``None`` is not yet immortal) every call of a Qt method returning
    void or bool from Python drops one reference to ``None``/``True``/``False`` that it never took; after a few
    thousand calls ``None`` is deallocated and the process aborts ("none_dealloc"). The benchmarks measure the
    leak (``none_refs_per_scan``) and keep themselves alive with this ballast (2 MB, allocated once).
    """
    if sys.version_info < (3, 12) and not _NONE_BALLAST:
        _NONE_BALLAST.extend([None] * refs)
        _NONE_BALLAST.extend([True, False] * (refs // 10))


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
