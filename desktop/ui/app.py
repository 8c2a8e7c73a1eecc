"""Start the till's window on a built ``Terminal``: ``run(terminal)`` from ``almacen pos run``, or
``build_window(terminal)`` in tests."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from desktop.presenters.enrollment import EnrollPresenter
from desktop.terminal import Terminal
from desktop.ui import style
from desktop.ui.enroll_dialog import EnrollDialog
from desktop.ui.main_window import MIN_HEIGHT, MIN_WIDTH, MainWindow


def build_window(terminal: Terminal) -> MainWindow:
    """The main window on ``terminal`` (a QApplication must exist), sized for a 1024×600 touch screen."""
    window = MainWindow(terminal)
    window.resize(MIN_WIDTH, MIN_HEIGHT)
    return window


def run(terminal: Terminal, *, fullscreen: bool = False) -> int:
    """Create the QApplication if there is none, show the window and run the event loop; the exit code."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Almacén")
    app.setStyleSheet(style.STYLESHEET)
    if EnrollPresenter.needed(terminal):  # first run: connect to HQ now, or choose to sell offline
        EnrollDialog(EnrollPresenter(terminal)).exec()
    window = build_window(terminal)
    if fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return int(app.exec())
