"""Suspended sales: [Suspender]'s prompt (an optional name to find the sale again, on the on-screen keyboard) and
[Recuperar]'s menu (the sales suspended at this till, one big button each: label, time, products, total)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.presenters.sale import SuspendedView
from desktop.services import suspend
from desktop.ui.touch_keyboard import TouchKeyboard
from desktop.ui.widgets import BigButton, label, named


class SuspendPrompt(QDialog):
    """[Suspender]: a name to find the sale again («señora del pan»), optional; emits ``submitted(name)``."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("suspend-prompt")
        self.setWindowTitle("Suspender venta")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 10)
        outer.setSpacing(8)
        header = QHBoxLayout()
        header.addWidget(label("Suspender venta", role="title"), 1)
        cancel = BigButton("Cancelar", "suspend-cancel")
        cancel.setFixedWidth(150)
        cancel.clicked.connect(self.reject)
        ok = BigButton("Suspender", "suspend-ok", "primary")
        ok.setFixedWidth(200)
        ok.clicked.connect(self._submit)
        header.addWidget(cancel)
        header.addWidget(ok)
        outer.addLayout(header)
        outer.addWidget(label("Un nombre para encontrarla al recuperarla (opcional; sin nombre se usa el del cliente o "
                              "la hora).", role="hint", wrap=True))
        self.name = named(QLineEdit(), "suspend-name")
        self.name.setMaxLength(suspend.LABEL_MAX)
        self.name.setPlaceholderText("Ej. señora del pan")
        self.name.setProperty("enterLabel", "Suspender")
        self.name.returnPressed.connect(self._submit)
        outer.addWidget(self.name)
        outer.addWidget(TouchKeyboard(), 1)

    def ask(self) -> None:
        """Show over the whole window (without blocking), the name field ready."""
        parent = self.parentWidget()
        if parent is not None:
            self.resize(parent.window().size())
        self.open()
        self.name.setFocus()

    def _submit(self) -> None:
        self.accept()
        self.submitted.emit(self.name.text())

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
