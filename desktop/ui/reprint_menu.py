"""[Reimprimir]'s menu: the last documents this till printed, one big button each; a touch prints it again."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from desktop.ui.widgets import BigButton, label

MAX_CHOICES = 5
"""As many as fit a 600 px high screen at a fingertip each."""


class ReprintMenu(QDialog):
    """Buttons ``reprint-0``… for ``(key, label)`` choices, newest first; emits ``chosen(key)`` or ``cancelled``."""

    chosen = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("reprint-menu")
        self.setWindowTitle("Reimprimir")
        self.setModal(True)
        self.setMinimumWidth(640)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 14)
        outer.setSpacing(8)
        outer.addWidget(label("Reimprimir", role="title"))
        outer.addWidget(label("Toque el documento que quiere imprimir de nuevo (sale marcado como copia).",
                              role="hint", wrap=True))
        self.keys: list[str] = []
        self.buttons: list[BigButton] = []
        for i in range(MAX_CHOICES):
            button = BigButton("", f"reprint-{i}")
            button.setStyleSheet("text-align: left; padding-left: 18px;")
            button.clicked.connect(lambda _=False, n=i: self._choose(n))
            self.buttons.append(button)
            outer.addWidget(button)
        cancel = BigButton("Volver", "reprint-cancel")
        cancel.clicked.connect(self.reject)
        outer.addSpacing(6)
        outer.addWidget(cancel)

    def ask(self, choices: tuple[tuple[str, str], ...]) -> None:
        """Show ``choices`` (the first ``MAX_CHOICES``) without blocking."""
        self.keys = [key for key, _text in choices[:MAX_CHOICES]]
        for i, button in enumerate(self.buttons):
            button.setVisible(i < len(self.keys))
            if i < len(self.keys):
                button.setText(choices[i][1])
        self.adjustSize()
        self.open()

    def _choose(self, n: int) -> None:
        self.done(QDialog.DialogCode.Accepted)
        self.chosen.emit(self.keys[n])

    def reject(self) -> None:
        self.cancelled.emit()
        super().reject()

    def dismiss(self) -> None:
        """Close because the presenter moved on (no ``cancelled``)."""
        self.done(QDialog.DialogCode.Accepted)
