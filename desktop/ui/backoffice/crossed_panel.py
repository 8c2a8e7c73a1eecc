"""The panel over Productos when a save crossed an HQ change: what HQ did (both values, who and when), the
manager's edit, and the two ways on: «Mantener el de HQ» or «Guardar el mío»."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice.products import CrossedChoice
from desktop.ui.widgets import BigButton, label, named

STYLE = """
QFrame#product-crossed { background: rgba(15, 23, 42, 120); }
QFrame#product-crossed-card { background: #fffbeb; border: 3px solid #f0b429; border-radius: 14px; }
QLabel#product-crossed-title { font-size: 22px; font-weight: 600; color: #5c3c00; }
QLabel#product-crossed-lines { font-size: 18px; color: #1f2937; }
QLabel#product-crossed-mine { font-size: 18px; color: #334155; }
"""


class CrossedPanel(QFrame):
    """Covers its parent page while ``show_choice`` has a choice; ``keep_hq``/``save_mine`` are the buttons'."""

    def __init__(self, parent: QWidget, keep_hq: Callable[[], object], save_mine: Callable[[], object]) -> None:
        super().__init__(parent)
        self.page = parent
        self.setObjectName("product-crossed")
        self.setStyleSheet(STYLE)
        card = named(QFrame(), "product-crossed-card")
        card.setFixedWidth(620)
        self.title = label("", "product-crossed-title", wrap=True)
        self.lines = label("", "product-crossed-lines", wrap=True)
        self.mine = label("", "product-crossed-mine", wrap=True)
        self.keep = BigButton("Mantener el de HQ", "product-keep-hq")
        self.keep.clicked.connect(keep_hq)
        self.mine_button = BigButton("Guardar el mío", "product-save-mine", "primary")
        self.mine_button.clicked.connect(save_mine)
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep)
        buttons.addWidget(self.mine_button)
        box = QVBoxLayout(card)
        box.setContentsMargins(20, 16, 20, 16)
        box.setSpacing(12)
        for widget in (self.title, self.lines, self.mine):
            box.addWidget(widget)
        box.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.page and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.page.rect())
        return False

    def show_choice(self, choice: CrossedChoice | None) -> None:
        if choice is None:
            self.hide()
            return
        self.title.setText(f"Casa matriz cambió {choice.name} mientras usted lo editaba")
        self.lines.setText("\n".join(choice.lines))
        self.mine.setText(f"Su cambio: {choice.mine}. No se guardó nada todavía: elija.")
        self.setGeometry(self.page.rect())
        self.show()
        self.raise_()
