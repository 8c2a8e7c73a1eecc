"""The live weighing panel: weight, price, the scale's state in colour, Tara, Cero and Aceptar.

It draws ``WeighView`` and forwards touches; ``WeighDialog`` puts it beside the weight keypad (the dialog's hint
names the product and its price per kg), and the device page uses it without Aceptar as the live weight readout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.weighing import WeighingPresenter, WeighView
from desktop.ui import binding, prompts
from desktop.ui.bridges import ScaleBridge
from desktop.ui.style import set_flag
from desktop.ui.widgets import BigButton, label


class ScalePanel(QFrame):
    """Emits ``accepted`` when Aceptar is touched (enabled only for a sellable reading)."""

    accepted = Signal()

    def __init__(self, parent: QWidget | None = None, *, accept: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("scale-panel")
        self.presenter: WeighingPresenter | None = None
        self.bridge = ScaleBridge(self)
        self.weight = label("—", "scale-weight")
        self.price = label("", "scale-price")
        self.state = label("", "scale-state", wrap=True)
        self.tare_label = label("", "scale-tare")
        self.message = label("", "scale-message", wrap=True)
        for widget in (self.weight, self.price, self.state):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tare = BigButton("Tara", "scale-tare-button")
        self.zero = BigButton("Cero", "scale-zero")
        self.tare.clicked.connect(lambda: self.presenter.tare() if self.presenter else None)
        self.zero.clicked.connect(lambda: self.presenter.zero() if self.presenter else None)
        self.accept = BigButton("Aceptar", "scale-accept", "pay")
        self.accept.setMinimumHeight(72)
        self.accept.clicked.connect(self.accepted.emit)
        self.accept.setVisible(accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.tare)
        buttons.addWidget(self.zero)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 12, 18, 14)
        box.setSpacing(8)
        for widget in (self.weight, self.price, self.state, self.tare_label, self.message):
            box.addWidget(widget)
        box.addStretch(1)
        box.addLayout(buttons)
        box.addWidget(self.accept)

    def attach(self, presenter: WeighingPresenter | None) -> None:
        """Show ``presenter``'s live weight and start its poller (``None``: stop showing any)."""
        self.detach()
        self.presenter = presenter
        if presenter is not None:
            binding.bind(presenter, self.show_view)
            self.bridge.start(presenter)

    def detach(self) -> None:
        if self.presenter is not None:
            self.presenter.stop()
            self.presenter.on_change = lambda view: None
            self.presenter = None

    def show_view(self, view: WeighView) -> None:
        self.weight.setText(view.weight)
        self.price.setText(view.price)
        self.price.setVisible(bool(view.unit_price))
        self.state.setText(view.state)
        set_flag(self.state, "level", view.level)
        self.tare_label.setText(view.tare)
        self.message.setText(view.message)
        self.zero.setEnabled(view.can_zero)
        self.accept.setEnabled(view.can_accept)


class WeighDialog(prompts.KeypadDialog):
    """The weight of a weighed product: the live scale panel (when the terminal has a scale) beside the keypad,
    so the weight can always be typed (a scale outage, or a cashier who prefers to)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("weight", "Peso", parent, keys=prompts.DECIMAL, placeholder="0,000 kg")
        self.panel = ScalePanel(self)
        self.panel.setMinimumWidth(440)
        self.panel.setVisible(False)
        self.body.insertWidget(0, self.panel, 5)
        self.body.setStretch(1, 4)

    def attach(self, presenter: WeighingPresenter | None) -> None:
        """Live weight from ``presenter`` (``None``: no scale, only the keypad)."""
        self.panel.attach(presenter)
        self.panel.setVisible(presenter is not None)
        self.setMinimumWidth(980 if presenter is not None else 460)
        self.ok.setText("Usar peso escrito" if presenter is not None else "Aceptar")
        set_flag(self.ok, "role", "" if presenter is not None else "primary")  # Aceptar on the scale leads

    def done(self, result: int) -> None:
        self.panel.detach()
        super().done(result)
