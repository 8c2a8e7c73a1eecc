"""The till's first-run wizard at 1024×600: connect to HQ, receive the store with a progress bar, try the printer
and scale; it renders ``EnrollView`` and forwards touches to ``EnrollPresenter``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters import enrollment
from desktop.presenters.devices import DevicesPresenter, DevicesView
from desktop.presenters.enrollment import EnrollPresenter, EnrollView
from desktop.services.receipts import ReceiptService
from desktop.ui import style
from desktop.ui.bridges import PrintBridge
from desktop.ui.main_window import MIN_HEIGHT, MIN_WIDTH
from desktop.ui.style import BLUE, set_flag
from desktop.ui.touch_keyboard import TouchKeyboard
from desktop.ui.widgets import BigButton, label, named, show_message

WIZARD_STYLE = f"""
QDialog#enroll-dialog QLabel[role="section"] {{ padding: 6px 12px; border-radius: 8px; }}
QDialog#enroll-dialog QLabel[role="section"][current="true"] {{ color: white; background: {BLUE}; }}
QDialog#enroll-dialog QLabel[role="section"]:disabled {{ color: #94a3b8; }}
QDialog#enroll-dialog QLineEdit {{ min-height: 44px; font-size: 20px; }}
QDialog#enroll-dialog QLabel[role="count"] {{ font-size: 40px; font-weight: 800; color: #1e3a8a; }}
QDialog#enroll-dialog QLabel#enroll-message, QLabel#enroll-devices-found, QLabel#enroll-devices-message
    {{ font-size: 19px; }}
"""


class EnrollDialog(QDialog):
    """Three pages in one window; ``devices`` builds the device page's presenter for step 3 (None: no step 3)."""

    def __init__(self, presenter: EnrollPresenter, parent: QWidget | None = None, *,
                 devices: Callable[[Callable[[DevicesView], None]], DevicesPresenter] | None = None,
                 receipts: ReceiptService | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enroll-dialog")
        self.setWindowTitle("Primera puesta en marcha")
        self.setFixedSize(MIN_WIDTH, MIN_HEIGHT)
        self.setStyleSheet(style.STYLESHEET + WIZARD_STYLE)
        self.presenter = presenter
        self.make_devices = devices
        self.devices: DevicesPresenter | None = None
        self.receipts = receipts
        self.print_bridge: PrintBridge | None = None  # the test receipt's outcome, before the main window exists
        presenter.on_change = self.show_view
        self.steps = [label(enrollment.STEP_TITLES[s], f"enroll-step-{s}", "section") for s in enrollment.STEPS]
        self.pages = QStackedWidget()
        self.pages.addWidget(self._connect_page())
        self.pages.addWidget(self._pull_page())
        self.pages.addWidget(self._devices_page())
        self.message = label("", "enroll-message", "hint", wrap=True)
        header = QHBoxLayout()
        for step in self.steps:
            header.addWidget(step)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next_page)
        self.show_view(presenter.view)

    def _button(self, text: str, name: str, slot: Callable[..., object], role: str = "") -> BigButton:
        button = BigButton(text, name, role)
        button.clicked.connect(slot)
        return button

    # -- pages ---------------------------------------------------------------------------------------------------

    def _connect_page(self) -> QWidget:
        page = QWidget()
        self.url = named(QLineEdit(), "enroll-url")
        self.url.setPlaceholderText("Servidor de HQ, p. ej. http://hq.mitienda.cl:8700")
        self.code = named(QLineEdit(), "enroll-code")
        self.code.setPlaceholderText("Código de un solo uso, p. ej. K7Q2-9XMD-P4TA")
        self.code.setProperty("enterLabel", "Conectar")
        self.code.returnPressed.connect(self._connect)
        self.url.returnPressed.connect(self.code.setFocus)
        fields = QGridLayout()
        fields.addWidget(label("Dirección", role="caption"), 0, 0)
        fields.addWidget(self.url, 0, 1)
        for col, text in enumerate(("http://", ":", ":8700"), start=2):
            key = self._button(text, f"enroll-url-{col}", lambda _c=False, t=text: self.url.insert(t), "action")
            key.setFixedWidth(110)
            fields.addWidget(key, 0, col)
        fields.addWidget(label("Código", role="caption"), 1, 0)
        fields.addWidget(self.code, 1, 1, 1, 4)
        fields.setColumnStretch(1, 1)  # the address gets the width; the helper keys stay narrow
        buttons = QHBoxLayout()
        buttons.addWidget(self._button("Seguir sin conexión", "enroll-skip", self._skip))
        buttons.addStretch(1)
        buttons.addWidget(self._button("Conectar", "enroll-connect", self._connect, "primary"))
        self.keyboard = TouchKeyboard()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(label("Conectar esta caja con HQ: escriba la dirección del servidor y el código que le dieron "
                               "en HQ (Cajas). Sin código, la caja vende igual sin conexión.", role="hint", wrap=True))
        layout.addLayout(fields)
        layout.addLayout(buttons)
        layout.addWidget(self.keyboard, 1)
        return page

    def _pull_page(self) -> QWidget:
        page = QWidget()
        self.bar = named(QProgressBar(), "enroll-progress")
        self.bar.setTextVisible(False)
        self.bar.setMinimumHeight(36)
        self.counts = {key: label("0", f"enroll-count-{key}", "count") for key in ("store", "users", "products",
                                                                                   "folios")}
        grid = QGridLayout()
        for col, (key, text) in enumerate((("store", "Datos de la tienda"), ("users", "Usuarios"),
                                            ("products", "Productos"), ("folios", "Rangos de folios"))):
            grid.addWidget(self.counts[key], 0, col)
            grid.addWidget(label(text, role="caption"), 1, col)
        self.cancel = self._button("Detener", "enroll-cancel", self.presenter.cancel_pull, "danger")
        self.retry = self._button("Reintentar", "enroll-retry", self._start_pull)
        self.next = self._button("Seguir", "enroll-next", self._to_devices, "primary")
        buttons = QHBoxLayout()
        for button in (self.cancel, self.retry):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.next)
        layout = QVBoxLayout(page)
        layout.addWidget(label("La caja recibe de HQ los datos de su tienda, los usuarios, el catálogo y los folios.",
                               role="hint", wrap=True))
        layout.addWidget(self.bar)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _devices_page(self) -> QWidget:
        page = QWidget()
        self.found = label("", "enroll-devices-found", wrap=True)
        self.device_message = label("", "enroll-devices-message", wrap=True)
        self.test_print = self._button("Imprimir prueba", "enroll-test-print", self._test_print)
        buttons = QHBoxLayout()
        buttons.addWidget(self._button("Buscar de nuevo", "enroll-rescan", self._rescan))
        buttons.addWidget(self.test_print)
        buttons.addStretch(1)
        buttons.addWidget(self._button("Omitir", "enroll-skip-devices", self._finish_skipping))
        buttons.addWidget(self._button("Guardar y terminar", "enroll-finish", self._finish, "primary"))
        layout = QVBoxLayout(page)
        layout.addWidget(label("Conecte la impresora de boletas y la balanza. La caja las busca; imprima una prueba "
                               "para ver que se lean bien. Puede ajustarlas después en Dispositivos.",
                               role="hint", wrap=True))
        layout.addWidget(self.found)
        layout.addWidget(self.device_message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    # -- drawing -------------------------------------------------------------------------------------------------

    def show_view(self, view: EnrollView) -> None:
        if view.done:
            self._close_devices()
            self._timer.stop()
            self.accept()
            return
        index = enrollment.STEPS.index(view.step)
        for i, step in enumerate(self.steps):
            set_flag(step, "current", i == index)
            step.setEnabled(i <= index)
        self.pages.setCurrentIndex(index)
        show_message(self.message, view.message, view.error)
        for key, widget in self.counts.items():
            widget.setText(f"{getattr(view.counts, key)}")
        if view.pulling:
            self.bar.setRange(0, 0)  # busy: HQ does not say how much remains
        else:
            self.bar.setRange(0, 1)
            self.bar.setValue(1 if view.pulled else 0)
        self.cancel.setVisible(view.pulling)
        self.retry.setVisible(view.step == "pull" and not view.pulling and not view.pulled)
        self.next.setEnabled(not view.pulling)
        if view.step == "pull" and view.pulling:
            self._timer.start()
        if view.step == "devices" and self.devices is None:
            self._open_devices()

    def _show_devices(self, view: DevicesView) -> None:
        self.found.setText(EnrollPresenter.detected(view))
        show_message(self.device_message, view.message, view.error)
        self.test_print.setEnabled(not view.printing)

    # -- actions -------------------------------------------------------------------------------------------------

    def _connect(self) -> None:
        if self.presenter.enroll(self.url.text(), self.code.text()).step == "pull":
            self._start_pull()

    def _skip(self) -> None:
        self.presenter.skip()

    def _start_pull(self) -> None:
        self.presenter.start_pull()

    def _next_page(self) -> None:
        self.presenter.pull_page()

    def _to_devices(self) -> None:
        self.presenter.to_devices()

    def _open_devices(self) -> None:
        if self.make_devices is None:
            self.presenter.finish()
            return
        if self.receipts is not None:
            self.print_bridge = PrintBridge(self.receipts)
        self.devices = self.make_devices(self._show_devices)
        EnrollPresenter.prefer_detected(self.devices)
        self._show_devices(self.devices.view)

    def _rescan(self) -> None:
        if self.devices is not None:
            self.devices.scan_ports()
            EnrollPresenter.prefer_detected(self.devices)

    def _test_print(self) -> None:
        if self.devices is not None:
            self.devices.test_print()

    def _finish(self) -> None:
        if self.devices is not None and self.devices.save().error:
            return
        self.presenter.finish()

    def _finish_skipping(self) -> None:
        self.presenter.finish()

    def _close_devices(self) -> None:
        if self.devices is not None:
            self.devices.close()
            self.devices = None
        if self.print_bridge is not None:
            self.print_bridge.stop()
            self.print_bridge = None

    def reject(self) -> None:  # Escape: stop receiving; the background sync goes on
        self._timer.stop()
        self._close_devices()
        super().reject()
