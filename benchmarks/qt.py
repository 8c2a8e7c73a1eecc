"""The offscreen QApplication and the cart model the sale screen draws, bound the way the UI binds it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from desktop.presenters.sale import SalePresenter, SaleView


def application() -> Any:
    """The process's QApplication (offscreen unless a platform was chosen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


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
