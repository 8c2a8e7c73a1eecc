"""Start the till's window on a built ``Terminal``: ``run(terminal)`` from ``almacen pos run``, or
``build_window(terminal)`` in tests."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop.presenters.devices import DevicesPresenter, DevicesView
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


def enroll_presenter(terminal: Terminal) -> EnrollPresenter:
    """The first-run enrolment of ``terminal``: on success its sync service starts at once."""
    return EnrollPresenter(terminal.journal, terminal.settings.data_dir, terminal.attach_sync)


def first_run_wizard(terminal: Terminal) -> EnrollDialog:
    """The first-run wizard of ``terminal`` (connect, receive the store, its devices through the device page's
    presenter)."""
    def devices(on_change: Callable[[DevicesView], None]) -> DevicesPresenter:
        return DevicesPresenter(terminal, terminal.receipts, on_change)
    return EnrollDialog(enroll_presenter(terminal), devices=devices, receipts=terminal.receipts)


def run(terminal: Terminal, *, fullscreen: bool = False) -> int:
    """Create the QApplication if there is none, show the window and run the event loop; the exit code."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Almacén")
    spanish = QTranslator(app)  # Qt's own texts (menus of a text field, standard buttons) in Spanish
    if spanish.load(QLocale("es_CL"), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(spanish)
    app.setStyleSheet(style.STYLESHEET)
    if EnrollPresenter.needed(terminal.journal, terminal.sync is not None):  # first run: connect to HQ now, or
        first_run_wizard(terminal).exec()  # choose to sell offline
    window = build_window(terminal)
    terminal.start_backups()
    if fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return int(app.exec())
