"""The device page (administrador): printer and paper, cash drawer, scale and scanner, a test print, the live
weight, and Guardar. It renders ``DevicesView`` and forwards every change to ``DevicesPresenter``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from desktop.presenters import devices
from desktop.presenters.devices import DevicesPresenter, DevicesView
from desktop.ui import binding, choices
from desktop.ui.scale_panel import ScalePanel
from desktop.ui.widgets import BigButton, label, open_over_window, show_message


class DevicesDialog(QDialog):
    """Over the whole window; Cerrar (or Escape) goes back to the sale."""

    def __init__(self, parent: QWidget, presenter: DevicesPresenter) -> None:
        super().__init__(parent)
        self.setObjectName("devices-dialog")
        self.setWindowTitle("Dispositivos")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.presenter = presenter
        self.kind = choices.combo("printer-kind", devices.PRINTER_KINDS)
        self.target = choices.combo("printer-target", editable=True)
        self.hint = label("", "printer-hint", "hint", wrap=True)
        self.paper = choices.combo("printer-width", devices.WIDTHS)
        self.drawer = BigButton("Con cajón", "drawer-enabled")
        self.drawer.setCheckable(True)
        self.pin = choices.combo("drawer-pin", devices.PINS)
        self.scale = choices.combo("scale-protocol", devices.SCALES)
        self.scale_port = choices.combo("scale-port", editable=True)
        self.scanner = choices.combo("scanner-protocol", devices.SCANNERS)
        self.scanner_port = choices.combo("scanner-port", editable=True)
        self.panel = ScalePanel(self, accept=False)
        self.message = label("", "devices-message", wrap=True)
        self.inputs = (self.kind, self.target, self.paper, self.drawer, self.pin, self.scale, self.scale_port,
                       self.scanner, self.scanner_port)
        self._wire()
        self._layout()

    def _wire(self) -> None:
        edit = self.presenter.edit
        for box, name in ((self.kind, "printer_kind"), (self.paper, "width"), (self.pin, "drawer_pin"),
                          (self.scale, "scale_protocol"), (self.scanner, "scanner_protocol")):
            box.currentIndexChanged.connect(lambda _i, b=box, n=name: edit(**{n: b.currentData()}))
        for box, name in ((self.target, "printer_target"), (self.scale_port, "scale_port"),
                          (self.scanner_port, "scanner_port")):
            box.editTextChanged.connect(lambda text, n=name: edit(**{n: text}))
        self.drawer.toggled.connect(lambda on: edit(drawer_enabled=on))

    def _button(self, text: str, name: str, slot: Callable[[], object], role: str = "") -> BigButton:
        button = BigButton(text, name, role)
        button.clicked.connect(slot)
        return button

    def _layout(self) -> None:
        def column(*items: tuple[str, QWidget | None]) -> QVBoxLayout:
            box = QVBoxLayout()
            box.setSpacing(4)
            for caption, widget in items:
                if caption:
                    box.addWidget(label(caption, role="section" if widget is None else "caption"))
                if widget is not None:
                    box.addWidget(widget)
            box.addStretch(1)
            return box

        self.test_print = self._button("Imprimir prueba", "devices-test-print", self.presenter.test_print)
        drawer_row = QHBoxLayout()
        drawer_row.addWidget(self.drawer, 1)
        drawer_row.addWidget(self.pin, 1)
        printer = column(("Impresora", None), ("Conexión", self.kind), ("Dirección", self.target),
                         ("", self.hint), ("Papel", self.paper), ("", self.test_print), ("Cajón", None))
        printer.insertLayout(printer.count() - 1, drawer_row)
        readout = self._button("Probar balanza", "devices-readout", self._readout)
        others = column(("Balanza", None), ("Protocolo", self.scale), ("Puerto", self.scale_port),
                        ("", readout), ("Lector de códigos serie", None), ("Tipo", self.scanner),
                        ("Puerto", self.scanner_port))
        live = column(("Peso en vivo", None), ("", self.panel))
        body = QHBoxLayout()
        body.setSpacing(22)
        for part, stretch in ((printer, 5), (others, 5), (live, 4)):
            holder = QWidget()  # widths follow the stretch only, not what the longest text would like
            holder.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            part.setContentsMargins(0, 0, 0, 0)
            holder.setLayout(part)
            body.addWidget(holder, stretch)
        buttons = QHBoxLayout()
        buttons.addWidget(self._button("Cerrar", "devices-close", self.reject))
        buttons.addWidget(self._button("Buscar puertos", "devices-ports", self.presenter.scan_ports))
        buttons.addWidget(self._button("Detectar balanza", "devices-detect-scale", self.presenter.detect_scale))
        buttons.addWidget(self._button("Guardar", "devices-save", self.presenter.save, "primary"), 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 8, 18, 10)
        outer.setSpacing(6)
        outer.addWidget(label("Dispositivos de la caja", role="title"))
        outer.addLayout(body, 1)
        outer.addWidget(self.message)
        outer.addLayout(buttons)

    def start(self) -> None:
        """Draw the presenter's views from now on and cover the window (without blocking)."""
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)

    def _readout(self) -> None:
        self.panel.attach(self.presenter.readout())

    def show_view(self, view: DevicesView) -> None:
        form = view.form
        for widget in self.inputs:
            widget.blockSignals(True)
        choices.pick(self.kind, form.printer_kind)
        choices.fill(self.target, view.targets, form.printer_target)
        choices.pick(self.paper, form.width)
        self.drawer.setChecked(form.drawer_enabled)
        choices.pick(self.pin, form.drawer_pin)
        choices.pick(self.scale, form.scale_protocol)
        choices.fill(self.scale_port, view.ports, form.scale_port)
        choices.pick(self.scanner, form.scanner_protocol)
        choices.fill(self.scanner_port, view.ports, form.scanner_port)
        for widget in self.inputs:
            widget.blockSignals(False)
        self.hint.setText(view.target_hint)
        self.pin.setEnabled(form.drawer_enabled)
        self.scale_port.setEnabled(form.scale_protocol not in ("", "fake"))
        self.scanner_port.setEnabled(form.scanner_protocol == "plain")
        self.test_print.setEnabled(not view.printing)
        show_message(self.message, view.message, view.error)

    def done(self, result: int) -> None:
        self.panel.detach()
        self.presenter.close()
        super().done(result)
