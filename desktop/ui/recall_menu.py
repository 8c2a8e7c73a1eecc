"""[Recuperar]'s menu: the sales suspended at this till, one big button each (label, time, products, total)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from desktop.presenters.sale import SuspendedView
from desktop.ui.widgets import BigButton, label

MAX_CHOICES = 5
"""As many as fit a 600 px high screen at a fingertip each (the oldest first: the one waiting longest)."""


class RecallMenu(QDialog):
    """Buttons ``recall-0``… for the suspended sales; emits ``chosen(suspended_id)`` or ``cancelled``."""

    chosen = Signal(int)
    cancelled = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("recall-menu")
        self.setWindowTitle("Recuperar venta")
        self.setModal(True)
        self.setMinimumWidth(700)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 14)
        outer.setSpacing(8)
        outer.addWidget(label("Recuperar venta suspendida", role="title"))
        outer.addWidget(label("Toque la venta que sigue: vuelve con sus productos y su cliente.", role="hint",
                              wrap=True))
        self.ids: list[int] = []
        self.buttons: list[BigButton] = []
        for i in range(MAX_CHOICES):
            button = BigButton("", f"recall-{i}")
            button.setStyleSheet("text-align: left; padding-left: 18px;")
            button.clicked.connect(lambda _=False, n=i: self._choose(n))
            self.buttons.append(button)
            outer.addWidget(button)
        cancel = BigButton("Volver", "recall-cancel")
        cancel.clicked.connect(self.reject)
        outer.addSpacing(6)
        outer.addWidget(cancel)

    def ask(self, choices: tuple[SuspendedView, ...]) -> None:
        """Show ``choices`` (the first :data:`MAX_CHOICES`) without blocking."""
        shown = choices[:MAX_CHOICES]
        self.ids = [c.suspended_id for c in shown]
        for i, button in enumerate(self.buttons):
            button.setVisible(i < len(shown))
            if i < len(shown):
                c = shown[i]
                button.setText(f"{c.label} · {c.time} · {c.lines} · {c.total}")
        self.adjustSize()
        self.open()

    def _choose(self, n: int) -> None:
        self.done(QDialog.DialogCode.Accepted)
        self.chosen.emit(self.ids[n])

    def reject(self) -> None:
        self.cancelled.emit()
        super().reject()

    def dismiss(self) -> None:
        """Close because the presenter moved on (no ``cancelled``)."""
        self.done(QDialog.DialogCode.Accepted)
