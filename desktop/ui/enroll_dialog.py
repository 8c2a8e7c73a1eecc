"""First-run dialog: connect the till to HQ with a one-time code, or keep selling offline."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.presenters.enrollment import EnrollPresenter, EnrollView
from desktop.ui.widgets import BigButton, named


class EnrollDialog(QDialog):
    """Two fields and two big buttons; the presenter does the work."""

    def __init__(self, presenter: EnrollPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enroll-dialog")
        self.setWindowTitle("Conectar con HQ")
        self.presenter = presenter
        title = QLabel("Conectar esta caja con HQ")
        title.setObjectName("enroll-title")
        explain = QLabel("Escriba la dirección de HQ y el código de un solo uso que le entregaron. "
                         "Si no lo tiene, la caja vende igual sin conexión.")
        explain.setWordWrap(True)
        self.url = named(QLineEdit(), "enroll-url")
        self.url.setPlaceholderText("http://hq.mitienda.cl:8700")
        self.code = named(QLineEdit(), "enroll-code")
        self.code.setPlaceholderText("Código, p. ej. K7Q2-9XMD-P4TA")
        self.message = named(QLabel(""), "enroll-message")
        self.message.setWordWrap(True)
        connect = named(BigButton("Conectar"), "enroll-connect")
        later = named(BigButton("Seguir sin conexión"), "enroll-skip")
        connect.clicked.connect(self._connect)
        later.clicked.connect(self._skip)
        buttons = QHBoxLayout()
        buttons.addWidget(later)
        buttons.addWidget(connect)
        layout = QVBoxLayout(self)
        for widget in (title, explain, self.url, self.code, self.message):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setMinimumWidth(640)

    def _show(self, view: EnrollView) -> None:
        self.message.setText(view.message)
        self.message.setProperty("error", view.error)
        if view.done:
            self.accept()

    def _connect(self) -> None:
        self._show(self.presenter.enroll(self.url.text(), self.code.text()))

    def _skip(self) -> None:
        self._show(self.presenter.skip())
